# -*- coding: utf-8 -*-
# Copyright: (c) 2026, clearip.netsapiens contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The dataset generator and the simulators' command line."""

import json
import os
import re
import signal
import subprocess
import sys
import threading
import uuid

import pytest
import requests

from tests.simulators import dataset as D

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))


# -- generator ---------------------------------------------------------------------------------
def test_same_seed_same_dataset_other_seed_other_names(tmp_path):
    first = D.make_dataset(seed=5, system_users=3, clearip_existing={'service_providers': 1, 'groups': 2, 'users': 4})
    second = D.make_dataset(seed=5, system_users=3, clearip_existing={'service_providers': 1, 'groups': 2, 'users': 4})
    assert first == second
    D.write_dataset(str(tmp_path / 'a.json'), first)
    D.write_dataset(str(tmp_path / 'b.json'), second)
    assert (tmp_path / 'a.json').read_bytes() == (tmp_path / 'b.json').read_bytes()
    other = D.make_dataset(seed=6)
    assert [d['domain'] for d in other['netsapiens']['domains']] != [d['domain'] for d in first['netsapiens']['domains']]


def test_default_counts_and_shape():
    ds = D.make_dataset()
    ns = ds['netsapiens']
    assert (len(ns['resellers']), len(ns['domains']), len(ns['users']), len(ns['connections'])) == (3, 30, 300, 30)
    assert sorted(ns['resellers'][0]) == ['description', 'reseller']
    assert sorted(ns['domains'][0]) == ['description', 'domain', 'reseller']
    assert sorted(ns['users'][0]) == ['domain', 'login-username', 'name-first-name', 'name-last-name', 'service-code', 'user']
    assert sorted(ns['connections'][0]) == ['connection-address', 'connection-orig-match-pattern', 'description', 'domain']
    assert ns['oauth_clients'] == [{'client_id': D.NS_CLIENT_ID, 'client_secret': D.NS_CLIENT_SECRET}]
    assert ns['api_users'] == [{'username': D.NS_USERNAME, 'password': D.NS_PASSWORD}]
    assert ns['api_keys'] == [D.NS_API_KEY]
    assert D.NS_API_KEY.startswith('nss_')


def test_names_are_valid_and_unique():
    ds = D.make_dataset(resellers=7, domains=40, users=500, system_users=9, seed=9)
    ns = ds['netsapiens']
    reseller_names = [r['reseller'] for r in ns['resellers']]
    domain_names = [d['domain'] for d in ns['domains']]
    user_ids = ['%s@%s' % (u['user'], u['domain']) for u in ns['users']]
    for name in reseller_names + domain_names + user_ids + [u['user'] for u in ns['users']]:
        assert D.is_valid_name(name), name
    assert len(set(reseller_names)) == 7
    assert len(set(domain_names)) == 40
    assert len(set(user_ids)) == 509
    assert all(u['login-username'] == '%s@%s' % (u['user'], u['domain']) for u in ns['users'])


@pytest.mark.parametrize('name, valid', [
    ('Acme Voice 001', True), ('a#*+@.,-_ b', True), ('x' * 255, True),
    ('x' * 256, False), ('', False), ('a/b', False), ('caf\u00e9', False), ('a\tb', False), ("o'neil", False),
])
def test_is_valid_name(name, valid):
    assert D.is_valid_name(name) is valid


def test_references_and_spread():
    ds = D.make_dataset(resellers=3, domains=10, users=35, seed=4)
    ns = ds['netsapiens']
    resellers = set(r['reseller'] for r in ns['resellers'])
    domains = [d['domain'] for d in ns['domains']]
    assert all(d['reseller'] in resellers for d in ns['domains'])
    assert sorted(set(d['reseller'] for d in ns['domains'])) == sorted(resellers)
    per_domain = [len([u for u in ns['users'] if u['domain'] == d]) for d in domains]
    assert sum(per_domain) == 35
    assert max(per_domain) - min(per_domain) <= 1
    assert min(per_domain) == 3
    # Contiguous blocks: the first k domains belong to the first resellers.
    owners = [d['reseller'] for d in ns['domains']]
    assert owners == sorted(owners, key=[r['reseller'] for r in ns['resellers']].index)
    assert [c['domain'] for c in ns['connections']] == domains
    assert all(c['connection-address'] == D.CONNECTION_ADDRESS and c['connection-orig-match-pattern'] == 'sip*@198.51.100.7'
               for c in ns['connections'])


