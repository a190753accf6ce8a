# -*- coding: utf-8 -*-
# Copyright: (c) 2026, clearip.netsapiens contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What a run leaves for the next one of the same ClearIP account on this machine. Internal use only.

One small JSON file per account (ClearIP URL and email) under ``$XDG_CACHE_HOME/clearip.netsapiens/state/``
(default ``~/.cache``; directory 0700, file 0600, written atomically), beside the account locks. It holds:

- ``listed``: how many objects each tier held at the end of the last run that created, and when, so
  that a listing that suddenly lacks most of them is not believed (``_sync_absence``);
- ``clearip_login_refused``: the last refused ClearIP login (when, why, the server's message) and a
  salted PBKDF2 fingerprint of the credentials it was refused for, never the password itself. ClearIP
  locks an account after 10 failed logins, so ``LoginMemory`` keeps later runs with the same
  credentials from sending the login again.

A file that cannot be read counts as empty; one that cannot be written is reported by the caller.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import binascii
import errno
import hashlib
import json
import os
import time

from ansible_collections.clearip.netsapiens.plugins.module_utils._files import write_json
from ansible_collections.clearip.netsapiens.plugins.module_utils._urls import shown_url

STATE_DIR_NAME = os.path.join('clearip.netsapiens', 'state')
FINGERPRINT_ROUNDS = 100000


def default_directory():
    base = os.environ.get('XDG_CACHE_HOME') or os.path.join(os.path.expanduser('~'), '.cache')
    return os.path.join(base, STATE_DIR_NAME)


def iso_utc(seconds):
    return time.strftime('%Y-%m-%dT%H:%M:%SZ', time.gmtime(seconds))


class AccountState(object):
    """The state file of the ClearIP account ``url``/``email``."""

    def __init__(self, url, email, directory=None):
        key = '\n'.join((shown_url(url or '').rstrip('/').lower(), (email or '').lower()))
        self.directory = directory or default_directory()
        self.path = os.path.join(self.directory, hashlib.sha256(key.encode('utf-8')).hexdigest() + '.json')

    def load(self):
        try:
            with open(self.path) as handle:
                data = json.load(handle)
        except (IOError, OSError, ValueError):
            return {}
        return data if isinstance(data, dict) else {}

    def update(self, **changes):
        """Set (or, with None, remove) top-level keys and write the file; raises OSError."""
        data = self.load()
        for key, value in changes.items():
            if value is None:
                data.pop(key, None)
            else:
                data[key] = value
        try:
            os.makedirs(self.directory, 0o700)
        except OSError as exc:
            if exc.errno != errno.EEXIST:
                raise
        write_json(self.path, data)

    def listed(self):
        """``({tier: count}, when)`` of the last run that created, or ``({}, None)``."""
        entry = self.load().get('listed') or {}
        counts = entry.get('counts') if isinstance(entry.get('counts'), dict) else {}
        return dict((tier, count) for tier, count in counts.items() if isinstance(count, int)), entry.get('at')

    def record_listed(self, counts, now=None):
        self.update(listed={'counts': dict(counts), 'at': iso_utc(time.time() if now is None else now)})


def fingerprint(email, password, salt):
    digest = hashlib.pbkdf2_hmac('sha256', ('%s\n%s' % (email or '', password or '')).encode('utf-8'), salt,
                                 FINGERPRINT_ROUNDS)
    return binascii.hexlify(digest).decode('ascii')


class LoginMemory(object):
    """The ``login_guard`` of a ``ClearIPClient``: a refused login of these credentials is not sent again.

    ``retry``: send it all the same (the operator fixed the account in the portal); ``error``: the class raised
    instead of a login (``_clearip.ClearIPLoginError``, given by the caller so that this file needs no client).
    """

    def __init__(self, state, email, password, error, retry=False, clock=time.time):
        self.state = state
        self.email = email
        self._password = password
        self.error = error
        self.retry = retry
        self.clock = clock
        self.remembered = None   # the refusal that kept this run from logging in, once check() raised
        self.refusal = None      # this run's refused login, once refused() was told of it

    def _matching_refusal(self):
        refusal = self.state.load().get('clearip_login_refused')
        if not isinstance(refusal, dict):
            return None
        try:
            salt = binascii.unhexlify(refusal.get('salt') or '')
        except (TypeError, ValueError, binascii.Error):
            return None
        if not salt or fingerprint(self.email, self._password, salt) != refusal.get('fingerprint'):
            return None   # other credentials now: they may be right
        return refusal

    def check(self):
        if self.retry:
            return
        refusal = self._matching_refusal()
        if refusal is None:
            return
        self.remembered = refusal
        raise self.error(
            'ClearIP refused the login of %s with these credentials at %s (%s: %s). The login was not sent again, because '
            'ClearIP locks an account after 10 failed logins. Fix what the message says; a changed email or password '
            '(config.json, or subscriber_sync_clearip_password) clears this by itself; after fixing the account in the '
            'ClearIP portal instead, run once with -e subscriber_sync_clearip_retry_refused_login=true'
            % (self.email, refusal.get('at'), refusal.get('reason'), refusal.get('message')))

    def refused(self, refusal):
        salt = os.urandom(16)
        self.refusal = {'at': iso_utc(self.clock()), 'reason': getattr(refusal, 'reason', 'refused'),
                        'status': getattr(refusal, 'status', None), 'message': str(refusal)}
        try:
            self.state.update(clearip_login_refused=dict(
                self.refusal, salt=binascii.hexlify(salt).decode('ascii'), fingerprint=fingerprint(self.email, self._password, salt)))
        except (IOError, OSError):
            pass   # the refusal itself is reported; only the next run's memory is lost

    def succeeded(self):
        if self.state.load().get('clearip_login_refused') is not None:
            try:
                self.state.update(clearip_login_refused=None)
            except (IOError, OSError):
                pass
