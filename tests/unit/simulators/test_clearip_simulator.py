# -*- coding: utf-8 -*-
# Copyright: (c) 2026, clearip.netsapiens contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The ClearIP simulator keeps every rule of the contract, over real HTTP on loopback."""

from __future__ import annotations

import threading
import time
import uuid

import pytest
import requests

from tests.simulators import clearip
from tests.simulators.clearip import ClearIPSimulator

OP_A = '11111111-1111-4111-8111-111111111111'
OP_B = '22222222-2222-4222-8222-222222222222'
PASSWORD = 'Right-Passw0rd'
SINGLE = 'single@example.test'
MULTI = 'multi@example.test'
TIMEOUT = 10


def make_dataset(**clearip_extra):
    section = {
        'operators': [{'id': OP_A, 'name': 'Op A'}, {'id': OP_B, 'name': 'Op B'}],
        'accounts': [
            {'email': SINGLE, 'password': PASSWORD, 'state': 'active', 'operator': OP_A},
            {'email': MULTI, 'password': PASSWORD, 'state': 'active', 'operator': None},
            {'email': 'eula@example.test', 'password': PASSWORD, 'state': 'eula_not_accepted', 'operator': OP_A},
            {'email': 'temp@example.test', 'password': PASSWORD, 'state': 'temporary_password', 'operator': OP_A},
            {'email': 'ip@example.test', 'password': PASSWORD, 'state': 'ip_not_whitelisted', 'operator': OP_A,
             'whitelist': ['203.0.113.10']},
        ],
    }
    section.update(clearip_extra)
    return {'clearip': section}


@pytest.fixture
def start():
    started = []

    def run(dataset=None, config=None, kind=True):
        # These tests check one rule at a time, on the kind behaviours asked for by name (clearip.KIND); the
        # unkind defaults have tests of their own (kind=False).
        config = dict(clearip.KIND if kind else {}, **(config or {}))
        sim = ClearIPSimulator(dataset=make_dataset() if dataset is None else dataset, config=config).start()
        started.append(sim)
        return sim

    yield run
    for sim in started:
        sim.stop()


@pytest.fixture
def sim(start):
    return start()


class Api(object):
    """A bare ClearIP caller: a token and, for multi-operator accounts, an operator id."""

    def __init__(self, sim, email=SINGLE, password=PASSWORD, operator=None):
        self.url = sim.url
        self.operator = operator
        answer = requests.post(self.url + '/auth/login', json={'email': email, 'password': password}, timeout=TIMEOUT)
        assert answer.status_code == 200, answer.text
        self.token = answer.json()['token']

    def headers(self):
        return {'Authorization': 'Bearer ' + self.token}

    def get(self, path, **params):
        if self.operator is not None:
            params.setdefault('operator', self.operator)
        return requests.get(self.url + path, params=params, headers=self.headers(), timeout=TIMEOUT)

    def post(self, path, body):
        if self.operator is not None:
            body = dict(body, operator=self.operator)
        return requests.post(self.url + path, json=body, headers=self.headers(), timeout=TIMEOUT)

    def create_sp(self, name, **fields):
        answer = self.post('/serviceProviders', {'serviceProvider': dict({'name': name, 'status': 'active', 'comment': 'c'}, **fields)})
        assert answer.status_code == 200, answer.text
        return answer.json()['serviceProviders'][0]

    def create_group(self, name, sp_id):
        answer = self.post('/groups', {'group': {'name': name, 'serviceProvider': sp_id, 'status': 'active', 'comment': ''}})
        assert answer.status_code == 200, answer.text
        return answer.json()['groups'][0]

    def create_user(self, name, group_id, user_id=None):
        answer = self.post('/users', {'user': {'name': name, 'userId': name if user_id is None else user_id, 'group': group_id,
                                               'status': 'active', 'comment': ''}})
        assert answer.status_code == 200, answer.text
        return answer.json()['users'][0]

    def names(self, kind, **params):
        answer = self.get('/' + kind, **params)
        assert answer.status_code == 200, answer.text
        return [item['name'] for item in answer.json()[kind]]


def login(sim, email, password=PASSWORD):
    return requests.post(sim.url + '/auth/login', json={'email': email, 'password': password}, timeout=TIMEOUT)


def admin(sim, method, path, body=None):
    answer = requests.request(method, sim.url + '/_sim/' + path, json=body, timeout=TIMEOUT)
    assert answer.status_code == 200, answer.text
    return answer.json()


def seeded_sps(count, operator=OP_A):
    return [{'id': str(uuid.UUID(int=i + 1)), 'name': 'SP %02d' % i, 'operator': operator, 'createdAt': 1000 + i,
             'updatedAt': 1000 + i, 'status': 'active', 'comment': ''} for i in range(count)]


# -- authentication ------------------------------------------------------------------------------

def test_login_token_authorizes_calls_and_missing_or_bogus_token_is_401(sim):
    api = Api(sim)
    assert api.token.startswith('sim-')
    assert api.get('/serviceProviders').json() == {'serviceProviders': []}

    missing = requests.get(sim.url + '/serviceProviders', timeout=TIMEOUT)
    assert (missing.status_code, missing.json()) == (401, {'message': clearip.MISSING_TOKEN_MESSAGE})
    bogus = requests.get(sim.url + '/serviceProviders', headers={'Authorization': 'Bearer nope'}, timeout=TIMEOUT)
    assert (bogus.status_code, bogus.json()) == (401, {'message': clearip.INVALID_TOKEN_MESSAGE})
    post = requests.post(sim.url + '/serviceProviders', json={'serviceProvider': {'name': 'x'}}, timeout=TIMEOUT)
    assert post.status_code == 401
    assert admin(sim, 'GET', 'state')['serviceProviders'] == []


def test_login_rejects_a_body_without_email_and_password(sim):
    answer = requests.post(sim.url + '/auth/login', json={'username': SINGLE, 'password': PASSWORD}, timeout=TIMEOUT)
    assert answer.status_code == 400
    form = requests.post(sim.url + '/auth/login', data={'email': SINGLE, 'password': PASSWORD}, timeout=TIMEOUT)
    assert form.status_code == 400