def test_system_users_and_extra_connections():
    ds = D.make_dataset(resellers=1, domains=3, users=6, system_users=4, connections=7, seed=1)
    ns = ds['netsapiens']
    system = [u for u in ns['users'] if u['service-code'].startswith('system-')]
    assert len(system) == 4
    assert len(ns['users']) == 10
    assert all(u['service-code'] == '' for u in ns['users'][:6])
    assert len(ns['connections']) == 7
    assert [c['description'] for c in ns['connections']] == ['ClearIP'] * 3 + ['Carrier'] * 4
    assert ns['connections'][3]['domain'] == ns['domains'][0]['domain']
    assert ns['connections'][3]['connection-address'] == '203.0.113.1'
    assert ns['connections'][6]['connection-address'] == '203.0.113.2'


def test_clearip_account_single_and_multi_operator():
    cip = D.make_dataset(seed=2)['clearip']
    assert len(cip['operators']) == 1
    op_id = cip['operators'][0]['id']
    assert uuid.UUID(op_id).version == 4
    assert cip['accounts'] == [{'email': D.CIP_EMAIL, 'password': D.CIP_PASSWORD, 'state': 'active', 'operator': op_id}]
    assert (cip['serviceProviders'], cip['groups'], cip['users']) == ([], [], [])
    multi = D.make_dataset(seed=2, multi_operator=True)['clearip']
    assert multi['accounts'][0]['operator'] is None


def test_clearip_existing_objects_follow_the_plain_scheme():
    ds = D.make_dataset(resellers=3, domains=6, users=12, seed=3,
                        clearip_existing={'service_providers': 2, 'groups': 4, 'users': 8})
    ns, cip = ds['netsapiens'], ds['clearip']
    op_id = cip['operators'][0]['id']
    assert [sp['name'] for sp in cip['serviceProviders']] == [r['reseller'] for r in ns['resellers'][:2]]
    assert [g['name'] for g in cip['groups']] == [d['domain'] for d in ns['domains'][:4]]
    assert [u['name'] for u in cip['users']] == ['%s@%s' % (u['user'], u['domain']) for u in ns['users'][:8]]
    assert all(u['userId'] == u['name'] for u in cip['users'])
    sp_by_name = dict((sp['name'], sp['id']) for sp in cip['serviceProviders'])
    reseller_of = dict((d['domain'], d['reseller']) for d in ns['domains'])
    assert all(g['serviceProvider'] == sp_by_name[reseller_of[g['name']]] for g in cip['groups'])
    group_by_name = dict((g['name'], g['id']) for g in cip['groups'])
    assert all(u['group'] == group_by_name[u['name'].split('@', 1)[1]] for u in cip['users'])
    records = cip['serviceProviders'] + cip['groups'] + cip['users']
    assert len(set(r['id'] for r in records)) == 14
    assert all(uuid.UUID(r['id']).version == 4 for r in records)
    assert all(r['operator'] == op_id and r['status'] == 'active' for r in records)
    assert all(isinstance(r['createdAt'], int) and r['createdAt'] >= D.BASE_TIMESTAMP_MS for r in records)
    # Pre-existing objects never change the NetSapiens side of the same seed.
    assert D.make_dataset(resellers=3, domains=6, users=12, seed=3)['netsapiens'] == ns


