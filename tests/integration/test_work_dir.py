# -*- coding: utf-8 -*-
# Copyright: (c) 2026, clearip.netsapiens contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Issue 9, item 9, by design: the sync keeps its records in one module process's memory, so a run killed
during the Users tier (SIGKILL to ansible-playbook's process group, whose module worker lives on) leaves no
work directory behind, and the next run finishes the job without a duplicate. Only a work directory the
operator asks for (``subscriber_sync_work_dir``) receives files, 0600."""

from __future__ import annotations

import json
import os
import signal
import stat
import subprocess
import time
from pathlib import Path

from tests.integration.conftest import BIN, Sims, ansible_env, vendor_config, write_json
from tests.integration.test_subscriber_sync import expected_plain, holdings
from tests.simulators.dataset import make_dataset


def start_sync(collections_path, work, config, tmpdir, extra=None):
    """Start ``ansible-playbook clearip.netsapiens.sync`` in its own process group (as cron or a shell would)."""
    (work / 'home' / 'tmp').mkdir(parents=True)
    variables = dict({'subscriber_sync_max_workers': 1}, **(extra or {}))
    command = [str(BIN / 'ansible-playbook'), 'clearip.netsapiens.sync',
               '-e', '@%s' % write_json(work / 'config.json', config, 0o600), '-e', '@%s' % write_json(work / 'vars.json', variables)]
    env = ansible_env(collections_path, work / 'home', {'TMPDIR': str(tmpdir)})
    out = open(work / 'out.txt', 'w')
    return subprocess.Popen(command, cwd=str(work), env=env, stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT,
                            start_new_session=True)


def processes_with_home(home):
    """Live processes whose environment has ANSIBLE_HOME=``home`` (a run's ansible-playbook and its module worker)."""
    found = []
    for entry in Path('/proc').iterdir():
        if not entry.name.isdigit():
            continue
        try:
            environ = (entry / 'environ').read_bytes()
        except OSError:
            continue
        if ('ANSIBLE_HOME=%s' % home).encode() in environ.split(b'\0'):
            found.append(int(entry.name))
    return found


def wait_for(predicate, timeout, what):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.2)
    raise AssertionError('timed out waiting for %s' % what)


def kill_all(pids):
    for pid in pids:
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass


def users_in(sims):
    return len(Sims.state(sims.clearip)['users'])


def slow_users(sims, delay):
    Sims.add_fault(sims.clearip, kind='slow', method='POST', path='^/users$', times=-1, delay=delay)


def test_a_killed_run_leaves_no_files_and_the_next_run_finishes_without_duplicates(sims, collections_path, tmp_path, sync):
    tmpdir = tmp_path / 'tmpdir'
    tmpdir.mkdir()
    dataset = make_dataset(resellers=1, domains=2, users=60, seed=21)
    s = sims(dataset)
    slow_users(s, 2.0)
    proc = start_sync(collections_path, tmp_path / 'a', vendor_config(s), tmpdir)
    wait_for(lambda: users_in(s) >= 2, 240, 'the run to create users')
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    orphans = processes_with_home(tmp_path / 'a' / 'home')
    assert orphans, 'the killed run left no module worker; the test cannot tell what it leaves'
    kill_all(orphans)
    wait_for(lambda: not processes_with_home(tmp_path / 'a' / 'home'), 30, 'the module worker to end')
    # a create the killed module had sent is committed by the slow simulator after its delay: wait until none is in flight
    wait_for(lambda: not Sims.stats(s.clearip).get('in_flight'), 60, 'the creates the killed run had sent to land')
    created_before = users_in(s)
    assert 2 <= created_before < 60
    assert Sims.stats(s.clearip)['faults_fired'].get('slow', 0) >= created_before   # every stored create was slowed

    # Nothing of the sync's in TMPDIR: at most the module's code that ansible-core unpacked there (AnsiballZ), no record.
    assert [p.name for p in tmpdir.iterdir() if not p.name.startswith('ansible_clearip.netsapiens.subscriber_sync_run_payload_')] == []
    assert list(tmpdir.rglob('*.json')) == []

    Sims.clear_faults(s.clearip)
    again = sync(vendor_config(s), env={'TMPDIR': str(tmpdir)})
    assert again.rc == 0, again
    assert again.out['report']['tiers']['users']['counts']['existing'] == created_before
    assert holdings(s) == expected_plain(dataset)   # every user once: nothing duplicated, nothing lost
    assert list(tmpdir.rglob('*.json')) == []


def test_the_work_dir_asked_for_receives_the_records_plan_and_listings_0600(sims, sync, tmp_path):
    dataset = make_dataset(resellers=1, domains=2, users=6, seed=24)
    s = sims(dataset)
    keep = tmp_path / 'keep'
    keep.mkdir()
    run = sync(vendor_config(s), extra_vars={'subscriber_sync_work_dir': str(keep)})
    assert run.rc == 0, run
    files = dict((p.name, p) for p in keep.iterdir())
    assert sorted(files) == sorted(['resellers.json', 'domains.json', 'netsapiens-users.json', 'connections.json',
                                    'service_providers.json', 'groups.json', 'users.json', 'clearip-service_providers.json',
                                    'clearip-groups.json', 'clearip-users.json'])
    assert all(stat.S_IMODE(p.stat().st_mode) == 0o600 for p in files.values())
    users = json.loads(files['netsapiens-users.json'].read_text())
    assert sorted((u['user'], u['domain']) for u in users) == sorted((u['user'], u['domain']) for u in dataset['netsapiens']['users'])
    assert len(json.loads(files['users.json'].read_text())) == len(dataset['netsapiens']['users'])
    assert json.loads(files['clearip-users.json'].read_text()) == []   # listed before the first sync created them
