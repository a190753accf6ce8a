# -*- coding: utf-8 -*-
# Copyright: (c) 2026, clearip.netsapiens contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The ClearIP API client, and the shared body of the create-only ClearIP modules.

Every ClearIP wire detail (paths, envelopes, query parameters, token handling, how a refused
login reads) lives in this file, so a real server that disagrees with the contract is a one-line
change here. Retries of single requests belong to ``http_session.HttpSession``.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import errno
import hashlib
import json
import os
import threading
import time

try:
    import fcntl
    HAS_FCNTL = True
except ImportError:  # pragma: no cover - not POSIX; the lock then cannot be taken
    HAS_FCNTL = False

from ansible.module_utils.basic import env_fallback, missing_required_lib
from ansible_collections.clearip.netsapiens.plugins.module_utils.http_session import (
    HAS_REQUESTS, REQUESTS_IMPORT_ERROR, HttpError, HttpSession, OutcomeUnknown, redact_url)
from ansible_collections.clearip.netsapiens.plugins.module_utils import sync
from ansible_collections.clearip.netsapiens.plugins.module_utils.progress import DEFAULT_INTERVAL, ProgressLog
from ansible_collections.clearip.netsapiens.plugins.module_utils.records import cut, record_type
from ansible_collections.clearip.netsapiens.plugins.module_utils.userinfo import protect_url_options, strip_userinfo
from ansible_collections.clearip.netsapiens.plugins.module_utils.netsapiens import NetSapiensError, write_records_file

DEFAULT_URL = 'https://api.clearip.com'
LOGIN_PATH = '/auth/login'
REFRESH_PATH = '/auth/refresh'
OPERATORS_PATH = '/operators'

# Documented lifetime; the server does not say it in the login answer.
TOKEN_LIFETIME = 300.0
# Refresh when less than this share of the lifetime (at most REFRESH_MARGIN_MAX seconds) is left.
REFRESH_MARGIN_SHARE = 0.25
REFRESH_MARGIN_MAX = 60.0
# A 401 on a token younger than the assumed lifetime teaches the real lifetime; this floor keeps a
# 401 for another reason (a revoked token) from turning every request into a refresh.
MIN_TOKEN_LIFETIME = 1.0

PAGE_LIMIT = 500
# The one sort the contract documents. A stable order is what skip-based paging needs. Pages
# overlap by one record (see _list_pass): objects others add during a listing only push later
# records back, so a record is then seen twice (and dropped by id); an object others remove pulls
# later records forward, which the overlap detects, and the listing starts again. A second sort
# key would be an assumption no source supports.
LIST_SORT = 'name ASC'
OPERATOR_SORT = 'name ASC'
MAX_PAGES = 100000
# A listing that changed under the reader this many times in a row is given up with an error.
MAX_LISTING_PASSES = 5

# After a create whose outcome is unknown, wait this long (seconds) before the one lookup, so a
# commit still in flight has a chance to land; the create is never sent again in the same run.
UNKNOWN_OUTCOME_LOOKUP_DELAY = 1.0
UNKNOWN_OUTCOME = 'outcome unknown'

# The per-account lock of the create modules (see AccountLock).
DEFAULT_LOCK_TIMEOUT = 900
LOCK_POLL_SECONDS = 0.2
LOCK_DIR_NAME = os.path.join('clearip.netsapiens', 'locks')
DEFAULT_MAX_WORKERS = 4
MAX_MAX_WORKERS = 16
ACTIVE = 'active'

# kind -> (path, plural envelope of answers, singular envelope of create bodies, parent id field)
COLLECTIONS = {
    sync.SERVICE_PROVIDER: ('/serviceProviders', 'serviceProviders', 'serviceProvider', None),
    sync.GROUP: ('/groups', 'groups', 'group', 'serviceProvider'),
    sync.USER: ('/users', 'users', 'user', 'group'),
}
USER_ID_FIELD = 'userId'
_JOB_TYPE = record_type(('name', 'parent_id', 'comment', 'user_id'))
# The wire fields a sync keeps of each listed object: what plan_tier (name, parent, User ID) and the
# drift report (id, comment) read.
SYNC_LISTING_FIELDS = dict((kind, tuple(field for field in ('id', 'name', 'comment', COLLECTIONS[kind][3],
                                                            USER_ID_FIELD if kind == sync.USER else None) if field))
                           for kind in COLLECTIONS)

# GET /sipMessages (documented): the X-User-Id header ClearIP received is each message's userId.
# The window goes both as the documented ``from`` and as where filters; the upper bound keeps
# skip-based paging stable while new calls arrive during the listing.
SIP_MESSAGES_PATH = '/sipMessages'
SIP_MESSAGES_PLURAL = 'sipMessages'
SIP_MESSAGE_TIME_FIELD = 'timestamp'
SIP_MESSAGE_FROM_PARAM = 'from'
SIP_MESSAGE_SORT = 'timestamp DESC'
SIP_MESSAGE_USER_ID_FIELD = 'userId'
UNKNOWN_USER_IDS_SHOWN = 50

# Why a login was refused, by words of the server's message, most specific first: the IP message
# also says "password" (one-time password), so it must be tried before the temporary password.
LOGIN_REFUSALS = (
    ('account_locked', ('locked', 'too many'), (423,),
     'the account is locked after too many failed logins: an administrator must unlock it in the ClearIP portal. '
     'This collection never retries a refused login, so it does not add to the count'),
    ('ip_not_whitelisted', ('whitelist', 'white list', 'allowlist', 'ip address', 'one-time', 'one time'), (),
     "this machine's IP address is not in the account's IP whitelist: add it in the ClearIP portal "
     '(the whitelist is the only way past the one-time password for an API account)'),
    ('eula_not_accepted', ('eula', 'license agreement', 'licence agreement', 'terms of'), (),
     'the account has not accepted the EULA: log in to the ClearIP portal once with this account and accept it'),
    ('temporary_password', ('temporary', 'change your password', 'password change', 'new password', 'expired password'), (),
     'the account still has its temporary password: log in to the ClearIP portal with this account and set a permanent password'),
    ('wrong_credentials', ('invalid email', 'invalid password', 'wrong', 'incorrect', 'credentials', 'unknown user',
                           'invalid username', 'email or password'), (401,),
     'wrong email or password: check the email and password options (or CLEARIP_EMAIL and CLEARIP_PASSWORD)'),
)
LOGIN_REFUSAL_FALLBACK = ('refused', 'check that the machine IP is whitelisted, the EULA is accepted and the temporary password was replaced '
                          '(all in the ClearIP portal), and that email and password are right')