def test_refresh_gives_a_new_token_and_needs_a_valid_one(sim):
    api = Api(sim)
    answer = requests.post(sim.url + '/auth/refresh', json={}, headers=api.headers(), timeout=TIMEOUT)
    assert answer.status_code == 200
    new_token = answer.json()['token']
    assert new_token != api.token and new_token.startswith('sim-')
    for token in (api.token, new_token):
        listed = requests.get(sim.url + '/groups', headers={'Authorization': 'Bearer ' + token}, timeout=TIMEOUT)
        assert listed.status_code == 200

    no_token = requests.post(sim.url + '/auth/refresh', json={}, timeout=TIMEOUT)
    assert (no_token.status_code, no_token.json()['message']) == (401, clearip.MISSING_TOKEN_MESSAGE)
    bogus = requests.post(sim.url + '/auth/refresh', json={}, headers={'Authorization': 'Bearer sim-x'}, timeout=TIMEOUT)
    assert (bogus.status_code, bogus.json()['message']) == (401, clearip.INVALID_TOKEN_MESSAGE)
    with_body = requests.post(sim.url + '/auth/refresh', json={'token': api.token}, headers=api.headers(), timeout=TIMEOUT)
    assert with_body.status_code == 400


def test_tokens_expire_after_the_configured_lifetime_and_refresh_restarts_it(start):
    sim = start(config={'token_lifetime': 2})
    api = Api(sim)
    time.sleep(1.2)
    refreshed = requests.post(sim.url + '/auth/refresh', json={}, headers=api.headers(), timeout=TIMEOUT).json()['token']
    time.sleep(1.2)
    old = api.get('/serviceProviders')
    assert (old.status_code, old.json()) == (401, {'message': clearip.EXPIRED_TOKEN_MESSAGE})
    again = requests.post(sim.url + '/auth/refresh', json={}, headers=api.headers(), timeout=TIMEOUT)
    assert again.status_code == 401
    api.token = refreshed
    assert api.get('/serviceProviders').status_code == 200
    time.sleep(1.2)
    assert api.get('/serviceProviders').json() == {'message': clearip.EXPIRED_TOKEN_MESSAGE}


def test_token_lifetime_defaults_to_five_minutes(sim):
    before = time.time()
    Api(sim)
    (expiry,) = [entry[1] for entry in sim.tokens.values()]
    assert before + 299 <= expiry <= time.time() + 301


@pytest.mark.parametrize('email, expected', [
    ('eula@example.test', clearip.EULA_MESSAGE),
    ('temp@example.test', clearip.TEMPORARY_PASSWORD_MESSAGE),
    ('ip@example.test', clearip.IP_NOT_WHITELISTED_MESSAGE % {'ip': '127.0.0.1', 'whitelist': '203.0.113.10'}),
])
def test_account_states_refuse_login_with_their_own_message(sim, email, expected):
    answer = login(sim, email)
    assert (answer.status_code, answer.json()) == (403, {'message': expected})
    accounts = dict((a['email'], a['failed_logins']) for a in admin(sim, 'GET', 'state')['accounts'])
    assert accounts[email] == 0


def test_account_state_messages_are_distinct_and_name_the_fix():
    messages = [clearip.EULA_MESSAGE, clearip.TEMPORARY_PASSWORD_MESSAGE, clearip.IP_NOT_WHITELISTED_MESSAGE,
                clearip.BAD_CREDENTIALS_MESSAGE, clearip.LOCKED_MESSAGE]
    assert len(set(messages)) == 5
    assert 'EULA' in clearip.EULA_MESSAGE
    assert 'temporary password' in clearip.TEMPORARY_PASSWORD_MESSAGE
    assert 'one-time password' in clearip.IP_NOT_WHITELISTED_MESSAGE and 'whitelist' in clearip.IP_NOT_WHITELISTED_MESSAGE
    assert 'locked' in clearip.LOCKED_MESSAGE


def test_wrong_password_and_unknown_email_are_401_and_count_failures(sim):
    wrong = login(sim, SINGLE, 'wrong')
    assert (wrong.status_code, wrong.json()) == (401, {'message': 'invalid email or password'})
    unknown = login(sim, 'nobody@example.test')
    assert (unknown.status_code, unknown.json()) == (401, {'message': 'invalid email or password'})
    accounts = dict((a['email'], a['failed_logins']) for a in admin(sim, 'GET', 'state')['accounts'])
    assert accounts[SINGLE] == 1
    assert login(sim, SINGLE).status_code == 200
    accounts = dict((a['email'], a['failed_logins']) for a in admin(sim, 'GET', 'state')['accounts'])
    assert accounts[SINGLE] == 0


def test_ten_failed_logins_lock_the_account_even_with_the_right_password(sim):
    for _attempt in range(9):
        assert login(sim, SINGLE, 'wrong').status_code == 401
    assert login(sim, MULTI, 'wrong').status_code == 401   # other accounts count on their own
    assert login(sim, SINGLE, 'wrong').status_code == 401   # the tenth
    locked = login(sim, SINGLE)
    assert (locked.status_code, locked.json()) == (423, {'message': clearip.LOCKED_MESSAGE})
    assert 'locked' in locked.json()['message']
    assert login(sim, MULTI).status_code == 200
    accounts = dict((a['email'], a['failed_logins']) for a in admin(sim, 'GET', 'state')['accounts'])
    assert accounts[SINGLE] == 10


def test_nine_failures_do_not_lock(sim):
    for _attempt in range(9):
        login(sim, SINGLE, 'wrong')
    assert login(sim, SINGLE).status_code == 200


# -- operators -----------------------------------------------------------------------------------

def test_multi_operator_account_must_name_an_existing_operator_in_every_request(sim):
    api = Api(sim, MULTI)
    listed = api.get('/serviceProviders')
    assert (listed.status_code, listed.json()) == (400, {'message': clearip.OPERATOR_REQUIRED_MESSAGE})
    created = api.post('/serviceProviders', {'serviceProvider': {'name': 'R1', 'status': 'active', 'comment': ''}})
    assert (created.status_code, created.json()) == (400, {'message': clearip.OPERATOR_REQUIRED_MESSAGE})
    by_name = api.get('/groups', operator='Op A')
    assert (by_name.status_code, by_name.json()) == (400, {'message': clearip.UNKNOWN_OPERATOR_MESSAGE % 'Op A'})
    in_query = requests.post(sim.url + '/serviceProviders', params={'operator': OP_A}, headers=api.headers(), timeout=TIMEOUT,
                             json={'serviceProvider': {'name': 'R1', 'status': 'active', 'comment': ''}})
    assert in_query.status_code == 400
    assert admin(sim, 'GET', 'state')['serviceProviders'] == []

    refreshed = requests.post(sim.url + '/auth/refresh', json={}, headers=api.headers(), timeout=TIMEOUT)
    assert refreshed.status_code == 200   # auth calls never need the operator

    api.operator = OP_A
    sp = api.create_sp('R1')
    assert sp['operator'] == OP_A
    assert api.names('serviceProviders') == ['R1']
    api.operator = OP_B
    assert api.names('serviceProviders') == []
    api.create_sp('R1')
    assert sorted(o['operator'] for o in admin(sim, 'GET', 'state')['serviceProviders']) == [OP_A, OP_B]


