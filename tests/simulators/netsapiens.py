# -*- coding: utf-8 -*-
# Copyright: (c) 2026, clearip.netsapiens contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""A strict NetSapiens API simulator (OAuth2, API v2 reads, API v1 reads), per /work/shared/api-contract.md.

Construct with ``NetSapiensSimulator(dataset=None, host='127.0.0.1', port=0, config=None)``; it takes
``dataset["netsapiens"]`` (records in v2 field names; missing keys are empty lists). Without a
dataset it holds no records and these credentials (from ``tests.simulators.dataset``):
client ``sim-client`` / ``sim-client-secret``, user ``api@sim.example`` / ``sim-api-password``,
API key ``nss_simulatorapikey0000000000000000``.

Endpoints (names as counted in ``/_sim/stats``):

- Token endpoints (config ``token_endpoints``, default both, ``["v2", "legacy"]``; one left out answers 404,
  as a core without it does):

  - ``POST /ns-api/v2/tokens`` (the published v2 description) JSON only (``Content-Type: application/json``,
    a JSON object). ``grant_type`` ``password`` (client_id, client_secret, username, password) or
    ``refresh_token`` (client_id, client_secret, refresh_token). Errors in the description's
    ErrorResponse shape ``{"code", "message"}``: missing fields, a body that is not a JSON object or
    another grant type: 400; unknown client or wrong secret: 401; wrong user or password: 401; wrong
    refresh token: 400. Also 404 when ``v2_enabled`` is False (an old core has no ``/ns-api/v2`` at all).
  - ``POST /ns-api/oauth2/token/`` (older cores) form-encoded only, the same grants. Unknown client or
    wrong secret: 401 ``invalid_client``; wrong user, password or refresh token: 400 ``invalid_grant``;
    missing fields: 400 ``invalid_request``; other grant types: 400 ``unsupported_grant_type``.

  Both answer the same token fields and issue tokens good for v1 and v2 calls. Refresh tokens stay
  valid after use (each refresh also returns a new one). The token user's ``domain`` is the part of
  the username after ``@``.
- ``GET /ns-api/v2/resellers``, ``/ns-api/v2/domains``, ``/ns-api/v2/domains/{domain}/users``,
  ``/ns-api/v2/connections`` (filters ``domain``, ``reseller``) and each ``.../count`` -> ``{"total": N}``.
  Authorization: an OAuth access token or an API key (``nss_``/``nsr_``/``nsd_`` + listed in
  ``api_keys``). Unknown domain in ``/domains/{domain}/users[/count]``: 404.
- ``POST /ns-api/`` (v1): ``object``, ``action`` (read|count) and ``format`` from the query string
  or form fields (the form wins), other parameters as form fields; OAuth access token only (an
  API key gets 401). Objects reseller, domain, subscriber (``domain`` required, else 400), connection.
  Without ``format=json`` the answer is XML. A subscriber read for an unknown domain is an empty list.

Paging (every list, v2 and v1): ``start`` 0-based (default 0), ``limit`` default 100; a limit above
1000 answers 400, because a client must not assume a server silently caps it (config
``over_max_limit: "cap"`` caps instead). Non-integer or negative values answer 400. The v2 lists
and the v1 subscriber read page by default; the v1 reseller, domain and connection reads return
everything unless ``limit`` is given, since no source documents paging for them.

Config (``config=`` or ``POST /_sim/config``):

- ``token_lifetime`` seconds (3600), judged when the request is handled, after any fault's delay
  (``token_judged_at`` ``"arrival"``: when it arrived); ``token_without_access_token`` (False): 200 without ``access_token``
- ``page_cap`` (None): at most this many records per page whatever the limit asked
- ``ignore_start_routes`` ([]): endpoints whose ``start`` is ignored, named ``"GET /ns-api/v2/domains"``
  or in the short v2 form ``"GET /domains"`` (v1: ``"POST /ns-api/ subscriber"``)
- ``v2_enabled`` (True): False makes every ``/ns-api/v2`` path answer 404 (the v2 token endpoint too), as an older core does
- ``token_endpoints`` (``["v2", "legacy"]``): the token endpoints that exist
- ``order`` ``"stored"`` | ``"reverse"`` | ``"shuffled"`` (default; seeded by ``order_seed``, the same order on every
  page; counted as ``behaviours['reordered']`` when a list left the stored order)
- ``route_page_caps`` (default UNKIND_ROUTE_PAGE_CAPS: the users of a domain 37 a page, domains 61): endpoints, named as
  in ``ignore_start_routes``, that serve at most that many records a page whatever the limit (counted as
  ``behaviours['route_page_cap']``); ``{}`` honours the limit on every route

- ``count_lag`` (default 1): every ``/count`` (v2 ``.../count`` and v1 ``action=count``) answers for the platform as it
  was before its ``count_lag`` most recent admin changes (``/_sim/remove``, ``/_sim/move-domain``, a
  ``/_sim/users`` that added someone), as a server whose counts come from a snapshot refreshed later than its lists
  (the contract has counts only as ``{"total": N}`` and never says they are current). Counted as
  ``behaviours['count_lag']`` for each count that differed from the list as it is now; 0 makes counts current.
- ``optional_fields`` ``"sparse"`` (default) | ``"as_stored"``: in v2 list and one-record answers (resellers, domains,
  users, connections, dial rules), a field that the description's answer schema does not require
  (``ANSWER_REQUIRED``) and that holds no value ('' or null) is left out of records at even places of the answer
  and null at odd ones, as the contract allows ("A record may lack a field or carry null"); a field with a value
  is always sent. Counted as ``behaviours['optional_field_omitted']`` and ``['optional_field_null']``. The v1 reads
  (no published answer schema) answer every field.

The defaults are the unkind ones the contract allows; ``KIND`` names the kind ones (stored order, every limit
honoured, current counts, optional fields as stored) for a test that needs them.
- ``default_limit`` (100), ``max_limit`` (1000), ``over_max_limit`` (``"error"`` | ``"cap"``)

Dial rules (API v2 only; dataset key ``dialrules``: records in v2 field names plus ``domain`` and
``dialplan``; optional key ``dialplans``: ``[{"domain", "dialplan"}]`` for plans without rules; a plan
exists when either names it):

- ``GET|POST /ns-api/v2/domains/{domain}/dialplans/{dialplan}/dialrules``, ``GET .../dialrules/count``,
  ``GET|PUT|DELETE .../dialrules/{dialrule}``. Unknown domain or dial plan: 404; unknown rule: 404.
- A rule's id is the base64 of its seven matching fields joined with ``||`` (absent ones are ``*``),
  as the v2 spec describes; reads carry it in the field ``dialrule`` (config ``dialrule_id_in_records``
  False leaves it out) and ``dial-rule-dial-plan``.
- The fields the v2 description requires must be in the body (an empty string counts as given), else
  422 ``{"code": 422, "message": "missing required fields: <names>"}``, as a schema-validating server
  answers: POST ``synchronous``, ``dial-rule-matching-to-uri`` (not empty) and
  ``dial-rule-translation-destination-user``; PUT ``dialrule`` and ``dial-rule-translation-destination-user``.