OPERATOR_REQUIRED_WORDS = ('operator is required', 'operator required', 'must name the operator')


def clearip_argument_spec():
    """Options every module that talks to ClearIP takes (documented in the clearip doc fragment)."""
    return dict(
        url=dict(type='str', default=DEFAULT_URL, fallback=(env_fallback, ['CLEARIP_URL'])),
        email=dict(type='str', required=True, fallback=(env_fallback, ['CLEARIP_EMAIL'])),
        password=dict(type='str', required=True, no_log=True, fallback=(env_fallback, ['CLEARIP_PASSWORD'])),
        operator=dict(type='str', fallback=(env_fallback, ['CLEARIP_OPERATOR'])),
        validate_certs=dict(type='bool', default=True, fallback=(env_fallback, ['CLEARIP_VALIDATE_CERTS'])),
        ca_path=dict(type='path', fallback=(env_fallback, ['CLEARIP_CA_PATH'])),
        timeout=dict(type='int', default=30, fallback=(env_fallback, ['CLEARIP_TIMEOUT'])),
    )


def create_argument_spec():
    """Options of the create-only modules (documented in the clearip.create doc fragment)."""
    return dict(
        state=dict(type='str', default='present', choices=['present']),
        src=dict(type='path'),
        pending_parents=dict(type='list', elements='str', default=[]),
        comment_source=dict(type='str'),
        max_workers=dict(type='int', default=DEFAULT_MAX_WORKERS),
        return_objects=dict(type='bool', default=True),
        progress_path=dict(type='path'),
        progress_interval=dict(type='float', default=DEFAULT_INTERVAL),
        listing_dir=dict(type='path'),
        lock_timeout=dict(type='int', default=DEFAULT_LOCK_TIMEOUT),
    )


class ClearIPError(Exception):
    """A ClearIP call failed; ``message`` says what and what to do, never a secret."""

    def __init__(self, message):
        super(ClearIPError, self).__init__(message)
        self.message = message

    def __str__(self):
        return self.message


class CreateOutcomeUnknown(ClearIPError):
    """A create may or may not have taken effect, and a lookup did not find it: not sent again."""


class LockBusy(ClearIPError):
    """Another run holds the lock of this ClearIP account."""


class LoginRefused(ClearIPError):
    """ClearIP refused the login; ``reason`` is one of the LOGIN_REFUSALS keys or ``refused``."""

    def __init__(self, message, reason, status=None):
        super(LoginRefused, self).__init__(message)
        self.reason = reason
        self.status = status


def explain_login_refusal(status, server_message):
    """(reason key, what to fix) for a refused login, from its status and the server's words."""
    text = (server_message or '').lower()
    for key, words, statuses, fix in LOGIN_REFUSALS:
        if any(word in text for word in words):
            return key, fix
    for key, words, statuses, fix in LOGIN_REFUSALS:
        if status in statuses:
            return key, fix
    return LOGIN_REFUSAL_FALLBACK


def server_message(text):
    """The ``message`` (or ``error``) of a JSON error body, else the body itself, shortened."""
    try:
        body = json.loads(text or '')
    except ValueError:
        body = None
    if isinstance(body, dict):
        for key in ('message', 'error', 'detail', 'msg'):
            value = body.get(key)
            if isinstance(value, str) and value:
                return value[:500]
    return ' '.join((text or '').split())[:300]


def _error_message(exc):
    if isinstance(exc, HttpError) and exc.body_excerpt:
        message = server_message(exc.body_excerpt)
        if message and any(word in message.lower() for word in OPERATOR_REQUIRED_WORDS):
            return '%s; this ClearIP account is not tied to one operator: set the operator option (name or id)' % exc.message
    return str(exc)


