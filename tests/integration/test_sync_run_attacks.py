# -*- coding: utf-8 -*-
# Copyright: (c) 2026, clearip.netsapiens contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The one-process sync module (subscriber_sync_run) under the inputs the existing tests did not give it:
its connection settings from a play's module_defaults (the action plugin) with -vvvv and --diff,
check mode after a partial sync, and two syncs of one account at once.

Where two runs are meant to overlap, a ``hold`` fault keeps the first create until both have logged in, and the
ClearIP simulator's sessions show they did; where a run must not wait for something, that something is held
(never released before the run ends) instead of being slow for a number of seconds the test then measures."""

from __future__ import annotations

import fcntl
import hashlib
import json
import subprocess
from collections import Counter

import pytest

from tests.integration.conftest import BIN, Sims, ansible_env, overlapped, vendor_config, wait_for, write_json
from tests.simulators.dataset import make_dataset

PLAY = '''
- hosts: localhost
  gather_facts: false
  module_defaults:
    group/clearip.netsapiens.netsapiens: {ns}
    group/clearip.netsapiens.clearip: {cip}
  tasks:
    - name: Sync
      clearip.netsapiens.subscriber_sync_run:
        identifier_scheme: {scheme}
        exclude_domains: {exclude}
        include_domains: {include}
        service_provider: {sp}
      register: result
      ignore_errors: true
    - name: Keep the result
      ansible.builtin.copy:
        content: "{{{{ result | to_json }}}}"
        dest: "{{{{ out_dir }}}}/result.json"
      check_mode: false
'''


def play(s, scheme='plain', exclude=(), include=(), service_provider=None):
    return PLAY.format(ns=json.dumps(s.ns_vars()), cip=json.dumps(s.cip_vars()), scheme=scheme,
                       exclude=json.dumps(list(exclude)), include=json.dumps(list(include)),
                       sp=json.dumps(service_provider) if service_provider else '"{{ omit }}"')


def secrets(s):
    """The passwords, client secrets and API keys of the dataset, and every token the simulators issued so far."""
    return s.secrets()


def held(s):
    state = Sims.state(s.clearip)
    return dict((kind, sorted(o['name'] for o in state[kind])) for kind in ('serviceProviders', 'groups', 'users'))


def test_module_defaults_path_never_shows_a_secret_with_vvvv_and_diff(sims, playbook):
    s = sims(make_dataset(resellers=2, domains=4, users=12, seed=71))
    for check in (True, False):
        run = playbook(play(s, 'unique'), check=check, diff=True, args=('-vvvv',))
        assert run.out['result'].get('failed') is not True, run
        text = run.stdout + run.stderr + json.dumps(run.out)
        for secret in secrets(s):
            assert secret not in text, (secret, check)
    assert len(held(s)['users']) == 12


SCOPES = [('unique', 'exclude'), ('no_resellers', 'include'), ('plain', 'both')]


@pytest.mark.parametrize('scheme,filters', SCOPES, ids=['%s-%s' % scope for scope in SCOPES])
def test_check_after_a_partial_sync_predicts_exactly_what_the_real_run_creates(sims, playbook, scheme, filters):
    s = sims(make_dataset(resellers=3, domains=9, users=40, seed=72, clearip_existing={'service_providers': 1, 'groups': 1, 'users': 2}))
    domains = [d['domain'] for d in s.dataset['netsapiens']['domains']]
    scope = {'exclude': [domains[0]] if filters in ('exclude', 'both') else [],
             'include': domains[1:7] if filters in ('include', 'both') else [],
             'service_provider': 'All Resellers' if scheme == 'no_resellers' else None}
    Sims.add_fault(s.clearip, kind='server_error', status=403, method='POST', path='^/groups$', times=2)
    first = playbook(play(s, scheme, **scope))
    assert first.out['result']['failed'] is True, first
    assert Sims.stats(s.clearip)['faults_fired'].get('server_error') == 2   # both Group creates were refused with 403
    # Only the Users of the two Groups ClearIP refused wait (held back); the others are created.
    held_back = first.out['result']['users']['failed_items']
    assert held_back and all('held back, because its group' in item['reason'] for item in held_back), first
    before = held(s)
    Sims.reset_stats(s.clearip)
    check = playbook(play(s, scheme, **scope), check=True)
    assert Sims.total_writes(s.clearip) == 0
    assert held(s) == before
    real = playbook(play(s, scheme, **scope))
    assert real.out['result'].get('failed') is not True, real
    after = held(s)
    for tier, kind in (('service_providers', 'serviceProviders'), ('groups', 'groups'), ('users', 'users')):
        predicted = sorted(check.out['result'][tier]['created'])
        created = sorted((Counter(after[kind]) - Counter(before[kind])).elements())
        assert predicted == sorted(real.out['result'][tier]['created']) == created, tier
    assert all(c == 1 for kind in after for c in Counter(after[kind]).values())


CREATES = '^/(serviceProviders|groups|users)$'


def hold_until_both_logged_in(s):
    """Keep the first create (held by a ``hold`` fault) until both runs have logged in to ClearIP, then let it go."""
    try:
        wait_for(lambda: Sims.stats(s.clearip).get('holding') == 1 and len(Sims.sessions(s.clearip)) >= 2,
                 'a create held while both runs are logged in', timeout=600)
    finally:
        Sims.release(s.clearip)


def test_two_syncs_of_one_account_at_once_create_each_object_once(sims, tmp_path, collections_path):
    s = sims(make_dataset(resellers=3, domains=12, users=120, seed=73))
    Sims.configure(s.clearip, answer_delay=0.005)
    Sims.add_fault(s.clearip, kind='hold', method='POST', path=CREATES, times=1, delay=600)
    procs = []
    for index, extra in enumerate(({}, {'subscriber_sync_domains': [s.dataset['netsapiens']['domains'][1]['domain']]})):
        work = tmp_path / ('w%d' % index)
        (work / 'home' / 'tmp').mkdir(parents=True)
        variables = dict(extra, subscriber_sync_report_path=str(work / 'report.json'))
        command = [str(BIN / 'ansible-playbook'), 'clearip.netsapiens.sync',
                   '-e', '@%s' % write_json(work / 'config.json', vendor_config(s), 0o600),
                   '-e', '@%s' % write_json(work / 'vars.json', variables)]
        procs.append(subprocess.Popen(command, cwd=str(work), env=ansible_env(collections_path, work / 'home'),
                                      stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True))
    hold_until_both_logged_in(s)
    outs = [p.communicate(timeout=600) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], [o[0][-3000:] for o in outs]
    assert overlapped(Sims.sessions(s.clearip)), Sims.sessions(s.clearip)
    after = held(s)
    for kind in after:
        assert [n for n, c in Counter(after[kind]).items() if c > 1] == [], kind
    assert len(after['users']) == 120


def test_hostile_servers_short_pages_shuffled_short_tokens_429_on_listings(sims, sync):
    dataset = make_dataset(resellers=4, domains=16, users=90, seed=74,
                           clearip_existing={'service_providers': 2, 'groups': 5, 'users': 20})
    s = sims(dataset, netsapiens_config={'page_cap': 7, 'order': 'shuffled', 'token_lifetime': 1, 'answer_delay': 0.01},
             # ClearIP's order applies only to records tied on the sort the client sends (name), and no two names tie
             # here, so it is left at stored: it could not take effect.
             clearip_config={'page_cap': 3, 'token_lifetime': 1, 'answer_delay': 0.01})
    Sims.add_fault(s.clearip, kind='rate_limit', method='GET', path='^/(serviceProviders|groups|users)$', times=-1,
                   every=4, retry_after=1)
    config = vendor_config(s)
    run = sync(config)
    assert run.rc == 0, run
    # each unkind behaviour took effect: NetSapiens lists out of order, 429s on ClearIP listings, tokens renewed
    assert Sims.stats(s.netsapiens)['behaviours'].get('reordered'), Sims.stats(s.netsapiens)
    assert Sims.stats(s.clearip)['faults_fired'].get('rate_limit'), Sims.stats(s.clearip)
    assert Sims.stats(s.clearip)['requests'].get('POST /auth/refresh', 0) + Sims.stats(s.clearip)['requests']['POST /auth/login'] >= 2
    after = held(s)
    ns = dataset['netsapiens']
    assert after['serviceProviders'] == sorted(r['reseller'] for r in ns['resellers'])
    assert after['groups'] == sorted(d['domain'] for d in ns['domains'])
    assert after['users'] == sorted('%s@%s' % (u['user'], u['domain']) for u in ns['users'])
    for secret in secrets(s):
        assert secret not in run.stdout + run.stderr
    # created Groups and Users sit under the right parents (ids of parents created in this run)
    state = Sims.state(s.clearip)
    sp_name = dict((o['id'], o['name']) for o in state['serviceProviders'])
    group_name = dict((o['id'], o['name']) for o in state['groups'])
    reseller_of = dict((d['domain'], d['reseller']) for d in ns['domains'])
    assert all(sp_name[g['serviceProvider']] == reseller_of[g['name']] for g in state['groups'])
    assert all(group_name[u['group']] == u['name'].split('@', 1)[1] for u in state['users'])


def test_a_missing_or_unusable_work_dir_fails_at_setup_naming_it_and_creates_nothing(sims, sync, tmp_path):
    s = sims(make_dataset(resellers=2, domains=4, users=10, seed=75))
    blocked = tmp_path / 'blocked'
    blocked.mkdir()
    (blocked / 'service_providers.json').mkdir()   # the first tier's plan cannot be written there
    for work_dir in (tmp_path / 'missing', blocked):
        run = sync(vendor_config(s), extra_vars={'subscriber_sync_work_dir': str(work_dir)})
        assert run.rc != 0, run
        error = run.out['report']['error']
        assert error['stage'] == 'setup' and str(work_dir) in error['message'], error
        assert Sims.total_writes(s.clearip) == 0, work_dir
    assert not (tmp_path / 'missing').exists()


def test_a_netsapiens_failure_ends_the_run_at_once_while_clearip_is_still_listing(sims, sync):
    s = sims(make_dataset(resellers=2, domains=4, users=10, seed=78))
    # Every ClearIP listing is held until the test lets it go, after the run: a run that waited for one would hang here.
    Sims.add_fault(s.clearip, kind='hold', method='GET', path='^/(serviceProviders|groups|users)$', times=-1, delay=600)
    Sims.add_fault(s.netsapiens, kind='server_error', status=403, method='GET', path=r'/domains$', times=-1)
    try:
        run = sync(vendor_config(s), timeout=300)
        holding = Sims.stats(s.clearip).get('holding', 0)
    finally:
        Sims.release(s.clearip)
    assert run.rc != 0 and run.out['report']['error']['stage'] == 'netsapiens_read', run
    assert holding >= 1   # the run ended while its ClearIP listings were still unanswered
    assert Sims.stats(s.netsapiens)['faults_fired'].get('server_error'), Sims.stats(s.netsapiens)
    assert Sims.total_writes(s.clearip) == 0


def test_config_json_and_role_vars_never_show_a_secret_with_vvvv_check_and_diff(sims, sync, tmp_path):
    s = sims(make_dataset(resellers=2, domains=4, users=12, seed=79))
    config = vendor_config(s)
    keep = tmp_path / 'keep'
    keep.mkdir()
    texts = []
    for check in (True, False, True):
        run = sync(config, check=check, diff=True, args=('-vvvv',),
                   extra_vars={'subscriber_sync_work_dir': str(keep), 'subscriber_sync_progress_path': str(keep / 'p.log')})
        texts.append(run.stdout + run.stderr + json.dumps(run.out))
    files = ''.join(p.read_text() for p in keep.rglob('*') if p.is_file())
    assert 'users.json' in [p.name for p in keep.iterdir()]
    for secret in secrets(s) + [config['clearip']['password']]:
        assert all(secret not in text for text in texts), secret
        assert secret not in files, secret


def lock_files(tmp_path):
    """Each account lock file of the test's cache (conftest: <test tmp>/cache) and what it says (the holder)."""
    locks = tmp_path / 'cache' / 'clearip.netsapiens' / 'locks'
    return dict((p.name, p.read_text()) for p in sorted(locks.glob('*.lock'))) if locks.is_dir() else {}


