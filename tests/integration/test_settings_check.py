# -*- coding: utf-8 -*-
# Copyright: (c) 2026, clearip.netsapiens contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""config.json and role-variable mistakes, through ``ansible-playbook clearip.netsapiens.sync -e @config.json``:
each is named in its own terms (the config.json key or the variable) with the fix, before any request."""

from __future__ import annotations

import subprocess

import pytest

from tests.integration.conftest import BIN, Sims, run_ansible_playbook, vendor_config, write_json
from tests.simulators.dataset import make_dataset


def requests_seen(s):
    return sum(Sims.stats(s.netsapiens)['requests'].values()) + sum(Sims.stats(s.clearip)['requests'].values())


def output(run):
    return run.stdout + run.stderr


@pytest.fixture
def env(sims):
    return sims(make_dataset(resellers=1, domains=2, users=3, seed=21))


def assert_refused(run, s, *words):
    """The run failed before any request, and its output has every one of ``words``."""
    assert run.rc != 0, run
    text = output(run)
    for word in words:
        assert word in text, (word, run)
    assert 'Validation of arguments failed' not in text, run   # not the role's argument-spec dump
    assert requests_seen(s) == 0, Sims.stats(s.netsapiens)
    config = vendor_config(s)
    for secret in (config['netsapiens']['clientSecret'], config['netsapiens']['password'], config['clearip']['password']):
        assert secret not in text


def test_a_good_config_reaches_the_servers(env, sync):
    # The counter the other tests rely on does count a real run's requests.
    run = sync(vendor_config(env), check=True)
    assert run.rc == 0, run
    assert requests_seen(env) > 0


def test_missing_client_secret_names_the_key(env, sync):
    config = vendor_config(env)
    del config['netsapiens']['clientSecret']
    run = sync(config)
    assert_refused(run, env, 'netsapiens.clientSecret: is missing from config.json', 'add \\"clientSecret\\"')
    assert 'required together' not in output(run)


def test_a_misspelt_key_is_named_with_the_right_one(env, sync):
    config = vendor_config(env)
    config['netsapiens']['clientSecrets'] = config['netsapiens'].pop('clientSecret')
    # At the highest verbosity Ansible shows each module's arguments, and so does the check when it runs on the
    # controller (a local connection): the shape of each setting, never a secret (assert_refused looks for them).
    run = sync(config, args=('-vvvv',))
    assert '"module_args": {' in output(run) and '"clientSecrets": {' in output(run), run
    assert_refused(run, env, 'netsapiens.clientSecrets: is not a key of config.json',
                   'did you mean netsapiens.clientSecret?', 'rename or remove it')


def test_no_config_json_at_all_says_so(env, collections_path, tmp_path):
    work = tmp_path / 'bare'
    work.mkdir()
    proc = run_ansible_playbook(collections_path, work, 'clearip.netsapiens.sync', [])
    assert proc.returncode != 0
    text = proc.stdout + proc.stderr
    assert 'config.json: no settings were given' in text, text
    assert 'run with -e @config.json' in text
    assert 'missing required arguments' not in text
    assert requests_seen(env) == 0


def test_a_wrong_type_names_the_key(env, sync):
    config = vendor_config(env)
    config['clearip']['validateCerts'] = 'maybe'
    config['netsapiens']['username'] = 1234
    run = sync(config)
    assert_refused(run, env, 'clearip.validateCerts: is a string, must be true or false', 'write it as true or false',
                   'netsapiens.username: is a whole number, must be a string', 'write it as a string in quotes')


def test_a_netsapiens_host_with_a_port_and_no_scheme(env, sync):
    config = vendor_config(env)
    config['netsapiens']['host'] = config['netsapiens']['host'].split('://', 1)[1]
    run = sync(config)
    assert_refused(run, env, 'netsapiens.host: has a port but no scheme', 'http://<host>:<port> for a server without TLS')
    assert 'ca_path' not in output(run)


def test_a_clearip_url_without_a_scheme(env, sync):
    config = vendor_config(env)
    config['clearip']['url'] = config['clearip']['url'].split('://', 1)[1]
    run = sync(config)
    assert_refused(run, env, 'clearip.url: has no scheme', 'write it as https://<host>')
    assert 'No connection adapters' not in output(run)


def test_a_misspelt_role_variable_is_named(env, sync, tmp_path):
    run = sync(vendor_config(env), extra_vars={'subscriber_sync_report_pth': str(tmp_path / 'r.json')})
    assert_refused(run, env, 'subscriber_sync_report_pth: not a variable of the role',
                   'did you mean subscriber_sync_report_path?')


def test_an_invalid_choice_is_one_line(env, sync):
    run = sync(vendor_config(env), extra_vars={'subscriber_sync_identifier_scheme': 'plian'})
    assert_refused(run, env, 'subscriber_sync_identifier_scheme: must be one of plain, unique, no_resellers (did you mean plain?)')
    # Not the argument spec: none of its text. The message stands in the refused check, the summary and the
    # final failure, each printed as Ansible's error line and again in the task's result: six at most.
    assert 'moved to another reseller is an error' not in output(run) and "'choices'" not in output(run), output(run)
    assert output(run).count('must be one of plain, unique, no_resellers') <= 6, output(run)


def test_a_netsapiens_host_reached_over_https_that_speaks_plain_http(env, playbook):
    # Past the settings check (an explicit https:// on a plain-HTTP port): the TLS error says what is wrong.
    ns = env.ns_vars()
    ns['host'] = ns['host'].replace('http://', 'https://')
    text = '''
- hosts: localhost
  gather_facts: false
  tasks:
    - clearip.netsapiens.netsapiens_reseller_info: "{{ ns }}"
'''
    run = playbook(text, extra_vars={'ns': ns})
    assert run.rc != 0
    assert 'the server does not speak TLS on that port' in output(run) and 'did you mean http://?' in output(run), run
    assert 'set ca_path' not in output(run)


def test_verify_and_user_id_header_playbooks_check_their_settings_too(env, collection_playbook):
    config = vendor_config(env)
    config['clearip']['pasword'] = config['clearip'].pop('password')
    run = collection_playbook('verify', {'clearip': config['clearip']})
    assert_refused(run, env, 'clearip.pasword: is not a key', 'did you mean clearip.password?')
    run = collection_playbook('user_id_header', {'netsapiens': config['netsapiens']},
                              extra_vars={'subscriber_sync_user_id_header_rule': [{'domain': 'd', 'dialplan': 'p', 'matching': '*'}]})
    assert_refused(run, env, 'subscriber_sync_user_id_header_rule: not a variable of the role',
                   'did you mean subscriber_sync_user_id_header_rules?')


def test_settings_from_the_plays_environment_keyword_count_as_given(env, playbook):
    """A setting given only through a play's ``environment`` (here NETSAPIENS_HOST) is seen by the check, which runs
    where the sync runs, and reaches the sync's module; without it the same config is refused."""
    config = vendor_config(env)
    host = config['netsapiens'].pop('host')
    text = '''
- hosts: localhost
  gather_facts: false
  environment: "{{ play_environment }}"
  tasks:
    - ansible.builtin.include_role:
        name: clearip.netsapiens.subscriber_sync
        rolespec_validate: false
      vars:
        __subscriber_sync_settings_require: true
'''
    refused = playbook(text, extra_vars=dict(config, play_environment={}))
    assert_refused(refused, env, 'netsapiens.host: is missing from config.json')
    run = playbook(text, extra_vars=dict(config, play_environment={'NETSAPIENS_HOST': host}))
    assert run.rc == 0, run
    assert len(Sims.state(env.clearip)['users']) == 3