class ClearIPClient(object):
    """A logged-in ClearIP API session, safe to share between the create workers."""

    def __init__(self, url, email, password, operator=None, validate_certs=True, ca_path=None, timeout=30,
                 max_workers=DEFAULT_MAX_WORKERS, session=None, clock=time.time, sleep=time.sleep,
                 page_limit=PAGE_LIMIT, unknown_outcome_delay=UNKNOWN_OUTCOME_LOOKUP_DELAY):
        # A user:password@ in the URL is never used (Bearer tokens) nor shown: see module_utils/userinfo.py.
        self.url = strip_userinfo((url or DEFAULT_URL).strip()).rstrip('/')
        self._email = email
        self._password = password
        self.operator_option = operator
        self.operator_id = None
        self.operator_name = None
        self.max_workers = max(1, min(MAX_MAX_WORKERS, int(max_workers or 1)))
        self.clock = clock
        self._real_sleep = sleep
        self.unknown_outcome_delay = float(unknown_outcome_delay)
        self.page_limit = int(page_limit)
        self.session = session or HttpSession(self.url, timeout=timeout, validate_certs=validate_certs,
                                              ca_path=ca_path, sleep=self._pool_sleep)
        self._auth_lock = threading.RLock()
        self._token = None
        self._token_issued = None
        self._lifetime = TOKEN_LIFETIME
        self._refused = None
        self._pause_lock = threading.Lock()
        self._paused_until = 0.0
        self.stats = {'logins': 0, 'refreshes': 0, 'relogins_after_401': 0, 'lookups_after_unknown_outcome': 0,
                      'listing_restarts': 0}

    # -- pacing ----------------------------------------------------------------------------------
    def _pool_sleep(self, seconds):
        """HttpSession's backoff: one worker's wait (a 429's Retry-After) holds back every worker."""
        with self._pause_lock:
            self._paused_until = max(self._paused_until, self.clock() + max(0.0, seconds))
        self._wait_for_pool()

    def _wait_for_pool(self):
        while True:
            with self._pause_lock:
                left = self._paused_until - self.clock()
            if left <= 0:
                return
            self._real_sleep(left)

    # -- authentication --------------------------------------------------------------------------
    def login(self):
        """Log in with email and password; a refusal raises LoginRefused and is never retried."""
        with self._auth_lock:
            if self._refused is not None:
                raise self._refused
            self.stats['logins'] += 1
            # 4xx other than 429 come back as answers, so the refusal text can be read in full.
            expect = (200, 201) + tuple(s for s in range(400, 500) if s != 429)
            try:
                resp = self.session.request('POST', LOGIN_PATH, json={'email': self._email, 'password': self._password},
                                            idempotent=False, expect=expect)
            except OutcomeUnknown as exc:
                raise ClearIPError('ClearIP login failed: %s. The login is not retried, because failed logins lock the account' % exc)
            except HttpError as exc:
                raise ClearIPError('ClearIP login failed: %s' % exc)
            if resp.status >= 400:
                message = server_message(resp.text)
                reason, fix = explain_login_refusal(resp.status, message)
                self._refused = LoginRefused('ClearIP refused the login of %s (HTTP %d: %s). Likely fix: %s'
                                             % (self._email, resp.status, message or 'no message', fix), reason, resp.status)
                raise self._refused
            self._store_token(resp)

    def _store_token(self, resp):
        try:
            token = resp.json().get('token')
        except (HttpError, AttributeError):
            token = None
        if not isinstance(token, str) or not token:
            raise ClearIPError('%s answered HTTP %d without a token' % (resp.describe(), resp.status))
        self._token = token
        self._token_issued = self.clock()

    def _refresh(self):
        """Swap the token for a new one; any failure falls back to one login."""
        self.stats['refreshes'] += 1
        try:
            resp = self.session.request('POST', REFRESH_PATH, json={}, headers=self._bearer(self._token), idempotent=False)
            self._store_token(resp)
        except (HttpError, ClearIPError):
            self.login()

    @staticmethod
    def _bearer(token):
        return {'Authorization': 'Bearer %s' % token}

    def _margin(self):
        return min(REFRESH_MARGIN_MAX, self._lifetime * REFRESH_MARGIN_SHARE)

    def _fresh_token(self):
        with self._auth_lock:
            if self._refused is not None:
                raise self._refused
            if self._token is None:
                self.login()
            elif self.clock() - self._token_issued >= self._lifetime - self._margin():
                self._refresh()
            return self._token

    def _renew_after_401(self, rejected_token):
        with self._auth_lock:
            if self._token != rejected_token:
                return  # another worker already renewed it
            age = self.clock() - self._token_issued
            if age < self._lifetime:
                self._lifetime = max(MIN_TOKEN_LIFETIME, age)
            self.stats['relogins_after_401'] += 1
            self._token = None
            self.login()

    def _current_auth(self):
        """The Authorization header for the attempt about to be sent (HttpSession calls it before each one).

        It waits out a pool pause first, then takes the token that is current at that moment, so a
        retry after a Retry-After or a backoff never sends a token that expired while it waited.
        """
        self._wait_for_pool()
        return self._bearer(self._fresh_token())

    def request(self, method, path, params=None, body=None, idempotent=None, want_json=False):
        """One authenticated call; a 401 means one renewal and one more try.

        The renewal happens only when the token sent on the refused attempt is still the current
        one: if another worker already renewed it, the retry just takes the new token.
        """
        for attempt in (1, 2):
            try:
                return self.session.request(method, path, params=params, json=body, auth=self._current_auth,
                                            idempotent=idempotent, want_json=want_json)
            except HttpError as exc:
                if exc.status != 401 or attempt == 2:
                    raise
                sent = (exc.auth_sent or {}).get('Authorization', '')
                self._renew_after_401(sent[len('Bearer '):] if sent.startswith('Bearer ') else None)
        raise ClearIPError('unreachable')  # pragma: no cover

    # -- operator --------------------------------------------------------------------------------
    def resolve_operator(self):
        """Turn the operator option (name or id) into an id, once; without it nothing is sent."""
        if not self.operator_option or self.operator_id:
            return self.operator_id
        wanted = self.operator_option
        operators = self._list_pages(OPERATORS_PATH, 'operators', {}, OPERATOR_SORT, with_operator=False)
        by_id = [op for op in operators if op.get('id') == wanted]
        by_name = [op for op in operators if op.get('name') == wanted]
        if by_id:
            chosen = by_id[0]
        elif len(by_name) == 1:
            chosen = by_name[0]
        elif len(by_name) > 1:
            raise ClearIPError('operator %r: %d operators have that name; give its id instead (%s)'
                               % (wanted, len(by_name), ', '.join(op.get('id') or '?' for op in by_name)))
        else:
            names = sorted(op.get('name') or op.get('id') or '?' for op in operators)
            raise ClearIPError('operator %r: no operator with that name or id is visible to this account (it sees: %s)'
                               % (wanted, ', '.join(repr(n) for n in names[:20]) or 'none'))
        self.operator_id = chosen.get('id')
        self.operator_name = chosen.get('name')
        return self.operator_id

    def _operator_params(self, params):
        params = dict(params)
        if self.operator_id:
            params['operator'] = self.operator_id
        return params

    # -- reading ---------------------------------------------------------------------------------
    def _page_json(self, path, params):
        """One page's JSON; an unreadable body is retried by HttpSession like a 5xx."""
        return self.request('GET', path, params=params, want_json=True).json()

    def _get_page(self, path, plural, params, skip):
        params = dict(params, skip=skip)
        answer = self._page_json(path, params)
        page = answer.get(plural) if isinstance(answer, dict) else None
        if not isinstance(page, list):
            raise ClearIPError('GET %s%s: the answer has no %r list' % (self.url, path, plural))
        return page

    def _list_pages(self, path, plural, where, sort, with_operator=True, fields=None):
        """Every record of a paged list, read so that a list changed by others is never read with a gap.

        ``fields``: None (whole records), or the wire fields each record is cut down to as its page
        arrives, so that a listing of 100,000 Users holds only what its reader uses.
        Raises ClearIPError when the list kept changing for MAX_LISTING_PASSES passes.
        """
        params = {'limit': self.page_limit, 'sort': sort}
        for field, value in sorted((where or {}).items()):
            params['where[%s]' % field] = value
        if with_operator:
            params = self._operator_params(params)
        for dummy in range(MAX_LISTING_PASSES):
            records = self._list_pass(path, plural, params, fields)
            if records is not None:
                return records
            self.stats['listing_restarts'] += 1
        raise ClearIPError('GET %s%s: the list changed under the reader %d times in a row (objects removed while it was '
                           'paged through), so it cannot be trusted; nothing was created from it. Run again when ClearIP '
                           'is quieter' % (self.url, path, MAX_LISTING_PASSES))

    def _list_pass(self, path, plural, params, fields=None):
        """One pass over the list, or None when it changed under the reader (then the caller starts again).

        Each page after the first is asked from one record before where the last one ended, and
        must hold that record (the previous page's last, by id). Skip counts positions in the
        current list: if an object before that record was removed, the record moved forward and
        the page does not hold it, so the pass is abandoned instead of silently missing the
        record that slid across the boundary. Objects added before it only push it further into
        the page; the repeats are dropped by id. The end of the list is an empty page (the
        contract: a page may be short while more remain), confirmed by the last record still
        being where it was.
        """
        records = []
        seen = set()
        received = 0          # position just past the last record read, in the list as it is now
        last = None           # key of that record
        for dummy in range(MAX_PAGES):
            skip = received - 1 if last is not None else 0
            page = self._get_page(path, plural, params, skip)
            if last is None:
                if not page:
                    return records
                fresh = page
            else:
                keys = [_record_key(r) for r in page]
                if last not in keys:
                    return None
                fresh = page[keys.index(last) + 1:]
            if not fresh:
                # Nothing past the last record in this page: either the end, or a server that
                # returned a short page. Only an empty page at the next position tells.
                probe = self._get_page(path, plural, params, received)
                if not probe:
                    check = self._get_page(path, plural, params, received - 1)
                    if not check or _record_key(check[0]) != last:
                        return None
                    return records
                new = [r for r in probe if _record_key(r) not in seen]
                if not new:
                    raise ClearIPError('GET %s%s: the page at skip=%d repeats records already read; the server ignores skip, '
                                       'so the listing cannot be trusted' % (self.url, path, received))
                # A server that returns one record a page gives no overlap to check; accepted as read.
                fresh = probe
                skip = received
                page = probe
            for record in fresh:
                if not isinstance(record, dict):
                    raise ClearIPError('GET %s%s: the page at skip=%d holds items that are not objects' % (self.url, path, skip))
                key = _record_key(record)
                if key in seen:
                    continue  # an object added before the boundary pushed it into this page again
                seen.add(key)
                records.append(_cut(record, fields) if fields else record)
            received = skip + len(page)
            last = _record_key(page[-1])
        raise ClearIPError('GET %s%s: more than %d pages; giving up' % (self.url, path, MAX_PAGES))

    def list(self, kind, where=None, fields=None):
        """Every object of ``kind`` (optionally filtered by exact field values, optionally cut down to ``fields``)."""
        path, plural = COLLECTIONS[kind][0], COLLECTIONS[kind][1]
        self.resolve_operator()
        return self._list_pages(path, plural, where, LIST_SORT, fields=fields)

    def ensure_login(self):
        """Log in (or check the token is fresh) and resolve the operator now, before anything is listed.

        Lets a caller tell a login failure from a failed listing. Raises LoginRefused or ClearIPError.
        """
        self._fresh_token()
        return self.resolve_operator()

    def find_by_name(self, kind, name):
        return self.list(kind, where={'name': name})

    def sip_messages(self, from_ms, to_ms, limit=None):
        """SIP messages with ``from_ms <= timestamp <= to_ms`` (Unix ms), newest first.

        Returns ``(messages, truncated)``: at most ``limit`` messages (every one when ``limit`` is
        None), and whether more than that were in the window.
        """
        self.resolve_operator()
        messages = []
        previous = None
        skip = 0
        for dummy in range(MAX_PAGES):
            size = self.page_limit
            if limit is not None:
                # one more than still wanted, so that a window holding more than the limit is told apart
                size = max(1, min(size, limit - len(messages) + 1))
            params = self._operator_params({
                SIP_MESSAGE_FROM_PARAM: int(from_ms),
                'where[%s][>=]' % SIP_MESSAGE_TIME_FIELD: int(from_ms),
                'where[%s][<=]' % SIP_MESSAGE_TIME_FIELD: int(to_ms),
                'limit': size,
                'skip': skip,
                'sort': SIP_MESSAGE_SORT,
            })
            answer = self._page_json(SIP_MESSAGES_PATH, params)
            page = answer.get(SIP_MESSAGES_PLURAL) if isinstance(answer, dict) else None
            if not isinstance(page, list):
                raise ClearIPError('GET %s%s: the answer has no %r list' % (self.url, SIP_MESSAGES_PATH, SIP_MESSAGES_PLURAL))
            if not page:
                return messages, False
            if page == previous:
                raise ClearIPError('GET %s%s: the page at skip=%d repeats the previous page; the server ignores skip, '
                                   'so the listing cannot be trusted' % (self.url, SIP_MESSAGES_PATH, skip))
            previous = page
            if not all(isinstance(m, dict) for m in page):
                raise ClearIPError('GET %s%s: the page at skip=%d holds items that are not objects' % (self.url, SIP_MESSAGES_PATH, skip))
            messages.extend(page)
            if limit is not None and len(messages) > limit:
                return messages[:limit], True
            skip += len(page)
        raise ClearIPError('GET %s%s: more than %d pages; giving up' % (self.url, SIP_MESSAGES_PATH, MAX_PAGES))

    # -- writing ---------------------------------------------------------------------------------
    def create_body(self, kind, name, parent_id=None, comment=None, user_id=None):
        path, plural, singular, parent_field = COLLECTIONS[kind]
        obj = {'name': name, 'status': ACTIVE, 'comment': comment or ''}
        if parent_field:
            obj[parent_field] = parent_id
        if kind == sync.USER:
            obj[USER_ID_FIELD] = user_id if user_id is not None else name
        body = {singular: obj}
        if self.operator_id:
            body['operator'] = self.operator_id
        return body

    def create(self, kind, name, parent_id=None, comment=None, user_id=None):
        """Create one object and return it as ClearIP holds it.

        A create whose outcome is unknown (timeout, reset, 5xx, an unreadable answer) is never sent
        again in this run: ClearIP may commit it late (after the client gave up), and a second POST
        would then make a duplicate. After a short wait the name is looked up once: found, it is
        the object; not found, CreateOutcomeUnknown says so, the tier's confirmation (run_tier)
        looks again at its end, and the next run finds or creates it.
        """
        path, plural, singular, parent_field = COLLECTIONS[kind]
        body = self.create_body(kind, name, parent_id, comment, user_id)
        try:
            resp = self.request('POST', path, body=body, idempotent=False, want_json=True)
            answer = resp.json()
            created = answer.get(plural) if isinstance(answer, dict) else None
            if isinstance(created, list) and len(created) == 1 and isinstance(created[0], dict):
                return created[0]
            cause = 'POST %s%s answered HTTP %d without the created object' % (self.url, path, resp.status)
        except OutcomeUnknown as exc:
            cause = str(exc)
        if self.unknown_outcome_delay > 0:
            self._real_sleep(self.unknown_outcome_delay)
        try:
            found = self._lookup_after_unknown(kind, name)
        except HttpError as exc:
            raise CreateOutcomeUnknown('%s %r: %s (%s), and the lookup that followed failed (%s); not sent again to avoid a '
                                       'duplicate: the next run will find or create it' % (kind, name, UNKNOWN_OUTCOME, cause, exc))
        if len(found) > 1:
            raise ClearIPError('%s %r: after an unknown outcome (%s) ClearIP holds %d objects of that name; resolve by hand'
                               % (kind, name, cause, len(found)))
        if found:
            if parent_field and _ref_id(found[0].get(parent_field)) != parent_id:
                raise ClearIPError('%s %r: after an unknown outcome (%s) it exists under another %s (id %s)'
                                   % (kind, name, cause, sync.PARENT_KIND[kind], _ref_id(found[0].get(parent_field))))
            return found[0]
        raise CreateOutcomeUnknown('%s %r: %s (%s) and not found by a lookup; not sent again to avoid a duplicate: '
                                   'the next run will find or create it' % (kind, name, UNKNOWN_OUTCOME, cause))

    def _lookup_after_unknown(self, kind, name):
        self.stats['lookups_after_unknown_outcome'] += 1
        return self.find_by_name(kind, name)

    def create_many(self, kind, jobs, progress=None, fields=None):
        """Create ``jobs`` (dicts: name, parent_id, comment, user_id) with bounded concurrency.

        Returns one ``(job, record or None, error message or None, outcome unknown)`` per job, in
        the given order; each record cut down to ``fields`` when given (as ``list`` does). A refused login stops everything not yet started. ``progress`` (a
        progress.ProgressLog) is told of each job done, and ticked every second while creates are under way.
        """
        results = [None] * len(jobs)
        stop = threading.Event()
        lock = threading.Lock()
        next_index = [0]

        def work():
            while True:
                with lock:
                    index = next_index[0]
                    next_index[0] += 1
                if index >= len(jobs):
                    return
                job = jobs[index]
                if stop.is_set():
                    results[index] = (job, None, 'not attempted: %s' % self._refused, False)
                else:
                    try:
                        record = self.create(kind, job['name'], job.get('parent_id'), job.get('comment'), job.get('user_id'))
                        results[index] = (job, _cut(record, fields) if fields else record, None, False)
                    except LoginRefused as exc:
                        stop.set()
                        results[index] = (job, None, str(exc), False)
                    except CreateOutcomeUnknown as exc:
                        results[index] = (job, None, str(exc), True)
                    except (ClearIPError, HttpError) as exc:
                        results[index] = (job, None, _error_message(exc), False)
                    except Exception as exc:  # pylint: disable=broad-except
                        results[index] = (job, None, 'unexpected error: %s: %s' % (type(exc).__name__, exc), False)
                if progress is not None:
                    progress.done(results[index][2] is None)

        workers = [threading.Thread(target=work, name='clearip-create-%d' % n) for n in range(min(self.max_workers, len(jobs)))]
        if progress is not None:
            progress.begin(len(jobs))
        for worker in workers:
            worker.start()
        for worker in workers:
            # A slow create (timeouts, retries) still gets its progress line on time.
            while worker.is_alive():
                worker.join(1.0)
                if progress is not None:
                    progress.tick()
        if progress is not None:
            progress.finish()
        return results


