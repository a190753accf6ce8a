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
import calendar
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
from ansible_collections.clearip.netsapiens.plugins.module_utils.records import cut
from ansible_collections.clearip.netsapiens.plugins.module_utils.userinfo import protect_url_options, strip_userinfo

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
# record and must be present (else the record is malformed, see normalize_record); the others default to ''.
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

# -- event subscriptions (API v2): paths, body fields and models are in the published v2 description;
# what is marked INFERRED is not, and is a guess to change here when a real core disagrees.
SUBSCRIPTIONS_PATH = V2_BASE + '/subscriptions'
DOMAIN_SUBSCRIPTIONS_PATH = V2_BASE + '/domains/%(domain)s/subscriptions'
# INFERRED: the field that names a subscription in a read (and in the URL of GET/PUT/DELETE of one);
# the first of these that a record carries is used.
SUBSCRIPTION_ID_FIELDS = ('id', 'subscription-id', 'subscription')
# normalised field -> wire field.
SUBSCRIPTION_FIELDS = (
    ('model', 'model'),
    ('post_url', 'post-url'),
    ('reseller', 'reseller'),
    ('domain', 'domain'),
    ('user', 'user'),
    ('expires', 'expires'),
    ('server_preferred', 'server_preferred'),
)
SUBSCRIPTION_MODELS = ('agent', 'auditlog', 'auditlog_lite', 'call', 'call_origid', 'cdr', 'message', 'messagesession',
                       'subscriber', 'presence', 'voicemail')
SUBSCRIPTION_FILTER_ANY = '*'
# The format of expires is documented; INFERRED: the server reads it as UTC.
SUBSCRIPTION_TIME_FORMAT = '%Y-%m-%d %H:%M:%S'

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


class NetSapiensTokenError(NetSapiensError):
    """Getting an access token failed (any answer or transport failure of a token endpoint).

    Its own type, and never an ``HttpError``, so that no handler of a resource's answer (the version
    probe's 404, a dial plan's 404, a count) can take a token failure for something else.
    """


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
        token_endpoint=dict(type='str', default='auto', choices=['auto', 'v2', 'legacy'],
                            fallback=(env_fallback, ['NETSAPIENS_TOKEN_ENDPOINT'])),
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


# Fields the sync reads besides each kind's first (identifying) field. A value there that is not text
# is a malformed record; in the other fields (descriptions, names of people) it is shown as JSON text.
USED_FIELDS = {
    'reseller': ('name',),
    'domain': ('name', 'reseller'),
    'user': ('user', 'domain', 'service_code'),
    'connection': ('name', 'domain'),
}


def _field_text(value):
    """(text, problem): a wire value as text, or why it is not one.

    Null and absent are ''. Integers (not booleans) are written in decimal, since extensions are
    digits and a core may send them as numbers; booleans, fractions, objects and lists are not text.
    """
    if value is None:
        return '', None
    if isinstance(value, str):
        return value, None
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value), None
    kind = {bool: 'a boolean', float: 'a number', dict: 'an object', list: 'a list'}.get(type(value), type(value).__name__)
    return None, 'is %s, not text' % kind


def record_label(kind, index, source, domain=None):
    """How a problem names a record: its kind, 1-based position in its list, the domain it was listed under, the call."""
    where = ' of domain %s' % domain if domain else ''
    return '%s record #%d%s from %s' % (kind, index, where, source)


