# -*- coding: utf-8 -*-
# Copyright: (c) 2026, clearip.netsapiens contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The ClearIP client against a stub HTTP session: login refusals, tokens, paging, unknown outcomes."""

from __future__ import annotations

import copy
import json
import threading

import pytest
import requests

from ansible_collections.clearip.netsapiens.plugins.module_utils import _clearip as clearip
from ansible_collections.clearip.netsapiens.plugins.module_utils._clearip import ClearIPClient
from ansible_collections.clearip.netsapiens.plugins.module_utils._clearip_errors import ClearIPError, ClearIPLoginError, LoginRefused
from ansible_collections.clearip.netsapiens.plugins.module_utils._http import HttpError, HttpResponse, OutcomeUnknown, Refused
from ansible_collections.clearip.netsapiens.plugins.module_utils._kinds import GROUP, SERVICE_PROVIDER, USER
from tests.simulators import clearip as sim
from tests.simulators.clearip import ClearIPSimulator

PASSWORD = 'S3cret-Password'


class FakeClock(object):
    def __init__(self):
        self.now = 1000.0
        self.slept = []

    def __call__(self):
        return self.now

    def sleep(self, seconds):
        self.slept.append(seconds)
        self.now += seconds


class StubSession(object):
    """Stands in for HttpSession: ``handler(call)`` returns (status, body) or raises."""

    control = None
    retries = 2
    timeout = 30

    def __init__(self, handler, sleep=None):
        self.handler = handler
        self.calls = []
        self.sleep = sleep

    @staticmethod
    def backoff_delay(attempt, retry_after=None):
        return 0.5 * 2 ** attempt

    def request(self, method, path, params=None, json=None, data=None, headers=None, idempotent=None,
                expect=(200, 201, 202, 204), auth=None, want_json=False, limited=True):
        """One attempt, as HttpSession makes it (no retries): ``auth`` is called once, ``want_json`` checked."""
        headers = dict(headers or {})
        sent = auth() if auth is not None else None
        headers.update(sent or {})
        call = {'method': method, 'path': path, 'params': dict(params or {}), 'json': json,
                'auth': headers.get('Authorization'), 'idempotent': idempotent}
        self.calls.append(call)
        try:
            status, body = self.handler(call)
        except HttpError as exc:
            exc.auth_sent = sent
            raise
        text = body if isinstance(body, str) else _dumps(body)
        if status in expect:
            resp = HttpResponse(status, {}, text, method=method, url='http://stub' + path)
            resp.auth_sent = sent
            if want_json:
                try:
                    resp.json()
                except HttpError as exc:
                    error = (OutcomeUnknown if idempotent is False else HttpError)(exc.message, status=status)
                    error.auth_sent = sent
                    raise error
            return resp
        error = HttpError('%s http://stub%s answered HTTP %d: %s' % (method, path, status, text), status=status, method=method,
                          url='http://stub' + path, body_excerpt=text)
        error.auth_sent = sent
        raise error

    def paths(self, method=None):
        return ['%s %s' % (c['method'], c['path']) for c in self.calls if method is None or c['method'] == method]


def _dumps(body):
    return json.dumps(body)


def make_client(handler, clock=None, **kwargs):
    clock = clock or FakeClock()
    session = StubSession(handler, sleep=clock.sleep)
    kwargs.setdefault('page_window', 1)   # one page after another, so that request orders can be checked; see the parallel tests
    client = ClearIPClient('http://stub', 'api@example.com', PASSWORD, session=session, clock=clock, sleep=clock.sleep, **kwargs)
    return client, session, clock


def login_ok(call):
    if call['path'] == '/auth/login':
        return 200, {'token': 'tok-1'}
    raise AssertionError('unexpected call %r' % call)


# -- login refusals --------------------------------------------------------------------------------

@pytest.mark.parametrize('status, message, reason', [
    (403, sim.EULA_MESSAGE, 'eula_not_accepted'),
    (401, sim.BAD_CREDENTIALS_MESSAGE, 'wrong_credentials'),
    (423, sim.LOCKED_MESSAGE, 'account_locked'),
])
def test_refused_login_is_never_retried(status, message, reason):
    client, session, clock = make_client(lambda call: (status, {'message': message}))
    with pytest.raises(LoginRefused) as info:
        client.list(SERVICE_PROVIDER)
    assert info.value.reason == reason
    assert info.value.status == status
    assert message in str(info.value)
    assert str(info.value).startswith('ClearIP refused the login of api@example.com (HTTP %d: ' % status)
    assert PASSWORD not in str(info.value)
    with pytest.raises(LoginRefused):
        client.list(GROUP)
    assert session.paths() == ['POST /auth/login']
    assert session.calls[0]['json'] == {'email': 'api@example.com', 'password': PASSWORD}
    assert session.calls[0]['idempotent'] is False