def create_job(name, parent_id, comment, user_id):
    """One create for ``create_many``: a record (records.py) read like the dict ``{name, parent_id, comment, user_id}``."""
    job = _JOB_TYPE()
    job.name, job.parent_id, job.comment, job.user_id = name, parent_id, comment, user_id
    return job


def _cut(record, fields):
    """``record`` with only ``fields`` (records.cut), sharing the text many objects repeat (the sync's comment,
    a parent's id) and a User ID equal to the name, so 100,000 Users hold one copy of each."""
    if not isinstance(record, dict):
        return record
    return cut(record, fields, intern=('comment',) + tuple(COLLECTIONS[k][3] for k in COLLECTIONS if COLLECTIONS[k][3]),
               same_as={USER_ID_FIELD: 'name'})


def _record_key(record):
    """What tells list records apart: the id, or the whole record when it has none.

    A text id is its own key (the record's string, not a new one: a listing of 100,000 Users keeps
    a set of them); other ids and whole records get a prefix no UUID has.
    """
    if isinstance(record, dict) and record.get('id') is not None:
        record_id = record['id']
        return record_id if isinstance(record_id, str) and not record_id.startswith(('id:', 'record:')) else 'id:%s' % record_id
    return 'record:%s' % json.dumps(record, sort_keys=True, default=str)


