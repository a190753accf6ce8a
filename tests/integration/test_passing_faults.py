# -*- coding: utf-8 -*-
# Copyright: (c) 2026, clearip.netsapiens contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Issue 19: a passing fault costs no hour, nothing hangs, only ClearIP's listing proves a create, an empty read is
not believed, a refused login is not repeated, a cancelled run still reports.

Every test runs ``ansible-playbook clearip.netsapiens.sync`` (or the create modules) against the simulators and asserts
what ClearIP holds, what the simulators counted (each injected fault shown to have fired) and what the report says.
Datasets are seeded (the seeds are in the calls).
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import signal
import subprocess
import threading
import time

import pytest
import requests

from tests.integration.conftest import BIN, Sims, ansible_env, vendor_config, wait_for, write_json
from tests.integration.test_reliability import assert_exact, expected, record, secrets_in, tally
from tests.simulators.dataset import make_dataset

CREATES = '^/(serviceProviders|groups|users)$'


def posts(sim, path='/users'):
    return Sims.stats(sim)['writes'].get('POST %s' % path, 0)


def lock_is_free(s, tmp_path):
    """Whether nothing holds the account lock of these simulators now (the test's cache, see conftest)."""
    account = s.cip_vars()
    key = '\n'.join((s.clearip.url.rstrip('/').lower(), 'account', account['email'].lower()))
    path = tmp_path / 'cache' / 'clearip.netsapiens' / 'locks' / (hashlib.sha256(key.encode('utf-8')).hexdigest() + '.lock')
    assert path.exists(), path
    with open(str(path), 'a') as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            return False
        fcntl.flock(handle, fcntl.LOCK_UN)
    return True


# -- 1. a refusal the server answered costs no hour -------------------------------------------------

def test_every_fortieth_create_refused_with_503_still_ends_exact_in_the_first_run(sims, sync, tmp_path):
    dataset = make_dataset(resellers=3, domains=50, users=500, seed=191)
    s = sims(dataset)
    s.add_fault(s.clearip, kind='server_error', status=503, method='POST', path=CREATES, times=-1, every=40)
    config = vendor_config(s)
    run = sync(config)
    fired = Sims.stats(s.clearip)['faults_fired'].get('server_error', 0)
    assert fired >= (3 + 50 + 500) // 40, fired
    assert run.rc == 0, run
    report = run.out['report']
    assert report['status'] == 'ok' and not any(report['tiers'][t]['skipped'] for t in report['tiers'])
    assert Sims.total_writes(s.clearip) == 3 + 50 + 500   # each refused create sent again, once it was looked up
    assert_exact(s, dataset, 'every 40th create answered 503 before committing (50 domains, 500 users)', [run], config, tmp_path,
                 '%d refusals, each retried in the same run' % fired)


def test_every_fault_at_once_is_exact_by_the_second_run_at_the_latest(sims, sync, tmp_path):
    dataset = make_dataset(resellers=3, domains=50, users=500, seed=192)
    s = sims(dataset, clearip_config={'token_lifetime': 2, 'token_judged_at': 'arrival'})   # so the late commits can commit
    for fault in (
        {'kind': 'server_error', 'status': 503, 'method': 'POST', 'path': CREATES, 'times': -1, 'every': 23},
        {'kind': 'drop_after_commit', 'method': 'POST', 'path': CREATES, 'times': -1, 'every': 31},
        {'kind': 'rate_limit', 'path': CREATES, 'times': 20, 'every': 9, 'retry_after': 1},
        {'kind': 'late_commit', 'method': 'POST', 'path': '^/users$', 'times': 2, 'skip': 100, 'delay': 3.0},
        {'kind': 'html_error', 'status': 502, 'method': 'POST', 'path': '^/groups$', 'times': 1, 'skip': 5},
        {'kind': 'slow', 'method': 'GET', 'path': '^/groups$', 'times': 1, 'delay': 3.0},
    ):
        s.add_fault(s.clearip, **fault)
    config = vendor_config(s)
    env = {'CLEARIP_TIMEOUT': '2'}
    runs = [sync(config, env=env)]
    if runs[0].rc != 0:
        runs.append(sync(config, env=env))
    fired = Sims.stats(s.clearip)['faults_fired']
    for kind in ('server_error', 'drop_after_commit', 'rate_limit', 'late_commit', 'html_error', 'slow'):
        assert fired.get(kind), (kind, fired)
    # each late commit landed after the client (2 s timeout) had given up, as had the client of the 3 s list answer
    assert fired.get('late_commit_client_gone') == fired['late_commit'] and fired.get('slow_client_gone') == 1, fired
    assert not runs[0].out['report']['tiers']['users']['skipped'], runs[0].out['report']['tiers']['users']
    assert_exact(s, dataset, 'every fault at once: 503 and drops on creates, 429, late commits, a 502 page, a slow list, '
                             '2 s tokens (500 users)', runs, config, tmp_path, '%d run(s)' % len(runs))


