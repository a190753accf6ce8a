# -*- coding: utf-8 -*-
# Copyright: (c) 2026, clearip.netsapiens contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The ClearIP client against a stub HTTP session: login refusals, tokens, paging, unknown outcomes."""

from __future__ import annotations

import json

import pytest

from ansible_collections.clearip.netsapiens.plugins.module_utils import clearip
from ansible_collections.clearip.netsapiens.plugins.module_utils.clearip import (
    ClearIPClient, ClearIPError, LoginRefused, explain_login_refusal)
from ansible_collections.clearip.netsapiens.plugins.module_utils.http_session import HttpError, HttpResponse, OutcomeUnknown
from ansible_collections.clearip.netsapiens.plugins.module_utils.sync import GROUP, SERVICE_PROVIDER, USER
from tests.simulators import clearip as sim

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

    def __init__(self, handler):
        self.handler = handler
        self.calls = []

    def request(self, method, path, params=None, json=None, data=None, headers=None, idempotent=None,
                expect=(200, 201, 202, 204), auth=None, want_json=False):
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
    session = StubSession(handler)
    client = ClearIPClient('http://stub', 'api@example.com', PASSWORD, session=session, clock=clock, sleep=clock.sleep, **kwargs)
    return client, session, clock


def login_ok(call):
    if call['path'] == '/auth/login':
        return 200, {'token': 'tok-1'}
    raise AssertionError('unexpected call %r' % call)


# -- login refusals --------------------------------------------------------------------------------

@pytest.mark.parametrize('status, message, reason', [
    (401, sim.BAD_CREDENTIALS_MESSAGE, 'wrong_credentials'),
    (423, sim.LOCKED_MESSAGE, 'account_locked'),
    (403, sim.EULA_MESSAGE, 'eula_not_accepted'),
    (403, sim.TEMPORARY_PASSWORD_MESSAGE, 'temporary_password'),
    (403, sim.IP_NOT_WHITELISTED_MESSAGE % {'ip': '127.0.0.1', 'whitelist': 'empty'}, 'ip_not_whitelisted'),
    (401, '', 'wrong_credentials'),
    (423, '', 'account_locked'),
    (403, 'Forbidden', 'refused'),
    (400, 'Please accept the Terms of Service (EULA) first', 'eula_not_accepted'),
    (403, 'Your password has expired, choose a new password', 'temporary_password'),
])
def test_login_refusal_is_explained_from_status_and_words(status, message, reason):
    assert explain_login_refusal(status, message)[0] == reason


def test_each_refusal_names_its_fix():
    assert 'IP whitelist' in explain_login_refusal(403, 'not in the whitelist')[1]
    assert 'accept' in explain_login_refusal(403, 'EULA')[1]
    assert 'permanent password' in explain_login_refusal(403, 'temporary password')[1]
    assert 'unlock' in explain_login_refusal(423, 'locked')[1]
    assert 'email and password' in explain_login_refusal(401, 'invalid email or password')[1]


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


def test_operator_required_answer_names_the_option():
    error = HttpError('GET http://stub/groups answered HTTP 400 with an error: ...', status=400,
                      body_excerpt=json.dumps({'message': sim.OPERATOR_REQUIRED_MESSAGE}))
    assert clearip._error_message(error).endswith('this ClearIP account is not tied to one operator: set the operator option (name or id)')


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
    client.find_by_name(USER, 'd 1@x')
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


# -- creates with unknown outcome ------------------------------------------------------------------