@pytest.mark.parametrize('status', [404, 405])
def test_a_url_with_no_login_endpoint_is_named_as_the_wrong_url_not_a_refused_login(status):
    """A new user's ClearIP url pointing elsewhere (the NetSapiens host, a typo'd path) used to read as a refused
    login with advice about the IP whitelist and the EULA, and was remembered as one."""
    client, session, clock = make_client(lambda call: (status, {'message': 'Not Found'}))
    with pytest.raises(ClearIPLoginError) as info:
        client.login()
    assert not isinstance(info.value, LoginRefused)
    assert str(info.value) == ('ClearIP login failed: POST http://stub/auth/login answered HTTP %d: there is no ClearIP API at '
                               'http://stub. Check url (config.json clearip.url, CLEARIP_URL; the default is '
                               'https://api.clearip.com)' % status)
    assert client._refused is None
    # A token in the URL's query is a secret like userinfo: the message shows the URL without it.
    client, session, clock = make_client(lambda call: (status, {'message': 'Not Found'}))
    client.url = 'http://stub/?token=query-secret'
    with pytest.raises(ClearIPLoginError) as info:
        client.login()
    assert 'query-secret' not in str(info.value) and 'there is no ClearIP API at http://stub.' in str(info.value)


def test_login_without_token_is_an_error():
    client, session, clock = make_client(lambda call: (200, {'access': 'x'}))
    with pytest.raises(ClearIPError) as info:
        client.login()
    assert str(info.value) == 'POST http://stub/auth/login answered HTTP 200 without a token'


def test_login_with_unknown_outcome_is_not_retried():
    def handler(call):
        raise OutcomeUnknown('POST http://stub/auth/login answered HTTP 503', status=503)
    client, session, clock = make_client(handler)
    with pytest.raises(ClearIPError) as info:
        client.login()
    assert 'not retried' in str(info.value)
    assert session.paths() == ['POST /auth/login']


# -- tokens ----------------------------------------------------------------------------------------

def test_token_is_refreshed_before_it_expires():
    tokens = iter(['tok-1', 'tok-2'])

    def handler(call):
        if call['path'] == '/auth/login':
            return 200, {'token': next(tokens)}
        if call['path'] == '/auth/refresh':
            assert call['json'] == {} and call['auth'] == 'Bearer tok-1'
            return 200, {'token': 'tok-r'}
        return 200, {'serviceProviders': []}
    client, session, clock = make_client(handler)
    client.list(SERVICE_PROVIDER)
    clock.now += 239   # 61 s left of the 300 s lifetime: no refresh yet
    client.list(SERVICE_PROVIDER)
    clock.now += 2     # 59 s left: refresh first
    client.list(SERVICE_PROVIDER)
    assert session.paths() == ['POST /auth/login', 'GET /serviceProviders', 'GET /serviceProviders',
                               'POST /auth/refresh', 'GET /serviceProviders']
    assert [c['auth'] for c in session.calls if c['method'] == 'GET'] == ['Bearer tok-1', 'Bearer tok-1', 'Bearer tok-r']


def test_failed_refresh_falls_back_to_one_login():
    tokens = iter(['tok-1', 'tok-2'])

    def handler(call):
        if call['path'] == '/auth/login':
            return 200, {'token': next(tokens)}
        if call['path'] == '/auth/refresh':
            return 401, {'message': 'token expired'}
        return 200, {'serviceProviders': []}
    client, session, clock = make_client(handler)
    client.login()
    clock.now += 290
    client.list(SERVICE_PROVIDER)
    assert session.paths() == ['POST /auth/login', 'POST /auth/refresh', 'POST /auth/login', 'GET /serviceProviders']
    assert session.calls[-1]['auth'] == 'Bearer tok-2'


def test_a_401_means_one_new_login_and_one_more_try():
    tokens = iter(['tok-1', 'tok-2'])

    def handler(call):
        if call['path'] == '/auth/login':
            return 200, {'token': next(tokens)}
        if call['path'] == '/auth/refresh':
            return 200, {'token': 'tok-r'}
        if call['auth'] == 'Bearer tok-1':
            return 401, {'message': 'token expired'}
        return 200, {'serviceProviders': []}
    client, session, clock = make_client(handler)
    clock_start = clock.now
    client.login()
    clock.now = clock_start + 2.0
    assert client.list(SERVICE_PROVIDER) == []
    assert session.paths() == ['POST /auth/login', 'GET /serviceProviders', 'POST /auth/login', 'GET /serviceProviders']
    assert client.stats['relogins_after_401'] == 1
    # The server's tokens evidently live about 2 s: the next refresh comes before that.
    clock.now += 1.6
    client.list(SERVICE_PROVIDER)
    assert session.paths()[-2:] == ['POST /auth/refresh', 'GET /serviceProviders']