MISSPELT = [('sync', 'netsapiens', 'clientSecret', 'clientSecrets'), ('verify', 'clearip', 'password', 'pasword')]


@pytest.mark.parametrize('playbook, section, right, wrong', MISSPELT)
def test_a_misspelt_key_is_one_problem_printed_once(env, collection_playbook, playbook, section, right, wrong):
    """Not also "<right> is missing", and the list not repeated by each task that fails or sums up the run."""
    config = vendor_config(env)
    config[section][wrong] = config[section].pop(right)
    run = collection_playbook(playbook, config, report_var='subscriber_sync_report_path' if playbook == 'sync' else None)
    setting = '%s.%s' % (section, wrong)
    assert_refused(run, env, '%s: is not a key of config.json' % setting, 'did you mean %s.%s?' % (section, right))
    assert output(run).count(setting) == 1, output(run)
    assert 'is missing from config.json' not in output(run)
    assert '1 problem(s) in config.json or the role variables' in output(run)
    if playbook == 'sync':   # the report keeps the whole list
        assert run.out['report']['error']['stage'] == 'settings'
        assert setting + ': is not a key of config.json' in run.out['report']['error']['message']


def test_a_config_json_others_can_read_gets_a_warning_unless_vaulted(env, collections_path, tmp_path):
    config = vendor_config(env)
    work = tmp_path / 'open'
    work.mkdir()
    path = write_json(work / 'config.json', config, 0o644)
    run = run_ansible_playbook(collections_path, work, 'clearip.netsapiens.sync', [path], check=True, args=('-i', 'localhost,'))
    assert run.returncode == 0, run.stdout[-3000:]
    # ansible-core before 2.19 wraps a warning over several lines, at spaces and hyphens: compare without white space.
    shown = ''.join((run.stdout + run.stderr).split())
    expected = ('config.json holds the NetSapiens and ClearIP settings, secrets included, and every user of this machine '
                'can read it (mode 0644): run chmod 600 %s' % path)
    assert shown.count('[WARNING]') == 1 and ''.join(expected.split()) in shown, run.stdout[-3000:]
    for secret in (config['netsapiens']['clientSecret'], config['netsapiens']['password'], config['clearip']['password']):
        assert secret not in run.stdout + run.stderr

    # Encrypted with ansible-vault, the same mode is fine: no secret is in the clear.
    password_file = tmp_path / 'vault-pass'
    password_file.write_text('a vault password\n')
    subprocess.run([str(BIN / 'ansible-vault'), 'encrypt', '--vault-password-file', str(password_file), str(path)],
                   check=True, capture_output=True)
    path.chmod(0o644)
    vaulted = run_ansible_playbook(collections_path, work, 'clearip.netsapiens.sync', [path], check=True,
                                   args=('-i', 'localhost,', '--vault-password-file', str(password_file)))
    assert vaulted.returncode == 0, vaulted.stdout[-3000:]
    assert '[WARNING]' not in vaulted.stdout + vaulted.stderr


CHECK_ONLY = '''
- hosts: localhost
  gather_facts: false
  become: "{{ use_become }}"
  become_method: ansible.builtin.su
  tasks:
    - ansible.builtin.include_role:
        name: clearip.netsapiens.subscriber_sync
        tasks_from: settings_check
      vars:
        __subscriber_sync_settings_entry_point: verify
        __subscriber_sync_settings_require: true
'''


@pytest.mark.parametrize('use_become', [False, True])
def test_the_check_runs_on_the_controller_on_a_local_connection_and_as_a_module_elsewhere(env, playbook, use_become):
    """Issue 23: on a local connection without become the action plugin checks on the controller and starts no module
    process (it cost the event-driven path most of a second); with become (or any other connection) the module runs
    where the sync will. Both refuse the same mistake with the same words, and neither sees a secret."""
    config = vendor_config(env)
    config['clearip']['pasword'] = config['clearip'].pop('password')
    run = playbook(CHECK_ONLY, extra_vars=dict(config, use_become=use_become), args=('-vvv',))
    assert_refused(run, env, 'clearip.pasword: is not a key', 'did you mean clearip.password?')
    started = 'AnsiballZ_subscriber_sync_settings_check.py' in output(run)
    assert started is use_become, output(run)[-3000:]
