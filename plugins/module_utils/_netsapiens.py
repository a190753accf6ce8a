# -*- coding: utf-8 -*-
# Copyright: (c) 2026, clearip.netsapiens contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The NetSapiens API client: OAuth2 or API key, API v2 with a v1 fallback, safe paging. Internal use only.

Every NetSapiens wire detail of a request (paths, parameters, token grants) lives in this file, and
the records' field names in ``_netsapiens_records``, so that a real server that disagrees with the
contract is a one-line change in one of the two. Retries of single requests belong to
``_http.HttpSession``. The client never touches an AnsibleModule.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import json
import re
import threading
import time

from ansible_collections.clearip.netsapiens.plugins.module_utils._concurrency import run_workers
from ansible_collections.clearip.netsapiens.plugins.module_utils._http import HttpError, HttpSession
from ansible_collections.clearip.netsapiens.plugins.module_utils._netsapiens_records import (
    FIELD_MAPS, NetSapiensError, cut_user, normalize_record, redacted, sort_records)
from ansible_collections.clearip.netsapiens.plugins.module_utils._options import (
    DEFAULT_MAX_WORKERS, DEFAULT_TIMEOUT, NETSAPIENS_DEFAULT_PAGE_SIZE, NETSAPIENS_MAX_PAGE_SIZE, OAUTH_OPTIONS)
from ansible_collections.clearip.netsapiens.plugins.module_utils._urls import strip_userinfo

try:
    from urllib.parse import quote
except ImportError:  # pragma: no cover
    from urllib import quote  # type: ignore

# -- wire details ------------------------------------------------------------------------------
# Token endpoints, tried in this order under token_endpoint=auto (the first that answers anything but
# TOKEN_FALLBACK_STATUSES is kept for the rest of the run). 'v2' is the one in the published API v2
# description (v45.0): JSON body, errors {code, message}. 'legacy' is the form-encoded OAuth2 endpoint
# of older cores (v41 to v43), not in that description. Open-source NetSapiens clients try v2 first
# and fall back to the legacy one on 404 (see /work/shared/api-contract.md, Authentication).
TOKEN_ENDPOINTS = {
    'v2': ('/ns-api/v2/tokens', 'json'),
    'legacy': ('/ns-api/oauth2/token/', 'form'),
}
TOKEN_ENDPOINT_ORDER = ('v2', 'legacy')
TOKEN_FALLBACK_STATUSES = (404,)
# Statuses a token endpoint answers with a body worth reading (the v2 description documents 400, 401,
# 403 and 404; OAuth2 servers answer 400 and 401).
TOKEN_ANSWER_STATUSES = (200, 400, 401, 403, 404)
V2_BASE = '/ns-api/v2'
V1_PATH = '/ns-api/'
# The v2 route whose 404 tells an older core (v1 only) from a current one.
V2_PROBE_PATH = V2_BASE + '/domains/count'
MAX_PAGE_SIZE = NETSAPIENS_MAX_PAGE_SIZE
DEFAULT_PAGE_SIZE = NETSAPIENS_DEFAULT_PAGE_SIZE

V2_ROUTES = {
    'reseller': '/resellers',
    'domain': '/domains',
    'connection': '/connections',
}
V1_OBJECTS = {
    'reseller': 'reseller',
    'domain': 'domain',
    'user': 'subscriber',
    'connection': 'connection',
}

# Refresh this long before the token expires (capped to a tenth of its lifetime for short tokens).
TOKEN_SAFETY_MARGIN = 60.0


class NetSapiensTokenError(NetSapiensError):
    """Getting an access token failed (any answer or transport failure of a token endpoint), or the API key
    was refused: the run cannot go on with these credentials (stage ``netsapiens_login``).

    Its own type, and never an ``HttpError``, so that no handler of a resource's answer (the version
    probe's 404, a dial plan's 404, a count) can take a token failure for something else.
    """