def test_a_second_401_is_an_error():
    counter = [0]

    def handler(call):
        if call['path'] == '/auth/login':
            counter[0] += 1
            return 200, {'token': 'tok-%d' % counter[0]}
        return 401, {'message': 'invalid token'}
    client, session, clock = make_client(handler)
    with pytest.raises(HttpError) as info:
        client.list(SERVICE_PROVIDER)
    assert info.value.status == 401
    assert session.paths() == ['POST /auth/login', 'GET /serviceProviders', 'POST /auth/login', 'GET /serviceProviders']


# -- operator --------------------------------------------------------------------------------------

OPERATORS = [{'id': 'op-1', 'name': 'Op A'}, {'id': 'op-2', 'name': 'Op B'}]


def operator_handler(call):
    if call['path'] == '/auth/login':
        return 200, {'token': 'tok'}
    if call['path'] == '/operators':
        assert 'operator' not in call['params']
        return 200, {'operators': OPERATORS[call['params']['skip']:]}
    if call['method'] == 'GET':
        return 200, {'groups': []}
    return 200, {'groups': [dict(call['json']['group'], id='g-new')]}


@pytest.mark.parametrize('given', ['Op B', 'op-2'])
def test_operator_by_name_or_id_is_sent_everywhere(given):
    client, session, clock = make_client(operator_handler, operator=given)
    client.list(GROUP)
    client.create(GROUP, 'd1', parent_id='sp-1', comment='c')
    assert client.operator_id == 'op-2' and client.operator_name == 'Op B'
    get = [c for c in session.calls if c['path'] == '/groups' and c['method'] == 'GET'][0]
    assert get['params']['operator'] == 'op-2'
    post = [c for c in session.calls if c['method'] == 'POST' and c['path'] == '/groups'][0]
    assert post['json'] == {'group': {'name': 'd1', 'serviceProvider': 'sp-1', 'status': 'active', 'comment': 'c'},
                            'operator': 'op-2'}
    # once per client: the page, the overlapping page (only the last record), the empty page, the last record again
    assert [c['params']['skip'] for c in session.calls if c['path'] == '/operators'] == [0, 1, 2, 1]


def test_unknown_operator_lists_what_the_account_sees():
    client, session, clock = make_client(operator_handler, operator='Op Z')
    with pytest.raises(ClearIPError) as info:
        client.list(GROUP)
    assert str(info.value) == "operator 'Op Z': no operator with that name or id is visible to this account (it sees: 'Op A', 'Op B')"


def test_without_operator_nothing_is_sent():
    client, session, clock = make_client(operator_handler)
    client.list(GROUP)
    client.create(GROUP, 'd1', parent_id='sp-1')
    assert 'GET /operators' not in session.paths()
    assert all('operator' not in c['params'] for c in session.calls)
    assert 'operator' not in session.calls[-1]['json']


# -- paging ----------------------------------------------------------------------------------------

def paging_handler(records, cap, ignore_skip=False):
    def handler(call):
        if call['path'] == '/auth/login':
            return 200, {'token': 'tok'}
        params = call['params']
        skip = 0 if ignore_skip else params['skip']
        size = min(params['limit'], cap)
        return 200, {'users': records[skip:skip + size]}
    return handler


def test_paging_advances_by_what_was_received_and_stops_on_an_empty_page():
    records = [{'id': 'u%d' % n, 'name': 'n%d' % n, 'group': 'g'} for n in range(7)]
    client, session, clock = make_client(paging_handler(records, cap=3), page_limit=5)
    assert client.list(USER) == records
    gets = [c['params'] for c in session.calls if c['method'] == 'GET']
    # each page from one before where the last ended; at the end an empty page, then the last record again
    assert [(p['skip'], p['limit']) for p in gets] == [(0, 5), (2, 5), (4, 5), (6, 5), (7, 5), (6, 5)]
    assert gets[0]['sort'] == 'name ASC'


class ChangingList(object):
    """A users list (sorted by name) that others change when a given list request arrives."""

    def __init__(self, names, cap, changes=None):
        self.records = [{'id': 'id-%s' % n, 'name': n, 'group': 'g'} for n in names]
        self.cap = cap
        self.changes = dict(changes or {})   # GET number (1-based) -> ('delete' | 'add', name)
        self.gets = 0

    def __call__(self, call):
        if call['path'] == '/auth/login':
            return 200, {'token': 'tok'}
        self.gets += 1
        change = self.changes.get(self.gets)
        if change and change[0] == 'delete':
            self.records = [r for r in self.records if r['name'] != change[1]]
        elif change:
            self.records = sorted(self.records + [{'id': 'id-%s' % change[1], 'name': change[1], 'group': 'g'}],
                                  key=lambda r: r['name'])
        skip, size = call['params']['skip'], min(call['params']['limit'], self.cap)
        return 200, {'users': self.records[skip:skip + size]}


NAMES = ['n%02d' % n for n in range(10)]