def test_single_operator_account_sends_no_operator_and_sees_only_its_own(sim):
    multi = Api(sim, MULTI, operator=OP_B)
    multi.create_sp('Other')
    api = Api(sim, SINGLE)
    api.create_sp('Mine')
    assert api.names('serviceProviders') == ['Mine']
    assert api.names('serviceProviders', operator=OP_A) == ['Mine']
    foreign = api.get('/serviceProviders', operator=OP_B)
    assert (foreign.status_code, foreign.json()) == (400, {'message': clearip.WRONG_OPERATOR_MESSAGE % OP_B})
    api.operator = OP_B
    assert api.post('/serviceProviders', {'serviceProvider': {'name': 'X'}}).status_code == 400


def test_operators_list_resolves_names_without_naming_an_operator(sim):
    multi = Api(sim, MULTI)
    assert multi.get('/operators').json() == {'operators': [{'id': OP_A, 'name': 'Op A'}, {'id': OP_B, 'name': 'Op B'}]}
    assert multi.get('/operators', **{'where[name]': 'Op B'}).json() == {'operators': [{'id': OP_B, 'name': 'Op B'}]}
    assert multi.get('/operators', limit=1, skip=1).json() == {'operators': [{'id': OP_B, 'name': 'Op B'}]}
    assert Api(sim, SINGLE).get('/operators').json() == {'operators': [{'id': OP_A, 'name': 'Op A'}]}


# -- envelopes and creates -----------------------------------------------------------------------

def test_create_answers_the_plural_envelope_with_id_and_timestamps(sim):
    api = Api(sim)
    before = int(time.time() * 1000)
    answer = api.post('/serviceProviders', {'serviceProvider': {'name': 'R1', 'status': 'active', 'comment': 'from NetSapiens'}})
    after = int(time.time() * 1000)
    assert answer.status_code == 200
    body = answer.json()
    assert list(body) == ['serviceProviders'] and len(body['serviceProviders']) == 1
    sp = body['serviceProviders'][0]
    assert uuid.UUID(sp['id']).version == 4
    assert before <= sp['createdAt'] <= after and sp['updatedAt'] == sp['createdAt']
    assert {k: v for k, v in sp.items() if k not in ('id', 'createdAt', 'updatedAt')} == {
        'name': 'R1', 'status': 'active', 'comment': 'from NetSapiens', 'operator': OP_A}

    group = api.create_group('d1.example', sp['id'])
    assert (group['name'], group['serviceProvider'], group['operator']) == ('d1.example', sp['id'], OP_A)
    user = api.create_user('100@d1.example', group['id'])
    assert (user['name'], user['userId'], user['group'], user['status']) == ('100@d1.example', '100@d1.example', group['id'], 'active')
    assert len(set([sp['id'], group['id'], user['id']])) == 3

    state = admin(sim, 'GET', 'state')
    assert state['serviceProviders'] == [sp] and state['groups'] == [group] and state['users'] == [user]
    assert api.get('/users').json() == {'users': [user]}
    assert api.get('/groups').json() == {'groups': [group]}


def test_create_defaults_status_and_comment(sim):
    sp = Api(sim).post('/serviceProviders', {'serviceProvider': {'name': 'R1'}}).json()['serviceProviders'][0]
    assert (sp['status'], sp['comment']) == ('active', '')


def test_create_answers_the_configured_status(start):
    sim = start(config={'create_status': 201})
    answer = Api(sim).post('/serviceProviders', {'serviceProvider': {'name': 'R1'}})
    assert answer.status_code == 201
    assert admin(sim, 'GET', 'stats')['writes'] == {'POST /serviceProviders': 1}


@pytest.mark.parametrize('path, body', [
    ('/serviceProviders', {'name': 'R1', 'status': 'active'}),
    ('/serviceProviders', {'serviceProviders': [{'name': 'R1'}]}),
    ('/serviceProviders', {'serviceProvider': [{'name': 'R1'}]}),
    ('/serviceProviders', {'serviceProvider': {'name': 'R1'}, 'extra': 1}),
    ('/serviceProviders', {'serviceProvider': {'name': 'R1', 'service_provider': 'x'}}),
    ('/serviceProviders', {'serviceProvider': {'name': 'R1', 'status': 'enabled'}}),
    ('/serviceProviders', {'serviceProvider': {'name': 'R1', 'comment': 5}}),
    ('/serviceProviders', {'serviceProvider': {'status': 'active'}}),
    ('/serviceProviders', {'serviceProvider': {'name': ''}}),
    ('/groups', {'serviceProvider': {'name': 'd1'}}),
    ('/users', {'users': {'name': 'u'}}),
])
def test_wrong_requests_are_400_and_make_nothing(sim, path, body):
    answer = Api(sim).post(path, body)
    assert answer.status_code == 400
    assert isinstance(answer.json()['message'], str)
    state = admin(sim, 'GET', 'state')
    assert (state['serviceProviders'], state['groups'], state['users']) == ([], [], [])
    assert admin(sim, 'GET', 'stats')['writes'] == {}


def test_request_body_that_is_not_json_is_400(sim):
    api = Api(sim)
    answer = requests.post(sim.url + '/serviceProviders', data='name=R1', headers=api.headers(), timeout=TIMEOUT)
    assert (answer.status_code, answer.json()) == (400, {'message': 'request body is not valid JSON'})


def test_parents_must_exist_for_the_same_operator(sim):
    api = Api(sim)
    sp = api.create_sp('R1')
    missing_sp = api.post('/groups', {'group': {'name': 'd1', 'serviceProvider': str(uuid.uuid4())}})
    assert missing_sp.status_code == 404 and 'serviceProvider' in missing_sp.json()['message']
    no_sp = api.post('/groups', {'group': {'name': 'd1'}})
    assert no_sp.status_code == 400 and 'serviceProvider' in no_sp.json()['message']
    group = api.create_group('d1', sp['id'])
    missing_group = api.post('/users', {'user': {'name': 'u', 'userId': 'u', 'group': sp['id']}})
    assert missing_group.status_code == 404 and 'group' in missing_group.json()['message']

    other = Api(sim, MULTI, operator=OP_B)
    assert other.post('/groups', {'group': {'name': 'd2', 'serviceProvider': sp['id']}}).status_code == 404
    assert other.post('/users', {'user': {'name': 'u', 'group': group['id']}}).status_code == 404
    state = admin(sim, 'GET', 'state')
    assert [g['name'] for g in state['groups']] == ['d1'] and state['users'] == []


