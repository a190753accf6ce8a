# -*- coding: utf-8 -*-
# Copyright: (c) 2026, clearip.netsapiens contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The drift report end to end: ``ansible-playbook clearip.netsapiens.sync`` and ``clearip.netsapiens.drift``
against both simulators, after the NetSapiens simulator lost a user, a domain and a reseller or moved a domain.
Every list is compared exactly, and the simulators must have seen no write at all."""

from __future__ import annotations

import requests

from tests.integration.conftest import Sims, vendor_config
from tests.simulators.dataset import make_dataset

TIERS = ('service_providers', 'groups', 'users')
SYNC_COMMENT_PREFIX = 'Created by clearip.netsapiens sync'


def remove(sims, **records):
    answer = requests.post(sims.netsapiens.url + '/_sim/remove', json=records, timeout=10)
    assert answer.status_code == 200, answer.text


def move_domain(sims, domain, reseller):
    answer = requests.post(sims.netsapiens.url + '/_sim/move-domain', json={'domain': domain, 'reseller': reseller}, timeout=10)
    assert answer.status_code == 200, answer.text


def names(drift, tier, what):
    return [(e['name'], e['parent']) for e in drift['tiers'][tier][what]]


def assert_read_only(sims):
    """No write reached either simulator, and no request other than a read or a login/token call."""
    for sim in (sims.netsapiens, sims.clearip):
        stats = Sims.stats(sim)
        assert stats['writes'] == {}, stats['writes']
        methods = set(endpoint.split(' ', 1)[0] for endpoint in stats['requests'])
        assert methods <= set(['GET', 'POST']), stats['requests']
        posts = [e for e in stats['requests'] if e.startswith('POST ')]
        assert set(posts) <= set(['POST /auth/login', 'POST /auth/refresh', 'POST /ns-api/oauth2/token/', 'POST /ns-api/v2/tokens']), posts


def scenario():
    """Three resellers of two domains each, five users a domain; returns the dataset and what the test removes."""
    dataset = make_dataset(resellers=3, domains=6, users=30, seed=13)
    ns = dataset['netsapiens']
    resellers = [r['reseller'] for r in ns['resellers']]
    domains = [(d['domain'], d['reseller']) for d in ns['domains']]
    users = [(u['user'], u['domain']) for u in ns['users']]
    return dataset, resellers, domains, users


def expected_after_removal(resellers, domains, users):
    """Remove user 0 of domain 0, domain 2 (of reseller 1), and reseller 2 with its domains 4 and 5."""
    gone_user = users[0]
    gone_domain = domains[2][0]
    gone_reseller = resellers[2]
    reseller_domains = [d for d, r in domains if r == gone_reseller]
    assert domains[2][1] == resellers[1] and reseller_domains == [domains[4][0], domains[5][0]]
    removal = {'users': ['%s@%s' % gone_user], 'domains': [gone_domain] + reseller_domains, 'resellers': [gone_reseller]}
    sps = [(gone_reseller, None)]
    groups = sorted([(gone_domain, domains[2][1])] + [(d, gone_reseller) for d in reseller_domains], key=lambda p: (p[1], p[0]))
    gone_users = [('%s@%s' % gone_user, gone_user[1])]
    gone_users += [('%s@%s' % (u, d), d) for u, d in users if d == gone_domain or d in reseller_domains]
    return removal, sps, groups, sorted(gone_users, key=lambda p: (p[1], p[0]))


def test_removed_user_domain_and_reseller_are_reported_by_sync_check_mode_and_drift_playbook(sims, sync, collection_playbook):
    dataset, resellers, domains, users = scenario()
    s = sims(dataset)
    config = vendor_config(s)
    first = sync(config)
    assert first.rc == 0, first
    assert first.out['report']['drift']['counts']['total'] == 0
    # What ClearIP holds after the run: each tier's listing plus what the run created.
    assert [first.out['report']['drift']['counts'][t]['in_scope'] for t in TIERS] == [3, 6, 30]
    second = sync(config)
    assert second.rc == 0, second
    assert [second.out['report']['drift']['counts'][t]['in_scope'] for t in TIERS] == [3, 6, 30]
    assert second.out['report']['drift']['counts']['total'] == 0

    removal, sps, groups, gone_users = expected_after_removal(resellers, domains, users)
    remove(s, **removal)
    for sim in (s.netsapiens, s.clearip):
        Sims.reset_stats(sim)

    # Half the Users gone at once would be a suspect read (docs/reliability.md): told that it is expected, it is believed.
    expected_loss = {'subscriber_sync_absence_limits': {'users': 0.6}}
    suspect = sync(config)
    assert suspect.rc != 0 and suspect.out['report']['drift'] is None
    assert [(r['side'], r['tier'], r['missing']) for r in suspect.out['report']['suspect_reads']] == [('netsapiens', 'users', 16)]
    for run in (sync(config, extra_vars=expected_loss), sync(config, check=True, extra_vars=expected_loss),
                collection_playbook('drift', config, extra_vars=expected_loss, report_var='subscriber_sync_drift_report_path')):
        assert run.rc == 0, run
        drift = run.out['report'].get('drift', run.out['report'])
        assert names(drift, 'service_providers', 'gone') == sps
        assert names(drift, 'groups', 'gone') == groups
        assert names(drift, 'users', 'gone') == gone_users
        assert [drift['tiers'][t]['moved'] for t in TIERS] == [[], [], []]
        assert drift['counts'] == {
            'service_providers': {'gone': 1, 'moved': 0, 'in_scope': 3}, 'groups': {'gone': 3, 'moved': 0, 'in_scope': 6},
            'users': {'gone': len(gone_users), 'moved': 0, 'in_scope': 30}, 'total': 4 + len(gone_users)}
        reasons = dict((e['name'], e['reason']) for e in drift['tiers']['users']['gone'])
        assert reasons['%s@%s' % users[0]] == "NetSapiens domain '%s' has no user '%s'" % (users[0][1], users[0][0])
        assert_read_only(s)
    assert len(gone_users) == 16   # user 0, the 5 of domain 2 and the 10 of domains 4 and 5
    assert ('Drift: 1 Service Provider(s), 3 Group(s), 16 User(s) in ClearIP gone from NetSapiens; 0, 0, 0 moved'
            in sync(config, extra_vars=expected_loss).stdout)
    assert_read_only(s)
    held = Sims.state(s.clearip)
    assert [len(held[k]) for k in ('serviceProviders', 'groups', 'users')] == [3, 6, 30]   # nothing was deleted


def test_drift_of_the_sync_lists_nothing_again(sims, sync):
    """The sync's drift reuses the tiers' listings: the no-change run lists each collection once."""
    dataset, resellers, domains, users = scenario()
    s = sims(dataset)
    config = vendor_config(s)
    assert sync(config).rc == 0
    Sims.reset_stats(s.clearip)
    run = sync(config)
    assert run.rc == 0, run
    requests_seen = Sims.stats(s.clearip)['requests']
    # Each listing of one page costs 4 requests (docs/reliability.md, the overlapped paging): the page, the
    # next one asked from its last record, the empty page that ends it, and the check that the last record is
    # still in place. Each tier is listed once (the Groups and Users tiers take their parents from the tier
    # above, listings plus creates), and the drift step listed nothing more.
    assert (requests_seen['GET /serviceProviders'], requests_seen['GET /groups'], requests_seen['GET /users']) == (4, 4, 4)
    assert run.out['report']['drift']['counts']['users']['in_scope'] == 30


def hand_made_dataset():
    """ClearIP already holds the plain-scheme objects of the first reseller's two domains, and hand-made Users."""
    dataset = make_dataset(resellers=2, domains=4, users=8, seed=21, clearip_existing={'service_providers': 1, 'groups': 2, 'users': 0})
    cip = dataset['clearip']
    group = cip['groups'][0]
    domain = group['name']
    operator = group['operator']

    def user(name, user_id, comment='made by hand'):
        cip['users'].append({'name': name, 'userId': user_id, 'group': group['id'], 'operator': operator, 'comment': comment})

    user('Default User', '')                                  # the Default User: every identifier blank
    user('reception', 'reception')                             # not named user@domain
    user('998@%s' % domain, '')                                # the scheme's name, but not the User ID the sync writes
    user('999@%s' % domain, '999@%s' % domain)                 # exactly as the sync would name it: in scope
    user('997@%s' % domain, '997@%s' % domain, comment=SYNC_COMMENT_PREFIX + ' from pbx.example.com')
    return dataset, domain