@pytest.mark.parametrize('deleted', ['n00', 'n02', 'n03'])   # before the boundary, and the boundary record itself
def test_an_object_removed_while_paging_restarts_the_listing_and_nothing_is_missed(deleted):
    listing = ChangingList(NAMES, cap=4, changes={2: ('delete', deleted)})
    client, session, clock = make_client(listing, page_limit=4)
    names = [r['name'] for r in client.list(USER)]
    assert names == [n for n in NAMES if n != deleted]
    assert client.stats['listing_restarts'] == 1


def test_an_object_removed_after_the_boundary_needs_no_restart():
    listing = ChangingList(NAMES, cap=4, changes={2: ('delete', 'n08')})
    client, session, clock = make_client(listing, page_limit=4)
    assert [r['name'] for r in client.list(USER)] == [n for n in NAMES if n != 'n08']
    assert client.stats['listing_restarts'] == 0


def test_an_object_added_while_paging_is_read_once_without_restart():
    listing = ChangingList(NAMES, cap=4, changes={2: ('add', 'n00a')})
    client, session, clock = make_client(listing, page_limit=4)
    names = [r['name'] for r in client.list(USER)]
    assert sorted(set(NAMES) - set(names)) == [] and len(names) == len(set(names))
    assert client.stats['listing_restarts'] == 0


def test_a_listing_that_never_settles_fails_clearly():
    listing = ChangingList(['n%03d' % n for n in range(100)], cap=4,
                           changes=dict((n, ('delete', 'n%03d' % (n - 2))) for n in range(2, 60, 2)))
    client, session, clock = make_client(listing, page_limit=4)
    with pytest.raises(ClearIPError) as info:
        client.list(USER)
    assert 'the list changed under the reader 5 times in a row' in str(info.value)


@pytest.mark.parametrize('cap', [1, 2, 3, 7, 500])
def test_any_page_size_the_server_chooses_reads_everything_once(cap):
    listing = ChangingList(NAMES, cap=cap)
    client, session, clock = make_client(listing, page_limit=500)
    assert [r['name'] for r in client.list(USER)] == NAMES


# -- pages fetched several at a time (issue 23) -----------------------------------------------------

class LockedChangingList(ChangingList):
    """ChangingList for pages asked from several threads at once."""

    def __init__(self, *args, **kwargs):
        super(LockedChangingList, self).__init__(*args, **kwargs)
        self.lock = threading.Lock()
        self.skips = []

    remove_at = None   # (GET number, names): several objects removed at once when that request arrives

    def __call__(self, call):
        with self.lock:
            if call['path'] != '/auth/login':
                self.skips.append(call['params']['skip'])
                if self.remove_at and self.gets + 1 == self.remove_at[0]:
                    self.records = [r for r in self.records if r['name'] not in self.remove_at[1]]
            return super(LockedChangingList, self).__call__(call)


def test_pages_are_fetched_several_at_a_time_once_the_page_size_is_known():
    names = ['n%03d' % n for n in range(60)]
    listing = LockedChangingList(names, cap=5)
    client, session, clock = make_client(listing, page_limit=500, page_window=4, max_workers=4)
    assert [r['name'] for r in client.list(USER)] == names
    # Every page the serial reading asks for is asked (one record of overlap), some of them ahead of need.
    assert set(range(0, 60, 4)) <= set(listing.skips)
    assert client.stats['listing_restarts'] == 0


@pytest.mark.parametrize('when', range(2, 12))
@pytest.mark.parametrize('change', [('delete', 'n000'), ('delete', 'n013'), ('delete', 'n020'), ('delete', 'n039'),
                                    ('delete', ('n001', 'n002')), ('delete', ('n009', 'n010', 'n011')),
                                    ('add', 'n0005'), ('add', 'n0215')])
def test_parallel_pages_never_miss_an_object_present_while_the_list_changes(when, change):
    names = ['n%03d' % n for n in range(40)]
    removed = change[1] if isinstance(change[1], tuple) else (change[1],)
    listing = LockedChangingList(names, cap=4, changes={when: change} if change[0] == 'add' else {})
    if change[0] == 'delete':
        listing.remove_at = (when, removed)   # every name at once: more than the one record of overlap absorbs
    client, session, clock = make_client(listing, page_limit=500, page_window=4, max_workers=4)
    read = [r['name'] for r in client.list(USER)]
    # Whatever request the change met: each object present from start to end is read, once; nothing else is.
    present_throughout = [n for n in names if change[0] == 'add' or n not in removed]
    assert set(present_throughout) <= set(read)
    assert len(read) == len(set(read))
    assert set(read) <= set(names) | set(removed)