def test_the_create_modules_alone_retry_refused_creates_and_resolve_dropped_ones(sims, playbook, tmp_path):
    dataset = make_dataset(resellers=1, domains=10, users=100, seed=193)
    s = sims(dataset)
    s.add_fault(s.clearip, kind='server_error', status=503, method='POST', path='^/(groups|users)$', times=-1, every=5)
    s.add_fault(s.clearip, kind='drop_after_commit', method='POST', path='^/(groups|users)$', times=-1, every=7)
    ns = dataset['netsapiens']
    groups = [{'name': d['domain'], 'service_provider': d['reseller']} for d in ns['domains']]
    users = [{'name': '%s@%s' % (u['user'], u['domain']), 'group': u['domain']} for u in ns['users']]
    cip = s.cip_vars()
    text = '''
- hosts: localhost
  gather_facts: false
  tasks:
    - clearip.netsapiens.clearip_service_provider: {url: "%(url)s", email: "%(email)s", password: "%(password)s",
                                                    service_providers: %(sps)s}
    - clearip.netsapiens.clearip_group: {url: "%(url)s", email: "%(email)s", password: "%(password)s", groups: %(groups)s}
    - clearip.netsapiens.clearip_user: {url: "%(url)s", email: "%(email)s", password: "%(password)s", users: %(users)s}
''' % dict(cip, sps=json.dumps(sorted(set(d['reseller'] for d in ns['domains']))), groups=json.dumps(groups),
           users=json.dumps(users))
    run = playbook(text, env={'CLEARIP_TIMEOUT': '2'})
    fired = Sims.stats(s.clearip)['faults_fired']
    assert fired.get('server_error', 0) >= 15 and fired.get('drop_after_commit', 0) >= 10, fired
    assert run.rc == 0, run
    duplicates, lost, unexpected = tally(s, dataset)
    assert (duplicates, lost, unexpected) == ([], [], [])
    record('the create modules alone, 1 create in 5 refused with 503 and 1 in 7 dropped after commit', 1, 0, 0,
           secrets_in(s, vendor_config(s), [run], tmp_path), 'exact in the first run')


# -- 1 (gating). a failure holds back only what hangs below it ---------------------------------------

def moved_domain_world(seed):
    """A platform whose first domain's Group exists under another Service Provider (the domain moved)."""
    dataset = make_dataset(resellers=2, domains=6, users=60, seed=seed,
                           clearip_existing={'service_providers': 2, 'groups': 0, 'users': 0})
    ns = dataset['netsapiens']
    moved = ns['domains'][0]
    other = [r['reseller'] for r in ns['resellers'] if r['reseller'] != moved['reseller']][0]
    sp = [sp for sp in dataset['clearip']['serviceProviders'] if sp['name'] == other][0]
    dataset['clearip']['groups'].append({'id': 'moved-group', 'name': moved['domain'], 'serviceProvider': sp['id'],
                                         'operator': sp['operator'], 'status': 'active', 'comment': ''})
    return dataset, moved['domain']