def test_hand_made_users_are_reported_only_when_named_by_the_scheme(sims, sync):
    dataset, domain = hand_made_dataset()
    s = sims(dataset)
    config = vendor_config(s)
    run = sync(config)
    assert run.rc == 0, run
    drift = run.out['report']['drift']
    assert names(drift, 'users', 'gone') == [('997@%s' % domain, domain), ('999@%s' % domain, domain)]
    assert drift['counts']['users']['in_scope'] == 2 + 8   # the two hand-made ones and the 8 the sync created

    # Asked to keep to the comment the sync writes, only 997 (which carries it) stays in scope.
    Sims.reset_stats(s.clearip)
    strict = sync(config, extra_vars={'subscriber_sync_drift_require_comment': True})
    assert strict.rc == 0, strict
    drift = strict.out['report']['drift']
    assert names(drift, 'users', 'gone') == [('997@%s' % domain, domain)]
    assert drift['scope']['require_comment'] is True
    # The pre-existing Service Provider and Groups carry another comment: out of scope too.
    assert drift['counts']['service_providers']['in_scope'] == 1 and drift['counts']['groups']['in_scope'] == 2   # the sync's own
    # Users by their own comment: the sync's 8 (two Groups of them adopted, not made by the sync) and 997.
    assert drift['counts']['users']['in_scope'] == 9
    assert Sims.total_writes(s.clearip) == 0