def test_check_mode_neither_waits_for_nor_takes_the_account_lock(sims, sync, tmp_path, collections_path):
    s = sims(make_dataset(resellers=2, domains=4, users=30, seed=80))
    # The real run's first create is held (with the account lock taken) until the check run has ended.
    Sims.add_fault(s.clearip, kind='hold', method='POST', path=CREATES, times=1, delay=600)
    work = tmp_path / 'real'
    (work / 'home' / 'tmp').mkdir(parents=True)
    command = [str(BIN / 'ansible-playbook'), 'clearip.netsapiens.sync',
               '-e', '@%s' % write_json(work / 'config.json', vendor_config(s), 0o600)]
    real = subprocess.Popen(command, cwd=str(work), env=ansible_env(collections_path, work / 'home'),
                            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        wait_for(lambda: Sims.stats(s.clearip).get('holding') == 1, 'the real run holding the lock in a create', proc=real)
        locks = lock_files(tmp_path)
        assert locks and all(text.startswith('pid ') for text in locks.values()), locks   # the real run's record
        # A check run that waited for the lock would wait until the real run ends, which it cannot before the release.
        check = sync(vendor_config(s), check=True, timeout=300)
        assert real.poll() is None, 'the real run ended before the check could overlap it'
        assert lock_files(tmp_path) == locks   # the check run wrote no lock record of its own
    finally:
        Sims.release(s.clearip)
        out = real.communicate(timeout=300)
    assert real.returncode == 0, out[0][-3000:]
    assert check.rc == 0 and check.out['report']['check_mode'] is True, check
    real_session, check_session = sorted(Sims.sessions(s.clearip), key=lambda session: -session['writes'])
    assert real_session['writes'] > 0 and check_session['writes'] == 0
    # the check run read ClearIP while the real run was in the middle of its creates
    assert real_session['opened'] < check_session['opened'] and check_session['last_request'] < real_session['last_write']
    # Alone, with a cache of its own, a check run makes no lock file at all.
    alone = sync(vendor_config(s), check=True, env={'XDG_CACHE_HOME': str(tmp_path / 'alone-cache')})
    assert alone.rc == 0, alone
    assert not list((tmp_path / 'alone-cache').rglob('*.lock'))


def test_a_held_lock_is_waited_for_up_to_lock_timeout_then_the_run_fails_naming_the_holder(sims, playbook, tmp_path):
    s = sims(make_dataset(resellers=1, domains=2, users=4, seed=84))
    account = s.cip_vars()
    key = '\n'.join((s.clearip.url.rstrip('/').lower(), 'account', account['email'].lower()))
    locks = tmp_path / 'cache' / 'clearip.netsapiens' / 'locks'
    locks.mkdir(parents=True, mode=0o700)
    holder = 'pid 4242, started 2026-01-01T00:00:00Z'
    with open(str(locks / (hashlib.sha256(key.encode('utf-8')).hexdigest() + '.lock')), 'w') as handle:
        handle.write(holder + '\n')
        handle.flush()
        fcntl.flock(handle, fcntl.LOCK_EX)   # another sync of this account holds it
        run = playbook(play(s).replace('service_provider:', 'lock_timeout: 2\n        service_provider:'))
    result = run.out['result']
    assert run.rc == 0 and result.get('failed') is True, run   # the play keeps the failed result (ignore_errors)
    message = result['msg']
    assert 'another sync of ClearIP account %s' % account['email'] in message, message
    assert 'the holder is %s' % holder in message and 'waited 2 seconds (lock_timeout)' in message, message
    assert 'Nothing was listed or created' in message
    stats = Sims.stats(s.clearip)
    assert sum(stats['writes'].values()) == 0
    assert [e for e in stats['requests'] if e.startswith('GET ') and e != 'GET /operators'] == [], stats['requests']


def test_role_with_module_defaults_never_shows_a_secret_with_vvvv_check_and_diff(sims, playbook):
    s = sims(make_dataset(resellers=2, domains=4, users=12, seed=82))
    text = '''
- hosts: localhost
  gather_facts: false
  module_defaults:
    group/clearip.netsapiens.netsapiens: %s
    group/clearip.netsapiens.clearip: %s
  roles:
    - role: clearip.netsapiens.subscriber_sync
      subscriber_sync_report_path: "{{ out_dir }}/report.json"
''' % (json.dumps(s.ns_vars()), json.dumps(s.cip_vars()))
    runs = [playbook(text, check=True, diff=True, args=('-vvvv',)), playbook(text, diff=True, args=('-vvvv',))]
    assert [r.rc for r in runs] == [0, 0], runs[-1]
    assert len(held(s)['users']) == 12
    for secret in secrets(s):
        assert all(secret not in r.stdout + r.stderr + json.dumps(r.out) for r in runs), secret


def test_two_syncs_of_one_account_one_naming_its_operator_create_each_object_once(sims, tmp_path, collections_path):
    # The account is tied to one Operator: a config that names it and one that does not are the same account,
    # and must share one account lock (clearip.AccountLock), or both list, both see the same Users missing and
    # both create them.
    s = sims(make_dataset(resellers=2, domains=6, users=80, seed=83))
    Sims.add_fault(s.clearip, kind='hold', method='POST', path=CREATES, times=1, delay=600)
    procs = []
    for index in range(2):
        config = vendor_config(s)
        if index:
            config['clearip']['operator'] = s.dataset['clearip']['operators'][0]['name']
        work = tmp_path / ('w%d' % index)
        (work / 'home' / 'tmp').mkdir(parents=True)
        command = [str(BIN / 'ansible-playbook'), 'clearip.netsapiens.sync',
                   '-e', '@%s' % write_json(work / 'config.json', config, 0o600)]
        procs.append(subprocess.Popen(command, cwd=str(work), env=ansible_env(collections_path, work / 'home'),
                                      stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True))
    hold_until_both_logged_in(s)
    outs = [p.communicate(timeout=600) for p in procs]
    assert overlapped(Sims.sessions(s.clearip)), Sims.sessions(s.clearip)
    after = held(s)
    for kind in after:
        assert [n for n, c in Counter(after[kind]).items() if c > 1] == [], kind
    assert len(after['users']) == 80
    assert [p.returncode for p in procs] == [0, 0], [o[0][-3000:] for o in outs]


def test_a_refused_clearip_login_ends_the_run_at_once_while_netsapiens_is_still_read(sims, sync):
    # The mirror of the test above: every NetSapiens user page is held until the test lets it go, after the run,
    # and ClearIP refuses the login at once.
    s = sims(make_dataset(resellers=2, domains=40, users=80, seed=79))
    Sims.add_fault(s.netsapiens, kind='hold', method='GET', path=r'/domains/[^/]+/users$', times=-1, delay=600)
    config = vendor_config(s)
    config['clearip']['password'] = 'not-the-password'
    try:
        run = sync(config, timeout=300)
        holding = Sims.stats(s.netsapiens).get('holding', 0)
    finally:
        Sims.release(s.netsapiens)
    assert run.rc != 0 and run.out['report']['error']['stage'] == 'clearip_login', run
    assert holding >= 1   # the run ended while NetSapiens user pages were still unanswered
    assert Sims.stats(s.netsapiens)['requests'].get('GET /ns-api/v2/domains/{domain}/users', 0) < 80   # not every page was read
    assert Sims.total_writes(s.clearip) == 0