@pytest.mark.parametrize('gate', ['parent', 'tier'])
def test_a_failed_group_holds_back_its_own_users_or_with_the_tier_gate_the_whole_tier(sims, sync, gate, tmp_path):
    dataset, moved = moved_domain_world(194)
    s = sims(dataset)
    config = vendor_config(s)
    mine = sorted(u for u in expected(dataset)['users'] if u.endswith('@' + moved))
    others = sorted(expected(dataset)['users'] - set(mine))
    runs = []
    for check in (True, False):
        run = sync(config, check=check, extra_vars={'subscriber_sync_tier_gate': gate})
        runs.append(run)
        assert run.rc != 0, run
        users = run.out['report']['tiers']['users']
        assert [f['name'] for f in run.out['report']['tiers']['groups']['failed']] == [moved]
        if gate == 'parent':
            assert users['skipped'] is False and sorted(users['created']) == others
            assert sorted(f['name'] for f in users['failed']) == mine
            assert all("held back, because its group %r failed" % moved in f['reason'] for f in users['failed'])
        else:
            assert users['skipped'] is True and users['created'] == [] and users['skipped_reason'] == '1 Group(s) failed'
    held = set(u['name'] for u in Sims.state(s.clearip)['users'])
    assert held == (set(others) if gate == 'parent' else set())
    note = ('its %d Users held back, the other %d created' % (len(mine), len(others)) if gate == 'parent'
            else 'the whole Users tier skipped, as the vendor binary does')
    record('a Group that cannot be created (its name held under another Service Provider), tier_gate %s' % gate, 1, 0, 0,
           secrets_in(s, config, runs, tmp_path), note + '; check mode predicts the same')


# -- 2. a stalled answer never hangs the sync -------------------------------------------------------

def test_a_trickled_listing_ends_at_the_timeout_and_is_read_again(sims, sync, tmp_path):
    dataset = make_dataset(resellers=2, domains=10, users=100, seed=195,
                           clearip_existing={'service_providers': 2, 'groups': 10, 'users': 50})
    s = sims(dataset)
    s.add_fault(s.clearip, kind='trickle', method='GET', path='^/users$', times=1, delay=2.0)
    config = vendor_config(s)
    began = time.monotonic()
    run = sync(config, env={'CLEARIP_TIMEOUT': '4'})
    took = time.monotonic() - began
    # the client gave up mid-body: the simulator sees its end closed at its next byte (2 s), at the latest when the
    # module process ended
    wait_for(lambda: Sims.stats(s.clearip)['faults_fired'].get('trickle_client_gone') == 1, 'the trickle\'s client gone', 30)
    assert Sims.stats(s.clearip)['faults_fired'].get('trickle') == 1
    assert run.rc == 0, run
    assert took < 120, took   # one whole-answer timeout (4 s and a second), not a byte every 2 s for the whole answer
    assert_exact(s, dataset, 'a Users page trickled one byte every 2 s after its headers', [run], config, tmp_path,
                 'the client gave up on it mid-body and read it again; the run ended within 120 s')


def test_a_run_longer_than_its_maximum_duration_stops_reports_and_frees_the_lock(sims, sync, tmp_path):
    dataset = make_dataset(resellers=2, domains=10, users=200, seed=196)
    s = sims(dataset)
    s.add_fault(s.clearip, kind='slow', method='POST', path='^/users$', times=-1, delay=0.2)
    config = vendor_config(s)
    began = time.monotonic()
    run = sync(config, extra_vars={'subscriber_sync_max_duration': 10})
    took = time.monotonic() - began
    assert run.rc != 0, run
    report = run.out['report']
    assert report['status'] == 'failed' and report['error']['stage'] == 'users', report['error']
    assert 'the run took longer than its maximum duration of 10 seconds (max_duration)' in report['error']['message']
    created = report['tiers']['users']['created']
    assert 0 < len(created) < 200 and report['tiers']['users']['status'] == 'stopped'
    assert took < 60, took
    held = set(u['name'] for u in Sims.state(s.clearip)['users'])
    assert set(created) <= held
    assert Sims.stats(s.clearip)['faults_fired'].get('slow', 0) >= len(created)   # every stored create was slowed
    # The lock is free at once: a run that may not wait for it gets it, and finishes the job without a duplicate.
    Sims.clear_faults(s.clearip)
    assert lock_is_free(s, tmp_path)
    rerun = sync(config)
    assert rerun.rc == 0, rerun
    assert_exact(s, dataset, 'a run past its maximum duration (10 s), then an immediate rerun', [run, rerun], config, tmp_path,
                 '%d of 200 Users created before it stopped, within 60 s' % len(created))


