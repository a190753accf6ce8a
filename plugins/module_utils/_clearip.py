# -*- coding: utf-8 -*-
# Copyright: (c) 2026, clearip.netsapiens contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The ClearIP API client: login and tokens, the operator, listings, creates. Internal use only.

Every ClearIP wire detail of a request (paths, envelopes, query parameters, token handling, how a
refused login reads) lives in this file, and the field names of the objects in ``_clearip_records``,
so a real server that disagrees with the contract is a one-line change in one of the two. Retries of
single requests belong to ``_http.HttpSession``. The client never touches an AnsibleModule.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import json
import threading
import time

from ansible_collections.clearip.netsapiens.plugins.module_utils._clearip_errors import (
    ClearIPError, ClearIPLoginError, LoginRefused, error_message, explain_login_refusal, server_message)
from ansible_collections.clearip.netsapiens.plugins.module_utils._clearip_records import (
    PARENT_ID_FIELD, USER_ID_FIELD, ref_id)
from ansible_collections.clearip.netsapiens.plugins.module_utils._concurrency import run_workers
from ansible_collections.clearip.netsapiens.plugins.module_utils._control import RunStopped
from ansible_collections.clearip.netsapiens.plugins.module_utils._http import HttpError, HttpSession, OutcomeUnknown, Refused
from ansible_collections.clearip.netsapiens.plugins.module_utils._kinds import GROUP, PARENT_KIND, SERVICE_PROVIDER, USER
from ansible_collections.clearip.netsapiens.plugins.module_utils._options import (
    CLEARIP_DEFAULT_URL, DEFAULT_MAX_WORKERS, DEFAULT_TIMEOUT, MAX_MAX_WORKERS)
from ansible_collections.clearip.netsapiens.plugins.module_utils._urls import shown_url, strip_userinfo

DEFAULT_URL = CLEARIP_DEFAULT_URL
LOGIN_PATH = '/auth/login'
REFRESH_PATH = '/auth/refresh'
OPERATORS_PATH = '/operators'
# Answers to POST /auth/login that mean no login endpoint is there at all (a wrong URL), not a refusal.
NOT_A_LOGIN_STATUSES = (404, 405)

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
# At most this many records are fetched ahead of need (pages held whole until read in order): 8 pages of 500,
# 16 of 250. Enough to keep a slow link busy; little against a 100,000-User listing's memory.
PREFETCH_RECORDS = 4000
# A listing that changed under the reader this many times in a row is given up with an error.
MAX_LISTING_PASSES = 5

UNKNOWN_OUTCOME = 'outcome unknown'
# A create whose outcome is unknown is looked up this many request timeouts after the client gave up
# on it (and sent again only when absent): a commit still in flight then has had longer than any
# request may take to land (docs/reliability.md says what a server would have to do to defeat this).
UNKNOWN_OUTCOME_GRACE_TIMEOUTS = 1.5
# What create() and create_many() say of each create.
CREATED, FOUND, UNKNOWN, FAILED, STOPPED = 'created', 'found', 'unknown', 'failed', 'stopped'

ACTIVE = 'active'

# kind -> (path, plural envelope of answers, singular envelope of create bodies)
COLLECTIONS = {
    SERVICE_PROVIDER: ('/serviceProviders', 'serviceProviders', 'serviceProvider'),
    GROUP: ('/groups', 'groups', 'group'),
    USER: ('/users', 'users', 'user'),
}

# GET /sipMessages (documented; _clearip_records reads each message's userId).
# The window goes both as the documented ``from`` and as where filters; the upper bound keeps
# skip-based paging stable while new calls arrive during the listing.
SIP_MESSAGES_PATH = '/sipMessages'
SIP_MESSAGES_PLURAL = 'sipMessages'
SIP_MESSAGE_TIME_FIELD = 'timestamp'
SIP_MESSAGE_FROM_PARAM = 'from'
SIP_MESSAGE_SORT = 'timestamp DESC'