def _record_key(item):
    """What makes two raw records of a list the same record when paging: their JSON, with a null field counted as
    absent, since a server may leave a field without a value out or send it null (api-contract.md) and need not do
    it the same way on every page."""
    if isinstance(item, dict):
        item = dict((k, v) for k, v in item.items() if v is not None)
    return json.dumps(item, sort_keys=True, default=str)


def normalize_base_url(host):
    """``pbx.example.com`` -> ``https://pbx.example.com``; a full URL keeps its scheme and port.

    A pasted API URL (``.../ns-api`` or ``.../ns-api/v2``) is cut back to the server root, and a
    ``user:password@`` in it is dropped (see module_utils/userinfo.py: the API takes a Bearer token).
    """
    value = strip_userinfo((host or '').strip())
    if not value:
        raise NetSapiensError('host is empty: give the NetSapiens host name or base URL')
    if not re.match(r'^https?://', value, re.I):
        value = 'https://' + value
    value = value.rstrip('/')
    value = re.sub(r'/ns-api(/v\d+)?$', '', value)
    return value


class NetSapiensClient(object):
    """Reads resellers, domains, users and connections. Safe to share between threads."""

    def __init__(self, host, client_id=None, client_secret=None, username=None, password=None, api_key=None,
                 api_version='auto', validate_certs=True, ca_path=None, timeout=DEFAULT_TIMEOUT, page_size=DEFAULT_PAGE_SIZE,
                 max_workers=DEFAULT_MAX_WORKERS, http=None, sleep=None, clock=time.monotonic, token_endpoint='auto',
                 control=None):
        self.base_url = normalize_base_url(host)
        self.client_id = client_id
        self.client_secret = client_secret
        self.username = username
        self.password = password
        self.api_key = api_key
        if api_version not in ('auto', 'v2', 'v1'):
            raise NetSapiensError('api_version must be auto, v2 or v1, not %r' % (api_version,))
        self.requested_version = api_version
        if token_endpoint not in ('auto',) + TOKEN_ENDPOINT_ORDER:
            raise NetSapiensError('token_endpoint must be auto, %s, not %r' % (', '.join(TOKEN_ENDPOINT_ORDER), token_endpoint))
        self.requested_token_endpoint = token_endpoint
        self._check_credentials()
        if page_size is None or int(page_size) < 1 or int(page_size) > MAX_PAGE_SIZE:
            raise NetSapiensError('page_size must be between 1 and %d, not %r' % (MAX_PAGE_SIZE, page_size))
        self.page_size = int(page_size)
        if max_workers is None or int(max_workers) < 1:
            raise NetSapiensError('max_workers must be at least 1, not %r' % (max_workers,))
        self.max_workers = int(max_workers)
        self.http = http or HttpSession(self.base_url, timeout=timeout, validate_certs=validate_certs,
                                        ca_path=ca_path, sleep=sleep, control=control, max_in_flight=self.max_workers)
        self.clock = clock
        self._lock = threading.Lock()
        # Held while the version is probed, so that threads asking at once (the sync's readers, the event subscription's
        # health read beside them) wait for one probe instead of each sending their own.
        self._probe_lock = threading.Lock()
        self._version = 'v2' if api_key else (None if api_version == 'auto' else api_version)
        self._access_token = None
        self._refresh_token = None
        self._expires_at = None
        # The token endpoint in use: forced by the option, else learnt from the first answer (auto).
        self._token_endpoint = None if token_endpoint == 'auto' else token_endpoint
        self.token_grants = {'password': 0, 'refresh_token': 0}

    def _check_credentials(self):
        oauth = [name for name in OAUTH_OPTIONS if getattr(self, name)]
        if self.api_key:
            if oauth:
                raise NetSapiensError('give either api_key or the OAuth options (client_id, client_secret, username, '
                                      'password), not both; also set: %s' % ', '.join(oauth))
            if self.requested_version == 'v1':
                raise NetSapiensError('API keys only work with the NetSapiens API v2: use api_version auto or v2, '
                                      'or the OAuth options for a v1-only core')
            return
        missing = [name for name in OAUTH_OPTIONS if not getattr(self, name)]
        if missing:
            raise NetSapiensError('NetSapiens credentials are incomplete: give api_key, or all of client_id, client_secret, '
                                  'username and password (missing: %s)' % ', '.join(missing))

    def close(self):
        self.http.close()

    # -- authentication ------------------------------------------------------------------------
    def _bearer(self):
        if self.api_key:
            return self.api_key
        with self._lock:
            if self._access_token is None or (self._expires_at is not None and self.clock() >= self._expires_at):
                self._renew_token()
            return self._access_token

    def _token_expired(self, used_token):
        """A call was refused with ``used_token``: renew it once, unless another thread already did."""
        with self._lock:
            if self._access_token == used_token:
                self._renew_token()
            return self._access_token

    def _renew_token(self):
        if self._refresh_token:
            try:
                self._grant({'grant_type': 'refresh_token', 'client_id': self.client_id,
                             'client_secret': self.client_secret, 'refresh_token': self._refresh_token})
                return
            except NetSapiensError:
                # An expired or revoked refresh token is normal; the password grant decides.
                self._refresh_token = None
        self._grant({'grant_type': 'password', 'client_id': self.client_id, 'client_secret': self.client_secret,
                     'username': self.username, 'password': self.password})

    @property
    def token_endpoint(self):
        """``v2`` or ``legacy`` once a token endpoint answered (or was forced), else None."""
        return self._token_endpoint

    def _token_request(self, fields):
        """(answer, endpoint name) of one grant; the one place that knows the token endpoints' wire.

        Tries the endpoints of TOKEN_ENDPOINT_ORDER (or only the forced one) and keeps the first that
        answers anything but TOKEN_FALLBACK_STATUSES. Every failure, a transport failure included,
        raises NetSapiensTokenError.
        """
        names = (self._token_endpoint,) if self._token_endpoint else TOKEN_ENDPOINT_ORDER
        not_found = []
        for name in names:
            path, encoding = TOKEN_ENDPOINTS[name]
            body = {'json': fields} if encoding == 'json' else {'data': fields}
            try:
                # Asking for a token has no effect worth protecting, so it is retried like a read.
                # Not counted by the concurrency limit: made under the token lock, which slot holders may wait for.
                resp = self.http.request('POST', path, idempotent=True, expect=TOKEN_ANSWER_STATUSES, limited=False, **body)
            except HttpError as exc:
                raise NetSapiensTokenError('getting a NetSapiens access token failed: %s' % exc.message, status=exc.status)
            if resp.status in TOKEN_FALLBACK_STATUSES and self._token_endpoint is None:
                not_found.append('POST %s answered HTTP %d%s' % (path, resp.status, self.error_detail(resp)))
                continue
            self._token_endpoint = name
            return resp, name
        # Only under auto, when every endpoint answered 404: nothing is remembered, so a later grant tries them all again.
        raise NetSapiensTokenError(
            'NetSapiens has no token endpoint here: %s. Check host (the server root, such as https://pbx.example.com) '
            'and username; a core behind a proxy that blocks one of these paths needs token_endpoint set to the other '
            '(v2 or legacy)' % ' and '.join(not_found), status=404)

    def _grant(self, fields):
        grant = fields['grant_type']
        self.token_grants[grant] = self.token_grants.get(grant, 0) + 1
        resp, name = self._token_request(fields)
        where = 'POST %s' % TOKEN_ENDPOINTS[name][0]
        if resp.status != 200:
            raise NetSapiensTokenError(self._grant_error(resp, grant, where), status=resp.status)
        try:
            answer = resp.json()
        except HttpError as exc:
            raise NetSapiensTokenError('getting a NetSapiens access token failed: %s' % exc.message, status=resp.status)
        token = answer.get('access_token') if isinstance(answer, dict) else None
        if not token:
            raise NetSapiensTokenError('NetSapiens answered %s with HTTP 200 but no access_token (fields: %s)'
                                       % (where, ', '.join(sorted(answer)) if isinstance(answer, dict) else type(answer).__name__),
                                       status=200)
        self._access_token = token
        self._refresh_token = answer.get('refresh_token') or self._refresh_token
        self._expires_at = None
        try:
            lifetime = float(answer.get('expires_in'))
        except (TypeError, ValueError):
            lifetime = None
        if lifetime is not None and lifetime > 0:
            self._expires_at = self.clock() + lifetime - min(TOKEN_SAFETY_MARGIN, lifetime / 10.0)

    @staticmethod
    def _error_body(resp):
        try:
            body = resp.json()
        except HttpError:
            return {}
        return body if isinstance(body, dict) else {}

    @classmethod
    def error_detail(cls, resp):
        """`` (message)`` from an OAuth2 (error_description) or v2 (message) error body, or ''."""
        body = cls._error_body(resp)
        detail = body.get('error_description') or body.get('message')
        return ' (%s)' % detail if detail else ''

    def _grant_error(self, resp, grant, where):
        code = self._error_body(resp).get('error')
        detail = self.error_detail(resp)
        if code == 'invalid_client':
            return ('NetSapiens rejected the OAuth client (HTTP %d invalid_client%s): check client_id and client_secret'
                    % (resp.status, detail))
        if code == 'invalid_grant' and grant == 'password':
            return ('NetSapiens rejected the user credentials (HTTP %d invalid_grant%s): check username and password'
                    % (resp.status, detail))
        if code == 'invalid_grant':
            return 'NetSapiens rejected the refresh token (HTTP %d invalid_grant%s)' % (resp.status, detail)
        if resp.status in TOKEN_FALLBACK_STATUSES:
            # Only a forced endpoint gets here (auto tries the next one). The v2 description also uses 404
            # for a record not found, so this may be an unknown user as well as a missing endpoint.
            return ('NetSapiens answered the %s grant at %s with HTTP %d%s: this core may not have that token endpoint '
                    '(set token_endpoint to auto), or it does not know the user (check username)'
                    % (grant, where, resp.status, detail))
        # The v2 endpoint answers {code, message}, which does not say which credential is wrong.
        return ('NetSapiens refused the %s grant at %s with HTTP %d%s%s: check client_id, client_secret, username and password'
                % (grant, where, resp.status, ' ' + code if isinstance(code, str) else '', detail))

    # -- calls ---------------------------------------------------------------------------------
    def call(self, method, path, params=None, data=None, json_body=None, idempotent=True, expect=(200, 204),
             want_json=False):
        """One authorised call (a read unless ``idempotent`` is False); a refused token is renewed once.

        The token is taken again before every attempt (HttpSession calls ``auth`` each time), so a
        retry after a wait never sends a token that expired meanwhile; after a 401 it is renewed
        only if the token that attempt sent is still the current one. ``want_json``: the answer
        must be JSON, and an unreadable body is retried like a 5xx (HttpSession).
        """
        sent = [None]

        def auth():
            sent[0] = self._bearer()
            return {'Authorization': 'Bearer %s' % sent[0]}

        for attempt in (1, 2):
            resp = self.http.request(method, path, params=params, data=data, json=json_body, auth=auth,
                                     idempotent=idempotent, expect=tuple(expect) + (401,), want_json=want_json)
            if resp.status != 401:
                return resp
            if self.api_key:
                raise NetSapiensTokenError('NetSapiens rejected the API key (HTTP 401 on %s %s): check api_key and its scope; '
                                           'API keys work only with API v2' % (method, path), status=401)
            if attempt == 2:
                raise NetSapiensError('NetSapiens refused a fresh access token (HTTP 401 on %s %s): the user %s may lack '
                                      'the scope to read this' % (method, path, self.username), status=401)
            self._token_expired(sent[0])
        raise AssertionError('unreachable')  # pragma: no cover

    @property
    def api_version(self):
        """``v2`` or ``v1``; decided once per client (``auto`` probes the v2 API once, whatever the threads asking)."""
        if self._version is None:
            with self._probe_lock:
                with self._lock:
                    decided = self._version
                if decided is None:
                    decided = self._probe_version()
                    with self._lock:
                        self._version = decided
        return self._version

    def prepare(self):
        """Decide the API version and get a token now (before concurrent reads, or to test the credentials)."""
        version = self.api_version
        self._bearer()
        return version

    def _probe_version(self):
        """``v2`` when GET V2_PROBE_PATH answers, ``v1`` when that call itself answers 404.

        Only the probe's own answer decides: the token is fetched before, and a token failure is a
        NetSapiensTokenError (never an HttpError), so a token endpoint's 404 cannot pass for an old core.
        """
        self._bearer()
        try:
            self.call('GET', V2_PROBE_PATH)
        except HttpError as exc:
            if exc.status == 404:
                return 'v1'
            raise
        return 'v2'

    def _json_list(self, resp, kind, source):
        if resp.status == 204 or not (resp.text or '').strip():
            return []
        payload = resp.json()
        if isinstance(payload, list):
            return payload
        if isinstance(payload, dict) and payload.get(FIELD_MAPS[self.api_version][kind][0][1]) is not None:
            # Some v1 cores answer a one-record read with the bare object.
            return [payload]
        raise NetSapiensError('%s answered with %s where a list of %s records was expected: %s'
                              % (source, type(payload).__name__, kind, redacted(payload)))

    def _count(self, kind, domain=None):
        """The server's own total, or None when it cannot tell."""
        try:
            if self.api_version == 'v2':
                resp = self.call('GET', self._v2_path(kind, domain) + '/count', want_json=True)
            else:
                form = {} if domain is None else {'domain': domain}
                resp = self.call('POST', V1_PATH, params=self._v1_query(kind, 'count'), data=form, want_json=True)
            total = resp.json().get('total')
            return int(total)
        except NetSapiensTokenError:
            raise
        except (HttpError, NetSapiensError, AttributeError, TypeError, ValueError):
            return None

    @staticmethod
    def _v1_query(kind, action):
        # Without format=json a v1 core answers XML.
        return {'format': 'json', 'object': V1_OBJECTS[kind], 'action': action}

    @staticmethod
    def _v2_path(kind, domain=None):
        if kind == 'user':
            return '%s/domains/%s/users' % (V2_BASE, quote(domain, safe=''))
        return V2_BASE + V2_ROUTES[kind]

    def _fetch_page(self, kind, start, limit, domain=None):
        """(records, description of the call) for one page."""
        if self.api_version == 'v2':
            path = self._v2_path(kind, domain)
            resp = self.call('GET', path, params={'start': start, 'limit': limit}, want_json=True)
            return self._json_list(resp, kind, 'GET %s' % path), 'GET %s' % path
        form = {'start': start, 'limit': limit}
        if domain is not None:
            form['domain'] = domain
        source = 'POST %s object=%s' % (V1_PATH, V1_OBJECTS[kind])
        resp = self.call('POST', V1_PATH, params=self._v1_query(kind, 'read'), data=form, want_json=True)
        return self._json_list(resp, kind, source), source

    def read_all(self, kind, domain=None):
        """Every ``kind`` record (normalised, sorted), paging until an empty page."""
        version = self.api_version
        raw_records, source = self.read_pages(lambda start, limit: self._fetch_page(kind, start, limit, domain),
                                              lambda: self._count(kind, domain),
                                              ' for domain %s' % domain if domain else '')
        records = [normalize_record(kind, version, raw, index, source, domain=domain)
                   for index, raw in enumerate(raw_records, 1)]
        return sort_records(kind, records)

    def read_pages(self, fetch_page, count, where=''):
        """(raw records, source) of a paged list: ``fetch_page(start, limit)`` -> (page, source); ``count()`` -> total or None."""
        start = 0
        raw_records = []
        seen = set()
        previous = None
        source = None
        while True:
            page, source = fetch_page(start, self.page_size)
            if not page:
                break
            keys = [_record_key(item) for item in page]
            fresh = [k for k in keys if k not in seen]
            if page == previous or not fresh:
                # Either the server ignores start (so it may hide records past its first page) or it
                # returned everything at once and ignores paging; only its own count can tell.
                total = count()
                if total is not None and total == len(seen):
                    break
                raise NetSapiensError(
                    '%s%s returned the same records again for start=%d (server ignores start): refusing to loop or '
                    'return duplicates after %d records%s'
                    % (source, where, start, len(seen), '' if total is None else ' of %d' % total))
            for key, item in zip(keys, page):
                # A partly repeated page (a 1-based start, or records added while paging) adds only what is new.
                if key not in seen:
                    seen.add(key)
                    raw_records.append(item)
            previous = page
            start += len(page)
        return raw_records, source

    # -- public reads --------------------------------------------------------------------------
    def resellers(self):
        return self.read_all('reseller')

    def domains(self, reseller=None):
        records = self.read_all('domain')
        if reseller is not None:
            records = [r for r in records if r['reseller'] == reseller]
        return records

    def connections(self):
        return self.read_all('connection')

    def read_one(self, kind, name):
        """The one ``kind`` record (``domain`` or ``reseller``) named exactly ``name`` (normalised), or None.

        API v2: ``GET /domains/{domain}`` or ``GET /resellers/{reseller}`` (one record, 404 when absent, in the
        v2 description); a record whose name differs from the one asked (a server that matches names in any
        case) is not taken for it. API v1 documents no such read, so the whole list is read and filtered.
        """
        version = self.api_version
        if version != 'v2':
            found = [r for r in self.read_all(kind) if r['name'] == name]
            return found[0] if found else None
        path = '%s%s/%s' % (V2_BASE, V2_ROUTES[kind], quote(name, safe=''))
        try:
            resp = self.call('GET', path, want_json=True)
        except HttpError as exc:
            if exc.status == 404:
                return None
            raise
        records = self._json_list(resp, kind, 'GET %s' % path)
        found = [normalize_record(kind, version, raw, index, 'GET %s' % path) for index, raw in enumerate(records, 1)]
        exact = [r for r in found if r['name'] == name]
        return exact[0] if exact else None

    def domain_users(self, domain):
        return self.read_all('user', domain=domain)

    def users(self, domains=None, max_workers=None, fields=None):
        """Users of ``domains`` (every domain when None), read concurrently, sorted by domain then user.

        ``fields``: None (every field of ``FIELD_MAPS``), or the fields each record keeps (a malformed
        one also keeps ``problem`` and ``position``), with the domain and service code interned: a
        caller that holds 100,000 users and needs three fields of each holds a third of the memory.
        """
        if domains is None:
            # A malformed domain record is reported as it is and its users wait (the planner's rule), so
            # they are not read: it may have no name to ask with, or one the server does not know.
            domains = [d['name'] for d in self.domains() if d['name'] and not d.get('problem')]
        domains = sorted(set(domains))
        if not domains:
            return []
        # Decide the version and get a token before the workers start, so they do not race for it.
        self.prepare()
        workers = min(max_workers or self.max_workers, len(domains))
        results = {}
        errors = {}
        queue = list(reversed(domains))
        queue_lock = threading.Lock()

        def one():
            with queue_lock:
                if not queue or errors:
                    return False
                domain = queue.pop()
            try:
                records = self.domain_users(domain)
                if fields is not None:
                    records = [cut_user(record, fields) for record in records]
                results[domain] = records
            except Exception as exc:  # pylint: disable=broad-except
                errors[domain] = exc
                return False
            return True

        control = getattr(self.http, 'control', None)
        # As many readers as the adaptive limit lets have a request in flight (a stopped run, which every request
        # checks, is seen by the check at once).
        run_workers(one, workers, limit=getattr(self.http, 'limit', None), name='netsapiens-users',
                    tick=control.check if control is not None else None)
        if errors:
            first = sorted(errors)[0]
            exc = errors[first]
            if isinstance(exc, (HttpError, NetSapiensError)):
                exc.message = 'reading the users of domain %s: %s' % (first, exc.message)
                exc.args = (exc.message,)
            raise exc
        users = []
        for domain in domains:
            users.extend(results.pop(domain))
        return sort_records('user', users)
