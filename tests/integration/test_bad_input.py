# -*- coding: utf-8 -*-
# Copyright: (c) 2026, clearip.netsapiens contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Issue 9, item 3, end to end: ``ansible-playbook clearip.netsapiens.sync`` against a NetSapiens that
serves malformed records (the simulator's dataset key ``netsapiens.malformed``). Each one is a failed item
of its own tier, everything else is created, the report is written, and the run exits non-zero."""

from __future__ import annotations

from tests.integration.conftest import vendor_config
from tests.integration.test_subscriber_sync import expected_plain, holdings
from tests.simulators.dataset import make_dataset

from tests.integration.conftest import Sims


def with_malformed(dataset, *items):
    dataset['netsapiens']['malformed'] = list(items)
    return dataset


def test_malformed_users_fail_alone_in_the_users_tier_and_check_mode_predicts_it(sims, sync):
    dataset = make_dataset(resellers=2, domains=4, users=20, seed=9)
    first, last = dataset['netsapiens']['domains'][0]['domain'], dataset['netsapiens']['domains'][3]['domain']
    # The inputs: a user with "user": "" and one with no user key, under an existing domain; and a
    # record that is not an object at all.
    with_malformed(dataset,
                   {'list': 'users', 'domain': first, 'at': 2, 'record': {'user': '', 'domain': first, 'name-first-name': 'Ann'}},
                   {'list': 'users', 'domain': last, 'at': 0, 'record': {'domain': last, 'name-first-name': 'Ben'}},
                   {'list': 'users', 'domain': last, 'at': 4, 'record': 'not a record'})
    # the records' positions are asserted, so the lists keep their stored order (asked for by name)
    s = sims(dataset, netsapiens_config={'order': 'stored'})
    config = vendor_config(s)

    dry = sync(config, check=True)
    assert dry.rc != 0, dry
    assert Sims.total_writes(s.clearip) == 0

    run = sync(config)
    assert run.rc != 0, run
    sps, groups, users = expected_plain(dataset)
    assert holdings(s) == (sps, groups, users)
    assert len(users) == 20
    report = run.out['report']
    assert [len(report['tiers'][t]['created']) for t in ('service_providers', 'groups', 'users')] == [2, 4, 20]
    failed = report['tiers']['users']['failed']
    source = 'GET /ns-api/v2/domains/%s/users'
    assert failed == [
        {'name': 'user #3 of domain %s' % first,
         'reason': "user record #3 of domain %s from %s: an empty 'user' field (record: {\"domain\": \"%s\", "
                   "\"name-first-name\": \"Ann\", \"user\": \"\"}); fix the record in NetSapiens" % (first, source % first, first)},
        {'name': 'user #1 of domain %s' % last,
         'reason': "user record #1 of domain %s from %s: no 'user' field (record: {\"domain\": \"%s\", \"name-first-name\": "
                   "\"Ben\"}); fix the record in NetSapiens" % (last, source % last, last)},
        {'name': 'user #5 of domain %s' % last,
         'reason': 'user record #5 of domain %s from %s: is a string, not an object (record: "not a record"); '
                   'fix the record in NetSapiens' % (last, source % last)},
    ]
    assert report['errors'] == [item['reason'] for item in failed]
    assert [report['tiers'][t]['failed'] for t in ('service_providers', 'groups')] == [[], []]
    # check mode predicted the same failed items and the same creates
    assert dry.out['report']['tiers']['users']['failed'] == failed
    assert sorted(dry.out['report']['tiers']['users']['created']) == sorted(report['tiers']['users']['created'])
    assert "user record #3 of domain %s" % first in run.stdout


def test_a_malformed_domain_fails_in_the_groups_tier_and_holds_back_only_its_own_users(sims, sync):
    dataset = make_dataset(resellers=2, domains=4, users=8, seed=10)
    ns = dataset['netsapiens']
    with_malformed(dataset, {'list': 'domains', 'at': 1, 'record': {'domain': 'odd.example', 'reseller': ['x']}},
                   {'list': 'domains', 'at': 3, 'record': {'reseller': ns['resellers'][0]['reseller']}})
    # the records' positions are asserted, so the lists keep their stored order (asked for by name)
    s = sims(dataset, netsapiens_config={'order': 'stored'})
    run = sync(vendor_config(s))
    assert run.rc != 0, run
    # The malformed records are extra ones, with no user: every well-formed domain's Users are created.
    assert holdings(s) == expected_plain(dataset), run
    report = run.out['report']
    assert [f['name'] for f in report['tiers']['groups']['failed']] == ['domain #4', 'odd.example']
    reasons = [f['reason'] for f in report['tiers']['groups']['failed']]
    assert reasons[0].startswith("domain record #4 from GET /ns-api/v2/domains: no 'domain' field")
    assert reasons[1].startswith("domain record #2 from GET /ns-api/v2/domains: 'reseller' is a list, not text")
    assert report['tiers']['users']['skipped'] is False and report['tiers']['users']['failed'] == []


def test_a_malformed_reseller_and_a_malformed_connection_fail_the_run_and_hold_back_nothing_else(sims, sync):
    dataset = make_dataset(resellers=2, domains=2, users=4, seed=11)
    with_malformed(dataset, {'list': 'resellers', 'at': 0, 'record': {'reseller': None, 'description': 'x'}},
                   {'list': 'connections', 'at': 0, 'record': ['sip*@192.0.2.9']})
    # the records' positions are asserted, so the lists keep their stored order (asked for by name)
    s = sims(dataset, netsapiens_config={'order': 'stored'})
    run = sync(vendor_config(s))
    assert run.rc != 0, run
    assert holdings(s) == expected_plain(dataset)   # the malformed reseller is an extra one, with no domain
    report = run.out['report']
    assert report['tiers']['service_providers']['failed'] == [
        {'name': 'reseller #1', 'reason': "reseller record #1 from GET /ns-api/v2/resellers: no 'reseller' field "
                                          '(record: {"description": "x", "reseller": null}); fix the record in NetSapiens'}]
    assert report['tiers']['groups']['skipped'] is False and report['tiers']['users']['skipped'] is False
    assert report['connections']['failed'] == [
        {'name': 'connection #1', 'reason': 'connection record #1 from GET /ns-api/v2/connections: is a list, not an object '
                                            '(record: ["sip*@192.0.2.9"]); fix the record in NetSapiens'}]