@pytest.mark.parametrize('existing, message', [
    ({'service_providers': 0, 'groups': 1}, 'needs the service provider'),
    ({'service_providers': 3, 'groups': 1, 'users': 3}, 'needs the group'),
    ({'sps': 1}, 'unknown clearip_existing keys: sps'),
])
def test_clearip_existing_refuses_orphans_and_unknown_keys(existing, message):
    with pytest.raises(ValueError) as caught:
        D.make_dataset(resellers=3, domains=6, users=12, clearip_existing=existing)
    assert message in str(caught.value)


def test_write_and_load_round_trip(tmp_path):
    ds = D.make_dataset(resellers=2, domains=3, users=5, seed=8, clearip_existing={'service_providers': 1})
    path = str(tmp_path / 'ds.json')
    D.write_dataset(path, ds)
    assert D.load_dataset(path) == ds


# -- command line --------------------------------------------------------------------------------
def run_cli(*args, **kwargs):
    env = dict(os.environ, PYTHONPATH=ROOT)
    return subprocess.run([sys.executable, '-m', 'tests.simulators.cli'] + list(args), cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=30, check=False, **kwargs)


def test_cli_generate_writes_the_generator_output(tmp_path):
    out = str(tmp_path / 'ds.json')
    done = run_cli('generate', '--resellers', '2', '--domains', '5', '--users', '20', '--seed', '1',
                   '--system-users', '2', '--existing-service-providers', '1', '--existing-groups', '2', '-o', out)
    assert done.returncode == 0, done.stderr
    expected = D.make_dataset(resellers=2, domains=5, users=20, seed=1, system_users=2,
                              clearip_existing={'service_providers': 1, 'groups': 2, 'users': 0})
    assert D.load_dataset(out) == expected
    to_stdout = run_cli('generate', '--resellers', '2', '--domains', '5', '--users', '20', '--seed', '1')
    assert to_stdout.returncode == 0, to_stdout.stderr
    assert json.loads(to_stdout.stdout) == D.make_dataset(resellers=2, domains=5, users=20, seed=1)


def test_cli_generate_reports_bad_arguments():
    done = run_cli('generate', '--domains', '2', '--existing-groups', '1')
    assert done.returncode != 0
    assert 'needs the service provider' in done.stderr


