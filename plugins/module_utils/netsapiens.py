# -*- coding: utf-8 -*-
# Copyright: (c) 2026, clearip.netsapiens contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""NetSapiens API client: OAuth2 or API key, API v2 with a v1 fallback, safe paging.

Every NetSapiens wire detail (paths, parameter and field names, token grants) lives in this file,
so that a real server that disagrees with the contract is a one-line change here.

Records come back in one shape whatever the API version:

- reseller   ``{name, description}``
- domain     ``{name, reseller, description}``
- user       ``{user, domain, first_name, last_name, service_code}``
- connection ``{name, domain, address}``
- dial rule  ``{id, domain, dialplan, matching, from_matching, application, parameter, destination_user,
  destination_host, description, enabled}`` (API v2 only; its wire details are inferred, see DIALRULE_*)
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import base64
import json
import os
import re
import tempfile
import threading
import time

from ansible.module_utils.basic import env_fallback, missing_required_lib

from ansible_collections.clearip.netsapiens.plugins.module_utils.http_session import (
    HAS_REQUESTS,
    REQUESTS_IMPORT_ERROR,
    HttpError,
    HttpSession,
    OutcomeUnknown,
)

try:
    from urllib.parse import quote
except ImportError:  # pragma: no cover
    from urllib import quote  # type: ignore

# -- wire details ------------------------------------------------------------------------------
TOKEN_PATH = '/ns-api/oauth2/token/'
V2_BASE = '/ns-api/v2'
V1_PATH = '/ns-api/'
# The v2 route whose 404 tells an older core (v1 only) from a current one.
V2_PROBE_PATH = V2_BASE + '/domains/count'
MAX_PAGE_SIZE = 1000
DEFAULT_PAGE_SIZE = 500

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

# normalised field -> wire field, per API version. The first field of each kind identifies a
# record and must be present; the others default to ''.
FIELD_MAPS = {
    'v2': {
        'reseller': (('name', 'reseller'), ('description', 'description')),
        'domain': (('name', 'domain'), ('reseller', 'reseller'), ('description', 'description')),
        'user': (('user', 'user'), ('domain', 'domain'), ('first_name', 'name-first-name'),
                 ('last_name', 'name-last-name'), ('service_code', 'service-code')),
        'connection': (('name', 'connection-orig-match-pattern'), ('domain', 'domain'), ('address', 'connection-address')),
    },
    'v1': {
        'reseller': (('name', 'territory'), ('description', 'description')),
        'domain': (('name', 'domain'), ('reseller', 'territory'), ('description', 'description')),
        'user': (('user', 'user'), ('domain', 'domain'), ('first_name', 'first_name'),
                 ('last_name', 'last_name'), ('service_code', 'srv_code')),
        'connection': (('name', 'aor'), ('domain', 'domain'), ('address', 'address')),
    },
}
# Sort keys, so that results never depend on the server's order.
SORT_FIELDS = {
    'reseller': ('name',),
    'domain': ('name',),
    'user': ('domain', 'user'),
    'connection': ('domain', 'name', 'address'),
}

# -- dial rules: every wire detail here is INFERRED ---------------------------------------------
# From the public v2 OpenAPI spec (v45.0) only; no source shows a real exchange. When a real core
# disagrees, change it here (see docs/user_id_header.md).
DIALRULES_PATH = V2_BASE + '/domains/%(domain)s/dialplans/%(dialplan)s/dialrules'
# A read names each rule in this field; the same value goes in the URL of GET/PUT/DELETE of one rule.
DIALRULE_ID_FIELD = 'dialrule'
# When a server leaves DIALRULE_ID_FIELD out, the spec says the id is the base64 of these fields
# joined with '||' (its one example, c2lwOjYxMUAq, is the base64 of the to-URI alone).
DIALRULE_ID_PARTS = ('dial-rule-matching-to-uri', 'dial-rule-matching-from-uri', 'dial-rule-matching-day-of-week',
                     'dial-rule-matching-start-date', 'dial-rule-matching-end-date', 'dial-rule-matching-start-time',
                     'dial-rule-matching-end-time')