def _ref_id(value):
    """The id of a parent reference, which is an id string or (expanded) an object with an id."""
    if isinstance(value, dict):
        return value.get('id')
    return value


def classify_user_ids(messages, users):
    """Count the messages whose userId is a provisioned User's, an unknown one, or none at all."""
    known = set(u.get(USER_ID_FIELD) for u in users if isinstance(u, dict) and u.get(USER_ID_FIELD))
    matched = 0
    without = 0
    matched_ids = set()
    unknown = {}
    for message in messages:
        user_id = message.get(SIP_MESSAGE_USER_ID_FIELD)
        if user_id is None or (isinstance(user_id, str) and not user_id.strip()):
            without += 1
        elif user_id in known:
            matched += 1
            matched_ids.add(user_id)
        else:
            key = user_id if isinstance(user_id, str) else json.dumps(user_id)
            unknown[key] = unknown.get(key, 0) + 1
    ranked = sorted(unknown.items(), key=lambda item: (-item[1], item[0]))
    return {
        'messages': len(messages),
        'matched': matched,
        'unknown': sum(unknown.values()),
        'none': without,
        'matched_users': len(matched_ids),
        'provisioned_user_ids': len(known),
        'unknown_user_ids': [{'user_id': key, 'count': count} for key, count in ranked[:UNKNOWN_USER_IDS_SHOWN]],
        'unknown_user_ids_total': len(ranked),
    }


# -- records as the info modules return them, and the listings the create modules can keep --------