def test_names_of_255_characters_pass_and_256_are_refused(sim):
    api = Api(sim)
    assert api.create_sp('a' * 255)['name'] == 'a' * 255
    answer = api.post('/serviceProviders', {'serviceProvider': {'name': 'b' * 256}})
    assert answer.status_code == 400
    assert answer.json()['message'] == 'name must have fewer than 256 characters (has 256)'
    sp = api.create_sp('R1')
    group = api.create_group('d1', sp['id'])
    long_user_id = api.post('/users', {'user': {'name': 'u', 'userId': 'c' * 256, 'group': group['id']}})
    assert long_user_id.status_code == 400 and long_user_id.json()['message'].startswith('userId ')
    assert [s['name'] for s in admin(sim, 'GET', 'state')['serviceProviders']] == ['a' * 255, 'R1']


def test_every_allowed_character_passes(sim):
    name = 'Az09 #*+@.,-_'
    assert Api(sim).create_sp(name)['name'] == name


@pytest.mark.parametrize('char', list('/\\!$%&()"\':;<>=?[]{}|~^`') + ['\t', '\n', '\u00e9', '\u00df', '\u4e2d'])
def test_each_bad_character_is_refused_naming_the_field(sim, char):
    api = Api(sim)
    answer = api.post('/serviceProviders', {'serviceProvider': {'name': 'R' + char + '1'}})
    assert answer.status_code == 400
    assert answer.json()['message'].startswith('name has invalid characters %r' % char)
    sp = api.create_sp('R1')
    group = api.create_group('d1', sp['id'])
    for body in ({'name': 'u' + char, 'userId': 'u', 'group': group['id']}, {'name': 'u', 'userId': 'u' + char, 'group': group['id']}):
        refused = api.post('/users', {'user': body})
        field = 'name' if body['name'] != 'u' else 'userId'
        assert refused.status_code == 400 and refused.json()['message'].startswith(field + ' has invalid characters')
    assert admin(sim, 'GET', 'state')['users'] == []


def test_duplicates_are_allowed_by_default(sim):
    api = Api(sim)
    first = api.create_sp('R1')
    second = api.create_sp('R1')
    assert first['id'] != second['id']
    assert api.names('serviceProviders') == ['R1', 'R1']
    assert admin(sim, 'GET', 'stats')['writes'] == {'POST /serviceProviders': 2}


def test_duplicates_rejected_with_409_when_configured(sim):
    admin(sim, 'POST', 'config', {'duplicates': 'reject'})
    api = Api(sim)
    sp = api.create_sp('R1')
    again = api.post('/serviceProviders', {'serviceProvider': {'name': 'R1'}})
    assert (again.status_code, again.json()) == (409, {'message': clearip.DUPLICATE_MESSAGE % ('serviceProvider', 'name', 'R1')})
    group = api.create_group('d1', sp['id'])
    assert api.post('/groups', {'group': {'name': 'd1', 'serviceProvider': sp['id']}}).status_code == 409
    api.create_user('100@d1', group['id'])
    assert api.post('/users', {'user': {'name': '100@d1', 'userId': 'other', 'group': group['id']}}).status_code == 409
    assert api.post('/users', {'user': {'name': 'other', 'userId': '100@d1', 'group': group['id']}}).status_code == 409
    Api(sim, MULTI, operator=OP_B).create_sp('R1')   # another operator's names are its own
    state = admin(sim, 'GET', 'state')
    assert [(s['name'], s['operator']) for s in state['serviceProviders']] == [('R1', OP_A), ('R1', OP_B)]
    assert len(state['groups']) == 1 and len(state['users']) == 1
    assert admin(sim, 'GET', 'stats')['writes'] == {'POST /serviceProviders': 2, 'POST /groups': 1, 'POST /users': 1}


def test_write_counts_only_successful_creates(sim):
    api = Api(sim)
    sp = api.create_sp('R1')
    api.post('/serviceProviders', {'serviceProvider': {'name': 'bad/name'}})
    api.create_group('d1', sp['id'])
    api.post('/groups', {'group': {'name': 'd2', 'serviceProvider': 'nope'}})
    api.get('/serviceProviders')
    stats = admin(sim, 'GET', 'stats')
    assert stats['writes'] == {'POST /serviceProviders': 1, 'POST /groups': 1}
    assert stats['requests'] == {'POST /auth/login': 1, 'POST /serviceProviders': 2, 'POST /groups': 2, 'GET /serviceProviders': 1}


# -- lists ---------------------------------------------------------------------------------------

def test_paging_with_limit_and_skip_and_the_default_limit(start):
    sim = start(make_dataset(serviceProviders=seeded_sps(45)))
    api = Api(sim)
    assert api.names('serviceProviders') == ['SP %02d' % i for i in range(20)]
    assert api.names('serviceProviders', limit=10, skip=40) == ['SP %02d' % i for i in range(40, 45)]
    assert api.names('serviceProviders', limit=5, skip=3) == ['SP 03', 'SP 04', 'SP 05', 'SP 06', 'SP 07']
    assert api.names('serviceProviders', limit=1000, skip=45) == []
    assert len(api.names('serviceProviders', limit=5000)) == 45
    for params in ({'limit': 0}, {'limit': 'ten'}, {'skip': -1}, {'offset': 20}, {'start': 0}, {'page': 2}):
        answer = api.get('/serviceProviders', **params)
        assert answer.status_code == 400, params


def test_limit_is_clamped_to_max_limit(start):
    sim = start(make_dataset(serviceProviders=seeded_sps(12)), config={'max_limit': 10})
    assert len(Api(sim).names('serviceProviders', limit=50)) == 10


def test_page_cap_returns_fewer_than_limit_while_more_remain(start):
    sim = start(make_dataset(serviceProviders=seeded_sps(45)))
    admin(sim, 'POST', 'config', {'page_cap': 7})
    api = Api(sim)
    assert len(api.names('serviceProviders', limit=20)) == 7
    seen, skip = [], 0
    for _attempt in range(20):   # bounded, so a simulator that ignores skip fails instead of looping
        page = api.names('serviceProviders', limit=20, skip=skip, sort='name ASC')
        if not page:
            break
        seen.extend(page)
        skip += len(page)
    assert seen == ['SP %02d' % i for i in range(45)]


