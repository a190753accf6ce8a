# -*- coding: utf-8 -*-
# Copyright: (c) 2026, clearip.netsapiens contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Issue 23: a targeted run on the controller (a local connection without become: the event-driven path) runs the sync
module's code in ansible-playbook's worker, not in a module process of its own; anywhere else it runs as a module.
Either way the same Users are created, the same report is written, a cancel is reported, and no secret is shown, even
at -vvvv with a URL's userinfo to hide (plugins/plugin_utils/_in_process.py)."""

from __future__ import annotations

import os
import signal
import sys

import pytest
import requests

from tests.integration.conftest import Sims, assert_no_secret, vendor_config, written_files
from tests.integration.test_passing_faults import assert_cancelled_in_users_tier, start_sync, wait_until
from tests.integration.test_url_userinfo import NS_PROXY_PASSWORD, with_userinfo
from tests.simulators.dataset import make_dataset

MODULE_PROCESS = 'AnsiballZ_subscriber_sync_run.py'

# The role on localhost (a local connection, the Python that runs Ansible unless told otherwise), with become or without.
PLAY = '''
- hosts: localhost
  gather_facts: false
  become: "{{ use_become }}"
  become_method: ansible.builtin.su
  vars:
    ansible_python_interpreter: "{{ interpreter | default(ansible_playbook_python) }}"
  roles:
    - role: clearip.netsapiens.subscriber_sync
'''


def another_python(tmp_path):
    """Another interpreter (a wrapper script outside this virtualenv that runs its Python): a module runs with it."""
    wrapper = tmp_path / 'other-python' / 'python3'
    wrapper.parent.mkdir()
    wrapper.write_text('#!/bin/sh\nexec %s "$@"\n' % sys.executable)
    wrapper.chmod(0o755)
    return str(wrapper)


def new_users(s, domain, count, first=7001):
    users = [{'user': str(first + index), 'domain': domain} for index in range(count)]
    requests.post(s.netsapiens.url + '/_sim/users', json={'users': users}, timeout=30).raise_for_status()
    return ['%s@%s' % (u['user'], domain) for u in users]


@pytest.mark.parametrize('use_become, other_python', [(False, False), (True, False), (False, True)])
def test_a_targeted_run_runs_in_ansible_playbook_on_a_local_connection_and_as_a_module_elsewhere(sims, playbook, tmp_path,
                                                                                                 use_become, other_python):
    """In-process only where the module would run on the controller with the same Python: not with become, nor with
    another interpreter named (a wrapper outside this virtualenv stands for another virtualenv here)."""
    dataset = make_dataset(resellers=2, domains=6, users=30, seed=231,
                           clearip_existing={'service_providers': 2, 'groups': 6, 'users': 30})
    s = sims(dataset)
    domain = dataset['netsapiens']['domains'][2]['domain']
    names = new_users(s, domain, 3)
    config = vendor_config(s)
    # A URL's userinfo is a secret the module's own code hides (protect_url_options): in-process as well.
    config['netsapiens']['host'] = with_userinfo(s.netsapiens.url, 'proxyuser', NS_PROXY_PASSWORD)
    interpreter = {'interpreter': another_python(tmp_path)} if other_python else {}
    module_process = use_become or other_python
    run = playbook(PLAY, extra_vars=dict(config, use_become=use_become, subscriber_sync_domains=[domain], **interpreter,
                                         # relative to where ansible-playbook starts: the run's directory
                                         subscriber_sync_report_path='out/report.json'), args=('-vvvv',))
    assert run.rc == 0, run.stdout[-3000:]
    text = run.stdout + run.stderr
    assert (MODULE_PROCESS in text) is module_process, text[-3000:]
    held = set(u['name'] for u in Sims.state(s.clearip)['users'])
    assert set(names) <= held and len(held) == 33
    report = run.out['report']
    assert report['status'] == 'ok' and sorted(report['tiers']['users']['created']) == sorted(names)
    if not module_process:
        # The module's argument validation ran in-process: its defaults are in the invocation shown at -vvvv.
        assert '"lock_timeout": 900' in text, text[-3000:]   # not given by the role: the module's default
    assert 'ignored the user name and password written into netsapiens.host' in text
    secrets = s.secrets(config)
    assert 'proxyuser:%s@' % NS_PROXY_PASSWORD in secrets
    files = written_files(tmp_path)
    assert any(path.name == 'report.json' for path in files)
    assert_no_secret(secrets, [run.stdout, run.stderr], files)


@pytest.mark.parametrize('signum', [signal.SIGTERM, signal.SIGINT])
def test_a_cancelled_targeted_run_in_ansible_playbook_writes_its_report(sims, collections_path, tmp_path, signum):
    """What AWX (or ansible-rulebook stopping) sends to ansible-playbook reaches the sync in its worker: the run stops
    within seconds and its report says so, with what it created, all of it held in ClearIP."""
    dataset = make_dataset(resellers=1, domains=2, users=4, seed=232)
    s = sims(dataset)
    domain = dataset['netsapiens']['domains'][0]['domain']
    new_users(s, domain, 120)
    # 0.5 s a User create: the Users tier lasts several seconds, so the signal meets it there.
    s.add_fault(s.clearip, kind='slow', method='POST', path='^/users$', times=-1, delay=0.5)
    config = vendor_config(s)
    work = tmp_path / 'cancelled'
    proc = start_sync(collections_path, work, config, extra={'subscriber_sync_domains': [domain]}, args=('-vvv',),
                      output_to=tmp_path)

    def posts():
        return Sims.stats(s.clearip)['writes'].get('POST /users', 0)
    assert wait_until(lambda: posts() >= 10 or proc.poll() is not None, 300), 'no User was written'
    assert proc.poll() is None, 'the run ended before it could be cancelled'
    os.kill(proc.pid, signum)
    proc.wait(timeout=60)
    stdout, stderr = (tmp_path / 'stdout.txt').read_text(), (tmp_path / 'stderr.txt').read_text()
    assert proc.returncode != 0
    assert MODULE_PROCESS not in stdout + stderr   # the in-process path is the one cancelled here
    created = assert_cancelled_in_users_tier(s, work, signum, stdout)
    assert 1 <= len(created) < 120
    assert_no_secret(s.secrets(config), [stdout, stderr], written_files(work))