class Store(object):
    """A tiny ClearIP users collection whose POST can fail in given ways."""

    def __init__(self, post_faults):
        self.users = []
        self.post_faults = list(post_faults)
        self.posts = 0

    def __call__(self, call):
        if call['path'] == '/auth/login':
            return 200, {'token': 'tok'}
        if call['method'] == 'GET':
            found = [u for u in self.users if u['name'] == call['params'].get('where[name]', u['name'])]
            return 200, {'users': found[call['params']['skip']:]}
        self.posts += 1
        fault = self.post_faults.pop(0) if self.post_faults else None
        if fault == 'before':
            raise OutcomeUnknown('POST http://stub/users answered HTTP 503', status=503)
        user = dict(call['json']['user'], id='id-%d' % len(self.users))
        self.users.append(user)
        if fault == 'after':
            raise OutcomeUnknown('POST http://stub/users failed after the request was sent (connection lost)')
        if fault == 'garbled':
            return 200, '{"users": ['
        return 200, {'users': [user]}


def test_unknown_outcome_not_found_is_reported_and_never_sent_again():
    store = Store(['before'])
    client, session, clock = make_client(store)
    with pytest.raises(clearip.CreateOutcomeUnknown) as info:
        client.create(USER, '100@d1', parent_id='g1', comment='c')
    assert str(info.value) == ("user '100@d1': outcome unknown (POST http://stub/users answered HTTP 503) and not found by a "
                               "lookup; not sent again to avoid a duplicate: the next run will find or create it")
    assert store.posts == 1 and store.users == []
    assert session.paths() == ['POST /auth/login', 'POST /users', 'GET /users']
    assert session.calls[2]['params']['where[name]'] == '100@d1'
    assert clock.slept == [clearip.UNKNOWN_OUTCOME_LOOKUP_DELAY]   # the lookup waits for a commit in flight


def test_a_late_commit_is_found_by_the_lookup_and_not_created_twice():
    store = Store(['before'])
    client, session, clock = make_client(store)
    original = clock.sleep

    def sleep(seconds):   # the server commits the POST while the client waits before its lookup
        store.users.append({'id': 'late', 'name': '100@d1', 'group': 'g1'})
        original(seconds)
    client._real_sleep = sleep
    assert client.create(USER, '100@d1', parent_id='g1')['id'] == 'late'
    assert store.posts == 1


@pytest.mark.parametrize('fault', ['after', 'garbled'])
def test_unknown_outcome_after_commit_finds_the_object_and_makes_no_duplicate(fault):
    store = Store([fault])
    client, session, clock = make_client(store)
    record = client.create(USER, '100@d1', parent_id='g1', user_id='X1')
    assert record['id'] == 'id-0' and record['userId'] == 'X1'
    assert store.posts == 1 and len(store.users) == 1
    assert client.stats['lookups_after_unknown_outcome'] == 1


def test_create_many_marks_unknown_outcomes():
    store = Store(['before', None])
    client, session, clock = make_client(store, max_workers=1)
    results = client.create_many(USER, [{'name': 'a', 'parent_id': 'g1'}, {'name': 'b', 'parent_id': 'g1'}])
    assert [(r[0]['name'], r[1] is None, r[3]) for r in results] == [('a', True, True), ('b', False, False)]
    assert 'outcome unknown' in results[0][2]


def test_unknown_outcome_with_the_name_under_another_parent_is_an_error():
    store = Store(['before'])
    store.users.append({'id': 'other', 'name': '100@d1', 'group': 'g2'})
    client, session, clock = make_client(store)
    with pytest.raises(ClearIPError) as info:
        client.create(USER, '100@d1', parent_id='g1')
    assert str(info.value) == ("user '100@d1': after an unknown outcome (POST http://stub/users answered HTTP 503) "
                               "it exists under another group (id g2)")


def test_a_refused_create_is_not_retried():
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
    assert [r[1]['name'] for r in results[:5]] == ['u0', 'u1', 'u2', 'u3', 'u4']
    assert results[5][1] is None and 'name has invalid characters' in results[5][2]
    assert sorted(u['name'] for u in store.users) == ['u0', 'u1', 'u2', 'u3', 'u4']


