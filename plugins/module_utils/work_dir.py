# -*- coding: utf-8 -*-
# Copyright: (c) 2026, clearip.netsapiens contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The sync's private work directory: made with an owner record, and removed by a later run once stale.

The role removes its work directory at the end of the run, but a run killed outright (SIGKILL, an
OOM kill, a reboot) never gets there. So each run, when it makes its directory, also removes the
directories of earlier runs of the same user that nothing can still be using. A directory is in use,
and never removed, while:

- its **owner** is alive: the ``ansible-playbook`` process of the run, found by walking ``/proc``
  parents up from the module and recorded in ``OWNER_FILE`` as boot id + pid + start time (in clock
  ticks since boot, field 22 of ``/proc/<pid>/stat``), so a reused pid or a reboot never passes for
  the owner; or
- any process of the user has ``ENV_MARKER=<the directory>`` in its environment. The role sets it
  for every task after the directory exists, so a module still running after its
  ``ansible-playbook`` was killed (Ansible's workers call setsid, so killing ``ansible-playbook``'s
  process group leaves them and their modules running) keeps the directory too.

When no ``ansible-playbook`` is among the module's ancestors (the play runs on a remote host over
SSH), or the owner record is missing or unreadable (a directory being made this instant, or one an
older version left), the owner is unknown: then the directory is removed only when it is older than
``max_unknown_age`` seconds and no process carries its marker.

Only ``/proc`` (Linux) is read; where it is missing, owners are unknown and the age rule applies.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import json
import os
import shutil
import tempfile
import time

PREFIX = 'clearip-netsapiens-sync.'
OWNER_FILE = '.owner.json'
ENV_MARKER = 'CLEARIP_NETSAPIENS_SYNC_WORK_DIR'
PLAYBOOK_COMMAND = 'ansible-playbook'
DEFAULT_MAX_UNKNOWN_AGE = 24 * 3600
PROC = '/proc'


def _read(path, mode='r'):
    try:
        with open(path, mode) as handle:
            return handle.read()
    except (IOError, OSError):
        return None


def boot_id(proc=PROC):
    """This boot's id (``/proc/sys/kernel/random/boot_id``), or None."""
    text = _read(os.path.join(proc, 'sys', 'kernel', 'random', 'boot_id'))
    return text.strip() if text else None


def process_stat(pid, proc=PROC):
    """``(parent pid, start time in clock ticks since boot)`` of a live process, or None."""
    text = _read(os.path.join(proc, str(pid), 'stat'))
    if not text or ')' not in text:
        return None
    # The command name (field 2) may hold spaces and parentheses: count fields after its last ')'.
    fields = text.rsplit(')', 1)[1].split()
    try:
        return int(fields[1]), int(fields[19])
    except (IndexError, ValueError):
        return None


def process_argv(pid, proc=PROC):
    text = _read(os.path.join(proc, str(pid), 'cmdline'), 'rb')
    if not text:
        return []
    return [part.decode('utf-8', 'replace') for part in text.split(b'\0') if part]


def is_playbook_process(argv):
    """True for ``ansible-playbook ...`` and ``python .../ansible-playbook ...``."""
    return any(os.path.basename(arg) == PLAYBOOK_COMMAND for arg in argv[:2])


def find_run_owner(pid=None, proc=PROC):
    """``{'pid', 'start_time'}`` of the outermost ``ansible-playbook`` ancestor of ``pid``, or None.

    Ansible's worker processes are forks of ``ansible-playbook`` and carry its command line, so the
    walk goes on to the last such ancestor: the process the operator (or cron) started.
    """
    pid = os.getpid() if pid is None else pid
    owner = None
    seen = set()
    while pid and pid > 1 and pid not in seen:
        seen.add(pid)
        stat = process_stat(pid, proc)
        if stat is None:
            break
        if is_playbook_process(process_argv(pid, proc)):
            owner = {'pid': pid, 'start_time': stat[1]}
        pid = stat[0]
    return owner


def owner_alive(owner, current_boot, proc=PROC):
    """True while the recorded owner process runs; False when it is gone; None when the record cannot tell."""
    if not isinstance(owner, dict) or not isinstance(owner.get('pid'), int) or not isinstance(owner.get('start_time'), int):
        return None
    if not owner.get('boot_id') or not current_boot:
        return None
    if owner['boot_id'] != current_boot:
        return False    # rebooted since: every process of that boot is gone
    stat = process_stat(owner['pid'], proc)
    return stat is not None and stat[1] == owner['start_time']