def test_unsorted_order_follows_config(start):
    sim = start(make_dataset(serviceProviders=seeded_sps(30)))
    api = Api(sim)
    stored = ['SP %02d' % i for i in range(30)]
    assert api.names('serviceProviders', limit=100) == stored
    admin(sim, 'POST', 'config', {'order': 'reverse'})
    assert api.names('serviceProviders', limit=100) == stored[::-1]
    admin(sim, 'POST', 'config', {'order': 'shuffled'})
    shuffled = api.names('serviceProviders', limit=100)
    assert shuffled != stored and shuffled != stored[::-1] and sorted(shuffled) == stored
    assert api.names('serviceProviders', limit=10) + api.names('serviceProviders', limit=10, skip=10) + \
        api.names('serviceProviders', limit=10, skip=20) == shuffled
    admin(sim, 'POST', 'config', {'shuffle_seed': 7})
    assert api.names('serviceProviders', limit=100) != shuffled
    assert api.names('serviceProviders', limit=100, sort='name ASC') == stored


def test_sort_by_name_and_other_fields(start):
    sps = seeded_sps(3)
    sps[0]['name'], sps[1]['name'], sps[2]['name'] = 'beta', 'Alpha', 'gamma'
    sps[1]['status'] = 'inactive'
    sim = start(make_dataset(serviceProviders=sps))
    api = Api(sim)
    assert api.names('serviceProviders', sort='name ASC') == ['Alpha', 'beta', 'gamma']
    assert api.names('serviceProviders', sort='name DESC') == ['gamma', 'beta', 'Alpha']
    assert api.names('serviceProviders', sort='name') == ['Alpha', 'beta', 'gamma']
    assert api.names('serviceProviders', sort='createdAt DESC') == ['gamma', 'Alpha', 'beta']
    assert api.names('serviceProviders', sort='status ASC, name DESC') == ['gamma', 'beta', 'Alpha']
    raw = requests.get(sim.url + '/serviceProviders?sort=name%20DESC', headers=api.headers(), timeout=TIMEOUT)
    assert [s['name'] for s in raw.json()['serviceProviders']] == ['gamma', 'beta', 'Alpha']
    for sort in ('nome ASC', 'name UP', 'name ASC extra', ''):
        if sort:
            assert api.get('/serviceProviders', sort=sort).status_code == 400, sort


def test_filters_match_exactly(sim):
    api = Api(sim)
    r1, r2 = api.create_sp('R1'), api.create_sp('R2')
    api.create_sp('R10', status='inactive')
    g1, g2 = api.create_group('d1', r1['id']), api.create_group('d2', r2['id'])
    api.create_user('100@d1', g1['id'])
    api.create_user('101@d1', g1['id'], user_id='')
    api.create_user('100@d2', g2['id'])
    assert api.names('serviceProviders', **{'where[name]': 'R1'}) == ['R1']
    assert api.names('serviceProviders', **{'where[status]': 'inactive'}) == ['R10']
    assert api.names('serviceProviders', **{'where[status]': 'active', 'where[name]': 'R10'}) == []
    assert api.names('groups', **{'where[serviceProvider]': r2['id']}) == ['d2']
    assert api.names('users', **{'where[group]': g1['id']}) == ['100@d1', '101@d1']
    assert api.names('users', **{'where[userId]': '100@d2'}) == ['100@d2']
    assert api.names('users', **{'where[userId]': ''}) == ['101@d1']
    assert api.names('groups', **{'where[id]': g1['id']}) == ['d1']
    assert api.names('serviceProviders', where='{"name": "R2"}') == ['R2']
    raw = requests.get(sim.url + '/groups?where%5Bname%5D=d2', headers=api.headers(), timeout=TIMEOUT)
    assert [g['name'] for g in raw.json()['groups']] == ['d2']
    for params in ({'where[service_provider]': r1['id']}, {'where[name][like]': 'R%'}, {'where': 'not json'}, {'name': 'R1'}):
        assert api.get('/serviceProviders', **params).status_code == 400, params


def test_comparison_filters_on_numeric_fields(start):
    sim = start(make_dataset(serviceProviders=seeded_sps(5)))   # createdAt 1000 .. 1004
    api = Api(sim)
    assert api.names('serviceProviders', **{'where[createdAt][>=]': '1003'}) == ['SP 03', 'SP 04']
    assert api.names('serviceProviders', **{'where[createdAt][>]': '1003'}) == ['SP 04']
    assert api.names('serviceProviders', **{'where[createdAt][<]': '1001'}) == ['SP 00']
    assert api.names('serviceProviders', **{'where[createdAt][<=]': '1001'}) == ['SP 00', 'SP 01']
    assert api.names('serviceProviders', **{'where[createdAt][!=]': '1002'}) == ['SP 00', 'SP 01', 'SP 03', 'SP 04']
    assert api.names('serviceProviders', where='{"createdAt": {">=": 1004}}') == ['SP 04']
    assert api.names('serviceProviders', **{'where[createdAt]': '1002'}) == ['SP 02']
    assert api.get('/serviceProviders', **{'where[createdAt][>=]': 'soon'}).status_code == 400
    assert api.get('/serviceProviders', **{'where[name][>=]': 'SP'}).status_code == 400


def test_list_envelopes_are_plural_arrays(sim):
    api = Api(sim)
    for kind in ('serviceProviders', 'groups', 'users', 'sipMessages', 'operators'):
        answer = api.get('/' + kind)
        assert answer.status_code == 200
        assert list(answer.json()) == [kind] and isinstance(answer.json()[kind], list)


# -- SIP messages --------------------------------------------------------------------------------