def test_rate_limit_wait_holds_back_the_whole_pool():
    client, session, clock = make_client(login_ok)
    client._pool_sleep(2.5)
    assert clock.slept == [2.5]
    clock.now -= 1.0   # another worker arrives while the pause is still on
    client._wait_for_pool()
    assert clock.slept == [2.5, 1.0]


# -- the shared module body ------------------------------------------------------------------------

def tier_handler(posts):
    groups = [{'id': 'g1', 'name': 'd1', 'serviceProvider': 'sp1'}]
    sps = [{'id': 'sp1', 'name': 'R1'}]

    def handler(call):
        if call['path'] == '/auth/login':
            return 200, {'token': 'tok'}
        if call['method'] == 'GET':
            data = {'/groups': ('groups', groups), '/serviceProviders': ('serviceProviders', sps)}[call['path']]
            return 200, {data[0]: data[1][call['params']['skip']:]}
        posts.append(call['json'])
        return 200, {'groups': [dict(call['json']['group'], id='g-%d' % len(posts))]}
    return handler


def test_run_tier_check_mode_predicts_children_of_pending_parents_and_writes_nothing():
    posts = []
    client, session, clock = make_client(tier_handler(posts))
    desired = [{'name': 'd1', 'parent': 'R1'}, {'name': 'd2', 'parent': 'R2'}, {'name': 'd3', 'parent': 'R1', 'comment': 'mine'}]
    result = clearip.run_tier(client, GROUP, desired, check_mode=True, pending_parents=['R2'], comment_source='pbx', want_diff=True)
    assert posts == []
    assert result['created'] == ['d2', 'd3'] and result['existing'] == 1 and result['failed_items'] == [] and result['changed'] is True
    assert result['proposed'] == [
        {'name': 'd2', 'service_provider': 'R2', 'status': 'active', 'comment': 'Created by clearip.netsapiens sync from pbx'},
        {'name': 'd3', 'service_provider': 'R1', 'status': 'active', 'comment': 'mine'}]
    assert result['end_state'] == result['proposed']
    assert result['diff'] == {'before': '1 requested groups exist\n',
                              'after': '1 requested groups exist\nin service provider R1:\n  d3\nin service provider R2:\n  d2\n',
                              'before_header': 'ClearIP groups (of those requested)',
                              'after_header': 'ClearIP groups (of those requested)'}


def test_name_diff_groups_names_under_their_parents_and_caps_the_lines():
    created = ['u%02d@d%d' % (n, n % 7) for n in range(100)]
    parent_of = dict((name, name.split('@')[1]) for name in created)
    diff = clearip.name_diff(USER, ['old@d1'] * 5, list(reversed(created)), parent_of, max_lines=30)
    after = diff['after'].splitlines()
    assert after[0] == '5 requested users exist' and diff['before'] == '5 requested users exist\n'
    assert len(after) == 1 + 30 + 1
    assert after[1] == 'in group d0:' and after[2:4] == ['  u00@d0', '  u07@d0']   # sorted, grouped by parent
    shown = [line.strip() for line in after[1:31] if line.startswith('  ')]
    assert all(parent_of[name] == 'd0' for name in shown[:15]) and all(parent_of[name] == 'd1' for name in shown[15:])
    assert after[-1] == ("... and %d more new users (under 5 more groups) not shown; the result (and the sync's report) lists them all"
                         % (100 - len(shown)))
    assert 1 + 2 + len(shown) + 1 == len(after)   # the count, two headings (d0, d1), the names, the tail


def test_name_diff_of_service_providers_has_no_headings_and_no_tail_when_all_fit():
    diff = clearip.name_diff(SERVICE_PROVIDER, [], ['B', 'A'], {'A': None, 'B': None})
    assert diff['after'] == '0 requested service providers exist\nA\nB\n'