# -- 3. only ClearIP's own listing proves a create --------------------------------------------------

def test_creates_acknowledged_but_not_stored_are_failed_items_and_the_next_run_creates_them_once(sims, sync, tmp_path):
    dataset = make_dataset(resellers=2, domains=8, users=90, seed=197)
    s = sims(dataset)
    s.add_fault(s.clearip, kind='ack_not_stored', method='POST', path='^/users$', times=-1, every=15)
    config = vendor_config(s)
    first = sync(config)
    lost_acks = Sims.stats(s.clearip)['faults_fired'].get('ack_not_stored', 0)
    assert lost_acks == 90 // 15
    assert first.rc != 0, first
    users = first.out['report']['tiers']['users']
    assert len(users['failed']) == lost_acks and len(users['created']) == 90 - lost_acks
    assert all('ClearIP acknowledged the create' in f['reason'] and 'does not list it' in f['reason'] for f in users['failed'])
    Sims.clear_faults(s.clearip)
    second = sync(config)
    assert second.rc == 0, second
    assert sorted(second.out['report']['tiers']['users']['created']) == sorted(f['name'] for f in users['failed'])
    assert_exact(s, dataset, 'ClearIP acknowledges 1 User create in 15 without storing it', [first, second], config,
                 tmp_path, 'reported as failed items naming it; the next run creates each once')


def test_a_lookup_after_a_refusal_never_takes_an_object_of_another_name(sims, sync, tmp_path):
    # 'a.example' is in 'ba.example': a server whose where[name] matches what contains the value returns both.
    dataset = make_dataset(resellers=1, domains=2, users=20, seed=198,
                           clearip_existing={'service_providers': 1, 'groups': 0, 'users': 0})
    ns = dataset['netsapiens']
    rename = {ns['domains'][0]['domain']: 'ba.example', ns['domains'][1]['domain']: 'a.example'}
    for item in ns['domains'] + ns['users'] + ns.get('connections', []):
        item['domain'] = rename.get(item['domain'], item['domain'])
    names = {}
    for user in ns['users']:
        names[user['domain']] = names.get(user['domain'], 0) + 1
    # 'ba.example' is already in ClearIP, so the one Group create is 'a.example' (whatever order the creates go in)
    sp = dataset['clearip']['serviceProviders'][0]
    dataset['clearip']['groups'].append({'id': 'group-ba', 'name': 'ba.example', 'serviceProvider': sp['id'],
                                         'operator': sp['operator'], 'status': 'active', 'comment': ''})
    s = sims(dataset, clearip_config={'name_filter': 'contains'})
    # The 'a.example' create is refused before it is stored; its lookup's server filter also matches 'ba.example'.
    s.add_fault(s.clearip, kind='server_error', status=503, method='POST', path='^/groups$', times=1)
    config = vendor_config(s)
    run = sync(config)
    fired = Sims.stats(s.clearip)['faults_fired']
    assert fired.get('server_error') == 1 and fired.get('loose_name_filter', 0) >= 1, fired
    assert run.rc == 0, run
    groups = dict((g['name'], g['id']) for g in Sims.state(s.clearip)['groups'])
    assert sorted(groups) == ['a.example', 'ba.example']
    by_group = {}
    for user in Sims.state(s.clearip)['users']:
        by_group.setdefault(user['group'], []).append(user['name'])
    assert len(by_group[groups['a.example']]) == names['a.example']
    assert all(n.endswith('@a.example') for n in by_group[groups['a.example']])
    assert_exact(s, dataset, "a 503 on a Group create, then a lookup whose server filter also matches 'ba.example'", [run],
                 config, tmp_path, 'the exact name compared: the Group created, and its Users under it')


# -- 4. a cancelled run still reports ---------------------------------------------------------------