def normalize_record(kind, version, raw, index, source, domain=None):
    """The record in the collection's shape; a malformed one is kept, with ``problem`` saying why.

    ``index`` is 1-based over the whole list, ``source`` is the call that returned it and ``domain``
    the domain a user list was read for. A record is malformed when it is not a JSON object, when
    its identifying field (the first of ``FIELD_MAPS``) is absent, null or empty, or when a field of
    ``USED_FIELDS`` is not text (see ``_field_text``). A malformed record comes back as
    ``{<every field>: text or '', 'problem': str, 'position': index}``, so that the planner reports it
    as a failed item of its own tier (naming kind, position, domain and call) and syncs the others;
    one bad record never stops the run. Other fields that are not text become their JSON text.
    """
    fields = FIELD_MAPS[version][kind]
    key_name, key_wire = fields[0]
    label = record_label(kind, index, source, domain)
    record = dict((name, '') for name, _wire in fields)
    if kind == 'user' and domain:
        record['domain'] = domain
    if not isinstance(raw, dict):
        what = {type(None): 'null', str: 'a string', list: 'a list', bool: 'a boolean'}.get(type(raw), 'a number')
        return _with_problem(record, index, '%s: is %s, not an object (record: %s); fix the record in NetSapiens'
                             % (label, what, _redacted(raw)))
    problems = []
    for name, wire in fields:
        text, problem = _field_text(raw.get(wire))
        if problem is None:
            # A user list is read per domain, so the domain is known even when a record leaves it out.
            if text or not (kind == 'user' and name == 'domain'):
                record[name] = text
        elif name in USED_FIELDS[kind]:
            problems.append("'%s' %s" % (wire, problem))
        else:
            record[name] = _redacted(raw.get(wire))
    if not record[key_name] and not any(p.startswith("'%s' " % key_wire) for p in problems):
        problems.insert(0, "no '%s' field" % key_wire if raw.get(key_wire) is None else "an empty '%s' field" % key_wire)
    if problems:
        return _with_problem(record, index, '%s: %s (record: %s); fix the record in NetSapiens'
                             % (label, '; '.join(problems), _redacted(raw)))
    return record


def _with_problem(record, index, problem):
    record['problem'] = problem
    record['position'] = index
    return record


def _cut_user(record, fields):
    """A user record with only ``fields`` (records.cut), the domain and service code shared; a malformed one
    stays a dict with its ``problem`` and ``position``."""
    if record.get('problem'):
        out = dict((field, record.get(field, '')) for field in fields)
        out['problem'] = record['problem']
        out['position'] = record.get('position')
        return out
    return cut(record, fields, intern=('domain', 'service_code'))


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
            # One dumps and one write: json.dump writes piece by piece, several times slower for 100,000 records.
            handle.write(json.dumps(records, sort_keys=True))
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


def subscriptions_path(domain=None, subscription_id=None):
    """``/ns-api/v2/subscriptions[/{id}]``, or the same under ``/domains/{domain}`` when ``domain`` is given."""
    path = DOMAIN_SUBSCRIPTIONS_PATH % {'domain': quote(domain, safe='')} if domain else SUBSCRIPTIONS_PATH
    if subscription_id is not None:
        path += '/' + quote(str(subscription_id), safe='')
    return path


def normalize_subscription(raw):
    """A wire subscription -> ``{id, model, post_url, reseller, domain, user, expires, server_preferred}``
    (strings; a filter the server left out is ``*``, other missing fields ``''``); None without an id."""
    sub_id = None
    for name in SUBSCRIPTION_ID_FIELDS:
        if raw.get(name) not in (None, ''):
            sub_id = _text(raw.get(name))
            break
    if sub_id is None:
        return None
    record = {'id': sub_id}
    for name, wire in SUBSCRIPTION_FIELDS:
        value = _text(raw.get(wire))
        if not value and name in ('reseller', 'domain', 'user'):
            value = SUBSCRIPTION_FILTER_ANY
        record[name] = value
    return record


def subscription_wire(fields):
    """Normalised subscription fields -> a request body (only the fields given; None left out)."""
    return dict((wire, fields[name]) for name, wire in SUBSCRIPTION_FIELDS if fields.get(name) is not None)


def subscription_expires_at(record):
    """The Unix time of a normalised subscription's ``expires``; None when it has none; ValueError when unreadable."""
    value = record.get('expires')
    if not value:
        return None
    return calendar.timegm(time.strptime(value, SUBSCRIPTION_TIME_FORMAT))


def format_subscription_time(unix_time):
    return time.strftime(SUBSCRIPTION_TIME_FORMAT, time.gmtime(unix_time))