def test_run_tier_ignores_pending_parents_outside_check_mode():
    posts = []
    client, session, clock = make_client(tier_handler(posts))
    desired = [{'name': 'd2', 'parent': 'R2'}, {'name': 'd3', 'parent': 'R1'}]
    result = clearip.run_tier(client, GROUP, desired, check_mode=False, pending_parents=['R2'], return_objects=False)
    assert posts == [{'group': {'name': 'd3', 'serviceProvider': 'sp1', 'status': 'active', 'comment': 'Created by clearip.netsapiens sync'}}]
    assert result == {'changed': True, 'created': ['d3'], 'existing': 0, 'outcome_unknown': [],
                      'failed_items': [{'name': 'd2', 'reason': "group 'd2': its service provider 'R2' does not exist in ClearIP"}]}


def test_normalize_items_and_src(tmp_path):
    assert clearip.normalize_items(SERVICE_PROVIDER, ['R1', {'name': 'R2', 'comment': 'c'}], 'service_providers') == [
        {'name': 'R1', 'parent': None, 'comment': None}, {'name': 'R2', 'parent': None, 'comment': 'c'}]
    path = tmp_path / 'users.json'
    path.write_text(json.dumps([{'name': 'u@d', 'group': 'd'}]))
    assert clearip.load_src(USER, str(path)) == [{'name': 'u@d', 'parent': 'd', 'comment': None, 'user_id': None}]
    path.write_text(json.dumps({'users': [{'name': 'u@d', 'group': 'd', 'user_id': 'X'}]}))
    assert clearip.load_src(USER, str(path))[0]['user_id'] == 'X'
    with pytest.raises(clearip.InputError) as info:
        clearip.normalize_items(GROUP, [{'name': 'd1', 'service_provider': 'R1', 'reseller': 'x'}], 'groups')
    assert str(info.value) == 'groups[0] has unknown keys reseller; allowed: comment, name, service_provider'
    path.write_text('{"groups": [')
    with pytest.raises(clearip.InputError) as info:
        clearip.load_src(GROUP, str(path))
    assert str(info.value).startswith('src %s: not valid JSON: ' % path)


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

def test_run_tier_refuses_a_user_id_held_by_another_user_in_check_mode_and_for_real():
    posts = []
    groups = [{'id': 'g1', 'name': 'd00.example'}]
    users = [{'id': 'u1', 'name': 'Front Desk', 'group': 'g1', 'userId': '100@d00.example'}]

    def handler(call):
        if call['path'] == '/auth/login':
            return 200, {'token': 'tok'}
        if call['method'] == 'GET':
            data = groups if call['path'] == '/groups' else users
            key = call['path'].strip('/')
            if 'where[name]' in call['params']:
                data = [d for d in data if d['name'] == call['params']['where[name]']]
            return 200, {key: data[call['params']['skip']:]}
        posts.append(call['json'])
        users.append(dict(call['json']['user'], id='u-%d' % len(posts)))
        return 200, {'users': [users[-1]]}
    desired = [{'name': '100@d00.example', 'parent': 'd00.example', 'user_id': None},
               {'name': '101@d00.example', 'parent': 'd00.example', 'user_id': None}]
    for check in (True, False):
        client, session, clock = make_client(handler)
        result = clearip.run_tier(client, USER, [dict(d) for d in desired], check_mode=check)
        assert result['created'] == ['101@d00.example']
        assert [f['name'] for f in result['failed_items']] == ['100@d00.example']
        reason = result['failed_items'][0]['reason']
        assert "User ID '100@d00.example' is already held in ClearIP by user 'Front Desk' in group 'd00.example'" in reason
    assert [p['user']['name'] for p in posts] == ['101@d00.example']


# -- tier confirmation (issue 9, item 6) ------------------------------------------------------------

