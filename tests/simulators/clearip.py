# -*- coding: utf-8 -*-
# Copyright: (c) 2026, clearip.netsapiens contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""A strict ClearIP API simulator (see /work/shared/api-contract.md, section ClearIP).

Routes (all JSON)::

    POST /auth/login          {"email", "password"}            -> {"token"}
    POST /auth/refresh        {} + current token as Bearer      -> {"token"}
    GET  /operators           -> {"operators": [...]}
    GET  /serviceProviders    -> {"serviceProviders": [...]}    POST {"serviceProvider": {...}}
    GET  /groups              -> {"groups": [...]}              POST {"group": {...}}
    GET  /users               -> {"users": [...]}               POST {"user": {...}}
    GET  /sipMessages         -> {"sipMessages": [...]}

Choices where the contract is silent (each is the strict reading, so a sloppy client fails here):

- Every call but ``/auth/login`` needs ``Authorization: Bearer <token>``; otherwise 401 with
  MISSING_TOKEN_MESSAGE, INVALID_TOKEN_MESSAGE or EXPIRED_TOKEN_MESSAGE. A refresh issues a new token
  and revokes the old one (``config['refresh_keeps_old_token']`` True leaves it valid until it expires).
  Tokens live ``config['token_lifetime']`` seconds, judged when the request is handled, after any delay
  (``config['token_judged_at']`` ``arrival``: when it arrived, so a request a ``slow`` or ``late_commit`` fault
  holds still commits with a token that expired meanwhile). A login that carries
  an Authorization header with a token that is not valid is 401 INVALID_TOKEN_MESSAGE
  (``config['login_checks_authorization']`` False ignores the header).