- POST: the same matching fields twice: 409; ``synchronous: "yes"`` answers 200 with the rule, otherwise
  202. Config ``dialrule_create_answer`` ``"other"`` (default ``"rule"``) answers 200 with another rule of
  the dial plan instead (the new rule is still stored), as a confused server might.
  PUT answers 202; it cannot change a matching field (400) and its ``dialrule`` must be the URL's (400).
  DELETE answers 202. Unknown fields, values that are not strings and ``enabled`` other than yes/no
  answer 400. Writes are counted in ``/_sim/stats``.

Malformed records (dataset key ``malformed``: ``[{"list": "resellers"|"domains"|"users"|"connections",
"domain": <users only>, "at": <0-based index>, "record": <any JSON value>}]``) are served verbatim at that
place of the v2 list (and counted by its ``/count``), to test how a client takes records it cannot use.

``/_sim/stats`` also has ``"v1": {"<object> <action>": n}``, since all v1 calls share one endpoint.

Changing the platform between runs (admin calls, never counted as API traffic or writes):

- ``POST /_sim/remove`` ``{"resellers": [name], "domains": [name], "users": ["user@domain"]}`` removes
  exactly those records, as an administrator deleting them would. A domain takes its users,
  connections and dial rules with it; a reseller does not take its domains (remove them too, or
  they point to a reseller NetSapiens does not list). A name that does not exist answers 404 and
  nothing is removed.
- ``POST /_sim/move-domain`` ``{"domain": name, "reseller": name}`` gives a domain another reseller;
  404 for an unknown domain or reseller.