class NetSapiensClient(object):
    """Reads resellers, domains, users and connections. Safe to share between threads."""

    def __init__(self, host, client_id=None, client_secret=None, username=None, password=None, api_key=None,
                 api_version='auto', validate_certs=True, ca_path=None, timeout=30, page_size=DEFAULT_PAGE_SIZE,
                 max_workers=4, http=None, sleep=time.sleep, clock=time.monotonic, token_endpoint='auto'):
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
                                        ca_path=ca_path, sleep=sleep)
        self.clock = clock
        self._lock = threading.Lock()
        self._version = 'v2' if api_key else (None if api_version == 'auto' else api_version)
        self._access_token = None
        self._refresh_token = None
        self._expires_at = None
        # The token endpoint in use: forced by the option, else learnt from the first answer (auto).
        self._token_endpoint = None if token_endpoint == 'auto' else token_endpoint
        self.token_grants = {'password': 0, 'refresh_token': 0}

    @classmethod
    def from_module(cls, module, **kwargs):
        p = module.params
        return cls(p['host'], client_id=p.get('client_id'), client_secret=p.get('client_secret'),
                   username=p.get('username'), password=p.get('password'), api_key=p.get('api_key'),
                   api_version=p.get('api_version') or 'auto', validate_certs=p.get('validate_certs', True),
                   ca_path=p.get('ca_path'), timeout=p.get('timeout') or 30,
                   page_size=p.get('page_size') or DEFAULT_PAGE_SIZE,
                   token_endpoint=p.get('token_endpoint') or 'auto', **kwargs)

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
                resp = self.http.request('POST', path, idempotent=True, expect=TOKEN_ANSWER_STATUSES, **body)
            except HttpError as exc:
                raise NetSapiensTokenError('getting a NetSapiens access token failed: %s' % exc.message, status=exc.status)
            if resp.status in TOKEN_FALLBACK_STATUSES and self._token_endpoint is None:
                not_found.append('POST %s answered HTTP %d%s' % (path, resp.status, self._error_detail(resp)))
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
    def _error_detail(cls, resp):
        """`` (message)`` from an OAuth2 (error_description) or v2 (message) error body, or ''."""
        body = cls._error_body(resp)
        detail = body.get('error_description') or body.get('message')
        return ' (%s)' % detail if detail else ''

    def _grant_error(self, resp, grant, where):
        code = self._error_body(resp).get('error')
        detail = self._error_detail(resp)
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
        """``v2`` when GET V2_PROBE_PATH answers, ``v1`` when that call itself answers 404.

        Only the probe's own answer decides: the token is fetched before, and a token failure is a
        NetSapiensTokenError (never an HttpError), so a token endpoint's 404 cannot pass for an old core.
        """
        self._bearer()
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
                    records = self.domain_users(domain)
                    if fields is not None:
                        records = [_cut_user(record, fields) for record in records]
                    results[domain] = records
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
            users.extend(results.pop(domain))
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
            except NetSapiensTokenError:
                raise
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
        """Create a rule from normalised ``fields``; return it as the server holds it (or as planned, after a 202).

        A 200/201 answer must be the rule asked for (same ``matching`` and ``from_matching``): another
        rule is an error; an answer without a rule is checked by reading the dial plan back.
        """
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
        if resp.status == 202:
            # Accepted for later (the server ignored synchronous): there is no rule to check yet.
            return planned_dialrule(domain, dialplan, fields)
        source = 'POST %s' % path
        asked = 'dial rule to %s from %s in dial plan %s of domain %s' % (matching, from_matching, dialplan, domain)
        answered = [normalize_dialrule(raw, domain, dialplan, source) for raw in self._answered_rules(resp)]
        if answered:
            found = [r for r in answered if r['matching'] == matching and r['from_matching'] == from_matching]
            if len(found) == 1:
                return found[0]
            shown = '; '.join('to %s from %s (id %s)' % (r['matching'], r['from_matching'], r['id']) for r in answered)
            raise NetSapiensError(
                'NetSapiens answered the create of the %s (HTTP %d on %s) with another rule: %s. The server may have made a '
                'different rule than the one asked for: check the dial plan before running again'
                % (asked, resp.status, source, shown), status=resp.status)
        # 200 without a rule in the answer: what the server holds decides.
        created = self.find_dialrule(domain, dialplan, matching, from_matching)
        if created is None:
            raise NetSapiensError('NetSapiens answered the create of the %s with HTTP %d, but the dial plan has no such rule '
                                  'when read back (GET %s)' % (asked, resp.status, path), status=resp.status)
        return created

    @staticmethod
    def _answered_rules(resp):
        """The dial-rule records in a create's answer (an object, or a list of them); [] for anything else."""
        try:
            answer = resp.json() if (resp.text or '').strip() else None
        except HttpError:
            return []
        items = answer if isinstance(answer, list) else [answer]
        return [item for item in items if isinstance(item, dict) and item.get(DIALRULE_FIELDS[0][1])]

    def update_dialrule(self, rule, changes):
        """Change only the normalised ``changes`` of ``rule`` (as returned by find_dialrule).

        The body also carries every field of DIALRULE_UPDATE_CARRIES (the v2 description requires them
        on PUT): the rule's id, and its current destination user even when that is empty.
        """
        body = dialrule_wire(changes)
        current = dialrule_wire(dict((name, rule.get(name) or '') for name, _wire in DIALRULE_FIELDS if name != 'enabled'))
        for wire in DIALRULE_UPDATE_CARRIES:
            if wire == DIALRULE_ID_FIELD:
                body[wire] = rule['id']
            elif wire not in body:
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

    # -- event subscriptions (API v2 only) -------------------------------------------------------
    def _subscription_call(self, method, path, **kwargs):
        if self.api_version != 'v2':
            raise NetSapiensError('event subscriptions need the NetSapiens API v2 (cores v44 and later), but this server '
                                  'answers only the API v1; set api_version to v2 or auto against a current core')
        try:
            return self._call(method, path, **kwargs)
        except OutcomeUnknown:
            raise
        except HttpError as exc:
            if exc.status == 404 and method == 'GET' and path.endswith('/subscriptions'):
                raise NetSapiensError('NetSapiens has no %s (HTTP 404 on GET %s): check the domain, or that the core has '
                                      'event subscriptions' % (path.rsplit('/', 1)[0], path), status=404)
            raise

    def subscriptions(self, domain=None):
        """The live subscriptions (normalised), of the whole system or of one domain.

        No paging is documented for this list, so one GET is taken as the whole list. Records
        without an id (SUBSCRIPTION_ID_FIELDS) are skipped, since they cannot be updated or deleted.
        """
        path = subscriptions_path(domain)
        resp = self._subscription_call('GET', path)
        if resp.status == 204 or not (resp.text or '').strip():
            return []
        payload = resp.json()
        if not isinstance(payload, list):
            raise NetSapiensError('GET %s answered with %s where a list of subscriptions was expected: %s'
                                  % (path, type(payload).__name__, _redacted(payload)))
        found = [normalize_subscription(item) for item in payload if isinstance(item, dict)]
        return [item for item in found if item is not None]

    def create_subscription(self, fields, domain=None):
        """Create a subscription from normalised ``fields``; None when the server did not say which record.

        A create whose outcome is unknown (timeout, reset) is not retried here: the caller reads the
        list again before anything else, so that a retry never makes a second subscription.
        """
        path = subscriptions_path(domain)
        resp = self._subscription_call('POST', path, json_body=subscription_wire(fields), idempotent=False,
                                       expect=(200, 201, 202))
        try:
            answer = resp.json() if (resp.text or '').strip() else None
        except HttpError:
            answer = None
        if isinstance(answer, list):
            answer = answer[0] if answer else None
        return normalize_subscription(answer) if isinstance(answer, dict) else None

    def update_subscription(self, subscription_id, changes, domain=None):
        self._subscription_call('PUT', subscriptions_path(domain, subscription_id), json_body=subscription_wire(changes),
                                expect=(200, 202, 204))

    def delete_subscription(self, subscription_id, domain=None):
        self._subscription_call('DELETE', subscriptions_path(domain, subscription_id), expect=(200, 202, 204))


def run_with_client(module, work, **client_kwargs):
    """``work(client)`` with a client made from the module's options, closed afterwards.

    The one place where a NetSapiens module fails for a missing ``requests`` or a NetSapiens error.
    """
    # First of all, so that no result, message or invocation holds credentials written into the host.
    protect_url_options(module, ('host',))
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

    ``fetch(client)`` returns the normalised records; malformed ones (with ``problem``) are returned like the
    others and counted in ``malformed``, for the planner to report. Reads change nothing, so they run in check mode too,
    and ``dest`` (the module's output, not a managed object) is written in check mode as well.
    """
    records, version = run_with_client(module, lambda client: (fetch(client), client.api_version), **client_kwargs)
    result = dict(changed=False, count=len(records), api_version=version,
                  malformed=sum(1 for record in records if record.get('problem')))
    dest = module.params.get('dest')
    if dest:
        try:
            result['dest'] = write_records_file(dest, records)
        except (NetSapiensError, OSError, IOError) as exc:
            module.fail_json(msg='cannot write %s records to %s: %s' % (result_key, dest, exc))
    else:
        result[result_key] = records
    module.exit_json(**result)