# kind -> (tier key, parent key of info records, parent id key of info records)
INFO_KINDS = {
    sync.SERVICE_PROVIDER: ('service_providers', None, None),
    sync.GROUP: ('groups', 'service_provider', 'service_provider_id'),
    sync.USER: ('users', 'group', 'group_id'),
}
# ClearIP field -> info record key, for the fields every object has (createdAt/updatedAt: Unix ms).
INFO_FIELDS = (('id', 'id'), ('name', 'name'), ('status', 'status'), ('comment', 'comment'),
               ('createdAt', 'created_at'), ('updatedAt', 'updated_at'))


def info_record(kind, raw, parent_names_by_id=None):
    """One ClearIP object with snake_case keys and its parent by id and by name (None when not known)."""
    record = dict((key, raw.get(wire)) for wire, key in INFO_FIELDS)
    parent_field = COLLECTIONS[kind][3]
    if parent_field:
        parent_key, parent_id_key = INFO_KINDS[kind][1], INFO_KINDS[kind][2]
        record[parent_id_key] = _ref_id(raw.get(parent_field))
        record[parent_key] = (parent_names_by_id or {}).get(record[parent_id_key])
    if kind == sync.USER:
        record['user_id'] = raw.get(USER_ID_FIELD)
    return record


def listing_record(kind, raw):
    """The compact form of an info record that a listing file keeps: id, name, comment, the parent's id, the User ID.

    Only what the drift report reads, so that keeping 100,000 Users stays cheap.
    """
    record = {'id': raw.get('id'), 'name': raw.get('name'), 'comment': raw.get('comment')}
    parent_field = COLLECTIONS[kind][3]
    if parent_field:
        record[INFO_KINDS[kind][2]] = _ref_id(raw.get(parent_field))
    if kind == sync.USER:
        record['user_id'] = raw.get(USER_ID_FIELD)
    return record


class ListingFiles(object):
    """A ``run_tier`` ``on_listing`` hook that writes each listing as ``listing_record`` dicts to
    ``<directory>/clearip-<tier>.json`` (mode 0600, replaced atomically); ``files`` maps tier -> path."""

    def __init__(self, directory):
        self.directory = directory
        self.files = {}

    def __call__(self, kind, records, parent_names_by_id):
        tier = INFO_KINDS[kind][0]
        path = os.path.join(self.directory, 'clearip-%s.json' % tier)
        self.files[tier] = write_records_file(path, [listing_record(kind, r) for r in records if isinstance(r, dict)])


def client_from_params(params, **kwargs):
    return ClearIPClient(params['url'], params['email'], params['password'], operator=params.get('operator'),
                         validate_certs=params.get('validate_certs', True), ca_path=params.get('ca_path'),
                         timeout=params.get('timeout') or 30, max_workers=params.get('max_workers') or DEFAULT_MAX_WORKERS,
                         **kwargs)


# -- the shared body of clearip_service_provider, clearip_group and clearip_user ----------------

# kind -> (module list option, module parent option)
MODULE_KINDS = {
    sync.SERVICE_PROVIDER: ('service_providers', None),
    sync.GROUP: ('groups', 'service_provider'),
    sync.USER: ('users', 'group'),
}


class InputError(ValueError):
    pass


def normalize_items(kind, raw_items, where):
    """Module input (a list option or a src file's list) as desired items for ``sync.plan_tier``."""
    list_option, parent_option = MODULE_KINDS[kind]
    if not isinstance(raw_items, list):
        raise InputError('%s must be a list, got %s' % (where, type(raw_items).__name__))
    allowed = set(['name', 'comment'])
    if parent_option:
        allowed.add(parent_option)
    if kind == sync.USER:
        allowed.add('user_id')
    items = []
    for index, raw in enumerate(raw_items):
        if isinstance(raw, str) and kind == sync.SERVICE_PROVIDER:
            raw = {'name': raw}
        if not isinstance(raw, dict):
            expected = 'name or a dict' if kind == sync.SERVICE_PROVIDER else 'dict'
            raise InputError('%s[%d] must be a %s, got %s' % (where, index, expected, type(raw).__name__))
        unknown = sorted(set(k for k, v in raw.items() if v is not None) - allowed)
        if unknown:
            raise InputError('%s[%d] has unknown keys %s; allowed: %s' % (where, index, ', '.join(unknown), ', '.join(sorted(allowed))))
        if raw.get('name') is None:
            raise InputError('%s[%d] has no name' % (where, index))
        item = {'name': raw['name'], 'parent': raw.get(parent_option) if parent_option else None, 'comment': raw.get('comment')}
        if kind == sync.USER:
            item['user_id'] = raw.get('user_id')
        items.append(item)
    return items


def load_src(kind, path):
    """The list in a JSON file: either the list itself or an object holding it under the list option's name."""
    list_option = MODULE_KINDS[kind][0]
    try:
        with open(path, 'rb') as handle:
            data = json.loads(handle.read().decode('utf-8'))
    except (IOError, OSError) as exc:
        raise InputError('src %s: cannot read it: %s' % (path, exc))
    except ValueError as exc:
        raise InputError('src %s: not valid JSON: %s' % (path, exc))
    if isinstance(data, dict):
        if list_option not in data:
            raise InputError('src %s: a JSON object must hold the list under %r' % (path, list_option))
        data = data[list_option]
    return normalize_items(kind, data, 'src %s' % os.path.basename(path))


def _parent_label(record_id, names_by_id):
    if record_id is None:
        return None
    return names_by_id.get(record_id, '(unknown id %s)' % record_id)


def _predicted(kind, item, comment):
    parent_option = MODULE_KINDS[kind][1]
    out = {'name': item['name'], 'status': ACTIVE, 'comment': comment}
    if parent_option:
        out[parent_option] = item['parent']
    if kind == sync.USER:
        out['user_id'] = item.get('user_id') if item.get('user_id') is not None else item['name']
    return out