def test_sip_messages_filter_sort_and_page(start):
    messages = [{'timestamp': 1000 * i, 'userId': 'u%d@d1' % i, 'requestedCallingNumber': '555%04d' % i, 'sbcIp': '198.51.100.7',
                 'callId': 'call-%d' % i} for i in range(1, 8)]
    messages.append({'timestamp': 9500, 'userId': 'foreign', 'callId': 'x', 'operator': OP_B})
    sim = start(make_dataset(sipMessages=messages))
    api = Api(sim)

    def call_ids(**params):
        answer = api.get('/sipMessages', **params)
        assert answer.status_code == 200, answer.text
        return [m['callId'] for m in answer.json()['sipMessages']]

    assert call_ids(sort='timestamp DESC', limit=3) == ['call-7', 'call-6', 'call-5']
    assert call_ids(sort='timestamp DESC', limit=3, skip=3) == ['call-4', 'call-3', 'call-2']
    assert call_ids(**{'from': 5000, 'sort': 'timestamp DESC'}) == ['call-7', 'call-6', 'call-5']
    assert call_ids(**{'where[timestamp][>=]': 6000, 'sort': 'timestamp DESC', 'limit': 10, 'skip': 0}) == ['call-7', 'call-6']
    assert call_ids(**{'where[userId]': 'u2@d1'}) == ['call-2']
    assert call_ids(**{'where[userId]': 'foreign'}) == []
    assert Api(sim, MULTI, operator=OP_B).get('/sipMessages', **{'where[userId]': 'foreign'}).json()['sipMessages'][0]['callId'] == 'x'
    assert api.get('/sipMessages', **{'from': 'yesterday'}).status_code == 400

    admin(sim, 'POST', 'sipMessages', {'sipMessages': [{'timestamp': 20000, 'userId': 'new@d1', 'callId': 'call-new'}]})
    assert call_ids(sort='timestamp DESC', limit=1) == ['call-new']


# -- faults --------------------------------------------------------------------------------------

def add_fault(sim, **fault):
    admin(sim, 'POST', 'faults', {'faults': [fault]})


def test_server_error_happens_before_the_create(sim):
    api = Api(sim)
    add_fault(sim, kind='server_error', method='POST', path='^/serviceProviders$')
    answer = api.post('/serviceProviders', {'serviceProvider': {'name': 'R1'}})
    assert (answer.status_code, answer.json()) == (503, {'message': 'simulated server error'})
    assert admin(sim, 'GET', 'state')['serviceProviders'] == []
    assert admin(sim, 'GET', 'stats')['writes'] == {}
    api.create_sp('R1')
    assert [s['name'] for s in admin(sim, 'GET', 'state')['serviceProviders']] == ['R1']
    assert admin(sim, 'GET', 'stats')['faults_fired'] == {'server_error': 1}


def test_drop_after_commit_makes_the_object_but_gives_no_answer(sim):
    api = Api(sim)
    sp = api.create_sp('R1')
    add_fault(sim, kind='drop_after_commit', method='POST', path='^/groups$')
    with pytest.raises(requests.ConnectionError):
        api.post('/groups', {'group': {'name': 'd1', 'serviceProvider': sp['id']}})
    assert [g['name'] for g in admin(sim, 'GET', 'state')['groups']] == ['d1']
    assert admin(sim, 'GET', 'stats')['writes'] == {'POST /serviceProviders': 1, 'POST /groups': 1}
    assert api.names('groups', **{'where[name]': 'd1'}) == ['d1']


def test_rate_limit_answers_429_with_retry_after_and_no_effect(sim):
    api = Api(sim)
    add_fault(sim, kind='rate_limit', method='POST', path='^/serviceProviders$', retry_after=3, times=2)
    for _attempt in range(2):
        answer = api.post('/serviceProviders', {'serviceProvider': {'name': 'R1'}})
        assert (answer.status_code, answer.headers['Retry-After']) == (429, '3')
    assert admin(sim, 'GET', 'state')['serviceProviders'] == []
    assert api.post('/serviceProviders', {'serviceProvider': {'name': 'R1'}}).status_code == 200
    assert admin(sim, 'GET', 'stats')['writes'] == {'POST /serviceProviders': 1}


def test_rate_limited_login_is_not_a_failed_login(sim):
    add_fault(sim, kind='rate_limit', path='^/auth/login$', times=12)
    for _attempt in range(12):
        assert login(sim, SINGLE, 'wrong').status_code == 429
    admin(sim, 'DELETE', 'faults')
    assert login(sim, SINGLE).status_code == 200


def test_malformed_json_answers_200_with_a_body_that_does_not_parse(sim):
    api = Api(sim)
    add_fault(sim, kind='malformed_json', method='GET', path='^/groups$')
    answer = api.get('/groups')
    assert answer.status_code == 200
    with pytest.raises(ValueError):
        answer.json()
    assert api.get('/groups').json() == {'groups': []}


def test_html_error_answers_an_html_page(sim):
    api = Api(sim)
    add_fault(sim, kind='html_error', path='^/users$', method='POST')
    answer = api.post('/users', {'user': {'name': 'u'}})
    assert answer.status_code == 502
    assert answer.headers['Content-Type'] == 'text/html'
    assert answer.text.startswith('<html>')
    assert admin(sim, 'GET', 'stats')['writes'] == {}


def test_slow_answers_late_but_normally(sim):
    api = Api(sim)
    add_fault(sim, kind='slow', path='^/serviceProviders$', delay=0.4)
    began = time.time()
    answer = api.get('/serviceProviders')
    assert time.time() - began >= 0.4
    assert (answer.status_code, answer.json()) == (200, {'serviceProviders': []})


def test_a_fault_every_nth_request_fires_at_that_rate(sim):
    api = Api(sim)
    add_fault(sim, kind='malformed_json', method='GET', path='^/groups$', times=-1, every=5)
    readable = []
    for _n in range(10):
        answer = api.get('/groups')
        try:
            answer.json()
            readable.append(True)
        except ValueError:
            readable.append(False)
    assert readable == [True] * 4 + [False] + [True] * 4 + [False]
    assert admin(sim, 'GET', 'stats')['faults_fired'] == {'malformed_json': 2}


def test_late_commit_commits_after_the_delay_and_never_answers(sim):
    api = Api(sim)
    add_fault(sim, kind='late_commit', method='POST', path='^/serviceProviders$', delay=0.6)
    began = time.time()
    with pytest.raises(requests.exceptions.ReadTimeout):
        requests.post(sim.url + '/serviceProviders', json={'serviceProvider': {'name': 'R1'}}, headers=api.headers(), timeout=0.2)
    assert admin(sim, 'GET', 'state')['serviceProviders'] == []   # not yet: the client already gave up
    time.sleep(0.8)
    assert [s['name'] for s in admin(sim, 'GET', 'state')['serviceProviders']] == ['R1']
    assert time.time() - began >= 0.6