def test_a_listing_read_in_parallel_against_the_simulator_that_loses_an_object_creates_nothing_that_was_present():
    """The simulator deletes an unrelated User while the pages are asked several at a time: every User present
    before and after is listed, so a tier planned from the listing creates none of them again."""
    dataset = {'clearip': {'operators': sim.DEFAULT_OPERATORS, 'accounts': sim.DEFAULT_ACCOUNTS,
                           'serviceProviders': [], 'groups': [], 'users': [
                               {'id': 'u-%03d' % n, 'name': 'user %03d' % n, 'group': 'g1', 'userId': '',
                                'operator': sim.DEFAULT_OPERATOR_ID} for n in range(200)]}}
    for page in (1, 2, 3, 5):
        with ClearIPSimulator(dataset=copy.deepcopy(dataset), config={'page_cap': 7}) as server:
            server.config['delete_during_listing'] = {'kind': 'users', 'page': page, 'name': 'user 000'}
            client = ClearIPClient(server.url, 'api@clearip.test', sim.DEFAULT_PASSWORD, page_window=8, max_workers=8)
            names = [r['name'] for r in client.list(USER)]
            assert server.faults_fired.get('delete_during_listing') == 1
            assert set('user %03d' % n for n in range(1, 200)) <= set(names)
            assert len(names) == len(set(names))