def run_tier(client, kind, desired, check_mode=False, pending_parents=None, comment_source=None,
             return_objects=True, want_diff=False, progress=None, on_listing=None, lock=None):
    """Plan and (unless check_mode) create one tier; returns the module's result dict.

    ``progress`` (a progress.ProgressLog, optional) gets a line when the listing starts and follows the creates.
    ``on_listing(kind, records, parent_names_by_id)``, when given, is called with each listing made
    (the parent tier's, then this tier's, both before any create), so a caller can keep them (the
    drift report reuses them instead of listing again).
    ``lock``: None, or an object with ``acquire()`` (AccountLock) taken after the operator is known
    and before anything is listed, so that what is listed stays true while this run creates.
    """
    parent_kind = sync.PARENT_KIND[kind]
    if progress is not None:
        progress.note('%d requested; listing what ClearIP holds' % len(desired))
    client.resolve_operator()
    if lock is not None and not check_mode:
        lock.acquire(client)
    parent_records = None
    if parent_kind is not None:
        parent_records = client.list(parent_kind)
        if on_listing is not None:
            on_listing(parent_kind, parent_records, None)
    records = client.list(kind)
    if on_listing is not None:
        on_listing(kind, records, _names_by_id(parent_records))
    result, dummy = apply_tier(client, kind, desired, records, parent_records, check_mode=check_mode,
                               pending_parents=pending_parents, comment_source=comment_source,
                               return_objects=return_objects, want_diff=want_diff, progress=progress)
    return result


def _names_by_id(parent_records):
    return dict((record.get('id'), record.get('name')) for record in parent_records or ())


def apply_tier(client, kind, desired, records, parent_records=None, check_mode=False, pending_parents=None,
               comment_source=None, return_objects=True, want_diff=False, progress=None):
    """Plan one tier against listings already made, and (unless ``check_mode``) create what is missing.

    ``records``: the tier's ClearIP listing (raw API objects, as ``client.list`` returns them);
    ``parent_records``: the parent tier's (None for Service Providers), including any parent this run
    created, since a child's create needs its parent's id. The caller holds the account lock from
    before the listings until after this returns (see ``AccountLock``). Returns ``(result, created
    records)``: the module result of ``run_tier`` and the raw records of the objects created (none in
    check mode, where the next tier takes ``pending_parents`` instead), for the next tier's ``parent_records``.
    """
    parent_field = COLLECTIONS[kind][3]
    parent_kind = sync.PARENT_KIND[kind]
    parent_names_by_id = {}
    parent_ids_by_name = {}
    parent_names = []
    for record in parent_records or ():
        parent_names_by_id[record.get('id')] = record.get('name')
        parent_ids_by_name.setdefault(record.get('name'), []).append(record.get('id'))
        parent_names.append(record.get('name'))

    def holding(record):
        return record.get('name'), _parent_label(_ref_id(record.get(parent_field)), parent_names_by_id) if parent_field else None

    held_user_ids = {}
    if kind == sync.USER:
        # Only the User IDs a User to be created would take matter (sync.plan_tier); a no-change run has none,
        # so 100,000 held Users cost no second index.
        held_names = set(record.get('name') for record in records)
        wanted_ids = set(item.get('user_id') or item.get('name') for item in desired if item.get('name') not in held_names)
        del held_names
        for record in records:
            user_id = record.get(USER_ID_FIELD)
            if user_id in wanted_ids and isinstance(user_id, str) and user_id.strip():
                held_user_ids.setdefault(user_id, []).append(holding(record))

    plan = sync.plan_tier(kind, desired, (holding(record) for record in records), parents=parent_names,
                          pending_parents=(pending_parents or ()) if check_mode else (),
                          held_user_ids=held_user_ids if kind == sync.USER else None)
    default = sync.default_comment(comment_source)
    failed = list(plan.failed)
    proposed = [_predicted(kind, item, item.get('comment') or default) for item in plan.to_create] if return_objects else None
    unknown = []
    # Without return_objects (the sync of 100,000 Users) each created object is kept cut down to what the
    # next tier and the drift read, not as the whole answer.
    fields = None if return_objects else SYNC_LISTING_FIELDS[kind]

    if check_mode:
        created_names = [item['name'] for item in plan.to_create]
        end_state = proposed
        created_records = []
    else:
        jobs = []
        for item in plan.to_create:
            parent_id = parent_ids_by_name[item['parent']][0] if parent_kind is not None else None
            jobs.append(create_job(item['name'], parent_id, item.get('comment') or default, item.get('user_id')))
        if not want_diff:
            plan.to_create = None   # the jobs say it all; 100,000 Users need not be held twice
        created = []
        for job, record, error, outcome_unknown in client.create_many(kind, jobs, progress=progress, fields=fields):
            if error is None:
                created.append((job, record))
            elif outcome_unknown:
                unknown.append((job, error))
            else:
                failed.append({'name': job['name'], 'reason': '%s %r: create failed: %s' % (kind, job['name'], error)})
        del jobs
        created, confirm_failed, unknown = confirm_tier(client, kind, created, unknown)
        failed.extend(confirm_failed)
        created_names = [job['name'] for job, record in created]
        end_state = [record for job, record in created]
        created_records = end_state

    result = {
        'changed': bool(created_names),
        'created': created_names,
        'existing': len(plan.existing),
        'failed_items': failed,
        'outcome_unknown': [job['name'] for job, error in unknown],
    }
    if return_objects:
        result['proposed'] = proposed
        result['end_state'] = end_state
    if client.operator_id:
        result['operator'] = {'id': client.operator_id, 'name': client.operator_name}
    if want_diff:
        parent_of = dict((item['name'], item.get('parent')) for item in plan.to_create or ())
        result['diff'] = name_diff(kind, plan.existing_names, created_names, parent_of)
    return result, created_records