def marked_dirs(uid=None, proc=PROC):
    """The work directories named by ``ENV_MARKER`` in the environment of the user's live processes."""
    uid = os.getuid() if uid is None else uid
    marker = (ENV_MARKER + '=').encode('ascii')
    found = set()
    try:
        pids = [name for name in os.listdir(proc) if name.isdigit()]
    except OSError:
        return found
    for pid in pids:
        path = os.path.join(proc, pid)
        try:
            if os.stat(path).st_uid != uid:
                continue
        except OSError:
            continue
        environ = _read(os.path.join(path, 'environ'), 'rb')
        for entry in (environ or b'').split(b'\0'):
            if entry.startswith(marker):
                found.add(entry[len(marker):].decode('utf-8', 'replace'))
    return found


def create(parent=None, prefix=PREFIX, proc=PROC, clock=time.time):
    """Make a new private (0700) work directory under ``parent`` (the temporary directory by default)
    with its owner record; return its path. The record holds no secret, only process ids."""
    parent = parent or tempfile.gettempdir()
    path = tempfile.mkdtemp(prefix=prefix, dir=parent)
    record = {'boot_id': boot_id(proc), 'uid': os.getuid(), 'created': int(clock())}
    owner = find_run_owner(proc=proc)
    if owner:
        record.update(owner)
    fd, tmp = tempfile.mkstemp(prefix='.owner.', dir=path)
    with os.fdopen(fd, 'w') as handle:
        json.dump(record, handle, sort_keys=True)
    os.rename(tmp, os.path.join(path, OWNER_FILE))
    return path


def stale_dirs(parent=None, prefix=PREFIX, keep=(), max_unknown_age=DEFAULT_MAX_UNKNOWN_AGE, proc=PROC, clock=time.time):
    """``(stale, kept)``: paths of the user's work directories under ``parent`` that nothing can still
    be using, and of those that are in use (see the module docstring); ``keep`` paths are neither."""
    parent = parent or tempfile.gettempdir()
    uid = os.getuid()
    current_boot = boot_id(proc)
    keep = set(os.path.abspath(p) for p in keep)
    candidates = []
    try:
        names = sorted(os.listdir(parent))
    except OSError:
        return [], []
    for name in names:
        if not name.startswith(prefix):
            continue
        path = os.path.abspath(os.path.join(parent, name))
        try:
            info = os.lstat(path)
        except OSError:
            continue
        # Only real directories of this user: never follow a link, never touch another user's run.
        if path in keep or info.st_uid != uid or not os.path.isdir(path) or os.path.islink(path):
            continue
        candidates.append((path, info))
    if not candidates:
        return [], []
    marked = None
    stale, kept = [], []
    for path, info in candidates:
        try:
            owner = json.loads(_read(os.path.join(path, OWNER_FILE)) or 'null')
        except ValueError:
            owner = None
        alive = owner_alive(owner, current_boot, proc)
        if alive is None:
            newest = max([info.st_mtime] + [_mtime(os.path.join(path, n)) for n in _listdir(path)])
            alive = clock() - newest < max_unknown_age
        if not alive:
            if marked is None:
                marked = marked_dirs(uid, proc)
            alive = path in marked
        (kept if alive else stale).append(path)
    return stale, kept


def remove_stale(parent=None, prefix=PREFIX, keep=(), max_unknown_age=DEFAULT_MAX_UNKNOWN_AGE, proc=PROC, clock=time.time):
    """Remove the stale work directories (see ``stale_dirs``); return ``(removed, kept)`` paths.

    A directory that another run removes at the same moment, or that cannot be removed, is left
    alone without failing: cleaning up is never worth failing the sync for.
    """
    stale, kept = stale_dirs(parent, prefix, keep, max_unknown_age, proc, clock)
    removed = []
    for path in stale:
        shutil.rmtree(path, ignore_errors=True)
        if not os.path.exists(path):
            removed.append(path)
    return removed, kept


def _listdir(path):
    try:
        return os.listdir(path)
    except OSError:
        return []


def _mtime(path):
    try:
        return os.lstat(path).st_mtime
    except OSError:
        return 0