Event subscriptions (API v2; the contract's "Event subscriptions", the description's schema ``Subscription``;
dataset key ``subscriptions``, records in the schema's field names):

- ``POST|GET /ns-api/v2/subscriptions`` and ``/ns-api/v2/domains/{domain}/subscriptions`` (the domain
  form forces the subscription's ``domain``; an unknown domain is 404); ``GET|PUT|DELETE`` of
  ``.../subscriptions/{id}``. A body may carry ``model``, ``post-url``, ``reseller``, ``domain``, ``user``
  (``*`` when not given; a create only: an update with them is 400, as the description's update schema has
  none of them), ``subscription-expires-datetime`` (``YYYY-MM-DD HH:MM:SS``, read as UTC:
  **inferred**), ``preferred-server``, ``subscription-geo-support`` (yes|no), and in an update
  ``error-count``/``posts-count`` set to 0 (a reset). Any other field (the v1 ``expires``, the description
  example's ``server_preferred``), a non-string value, a ``model`` not of the contract's models or a
  ``post-url`` that is not http(s): 400. POST answers 200 with the record (config
  ``subscription_create_answer`` ``"accepted"`` answers 202 with no record instead); a live subscription
  with the same model, post-url, reseller, domain and user already there: 409. PUT 200 with the record;
  DELETE 202.
- A record also carries what the server sets: ``id``, ``status`` (``pending`` until a post, then
  ``active``, or ``error`` after a post that failed or was answered above 302), ``error-count``,
  ``posts-count``, ``current-active-server`` (config ``subscription_active_server``, default
  ``core1.sim.example``, when it is made; ``""`` models a core where no server sends its events: such a
  subscription gets no post), ``subscription-creation-datetime``, ``subscription-expires-datetime``.
- A create without ``subscription-expires-datetime`` expires with the credentials that made it, as the
  description says: an OAuth access token's expiry, or 20 years ahead for an API key. A subscription past
  its expiry is not listed and gets no event.
- Config ``subscription_list_lag`` (0): each subscription (of the dataset, or made later) is left out of
  that many list answers, as a list lagging behind the writes, where a create can meet a 409 for a
  subscription the list did not show.
- ``POST /_sim/users`` ``{"users": [user records in v2 field names]}`` (admin): adds the users (a
  user already there, same domain and user, is not added twice) and then, in the background, posts
  to each live ``subscriber`` subscription with a current active server whose reseller, domain and
  user filters (``*`` = any) match. Config ``event_post_shape``: ``"list"`` (default, as the vendor
  documents every post: a JSON array of objects) one post per subscription holding the list of its
  matching records; ``"record"`` one post per user holding the record as a bare JSON object (not what
  NetSapiens documents; for the event source's tolerance). Each post's outcome (``url``, ``status`` or
  ``error``, ``users``) lands in ``/_sim/state`` ``event_posts`` and in the subscription's counters;
  ``POST /_sim/users`` answers ``{"added": n, "posts_pending": n}``.

Contract checking (config ``contract_validation``, default False; the integration fixtures turn it on):
every API request is checked against the published v2 description (tests/contract/netsapiens_v2.py) before
it is answered; the answer does not change. ``GET /_sim/contract`` lists the distinct requests checked and
the refused ones with the reasons (``NetSapiensSimulator.contract_refused`` in-process).
"""

from __future__ import annotations

import base64
import calendar
import copy
import json
import random
import threading
import time
import urllib.error
import urllib.request
import uuid
from xml.sax.saxutils import escape

from tests.simulators.base import ApiError, Response, SimServer
from tests.simulators import dataset as defaults

V2 = '/ns-api/v2'
V1_ENDPOINT = 'POST /ns-api/'
API_KEY_PREFIXES = ('nss_', 'nsr_', 'nsd_')
V1_OBJECTS = ('reseller', 'domain', 'subscriber', 'connection')
DIALRULES = V2 + '/domains/{domain}/dialplans/{dialplan}/dialrules'
DIALRULE_ID_PARTS = ('dial-rule-matching-to-uri', 'dial-rule-matching-from-uri', 'dial-rule-matching-day-of-week',
                     'dial-rule-matching-start-date', 'dial-rule-matching-end-date', 'dial-rule-matching-start-time',
                     'dial-rule-matching-end-time')
DIALRULE_WRITABLE = DIALRULE_ID_PARTS + (
    'enabled', 'dial-rule-application', 'dial-rule-parameter', 'dial-rule-translation-destination-scheme',
    'dial-rule-translation-destination-user', 'dial-rule-translation-destination-host', 'dial-rule-translation-source-name',
    'dial-rule-translation-source-scheme', 'dial-rule-translation-source-user', 'dial-rule-translation-source-host',
    'dial-rule-description')

# What the v2 description (v45.0) marks required in a dial-rule body.
DIALRULE_POST_REQUIRED = ('synchronous', 'dial-rule-matching-to-uri', 'dial-rule-translation-destination-user')
DIALRULE_PUT_REQUIRED = ('dialrule', 'dial-rule-translation-destination-user')


SUBSCRIPTIONS = V2 + '/subscriptions'
DOMAIN_SUBSCRIPTIONS = V2 + '/domains/{domain}/subscriptions'
SUBSCRIPTION_MODELS = ('agent', 'auditlog', 'auditlog_lite', 'call', 'call_origid', 'cdr', 'message', 'messagesession',
                       'subscriber', 'presence', 'voicemail')
# The schema Subscription of the published v2 description: what a create or an update may carry, and what
# only the server sets. error-count and posts-count may be set, but only to 0 (a reset).
SUBSCRIPTION_WRITABLE = ('model', 'post-url', 'subscription-geo-support', 'reseller', 'domain', 'user',
                         'subscription-expires-datetime', 'preferred-server', 'error-count', 'posts-count')
# An update (PUT) takes no reseller, domain or user (the description's update schema).
SUBSCRIPTION_CREATE_ONLY = ('reseller', 'domain', 'user')
SUBSCRIPTION_READ_ONLY = ('id', 'status', 'current-active-server', 'subscription-creation-datetime', 'user-scope')
SUBSCRIPTION_COUNTERS = ('error-count', 'posts-count')
SUBSCRIPTION_MATCH = ('model', 'post-url', 'reseller', 'domain', 'user')   # the same ones twice: 409
SUBSCRIPTION_TIME_FORMAT = '%Y-%m-%d %H:%M:%S'
# Without an expiry, a subscription made with an API key lives this long (the description: 20 years).
SUBSCRIPTION_API_KEY_LIFETIME = 20 * 365.25 * 86400
# A post answered above this status counts as an error (the description, error-count).
SUBSCRIPTION_POST_OK_MAX = 302


# Unkind by default, as far as the contract allows (issue 24): the lists come in no particular order (the
# same on every page), and some routes serve fewer records than the limit asked, whatever it was. A test that
# needs the kind behaviour asks for it by name: ``config=dict(KIND)`` (or some of its keys).
UNKIND_ROUTE_PAGE_CAPS = {'GET /domains/{domain}/users': 37, 'GET /domains': 61}
KIND = {'order': 'stored', 'route_page_caps': {}, 'token_judged_at': 'arrival', 'count_lag': 0,
        'optional_fields': 'as_stored'}

# What the published v2 description (v45.0) requires in each list's (and one record's) answer schema: every
# other field is optional, so a server may leave it out or send null (config optional_fields).
ANSWER_REQUIRED = {
    'resellers': ('reseller',),
    'domains': ('domain', 'reseller', 'description'),
    'users': ('domain', 'user', 'name-first-name', 'name-last-name', 'email-address', 'user-scope'),
    'connections': ('connection-orig-match-pattern', 'domain'),
    'dialrules': ('domain', 'dialrule', 'dial-rule-matching-to-uri', 'dial-rule-dial-plan',
                  'dial-rule-translation-destination-user'),
}
# The platform's state that the counts are computed from (config count_lag).
PLATFORM_LISTS = ('resellers', 'domains', 'users', 'connections', 'dialrules')


def subscription_expired(subscription, now=None):
    """Whether ``subscription-expires-datetime`` (UTC ``YYYY-MM-DD HH:MM:SS``) has passed; without one it never does."""
    expires = subscription.get('subscription-expires-datetime')
    if not expires:
        return False
    return calendar.timegm(time.strptime(expires, SUBSCRIPTION_TIME_FORMAT)) <= (time.time() if now is None else now)


def _utc(unix_time):
    return time.strftime(SUBSCRIPTION_TIME_FORMAT, time.gmtime(unix_time))


def dialrule_id(rule):
    """The v2 id of a dial rule: base64 of its matching fields joined with '||'."""
    joined = '||'.join(rule.get(name) or '*' for name in DIALRULE_ID_PARTS)
    return base64.b64encode(joined.encode('utf-8')).decode('ascii')


def default_netsapiens_section():
    """The credentials a simulator without a dataset accepts, and no records."""
    return {
        'oauth_clients': [{'client_id': defaults.NS_CLIENT_ID, 'client_secret': defaults.NS_CLIENT_SECRET}],
        'api_users': [{'username': defaults.NS_USERNAME, 'password': defaults.NS_PASSWORD}],
        'api_keys': [defaults.NS_API_KEY],
    }


class NetSapiensSimulator(SimServer):
    """See the module docstring."""

    name = 'netsapiens-simulator'

    def __init__(self, dataset=None, host='127.0.0.1', port=0, config=None):
        super(NetSapiensSimulator, self).__init__(host=host, port=port, config=config)
        section = default_netsapiens_section() if dataset is None else (dataset.get('netsapiens') or {})
        self.resellers = [dict(r) for r in section.get('resellers', [])]
        self.domains = [dict(d) for d in section.get('domains', [])]
        self.users = [dict(u) for u in section.get('users', [])]
        self.connections = [dict(c) for c in section.get('connections', [])]
        self.dialrules = [dict(r) for r in section.get('dialrules', [])]
        # Records served verbatim (any JSON value) among a v2 list's records, to test malformed input:
        # [{"list": "resellers"|"domains"|"users"|"connections", "domain": <users only>, "at": <0-based index>, "record": ...}]
        self.malformed = [dict(m) for m in section.get('malformed', [])]
        self.dialplans = set((p['domain'], p['dialplan']) for p in section.get('dialplans', []))
        self.dialplans.update((r.get('domain'), r.get('dialplan')) for r in self.dialrules)
        self.oauth_clients = dict((c['client_id'], c['client_secret']) for c in section.get('oauth_clients', []))
        self.api_users = dict((u['username'], u) for u in section.get('api_users', []))
        self.api_keys = set(section.get('api_keys', []))
        self.access_tokens = {}     # token -> (expires_at monotonic, username)
        self.refresh_tokens = {}    # token -> (client_id, username)
        self.v1_requests = {}
        self._before_changes = []   # the platform before each of the count_lag latest admin changes, oldest first
        self._token_lock = threading.Lock()
        self.subscriptions = [self._subscription_record(dict(x)) for x in section.get('subscriptions', [])]
        # id -> list answers that still leave the subscription out (config subscription_list_lag; the dataset's too)
        self._subscription_unlisted = dict((x['id'], int(self.config['subscription_list_lag'])) for x in self.subscriptions)
        self.event_posts = []
        self._event_threads = []
        # Requests checked against the published API v2 description (config contract_validation):
        # key -> [count, tests.contract.netsapiens_v2.Checked], and key -> Checked for the refused ones.
        self.contract_checked = {}
        self.contract_refused = {}

        self.route('POST', V2 + '/tokens', self.v2_token)
        self.route('POST', '/ns-api/oauth2/token/', self.token)
        self.route('POST', '/ns-api/', self.v1)
        # Each select is (platform, request) -> records: the platform is this simulator, or for a count the
        # lagging view of it (config count_lag).
        resellers = self._with_malformed('resellers', lambda sim, r: sim.resellers)
        domains = self._with_malformed('domains', lambda sim, r: sim.domains)
        users = self._with_malformed('users', lambda sim, r: sim.domain_users(r))
        connections = self._with_malformed('connections', lambda sim, r: sim.filtered_connections(r))

        def plan_rules(sim, request):
            return sim.plan_rules(request)

        self._v2_route('/resellers/count', self.v2_count, resellers)
        self._v2_route('/resellers', self.v2_list, resellers, 'resellers')
        self._v2_route('/domains/count', self.v2_count, domains)
        self._v2_route('/domains', self.v2_list, domains, 'domains')
        self._v2_route('/domains/{domain}/users/count', self.v2_count, users)
        self._v2_route('/domains/{domain}/users', self.v2_list, users, 'users')
        self._v2_route('/connections/count', self.v2_count, connections)
        self._v2_route('/connections', self.v2_list, connections, 'connections')
        # One record (the v2 description: GET /domains/{domain}, GET /resellers/{reseller}; 404 when absent).
        self.route('GET', V2 + '/domains/{domain}', lambda request: self.v2_one(request, 'domain', 'domains', domains))
        self.route('GET', V2 + '/resellers/{reseller}', lambda request: self.v2_one(request, 'reseller', 'resellers', resellers))
        self._v2_route('/domains/{domain}/dialplans/{dialplan}/dialrules/count', self.v2_count, plan_rules)
        self._v2_route('/domains/{domain}/dialplans/{dialplan}/dialrules', self.dialrule_list, plan_rules)
        self.route('POST', DIALRULES, self.dialrule_create, write=True)
        self.route('GET', DIALRULES + '/{dialrule}', self.dialrule_read)
        self.route('PUT', DIALRULES + '/{dialrule}', self.dialrule_update, write=True)
        self.route('DELETE', DIALRULES + '/{dialrule}', self.dialrule_delete, write=True)
        for base in (SUBSCRIPTIONS, DOMAIN_SUBSCRIPTIONS):
            self.route('GET', base, self.subscription_list)
            self.route('POST', base, self.subscription_create, write=True)
            self.route('GET', base + '/{id}', self.subscription_read)
            self.route('PUT', base + '/{id}', self.subscription_update, write=True)
            self.route('DELETE', base + '/{id}', self.subscription_delete, write=True)

    def _with_malformed(self, kind, select):
        """``select`` with the dataset's ``malformed`` records of list ``kind`` inserted (v2 lists only)."""
        def selected(sim, request):
            records = list(select(sim, request))
            for item in self.malformed:
                if item['list'] == kind and (kind != 'users' or item.get('domain') == request.params.get('domain')):
                    records.insert(min(int(item.get('at', len(records))), len(records)), item['record'])
            return records
        return selected

    def _v2_route(self, template, answer, select, *extra):
        """Route ``GET /ns-api/v2<template>`` to ``answer(request, names, select, *extra)``."""
        names = ('GET ' + V2 + template, 'GET ' + template)
        self.route('GET', V2 + template, lambda request: answer(request, names, select, *extra))

    def default_config(self):
        return {
            'token_lifetime': 3600,
            'token_without_access_token': False,
            'page_cap': None,
            'ignore_start_routes': [],
            'v2_enabled': True,
            'token_endpoints': ['v2', 'legacy'],
            'dialrule_create_answer': 'rule',
            'order': 'shuffled',
            'order_seed': 0,
            'route_page_caps': dict(UNKIND_ROUTE_PAGE_CAPS),
            'token_judged_at': 'answer',
            'default_limit': 100,
            'max_limit': 1000,
            'over_max_limit': 'error',
            'dialrule_id_in_records': True,
            'subscription_create_answer': 'record',
            'subscription_active_server': 'core1.sim.example',
            'subscription_list_lag': 0,
            'event_post_shape': 'list',
            'contract_validation': False,
            'count_lag': 1,
            'optional_fields': 'sparse',
        }

    def dump_state(self):
        return {'resellers': self.resellers, 'domains': self.domains, 'users': self.users,
                'connections': self.connections, 'dialrules': self.dialrules,
                'dialplans': [{'domain': d, 'dialplan': p} for d, p in sorted(self.dialplans)],
                'live_access_tokens': self._live_token_count(),
                'subscriptions': self.subscriptions, 'event_posts': list(self.event_posts)}

    def observe(self, request):
        """With ``contract_validation``, check the request against the published description and record it."""
        if not self.config.get('contract_validation'):
            return
        from tests.contract import netsapiens_v2 as contract

        headers = {}
        if request.headers.get('Content-Type'):
            headers['Content-Type'] = request.headers['Content-Type']
        if request.headers.get('Authorization'):
            # The scheme is what the description checks; the token stays out of the cache key and any message.
            headers['Authorization'] = request.headers['Authorization'].split(' ', 1)[0] + ' <token>'
        pairs = [(name, value) for name, values in request.query_lists.items() for value in values]
        checked = contract.check(request.method, request.path, pairs, headers, request.raw_body)
        with self.lock:
            self.contract_checked.setdefault(checked.key, [0, checked])[0] += 1
            if checked.refused:
                self.contract_refused.setdefault(checked.key, checked)

    def contract_report(self):
        """``GET /_sim/contract``: the distinct requests checked, and the refused ones with the reasons."""
        from tests.contract.netsapiens_v2 import Checked

        with self.lock:
            return {'enabled': bool(self.config.get('contract_validation')),
                    'checked': [Checked(key).describe() for key in sorted(self.contract_checked)],
                    'refused': [self.contract_refused[key].as_dict() for key in sorted(self.contract_refused)]}

    def _admin_base(self, method, path, request):
        if method == 'GET' and path == '/_sim/contract':
            return 200, self.contract_report()
        status, payload = super(NetSapiensSimulator, self).admin(method, path, request)
        if method == 'GET' and path == '/_sim/stats':
            with self.lock:
                payload['v1'] = dict(self.v1_requests)
        elif method == 'POST' and path == '/_sim/reset-stats':
            with self.lock:
                self.v1_requests.clear()
        elif method == 'POST' and path == '/_sim/users':
            return 200, self.add_users((request.json() or {}).get('users') or [])
        return status, payload

    def _admin_remove(self, body):
        resellers = list(body.get('resellers') or [])
        domains = list(body.get('domains') or [])
        users = [tuple(u.split('@', 1)) if isinstance(u, str) and '@' in u else None for u in body.get('users') or []]
        unknown = [r for r in resellers if not any(x.get('reseller') == r for x in self.resellers)]
        unknown += [d for d in domains if not any(x.get('domain') == d for x in self.domains)]
        unknown += ['%s@%s' % u if u else 'user %r (give user@domain)' % (u,) for u in users
                    if u is None or not any((x.get('user'), x.get('domain')) == u for x in self.users)]
        if unknown:
            return 404, {'message': 'not found, nothing removed: %s' % ', '.join(unknown)}
        self._changing()
        gone_domains = set(domains)
        self.resellers = [x for x in self.resellers if x.get('reseller') not in resellers]
        self.domains = [x for x in self.domains if x.get('domain') not in gone_domains]
        self.users = [x for x in self.users if x.get('domain') not in gone_domains and (x.get('user'), x.get('domain')) not in users]
        self.connections = [x for x in self.connections if x.get('domain') not in gone_domains]
        self.dialrules = [x for x in self.dialrules if x.get('domain') not in gone_domains]
        self.dialplans = set(p for p in self.dialplans if p[0] not in gone_domains)
        return 200, {'resellers': len(self.resellers), 'domains': len(self.domains), 'users': len(self.users)}

    def _admin_move_domain(self, body):
        domain, reseller = body.get('domain'), body.get('reseller')
        if not any(x.get('reseller') == reseller for x in self.resellers):
            return 404, {'message': 'reseller %r not found' % reseller}
        for record in self.domains:
            if record.get('domain') == domain:
                self._changing()
                record['reseller'] = reseller
                return 200, dict(record)
        return 404, {'message': 'domain %r not found' % domain}

    def admin(self, method, path, request):
        if method == 'POST' and path in ('/_sim/remove', '/_sim/move-domain'):
            body = request.json() or {}
            with self.lock:
                if path == '/_sim/remove':
                    return self._admin_remove(body)
                return self._admin_move_domain(body)
        return self._admin_base(method, path, request)

    # -- OAuth2 --------------------------------------------------------------------------------
    def v2_token(self, request):
        """``POST /ns-api/v2/tokens``: JSON grants, errors as ``{code, message}`` (the v2 ErrorResponse)."""
        if 'v2' not in self.config['token_endpoints'] or not self.config['v2_enabled']:
            raise ApiError(404, {'code': 404, 'message': 'Not Found'})

        def error(status, _oauth_code, message):
            return ApiError(status, {'code': status, 'message': message})

        content_type = (request.headers.get('Content-Type') or '').split(';')[0].strip().lower()
        if content_type != 'application/json':
            raise error(400, 'invalid_request', 'the body must be JSON (Content-Type: application/json)')
        body = request.json()
        if not isinstance(body, dict) or not all(isinstance(v, str) for v in body.values()):
            raise error(400, 'invalid_request', 'the body must be a JSON object of strings')
        # Wrong user or password: 401 here (the description's "Authentication Required"), 400 at the legacy one.
        return self._grant(body, error, user_status=401)

    def token(self, request):
        """``POST /ns-api/oauth2/token/``: form-encoded grants, OAuth2 errors ``{error, error_description}``."""
        if 'legacy' not in self.config['token_endpoints']:
            raise ApiError(404, {'message': 'not found: %s' % request.path})

        def error(status, oauth_code, message):
            return ApiError(status, {'error': oauth_code, 'error_description': message})

        content_type = (request.headers.get('Content-Type') or '').split(';')[0].strip().lower()
        if content_type != 'application/x-www-form-urlencoded':
            raise error(400, 'invalid_request', 'the body must be form-encoded')
        return self._grant(request.form(), error, user_status=400)

    def _grant(self, form, error, user_status):
        """The token answer for a password or refresh_token grant; ``error(status, oauth_code, message)`` makes refusals."""
        grant = form.get('grant_type')
        if grant not in ('password', 'refresh_token'):
            raise error(400, 'unsupported_grant_type' if grant else 'invalid_request',
                        'grant_type must be password or refresh_token')
        needed = ('client_id', 'client_secret') + (('username', 'password') if grant == 'password' else ('refresh_token',))
        missing = [name for name in needed if not form.get(name)]
        if missing:
            raise error(400, 'invalid_request', 'missing: %s' % ', '.join(missing))
        if self.oauth_clients.get(form['client_id']) != form['client_secret']:
            raise error(401, 'invalid_client', 'The client credentials are invalid')
        with self._token_lock:
            if grant == 'password':
                account = self.api_users.get(form['username'])
                if account is None or account.get('password') != form['password']:
                    raise error(user_status, 'invalid_grant', 'Invalid username and password combination')
                username = form['username']
            else:
                owner = self.refresh_tokens.get(form['refresh_token'])
                if owner is None or owner[0] != form['client_id']:
                    raise error(400, 'invalid_grant', 'Invalid refresh token')
                username = owner[1]
            lifetime = self.config['token_lifetime']
            access_token = self.issue(uuid.uuid4().hex)
            refresh_token = self.issue(uuid.uuid4().hex)
            self.access_tokens[access_token] = (time.monotonic() + lifetime, username)
            self.refresh_tokens[refresh_token] = (form['client_id'], username)
        account = self.api_users[username]
        user, _sep, domain = username.partition('@')
        answer = {
            'access_token': access_token,
            'token_type': 'Bearer',
            'expires_in': int(lifetime),
            'refresh_token': refresh_token,
            'scope': account.get('scope', 'Super User'),
            'domain': account.get('domain', domain),
            'territory': account.get('territory', self._reseller_of(domain) or ''),
            'user': account.get('user', user),
        }
        if self.config['token_without_access_token']:
            del answer['access_token']
        return answer

    def _live_token_count(self):
        now = time.monotonic()
        with self._token_lock:
            return sum(1 for expires_at, _user in self.access_tokens.values() if expires_at > now)

    def authorize(self, request, allow_api_key):
        token = request.bearer()
        if not token:
            raise ApiError(401, {'code': 401, 'message': 'Authorization header with a Bearer token is required'})
        if token.startswith(API_KEY_PREFIXES):
            if allow_api_key and token in self.api_keys:
                return
            raise ApiError(401, {'code': 401, 'message': 'API key not accepted here' if token in self.api_keys else 'invalid API key'})
        with self._token_lock:
            entry = self.access_tokens.get(token)
        if entry is None:
            raise ApiError(401, {'code': 401, 'message': 'invalid access token'})
        if entry[0] <= (request.arrived_monotonic if self.config['token_judged_at'] == 'arrival' else time.monotonic()):
            raise ApiError(401, {'code': 401, 'message': 'access token expired'})

    # -- shared list machinery -----------------------------------------------------------------
    def _reseller_of(self, domain):
        for item in self.domains:
            if item.get('domain') == domain:
                return item.get('reseller')
        return None

    def ordered(self, records):
        order = self.config['order']
        stored = list(records)
        records = list(stored)
        if order == 'reverse':
            records.reverse()
        elif order == 'shuffled':
            random.Random(self.config['order_seed']).shuffle(records)
        elif order != 'stored':
            raise ApiError(500, {'code': 500, 'message': 'simulator misconfigured: order %r' % order})
        if records != stored:
            self.behaved('reordered')   # the order took effect: this list left the stored order
        return records

    def _int_param(self, params, name, default):
        value = params.get(name)
        if value is None or value == '':
            return default
        try:
            number = int(value)
        except ValueError:
            raise ApiError(400, {'code': 400, 'message': '%s must be an integer' % name})
        if number < 0:
            raise ApiError(400, {'code': 400, 'message': '%s must not be negative' % name})
        return number

    def page(self, records, params, endpoint_names, paged_by_default=True):
        """Slice ``records`` by start/limit under the configured quirks."""
        start = self._int_param(params, 'start', 0)
        limit = self._int_param(params, 'limit', None)
        if limit is None:
            if not paged_by_default:
                limit = len(records)
            else:
                limit = self.config['default_limit']
        elif limit == 0:
            raise ApiError(400, {'code': 400, 'message': 'limit must be at least 1'})
        elif limit > self.config['max_limit']:
            if self.config['over_max_limit'] != 'cap':
                raise ApiError(400, {'code': 400, 'message': 'limit must be at most %d' % self.config['max_limit']})
            limit = self.config['max_limit']
        if self.config['page_cap'] is not None:
            limit = min(limit, int(self.config['page_cap']))
        caps = [int(cap) for name, cap in (self.config['route_page_caps'] or {}).items() if name in endpoint_names]
        if caps and min(caps) < limit:
            limit = min(caps)
            self.behaved('route_page_cap')   # this route served fewer than the limit asked
        ignored = self.config['ignore_start_routes'] or []
        if any(name in ignored for name in endpoint_names) and start > 0:
            self.fire('ignored_start')
            start = 0
        return self.ordered(records)[start:start + limit]

    # -- v2 ------------------------------------------------------------------------------------
    def _v2_guard(self, request):
        if not self.config['v2_enabled']:
            raise ApiError(404, {'code': 404, 'message': 'Not Found'})
        self.authorize(request, allow_api_key=True)

    def v2_list(self, request, names, select, kind):
        self._v2_guard(request)
        page = self.page(select(self, request), request.query, names)
        return [self.answered(kind, r, place) for place, r in enumerate(page)]

    def v2_one(self, request, field, kind, select):
        """``GET /domains/{domain}``, ``GET /resellers/{reseller}``: the one record of that name, or 404."""
        self._v2_guard(request)
        wanted = request.params[field]
        for record in select(self, request):
            if isinstance(record, dict) and record.get(field) == wanted:
                return self.answered(kind, record, 0)
        raise ApiError(404, {'code': 404, 'message': '%s %s not found' % (field, wanted)})

    def answered(self, kind, record, place):
        """A copy of ``record`` as a list or read answers it: with config ``optional_fields`` ``"sparse"``, each
        field the description does not require (ANSWER_REQUIRED) and that holds no value ('' or null) is left out
        at even places of the answer and null at odd ones (counted as ``behaviours['optional_field_omitted']``
        and ``['optional_field_null']``)."""
        if not isinstance(record, dict):
            return record
        record = dict(record)
        if self.config['optional_fields'] == 'as_stored':
            return record
        if self.config['optional_fields'] != 'sparse':
            raise ApiError(500, {'code': 500, 'message': 'simulator misconfigured: optional_fields %r' % self.config['optional_fields']})
        for name in [n for n, v in record.items() if v in ('', None) and n not in ANSWER_REQUIRED[kind]]:
            if place % 2 == 0:
                del record[name]
                self.behaved('optional_field_omitted')
            elif record[name] is not None:
                record[name] = None
                self.behaved('optional_field_null')
        return record

    def lagging(self):
        """The platform the counts see (config ``count_lag``): this simulator as it was before its ``count_lag``
        most recent changes (``/_sim/remove``, ``/_sim/move-domain``, ``/_sim/users``), or as it is."""
        with self.lock:
            if not self._before_changes or int(self.config['count_lag'] or 0) <= 0:
                return self
            view = copy.copy(self)
            state = self._before_changes[0]
        for name in PLATFORM_LISTS:
            setattr(view, name, state[name])
        view.dialplans = state['dialplans']
        return view

    def _changing(self):
        """Keep the platform as it is before an admin change, for the lagging counts (call with the lock held)."""
        lag = int(self.config['count_lag'] or 0)
        if lag <= 0:
            self._before_changes = []
            return
        state = dict((name, [dict(r) for r in getattr(self, name)]) for name in PLATFORM_LISTS)
        state['dialplans'] = set(self.dialplans)
        self._before_changes = (self._before_changes + [state])[-lag:]

    def count_of(self, select, request):
        """``len(select(platform, request))`` on the lagging platform; counted as ``behaviours['count_lag']`` when
        it differs from the list as it is now."""
        total = len(select(self.lagging(), request))
        try:
            now = len(select(self, request))
        except ApiError:
            now = None   # gone from the platform, still in the lagging one
        if total != now:
            self.behaved('count_lag')
        return total

    def v2_count(self, request, names, select):
        self._v2_guard(request)
        return {'total': self.count_of(select, request)}

    def domain_users(self, request):
        domain = request.params['domain']
        if not any(d.get('domain') == domain for d in self.domains):
            raise ApiError(404, {'code': 404, 'message': 'domain %s not found' % domain})
        return [u for u in self.users if u.get('domain') == domain]

    def filtered_connections(self, request):
        found = self.connections
        if request.query.get('domain'):
            found = [c for c in found if c.get('domain') == request.query['domain']]
        if request.query.get('reseller'):
            found = [c for c in found if self._reseller_of(c.get('domain')) == request.query['reseller']]
        return found

    # -- v2 dial rules -------------------------------------------------------------------------
    def plan_rules(self, request):
        """The stored rules of the request's dial plan; 404 for an unknown domain or dial plan."""
        domain, plan = request.params['domain'], request.params['dialplan']
        if not any(d.get('domain') == domain for d in self.domains):
            raise ApiError(404, {'code': 404, 'message': 'domain %s not found' % domain})
        if (domain, plan) not in self.dialplans:
            raise ApiError(404, {'code': 404, 'message': 'dial plan %s not found in domain %s' % (plan, domain)})
        return [r for r in self.dialrules if r.get('domain') == domain and r.get('dialplan') == plan]

    def rule_answer(self, rule):
        answer = {'domain': rule.get('domain'), 'dial-rule-dial-plan': rule.get('dialplan')}
        answer.update((k, v) for k, v in rule.items() if k not in ('domain', 'dialplan'))
        if self.config['dialrule_id_in_records']:
            answer['dialrule'] = dialrule_id(rule)
        return answer

    def dialrule_list(self, request, names, select):
        self._v2_guard(request)
        page = self.page(select(self, request), request.query, names)
        return [self.answered('dialrules', self.rule_answer(r), place) for place, r in enumerate(page)]

    def _one_rule(self, request):
        self._v2_guard(request)
        for rule in self.plan_rules(request):
            if dialrule_id(rule) == request.params['dialrule']:
                return rule
        raise ApiError(404, {'code': 404, 'message': 'dial rule %s not found' % request.params['dialrule']})

    @staticmethod
    def _rule_body(request):
        body = request.json()
        if not isinstance(body, dict):
            raise ApiError(400, {'code': 400, 'message': 'the body must be a JSON object'})
        unknown = sorted(set(body) - set(DIALRULE_WRITABLE) - set(['synchronous', 'dialrule']))
        if unknown:
            raise ApiError(400, {'code': 400, 'message': 'unknown dial rule fields: %s' % ', '.join(unknown)})
        for key, value in body.items():
            if not isinstance(value, str):
                raise ApiError(400, {'code': 400, 'message': '%s must be a string' % key})
        if body.get('enabled', 'yes') not in ('yes', 'no'):
            raise ApiError(400, {'code': 400, 'message': 'enabled must be yes or no'})
        if body.get('synchronous', 'no') not in ('yes', 'no'):
            raise ApiError(400, {'code': 400, 'message': 'synchronous must be yes or no'})
        return body

    def dialrule_read(self, request):
        with self.lock:
            return self.answered('dialrules', self.rule_answer(self._one_rule(request)), 0)

    @staticmethod
    def _require(body, names):
        """422 naming every field of ``names`` missing from ``body``, as a schema-validating server answers."""
        missing = [name for name in names if name not in body]
        if missing:
            raise ApiError(422, {'code': 422, 'message': 'missing required fields: %s' % ', '.join(missing)})

    def dialrule_create(self, request):
        self._v2_guard(request)
        body = self._rule_body(request)
        if 'dialrule' in body:
            raise ApiError(400, {'code': 400, 'message': 'dialrule is given by the server, not in a create'})
        self._require(body, DIALRULE_POST_REQUIRED)
        if not body['dial-rule-matching-to-uri']:
            raise ApiError(400, {'code': 400, 'message': 'dial-rule-matching-to-uri must not be empty'})
        rule = {'domain': request.params['domain'], 'dialplan': request.params['dialplan']}
        rule.update((k, v) for k, v in body.items() if k != 'synchronous')
        rule.setdefault('dial-rule-matching-from-uri', '*')
        rule.setdefault('enabled', 'yes')
        with self.lock:
            if any(dialrule_id(r) == dialrule_id(rule) for r in self.plan_rules(request)):
                raise ApiError(409, {'code': 409, 'message': 'a dial rule with these matching fields exists'})
            self.dialrules.append(rule)
            others = [r for r in self.plan_rules(request) if r is not rule]
        if body.get('synchronous') == 'yes':
            if self.config['dialrule_create_answer'] == 'other' and others:
                return self.rule_answer(others[0])
            return self.rule_answer(rule)
        return 202, {'code': 202, 'message': 'Accepted'}

    def dialrule_update(self, request):
        self._v2_guard(request)
        body = self._rule_body(request)
        self._require(body, DIALRULE_PUT_REQUIRED)
        with self.lock:
            rule = self._one_rule(request)
            if body['dialrule'] != request.params['dialrule']:
                raise ApiError(400, {'code': 400, 'message': 'dialrule in the body differs from the URL'})
            changed = [k for k in DIALRULE_ID_PARTS if k in body and body[k] != (rule.get(k) or '*')]
            if changed:
                raise ApiError(400, {'code': 400, 'message': 'matching fields cannot change: %s' % ', '.join(changed)})
            rule.update((k, v) for k, v in body.items() if k not in ('dialrule', 'synchronous'))
        return 202, {'code': 202, 'message': 'Accepted'}

    def dialrule_delete(self, request):
        with self.lock:
            rule = self._one_rule(request)
            self.dialrules.remove(rule)
        return 202, {}

    # -- v2 event subscriptions -----------------------------------------------------------------
    def _subscription_record(self, item, expires=None):
        """A stored subscription with every field of the schema the server fills in."""
        now = time.time()
        record = {'id': uuid.uuid4().hex, 'reseller': '*', 'domain': '*', 'user': '*', 'subscription-geo-support': 'yes',
                  'preferred-server': '', 'current-active-server': self.config['subscription_active_server'],
                  'status': 'pending', 'error-count': 0, 'posts-count': 0,
                  'subscription-creation-datetime': _utc(now), 'subscription-expires-datetime': expires or ''}
        record.update(item)
        return record

    def _subscription_scope(self, request):
        """The domain of a ``/domains/{domain}/subscriptions`` route (404 if unknown), else None."""
        self._v2_guard(request)
        domain = request.params.get('domain')
        if domain is not None and not any(d.get('domain') == domain for d in self.domains):
            raise ApiError(404, {'code': 404, 'message': 'domain %s not found' % domain})
        return domain

    def _live_subscriptions(self, domain=None):
        return [x for x in self.subscriptions if not subscription_expired(x) and (domain is None or x.get('domain') == domain)]

    def _one_subscription(self, request):
        domain = self._subscription_scope(request)
        for item in self._live_subscriptions(domain):
            if item['id'] == request.params['id']:
                return item
        raise ApiError(404, {'code': 404, 'message': 'subscription %s not found' % request.params['id']})

    @staticmethod
    def _subscription_body(request, creating):
        body = request.json()
        if not isinstance(body, dict):
            raise ApiError(400, {'code': 400, 'message': 'the body must be a JSON object'})
        unknown = sorted(set(body) - set(SUBSCRIPTION_WRITABLE) - set(['id']))
        if unknown:
            raise ApiError(400, {'code': 400, 'message': 'unknown subscription fields: %s' % ', '.join(unknown)})
        fixed = sorted(set(body) & set(SUBSCRIPTION_CREATE_ONLY)) if not creating else []
        if fixed:
            raise ApiError(400, {'code': 400, 'message': 'an update cannot change %s' % ', '.join(fixed)})
        for key, value in body.items():
            if key in SUBSCRIPTION_COUNTERS:
                if creating or value != 0 or isinstance(value, bool):
                    raise ApiError(400, {'code': 400, 'message': '%s can only be reset to 0, in an update' % key})
            elif not isinstance(value, str):
                raise ApiError(400, {'code': 400, 'message': '%s must be a string' % key})
        if creating and ('model' not in body or 'post-url' not in body):
            raise ApiError(400, {'code': 400, 'message': 'model and post-url are required'})
        if 'model' in body and body['model'] not in SUBSCRIPTION_MODELS:
            raise ApiError(400, {'code': 400, 'message': 'model must be one of %s' % ', '.join(SUBSCRIPTION_MODELS)})
        if 'post-url' in body and not body['post-url'].startswith(('http://', 'https://')):
            raise ApiError(400, {'code': 400, 'message': 'post-url must be an http or https URL'})
        if body.get('subscription-geo-support', 'yes') not in ('yes', 'no'):
            raise ApiError(400, {'code': 400, 'message': 'subscription-geo-support must be yes or no'})
        if body.get('subscription-expires-datetime'):
            try:
                time.strptime(body['subscription-expires-datetime'], SUBSCRIPTION_TIME_FORMAT)
            except ValueError:
                raise ApiError(400, {'code': 400, 'message': 'subscription-expires-datetime must be YYYY-MM-DD HH:MM:SS'})
        return body

    def _token_expiry(self, request):
        """When a subscription made with this request's credentials expires, if it sets no expiry (the description):
        an API key's in 20 years, an access token's with the token."""
        token = request.bearer() or ''
        if token.startswith(API_KEY_PREFIXES):
            return _utc(time.time() + SUBSCRIPTION_API_KEY_LIFETIME)
        with self._token_lock:
            entry = self.access_tokens.get(token)
        left = entry[0] - time.monotonic() if entry else 0
        return _utc(time.time() + max(0, left))

    def subscription_list(self, request):
        domain = self._subscription_scope(request)
        with self.lock:
            listed = []
            for item in self._live_subscriptions(domain):
                hidden = self._subscription_unlisted.get(item['id'], 0)
                if hidden > 0:
                    self._subscription_unlisted[item['id']] = hidden - 1
                    continue
                listed.append(dict(item))
            return listed

    def subscription_read(self, request):
        with self.lock:
            return dict(self._one_subscription(request))

    def subscription_create(self, request):
        domain = self._subscription_scope(request)
        body = self._subscription_body(request, creating=True)
        if 'id' in body:
            raise ApiError(400, {'code': 400, 'message': 'id is given by the server, not in a create'})
        fields = dict(body)
        if domain is not None:
            fields['domain'] = domain
        expires = fields.pop('subscription-expires-datetime', '') or self._token_expiry(request)
        item = self._subscription_record(fields, expires)
        with self.lock:
            same = [x for x in self._live_subscriptions() if all(x.get(k) == item.get(k) for k in SUBSCRIPTION_MATCH)]
            if same:
                raise ApiError(409, {'code': 409, 'message': 'a subscription with these parameters already exists'})
            self.subscriptions.append(item)
            if self.config['subscription_list_lag']:
                self._subscription_unlisted[item['id']] = int(self.config['subscription_list_lag'])
        if self.config['subscription_create_answer'] == 'accepted':
            return 202, {'code': 202, 'message': 'Accepted'}
        return dict(item)

    def subscription_update(self, request):
        body = self._subscription_body(request, creating=False)
        with self.lock:
            item = self._one_subscription(request)
            if body.get('id', item['id']) != item['id']:
                raise ApiError(400, {'code': 400, 'message': 'id in the body differs from the URL'})
            item.update((k, v) for k, v in body.items() if k != 'id')
            if request.params.get('domain') is not None:
                item['domain'] = request.params['domain']
            return dict(item)

    def subscription_delete(self, request):
        with self.lock:
            item = self._one_subscription(request)
            self.subscriptions.remove(item)
        return 202, {}

    @staticmethod
    def _subscription_matches(item, user, reseller):
        wanted = (('reseller', reseller), ('domain', user.get('domain')), ('user', user.get('user')))
        return item.get('model') == 'subscriber' and all(
            (item.get(key) or '*') in ('*', value) for key, value in wanted)

    def add_users(self, users):
        """``POST /_sim/users``: store new users, then post the events in the background.

        Only subscriptions with a ``current-active-server`` post (without one, nothing sends them)."""
        added = []
        with self.lock:
            for user in users:
                if not isinstance(user, dict):
                    raise ApiError(400, {'message': 'each user must be an object'})
            for user in users:
                if not any(u.get('domain') == user.get('domain') and u.get('user') == user.get('user') for u in self.users):
                    if not added:
                        self._changing()   # one admin change, however many users it adds
                    self.users.append(dict(user))
                    added.append(dict(user))
            posts = []
            for item in self._live_subscriptions():
                if not item.get('current-active-server'):
                    continue
                matching = [u for u in added if self._subscription_matches(item, u, self._reseller_of(u.get('domain')))]
                if not matching:
                    continue
                if self.config['event_post_shape'] == 'list':
                    posts.append((item, matching))
                else:
                    posts.extend((item, user) for user in matching)
        if posts:
            thread = threading.Thread(target=self._post_events, args=(posts,), name='netsapiens-events', daemon=True)
            self._event_threads.append(thread)
            thread.start()
        return {'added': len(added), 'posts_pending': len(posts)}

    def _post_events(self, posts):
        for item, body in posts:
            url = item['post-url']
            outcome = {'url': url, 'users': len(body) if isinstance(body, list) else 1, 'at': time.time()}
            request = urllib.request.Request(url, data=json.dumps(body).encode('utf-8'), method='POST',
                                             headers={'Content-Type': 'application/json'})
            try:
                with urllib.request.urlopen(request, timeout=10) as answer:  # nosec - the test's own loopback URL
                    outcome['status'] = answer.status
            except urllib.error.HTTPError as exc:
                outcome['status'] = exc.code
            except (OSError, ValueError) as exc:
                outcome['error'] = str(exc)
            failed = 'error' in outcome or outcome['status'] > SUBSCRIPTION_POST_OK_MAX
            with self.lock:
                self.event_posts.append(outcome)
                item['posts-count'] = item.get('posts-count', 0) + 1
                if failed:
                    item['error-count'] = item.get('error-count', 0) + 1
                item['status'] = 'error' if failed else 'active'

    def wait_for_events(self, timeout=10.0):
        """Join the threads posting events (for tests that use the simulator in-process)."""
        for thread in list(self._event_threads):
            thread.join(timeout)

    # -- v1 ------------------------------------------------------------------------------------
    def v1(self, request):
        params = dict(request.query)
        params.update(request.form())
        obj = params.get('object')
        action = params.get('action')
        with self.lock:
            key = '%s %s' % (obj, action)
            self.v1_requests[key] = self.v1_requests.get(key, 0) + 1
        self.authorize(request, allow_api_key=False)
        if obj not in V1_OBJECTS:
            raise ApiError(400, {'code': 400, 'message': 'unknown object %r' % obj})
        if action not in ('read', 'count'):
            raise ApiError(400, {'code': 400, 'message': 'unsupported action %r for %s' % (action, obj)})
        if obj == 'subscriber' and not params.get('domain'):
            raise ApiError(400, {'code': 400, 'message': 'domain is required for object=subscriber'})
        if action == 'count':
            answer = {'total': self.count_of(lambda sim, _request: getattr(sim, '_v1_' + obj)(params), request)}
        else:
            records = getattr(self, '_v1_' + obj)(params)
            names = (V1_ENDPOINT + ' ' + obj,)
            answer = self.page(records, params, names, paged_by_default=(obj == 'subscriber'))
        if params.get('format') == 'json':
            return answer
        return Response(200, _xml(obj, answer), content_type='text/xml; charset=utf-8')

    def _v1_reseller(self, params):
        return [{'territory': r.get('reseller'), 'description': r.get('description', '')}
                for r in self.resellers if not params.get('territory') or r.get('reseller') == params['territory']]

    def _v1_domain(self, params):
        return [{'domain': d.get('domain'), 'territory': d.get('reseller'), 'description': d.get('description', '')}
                for d in self.domains
                if (not params.get('territory') or d.get('reseller') == params['territory'])
                and (not params.get('domain') or d.get('domain') == params['domain'])]

    def _v1_subscriber(self, params):
        return [{'user': u.get('user'), 'domain': u.get('domain'), 'first_name': u.get('name-first-name', ''),
                 'last_name': u.get('name-last-name', ''), 'srv_code': u.get('service-code', ''),
                 'subscriber_login': u.get('login-username', '')}
                for u in self.users if u.get('domain') == params['domain']]

    def _v1_connection(self, params):
        return [{'aor': c.get('connection-orig-match-pattern'), 'domain': c.get('domain'),
                 'territory': self._reseller_of(c.get('domain')) or '', 'address': c.get('connection-address')}
                for c in self.connections
                if (not params.get('domain') or c.get('domain') == params['domain'])
                and (not params.get('territory') or self._reseller_of(c.get('domain')) == params['territory'])]


def _xml(obj, answer):
    """The XML a v1 call answers without format=json."""
    lines = ['<?xml version="1.0" encoding="UTF-8"?>', '<xml>']
    if isinstance(answer, dict):
        lines.append('<total>%d</total>' % answer['total'])
    else:
        for item in answer:
            lines.append('<%s>' % obj)
            for key, value in item.items():
                lines.append('<%s>%s</%s>' % (key, escape('' if value is None else str(value)), key))
            lines.append('</%s>' % obj)
    lines.append('</xml>')
    return '\n'.join(lines) + '\n'
