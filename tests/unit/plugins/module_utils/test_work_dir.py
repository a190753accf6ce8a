# -*- coding: utf-8 -*-
# Copyright: (c) 2026, clearip.netsapiens contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Issue 9, item 9: work directories of killed runs are removed by a later run, never one still in use.

Processes are a fake ``/proc`` tree (stat, cmdline, environ, boot_id), so every case is exact."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import json
import os

import pytest

from ansible_collections.clearip.netsapiens.plugins.module_utils import work_dir

BOOT = 'b00t-1'


class FakeProc(object):
    def __init__(self, root):
        self.root = root
        (root / 'sys' / 'kernel' / 'random').mkdir(parents=True)
        (root / 'sys' / 'kernel' / 'random' / 'boot_id').write_text(BOOT + '\n')

    def add(self, pid, ppid, start, argv, environ=None, comm='python3'):
        d = self.root / str(pid)
        d.mkdir()
        # the command name may hold spaces and parentheses
        (d / 'stat').write_text('%d (%s) S %d %d %d 0 -1 4194560 0 0 0 0 0 0 0 0 20 0 1 0 %d 0 0\n'
                                % (pid, comm, ppid, pid, pid, start))
        (d / 'cmdline').write_bytes(b'\0'.join(a.encode() for a in argv) + b'\0')
        (d / 'environ').write_bytes(b'\0'.join(('%s=%s' % kv).encode() for kv in (environ or {}).items()) + b'\0')

    def remove(self, pid):
        for name in ('stat', 'cmdline', 'environ'):
            (self.root / str(pid) / name).unlink()
        (self.root / str(pid)).rmdir()

    @property
    def path(self):
        return str(self.root)


@pytest.fixture
def proc(tmp_path):
    return FakeProc(tmp_path / 'proc')


def test_stat_parsing_copes_with_odd_command_names(proc):
    proc.add(10, 1, 555, ['x'], comm='a) b (c')
    assert work_dir.process_stat(10, proc.path) == (1, 555)
    assert work_dir.process_stat(11, proc.path) is None


def test_the_owner_is_the_outermost_ansible_playbook_ancestor(proc):
    proc.add(100, 1, 1000, ['/venv/bin/python3', '/venv/bin/ansible-playbook', 'clearip.netsapiens.sync'])
    proc.add(200, 100, 2000, ['/venv/bin/python3', '/venv/bin/ansible-playbook', 'clearip.netsapiens.sync'])  # a worker
    proc.add(300, 200, 3000, ['/bin/sh', '-c', 'python3 AnsiballZ.py'])
    proc.add(400, 300, 4000, ['python3', 'AnsiballZ.py'])
    assert work_dir.find_run_owner(400, proc.path) == {'pid': 100, 'start_time': 1000}


def test_no_owner_without_an_ansible_playbook_ancestor(proc):
    proc.add(300, 1, 3000, ['sshd: sync@notty'])
    proc.add(400, 300, 4000, ['python3', 'AnsiballZ.py'])
    assert work_dir.find_run_owner(400, proc.path) is None


def test_owner_alive_checks_boot_pid_and_start_time(proc):
    proc.add(100, 1, 1000, ['ansible-playbook'])
    owner = {'boot_id': BOOT, 'pid': 100, 'start_time': 1000}
    assert work_dir.owner_alive(owner, BOOT, proc.path) is True
    assert work_dir.owner_alive(dict(owner, start_time=999), BOOT, proc.path) is False   # the pid was reused
    assert work_dir.owner_alive(dict(owner, pid=101), BOOT, proc.path) is False          # gone
    assert work_dir.owner_alive(dict(owner, boot_id='old'), BOOT, proc.path) is False    # rebooted since
    assert work_dir.owner_alive({'boot_id': BOOT, 'uid': 0}, BOOT, proc.path) is None     # no owner recorded
    assert work_dir.owner_alive(None, BOOT, proc.path) is None


def make_dir(parent, name, owner=None, age=0, now=1000000):
    path = parent / (work_dir.PREFIX + name)
    path.mkdir(mode=0o700)
    (path / 'users.json').write_text('[]')
    if owner is not None:
        (path / work_dir.OWNER_FILE).write_text(json.dumps(owner))
    for item in list(path.iterdir()) + [path]:
        os.utime(str(item), (now - age, now - age))
    return str(path)


def test_only_dirs_nothing_can_use_are_removed(tmp_path, proc):
    parent = tmp_path / 'tmp'
    parent.mkdir()
    now = 1000000
    proc.add(100, 1, 1000, ['ansible-playbook'])                                   # a live run
    proc.add(500, 1, 5000, ['python3', 'AnsiballZ_clearip_user.py'],               # an orphaned module of a killed run
             environ={work_dir.ENV_MARKER: str(parent / (work_dir.PREFIX + 'orphaned'))})
    live = make_dir(parent, 'live', {'boot_id': BOOT, 'pid': 100, 'start_time': 1000})
    killed = make_dir(parent, 'killed', {'boot_id': BOOT, 'pid': 101, 'start_time': 1010})
    reused = make_dir(parent, 'reused', {'boot_id': BOOT, 'pid': 100, 'start_time': 900})
    rebooted = make_dir(parent, 'rebooted', {'boot_id': 'old', 'pid': 100, 'start_time': 1000})
    orphaned = make_dir(parent, 'orphaned', {'boot_id': BOOT, 'pid': 102, 'start_time': 1020})
    unknown_new = make_dir(parent, 'unknown-new', None, age=3600, now=now)
    unknown_old = make_dir(parent, 'unknown-old', {'boot_id': BOOT, 'uid': 1}, age=2 * 86400, now=now)
    mine = make_dir(parent, 'mine', {'boot_id': BOOT, 'pid': 103, 'start_time': 1030})
    other = parent / 'unrelated.dir'
    other.mkdir()
    link = parent / (work_dir.PREFIX + 'link')
    link.symlink_to(killed)

    removed, kept = work_dir.remove_stale(str(parent), keep=[mine], proc=proc.path, clock=lambda: now)
    assert sorted(removed) == sorted([killed, reused, rebooted, unknown_old])
    assert sorted(kept) == sorted([live, orphaned, unknown_new])
    for path in removed:
        assert not os.path.exists(path)
    for path in kept + [mine, str(other)]:
        assert os.path.isdir(path)
    assert os.path.islink(str(link))

    # once the orphaned module ends, its directory goes too
    proc.remove(500)
    removed, kept = work_dir.remove_stale(str(parent), keep=[mine], proc=proc.path, clock=lambda: now)
    assert removed == [orphaned] and sorted(kept) == sorted([live, unknown_new])


def test_create_records_the_owner_privately(tmp_path, proc, monkeypatch):
    proc.add(100, 1, 1000, ['/usr/bin/ansible-playbook', 'site.yml'])
    proc.add(os.getpid(), 100, 2000, ['python3', 'AnsiballZ.py'])
    path = work_dir.create(str(tmp_path), proc=proc.path, clock=lambda: 42)
    assert os.path.basename(path).startswith(work_dir.PREFIX)
    assert os.stat(path).st_mode & 0o777 == 0o700
    with open(os.path.join(path, work_dir.OWNER_FILE)) as handle:
        assert json.load(handle) == {'boot_id': BOOT, 'uid': os.getuid(), 'created': 42, 'pid': 100, 'start_time': 1000}
    assert os.listdir(path) == [work_dir.OWNER_FILE]
    # a run's own new directory is never stale to itself or to a concurrent run while its owner lives
    assert work_dir.stale_dirs(str(tmp_path), proc=proc.path) == ([], [path])