def start_sync(collections_path, work, config, extra=None, args=(), output_to=None):
    """The sync playbook started in ``work`` (report.json and sync.prom there); ``args`` go to ansible-playbook. Its output
    goes to pipes, or with ``output_to`` to stdout.txt and stderr.txt there: a verbose run prints more than a pipe holds
    while nobody reads it."""
    work.mkdir()
    (work / 'home' / 'tmp').mkdir(parents=True)
    variables = {'subscriber_sync_report_path': str(work / 'report.json'), 'subscriber_sync_metrics_path': str(work / 'sync.prom')}
    variables.update(extra or {})
    command = [str(BIN / 'ansible-playbook'), 'clearip.netsapiens.sync'] + list(args) + [
        '-e', '@%s' % write_json(work / 'config.json', config, 0o600), '-e', '@%s' % write_json(work / 'vars.json', variables)]
    start = dict(cwd=str(work), env=ansible_env(collections_path, work / 'home'), stdin=subprocess.DEVNULL)
    if output_to is None:
        return subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, **start)
    with open(str(output_to / 'stdout.txt'), 'w') as stdout, open(str(output_to / 'stderr.txt'), 'w') as stderr:
        return subprocess.Popen(command, stdout=stdout, stderr=stderr, **start)


def wait_until(condition, seconds):
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        if condition():
            return True
        time.sleep(0.05)
    return False


def assert_cancelled_in_users_tier(s, work, signum, stdout):
    """The report and metrics of a run cancelled by ``signum`` during the Users tier, in ``work``: status cancelled at
    stage users, every User it says it created held in ClearIP and slowed by the test's fault. Returns those Users."""
    # both are written atomically (a rename): once they exist they are whole
    assert wait_until(lambda: (work / 'report.json').exists() and (work / 'sync.prom').exists(), 20), stdout[-3000:]
    report = json.loads((work / 'report.json').read_text())
    assert report['status'] == 'cancelled' and report['error']['stage'] == 'users', report['error']
    assert report['error']['message'].startswith('the run was cancelled by %s' % signal.Signals(signum).name)
    created = report['tiers']['users']['created']
    held = set(u['name'] for u in Sims.state(s.clearip)['users'])
    assert set(created) <= held
    assert Sims.stats(s.clearip)['faults_fired'].get('slow', 0) >= len(created)   # every stored create was slowed
    assert 'clearip_netsapiens_sync_status{status="cancelled"} 1' in (work / 'sync.prom').read_text()
    return created


# Not SIGHUP: ansible-playbook does not pass it on to the module, which runs to its end (docs/reliability.md).
@pytest.mark.parametrize('signum', [signal.SIGTERM, signal.SIGINT])
def test_a_cancelled_run_writes_its_report_and_metrics_and_frees_the_lock(sims, sync, collections_path, tmp_path, signum):
    dataset = make_dataset(resellers=2, domains=10, users=250, seed=199)
    s = sims(dataset)
    # 0.5 s a User create: at up to 16 in flight the Users tier lasts about 8 s, so the signal meets it there
    s.add_fault(s.clearip, kind='slow', method='POST', path='^/users$', times=-1, delay=0.5)
    config = vendor_config(s)
    work = tmp_path / 'cancelled'
    proc = start_sync(collections_path, work, config)
    assert wait_until(lambda: posts(s.clearip) >= 40 or proc.poll() is not None, 300), 'no User was written'
    assert proc.poll() is None, 'the run ended before it could be cancelled'
    os.kill(proc.pid, signum)    # what AWX and timeout(1) send to ansible-playbook
    stdout, stderr = proc.communicate(timeout=60)
    assert proc.returncode != 0
    # The module, which got the signal from its worker, writes the report within seconds of it.
    created = assert_cancelled_in_users_tier(s, work, signum, stdout)
    assert len(created) >= 40
    # The cancelled run counts as a run: its output and its report are searched for secrets too (assert_exact).
    cancelled = type('Run', (), {'stdout': stdout + (work / 'report.json').read_text(), 'stderr': stderr, 'rc': proc.returncode})
    Sims.clear_faults(s.clearip)
    assert lock_is_free(s, tmp_path)
    rerun = sync(config)
    assert rerun.rc == 0, rerun
    assert_exact(s, dataset, 'cancelled with %s during the Users tier, rerun at once' % signal.Signals(signum).name,
                 [cancelled, rerun], config, tmp_path,
                 'report (status cancelled, %d Users created) and metrics written' % len(created))