def test_delete_during_listing_removes_one_object_before_the_given_page(sim):
    api = Api(sim)
    sp = api.create_sp('R1')
    group = api.create_group('d1', sp['id'])
    for n in range(6):
        api.create_user('u%d' % n, group['id'])
    admin(sim, 'POST', 'config', {'delete_during_listing': {'kind': 'users', 'page': 2, 'name': 'u0'}})
    assert api.names('users', limit=3, skip=0, sort='name ASC') == ['u0', 'u1', 'u2']
    # page 2 at skip=3 after u0 went: u3 slid back across the boundary
    assert api.names('users', limit=3, skip=3, sort='name ASC') == ['u4', 'u5']
    assert api.names('users', **{'where[name]': 'u0'}) == []      # filtered lookups do not count as pages
    assert admin(sim, 'GET', 'stats')['faults_fired'] == {'delete_during_listing': 1}
    assert api.names('users', limit=3, skip=0, sort='name ASC') == ['u1', 'u2', 'u3']   # once only


def test_a_seeded_user_id_is_listed_as_given(start):
    sim = start(make_dataset(serviceProviders=[{'id': 'sp', 'name': 'R', 'operator': OP_A}],
                             groups=[{'id': 'g', 'name': 'd00.example', 'serviceProvider': 'sp', 'operator': OP_A}],
                             users=[{'name': 'Front Desk', 'group': 'g', 'userId': '100@d00.example', 'operator': OP_A}]))
    users = Api(sim).get('/users').json()['users']
    assert [(u['name'], u['userId']) for u in users] == [('Front Desk', '100@d00.example')]


# -- state and datasets --------------------------------------------------------------------------

def test_state_shows_accounts_without_passwords(sim):
    state = admin(sim, 'GET', 'state')
    assert state['accounts'][:2] == [{'email': SINGLE, 'state': 'active', 'failed_logins': 0},
                                     {'email': MULTI, 'state': 'active', 'failed_logins': 0}]
    assert PASSWORD not in str(state)
    assert sorted(state) == ['accounts', 'groups', 'operators', 'serviceProviders', 'users']


def test_no_dataset_gives_documented_test_accounts(start):
    sim = ClearIPSimulator(config=clearip.KIND).start()
    try:
        single = Api(sim, 'api@clearip.test', clearip.DEFAULT_PASSWORD)
        assert single.create_sp('R1')['operator'] == clearip.DEFAULT_OPERATOR_ID
        multi = Api(sim, 'multi@clearip.test', clearip.DEFAULT_PASSWORD, operator=clearip.DEFAULT_OPERATOR_ID)
        assert multi.names('serviceProviders') == ['R1']
    finally:
        sim.stop()


def test_seeded_objects_are_listed_and_get_defaults(start):
    sim = start({'clearip': {'operators': [{'id': OP_A, 'name': 'Op A'}],
                             'accounts': [{'email': SINGLE, 'password': PASSWORD, 'state': 'active', 'operator': OP_A}],
                             'serviceProviders': [{'id': 'sp-1', 'name': 'R1'}],
                             'groups': [{'id': 'g-1', 'name': 'd1', 'serviceProvider': 'sp-1'}]}})
    api = Api(sim)
    (sp,) = api.get('/serviceProviders').json()['serviceProviders']
    assert (sp['id'], sp['operator'], sp['status'], sp['comment']) == ('sp-1', OP_A, 'active', '')
    assert isinstance(sp['createdAt'], int)
    assert api.create_user('100@d1', 'g-1')['group'] == 'g-1'


def test_bad_datasets_are_refused():
    with pytest.raises(ValueError):
        ClearIPSimulator(dataset=make_dataset(accounts=[{'email': 'a@b', 'password': 'p', 'state': 'sleepy'}]))
    with pytest.raises(ValueError):
        ClearIPSimulator(dataset=make_dataset(accounts=[{'email': 'a@b', 'password': 'p', 'operator': 'nope'}]))
    with pytest.raises(ValueError):
        ClearIPSimulator(dataset=make_dataset(serviceProviders=[{'name': 'R1'}]))   # two operators: which one?