DIALRULE_ID_SEPARATOR = '||'
DIALRULE_MATCH_DEFAULT = '*'
# normalised field -> wire field. matching and from_matching identify a rule; the others can be updated.
DIALRULE_FIELDS = (
    ('matching', 'dial-rule-matching-to-uri'),
    ('from_matching', 'dial-rule-matching-from-uri'),
    ('application', 'dial-rule-application'),
    ('parameter', 'dial-rule-parameter'),
    ('destination_user', 'dial-rule-translation-destination-user'),
    ('destination_host', 'dial-rule-translation-destination-host'),
    ('description', 'dial-rule-description'),
    ('enabled', 'enabled'),
)
DIALRULE_UPDATABLE = ('application', 'parameter', 'destination_user', 'destination_host', 'description', 'enabled')
# The spec requires a destination user on create; this one keeps the dialled user.
DIALRULE_CREATE_DEFAULTS = {'dial-rule-translation-destination-user': '[*]'}
# Without synchronous=yes a create answers 202 and no record.
DIALRULE_CREATE_EXTRA = {'synchronous': 'yes'}
# The spec marks these required in an update body, so an update repeats their current values.
DIALRULE_UPDATE_CARRIES = ('dialrule', 'dial-rule-translation-destination-user')
DIALRULE_ENABLED_WIRE = {True: 'yes', False: 'no'}

# Refresh this long before the token expires (capped to a tenth of its lifetime for short tokens).
TOKEN_SAFETY_MARGIN = 60.0
SECRET_FIELD = re.compile(r'pass|secret|token|pin|key|auth', re.I)


class NetSapiensError(Exception):
    """A NetSapiens problem a person can act on; the message never holds a secret."""

    def __init__(self, message, status=None):
        super(NetSapiensError, self).__init__(message)
        self.message = message
        self.status = status

    def __str__(self):
        return self.message


def netsapiens_argument_spec():
    """The options every NetSapiens module shares (see the doc fragment clearip.netsapiens.netsapiens)."""
    return dict(
        host=dict(type='str', required=True, fallback=(env_fallback, ['NETSAPIENS_HOST'])),
        client_id=dict(type='str', fallback=(env_fallback, ['NETSAPIENS_CLIENT_ID'])),
        client_secret=dict(type='str', no_log=True, fallback=(env_fallback, ['NETSAPIENS_CLIENT_SECRET'])),
        username=dict(type='str', fallback=(env_fallback, ['NETSAPIENS_USERNAME'])),
        password=dict(type='str', no_log=True, fallback=(env_fallback, ['NETSAPIENS_PASSWORD'])),
        api_key=dict(type='str', no_log=True, fallback=(env_fallback, ['NETSAPIENS_API_KEY'])),
        api_version=dict(type='str', default='auto', choices=['auto', 'v2', 'v1'],
                         fallback=(env_fallback, ['NETSAPIENS_API_VERSION'])),
        validate_certs=dict(type='bool', default=True, fallback=(env_fallback, ['NETSAPIENS_VALIDATE_CERTS'])),
        ca_path=dict(type='path', fallback=(env_fallback, ['NETSAPIENS_CA_PATH'])),
        timeout=dict(type='int', default=30, fallback=(env_fallback, ['NETSAPIENS_TIMEOUT'])),
        page_size=dict(type='int', default=DEFAULT_PAGE_SIZE),
    )


OAUTH_OPTIONS = ('client_id', 'client_secret', 'username', 'password')


def netsapiens_module_kwargs():
    """AnsibleModule keyword arguments for the api_key / OAuth rules."""
    return dict(
        mutually_exclusive=[('api_key', name) for name in OAUTH_OPTIONS],
        required_together=[OAUTH_OPTIONS],
        required_one_of=[('api_key', 'client_id')],
    )