# -- 6. an empty read is not believed ---------------------------------------------------------------

def test_a_netsapiens_read_that_lists_no_user_is_suspect_and_the_drift_is_withheld(sims, sync, tmp_path):
    dataset = make_dataset(resellers=4, domains=200, users=2000, seed=200,
                           clearip_existing={'service_providers': 4, 'groups': 200, 'users': 2000})
    s = sims(dataset)
    s.add_fault(s.netsapiens, kind='empty_list', method='GET', path='^/ns-api/v2/domains/[^/]+/users$', times=-1)
    config = vendor_config(s)
    run = sync(config)
    assert Sims.stats(s.netsapiens)['faults_fired'].get('empty_list') == 200
    assert run.rc != 0, run
    report = run.out['report']
    assert report['status'] == 'failed' and report['error']['stage'] == 'drift'
    assert report['drift'] is None
    assert [(r['side'], r['tier'], r['held'], r['missing']) for r in report['suspect_reads']] == [('netsapiens', 'users', 2000, 2000)]
    assert '2000 of 2000 Users (100%) are missing' in report['error']['message']
    assert Sims.total_writes(s.clearip) == 0
    record('NetSapiens answers every domain\'s users with an empty list (2,000 Users in ClearIP)', 1, 0, 0,
           secrets_in(s, config, [run], tmp_path), 'suspect: drift withheld, exit non-zero, nothing written')


def test_a_clearip_listing_that_lost_what_the_last_run_left_creates_nothing(sims, sync, tmp_path):
    dataset = make_dataset(resellers=2, domains=20, users=300, seed=201)
    s = sims(dataset)
    config = vendor_config(s)
    first = sync(config)
    assert first.rc == 0, first
    Sims.reset_stats(s.clearip)
    s.add_fault(s.clearip, kind='empty_list', method='GET', path='^/users$', times=-1)
    second = sync(config)
    assert Sims.stats(s.clearip)['faults_fired'].get('empty_list', 0) >= 1
    assert second.rc != 0, second
    report = second.out['report']
    assert report['error']['stage'] == 'users'
    assert [(r['side'], r['tier'], r['held'], r['missing']) for r in report['suspect_reads']] == [('clearip', 'users', 300, 300)]
    assert 'subscriber_sync_trust_listings=true' in report['error']['message']
    assert Sims.total_writes(s.clearip) == 0
    secrets_in(s, config, [second], tmp_path)   # the suspect run's output too
    assert_exact(s, dataset, 'ClearIP lists no User after a run that left 300', [first], config, tmp_path,
                 'suspect: nothing created, exit non-zero')


# -- 7. a refused login is not repeated until the account locks -------------------------------------

def test_a_refused_login_is_not_sent_again_by_the_next_runs(sims, sync, tmp_path):
    dataset = make_dataset(resellers=1, domains=3, users=20, seed=202)
    s = sims(dataset)
    good = vendor_config(s)
    bad = json.loads(json.dumps(good))
    bad['clearip']['password'] = 'not-the-Passw0rd-1'
    cache = {'XDG_CACHE_HOME': str(tmp_path / 'cache')}
    runs = []
    for _n in range(3):
        run = sync(bad, env=cache)
        runs.append(run)
        assert run.rc != 0
        assert run.out['report']['error']['stage'] == 'clearip_login'
    logins = Sims.stats(s.clearip)['requests'].get('POST /auth/login', 0)
    assert logins == 1, logins   # the first run's refused login only
    second = runs[1].out['report']
    assert second['clearip_login_refused']['sent'] is False
    assert 'not sent again' in second['error']['message'] and 'subscriber_sync_clearip_retry_refused_login' in second['error']['message']
    assert runs[0].out['report']['clearip_login_refused']['sent'] is True
    # The right password is other credentials: it is tried, and clears the memory.
    fixed = sync(good, env=cache)
    assert fixed.rc == 0, fixed
    assert Sims.stats(s.clearip)['requests']['POST /auth/login'] == 2
    assert all(bad['clearip']['password'] not in r.stdout + r.stderr for r in runs)
    assert_exact(s, dataset, 'a wrong ClearIP password for 3 runs, then the right one', runs + [fixed], config=good, root=tmp_path,
                 note='1 login sent by the 3 refused runs (ClearIP locks after 10); the right password cleared it')