@pytest.mark.parametrize('users, page_cap', [(2020, None), (2020, 250), (201, None), (5, None)])
def test_overlapped_paging_costs_a_few_requests_a_listing_beyond_a_minimal_reader(users, page_cap):
    """docs/reliability.md ("Overlapping pages"), counted on the simulator: read page after page, a listing asks at
    most 3 requests more than a minimal reader (ceil(n / page) pages and the empty one); read several pages at a
    time, at most ``max_workers`` more pages beyond the end of the list."""
    dataset = {'clearip': {'operators': sim.DEFAULT_OPERATORS, 'accounts': sim.DEFAULT_ACCOUNTS,
                           'serviceProviders': [], 'groups': [], 'users': [
                               {'id': 'u-%05d' % n, 'name': 'user %05d' % n, 'group': 'g1', 'userId': '',
                                'operator': sim.DEFAULT_OPERATOR_ID} for n in range(users)]}}
    asked = {}
    for window in (1, None):
        with ClearIPSimulator(dataset=copy.deepcopy(dataset), config={'page_cap': page_cap}) as server:
            kwargs = {'page_window': window} if window else {}
            client = ClearIPClient(server.url, 'api@clearip.test', sim.DEFAULT_PASSWORD, max_workers=4, **kwargs)
            names = [r['name'] for r in client.list(USER)]
            asked[window] = server.requests['GET /users']
        assert sorted(names) == ['user %05d' % n for n in range(users)]
    page = min(clearip.PAGE_LIMIT, page_cap or clearip.PAGE_LIMIT)
    minimal = -(-users // page) + 1
    assert minimal < asked[1] <= minimal + 3, (asked, minimal)
    assert asked[1] <= asked[None] <= asked[1] + 4, (asked, minimal)


def test_a_repeated_page_is_an_error_not_a_loop():
    records = [{'id': 'u%d' % n, 'name': 'n%d' % n} for n in range(7)]
    client, session, clock = make_client(paging_handler(records, cap=3, ignore_skip=True))
    with pytest.raises(ClearIPError) as info:
        client.list(USER)
    assert str(info.value) == ('GET http://stub/users: the page at skip=3 repeats records already read; the server ignores skip, '
                               'so the listing cannot be trusted')
    assert len(session.paths('GET')) == 3


def test_filters_are_sent_as_where_field():
    client, session, clock = make_client(paging_handler([], cap=3))
    client.find_exact(USER, 'd 1@x')
    assert session.calls[-1]['params']['where[name]'] == 'd 1@x'


def test_pages_are_read_as_json_by_the_session_which_retries_unreadable_ones():
    seen = []
    session = StubSession(lambda call: (200, {'token': 'tok'} if call['path'] == '/auth/login' else {'groups': []}))
    original = session.request

    def request(*args, **kwargs):
        seen.append((args[0], kwargs.get('want_json')))
        return original(*args, **kwargs)
    session.request = request
    client = ClearIPClient('http://stub', 'api@example.com', PASSWORD, session=session)
    client.list(GROUP)
    assert ('GET', True) in seen and all(want for method, want in seen if method == 'GET')


# -- creates: refused, unknown, acknowledged (issue 19) ---------------------------------------------

class Store(object):
    """A tiny ClearIP users collection whose POST can fail in given ways; ``loose`` filters match every name."""

    def __init__(self, post_faults, loose=False):
        self.users = []
        self.post_faults = list(post_faults)
        self.posts = 0
        self.loose = loose

    def __call__(self, call):
        if call['path'] == '/auth/login':
            return 200, {'token': 'tok'}
        if call['method'] == 'GET':
            wanted = call['params'].get('where[name]')
            found = [u for u in self.users if self.loose or wanted is None or u['name'] == wanted]
            return 200, {'users': found[call['params']['skip']:]}
        self.posts += 1
        fault = self.post_faults.pop(0) if self.post_faults else None
        if fault == 'refused':
            raise Refused('POST http://stub/users answered HTTP 503; the server did not handle the request', status=503)
        user = dict(call['json']['user'], id='id-%d' % len(self.users))
        self.users.append(user)
        if fault == 'refused_after_commit':
            raise Refused('POST http://stub/users answered HTTP 503; the server did not handle the request', status=503)
        if fault == 'after':
            raise OutcomeUnknown('POST http://stub/users failed after the request was sent (connection lost)')
        if fault == 'garbled':
            return 200, '{"users": ['
        return 200, {'users': [user]}


def test_a_refused_create_is_looked_up_then_sent_again_after_a_backoff():
    store = Store(['refused'])
    client, session, clock = make_client(store)
    outcome, record, cause = client.create(USER, '100@d1', parent_id='g1', comment='c')
    assert (outcome, record['id'], cause) == (clearip.CREATED, 'id-0', None)
    assert session.paths() == ['POST /auth/login', 'POST /users', 'GET /users', 'POST /users']
    assert session.calls[2]['params']['where[name]'] == '100@d1'
    assert clock.slept == [0.5] and store.posts == 2 and len(store.users) == 1
    assert client.stats['refused_creates'] == 1


def test_a_refused_create_that_the_server_took_all_the_same_is_found_and_not_sent_again():
    store = Store(['refused_after_commit'])
    client, session, clock = make_client(store)
    outcome, record, cause = client.create(USER, '100@d1', parent_id='g1')
    assert (outcome, record['id']) == (clearip.FOUND, 'id-0')
    assert store.posts == 1 and len(store.users) == 1


def test_a_create_refused_more_often_than_the_retries_fails_naming_the_count():
    store = Store(['refused'] * 3)
    client, session, clock = make_client(store)
    with pytest.raises(ClearIPError) as info:
        client.create(USER, '100@d1', parent_id='g1')
    assert str(info.value).startswith("user '100@d1': ClearIP refused the create 3 times without handling it")
    assert store.posts == 3 and store.users == [] and clock.slept == [0.5, 1.0]


def test_a_lookup_counts_only_the_exact_name_whatever_the_server_filter_matched():
    store = Store(['refused'], loose=True)
    store.users.append({'id': 'other', 'name': '100@d1.example', 'group': 'g1'})   # what a loose filter also returns
    client, session, clock = make_client(store)
    outcome, record, cause = client.create(USER, '100@d1', parent_id='g1')
    assert (outcome, record['name']) == (clearip.CREATED, '100@d1')
    assert store.posts == 2 and sorted(u['name'] for u in store.users) == ['100@d1', '100@d1.example']


def test_a_refused_create_held_under_another_parent_is_an_error_naming_it():
    store = Store(['refused_after_commit'])
    client, session, clock = make_client(store)
    store.users.append({'id': 'x', 'name': '100@d9', 'group': 'g9'})
    store.post_faults = ['refused']
    store.users[0:0] = [{'id': 'other', 'name': '100@d1', 'group': 'g2'}]
    with pytest.raises(ClearIPError) as info:
        client.create(USER, '100@d1', parent_id='g1')
    assert str(info.value).startswith("user '100@d1' exists under another group (id g2) after POST http://stub/users answered HTTP 503")


@pytest.mark.parametrize('fault', ['after', 'garbled'])
def test_an_unknown_outcome_is_neither_looked_up_nor_sent_again_here(fault):
    store = Store([fault])
    client, session, clock = make_client(store)
    outcome, record, cause = client.create(USER, '100@d1', parent_id='g1', user_id='X1')
    assert (outcome, record) == (clearip.UNKNOWN, None) and cause
    assert store.posts == 1 and session.paths() == ['POST /auth/login', 'POST /users']


def test_create_many_says_the_outcome_of_each_create_in_order():
    store = Store(['after', None, 'refused'])
    client, session, clock = make_client(store, max_workers=1)
    results = client.create_many(USER, [{'name': 'a', 'parent_id': 'g1'}, {'name': 'b', 'parent_id': 'g1'},
                                        {'name': 'c', 'parent_id': 'g1'}])
    assert [(r[0]['name'], r[1]) for r in results] == [('a', clearip.UNKNOWN), ('b', clearip.CREATED), ('c', clearip.CREATED)]
    assert "user 'a': outcome unknown (" in results[0][3]


def test_a_create_refused_for_good_is_not_retried():
    def handler(call):
        if call['path'] == '/auth/login':
            return 200, {'token': 'tok'}
        return 404, {'message': 'group g9 not found'}
    client, session, clock = make_client(handler)
    with pytest.raises(HttpError) as info:
        client.create(USER, '100@d1', parent_id='g9')
    assert info.value.status == 404
    assert session.paths() == ['POST /auth/login', 'POST /users']


def test_create_many_keeps_order_and_reports_each_failure():
    store = Store([])

    def handler(call):
        if call['path'] == '/users' and call['method'] == 'POST' and call['json']['user']['name'] == 'bad':
            return 400, {'message': 'name has invalid characters'}
        return store(call)
    client, session, clock = make_client(handler, max_workers=3)
    jobs = [{'name': 'u%d' % n, 'parent_id': 'g1'} for n in range(5)] + [{'name': 'bad', 'parent_id': 'g1'}]
    results = client.create_many(USER, jobs)
    assert [r[0]['name'] for r in results] == ['u0', 'u1', 'u2', 'u3', 'u4', 'bad']
    assert [r[2]['name'] for r in results[:5]] == ['u0', 'u1', 'u2', 'u3', 'u4']
    assert results[5][1] == clearip.FAILED and 'name has invalid characters' in results[5][3]
    assert sorted(u['name'] for u in store.users) == ['u0', 'u1', 'u2', 'u3', 'u4']


def test_create_many_reports_an_unexpected_error_of_one_create_and_does_the_others():
    store = Store([])
    client, session, clock = make_client(store, max_workers=3)

    def shape(record):
        if record['name'] == 'u2':
            raise TypeError('a record it cannot shape')
        return record['name']
    jobs = [{'name': 'u%d' % n, 'parent_id': 'g1'} for n in range(6)]
    results = client.create_many(USER, jobs, shape=shape)
    assert [(r[0]['name'], r[1], r[2]) for r in results] == [
        ('u0', clearip.CREATED, 'u0'), ('u1', clearip.CREATED, 'u1'), ('u2', clearip.FAILED, None),
        ('u3', clearip.CREATED, 'u3'), ('u4', clearip.CREATED, 'u4'), ('u5', clearip.CREATED, 'u5')]
    assert results[2][3] == 'unexpected error: TypeError: a record it cannot shape'


# -- the shared module body ------------------------------------------------------------------------


# -- the token of each attempt (issue 9, item 1) ----------------------------------------------------

def test_a_retry_after_a_wait_sends_the_token_current_then():
    """HttpSession calls auth before each attempt; a worker that renewed meanwhile is seen by the retry."""
    client, session, clock = make_client(lambda call: (200, {'token': 'tok-1'}))
    client._fresh_token()   # logged in: tok-1
    sent = []

    class WaitingSession(object):
        def request(self, method, path, auth=None, **kwargs):
            sent.append(auth()['Authorization'])          # first attempt, answered 429
            client._token = 'tok-2'                        # another worker renews while this one waits
            client._token_issued = clock()
            sent.append(auth()['Authorization'])          # the retry
            return HttpResponse(200, {}, '{"groups": []}', method=method, url=path)
    client.session = WaitingSession()
    client.request('GET', '/groups')
    assert sent == ['Bearer tok-1', 'Bearer tok-2']


def test_a_401_renews_only_when_the_refused_token_is_still_current():
    logins = []

    def handler(call):
        if call['path'] == '/auth/login':
            logins.append(1)
            return 200, {'token': 'tok-%d' % len(logins)}
        if call['auth'] == 'Bearer tok-1' and call['path'] == '/groups':
            client._token = 'tok-9'   # another worker renewed after this attempt took tok-1
            return 401, {'message': 'token expired'}
        return 200, {'groups': []}
    client, session, clock = make_client(handler)
    client.request('GET', '/groups')
    assert len(logins) == 1 and client.stats['relogins_after_401'] == 0
    assert [c['auth'] for c in session.calls if c['path'] == '/groups'] == ['Bearer tok-1', 'Bearer tok-9']


def test_a_401_on_the_current_token_logs_in_once_and_learns_the_lifetime():
    logins = []

    def handler(call):
        if call['path'] == '/auth/login':
            logins.append(1)
            return 200, {'token': 'tok-%d' % len(logins)}
        if call['auth'] == 'Bearer tok-1':
            return 401, {'message': 'token expired'}
        return 200, {'groups': []}
    client, session, clock = make_client(handler)
    client._fresh_token()
    clock.now += 2.0
    client.request('GET', '/groups')
    assert len(logins) == 2 and client.stats['relogins_after_401'] == 1
    assert client._lifetime == 2.0


# -- User IDs ClearIP already holds (issue 9, item 5) -----------------------------------------------


# -- tier confirmation (issue 9, item 6) ------------------------------------------------------------


# -- the per-account lock (issue 9, item 7) ---------------------------------------------------------


# -- SIP messages (ClearIPClient.sip_messages, against the ClearIP simulator: window, paging, limit) -------

OP_A = '11111111-1111-4111-8111-111111111111'
OP_B = '22222222-2222-4222-8222-222222222222'
SIP_EMAIL = 'api@clearip.example'
SIP_MULTI = 'multi@clearip.example'
SIP_PASSWORD = 'Unit-Passw0rd-4417'
SIP_BASE = 1700000000000


def sip_message(offset_s, user_id=None, operator=None, call=None):
    found = {'timestamp': SIP_BASE + offset_s * 1000, 'requestedCallingNumber': '+12025550100', 'sbcIp': '198.51.100.7',
             'callId': call or 'call-%d' % offset_s}
    if user_id is not None:
        found['userId'] = user_id
    if operator is not None:
        found['operator'] = operator
    return found


def sip_dataset(messages):
    return {'clearip': {
        'operators': [{'id': OP_A, 'name': 'Op A'}, {'id': OP_B, 'name': 'Op B'}],
        'accounts': [{'email': SIP_EMAIL, 'password': SIP_PASSWORD, 'state': 'active', 'operator': OP_A},
                     {'email': SIP_MULTI, 'password': SIP_PASSWORD, 'state': 'active', 'operator': None}],
        'sipMessages': messages,
    }}


# 0..9 seconds after SIP_BASE; one of them belongs to another operator
SIP_MESSAGES = [sip_message(s, '%d@d1.example' % (100 + s)) for s in range(10)] + [sip_message(5, 'other@d9.example', operator=OP_B, call='b-5')]


@pytest.fixture
def sip_server():
    with ClearIPSimulator(dataset=sip_dataset(SIP_MESSAGES)) as server:
        yield server


def sip_stats(server):
    return requests.get(server.url + '/_sim/stats', timeout=10).json()['requests']


def test_window_is_inclusive_newest_first_and_paged(sip_server):
    client = ClearIPClient(sip_server.url, SIP_EMAIL, SIP_PASSWORD, page_limit=3)
    found, truncated = client.sip_messages(SIP_BASE + 2000, SIP_BASE + 8000)
    assert [m['timestamp'] for m in found] == [SIP_BASE + s * 1000 for s in (8, 7, 6, 5, 4, 3, 2)]
    assert [m['userId'] for m in found][:2] == ['108@d1.example', '107@d1.example']
    assert truncated is False
    # 7 messages at 3 a page: 3 + 3 + 1, then one empty page ends the listing
    assert sip_stats(sip_server)['GET /sipMessages'] == 4


def test_limit_returns_the_newest_and_says_more_were_there(sip_server):
    client = ClearIPClient(sip_server.url, SIP_EMAIL, SIP_PASSWORD, page_limit=4)
    found, truncated = client.sip_messages(SIP_BASE, SIP_BASE + 9000, limit=5)
    assert [m['timestamp'] for m in found] == [SIP_BASE + s * 1000 for s in (9, 8, 7, 6, 5)]
    assert truncated is True
    exact, truncated = client.sip_messages(SIP_BASE, SIP_BASE + 9000, limit=10)
    assert len(exact) == 10 and truncated is False


def test_short_pages_from_the_server_still_read_everything(sip_server):
    requests.post(sip_server.url + '/_sim/config', json={'page_cap': 2}, timeout=10).raise_for_status()
    client = ClearIPClient(sip_server.url, SIP_EMAIL, SIP_PASSWORD, page_limit=500)
    found, truncated = client.sip_messages(SIP_BASE, SIP_BASE + 9000)
    assert [m['timestamp'] for m in found] == [SIP_BASE + s * 1000 for s in range(9, -1, -1)]
    assert truncated is False


def test_multi_operator_account_sees_the_chosen_operator_only(sip_server):
    client = ClearIPClient(sip_server.url, SIP_MULTI, SIP_PASSWORD, operator='Op B')
    found, dummy = client.sip_messages(SIP_BASE, SIP_BASE + 9000)
    # messages without an operator are visible to every operator, as on the simulator
    assert len(found) == 11
    assert 'other@d9.example' in [m['userId'] for m in found]
    own, dummy = ClearIPClient(sip_server.url, SIP_EMAIL, SIP_PASSWORD).sip_messages(SIP_BASE, SIP_BASE + 9000)
    assert len(own) == 10 and 'other@d9.example' not in [m['userId'] for m in own]


class IgnoresSkip(object):
    """A session whose server returns the same page whatever the skip."""

    def __init__(self):
        self.params = []

    def request(self, method, path, params=None, **ignored):
        if path == clearip.LOGIN_PATH:
            return HttpResponse(200, {}, json.dumps({'token': 't'}), method=method, url='http://stub' + path)
        self.params.append(dict(params))
        body = {'sipMessages': [sip_message(1, 'a@b'), sip_message(0, 'c@d')]}
        return HttpResponse(200, {}, json.dumps(body), method=method, url='http://stub' + path)


def test_the_request_carries_the_documented_window_and_sort_and_a_repeating_page_stops_it():
    session = IgnoresSkip()
    client = ClearIPClient('http://stub', SIP_EMAIL, SIP_PASSWORD, session=session, page_limit=2)
    with pytest.raises(ClearIPError) as info:
        client.sip_messages(SIP_BASE, SIP_BASE + 60000)
    assert 'repeats the previous page' in str(info.value)
    assert session.params[0] == {'from': SIP_BASE, 'where[timestamp][>=]': SIP_BASE, 'where[timestamp][<=]': SIP_BASE + 60000,
                                 'limit': 2, 'skip': 0, 'sort': 'timestamp DESC'}
    assert session.params[1]['skip'] == 2