def normalize_base_url(host):
    """``pbx.example.com`` -> ``https://pbx.example.com``; a full URL keeps its scheme and port.

    A pasted API URL (``.../ns-api`` or ``.../ns-api/v2``) is cut back to the server root.
    """
    value = (host or '').strip()
    if not value:
        raise NetSapiensError('host is empty: give the NetSapiens host name or base URL')
    if not re.match(r'^https?://', value, re.I):
        value = 'https://' + value
    value = value.rstrip('/')
    value = re.sub(r'/ns-api(/v\d+)?$', '', value)
    return value


def _text(value):
    if value is None:
        return ''
    if isinstance(value, bool):
        return 'true' if value else 'false'
    return value if isinstance(value, str) else str(value)


def _redacted(record, limit=300):
    """A record as JSON for an error message, secret-looking fields masked, cut to ``limit``."""
    if isinstance(record, dict):
        record = dict((k, '********' if SECRET_FIELD.search(str(k)) else v) for k, v in record.items())
    try:
        text = json.dumps(record, sort_keys=True, default=str)
    except (TypeError, ValueError):
        text = repr(record)
    return text if len(text) <= limit else text[:limit] + '...'


def normalize_record(kind, version, raw, index, source, domain=None):
    """The record in the collection's shape; a record without its identifying field is an error.

    ``index`` is 1-based over the whole list, ``source`` is the call that returned it.
    """
    if not isinstance(raw, dict):
        raise NetSapiensError('%s record #%d from %s is not an object: %s' % (kind, index, source, _redacted(raw)))
    fields = FIELD_MAPS[version][kind]
    key_name, key_wire = fields[0]
    if raw.get(key_wire) in (None, ''):
        raise NetSapiensError("%s record #%d from %s has no '%s' field: %s" % (kind, index, source, key_wire, _redacted(raw)))
    record = {}
    for name, wire in fields:
        record[name] = _text(raw.get(wire))
    # A user list is read per domain, so the domain is known even when a record leaves it out.
    if kind == 'user' and not record['domain'] and domain:
        record['domain'] = domain
    return record


def sort_records(kind, records):
    keys = SORT_FIELDS[kind]
    return sorted(records, key=lambda r: tuple(r.get(k) or '' for k in keys))


def write_records_file(path, records):
    """Write ``records`` as JSON to ``path`` atomically, readable by the owner only (0600)."""
    path = os.path.abspath(path)
    directory = os.path.dirname(path)
    if not os.path.isdir(directory):
        raise NetSapiensError('dest directory %s does not exist' % directory)
    fd, tmp = tempfile.mkstemp(prefix='.%s.' % os.path.basename(path), suffix='.tmp', dir=directory)
    try:
        os.fchmod(fd, 0o600)
        with os.fdopen(fd, 'w') as handle:
            json.dump(records, handle, sort_keys=True)
            handle.flush()
            os.fsync(handle.fileno())
        os.rename(tmp, path)
    except Exception:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
    return path


def _wire_bool(value):
    """A NetSapiens yes/no field as a bool; the spec's default for an absent one is yes."""
    if value is None or value == '':
        return True
    if isinstance(value, bool):
        return value
    return str(value).strip().lower() not in ('no', 'false', '0', 'off')


def dialrule_id(raw):
    """The id of a dial rule computed from its matching fields, for a server that does not send it."""
    joined = DIALRULE_ID_SEPARATOR.join(_text(raw.get(wire)) or DIALRULE_MATCH_DEFAULT for wire in DIALRULE_ID_PARTS)
    return base64.b64encode(joined.encode('utf-8')).decode('ascii')


def dialrule_wire(fields):
    """The wire body of the normalised ``fields`` that are set (None means: not managed)."""
    body = {}
    for name, wire in DIALRULE_FIELDS:
        value = fields.get(name)
        if value is None:
            continue
        body[wire] = DIALRULE_ENABLED_WIRE[bool(value)] if name == 'enabled' else _text(value)
    return body


