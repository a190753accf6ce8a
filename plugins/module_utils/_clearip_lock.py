# -*- coding: utf-8 -*-
# Copyright: (c) 2026, clearip.netsapiens contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The lock that keeps two creating runs of one ClearIP account on one machine apart. Internal use only."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import errno
import hashlib
import os
import time

try:
    import fcntl
    HAS_FCNTL = True
except ImportError:  # pragma: no cover - not POSIX; the lock then cannot be taken
    HAS_FCNTL = False

from ansible_collections.clearip.netsapiens.plugins.module_utils._clearip_errors import ClearIPError
from ansible_collections.clearip.netsapiens.plugins.module_utils._urls import shown_url

DEFAULT_LOCK_TIMEOUT = 900
LOCK_POLL_SECONDS = 0.2
LOCK_DIR_NAME = os.path.join('clearip.netsapiens', 'locks')


class LockBusy(ClearIPError):
    """Another run holds the lock of this ClearIP account."""


class AccountLock(object):
    """An exclusive lock per ClearIP account, held by a create module from before it lists until it ends.

    Two syncs of the same account on one machine would each list, see the same objects missing
    and both create them. The lock is an ``fcntl.flock`` on a file under
    ``$XDG_CACHE_HOME/clearip.netsapiens/locks/`` (default ``~/.cache``; directories 0700, file
    0600), named by a SHA-256 of the ClearIP URL (without userinfo) and the email; when the operator
    id is known a second one, named by the URL and the operator id, is taken after it (``keys``). The kernel releases it when the process ends,
    however it ends, so a killed run never leaves it stale; a module process that outlives its
    ansible-playbook keeps it while it may still write. The file holds the holder's pid and start
    time, never a secret. It protects runs on one machine, not two control nodes.
    """

    def __init__(self, timeout=DEFAULT_LOCK_TIMEOUT, directory=None, clock=time.time, sleep=time.sleep, control=None):
        self.timeout = max(0, int(timeout if timeout is not None else DEFAULT_LOCK_TIMEOUT))
        self.directory = directory
        self.clock = clock
        self.control = control   # a stopped run stops waiting for the lock (RunStopped)
        self.sleep = control.wait if control is not None and sleep is time.sleep else sleep
        self.path = None
        self._fds = []
        self.waited = 0.0

    @staticmethod
    def default_directory():
        base = os.environ.get('XDG_CACHE_HOME') or os.path.join(os.path.expanduser('~'), '.cache')
        return os.path.join(base, LOCK_DIR_NAME)

    @staticmethod
    def key(client):
        """The account's own key: the ClearIP URL (without userinfo) and the email."""
        return '\n'.join((shown_url(client.url).rstrip('/').lower(), 'account', (client.email or '').lower()))

    @classmethod
    def keys(cls, client):
        """The locks to take, in this order: the account's, then its operator's when known.

        The account key alone keeps two runs of one account apart whether or not they name its operator
        (an account tied to one operator resolves no operator id when none is named); the operator key
        keeps two accounts that name one operator apart. Always taken in this order, so two runs never
        each hold one and wait for the other.
        """
        keys = [cls.key(client)]
        if client.operator_id:
            keys.append('\n'.join((shown_url(client.url).rstrip('/').lower(), 'operator', client.operator_id)))
        return keys

    def acquire(self, client):
        if self._fds:
            return
        if not HAS_FCNTL:
            raise ClearIPError('cannot lock the ClearIP account: this platform has no fcntl.flock')
        directory = self.directory or self.default_directory()
        try:
            os.makedirs(directory, 0o700)
        except OSError as exc:
            if exc.errno != errno.EEXIST:
                raise ClearIPError('cannot make the lock directory %s: %s' % (directory, exc))
        started = self.clock()
        paths = []
        try:
            for key in self.keys(client):
                path = os.path.join(directory, hashlib.sha256(key.encode('utf-8')).hexdigest() + '.lock')
                self._fds.append(self._take(client, path, started))
                paths.append(path)
        except Exception:
            self.release()
            raise
        self.path = paths[0]
        self.waited = self.clock() - started

    def _take(self, client, path, started):
        self.path = path
        try:
            fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
        except OSError as exc:
            raise ClearIPError('cannot open the lock file %s: %s' % (path, exc))
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except (IOError, OSError) as exc:
                if exc.errno not in (errno.EAGAIN, errno.EACCES, errno.EWOULDBLOCK):
                    os.close(fd)
                    raise ClearIPError('cannot lock %s: %s' % (path, exc))
            waited = self.clock() - started
            if waited >= self.timeout:
                holder = _read_holder(fd)
                os.close(fd)
                raise LockBusy('another sync of ClearIP account %s at %s is running (%s) and still holds the lock %s; '
                               'waited %d seconds (lock_timeout). Nothing was listed or created. Let it finish, or raise '
                               'lock_timeout' % (client.email, shown_url(client.url), holder, path, int(waited)))
            self.sleep(LOCK_POLL_SECONDS)
            if self.control is not None and self.control.stopped:
                os.close(fd)
                self.control.check()
        os.ftruncate(fd, 0)
        os.write(fd, ('pid %d, started %s\n' % (os.getpid(), time.strftime('%Y-%m-%dT%H:%M:%SZ', time.gmtime()))).encode('ascii'))
        return fd

    def release(self):
        while self._fds:
            fd = self._fds.pop()
            try:
                fcntl.flock(fd, fcntl.LOCK_UN)
            finally:
                os.close(fd)


def _read_holder(fd):
    try:
        os.lseek(fd, 0, os.SEEK_SET)
        text = os.read(fd, 200).decode('ascii', 'replace').strip()
    except OSError:
        text = ''
    return ('the holder is ' + text) if text else 'holder unknown'