def test_domain_moved_under_unique_reports_its_old_group_and_users_as_moved(sims, sync, collection_playbook):
    dataset, resellers, domains, users = scenario()
    s = sims(dataset)
    config = vendor_config(s)
    unique = {'subscriber_sync_identifier_scheme': 'unique'}
    assert sync(config, extra_vars=unique).rc == 0
    domain, old = domains[0]
    new = resellers[2]
    move_domain(s, domain, new)
    dry = sync(config, extra_vars=unique, check=True)
    assert dry.rc == 0, dry
    real = sync(config, extra_vars=unique)
    assert real.rc == 0, real
    old_group = '%s@%s' % (domain, old)
    moved_users = sorted('%s@%s@%s' % (u, d, old) for u, d in users if d == domain)
    for run in (dry, real):
        drift = run.out['report']['drift']
        assert [(e['name'], e['parent'], e['netsapiens_parent']) for e in drift['tiers']['groups']['moved']] == [(old_group, old, new)]
        assert [(e['name'], e['parent'], e['netsapiens_parent']) for e in drift['tiers']['users']['moved']] == [
            (name, old_group, '%s@%s' % (domain, new)) for name in moved_users]
        assert [drift['tiers'][t]['gone'] for t in TIERS] == [[], [], []]
    # The real run created the new Group and its Users (the move itself), the drift step wrote nothing more.
    assert sorted(real.out['report']['tiers']['groups']['created']) == ['%s@%s' % (domain, new)]
    for sim in (s.netsapiens, s.clearip):
        Sims.reset_stats(sim)
    only = collection_playbook('drift', config, extra_vars=unique, report_var='subscriber_sync_drift_report_path')
    assert only.rc == 0, only
    assert [e['name'] for e in only.out['report']['tiers']['groups']['moved']] == [old_group]
    assert [e['name'] for e in only.out['report']['tiers']['users']['moved']] == moved_users
    assert_read_only(s)