def normalize_dialrule(raw, domain, dialplan, source):
    """A dial rule in the collection's shape: ``{id, domain, dialplan, matching, from_matching, application, ...}``."""
    if not isinstance(raw, dict) or raw.get(DIALRULE_FIELDS[0][1]) in (None, ''):
        raise NetSapiensError("dial rule from %s has no '%s' field: %s" % (source, DIALRULE_FIELDS[0][1], _redacted(raw)))
    rule = {'domain': domain, 'dialplan': dialplan}
    for name, wire in DIALRULE_FIELDS:
        value = raw.get(wire)
        if name == 'enabled':
            rule[name] = _wire_bool(value)
        elif name == 'from_matching':
            rule[name] = _text(value) or DIALRULE_MATCH_DEFAULT
        else:
            rule[name] = _text(value)
    rule['id'] = _text(raw.get(DIALRULE_ID_FIELD)) or dialrule_id(raw)
    return rule


def planned_dialrule(domain, dialplan, fields):
    """The rule a create from normalised ``fields`` makes, as a read would return it."""
    body = dict(DIALRULE_CREATE_DEFAULTS)
    body.update(dialrule_wire(fields))
    return normalize_dialrule(body, domain, dialplan, 'the planned create')


def dialrules_path(domain, dialplan, rule_id=None):
    path = DIALRULES_PATH % {'domain': quote(domain, safe=''), 'dialplan': quote(dialplan, safe='')}
    if rule_id is not None:
        # A base64 id may hold '/' and '+', which must not split or change the path.
        path += '/' + quote(rule_id, safe='')
    return path