def start_serve(tmp_path, *extra):
    ds_path = str(tmp_path / 'ds.json')
    D.write_dataset(ds_path, D.make_dataset(resellers=2, domains=4, users=8, seed=1))
    urls_path = str(tmp_path / 'urls.json')
    env = dict(os.environ, PYTHONPATH=ROOT)
    proc = subprocess.Popen([sys.executable, '-m', 'tests.simulators.cli', 'serve', '--dataset', ds_path,
                             '--urls-file', urls_path] + list(extra),
                            cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    return proc, urls_path


def line_of(stream, timeout=30):
    """The next line ``serve`` writes to ``stream`` ('' at its end), waiting at most ``timeout`` seconds: a serve that
    hangs before printing fails the test instead of blocking it (the reader thread ends when ``stop`` kills serve)."""
    got = []
    reader = threading.Thread(target=lambda: got.append(stream.readline()), daemon=True)
    reader.start()
    reader.join(timeout)
    assert got, 'serve wrote no whole line within %d s' % timeout
    return got[0]


def stop(proc):
    """Kill ``serve`` if it still runs, and close its pipes."""
    if proc.poll() is None:
        proc.kill()
        proc.wait(timeout=10)
    proc.stdout.close()
    proc.stderr.close()


@pytest.mark.parametrize('signum', [signal.SIGTERM, signal.SIGINT])
def test_cli_serve_runs_both_simulators_and_stops_on_signal(tmp_path, signum):
    proc, urls_path = start_serve(tmp_path, '--ns-config', '{"page_cap": 1}')
    try:
        line = line_of(proc.stdout)
        urls = json.loads(line)
        assert sorted(urls) == ['clearip', 'config', 'netsapiens', 'rules']
        assert urls['netsapiens'].startswith('http://127.0.0.1:')
        assert urls['clearip'].startswith('http://127.0.0.1:')
        with open(urls_path) as handle:
            assert json.loads(handle.read()) == urls

        token = requests.post(urls['netsapiens'] + '/ns-api/oauth2/token/', timeout=5, data={
            'grant_type': 'password', 'client_id': D.NS_CLIENT_ID, 'client_secret': D.NS_CLIENT_SECRET,
            'username': D.NS_USERNAME, 'password': D.NS_PASSWORD}).json()['access_token']
        domains = requests.get(urls['netsapiens'] + '/ns-api/v2/domains', params={'limit': 10}, timeout=5,
                               headers={'Authorization': 'Bearer ' + token})
        assert domains.status_code == 200
        assert len(domains.json()) == 1   # the --ns-config page cap reached the simulator
        login = requests.post(urls['clearip'] + '/auth/login', json={'email': D.CIP_EMAIL, 'password': D.CIP_PASSWORD},
                              timeout=5)
        assert login.status_code == 200
        assert login.json()['token']

        proc.send_signal(signum)
        assert proc.wait(timeout=10) == 0
    finally:
        stop(proc)


def test_every_cli_option_has_help():
    from tests.simulators.cli import build_parser
    parser = build_parser()
    commands = [a for a in parser._actions if a.dest == 'command'][0].choices
    for name, sub in commands.items():
        for action in sub._actions:
            assert action.help, '%s %s has no help' % (name, action.option_strings)


def test_cli_serve_writes_a_ready_private_config_json_and_rules(tmp_path):
    config_path = tmp_path / 'sim' / 'config.json'
    config_path.parent.mkdir()
    config_path.write_text('{}')
    config_path.chmod(0o644)   # an existing file must end up private too
    proc, urls_path = start_serve(tmp_path, '--config-file', str(config_path))
    try:
        urls = json.loads(line_of(proc.stdout))
        assert urls['config'] == str(config_path)
        assert os.stat(urls['config']).st_mode & 0o777 == 0o600
        config = json.loads(config_path.read_text())
        assert config == D.vendor_config(D.make_dataset(resellers=2, domains=4, users=8, seed=1), urls['netsapiens'], urls['clearip'])
        # The file is usable as written: its credentials log in to both simulators.
        ns = config['netsapiens']
        token = requests.post(ns['host'] + '/ns-api/oauth2/token/', timeout=5, data={
            'grant_type': 'password', 'client_id': ns['clientId'], 'client_secret': ns['clientSecret'],
            'username': ns['username'], 'password': ns['password']})
        assert token.status_code == 200 and token.json()['access_token']
        login = requests.post(config['clearip']['url'] + '/auth/login', timeout=5,
                              json={'email': config['clearip']['email'], 'password': config['clearip']['password']})
        assert login.status_code == 200
        assert urls['rules'] == str(tmp_path / 'sim' / 'rules.json')
        assert os.stat(urls['rules']).st_mode & 0o777 == 0o600
        rules = json.loads((tmp_path / 'sim' / 'rules.json').read_text())['subscriber_sync_user_id_header_rules']
        assert len(rules) == 4 and rules[0] == {'domain': rules[0]['domain'], 'dialplan': rules[0]['domain'],
                                                'matching': D.DIALRULE_TO_URI}
        # Every listed rule exists in the NetSapiens simulator.
        for rule in rules:
            listed = requests.get('%s/ns-api/v2/domains/%s/dialplans/%s/dialrules' % (ns['host'], rule['domain'], rule['dialplan']),
                                  headers={'Authorization': 'Bearer ' + token.json()['access_token']}, timeout=5)
            assert listed.status_code == 200
            assert [r['dial-rule-matching-to-uri'] for r in listed.json()] == [rule['matching']]
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=10) == 0
        told = proc.stderr.read()
        assert 'Credentials of both (the NetSapiens OAuth2 client and API user, the ClearIP account): in %s' % config_path in told
        # Every suggested command has the inventory that spares ansible-core's two warnings, and names the config.
        commands = [line.strip() for line in told.splitlines() if line.strip().startswith('ansible-playbook ')]
        assert len(commands) == 4 and all(c.startswith('ansible-playbook -i localhost, clearip.netsapiens.') and
                                          '-e @%s' % config_path in c for c in commands), told
        assert any('clearip.netsapiens.drift' in c for c in commands)
    finally:
        stop(proc)


