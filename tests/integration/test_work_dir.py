# -*- coding: utf-8 -*-
# Copyright: (c) 2026, clearip.netsapiens contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Issue 9, item 9, end to end: a run killed during the Users tier (SIGKILL to ansible-playbook's process
group, whose module workers live on) leaves its work directory; a later run removes it once nothing of the
killed run still runs, and never touches the directory of a run that is still going."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
from pathlib import Path

from tests.integration.conftest import BIN, Sims, ansible_env, vendor_config, write_json
from tests.simulators.dataset import make_dataset

PREFIX = 'clearip-netsapiens-sync.'
MARKER = 'CLEARIP_NETSAPIENS_SYNC_WORK_DIR'


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


def work_dirs(tmpdir):
    return sorted(str(p) for p in Path(tmpdir).iterdir() if p.name.startswith(PREFIX))


def marked_pids(path):
    """Live processes whose environment names the work directory ``path`` (the run's module workers)."""
    found = []
    for entry in Path('/proc').iterdir():
        if not entry.name.isdigit():
            continue
        try:
            environ = (entry / 'environ').read_bytes()
        except OSError:
            continue
        if ('%s=%s' % (MARKER, path)).encode() in environ.split(b'\0'):
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


def test_a_killed_runs_work_dir_is_removed_by_a_later_run_but_not_while_in_use(sims, collections_path, tmp_path, sync):
    tmpdir = tmp_path / 'tmpdir'
    tmpdir.mkdir()

    # Run A: killed during its Users tier; its clearip_user module lives on (Ansible's workers call setsid).
    a = sims(make_dataset(resellers=1, domains=2, users=60, seed=21))
    slow_users(a, 4.0)
    proc_a = start_sync(collections_path, tmp_path / 'a', vendor_config(a), tmpdir)
    wait_for(lambda: users_in(a) >= 2, 240, 'run A to create users')
    os.killpg(proc_a.pid, signal.SIGKILL)
    proc_a.wait()
    [dir_a] = work_dirs(tmpdir)
    orphans = marked_pids(dir_a)
    assert orphans, 'the killed run left no module worker; the test cannot tell use from staleness'

    # Run B: a live run in its Users tier, concurrent with everything below.
    b = sims(make_dataset(resellers=1, domains=2, users=60, seed=22))
    slow_users(b, 4.0)
    proc_b = start_sync(collections_path, tmp_path / 'b', vendor_config(b), tmpdir)
    try:
        wait_for(lambda: users_in(b) >= 1, 240, 'run B to create users')
        [dir_b] = [d for d in work_dirs(tmpdir) if d != dir_a]

        # Run C while A's module still runs: A's directory is in use, B's too; C removes only its own.
        c = sims(make_dataset(resellers=1, domains=1, users=2, seed=23))
        env = {'TMPDIR': str(tmpdir)}
        first = sync(vendor_config(c), env=env)
        assert first.rc == 0, first
        assert marked_pids(dir_a), 'run A\'s module ended during run C; make its Users tier slower'
        assert work_dirs(tmpdir) == sorted([dir_a, dir_b])

        # A's module ends (here: is killed). The next run removes A's directory and leaves B's.
        kill_all(orphans)
        wait_for(lambda: not marked_pids(dir_a), 30, 'run A\'s module to end')
        second = sync(vendor_config(c), env=env)
        assert second.rc == 0, second
        assert work_dirs(tmpdir) == [dir_b]
        assert proc_b.poll() is None, 'run B ended early; the test did not check a live run'
        with open(os.path.join(dir_b, '.owner.json')) as handle:
            assert json.load(handle)['pid'] == proc_b.pid
    finally:
        os.killpg(proc_b.pid, signal.SIGKILL)
        proc_b.wait()
        kill_all(orphans)
        for path in work_dirs(tmpdir):
            kill_all(marked_pids(path))