# -- a ClearIP that refuses a duplicate name with 409 (the contract leaves it open) --------------------------

def test_a_clearip_that_refuses_duplicates_with_409_meets_none_from_the_sync_and_one_made_by_another_writer(sims, sync, tmp_path):
    dataset = make_dataset(resellers=2, domains=10, users=120, seed=203)
    s = sims(dataset, clearip_config={'duplicates': 'reject', 'token_lifetime': 2, 'token_judged_at': 'arrival'})
    # Creates whose answers are lost or come after the client gave up: the sync looks them up, never sends one twice.
    for fault in (
        {'kind': 'drop_after_commit', 'method': 'POST', 'path': CREATES, 'times': -1, 'every': 7},
        {'kind': 'late_commit', 'method': 'POST', 'path': '^/users$', 'times': 2, 'skip': 30, 'delay': 3.0},
        {'kind': 'server_error', 'status': 503, 'method': 'POST', 'path': CREATES, 'times': -1, 'every': 11},
    ):
        s.add_fault(s.clearip, **fault)
    config = vendor_config(s)
    env = {'CLEARIP_TIMEOUT': '2'}
    first = sync(config, env=env)
    fired = Sims.stats(s.clearip)['faults_fired']
    assert fired.get('drop_after_commit', 0) >= 5 and fired.get('late_commit_client_gone') == fired.get('late_commit', 0) >= 1, fired
    assert fired.get('duplicate_refused', 0) == 0, fired   # no create of an object the sync could have found
    runs = [first] if first.rc == 0 else [first, sync(config, env=env)]
    assert Sims.stats(s.clearip)['faults_fired'].get('duplicate_refused', 0) == 0
    assert_exact(s, dataset, 'ClearIP refusing a duplicate name with 409, creates dropped after commit or late',
                 runs, config, tmp_path, 'the sync sent no create ClearIP refused as a duplicate')

    # Another writer creates the very User the sync is creating, while its create is held: the 409 is met.
    Sims.clear_faults(s.clearip)
    Sims.reset_stats(s.clearip)
    user = {'user': '999', 'domain': dataset['netsapiens']['domains'][0]['domain']}
    Sims.add_fault(s.clearip, kind='hold', method='POST', path='^/users$', times=1, delay=600)
    requests.post(s.netsapiens.url + '/_sim/users', json={'users': [user]}, timeout=10).raise_for_status()
    name = '999@%s' % user['domain']
    proc_out = {}
    worker = threading.Thread(target=lambda: proc_out.setdefault('run', sync(config)))
    worker.start()
    try:
        wait_for(lambda: Sims.stats(s.clearip).get('holding') == 1, 'the sync\'s create of %s held' % name)
        held = Sims.stats(s.clearip)['held'][0]['body']['user']
        assert held['name'] == name
        token = requests.post(s.clearip.url + '/auth/login', timeout=10, json={
            'email': config['clearip']['email'], 'password': config['clearip']['password']}).json()['token']
        other = requests.post(s.clearip.url + '/users', json={'user': held}, headers={'Authorization': 'Bearer ' + token},
                              timeout=10)
        assert other.status_code == 201, other.text
    finally:
        Sims.release(s.clearip)
        worker.join(600)
    run = proc_out['run']
    assert Sims.stats(s.clearip)['faults_fired'].get('duplicate_refused') == 1
    users = [u for u in Sims.state(s.clearip)['users'] if u['name'] == name]
    assert len(users) == 1   # one object, made by the other writer
    report = run.out['report']['tiers']['users']
    # the 409 is a refusal for good, named in the run's failed items; the next run finds the User and exits 0
    assert run.rc != 0 and [f['name'] for f in report['failed']] == [name], run
    again = sync(config)
    assert again.rc == 0 and Sims.total_writes(s.clearip) == 1, again