def test_cli_serve_shows_how_to_make_drift_and_its_commands_work(tmp_path):
    proc, urls_path = start_serve(tmp_path, '--config-file', str(tmp_path / 'config.json'))
    try:
        urls = json.loads(line_of(proc.stdout))
        told = []
        while not any('clearip.netsapiens.drift' in line for line in told):
            told.append(line_of(proc.stderr))
            assert told[-1], 'serve ended its guide without the drift command: %s' % ''.join(told)
        curls = [re.match(r"^\s*curl -sS -X POST (\S+) -d '(.*)'$", line) for line in told if line.strip().startswith('curl ')]
        assert len(curls) == 2 and all(curls), told
        removed, moved = [requests.post(m.group(1), data=m.group(2), timeout=5) for m in curls]
        assert removed.status_code == 200 and moved.status_code == 200, (removed.text, moved.text)
        assert curls[0].group(1) == urls['netsapiens'] + '/_sim/remove' and curls[1].group(1) == urls['netsapiens'] + '/_sim/move-domain'
        domain = json.loads(curls[1].group(2))
        assert moved.json()['reseller'] == domain['reseller']
    finally:
        stop(proc)


def test_cli_serve_without_a_dataset_writes_the_default_credentials(tmp_path):
    env = dict(os.environ, PYTHONPATH=ROOT, TMPDIR=str(tmp_path))
    proc = subprocess.Popen([sys.executable, '-m', 'tests.simulators.cli', 'serve'], cwd=ROOT, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        urls = json.loads(line_of(proc.stdout))
        assert os.path.dirname(urls['config']) == str(tmp_path)
        assert os.stat(urls['config']).st_mode & 0o777 == 0o600
        assert urls['rules'] is None
        with open(urls['config']) as handle:
            config = json.load(handle)
        assert config['netsapiens']['clientSecret'] == D.NS_CLIENT_SECRET and config['clearip']['password'] == D.CIP_PASSWORD
    finally:
        proc.terminate()
        proc.wait(timeout=10)
        proc.stdout.close()
        proc.stderr.close()


def test_every_domain_has_a_schema_complete_dial_rule_to_its_clearip_connection():
    ds = D.make_dataset(resellers=2, domains=5, users=10, seed=3)
    ns = ds['netsapiens']
    assert [r['domain'] for r in ns['dialrules']] == [d['domain'] for d in ns['domains']]
    connection_of = dict((c['domain'], c['connection-address']) for c in ns['connections'])
    from tests.simulators.netsapiens import DIALRULE_WRITABLE
    for rule in ns['dialrules']:
        assert rule['dialplan'] == rule['domain']
        assert rule['dial-rule-translation-destination-host'] == connection_of[rule['domain']] == D.CONNECTION_ADDRESS
        assert rule['dial-rule-application'] == 'to-connection'
        # What a v2 create requires, and nothing the simulator would refuse.
        assert rule['dial-rule-matching-to-uri'] and rule['dial-rule-translation-destination-user']
        assert set(rule) - set(['domain', 'dialplan']) <= set(DIALRULE_WRITABLE)
        assert all(isinstance(v, str) for v in rule.values())
    assert D.user_id_header_rules(ds, limit=2) == [
        {'domain': r['domain'], 'dialplan': r['domain'], 'matching': D.DIALRULE_TO_URI} for r in ns['dialrules'][:2]]
