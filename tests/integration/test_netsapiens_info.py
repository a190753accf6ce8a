# -*- coding: utf-8 -*-
# Copyright: (c) 2026, clearip.netsapiens contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The four NetSapiens info modules through the real ansible-playbook against the NetSapiens simulator.

Every test compares what the modules return with the dataset the simulator was given: no record lost,
none doubled. Several simulators may serve one playbook, because each playbook run costs seconds.
"""

from __future__ import absolute_import, division, print_function

import json
import os
import re
import socket
import stat

from tests.integration.conftest import assert_no_secret
from tests.simulators.dataset import NS_API_KEY, make_dataset

MODULES = ('reseller', 'domain', 'user', 'connection')


def expected(dataset):
    """What the modules must return for ``dataset``, in their sort order."""
    ns = dataset['netsapiens']
    return {
        'resellers': sorted(({'name': r['reseller'], 'description': r.get('description', '')} for r in ns['resellers']),
                            key=lambda r: r['name']),
        'domains': sorted(({'name': d['domain'], 'reseller': d['reseller'], 'description': d.get('description', '')}
                           for d in ns['domains']), key=lambda r: r['name']),
        'users': sorted(({'user': u['user'], 'domain': u['domain'], 'first_name': u.get('name-first-name', ''),
                          'last_name': u.get('name-last-name', ''), 'service_code': u.get('service-code', '')}
                         for u in ns['users']), key=lambda r: (r['domain'], r['user'])),
        'connections': sorted(({'name': c['connection-orig-match-pattern'], 'domain': c['domain'],
                                'address': c['connection-address']} for c in ns['connections']),
                              key=lambda r: (r['domain'], r['name'], r['address'])),
    }


def oauth(var):
    """Module options for the simulator whose ns_vars() is the extra var ``var``."""
    return ''.join('        %s: "{{ %s.%s }}"\n' % (key, var, key)
                   for key in ('host', 'client_id', 'client_secret', 'username', 'password'))


def task(name, module, var, options='', ignore_errors=False):
    """One info task registering ``r_<name>``; ``play`` saves it as ``out['results'][name]``."""
    auth = oauth(var) if var else ''
    return ('    - name: Read %(name)s\n'
            '      clearip.netsapiens.netsapiens_%(module)s_info:\n'
            '%(auth)s%(options)s'
            '      register: r_%(name)s\n'
            '%(extra)s') % dict(name=name, module=module, auth=auth, options=options,
                                extra='      ignore_errors: true\n' if ignore_errors else '')


def failing(name, module, var, options=''):
    return task(name, module, var, options, ignore_errors=True)


def play(*tasks):
    """A play of ``tasks`` and one task saving every registered result (one module run, not one per task)."""
    names = re.findall(r'register: r_(\w+)', ''.join(tasks))
    results = ', '.join("'%s': r_%s" % (name, name) for name in names)
    save = ('    - name: Save the results\n'
            '      ansible.builtin.copy: {content: "{{ {%s} | to_json }}", dest: "{{ out_dir }}/results.json", mode: "0600"}\n'
            '      check_mode: false\n') % results
    return '- hosts: localhost\n  gather_facts: false\n  tasks:\n' + ''.join(tasks) + save


def run_play(playbook, tasks, extra_vars, **kwargs):
    # Pipelining saves three shell round trips per task; the tests run many module tasks.
    run = playbook(play(*tasks), extra_vars=extra_vars, env={'ANSIBLE_PIPELINING': '1'}, **kwargs)
    assert run.rc == 0, run
    return run, run.out['results']


def stats(sim):
    import requests
    return requests.get(sim.url + '/_sim/stats', timeout=10).json()


def assert_all_four(out, prefix, want, version):
    for kind in MODULES:
        key = kind + 's'
        result = out['%s_%s' % (prefix, kind)]
        assert result['failed'] is False, result
        assert result['changed'] is False
        assert result['api_version'] == version
        assert result[key] == want[key]
        assert result['count'] == len(want[key])


def test_v2_and_v1_cores_give_the_same_exact_records(sims, playbook):
    dataset = make_dataset(resellers=3, domains=14, users=90, system_users=3, seed=11)
    want = expected(dataset)
    v2 = sims(dataset)
    v1 = sims(dataset, netsapiens_config={'v2_enabled': False})
    some = [d['name'] for d in want['domains'][3:6]]
    reseller = want['resellers'][1]['name']
    tasks = [task('v2_' + kind, kind, 'v2', '        page_size: 25\n') for kind in MODULES]
    tasks += [task('v1_' + kind, kind, 'v1', '        page_size: 25\n') for kind in MODULES]
    tasks.append(task('v2_filtered_domains', 'domain', 'v2', '        reseller: "%s"\n' % reseller))
    tasks.append(task('v2_some_users', 'user', 'v2', '        domains: %s\n        max_workers: 2\n' % json.dumps(some)))
    _run, out = run_play(playbook, tasks, {'v2': v2.ns_vars(), 'v1': v1.ns_vars()})
    assert_all_four(out, 'v2', want, 'v2')
    assert_all_four(out, 'v1', want, 'v1')
    assert out['v2_filtered_domains']['domains'] == [d for d in want['domains'] if d['reseller'] == reseller]
    assert out['v2_some_users']['users'] == [u for u in want['users'] if u['domain'] in some]
    assert len([u for u in out['v2_user']['users'] if u['service_code'].startswith('system-')]) == 3
    # the v1-only core was asked for v2 twice per module (its missing v2 token endpoint, then the version
    # probe), then only v1
    v1_stats = stats(v1.netsapiens)
    assert v1_stats['requests']['POST /ns-api/v2/tokens'] == 4
    assert v1_stats['requests']['POST /ns-api/oauth2/token/'] == 4
    assert v1_stats['requests']['GET /ns-api/v2/domains/count'] == 4
    assert sum(n for endpoint, n in v1_stats['requests'].items() if '/ns-api/v2' in endpoint) == 8
    assert v1_stats['v1']['subscriber read'] == 2 * len(want['domains'])


def test_api_key_reads_v2_and_is_refused_for_v1(sims, playbook):
    dataset = make_dataset(resellers=2, domains=5, users=23, seed=3)
    want = expected(dataset)
    sim = sims(dataset)
    key_options = '        host: "{{ ns.host }}"\n        api_key: "{{ key }}"\n'
    run, out = run_play(playbook, [task('by_key', 'user', None, key_options),
                                   failing('key_v1', 'domain', None, key_options + '        api_version: v1\n')],
                        {'ns': sim.ns_vars(), 'key': NS_API_KEY})
    assert out['by_key']['users'] == want['users']
    assert out['by_key']['api_version'] == 'v2'
    assert out['key_v1']['failed'] is True
    assert out['key_v1']['msg'] == ('API keys only work with the NetSapiens API v2: use api_version auto or v2, '
                                    'or the OAuth options for a v1-only core')
    sim_stats = stats(sim.netsapiens)
    assert 'POST /ns-api/oauth2/token/' not in sim_stats['requests']
    # the key implies v2: no version probe, one list call per page
    assert sim_stats['requests']['GET /ns-api/v2/domains'] == 2
    # The shared check: the API key, the OAuth credentials and every token the simulator issued, in the output.
    secrets = sim.secrets()
    assert NS_API_KEY in secrets
    assert_no_secret(secrets, [run.stdout, run.stderr, json.dumps(out)])


def test_page_cap_lower_than_asked_and_a_route_ignoring_start(sims, playbook):
    dataset = make_dataset(resellers=4, domains=12, users=75, seed=5)
    want = expected(dataset)
    capped = sims(dataset, netsapiens_config={'page_cap': 7})
    stuck = sims(dataset, netsapiens_config={'ignore_start_routes': ['GET /domains', 'GET /domains/{domain}/users']})
    _run, out = run_play(playbook, [task('capped_domain', 'domain', 'capped', '        page_size: 20\n'),
                                    task('capped_user', 'user', 'capped', '        page_size: 20\n'),
                                    failing('stuck', 'domain', 'stuck', '        page_size: 5\n'),
                                    task('stuck_resellers_ok', 'reseller', 'stuck', '        page_size: 5\n'),
                                    failing('stuck_users', 'user', 'stuck', '        page_size: 4\n        domains: ["%s"]\n'
                                            % want['domains'][0]['name'])],
                         {'capped': capped.ns_vars(), 'stuck': stuck.ns_vars()})
    assert out['capped_domain']['domains'] == want['domains']
    assert out['capped_user']['users'] == want['users']
    # 12 domains in pages of at most 7, then the empty page that ends the list; read by both modules
    assert stats(capped.netsapiens)['requests']['GET /ns-api/v2/domains'] == 3 * 2
    assert out['stuck']['failed'] is True
    assert out['stuck']['msg'] == ('GET /ns-api/v2/domains returned the same records again for start=5 (server ignores '
                                   'start): refusing to loop or return duplicates after 5 records of 12')
    assert 'domains' not in out['stuck']
    # the same server's unpaged resellers fit in one page: its count confirms nothing is missing
    assert out['stuck_resellers_ok']['resellers'] == want['resellers']
    first = want['domains'][0]['name']
    assert out['stuck_users']['failed'] is True
    assert out['stuck_users']['msg'] == (
        'reading the users of domain %s: GET /ns-api/v2/domains/%s/users for domain %s returned the same records again '
        'for start=4 (server ignores start): refusing to loop or return duplicates after 4 records of %d'
        % (first, first, first, len([u for u in want['users'] if u['domain'] == first])))


def test_server_errors_and_rate_limits_are_retried_without_loss(sims, playbook):
    dataset = make_dataset(resellers=3, domains=9, users=40, seed=9)
    want = expected(dataset)
    flaky = sims(dataset)
    flaky.add_fault(flaky.netsapiens, kind='server_error', path='/users$', method='GET', times=3)
    flaky.add_fault(flaky.netsapiens, kind='server_error', path='/ns-api/v2/tokens$', times=1, status=502)
    flaky.add_fault(flaky.netsapiens, kind='rate_limit', path='/ns-api/v2/domains$', times=1, retry_after=1)
    flaky.add_fault(flaky.netsapiens, kind='html_error', path='/ns-api/v2/resellers$', times=1, status=504)
    flaky.add_fault(flaky.netsapiens, kind='drop_after_commit', path='/ns-api/v2/connections$', times=1)
    broken = sims(dataset)
    broken.add_fault(broken.netsapiens, kind='malformed_json', path='/ns-api/v2/domains$', times=-1)
    _run, out = run_play(playbook, [task('flaky_' + kind, kind, 'flaky') for kind in MODULES] + [failing('broken', 'domain', 'broken')],
                         {'flaky': flaky.ns_vars(), 'broken': broken.ns_vars()})
    for kind in MODULES:
        assert out['flaky_' + kind][kind + 's'] == want[kind + 's']
    assert stats(flaky.netsapiens)['faults_fired'] == {'server_error': 4, 'rate_limit': 1, 'html_error': 1,
                                                       'drop_after_commit': 1}
    assert out['broken']['failed'] is True
    assert stats(broken.netsapiens)['faults_fired'] == {'malformed_json': 6}   # every attempt met the broken body
    # an unreadable body is retried like a 5xx (issue 9, item 8), so one that never heals fails after every attempt
    assert out['broken']['msg'] == ('NetSapiens request failed: GET %s/ns-api/v2/domains?start=0&limit=500 answered '
                                    'HTTP 200 with a body that is not JSON: \'{"truncated": [\' (6 attempts)' % broken.netsapiens.url)


def test_tokens_expiring_during_a_long_read_are_renewed(sims, playbook):
    dataset = make_dataset(resellers=2, domains=16, users=64, seed=4)
    want = expected(dataset)
    sim = sims(dataset, netsapiens_config={'token_lifetime': 1})
    # Two answers slower than the token's lifetime: the server checks the token after the delay,
    # answers 401, and the client must renew it and repeat just that call.
    sim.add_fault(sim.netsapiens, kind='slow', path='/users$', times=1, delay=1.2)
    sim.add_fault(sim.netsapiens, kind='slow', path='/users$', skip=5, times=1, delay=1.2)
    _run, out = run_play(playbook, [task('users', 'user', 'ns', '        max_workers: 1\n        page_size: 3\n')],
                         {'ns': sim.ns_vars()})
    assert out['users']['users'] == want['users']
    assert stats(sim.netsapiens)['faults_fired'] == {'slow': 2}   # both slow answers were given
    requests_seen = stats(sim.netsapiens)['requests']
    # 4 users per domain in pages of 3: 3 calls per domain, plus the 2 refused calls repeated
    assert requests_seen['GET /ns-api/v2/domains/{domain}/users'] == 3 * 16 + 2
    # the first password grant, then at least one renewal per refused call
    assert requests_seen['POST /ns-api/v2/tokens'] >= 3
    assert 'POST /ns-api/oauth2/token/' not in requests_seen


def test_wrong_credentials_say_which_and_never_show_secrets(sims, playbook):
    dataset = make_dataset(resellers=1, domains=2, users=4, seed=1)
    sim = sims(dataset)
    legacy = sims(dataset, netsapiens_config={'token_endpoints': ['legacy']})
    good = sim.ns_vars()
    bad_client = dict(good, client_secret='WRONG-client-secret-4711')
    bad_user = dict(good, password='WRONG-user-password-4711')
    legacy_bad_client = dict(legacy.ns_vars(), client_secret='WRONG-client-secret-4711')
    legacy_bad_user = dict(legacy.ns_vars(), password='WRONG-user-password-4711')
    closed = socket.socket()
    closed.bind(('127.0.0.1', 0))
    port = closed.getsockname()[1]
    closed.close()
    unreachable = dict(good, host='http://127.0.0.1:%d' % port)
    run, out = run_play(playbook, [failing('bad_client', 'reseller', 'bad_client'),
                                   failing('bad_user', 'domain', 'bad_user'),
                                   failing('legacy_bad_client', 'reseller', 'legacy_bad_client'),
                                   failing('legacy_bad_user', 'domain', 'legacy_bad_user'),
                                   failing('unreachable', 'connection', 'unreachable')],
                        {'bad_client': bad_client, 'bad_user': bad_user, 'legacy_bad_client': legacy_bad_client,
                         'legacy_bad_user': legacy_bad_user, 'unreachable': unreachable}, args=('-vvv',))
    # the v2 token endpoint answers {code, message}, which does not say which credential is wrong
    assert out['bad_client']['msg'] == ('NetSapiens refused the password grant at POST /ns-api/v2/tokens with HTTP 401 (The '
                                        'client credentials are invalid): check client_id, client_secret, username and password')
    assert out['bad_user']['msg'] == ('NetSapiens refused the password grant at POST /ns-api/v2/tokens with HTTP 401 (Invalid '
                                      'username and password combination): check client_id, client_secret, username and password')
    # the legacy OAuth2 endpoint does
    assert out['legacy_bad_client']['msg'] == ('NetSapiens rejected the OAuth client (HTTP 401 invalid_client (The client '
                                               'credentials are invalid)): check client_id and client_secret')
    assert out['legacy_bad_user']['msg'] == ('NetSapiens rejected the user credentials (HTTP 400 invalid_grant (Invalid '
                                             'username and password combination)): check username and password')
    assert out['unreachable']['msg'].startswith(
        'getting a NetSapiens access token failed: POST http://127.0.0.1:%d/ns-api/v2/tokens failed: cannot connect to the '
        'server' % port)
    # The shared check: every credential given (the wrong ones too) and every token either simulator issued.
    secrets = sorted(set(sim.secrets({'bad_client': bad_client, 'bad_user': bad_user, 'unreachable': unreachable}))
                     | set(legacy.secrets({'bad_client': legacy_bad_client, 'bad_user': legacy_bad_user})))
    assert {'WRONG-client-secret-4711', 'WRONG-user-password-4711', good['client_secret'], good['password']} <= set(secrets)
    assert_no_secret(secrets, [run.stdout, run.stderr, json.dumps(out)])
    # a rejected login is never retried, nor tried again at the other endpoint
    assert stats(sim.netsapiens)['requests'] == {'POST /ns-api/v2/tokens': 2}
    assert stats(legacy.netsapiens)['requests'] == {'POST /ns-api/v2/tokens': 2, 'POST /ns-api/oauth2/token/': 2}


def test_every_module_works_with_either_token_endpoint_alone_and_the_probe_is_not_fooled(sims, playbook):
    dataset = make_dataset(resellers=2, domains=5, users=20, seed=13)
    want = expected(dataset)
    v2_tokens = sims(dataset, netsapiens_config={'token_endpoints': ['v2']})
    legacy_tokens = sims(dataset, netsapiens_config={'token_endpoints': ['legacy']})
    old_core = sims(dataset, netsapiens_config={'token_endpoints': ['legacy'], 'v2_enabled': False})
    no_tokens = sims(dataset, netsapiens_config={'token_endpoints': []})
    both = sims(dataset)
    forced_v2 = sims(dataset, netsapiens_config={'token_endpoints': ['legacy']})
    tasks = [task('v2tokens_' + kind, kind, 'v2_tokens') for kind in MODULES]
    tasks += [task('legacytokens_' + kind, kind, 'legacy_tokens') for kind in MODULES]
    tasks += [task('old_' + kind, kind, 'old_core') for kind in MODULES]
    tasks += [failing('no_tokens', 'domain', 'no_tokens'),
              task('forced_legacy', 'reseller', 'both', '        token_endpoint: legacy\n'),
              failing('forced_v2', 'reseller', 'forced_v2', '        token_endpoint: v2\n')]
    _run, out = run_play(playbook, tasks, {'v2_tokens': v2_tokens.ns_vars(), 'legacy_tokens': legacy_tokens.ns_vars(),
                                           'old_core': old_core.ns_vars(), 'no_tokens': no_tokens.ns_vars(),
                                           'both': both.ns_vars(), 'forced_v2': forced_v2.ns_vars()})
    # api_version auto throughout: the v2 API is found whichever token endpoint served the token
    assert_all_four(out, 'v2tokens', want, 'v2')
    assert_all_four(out, 'legacytokens', want, 'v2')
    assert_all_four(out, 'old', want, 'v1')
    seen = stats(v2_tokens.netsapiens)['requests']
    assert (seen['POST /ns-api/v2/tokens'], seen['GET /ns-api/v2/domains/count']) == (4, 4)
    assert 'POST /ns-api/oauth2/token/' not in seen
    seen = stats(legacy_tokens.netsapiens)['requests']
    # per module: the v2 token endpoint's 404, the legacy grant, the probe (which alone says v2)
    assert (seen['POST /ns-api/v2/tokens'], seen['POST /ns-api/oauth2/token/'], seen['GET /ns-api/v2/domains/count']) == (4, 4, 4)
    assert 'POST /ns-api/' not in seen
    seen = stats(old_core.netsapiens)
    assert (seen['requests']['POST /ns-api/v2/tokens'], seen['requests']['POST /ns-api/oauth2/token/']) == (4, 4)
    assert seen['v1']['subscriber read'] == 2 * len(want['domains'])

    # no token endpoint at all: a token failure, never an API v1 core; no probe, no v1 read
    assert out['no_tokens']['failed'] is True
    assert out['no_tokens']['status'] == 404
    assert out['no_tokens']['msg'] == (
        'NetSapiens has no token endpoint here: POST /ns-api/v2/tokens answered HTTP 404 (Not Found) and '
        'POST /ns-api/oauth2/token/ answered HTTP 404 (not found: /ns-api/oauth2/token/). Check host (the server root, such '
        'as https://pbx.example.com) and username; a core behind a proxy that blocks one of these paths needs token_endpoint '
        'set to the other (v2 or legacy)')
    assert stats(no_tokens.netsapiens)['requests'] == {'POST /ns-api/v2/tokens': 1, 'POST /ns-api/oauth2/token/': 1}

    # a forced endpoint is the only one asked
    assert out['forced_legacy']['resellers'] == want['resellers']
    seen = stats(both.netsapiens)['requests']
    assert seen['POST /ns-api/oauth2/token/'] == 1
    assert 'POST /ns-api/v2/tokens' not in seen
    assert out['forced_v2']['failed'] is True
    assert out['forced_v2']['msg'] == ('NetSapiens answered the password grant at POST /ns-api/v2/tokens with HTTP 404 (Not '
                                       'Found): this core may not have that token endpoint (set token_endpoint to auto), or '
                                       'it does not know the user (check username)')
    assert stats(forced_v2.netsapiens)['requests'] == {'POST /ns-api/v2/tokens': 1}


def test_check_mode_reads_and_dest_writes_a_private_file(sims, playbook, tmp_path):
    dataset = make_dataset(resellers=2, domains=6, users=30, system_users=1, seed=8)
    want = expected(dataset)
    sim = sims(dataset)
    dest_dir = tmp_path / 'dest'
    dest_dir.mkdir()
    users_file = str(dest_dir / 'users.json')
    tasks = [task('checked', 'connection', 'ns'), task('to_file', 'user', 'ns', '        dest: "%s"\n' % users_file)]
    _run, out = run_play(playbook, tasks, {'ns': sim.ns_vars()}, check=True)
    assert out['checked']['connections'] == want['connections']
    assert out['checked']['changed'] is False
    assert out['to_file']['count'] == len(want['users'])
    assert out['to_file']['dest'] == users_file
    assert out['to_file']['changed'] is False
    assert 'users' not in out['to_file']
    with open(users_file) as handle:
        assert json.load(handle) == want['users']
    assert stat.S_IMODE(os.stat(users_file).st_mode) == 0o600
    assert os.listdir(str(dest_dir)) == ['users.json']   # no temporary file left behind
