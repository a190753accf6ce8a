# -*- coding: utf-8 -*-
# Copyright: (c) 2026, clearip.netsapiens contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The subscriber_sync role end to end: ``ansible-playbook clearip.netsapiens.sync -e @config.json``
against both simulators, asserting on what ClearIP holds and on how many writes it saw."""

from __future__ import annotations

import copy
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

from tests.integration.conftest import Sims, vendor_config
from tests.simulators.dataset import make_dataset

TIERS = ('service_providers', 'groups', 'users')
KINDS = {'service_providers': 'serviceProviders', 'groups': 'groups', 'users': 'users'}


def expected_plain(dataset):
    """What ClearIP must hold after a plain-scheme sync: (SP names, {group: SP}, {user: group})."""
    ns = dataset['netsapiens']
    sps = sorted(r['reseller'] for r in ns['resellers'])
    groups = dict((d['domain'], d['reseller']) for d in ns['domains'])
    users = dict(('%s@%s' % (u['user'], u['domain']), u['domain']) for u in ns['users'])
    return sps, groups, users


def holdings(sims):
    """What the ClearIP simulator holds: (SP names, {group: SP name}, {user: group name}), checking no name repeats."""
    state = Sims.state(sims.clearip)
    for kind in ('serviceProviders', 'groups', 'users'):
        repeats = [name for name, n in Counter(o['name'] for o in state[kind]).items() if n > 1]
        assert repeats == [], 'duplicate %s in ClearIP: %s' % (kind, repeats[:5])
    sp_names = dict((o['id'], o['name']) for o in state['serviceProviders'])
    group_names = dict((o['id'], o['name']) for o in state['groups'])
    return (sorted(sp_names.values()),
            dict((o['name'], sp_names[o['serviceProvider']]) for o in state['groups']),
            dict((o['name'], group_names[o['group']]) for o in state['users']))


def test_first_sync_is_exact_second_writes_nothing_and_check_mode_predicts_it(sims, sync):
    dataset = make_dataset(resellers=5, domains=200, users=2000, seed=3, system_users=20)
    s = sims(dataset)
    config = vendor_config(s)

    dry = sync(config, check=True)
    assert dry.rc == 0, dry
    assert Sims.total_writes(s.clearip) == 0
    assert dry.out['report']['check_mode'] is True

    first = sync(config)
    assert first.rc == 0, first
    sps, groups, users = expected_plain(dataset)
    assert holdings(s) == (sps, groups, users)
    assert len(users) == 2020
    report = first.out['report']
    assert report['check_mode'] is False and report['errors'] == []
    for tier, count in (('service_providers', 5), ('groups', 200), ('users', 2020)):
        assert sorted(report['tiers'][tier]['created']) == sorted(dry.out['report']['tiers'][tier]['created'])
        assert len(report['tiers'][tier]['created']) == count
        assert report['tiers'][tier]['failed'] == [] and report['tiers'][tier]['skipped'] is False
    assert Sims.total_writes(s.clearip) == 5 + 200 + 2020
    assert 'Users: 2020 created, 0 existing, 0 failed' in first.stdout
    for secret in (config['netsapiens']['password'], config['netsapiens']['clientSecret'], config['clearip']['password']):
        assert secret not in first.stdout + first.stderr

    Sims.reset_stats(s.clearip)
    second = sync(config)
    assert second.rc == 0, second
    assert Sims.total_writes(s.clearip) == 0
    assert [second.out['report']['tiers'][t]['created'] for t in TIERS] == [[], [], []]
    assert [second.out['report']['tiers'][t]['existing'] for t in TIERS] == [5, 200, 2020]
    assert ' changed=0 ' in second.stdout and 'failed=0 ' in second.stdout
    assert holdings(s) == (sps, groups, users)


def test_check_mode_after_a_partial_sync_predicts_only_the_rest(sims, sync):
    dataset = make_dataset(resellers=3, domains=12, users=60, seed=5,
                           clearip_existing={'service_providers': 1, 'groups': 4, 'users': 20})
    s = sims(dataset)
    before = Sims.state(s.clearip)
    dry = sync(vendor_config(s), check=True)
    assert dry.rc == 0, dry
    assert Sims.total_writes(s.clearip) == 0
    real = sync(vendor_config(s))
    assert real.rc == 0, real
    for tier in TIERS:
        assert sorted(real.out['report']['tiers'][tier]['created']) == sorted(dry.out['report']['tiers'][tier]['created'])
    assert [len(real.out['report']['tiers'][t]['created']) for t in TIERS] == [2, 8, 40]
    assert [real.out['report']['tiers'][t]['existing'] for t in TIERS] == [1, 4, 20]
    after = Sims.state(s.clearip)
    for kind in ('serviceProviders', 'groups', 'users'):   # pre-existing objects are kept untouched
        kept = dict((o['id'], o) for o in after[kind])
        assert all(kept[o['id']] == o for o in before[kind])
    assert holdings(s) == expected_plain(dataset)


@pytest.mark.parametrize('gate', ['parent', 'tier'])
def test_invalid_reseller_holds_back_its_own_domains_or_with_the_tier_gate_groups_and_users(sims, sync, gate):
    dataset = make_dataset(resellers=2, domains=4, users=8, seed=1)
    bad = dataset['netsapiens']['resellers'][0]['reseller']
    dataset['netsapiens']['resellers'].append({'reseller': 'Bad/Reseller', 'description': ''})
    s = sims(dataset)
    run = sync(vendor_config(s), extra_vars={'subscriber_sync_tier_gate': gate})
    assert run.rc != 0
    report = run.out['report']
    assert [f['name'] for f in report['tiers']['service_providers']['failed']] == ['Bad/Reseller']
    assert "reseller 'Bad/Reseller'" in report['errors'][0] and "'/'" in report['errors'][0]
    sps, groups, users = holdings(s)
    assert bad in sps and len(sps) == 2
    if gate == 'tier':   # the vendor binary's rule
        assert report['tiers']['groups']['skipped'] is True and report['tiers']['users']['skipped'] is True
        assert '1 Service Provider(s) failed' in report['tiers']['groups']['skipped_reason']
        assert groups == {} and users == {}
    else:                # the bad reseller has no domain: nothing hangs below it
        assert report['tiers']['groups']['skipped'] is False and report['tiers']['users']['skipped'] is False
        good = copy.deepcopy(dataset)
        good['netsapiens']['resellers'].pop()
        assert (sps, groups, users) == expected_plain(good)
    assert 'Bad/Reseller' in run.stdout


@pytest.mark.parametrize('gate', ['parent', 'tier'])
def test_domain_without_reseller_holds_back_its_users_or_with_the_tier_gate_all_users(sims, sync, gate):
    dataset = make_dataset(resellers=2, domains=4, users=8, seed=2)
    dataset['netsapiens']['domains'].append({'domain': 'orphan.example', 'reseller': '', 'description': ''})
    dataset['netsapiens']['users'].append(dict(dataset['netsapiens']['users'][0], user='777', domain='orphan.example'))
    s = sims(dataset)
    run = sync(vendor_config(s), extra_vars={'subscriber_sync_tier_gate': gate})
    assert run.rc != 0
    report = run.out['report']
    assert report['tiers']['groups']['failed'] == [{'name': 'orphan.example', 'reason': report['errors'][0]}]
    assert 'has no reseller' in report['errors'][0]
    assert report['tiers']['groups']['skipped'] is False and len(report['tiers']['groups']['created']) == 4
    sps, groups, users = holdings(s)
    assert len(sps) == 2 and len(groups) == 4
    if gate == 'tier':
        assert report['tiers']['users']['skipped'] is True and '1 Group(s) failed' in report['tiers']['users']['skipped_reason']
        assert users == {}
    else:
        assert report['tiers']['users']['skipped'] is False and len(report['tiers']['users']['created']) == 8
        assert [f['name'] for f in report['tiers']['users']['failed']] == ['777@orphan.example']
        assert "its domain 'orphan.example' has an error" in report['tiers']['users']['failed'][0]['reason']
        assert len(users) == 8


def test_user_and_connection_errors_stop_nothing_but_fail_the_run(sims, sync):
    dataset = make_dataset(resellers=2, domains=4, users=8, seed=4)
    ns = dataset['netsapiens']
    ns['users'].append(dict(ns['users'][0], user='bad user!'))
    ns['connections'].append({'connection-orig-match-pattern': 'sip*@192.0.2.1', 'domain': '',
                              'connection-address': '192.0.2.1', 'description': ''})
    s = sims(dataset)
    run = sync(vendor_config(s))
    assert run.rc != 0
    report = run.out['report']
    assert len(report['errors']) == 2
    assert [f['name'] for f in report['tiers']['users']['failed']] == ['bad user!@%s' % ns['users'][0]['domain']]
    assert report['connections']['failed'][0]['name'] == 'sip*@192.0.2.1'
    assert 'has no domain' in report['connections']['failed'][0]['reason']
    assert [report['tiers'][t]['skipped'] for t in TIERS] == [False, False, False]
    good = copy.deepcopy(dataset)
    good['netsapiens']['users'].pop()
    assert holdings(s) == expected_plain(good)


def test_moved_domain_is_an_error_under_plain_and_a_new_group_under_unique(sims, sync):
    dataset = make_dataset(resellers=2, domains=4, users=8, seed=6,
                           clearip_existing={'service_providers': 2, 'groups': 4, 'users': 0})
    ns = dataset['netsapiens']
    moved = ns['domains'][0]
    old_reseller, new_reseller = moved['reseller'], ns['resellers'][1]['reseller']
    moved['reseller'] = new_reseller
    s = sims(dataset)

    plain = sync(vendor_config(s))
    assert plain.rc != 0
    failed = plain.out['report']['tiers']['groups']['failed']
    assert [f['name'] for f in failed] == [moved['domain']]
    assert 'moved' in failed[0]['reason'] and old_reseller in failed[0]['reason'] and new_reseller in failed[0]['reason']
    users = plain.out['report']['tiers']['users']
    mine = sorted('%s@%s' % (u['user'], u['domain']) for u in ns['users'] if u['domain'] == moved['domain'])
    assert sorted(f['name'] for f in users['failed']) == mine and users['skipped'] is False
    assert all('held back, because its group %r failed' % moved['domain'] in f['reason'] for f in users['failed'])
    assert Sims.total_writes(s.clearip) == len(ns['users']) - len(mine)   # the other domains' Users

    unique = sync(vendor_config(s), extra_vars={'subscriber_sync_identifier_scheme': 'unique'})
    assert unique.rc == 0, unique
    groups = holdings(s)[1]
    assert groups['%s@%s' % (moved['domain'], new_reseller)] == new_reseller
    assert groups[moved['domain']] == old_reseller      # the old Group is kept, never moved or deleted
    users = holdings(s)[2]   # beside the plain Users the first run made for the domains that did not move
    assert len([name for name in users if name.count('@') == 2]) == 8


def test_no_resellers_scheme_with_filters(sims, sync):
    dataset = make_dataset(resellers=2, domains=6, users=12, seed=8, system_users=2)
    domains = [d['domain'] for d in dataset['netsapiens']['domains']]
    s = sims(dataset)
    run = sync(vendor_config(s), extra_vars={'subscriber_sync_identifier_scheme': 'no_resellers',
                                             'subscriber_sync_service_provider': 'All Customers',
                                             'subscriber_sync_exclude_domains': [domains[0]],
                                             'subscriber_sync_include_system_users': False})
    assert run.rc == 0, run
    sps, groups, users = holdings(s)
    assert sps == ['All Customers']
    assert groups == dict((d, 'All Customers') for d in domains[1:])
    wanted = [u for u in dataset['netsapiens']['users']
              if u['domain'] != domains[0] and not u['service-code'].startswith('system-')]
    assert users == dict(('%s@%s' % (u['user'], u['domain']), u['domain']) for u in wanted)


def test_vendor_config_unchanged_with_clearip_url_from_the_environment(sims, sync):
    dataset = make_dataset(resellers=1, domains=2, users=4, seed=9)
    s = sims(dataset)
    config = vendor_config(s)
    del config['clearip']['url']           # exactly the vendor binary's keys
    run = sync(config, env={'CLEARIP_URL': s.clearip.url})
    assert run.rc == 0, run
    assert holdings(s) == expected_plain(dataset)


def test_role_settings_from_module_defaults(sims, playbook):
    dataset = make_dataset(resellers=1, domains=2, users=4, seed=10)
    s = sims(dataset)
    ns, cip = s.ns_vars(), s.cip_vars()
    text = '''
- hosts: localhost
  gather_facts: false
  module_defaults:
    group/clearip.netsapiens.netsapiens: {host: "%(host)s", client_id: "%(client_id)s", client_secret: "%(client_secret)s",
                                          username: "%(username)s", password: "%(password)s"}
    group/clearip.netsapiens.clearip: {url: "%(url)s", email: "%(email)s", password: "%(cip_password)s"}
  roles:
    - role: clearip.netsapiens.subscriber_sync
      subscriber_sync_report_path: "{{ out_dir }}/report.json"
''' % dict(ns, url=cip['url'], email=cip['email'], cip_password=cip['password'])
    run = playbook(text)
    assert run.rc == 0, run
    assert run.out['report']['errors'] == []
    assert holdings(s) == expected_plain(dataset)


def test_vaulted_role_variables(sims, sync, tmp_path):
    dataset = make_dataset(resellers=1, domains=2, users=4, seed=12)
    s = sims(dataset)
    config = vendor_config(s)
    secret = config['clearip'].pop('password')
    password_file = tmp_path / 'vault-pass'
    password_file.write_text('demo vault password\n')
    vaulted = subprocess.run([str(Path(sys.executable).parent / 'ansible-vault'), 'encrypt_string', '--vault-password-file',
                              str(password_file), '--name', 'subscriber_sync_clearip_password', secret],
                             capture_output=True, text=True, check=True).stdout
    assert secret not in vaulted and '$ANSIBLE_VAULT' in vaulted
    vars_file = tmp_path / 'vault.yml'
    vars_file.write_text(vaulted)
    run = sync(config, args=('-e', '@%s' % vars_file, '--vault-password-file', str(password_file)))
    assert run.rc == 0, run.stdout[-4000:]
    assert holdings(s) == expected_plain(dataset)
    assert secret not in run.stdout + run.stderr


def test_a_targeted_sync_reads_only_its_domains_and_names_one_netsapiens_does_not_list(sims, sync):
    dataset = make_dataset(resellers=2, domains=4, users=12, seed=31, clearip_existing={'service_providers': 2, 'groups': 4, 'users': 0})
    s = sims(dataset)
    domains = [d['domain'] for d in dataset['netsapiens']['domains']]
    gone = 'deleted-since-the-event.example'
    run = sync(vendor_config(s), extra_vars={'subscriber_sync_domains': [domains[1], gone]})
    assert run.rc != 0, run                      # the unknown domain is an error of its own...
    report = run.out['report']
    assert report['status'] == 'partial' and report['error'] is None
    assert [f['name'] for f in report['tiers']['users']['failed']] == [gone]
    assert gone in report['tiers']['users']['failed'][0]['reason'] and 'does not list it' in report['tiers']['users']['failed'][0]['reason']
    # ...and the domain that exists is synced: its users only, nothing asked of the other domains or of the unknown one.
    wanted = sorted('%s@%s' % (u['user'], u['domain']) for u in dataset['netsapiens']['users'] if u['domain'] == domains[1])
    assert sorted(u['name'] for u in Sims.state(s.clearip)['users']) == wanted
    read = Sims.stats(s.netsapiens)['requests']
    assert read['GET /ns-api/v2/domains/{domain}/users'] == 2   # one domain's users: its page and the empty one that ends it
    assert report['drift'] is None               # a targeted sync read only some users: no drift to tell


def test_out_of_range_settings_are_refused_before_any_request(sims, playbook):
    s = sims(make_dataset(resellers=1, domains=1, users=2, seed=32))
    text = '''
- hosts: localhost
  gather_facts: false
  tasks:
    - clearip.netsapiens.subscriber_sync_run:
        netsapiens: "{{ ns }}"
        clearip: "{{ cip }}"
        lock_timeout: -1
      register: refused
      ignore_errors: true
    - ansible.builtin.copy:
        content: "{{ refused | to_json }}"
        dest: "{{ out_dir }}/refused.json"
        mode: "0600"
'''
    run = playbook(text, extra_vars={'ns': s.ns_vars(), 'cip': s.cip_vars()})
    assert run.rc == 0, run
    refused = run.out['refused']
    assert refused['failed'] and refused['stage'] == 'settings' and 'lock_timeout must be at least 0, not -1' in refused['msg']
    assert Sims.stats(s.netsapiens)['requests'] == {} and Sims.stats(s.clearip)['requests'] == {}