def test_domain_moved_under_plain_shows_on_its_group(sims, sync):
    dataset, resellers, domains, users = scenario()
    s = sims(dataset)
    config = vendor_config(s)
    assert sync(config).rc == 0
    domain, old = domains[0]
    move_domain(s, domain, resellers[2])
    for sim in (s.netsapiens, s.clearip):
        Sims.reset_stats(sim)
    run = sync(config)
    assert run.rc != 0   # plain cannot move a Group: the sync fails that domain, and holds back its Users
    report = run.out['report']
    held_back = report['tiers']['users']['failed']
    assert report['tiers']['users']['skipped'] is False and held_back
    assert all(f['name'].endswith('@' + domain) and 'held back, because its group' in f['reason'] for f in held_back)
    drift = report['drift']
    assert [(e['name'], e['parent'], e['netsapiens_parent']) for e in drift['tiers']['groups']['moved']] == [(domain, old, resellers[2])]
    assert drift['counts']['total'] == 1 and drift['counts']['users']['in_scope'] == 30   # listed by the drift step itself
    assert_read_only(s)


def test_drift_playbook_runs_with_the_readmes_inventory(sims, collection_playbook):
    """`-i localhost,` (as the README runs every playbook) lists localhost without a connection: the drift
    playbook must still run here, with the Python that runs Ansible, not try SSH (it once did: UNREACHABLE)."""
    dataset = make_dataset(resellers=1, domains=2, users=4, seed=31)
    s = sims(dataset)
    run = collection_playbook('drift', vendor_config(s), args=('-i', 'localhost,'),
                              report_var='subscriber_sync_drift_report_path')
    assert run.rc == 0, run
    assert 'UNREACHABLE' not in run.stdout, run
    assert run.out['report']['counts']['total'] == 0


def test_every_playbook_on_localhost_runs_there_with_the_ansible_python():
    """The same for every playbook of the collection: each runs the role's `localhost` step before anything else."""
    import pathlib
    import yaml
    root = pathlib.Path(__file__).resolve().parents[2] / 'playbooks'
    for path in sorted(root.glob('*.yml')):
        for play in yaml.safe_load(path.read_text()):
            first = play['tasks'][0]
            assert first.get('ansible.builtin.include_role', {}).get('tasks_from') == 'localhost', path.name


def test_users_of_a_malformed_domain_are_not_reported_gone_by_the_sync_or_the_drift_playbook(sims, sync, collection_playbook):
    # Domain 1's NetSapiens record is malformed (its reseller is an object, not text): the sync reports it and does
    # not read its users. Its Users in ClearIP are still in NetSapiens, so no drift may call them gone (docs/drift.md
    # tells how to delete what is gone).
    dataset = make_dataset(resellers=2, domains=4, users=12, seed=81, clearip_existing={'service_providers': 2, 'groups': 4, 'users': 12})
    broken = dataset['netsapiens']['domains'][1]
    broken['reseller'] = {'name': broken['reseller']}
    s = sims(dataset)
    run = sync(vendor_config(s))
    assert run.rc != 0 and any(broken['domain'] in e and 'not text' in e for e in run.out['report']['errors']), run
    assert run.out['report']['drift']['counts']['total'] == 0, run.out['report']['drift']
    report = collection_playbook('drift', vendor_config(s), report_var='subscriber_sync_drift_report_path')
    assert report.rc == 0, report
    assert report.out['report']['counts']['total'] == 0, report.out['report']


def test_the_drift_playbook_changes_nothing_and_says_so_when_a_sync_would_create(sims, collection_playbook):
    """ClearIP holds nothing yet, so a sync would create every object: the drift entry point, which writes to neither
    system, still reports changed=0 in the play recap (it said changed=1, what the check-mode sync would do)."""
    s = sims(make_dataset(resellers=1, domains=2, users=4, seed=31))
    run = collection_playbook('drift', vendor_config(s), report_var='subscriber_sync_drift_report_path')
    assert run.rc == 0, run
    recap = [line for line in run.stdout.splitlines() if line.startswith('localhost') and 'ok=' in line]
    assert recap and 'changed=0' in recap[-1], recap
    assert_read_only(s)