class NetSapiensClient(object):
    """Reads resellers, domains, users and connections. Safe to share between threads."""

    def __init__(self, host, client_id=None, client_secret=None, username=None, password=None, api_key=None,
                 api_version='auto', validate_certs=True, ca_path=None, timeout=30, page_size=DEFAULT_PAGE_SIZE,
                 max_workers=4, http=None, sleep=time.sleep, clock=time.monotonic):
        self.base_url = normalize_base_url(host)
        self.client_id = client_id
        self.client_secret = client_secret
        self.username = username
        self.password = password
        self.api_key = api_key
        if api_version not in ('auto', 'v2', 'v1'):
            raise NetSapiensError('api_version must be auto, v2 or v1, not %r' % (api_version,))
        self.requested_version = api_version
        self._check_credentials()
        if page_size is None or int(page_size) < 1 or int(page_size) > MAX_PAGE_SIZE:
            raise NetSapiensError('page_size must be between 1 and %d, not %r' % (MAX_PAGE_SIZE, page_size))
        self.page_size = int(page_size)
        if max_workers is None or int(max_workers) < 1:
            raise NetSapiensError('max_workers must be at least 1, not %r' % (max_workers,))
        self.max_workers = int(max_workers)
        self.http = http or HttpSession(self.base_url, timeout=timeout, validate_certs=validate_certs,
                                        ca_path=ca_path, sleep=sleep)
        self.clock = clock
        self._lock = threading.Lock()
        self._version = 'v2' if api_key else (None if api_version == 'auto' else api_version)
        self._access_token = None
        self._refresh_token = None
        self._expires_at = None
        self.token_grants = {'password': 0, 'refresh_token': 0}

    @classmethod
    def from_module(cls, module, **kwargs):
        p = module.params
        return cls(p['host'], client_id=p.get('client_id'), client_secret=p.get('client_secret'),
                   username=p.get('username'), password=p.get('password'), api_key=p.get('api_key'),
                   api_version=p.get('api_version') or 'auto', validate_certs=p.get('validate_certs', True),
                   ca_path=p.get('ca_path'), timeout=p.get('timeout') or 30,
                   page_size=p.get('page_size') or DEFAULT_PAGE_SIZE, **kwargs)

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

    def _grant(self, form):
        grant = form['grant_type']
        self.token_grants[grant] = self.token_grants.get(grant, 0) + 1
        # Asking for a token has no effect worth protecting, so it is retried like a read.
        resp = self.http.request('POST', TOKEN_PATH, data=form, idempotent=True, expect=(200, 400, 401, 403))
        where = 'POST %s' % TOKEN_PATH
        if resp.status != 200:
            raise NetSapiensError(self._grant_error(resp, grant), status=resp.status)
        answer = resp.json()
        token = answer.get('access_token') if isinstance(answer, dict) else None
        if not token:
            raise NetSapiensError('NetSapiens answered %s with HTTP 200 but no access_token (fields: %s)'
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

    def _grant_error(self, resp, grant):
        try:
            body = resp.json()
        except HttpError:
            body = {}
        code = body.get('error') if isinstance(body, dict) else None
        detail = body.get('error_description') or body.get('message') if isinstance(body, dict) else None
        detail = ' (%s)' % detail if detail else ''
        if code == 'invalid_client':
            return ('NetSapiens rejected the OAuth client (HTTP %d invalid_client%s): check client_id and client_secret'
                    % (resp.status, detail))
        if code == 'invalid_grant' and grant == 'password':
            return ('NetSapiens rejected the user credentials (HTTP %d invalid_grant%s): check username and password'
                    % (resp.status, detail))
        if code == 'invalid_grant':
            return 'NetSapiens rejected the refresh token (HTTP %d invalid_grant%s)' % (resp.status, detail)
        return ('NetSapiens refused the %s grant at POST %s with HTTP %d%s%s: check client_id, client_secret, username and password'
                % (grant, TOKEN_PATH, resp.status, ' ' + code if code else '', detail))

    # -- calls ---------------------------------------------------------------------------------
    def _call(self, method, path, params=None, data=None, json_body=None, idempotent=True, expect=(200, 204),
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
                raise NetSapiensError('NetSapiens rejected the API key (HTTP 401 on %s %s): check api_key and its scope; '
                                      'API keys work only with API v2' % (method, path), status=401)
            if attempt == 2:
                raise NetSapiensError('NetSapiens refused a fresh access token (HTTP 401 on %s %s): the user %s may lack '
                                      'the scope to read this' % (method, path, self.username), status=401)
            self._token_expired(sent[0])
        raise AssertionError('unreachable')  # pragma: no cover

    @property
    def api_version(self):
        """``v2`` or ``v1``; decided once per client (``auto`` probes the v2 API)."""
        if self._version is None:
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
        try:
            self._call('GET', V2_PROBE_PATH)
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
                              % (source, type(payload).__name__, kind, _redacted(payload)))

    def _count(self, kind, domain=None):
        """The server's own total, or None when it cannot tell."""
        try:
            if self.api_version == 'v2':
                resp = self._call('GET', self._v2_path(kind, domain) + '/count', want_json=True)
            else:
                form = {} if domain is None else {'domain': domain}
                resp = self._call('POST', V1_PATH, params=self._v1_query(kind, 'count'), data=form, want_json=True)
            total = resp.json().get('total')
            return int(total)
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
            resp = self._call('GET', path, params={'start': start, 'limit': limit}, want_json=True)
            return self._json_list(resp, kind, 'GET %s' % path), 'GET %s' % path
        form = {'start': start, 'limit': limit}
        if domain is not None:
            form['domain'] = domain
        source = 'POST %s object=%s' % (V1_PATH, V1_OBJECTS[kind])
        resp = self._call('POST', V1_PATH, params=self._v1_query(kind, 'read'), data=form, want_json=True)
        return self._json_list(resp, kind, source), source

    def read_all(self, kind, domain=None):
        """Every ``kind`` record (normalised, sorted), paging until an empty page."""
        version = self.api_version
        raw_records, source = self._read_pages(lambda start, limit: self._fetch_page(kind, start, limit, domain),
                                               lambda: self._count(kind, domain),
                                               ' for domain %s' % domain if domain else '')
        records = [normalize_record(kind, version, raw, index, source, domain=domain)
                   for index, raw in enumerate(raw_records, 1)]
        return sort_records(kind, records)

    def _read_pages(self, fetch_page, count, where=''):
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
            keys = [json.dumps(item, sort_keys=True, default=str) for item in page]
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

    def domain_users(self, domain):
        return self.read_all('user', domain=domain)

    def users(self, domains=None, max_workers=None):
        """Users of ``domains`` (every domain when None), read concurrently, sorted by domain then user."""
        if domains is None:
            domains = [d['name'] for d in self.domains()]
        domains = sorted(set(domains))
        if not domains:
            return []
        # Decide the version and get a token before the workers start, so they do not race for it.
        self.prepare()
        workers = min(max_workers or self.max_workers, len(domains))
        results = {}
        errors = {}
        stop = threading.Event()
        queue = list(reversed(domains))
        queue_lock = threading.Lock()

        def work():
            while not stop.is_set():
                with queue_lock:
                    if not queue:
                        return
                    domain = queue.pop()
                try:
                    results[domain] = self.domain_users(domain)
                except Exception as exc:  # pylint: disable=broad-except
                    errors[domain] = exc
                    stop.set()

        threads = [threading.Thread(target=work, name='netsapiens-users-%d' % i) for i in range(workers)]
        for thread in threads:
            thread.daemon = True
            thread.start()
        for thread in threads:
            thread.join()
        if errors:
            first = sorted(errors)[0]
            exc = errors[first]
            if isinstance(exc, (HttpError, NetSapiensError)):
                exc.message = 'reading the users of domain %s: %s' % (first, exc.message)
                exc.args = (exc.message,)
            raise exc
        users = []
        for domain in domains:
            users.extend(results[domain])
        return sort_records('user', users)

    # -- dial rules (API v2 only) ----------------------------------------------------------------
    def _dialrule_call(self, method, path, what, **kwargs):
        """A dial-rule call; 404 becomes an error that names ``what`` (the domain and dial plan, or the rule)."""
        if self.api_version != 'v2':
            raise NetSapiensError('dial rules need the NetSapiens API v2 (cores v44 and later), but this server answers only '
                                  'the API v1; set api_version to v2 or auto against a current core')
        try:
            return self._call(method, path, **kwargs)
        except OutcomeUnknown:
            raise
        except HttpError as exc:
            if exc.status == 404:
                raise NetSapiensError('NetSapiens has no %s (HTTP 404 on %s %s)' % (what, method, path), status=404)
            raise

    def dialrules(self, domain, dialplan):
        """Every rule of one dial plan (normalised, sorted by matching, from_matching and id)."""
        path = dialrules_path(domain, dialplan)
        what = 'dial plan %s in domain %s' % (dialplan, domain)
        source = 'GET %s' % path

        def fetch(start, limit):
            resp = self._dialrule_call('GET', path, what, params={'start': start, 'limit': limit}, want_json=True)
            if resp.status == 204 or not (resp.text or '').strip():
                return [], source
            payload = resp.json()
            if not isinstance(payload, list):
                raise NetSapiensError('%s answered with %s where a list of dial rules was expected: %s'
                                      % (source, type(payload).__name__, _redacted(payload)))
            return payload, source

        def count():
            try:
                return int(self._dialrule_call('GET', path + '/count', what).json().get('total'))
            except (HttpError, NetSapiensError, AttributeError, TypeError, ValueError):
                return None

        raw_rules, source = self._read_pages(fetch, count, ' for %s' % what)
        rules = [normalize_dialrule(raw, domain, dialplan, source) for raw in raw_rules]
        return sorted(rules, key=lambda r: (r['matching'], r['from_matching'], r['id']))

    def find_dialrule(self, domain, dialplan, matching, from_matching=DIALRULE_MATCH_DEFAULT):
        """The one rule of the dial plan with these matching patterns, or None; several are an error."""
        from_matching = from_matching or DIALRULE_MATCH_DEFAULT
        found = [r for r in self.dialrules(domain, dialplan) if r['matching'] == matching and r['from_matching'] == from_matching]
        if len(found) > 1:
            raise NetSapiensError('%d dial rules of dial plan %s in domain %s match to %s from %s (they differ in day, date or '
                                  'time), so which one to manage is not clear; ids: %s'
                                  % (len(found), dialplan, domain, matching, from_matching, ', '.join(r['id'] for r in found)))
        return found[0] if found else None

    def create_dialrule(self, domain, dialplan, fields):
        """Create a rule from normalised ``fields``; return it as the server holds it (or as sent, if it does not say)."""
        path = dialrules_path(domain, dialplan)
        what = 'dial plan %s in domain %s' % (dialplan, domain)
        body = dict(DIALRULE_CREATE_DEFAULTS)
        body.update(dialrule_wire(fields))
        body.update(DIALRULE_CREATE_EXTRA)
        matching, from_matching = fields['matching'], fields.get('from_matching') or DIALRULE_MATCH_DEFAULT
        try:
            resp = self._dialrule_call('POST', path, what, json_body=body, idempotent=False, expect=(200, 201, 202))
        except OutcomeUnknown:
            # The create may have happened: only a fresh look can tell, so that a retry never makes a duplicate.
            existing = self.find_dialrule(domain, dialplan, matching, from_matching)
            if existing is not None:
                return existing
            resp = self._dialrule_call('POST', path, what, json_body=body, idempotent=False, expect=(200, 201, 202))
        try:
            answer = resp.json() if (resp.text or '').strip() else None
        except HttpError:
            answer = None
        if isinstance(answer, list) and len(answer) == 1:
            answer = answer[0]
        if isinstance(answer, dict) and answer.get(DIALRULE_FIELDS[0][1]):
            return normalize_dialrule(answer, domain, dialplan, 'POST %s' % path)
        return planned_dialrule(domain, dialplan, fields)

    def update_dialrule(self, rule, changes):
        """Change only the normalised ``changes`` of ``rule`` (as returned by find_dialrule)."""
        body = dialrule_wire(changes)
        current = dialrule_wire(dict((name, rule.get(name)) for name, _wire in DIALRULE_FIELDS if rule.get(name) not in (None, '')))
        for wire in DIALRULE_UPDATE_CARRIES:
            if wire == DIALRULE_ID_FIELD:
                body[wire] = rule['id']
            elif wire not in body and wire in current:
                body[wire] = current[wire]
        path = dialrules_path(rule['domain'], rule['dialplan'], rule['id'])
        self._dialrule_call('PUT', path, self._rule_name(rule), json_body=body, expect=(200, 202, 204))

    def delete_dialrule(self, rule):
        path = dialrules_path(rule['domain'], rule['dialplan'], rule['id'])
        self._dialrule_call('DELETE', path, self._rule_name(rule), expect=(200, 202, 204))

    @staticmethod
    def _rule_name(rule):
        return 'dial rule to %s from %s (id %s) in dial plan %s of domain %s' % (
            rule['matching'], rule['from_matching'], rule['id'], rule['dialplan'], rule['domain'])


def run_with_client(module, work, **client_kwargs):
    """``work(client)`` with a client made from the module's options, closed afterwards.

    The one place where a NetSapiens module fails for a missing ``requests`` or a NetSapiens error.
    """
    if not HAS_REQUESTS:
        module.fail_json(msg=missing_required_lib('requests'), exception=REQUESTS_IMPORT_ERROR)
    client = None
    try:
        client = NetSapiensClient.from_module(module, **client_kwargs)
        return work(client)
    except NetSapiensError as exc:
        module.fail_json(msg=exc.message, status=exc.status)
    except HttpError as exc:
        module.fail_json(msg='NetSapiens request failed: %s' % exc.message, status=exc.status)
    finally:
        if client is not None:
            client.close()


def run_info_module(module, result_key, fetch, **client_kwargs):
    """The body of every ``netsapiens_*_info`` module: read, then return the records or write them to ``dest``.

    ``fetch(client)`` returns the normalised records. Reads change nothing, so they run in check mode too,
    and ``dest`` (the module's output, not a managed object) is written in check mode as well.
    """
    records, version = run_with_client(module, lambda client: (fetch(client), client.api_version), **client_kwargs)
    result = dict(changed=False, count=len(records), api_version=version)
    dest = module.params.get('dest')
    if dest:
        try:
            result['dest'] = write_records_file(dest, records)
        except (NetSapiensError, OSError, IOError) as exc:
            module.fail_json(msg='cannot write %s records to %s: %s' % (result_key, dest, exc))
    else:
        result[result_key] = records
    module.exit_json(**result)