def test_confirm_tier_fails_a_duplicate_and_counts_a_late_unknown_as_created():
    held = [{'id': 'a1', 'name': 'a', 'group': 'g1'}, {'id': 'a2', 'name': 'a', 'group': 'g1'},
            {'id': 'b1', 'name': 'b', 'group': 'g1'}, {'id': 'c1', 'name': 'c', 'group': 'g1'}]

    def handler(call):
        if call['path'] == '/auth/login':
            return 200, {'token': 'tok'}
        return 200, {'users': held[call['params']['skip']:]}
    client, session, clock = make_client(handler)
    created = [({'name': 'a', 'parent_id': 'g1'}, held[0]), ({'name': 'c', 'parent_id': 'g1'}, held[3])]
    unknown = [({'name': 'b', 'parent_id': 'g1'}, 'user b: outcome unknown'), ({'name': 'd', 'parent_id': 'g1'}, 'user d: outcome unknown')]
    confirmed, failed, still = clearip.confirm_tier(client, USER, created, unknown)
    assert [j['name'] for j, r in confirmed] == ['c', 'b']
    assert [f['name'] for f in failed] == ['a', 'd']
    assert "user 'a' exists 2 times in ClearIP after this run (ids a1, a2): a duplicate" in failed[0]['reason']
    assert failed[1]['reason'] == 'user d: outcome unknown'
    assert [j['name'] for j, e in still] == ['d']


# -- the per-account lock (issue 9, item 7) ---------------------------------------------------------

def test_account_lock_excludes_a_second_holder_and_names_the_first(tmp_path):
    import os
    import stat
    client, session, clock = make_client(login_ok)
    first = clearip.AccountLock(directory=str(tmp_path / 'locks'))
    first.acquire(client)
    assert stat.S_IMODE(os.stat(str(tmp_path / 'locks')).st_mode) == 0o700
    assert stat.S_IMODE(os.stat(first.path).st_mode) == 0o600
    content = open(first.path).read()
    assert content.startswith('pid %d, started ' % os.getpid()) and PASSWORD not in content
    second = clearip.AccountLock(timeout=1, directory=str(tmp_path / 'locks'), clock=clock, sleep=clock.sleep)
    with pytest.raises(clearip.LockBusy) as info:
        second.acquire(client)
    assert 'another sync of ClearIP account api@example.com at http://stub is running (the holder is pid %d' % os.getpid() in str(info.value)
    assert 'raise lock_timeout' in str(info.value)
    first.release()
    second.acquire(client)
    second.release()


def test_account_lock_is_per_account():
    one, session, clock = make_client(login_ok)
    other = ClearIPClient('http://stub', 'someone-else@example.com', PASSWORD, session=session)
    assert clearip.AccountLock.key(one) != clearip.AccountLock.key(other)
    again = ClearIPClient('http://stub/', 'API@example.com', PASSWORD, session=session)
    assert clearip.AccountLock.key(one) == clearip.AccountLock.key(again)


def test_account_lock_is_one_whether_or_not_the_operator_is_named(tmp_path):
    # An account tied to one operator resolves no operator id unless it is named: both runs must still exclude each other.
    plain, session, clock = make_client(login_ok)
    named = ClearIPClient('http://stub', 'api@example.com', PASSWORD, session=session)
    named.operator_id = 'op-1'
    first = clearip.AccountLock(directory=str(tmp_path / 'locks'))
    first.acquire(plain)
    second = clearip.AccountLock(timeout=1, directory=str(tmp_path / 'locks'), clock=clock, sleep=clock.sleep)
    with pytest.raises(clearip.LockBusy):
        second.acquire(named)
    assert second._fds == []   # nothing left held after a refusal
    first.release()
    # Two accounts naming one operator exclude each other too, through the operator's lock.
    other = ClearIPClient('http://stub', 'someone-else@example.com', PASSWORD, session=session)
    other.operator_id = 'op-1'
    second.acquire(named)
    third = clearip.AccountLock(timeout=1, directory=str(tmp_path / 'locks'), clock=clock, sleep=clock.sleep)
    with pytest.raises(clearip.LockBusy):
        third.acquire(other)
    second.release()
    third.acquire(other)
    third.release()