def test_max_in_flight_refuses_what_arrives_beyond_the_limit_with_429_and_retry_after():
    import threading as _threading
    import requests as _requests
    with ClearIPSimulator(config={'max_in_flight': 2, 'answer_delay': 0.3}) as server:
        statuses = []
        headers = []

        def call():
            answer = _requests.post(server.url + '/auth/login', json={'email': 'x', 'password': 'y'}, timeout=10)
            statuses.append(answer.status_code)
            headers.append(answer.headers.get('Retry-After'))
        threads = [_threading.Thread(target=call) for dummy in range(5)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert sorted(statuses) == [401, 401, 429, 429, 429]
        assert headers.count('1') == 3
        stats = _requests.get(server.url + '/_sim/stats', timeout=5).json()
        assert stats['faults_fired'] == {'in_flight_limit': 3}
        assert stats['in_flight_peak'] == 2
        assert stats['requests'] == {'POST /auth/login': 5}


# -- issue 24: faults counted when they take effect; what a test needs to show overlap and find secrets ------

def test_late_commit_counts_the_commit_and_whether_the_client_had_already_given_up(sim):
    api = Api(sim)
    add_fault(sim, kind='late_commit', method='POST', path='^/serviceProviders$', delay=0.6)
    with pytest.raises(requests.exceptions.ReadTimeout):
        requests.post(sim.url + '/serviceProviders', json={'serviceProvider': {'name': 'R1'}}, headers=api.headers(), timeout=0.2)
    wait_for(lambda: admin(sim, 'GET', 'stats')['faults_fired'].get('late_commit'))
    assert admin(sim, 'GET', 'stats')['faults_fired'] == {'late_commit': 1, 'late_commit_client_gone': 1}
    # A client that waits longer than the delay was still there when the commit landed: no "client gone".
    add_fault(sim, kind='late_commit', method='POST', path='^/serviceProviders$', delay=0.3)
    with pytest.raises(requests.ConnectionError):
        requests.post(sim.url + '/serviceProviders', json={'serviceProvider': {'name': 'R2'}}, headers=api.headers(), timeout=5)
    assert admin(sim, 'GET', 'stats')['faults_fired'] == {'late_commit': 2, 'late_commit_client_gone': 1}


def test_a_drop_goes_to_the_next_request_that_commits_and_is_counted_then(sim):
    api = Api(sim)
    add_fault(sim, kind='drop_after_commit', method='POST', path='^/serviceProviders$', times=1)
    # refused (no name): nothing committed, so the fault cannot take effect; the refusal is answered as usual
    assert api.post('/serviceProviders', {'serviceProvider': {'comment': 'no name'}}).status_code == 400
    assert admin(sim, 'GET', 'stats')['faults_fired'] == {}
    with pytest.raises(requests.ConnectionError):
        api.post('/serviceProviders', {'serviceProvider': {'name': 'R1'}})
    assert admin(sim, 'GET', 'stats')['faults_fired'] == {'drop_after_commit': 1}
    assert api.post('/serviceProviders', {'serviceProvider': {'name': 'R2'}}).status_code == 200   # used up


def test_slow_counts_a_client_that_gave_up_during_the_delay(sim):
    api = Api(sim)
    add_fault(sim, kind='slow', method='GET', path='^/groups$', delay=0.5, times=2)
    with pytest.raises(requests.exceptions.ReadTimeout):
        requests.get(sim.url + '/groups', headers=api.headers(), timeout=0.1)
    wait_for(lambda: admin(sim, 'GET', 'stats')['faults_fired'].get('slow'))
    assert api.get('/groups').status_code == 200
    assert admin(sim, 'GET', 'stats')['faults_fired'] == {'slow': 2, 'slow_client_gone': 1}


def test_hold_keeps_requests_until_released(sim):
    api = Api(sim)
    add_fault(sim, kind='hold', method='POST', path='^/serviceProviders$', delay=60)
    answers = []
    worker = threading.Thread(target=lambda: answers.append(api.post('/serviceProviders', {'serviceProvider': {'name': 'R1'}})))
    worker.start()
    wait_for(lambda: admin(sim, 'GET', 'stats').get('holding') == 1)
    assert admin(sim, 'GET', 'state')['serviceProviders'] == [] and answers == []
    admin(sim, 'POST', 'release')
    worker.join(10)
    assert [a.status_code for a in answers] == [200]
    assert admin(sim, 'GET', 'stats')['faults_fired'] == {'hold': 1}


def test_every_issued_token_is_listed_and_sessions_record_each_login_and_its_writes(sim):
    first = Api(sim)
    refreshed = requests.post(sim.url + '/auth/refresh', json={}, headers=first.headers(), timeout=TIMEOUT).json()['token']
    second = Api(sim)
    assert admin(sim, 'GET', 'secrets')['issued'] == [first.token, refreshed, second.token]
    first.token = refreshed
    first.create_sp('R1')
    second.names('serviceProviders')
    sessions = admin(sim, 'GET', 'sessions')['sessions']
    assert [(s['account'], s['requests'], s['writes']) for s in sessions] == [(SINGLE, 2, 1), (SINGLE, 1, 0)]
    assert sessions[0]['opened'] <= sessions[0]['first_write'] == sessions[0]['last_write'] <= sessions[1]['last_request']
    assert sessions[1]['first_write'] is None


def test_shuffled_order_puts_records_tied_on_the_sort_key_in_another_order(start):
    sps = seeded_sps(12)
    for item in sps:
        item['name'] = 'same'   # duplicates are allowed: ties on name ASC
    sim = start(make_dataset(serviceProviders=sps))
    api = Api(sim)

    def ids():
        return [item['id'] for item in api.get('/serviceProviders', limit=100, sort='name ASC').json()['serviceProviders']]
    stored = [item['id'] for item in sps]
    assert ids() == stored and admin(sim, 'GET', 'stats')['behaviours'] == {}
    admin(sim, 'POST', 'config', {'order': 'shuffled'})
    shuffled = ids()
    assert shuffled != stored and sorted(shuffled) == sorted(stored)
    assert admin(sim, 'GET', 'stats')['behaviours'] == {'tie_order': 1}


def wait_for(condition, timeout=30):
    """Wait until ``condition()`` is true (a counter the simulator keeps), failing after ``timeout`` seconds."""
    end = time.time() + timeout
    while not condition():
        assert time.time() < end, 'condition not met within %d s' % timeout
        time.sleep(0.02)


# -- the unkind defaults (issue 24), each shown to take effect ------------------------------------------------

def test_by_default_creates_answer_201_pages_are_capped_and_ties_come_in_no_stored_order(start):
    sps = seeded_sps(150)
    for item in sps[:12]:
        item['name'] = 'AAA same'
    sim = start(make_dataset(serviceProviders=sps), kind=False)
    api = Api(sim)
    answer = api.post('/serviceProviders', {'serviceProvider': {'name': 'new one'}})
    assert answer.status_code == 201 and answer.json()['serviceProviders'][0]['name'] == 'new one'
    page = api.get('/serviceProviders', limit=500, sort='name ASC').json()['serviceProviders']
    assert len(page) == 97   # fewer than asked while more remain
    tied = [item['id'] for item in page if item['name'] == 'AAA same']
    assert len(tied) == 12 and tied != [item['id'] for item in sps[:12]]
    assert admin(sim, 'GET', 'stats')['behaviours'] == {'tie_order': 1}


def test_by_default_text_filters_are_blind_to_case(start):
    sim = start(make_dataset(serviceProviders=seeded_sps(3)), kind=False)
    api = Api(sim)
    assert api.names('serviceProviders', **{'where[name]': 'sp 01'}) == ['SP 01']
    assert admin(sim, 'GET', 'stats')['behaviours'] == {'case_blind_filter': 1}
    assert api.names('serviceProviders', **{'where[name]': 'SP 01'}) == ['SP 01']
    assert admin(sim, 'GET', 'stats')['behaviours'] == {'case_blind_filter': 1}   # counted only when it mattered


def test_by_default_a_refresh_revokes_the_old_token_and_a_login_with_a_bad_token_is_refused(start):
    sim = start(kind=False)
    api = Api(sim)
    old = api.token
    new = requests.post(sim.url + '/auth/refresh', json={}, headers=api.headers(), timeout=TIMEOUT).json()['token']
    assert requests.get(sim.url + '/serviceProviders', headers={'Authorization': 'Bearer ' + old},
                        timeout=TIMEOUT).json() == {'message': clearip.INVALID_TOKEN_MESSAGE}
    assert requests.get(sim.url + '/serviceProviders', headers={'Authorization': 'Bearer ' + new}, timeout=TIMEOUT).status_code == 200
    refused = requests.post(sim.url + '/auth/login', json={'email': SINGLE, 'password': PASSWORD},
                            headers={'Authorization': 'Bearer ' + old}, timeout=TIMEOUT)
    assert (refused.status_code, refused.json()) == (401, {'message': clearip.INVALID_TOKEN_MESSAGE})
    assert login(sim, SINGLE).status_code == 200   # without the header