The defaults are the unkind ones the contract allows (``page_cap`` 97, ``order`` shuffled, ``create_status``
201, ``filter_case`` blind, the old token revoked, a login's header checked); ``KIND`` names the kind ones.
- Login failures: unknown email or wrong password -> 401 BAD_CREDENTIALS_MESSAGE (a wrong password
  counts a failure; a successful login resets the count); MAX_FAILED_LOGINS failures lock the account
  -> 423 LOCKED_MESSAGE, even with the right password. Account states other than ``active`` answer
  403 with ACCOUNT_STATE_MESSAGES[state] (the IP message names the caller's address and the
  account's ``whitelist``). The lock is checked first, then the password, then the state.
- Operators: an account whose ``operator`` is set may omit ``operator`` or send its own id; any
  other id is 400 WRONG_OPERATOR_MESSAGE. An account whose ``operator`` is null must send
  ``operator`` (query parameter on GET, top-level body key on POST) with an existing operator id,
  else 400 OPERATOR_REQUIRED_MESSAGE or UNKNOWN_OPERATOR_MESSAGE. Exempt: ``/auth/*`` and
  ``GET /operators`` (a client needs it to resolve an operator name). A name is not an id.
- Lists: ``limit`` defaults to ``config['default_limit']`` (20) and is clamped to
  ``config['max_limit']`` (1000); ``limit`` < 1 or ``skip`` < 0 or non-integers are 400.
  ``sort`` is ``field [ASC|DESC]`` (comma-separated for several keys; field must exist).
  Filters: ``where[field]=value`` (equal, blind to case by default: ``config['filter_case']`` ``blind``, counted as
  ``behaviours['case_blind_filter']`` when it matched what ``exact`` would not) and
  ``where[field][op]=value`` with op one of
  ``>= > <= < !=``, or ``where=<JSON object>`` with the same meaning. Unknown query parameters and
  unknown fields are 400 (a client sending ``offset`` or ``where[service_provider]`` learns it).
  ``config['page_cap']`` (int or None) returns at most that many records per page whatever the
  limit. Without ``sort`` the order is ``config['order']``: ``stored`` (creation order),
  ``reverse`` or ``shuffled`` (stable for a given ``config['shuffle_seed']``, so paging is coherent); with
  ``sort``, records tied on the sort keys come in that order (counted as ``behaviours['tie_order']`` when it
  differs from the stored order on an answer).
- Creates answer ``config['create_status']`` (201) with the plural envelope holding one object that
  has ``id`` (uuid4), ``createdAt`` and ``updatedAt`` (Unix ms), ``operator`` and the fields given.
  The body must be exactly ``{"<singular>": {...}}`` plus ``operator``; other top-level keys, or
  fields outside CREATE_FIELDS, are 400. ``name`` is required; ``status`` defaults to ``active``
  and must be ``active`` or ``inactive``; ``comment`` defaults to ``""``; a User's ``userId``
  defaults to ``""``. Names and non-empty user ids must match NAME_PATTERN (ASCII letters, digits,
  space and ``# * + @ . , - _``) and be shorter than 256 characters, else 400 naming the field.
  A parent id that does not exist for the operator is 404 naming the field.
- ``config['name_filter']``: ``exact`` (default) or ``contains``: ``where[name]=v`` then matches every name that
  contains ``v`` in any case, as a loose server's search would (counted as ``faults_fired['loose_name_filter']``).
- Duplicates: ``config['duplicates']`` ``allow`` (default: a second create of a name makes a second
  object) or ``reject`` (409 DUPLICATE_MESSAGE when the operator already has an object of that kind
  with that name, or a User with that non-empty ``userId``; counted as ``faults_fired['duplicate_refused']``).
- ``config['delete_during_listing']`` (None, or ``{"kind": "users", "page": 2, "name": "..."}``): when
  the ``page``-th unfiltered list request of ``kind`` arrives (1 for the first), the object named
  ``name`` (default: the first by name) is deleted before that page is served, once (pages count
  from when this is set), as another
  ClearIP user deleting an unrelated object while the sync pages through the list would.
  Counted as ``faults_fired['delete_during_listing']``.
- ``/sipMessages`` also takes ``from`` (Unix ms; only messages at or after it). Seed them from
  ``dataset['clearip']['sipMessages']`` or add them with ``POST /_sim/sipMessages
  {"sipMessages": [...]}``; a message with an ``operator`` key is seen only by that operator.

Without a dataset (or with a ``clearip`` section that has neither ``operators`` nor ``accounts``)
the simulator has DEFAULT_OPERATORS and DEFAULT_ACCOUNTS: ``api@clearip.test`` (tied to
DEFAULT_OPERATOR_ID) and ``multi@clearip.test`` (no operator), both with DEFAULT_PASSWORD.
"""

from __future__ import annotations

import copy
import hashlib
import json
import re
import time
import uuid

from tests.simulators.base import ApiError, SimServer

DEFAULT_OPERATOR_ID = '6f1c2a52-0b7e-4c53-9a0e-5c1f7e2d9a01'
OTHER_OPERATOR_ID = '6f1c2a52-0b7e-4c53-9a0e-5c1f7e2d9a02'
DEFAULT_PASSWORD = 'Sim-ClearIP-Passw0rd'
DEFAULT_OPERATORS = [
    {'id': DEFAULT_OPERATOR_ID, 'name': 'Sim Operator'},
    {'id': OTHER_OPERATOR_ID, 'name': 'Other Operator'},
]
DEFAULT_ACCOUNTS = [
    {'email': 'api@clearip.test', 'password': DEFAULT_PASSWORD, 'state': 'active', 'operator': DEFAULT_OPERATOR_ID},
    {'email': 'multi@clearip.test', 'password': DEFAULT_PASSWORD, 'state': 'active', 'operator': None},
]

MAX_FAILED_LOGINS = 10

BAD_CREDENTIALS_MESSAGE = 'invalid email or password'
LOCKED_MESSAGE = ('account is locked after %d failed login attempts; '
                  'an administrator must unlock it in the ClearIP portal' % MAX_FAILED_LOGINS)
EULA_MESSAGE = 'the End User License Agreement has not been accepted; log in to the ClearIP portal and accept the EULA'
TEMPORARY_PASSWORD_MESSAGE = ('this account still has its temporary password; '
                              'log in to the ClearIP portal and replace the temporary password with a permanent one')
IP_NOT_WHITELISTED_MESSAGE = ('one-time password required: the IP address %(ip)s is not in the whitelist of this account '
                              '(whitelist: %(whitelist)s); add it to the account IP whitelist in the ClearIP portal')
ACCOUNT_STATE_MESSAGES = {
    'eula_not_accepted': EULA_MESSAGE,
    'temporary_password': TEMPORARY_PASSWORD_MESSAGE,
    'ip_not_whitelisted': IP_NOT_WHITELISTED_MESSAGE,
}
ACCOUNT_STATES = ('active',) + tuple(sorted(ACCOUNT_STATE_MESSAGES))

MISSING_TOKEN_MESSAGE = 'authorization required: send Authorization: Bearer <token>'
INVALID_TOKEN_MESSAGE = 'invalid token'
EXPIRED_TOKEN_MESSAGE = 'token expired'
OPERATOR_REQUIRED_MESSAGE = 'operator is required: this account is not tied to one operator, so every request must name the operator id'
UNKNOWN_OPERATOR_MESSAGE = 'unknown operator id: %s'
WRONG_OPERATOR_MESSAGE = 'this account is tied to one operator and cannot act for operator %s'
DUPLICATE_MESSAGE = 'a %s with %s %r already exists'

# Unkind by default, as far as the contract allows (issue 24): pages capped short (97 records whatever the limit),
# records tied on the sort key in no particular order, text filters blind to case, the old token revoked by a
# refresh, creates answered 201, a login carrying a bad token refused. A test that needs the kind behaviour asks
# for it by name: ``config=dict(KIND)`` (or some of its keys).
KIND = {'page_cap': None, 'order': 'stored', 'create_status': 200, 'filter_case': 'exact',
        'refresh_keeps_old_token': True, 'login_checks_authorization': False, 'token_judged_at': 'arrival'}

NAME_PATTERN = re.compile(r'^[A-Za-z0-9 #*+@.,\-_]+\Z')
NAME_MAX_LENGTH = 255
STATUSES = ('active', 'inactive')
COMMON_FIELDS = ('id', 'name', 'status', 'comment', 'operator', 'createdAt', 'updatedAt')

# kind -> (singular, fields a create may send, parent field, parent collection)
KINDS = {
    'serviceProviders': ('serviceProvider', ('name', 'status', 'comment'), None, None),
    'groups': ('group', ('name', 'serviceProvider', 'status', 'comment'), 'serviceProvider', 'serviceProviders'),
    'users': ('user', ('name', 'userId', 'group', 'status', 'comment'), 'group', 'groups'),
}
CREATE_FIELDS = dict((kind, spec[1]) for kind, spec in KINDS.items())
LIST_FIELDS = {
    'operators': ('id', 'name'),
    'serviceProviders': COMMON_FIELDS,
    'groups': COMMON_FIELDS + ('serviceProvider',),
    'users': COMMON_FIELDS + ('group', 'userId'),
    'sipMessages': ('timestamp', 'userId', 'requestedCallingNumber', 'sbcIp', 'callId', 'operator'),
}
WHERE_OPERATORS = ('>=', '>', '<=', '<', '!=')
ORDERS = ('stored', 'reverse', 'shuffled')

_WHERE_KEY = re.compile(r'^where\[([A-Za-z_][A-Za-z0-9_]*)\](?:\[([^\]]+)\])?$')


def now_ms():
    return int(time.time() * 1000)


class ClearIPSimulator(SimServer):
    name = 'clearip-simulator'

    def __init__(self, dataset=None, host='127.0.0.1', port=0, config=None):
        super(ClearIPSimulator, self).__init__(host=host, port=port, config=config)
        section = copy.deepcopy((dataset or {}).get('clearip') or {})
        if dataset is None or ('operators' not in section and 'accounts' not in section):
            section.setdefault('operators', copy.deepcopy(DEFAULT_OPERATORS))
            section.setdefault('accounts', copy.deepcopy(DEFAULT_ACCOUNTS))
        self.operators = [{'id': op['id'], 'name': op['name']} for op in section.get('operators', [])]
        operator_ids = set(op['id'] for op in self.operators)
        self.accounts = []
        for account in section.get('accounts', []):
            state = account.get('state', 'active')
            if state not in ACCOUNT_STATES:
                raise ValueError('account %s: unknown state %r; expected one of %s' % (account.get('email'), state, ', '.join(ACCOUNT_STATES)))
            operator = account.get('operator')
            if operator is not None and operator not in operator_ids:
                raise ValueError('account %s: unknown operator %r' % (account.get('email'), operator))
            self.accounts.append({'email': account['email'], 'password': account['password'], 'state': state,
                                  'operator': operator, 'whitelist': list(account.get('whitelist') or []),
                                  'failed_logins': int(account.get('failed_logins', 0))})
        self.tokens = {}   # token -> (account email, expiry as time.time(), session id)
        self.store = {'serviceProviders': [], 'groups': [], 'users': []}
        for kind in ('serviceProviders', 'groups', 'users'):
            for item in section.get(kind, []):
                self.store[kind].append(self._seed(kind, item, operator_ids))
        self.sip_messages = [dict(m) for m in section.get('sipMessages', [])]
        self.unfiltered_listings = {}   # kind -> unfiltered list requests seen (for delete_during_listing)

        self.route('POST', '/auth/login', self.login)
        self.route('POST', '/auth/refresh', self.refresh)
        self.route('GET', '/operators', self.list_operators)
        for kind in ('serviceProviders', 'groups', 'users'):
            self.route('GET', '/' + kind, self._lister(kind))
            self.route('POST', '/' + kind, self._creator(kind), write=True)
        self.route('GET', '/sipMessages', self.list_sip_messages)

    def default_config(self):
        return {
            'token_lifetime': 300,
            'page_cap': 97,
            'order': 'shuffled',
            'shuffle_seed': 0,
            'duplicates': 'allow',
            'default_limit': 20,
            'max_limit': 1000,
            'create_status': 201,
            'delete_during_listing': None,
            'name_filter': 'exact',
            'filter_case': 'blind',
            'refresh_keeps_old_token': False,
            'login_checks_authorization': True,
            'token_judged_at': 'answer',
        }

    def _seed(self, kind, item, operator_ids):
        obj = dict(item)
        if not obj.get('operator'):
            if len(operator_ids) != 1:
                raise ValueError('%s %r: no operator given and the dataset has %d operators' % (kind, obj.get('name'), len(operator_ids)))
            obj['operator'] = next(iter(operator_ids))
        obj.setdefault('id', str(uuid.uuid4()))
        obj.setdefault('status', 'active')
        obj.setdefault('comment', '')
        obj.setdefault('createdAt', now_ms())
        obj.setdefault('updatedAt', obj['createdAt'])
        if kind == 'users':
            obj.setdefault('userId', '')
        return obj

    def admin(self, method, path, request):
        if method == 'POST' and path == '/_sim/sipMessages':
            body = request.json() or {}
            with self.lock:
                self.sip_messages.extend(dict(m) for m in body.get('sipMessages', []))
                return 200, {'sipMessages': len(self.sip_messages)}
        if method == 'POST' and path == '/_sim/config' and 'delete_during_listing' in (request.json() or {}):
            with self.lock:
                self.unfiltered_listings = {}   # pages count from this setting on
        return super(ClearIPSimulator, self).admin(method, path, request)

    def dump_state(self):
        return {
            'operators': copy.deepcopy(self.operators),
            'serviceProviders': copy.deepcopy(self.store['serviceProviders']),
            'groups': copy.deepcopy(self.store['groups']),
            'users': copy.deepcopy(self.store['users']),
            'accounts': [{'email': a['email'], 'state': a['state'], 'failed_logins': a['failed_logins']} for a in self.accounts],
        }

    # -- authentication ------------------------------------------------------------------------
    def _account(self, email):
        for account in self.accounts:
            if account['email'].lower() == email.lower():
                return account
        return None

    def _issue_token(self, account, session):
        token = self.issue('sim-%s' % uuid.uuid4().hex)
        self.tokens[token] = (account['email'], time.time() + float(self.config['token_lifetime']), session)
        return token

    def login(self, request):
        if self.config['login_checks_authorization'] and request.bearer() is not None:
            with self.lock:
                entry = self.tokens.get(request.bearer())
            if entry is None or request.arrived >= entry[1]:
                # A server that authenticates every route it can: a stale token sent with a login is refused.
                raise ApiError(401, {'message': INVALID_TOKEN_MESSAGE})
        body = request.json()
        if not isinstance(body, dict) or not isinstance(body.get('email'), str) or not isinstance(body.get('password'), str):
            raise ApiError(400, {'message': 'body must be a JSON object with string fields "email" and "password"'})
        with self.lock:
            account = self._account(body['email'])
            if account is None:
                raise ApiError(401, {'message': BAD_CREDENTIALS_MESSAGE})
            if account['failed_logins'] >= MAX_FAILED_LOGINS:
                raise ApiError(423, {'message': LOCKED_MESSAGE})
            if body['password'] != account['password']:
                account['failed_logins'] += 1
                raise ApiError(401, {'message': BAD_CREDENTIALS_MESSAGE})
            if account['state'] != 'active':
                message = ACCOUNT_STATE_MESSAGES[account['state']]
                if account['state'] == 'ip_not_whitelisted':
                    message = message % {'ip': request.client_ip or 'unknown',
                                         'whitelist': ', '.join(account['whitelist']) or 'empty'}
                raise ApiError(403, {'message': message})
            account['failed_logins'] = 0
            return {'token': self._issue_token(account, self.open_session(account['email']))}

    def _authenticate(self, request):
        token = request.bearer()
        if not token:
            raise ApiError(401, {'message': MISSING_TOKEN_MESSAGE})
        with self.lock:
            entry = self.tokens.get(token)
            if entry is None:
                raise ApiError(401, {'message': INVALID_TOKEN_MESSAGE})
            if (request.arrived if self.config['token_judged_at'] == 'arrival' else time.time()) >= entry[1]:
                del self.tokens[token]
                raise ApiError(401, {'message': EXPIRED_TOKEN_MESSAGE})
            request.session = entry[2]
            return self._account(entry[0])

    def refresh(self, request):
        account = self._authenticate(request)
        body = request.json()
        if body != {}:
            raise ApiError(400, {'message': 'body must be an empty JSON object {}'})
        with self.lock:
            if not self.config['refresh_keeps_old_token']:
                self.tokens.pop(request.bearer(), None)   # the old token is revoked by its refresh
            return {'token': self._issue_token(account, request.session)}

    def _operator(self, account, given):
        """The operator a request acts for."""
        if given is not None and not isinstance(given, str):
            raise ApiError(400, {'message': 'operator must be a string id'})
        if account['operator'] is not None:
            if given is not None and given != account['operator']:
                raise ApiError(400, {'message': WRONG_OPERATOR_MESSAGE % given})
            return account['operator']
        if not given:
            raise ApiError(400, {'message': OPERATOR_REQUIRED_MESSAGE})
        if given not in set(op['id'] for op in self.operators):
            raise ApiError(400, {'message': UNKNOWN_OPERATOR_MESSAGE % given})
        return given

    # -- lists ---------------------------------------------------------------------------------
    def list_operators(self, request):
        account = self._authenticate(request)
        with self.lock:
            if account['operator'] is not None:
                self._operator(account, request.query.get('operator'))
                items = [op for op in self.operators if op['id'] == account['operator']]
            else:
                items = list(self.operators)
            return self._page(request, 'operators', items)

    def _lister(self, kind):
        def handler(request):
            account = self._authenticate(request)
            with self.lock:
                operator = self._operator(account, request.query.get('operator'))
                self._delete_during_listing(kind, request, operator)
                items = [o for o in self.store[kind] if o['operator'] == operator]
                return self._page(request, kind, items)
        return handler

    def _delete_during_listing(self, kind, request, operator):
        if any(key.startswith('where') for key in request.query_lists):
            return
        self.unfiltered_listings[kind] = self.unfiltered_listings.get(kind, 0) + 1
        plan = self.config.get('delete_during_listing')
        if not plan or plan.get('kind') != kind or plan.get('done') or int(plan.get('page', 2)) != self.unfiltered_listings[kind]:
            return
        plan['done'] = True
        candidates = sorted((o for o in self.store[kind] if o['operator'] == operator), key=lambda o: _sort_key(o.get('name')))
        if plan.get('name') is not None:
            candidates = [o for o in candidates if o['name'] == plan['name']]
        if candidates:
            self.store[kind].remove(candidates[0])
            self.fire('delete_during_listing')

    def list_sip_messages(self, request):
        account = self._authenticate(request)
        with self.lock:
            operator = self._operator(account, request.query.get('operator'))
            items = [m for m in self.sip_messages if m.get('operator') in (None, operator)]
            if 'from' in request.query:
                since = self._integer(request.query['from'], 'from')
                items = [m for m in items if m.get('timestamp', 0) >= since]
            fields = set(LIST_FIELDS['sipMessages'])
            for message in items:
                fields.update(message)
            return self._page(request, 'sipMessages', items, extra=('from',), fields=fields)

    @staticmethod
    def _integer(text, name):
        try:
            return int(text)
        except (TypeError, ValueError):
            raise ApiError(400, {'message': '%s must be an integer, got %r' % (name, text)})

    def _page(self, request, kind, items, extra=(), fields=None):
        fields = set(fields or LIST_FIELDS[kind])
        conditions = []
        for key, values in request.query_lists.items():
            match = _WHERE_KEY.match(key)
            if match:
                conditions.append((match.group(1), match.group(2) or '=', values[-1]))
            elif key == 'where':
                conditions.extend(self._json_where(values[-1]))
            elif key not in ('limit', 'skip', 'sort', 'operator') + tuple(extra):
                raise ApiError(400, {'message': 'unknown query parameter: %s' % key})
        for field, op, value in conditions:
            if field not in fields:
                raise ApiError(400, {'message': 'unknown field in where: %s' % field})
            if op != '=' and op not in WHERE_OPERATORS:
                raise ApiError(400, {'message': 'unknown where operator %r for %s' % (op, field)})
            if field == 'name' and op == '=' and self.config['name_filter'] == 'contains':
                # A loose server: where[name] matches every name that contains the value, in any case.
                loose = [item for item in items if str(value).lower() in str(item.get('name') or '').lower()]
                if len(loose) != len([item for item in items if _matches(item.get(field), op, value)]):
                    self.fire('loose_name_filter')   # counted only when it matched a name exact matching would not
                items = loose
                continue
            exact = [item for item in items if _matches(item.get(field), op, value)]
            if self.config['filter_case'] == 'blind' and op in ('=', '!='):
                blind = [item for item in items if _matches(item.get(field), op, value, case_blind=True)]
                if len(blind) != len(exact):
                    self.behaved('case_blind_filter')   # it matched what an exact filter would not
                exact = blind
            items = exact

        sort = request.query.get('sort')
        items_before_sort = items
        if sort:
            keys = []
            for part in sort.split(','):
                words = part.split()
                if not words or len(words) > 2 or words[0] not in fields:
                    raise ApiError(400, {'message': 'invalid sort %r: expected "field ASC" or "field DESC" with a known field' % sort})
                direction = words[1].upper() if len(words) == 2 else 'ASC'
                if direction not in ('ASC', 'DESC'):
                    raise ApiError(400, {'message': 'invalid sort direction %r' % words[1]})
                keys.append((words[0], direction == 'DESC'))
            # Ties keep the configured order (``order``): a server owes no order among records equal on the sort keys.
            items = self._sort_by(self._unsorted(items), keys)
            if self.config['order'] != 'stored' and items != self._sort_by(items_before_sort, keys):
                self.behaved('tie_order')   # the order took effect: records tied on the sort keys came in another order
        else:
            items = self._unsorted(items)

        limit = self._integer(request.query.get('limit', self.config['default_limit']), 'limit')
        skip = self._integer(request.query.get('skip', 0), 'skip')
        if limit < 1:
            raise ApiError(400, {'message': 'limit must be at least 1'})
        if skip < 0:
            raise ApiError(400, {'message': 'skip must not be negative'})
        limit = min(limit, int(self.config['max_limit']))
        if self.config['page_cap'] is not None:
            limit = min(limit, int(self.config['page_cap']))
        return {kind: copy.deepcopy(items[skip:skip + limit])}

    @staticmethod
    def _sort_by(items, keys):
        for field, descending in reversed(keys):   # stable sorts, least significant key first
            items = sorted(items, key=lambda item, f=field: _sort_key(item.get(f)), reverse=descending)
        return items

    @staticmethod
    def _json_where(text):
        try:
            where = json.loads(text)
        except ValueError:
            raise ApiError(400, {'message': 'where must be a JSON object'})
        if not isinstance(where, dict):
            raise ApiError(400, {'message': 'where must be a JSON object'})
        conditions = []
        for field, value in where.items():
            if isinstance(value, dict):
                conditions.extend((field, op, operand) for op, operand in value.items())
            else:
                conditions.append((field, '=', value))
        return conditions

    def _unsorted(self, items):
        order = self.config['order']
        if order == 'stored':
            return list(items)
        if order == 'reverse':
            return list(reversed(items))
        if order == 'shuffled':
            seed = str(self.config['shuffle_seed'])
            return sorted(items, key=lambda item: hashlib.sha256((seed + json.dumps(item, sort_keys=True)).encode('utf-8')).hexdigest())
        raise ApiError(500, {'message': 'simulator misconfigured: order must be one of %s' % ', '.join(ORDERS)})

    # -- creates -------------------------------------------------------------------------------
    def _creator(self, kind):
        def handler(request):
            return self._create(kind, request)
        return handler

    def _create(self, kind, request):
        singular, allowed, parent_field, parent_kind = KINDS[kind]
        account = self._authenticate(request)
        body = request.json()
        if not isinstance(body, dict) or not isinstance(body.get(singular), dict):
            raise ApiError(400, {'message': 'request body must wrap the object: {"%s": {...}}' % singular})
        unexpected = sorted(set(body) - set([singular, 'operator']))
        if unexpected:
            raise ApiError(400, {'message': 'unexpected top-level keys: %s' % ', '.join(unexpected)})
        given = body[singular]
        unknown = sorted(set(given) - set(allowed))
        if unknown:
            raise ApiError(400, {'message': 'unknown %s fields: %s' % (singular, ', '.join(unknown))})
        _check_name(given.get('name'), 'name', required=True)
        status = given.get('status', 'active')
        if status not in STATUSES:
            raise ApiError(400, {'message': 'status must be one of %s' % ', '.join(STATUSES)})
        comment = given.get('comment', '')
        if not isinstance(comment, str):
            raise ApiError(400, {'message': 'comment must be a string'})
        if kind == 'users' and given.get('userId', '') != '':
            _check_name(given.get('userId'), 'userId', required=False)
        elif kind == 'users' and not isinstance(given.get('userId', ''), str):
            raise ApiError(400, {'message': 'userId must be a string'})

        with self.lock:
            operator = self._operator(account, body.get('operator'))
            if parent_field:
                parent_id = given.get(parent_field)
                if not isinstance(parent_id, str) or not parent_id:
                    raise ApiError(400, {'message': '%s is required (the parent id)' % parent_field})
                if not any(p['id'] == parent_id and p['operator'] == operator for p in self.store[parent_kind]):
                    raise ApiError(404, {'message': '%s %s not found' % (parent_field, parent_id)})
            if self.config['duplicates'] == 'reject':
                self._reject_duplicate(kind, singular, operator, given)
            elif self.config['duplicates'] != 'allow':
                raise ApiError(500, {'message': 'simulator misconfigured: duplicates must be allow or reject'})
            stamp = now_ms()
            obj = {'id': str(uuid.uuid4()), 'name': given['name'], 'status': status, 'comment': comment,
                   'operator': operator, 'createdAt': stamp, 'updatedAt': stamp}
            if parent_field:
                obj[parent_field] = given[parent_field]
            if kind == 'users':
                obj['userId'] = given.get('userId', '')
            if request.fault is None or request.fault.kind != 'ack_not_stored':
                self.store[kind].append(obj)
            return int(self.config['create_status']), {kind: [copy.deepcopy(obj)]}

    def _reject_duplicate(self, kind, singular, operator, given):
        try:
            self._find_duplicate(kind, singular, operator, given)
        except ApiError:
            self.fire('duplicate_refused')
            raise

    def _find_duplicate(self, kind, singular, operator, given):
        for obj in self.store[kind]:
            if obj['operator'] != operator:
                continue
            if obj['name'] == given['name']:
                raise ApiError(409, {'message': DUPLICATE_MESSAGE % (singular, 'name', given['name'])})
            if kind == 'users' and given.get('userId') and obj.get('userId') == given['userId']:
                raise ApiError(409, {'message': DUPLICATE_MESSAGE % (singular, 'userId', given['userId'])})


def _check_name(value, field, required):
    if not isinstance(value, str) or (required and value == ''):
        raise ApiError(400, {'message': '%s is required and must be a non-empty string' % field})
    if len(value) > NAME_MAX_LENGTH:
        raise ApiError(400, {'message': '%s must have fewer than 256 characters (has %d)' % (field, len(value))})
    if not NAME_PATTERN.match(value):
        bad = sorted(set(c for c in value if not NAME_PATTERN.match(c)))
        raise ApiError(400, {'message': '%s has invalid characters %s; allowed are letters, digits, space and # * + @ . , - _'
                             % (field, ' '.join(repr(c) for c in bad))})


def _sort_key(value):
    # None sorts first and numbers before strings, so mixed columns never raise TypeError
    if value is None:
        return (0, 0, '')
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return (1, value, '')
    return (2, 0, str(value))


def _matches(actual, op, wanted, case_blind=False):
    if isinstance(actual, (int, float)) and not isinstance(actual, bool):
        try:
            wanted = float(wanted)
        except (TypeError, ValueError):
            raise ApiError(400, {'message': 'where value %r is not a number' % (wanted,)})
    elif op == '=' or op == '!=':
        actual = None if actual is None else (str(actual).lower() if case_blind else str(actual))
        wanted = None if wanted is None else (str(wanted).lower() if case_blind else str(wanted))
    else:
        raise ApiError(400, {'message': 'where operator %s needs a numeric field' % op})
    if op == '=':
        return actual == wanted
    if op == '!=':
        return actual != wanted
    if actual is None:
        return False
    return {'>=': actual >= wanted, '>': actual > wanted, '<=': actual <= wanted, '<': actual < wanted}[op]