def confirm_tier(client, kind, created, unknown):
    """Check, by listing the tier again, that each object this run created exists exactly once.

    ``created``: ``(job, record)`` pairs; ``unknown``: ``(job, error)`` pairs of creates whose
    outcome stayed unknown. Returns ``(created, failed items, still unknown)``: an unknown one that
    now exists once (under its parent) counts as created; a name held more than once is a failed
    item naming the duplicate, so the run never ends successfully with a duplicate.
    """
    failed = []
    if not created and not unknown:
        return created, failed, unknown
    parent_field = COLLECTIONS[kind][3]
    asked = set(job['name'] for job, dummy in created) | set(job['name'] for job, dummy in unknown)
    # One record per name, and a list only for a name held more than once (100,000 names may be asked).
    first = {}
    again = {}
    for record in client.list(kind, fields=SYNC_LISTING_FIELDS[kind]):
        name = record.get('name')
        if name not in asked:
            continue
        if name in first:
            again.setdefault(name, [first[name]]).append(record)
        else:
            first[name] = record
    del asked

    def held(name):
        return again.get(name) or ([first[name]] if name in first else [])

    def duplicate(job, records):
        ids = ', '.join(str(r.get('id')) for r in records)
        return {'name': job['name'], 'reason': '%s %r exists %d times in ClearIP after this run (ids %s): a duplicate. Keep one '
                                               'and delete the others in ClearIP; another sync of the same ClearIP account '
                                               'from another machine is the likely cause' % (kind, job['name'], len(records), ids)}

    confirmed = []
    for job, record in created:
        records = held(job['name'])
        if len(records) > 1:
            failed.append(duplicate(job, records))
        else:
            # Missing right after its create would be someone else's delete: the create itself is confirmed.
            confirmed.append((job, record))
    still_unknown = []
    for job, error in unknown:
        records = held(job['name'])
        if len(records) > 1:
            failed.append(duplicate(job, records))
        elif len(records) == 1 and (not parent_field or _ref_id(records[0].get(parent_field)) == job.get('parent_id')):
            confirmed.append((job, records[0]))
        elif len(records) == 1:
            failed.append({'name': job['name'], 'reason': '%s %r: %s; it now exists under another %s (id %s)'
                           % (kind, job['name'], UNKNOWN_OUTCOME, sync.PARENT_KIND[kind], _ref_id(records[0].get(parent_field)))})
        else:
            still_unknown.append((job, error))
            failed.append({'name': job['name'], 'reason': error})
    return confirmed, failed, still_unknown


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

    def __init__(self, timeout=DEFAULT_LOCK_TIMEOUT, directory=None, clock=time.time, sleep=time.sleep):
        self.timeout = max(0, int(timeout if timeout is not None else DEFAULT_LOCK_TIMEOUT))
        self.directory = directory
        self.clock = clock
        self.sleep = sleep
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
        return '\n'.join((redact_url(client.url).rstrip('/').lower(), 'account', (client._email or '').lower()))

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
            keys.append('\n'.join((redact_url(client.url).rstrip('/').lower(), 'operator', client.operator_id)))
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
                               'lock_timeout' % (client._email, redact_url(client.url), holder, path, int(waited)))
            self.sleep(LOCK_POLL_SECONDS)
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


# At most this many lines of names (and their parents) in a diff, so that a dry run of 10,000 Users
# prints a screenful, not 10,000 lines; the report lists every name.
DIFF_MAX_LINES = 30


def name_diff(kind, existing_names, created_names, parent_of=None, max_lines=DIFF_MAX_LINES):
    """The diff of one tier: how many requested objects exist, then the new names grouped by parent.

    ``parent_of`` maps a created name to its parent's name (None for Service Providers). Parents
    are sorted and so are the names under each. After ``max_lines`` lines (names and parent
    headings) the rest is one line that says how many names (and parents) are not shown.
    Returns ``{'before', 'after', 'before_header', 'after_header'}`` as Ansible's diff wants it.
    """
    parent_of = parent_of or {}
    parent_kind = sync.PARENT_KIND[kind]
    by_parent = {}
    for name in created_names:
        by_parent.setdefault(parent_of.get(name), []).append(name)
    parents = sorted(by_parent, key=lambda parent: (parent is not None, parent or ''))
    lines = []
    shown = 0
    shown_parents = 0
    for parent in parents:
        if len(lines) >= max_lines - (1 if parent_kind is not None else 0):
            break   # room for a heading and at least one name under it
        if parent_kind is not None:
            lines.append('in %s %s:' % (parent_kind, parent))
        shown_parents += 1
        for name in sorted(by_parent[parent]):
            if len(lines) >= max_lines:
                break
            lines.append('  %s' % name if parent_kind is not None else name)
            shown += 1
    left = len(created_names) - shown
    if left:
        more_parents = len(parents) - shown_parents
        lines.append('... and %d more new %ss%s not shown; the result (and the sync\'s report) lists them all'
                     % (left, kind, ' (under %d more %ss)' % (more_parents, parent_kind) if more_parents and parent_kind else ''))
    count = '%d requested %ss exist' % (len(existing_names), kind)
    header = 'ClearIP %ss (of those requested)' % kind
    return {'before': count + '\n', 'after': ''.join('%s\n' % line for line in [count] + lines),
            'before_header': header, 'after_header': header}


def failure_message(kind, result, total):
    failed = result['failed_items']
    shown = '; '.join(item['reason'] for item in failed[:5])
    more = ' (and %d more, see failed_items)' % (len(failed) - 5) if len(failed) > 5 else ''
    return '%d of %d %ss could not be done: %s%s' % (len(failed), total, kind, shown, more)


def run_module(module, kind, desired_from_options):
    """The whole life of one create module: input, login, plan, creates, result."""
    # First of all, so that no result, message, comment or invocation holds credentials written into a URL.
    protect_url_options(module, ('url', 'comment_source'))
    if not HAS_REQUESTS:
        module.fail_json(msg=missing_required_lib('requests'), exception=REQUESTS_IMPORT_ERROR)
    params = module.params
    try:
        if params.get('src'):
            desired = load_src(kind, params['src'])
        else:
            desired = desired_from_options(params)
    except InputError as exc:
        module.fail_json(msg=str(exc))
    for item in desired:
        if item.get('comment') is None:
            item['comment'] = params.get('comment')
    listings = ListingFiles(params['listing_dir']) if params.get('listing_dir') else None
    lock = AccountLock(timeout=params.get('lock_timeout'))
    try:
        client = client_from_params(params)
        progress = None
        if params.get('progress_path'):
            progress = ProgressLog(params['progress_path'], '%ss' % kind, interval=params.get('progress_interval', DEFAULT_INTERVAL))
        result = run_tier(client, kind, desired, check_mode=module.check_mode, pending_parents=params.get('pending_parents'),
                          comment_source=params.get('comment_source'), return_objects=params.get('return_objects', True),
                          want_diff=module._diff, progress=progress, on_listing=listings, lock=lock)
    except (ClearIPError, HttpError) as exc:
        lock.release()
        # No failed_items here: a caller tells "some items failed" from "the whole call failed" by it.
        module.fail_json(msg=_error_message(exc), changed=False)
    except (OSError, IOError, NetSapiensError) as exc:
        lock.release()
        module.fail_json(msg='cannot write the ClearIP listings to listing_dir %s: %s' % (params['listing_dir'], exc), changed=False)
    # Everything this module writes is written: the lock can go before the result is sent.
    lock.release()
    if listings is not None:
        result['listing_files'] = listings.files
    if result['failed_items']:
        module.fail_json(msg=failure_message(kind, result, len(desired)), **result)
    module.exit_json(**result)