class ClearIPClient(object):
    """A logged-in ClearIP API session, safe to share between the create workers."""

    def __init__(self, url, email, password, operator=None, validate_certs=True, ca_path=None, timeout=DEFAULT_TIMEOUT,
                 max_workers=DEFAULT_MAX_WORKERS, session=None, clock=time.time, sleep=time.sleep,
                 page_limit=PAGE_LIMIT, unknown_outcome_grace=None, control=None, login_guard=None, page_window=None):
        """``control``: the run's ``_control.RunControl`` (its waits end early when the run stops); ``login_guard``: None,
        or an object whose ``check()`` raises ``ClearIPLoginError`` instead of a login that must not be sent, and that is
        told ``refused(LoginRefused)`` and ``succeeded()`` (``_sync_state.LoginMemory``); ``unknown_outcome_grace``:
        seconds before a create whose outcome is unknown is looked up (default 1.5 request timeouts); ``page_window``:
        how many pages of one listing are asked at once (default ``max_workers``)."""
        # A user:password@ in the URL is never used (Bearer tokens) nor shown: see module_utils/_urls.py.
        self.url = strip_userinfo((url or DEFAULT_URL).strip()).rstrip('/')
        self.email = email
        self._password = password
        self.operator_option = operator
        self.operator_id = None
        self.operator_name = None
        self.max_workers = max(1, min(MAX_MAX_WORKERS, int(max_workers or 1)))
        self.clock = clock
        self._real_sleep = control.wait if control is not None else sleep
        self.page_limit = int(page_limit)
        # How many pages of one listing may be asked at once (default max_workers; 1: one after another).
        self.page_window = max(1, int(page_window if page_window is not None else self.max_workers))
        self.login_guard = login_guard
        # One 429's Retry-After holds back every worker: the session's concurrency limit pauses (_http).
        self.session = session or HttpSession(self.url, timeout=timeout, validate_certs=validate_certs,
                                              ca_path=ca_path, sleep=self._real_sleep, control=control,
                                              max_in_flight=self.max_workers)
        self.unknown_outcome_grace = float(unknown_outcome_grace if unknown_outcome_grace is not None
                                           else UNKNOWN_OUTCOME_GRACE_TIMEOUTS * (getattr(self.session, 'timeout', None) or timeout))
        self._auth_lock = threading.RLock()
        self._token = None
        self._token_issued = None
        self._lifetime = TOKEN_LIFETIME
        self._refused = None
        self.stats = {'logins': 0, 'refreshes': 0, 'relogins_after_401': 0, 'lookups': 0, 'refused_creates': 0,
                      'listing_restarts': 0}

    # -- authentication --------------------------------------------------------------------------
    def login(self):
        """Log in with email and password; a refusal raises LoginRefused and is never retried."""
        with self._auth_lock:
            if self._refused is not None:
                raise self._refused
            if self.login_guard is not None:
                self.login_guard.check()
            self.stats['logins'] += 1
            # 4xx other than 429 come back as answers, so the refusal text can be read in full.
            expect = (200, 201) + tuple(s for s in range(400, 500) if s != 429)
            try:
                # Not counted by the concurrency limit: made under the token lock, which slot holders may wait for.
                resp = self.session.request('POST', LOGIN_PATH, json={'email': self.email, 'password': self._password},
                                            idempotent=False, expect=expect, limited=False)
            except OutcomeUnknown as exc:
                raise ClearIPLoginError('ClearIP login failed: %s. The login is not retried, because failed logins lock the account' % exc)
            except HttpError as exc:
                raise ClearIPLoginError('ClearIP login failed: %s' % exc)
            if resp.status in NOT_A_LOGIN_STATUSES:
                # Nothing at /auth/login takes a POST: the URL is not ClearIP's API. Not a refused login, so it is
                # not remembered as one (the account was never asked).
                # The URL as reports show it: a token in its query is as secret as userinfo.
                shown = shown_url(self.url).rstrip('/')
                raise ClearIPLoginError('ClearIP login failed: POST %s%s answered HTTP %d: there is no ClearIP API at %s. '
                                        'Check url (config.json clearip.url, CLEARIP_URL; the default is %s)'
                                        % (shown, LOGIN_PATH, resp.status, shown, DEFAULT_URL))
            if resp.status >= 400:
                message = server_message(resp.text)
                reason, fix = explain_login_refusal(resp.status, message)
                self._refused = LoginRefused('ClearIP refused the login of %s (HTTP %d: %s). Likely fix: %s'
                                             % (self.email, resp.status, message or 'no message', fix), reason, resp.status)
                if self.login_guard is not None:
                    self.login_guard.refused(self._refused)
                raise self._refused
            self._store_token(resp)
            if self.login_guard is not None:
                self.login_guard.succeeded()

    def _store_token(self, resp):
        try:
            token = resp.json().get('token')
        except (HttpError, AttributeError):
            token = None
        if not isinstance(token, str) or not token:
            raise ClearIPLoginError('%s answered HTTP %d without a token' % (resp.describe(), resp.status))
        self._token = token
        self._token_issued = self.clock()

    def _refresh(self):
        """Swap the token for a new one; any failure falls back to one login."""
        self.stats['refreshes'] += 1
        try:
            resp = self.session.request('POST', REFRESH_PATH, json={}, headers=self._bearer(self._token), idempotent=False,
                                        limited=False)
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
        """The Authorization header for the attempt about to be sent (HttpSession calls it before each one,
        after any pause or backoff), so a retry after a Retry-After never sends a token that expired while it waited.
        """
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

    def _list_pages(self, path, plural, where, sort, with_operator=True, shape=None):
        """Every record of a paged list, read so that a list changed by others is never read with a gap.

        ``shape``: None (whole records), or a function applied to each record as its page arrives
        (``_clearip_records.listing_shape``), so that a listing of 100,000 Users holds only what its reader uses.
        Raises ClearIPError when the list kept changing for MAX_LISTING_PASSES passes.
        """
        params = {'limit': self.page_limit, 'sort': sort}
        for field, value in sorted((where or {}).items()):
            params['where[%s]' % field] = value
        if with_operator:
            params = self._operator_params(params)
        for dummy in range(MAX_LISTING_PASSES):
            records = self._list_pass(path, plural, params, shape, few=bool(where))
            if records is not None:
                return records
            self.stats['listing_restarts'] += 1
        raise ClearIPError('GET %s%s: the list changed under the reader %d times in a row (objects removed while it was '
                           'paged through), so it cannot be trusted; nothing was created from it. Run again when ClearIP '
                           'is quieter' % (self.url, path, MAX_LISTING_PASSES))

    def _list_pass(self, path, plural, params, shape=None, few=False):
        """One pass over the list, or None when it changed under the reader (then the caller starts again).

        Each page after the first is asked from one record before where the last one ended, and
        must hold that record (the previous page's last, by id). Skip counts positions in the
        current list: if an object before that record was removed, the record moved forward and
        the page does not hold it, so the pass is abandoned instead of silently missing the
        record that slid across the boundary. Objects added before it only push it further into
        the page; the repeats are dropped by id. The end of the list is an empty page (the
        contract: a page may be short while more remain), confirmed by the last record still
        being where it was. ``few``: a filtered lookup, which usually fits one short page: after a
        first page shorter than asked, the end is probed at once (then confirmed the same way), which
        saves the page that would hold only the overlapping record.
        """
        records = []
        seen = set()
        received = 0          # position just past the last record read, in the list as it is now
        last = None           # key of that record
        ahead = {}            # skip -> (page, error): pages fetched at once, before they were needed
        window = 1
        size_before = None
        for dummy in range(MAX_PAGES):
            skip = received - 1 if last is not None else 0
            page = self._page_from(ahead, path, plural, params, skip)
            if last is None:
                if not page:
                    return records
                fresh = page
                if few and len(page) < self.page_limit and self._ends_after(path, plural, params, page):
                    return [shape(r) if shape else r for r in _unique(page, path, self.url)]
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
                records.append(shape(record) if shape else record)
            received = skip + len(page)
            last = _record_key(page[-1])
            size = len(page)
            if not ahead and self.page_window > 1 and size >= 2 and (size >= self.page_limit or size == size_before):
                # The server gives pages of ``size``: the next ones are asked at once, each from one record before
                # where the one before it would end, exactly where this loop will ask for them. The window doubles
                # each time it was used up, to at most page_window pages and PREFETCH_RECORDS records (the
                # concurrency limit decides how many are in flight).
                window = min(self.page_window, max(2, PREFETCH_RECORDS // size), window * 2)
                ahead = self._fetch_ahead(path, plural, params, [received - 1 + n * (size - 1) for n in range(window)])
            size_before = size
        raise ClearIPError('GET %s%s: more than %d pages; giving up' % (self.url, path, MAX_PAGES))

    def _ends_after(self, path, plural, params, page):
        """Whether the list is ``page`` and nothing more: an empty page after it, then its last record still in place."""
        if self._get_page(path, plural, params, len(page)):
            return False
        check = self._get_page(path, plural, params, len(page) - 1)
        return bool(check) and _record_key(check[0]) == _record_key(page[-1])

    def _page_from(self, ahead, path, plural, params, skip):
        """The page at ``skip``: fetched ahead when it was, else now (and what was fetched ahead is dropped, since
        the list did not go as predicted: a short page, or objects added before the boundary)."""
        if skip in ahead:
            page, error = ahead.pop(skip)
            if error is not None:
                raise error
            return page
        ahead.clear()
        return self._get_page(path, plural, params, skip)

    def _fetch_ahead(self, path, plural, params, skips):
        """``{skip: (page, error)}`` of the pages at ``skips``, fetched at the same time."""
        results = self.concurrently([lambda skip=skip: self._get_page(path, plural, params, skip) for skip in skips])
        return dict(zip(skips, results))

    def concurrently(self, calls):
        """``[(value, error)]`` of the callables ``calls``, each in a thread of its own (the session's concurrency
        limit decides how many requests are in flight); a stopped run raises ``RunStopped`` without waiting for them."""
        results = [(None, None)] * len(calls)
        if len(calls) == 1:
            try:
                return [(calls[0](), None)]
            except Exception as exc:  # pylint: disable=broad-except
                return [(None, exc)]

        def run(index, call):
            try:
                results[index] = (call(), None)
            except Exception as exc:  # pylint: disable=broad-except
                results[index] = (None, exc)
        threads = [threading.Thread(target=run, args=(index, call), name='clearip-fetch-%d' % index)
                   for index, call in enumerate(calls)]
        for thread in threads:
            thread.daemon = True
            thread.start()
        control = getattr(self.session, 'control', None)
        for thread in threads:
            while thread.is_alive():
                thread.join(0.25)
                if control is not None:
                    control.check()
        return results

    def list(self, kind, where=None, shape=None):
        """Every object of ``kind`` (optionally filtered by exact field values, each optionally passed through ``shape``)."""
        path, plural = COLLECTIONS[kind][0], COLLECTIONS[kind][1]
        self.resolve_operator()
        return self._list_pages(path, plural, where, LIST_SORT, shape=shape)

    def ensure_login(self):
        """Log in (or check the token is fresh) and resolve the operator now, before anything is listed.

        Lets a caller tell a login failure from a failed listing. Raises LoginRefused or ClearIPError.
        """
        self._fresh_token()
        return self.resolve_operator()

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
        singular = COLLECTIONS[kind][2]
        parent_field = PARENT_ID_FIELD[kind]
        obj = {'name': name, 'status': ACTIVE, 'comment': comment or ''}
        if parent_field:
            obj[parent_field] = parent_id
        if kind == USER:
            obj[USER_ID_FIELD] = user_id if user_id is not None else name
        body = {singular: obj}
        if self.operator_id:
            body['operator'] = self.operator_id
        return body

    def create(self, kind, name, parent_id=None, comment=None, user_id=None):
        """Send one create; returns ``(outcome, record, cause)``. Only the tier's closing listing proves a create
        (``_sync_apply.confirm_tier``); this says what the server answered:

        - ``CREATED``, the object: ClearIP answered with it (acknowledged).
        - ``FOUND``, the object: ClearIP refused the request without handling it (503, or a connection that
          never carried it: ``_http``), and a lookup found the object, under exactly this name and parent.
          Absent, the create is sent again after a backoff, at most ``retries`` times.
        - ``UNKNOWN``, None, why: the outcome is unknown (no whole answer within ``timeout``, a connection lost
          after sending, 500/502/504, an unreadable answer or one without the object). It is not sent again
          here: ``_sync_apply`` waits ``unknown_outcome_grace`` seconds, looks it up, and sends it once more
          only when it is absent.

        Raises ``ClearIPError`` (a create ClearIP refused for good: a 4xx, 503 more often than the retries, the
        name held under another parent), ``LoginRefused``, ``RunStopped``.
        """
        path, plural = COLLECTIONS[kind][0], COLLECTIONS[kind][1]
        body = self.create_body(kind, name, parent_id, comment, user_id)
        refusals = 0
        while True:
            try:
                resp = self.request('POST', path, body=body, idempotent=False, want_json=True)
            except Refused as exc:
                refusals += 1
                self.stats['refused_creates'] += 1
                found = self.lookup(kind, name, parent_id, 'after %s' % exc)
                if found is not None:
                    return FOUND, found, None
                if refusals > self.session.retries:
                    raise ClearIPError('%s %r: ClearIP refused the create %d times without handling it (%s); not created in '
                                       'this run' % (kind, name, refusals, exc))
                self.session.sleep(self.session.backoff_delay(refusals - 1))
                continue
            except OutcomeUnknown as exc:
                return UNKNOWN, None, str(exc)
            answer = resp.json() if (resp.text or '').strip() else None
            created = answer.get(plural) if isinstance(answer, dict) else None
            if isinstance(created, list) and len(created) == 1 and isinstance(created[0], dict):
                return CREATED, created[0], None
            return UNKNOWN, None, 'POST %s%s answered HTTP %d without the created object' % (self.url, path, resp.status)

    def wait(self, seconds):
        """Sleep ``seconds``, less when the run stops meanwhile."""
        self._real_sleep(seconds)

    def find_exact(self, kind, name, shape=None):
        """The objects of ``kind`` named exactly ``name`` (the server filters with ``where[name]``; whatever it
        matched, only an exact, case-sensitive match counts here), each passed through ``shape`` when given."""
        found = [record for record in self.list(kind, where={'name': name}) if record.get('name') == name]
        return [shape(record) for record in found] if shape else found

    def find_children(self, kind, parent_id, shape=None):
        """The objects of ``kind`` (a Group or a User) whose parent is exactly ``parent_id`` (``where[serviceProvider]``
        or ``where[group]``: a server that ignores or widens the filter costs time, never a wrong answer)."""
        field = PARENT_ID_FIELD[kind]
        found = [record for record in self.list(kind, where={field: parent_id}) if ref_id(record.get(field)) == parent_id]
        return [shape(record) for record in found] if shape else found

    def find_user_id(self, user_id, shape=None):
        """The Users whose User ID is exactly ``user_id`` (``where[userId]``, compared exactly here)."""
        found = [record for record in self.list(USER, where={USER_ID_FIELD: user_id}) if record.get(USER_ID_FIELD) == user_id]
        return [shape(record) for record in found] if shape else found

    def lookup(self, kind, name, parent_id, why):
        """The one object of this name under ``parent_id``, or None; held elsewhere or twice is an error naming it."""
        self.stats['lookups'] += 1
        found = self.find_exact(kind, name)
        parent_field = PARENT_ID_FIELD[kind]
        mine = [record for record in found if not parent_field or ref_id(record.get(parent_field)) == parent_id]
        if len(found) > 1:
            raise ClearIPError('%s %r: ClearIP holds %d objects of that name (ids %s) %s; resolve by hand'
                               % (kind, name, len(found), ', '.join(str(r.get('id')) for r in found), why))
        if found and not mine:
            raise ClearIPError('%s %r exists under another %s (id %s) %s' % (
                kind, name, PARENT_KIND[kind], ref_id(found[0].get(parent_field)), why))
        return mine[0] if mine else None

    def create_many(self, kind, jobs, progress=None, shape=None):
        """Create ``jobs`` (``{name, parent_id, comment, user_id}``) with at most ``max_workers`` in flight.

        Returns one ``(job, outcome, record, message)`` per job, in the given order: ``outcome`` is ``CREATED``,
        ``FOUND`` or ``UNKNOWN`` (``create``), ``FAILED`` (``message`` says why; a refused login fails every create
        not yet started) or ``STOPPED`` (not attempted: the run stopped). Records are passed through
        ``shape`` when given (as ``list`` does). ``progress`` (a ``_progress.ProgressLog``) is told of each job
        done, and ticked every second while creates are under way.
        """
        results = [None] * len(jobs)
        stop = threading.Event()
        lock = threading.Lock()
        next_index = [0]
        control = getattr(self.session, 'control', None)

        def one():
            with lock:
                index = next_index[0]
                next_index[0] += 1
            if index >= len(jobs):
                return False
            job = jobs[index]
            if stop.is_set():
                results[index] = (job, FAILED, None, 'not attempted: %s' % self._refused)
            elif control is not None and control.stopped:
                results[index] = (job, STOPPED, None, 'not attempted: %s' % control.reason)
            else:
                results[index] = self._create_job(kind, job, shape, stop)
            if progress is not None:
                progress.done(results[index][1] in (CREATED, FOUND))
            return True

        if progress is not None:
            progress.begin(len(jobs))
        # max_workers creating threads, queued on the session's adaptive limit (not fewer when it falls, unlike the
        # readers: a burst of refusals is then spread over as many creates as before, each with its own retries); a
        # slow create (timeouts, retries) still gets its progress line on time.
        run_workers(one, min(self.max_workers, len(jobs)), name='clearip-create',
                    tick=progress.tick if progress is not None else None)
        if progress is not None:
            progress.finish()
        return results

    def _create_job(self, kind, job, shape, stop):
        """One result of ``create_many``."""
        try:
            outcome, record, cause = self.create(kind, job['name'], job.get('parent_id'), job.get('comment'), job.get('user_id'))
            shaped = shape(record) if shape and record is not None else record
        except LoginRefused as exc:
            stop.set()
            return job, FAILED, None, str(exc)
        except RunStopped as exc:
            return job, STOPPED, None, 'not attempted: %s' % exc.reason
        except (ClearIPError, HttpError) as exc:
            return job, FAILED, None, error_message(exc)
        except Exception as exc:  # pylint: disable=broad-except
            return job, FAILED, None, 'unexpected error: %s: %s' % (type(exc).__name__, exc)
        if outcome == UNKNOWN:
            return job, UNKNOWN, None, '%s %r: %s (%s)' % (kind, job['name'], UNKNOWN_OUTCOME, cause)
        return job, outcome, shaped, None


def _unique(page, path, url):
    """The records of one page, each once (by id); an item that is not an object is an error."""
    seen = set()
    out = []
    for record in page:
        if not isinstance(record, dict):
            raise ClearIPError('GET %s%s: the page at skip=0 holds items that are not objects' % (url, path))
        key = _record_key(record)
        if key not in seen:
            seen.add(key)
            out.append(record)
    return out


def _record_key(record):
    """What tells list records apart: the id, or the whole record when it has none.

    A text id is its own key (the record's string, not a new one: a listing of 100,000 Users keeps
    a set of them); other ids and whole records get a prefix no UUID has.
    """
    if isinstance(record, dict) and record.get('id') is not None:
        record_id = record['id']
        return record_id if isinstance(record_id, str) and not record_id.startswith(('id:', 'record:')) else 'id:%s' % record_id
    return 'record:%s' % json.dumps(record, sort_keys=True, default=str)
