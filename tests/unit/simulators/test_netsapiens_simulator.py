# -*- coding: utf-8 -*-
# Copyright: (c) 2026, clearip.netsapiens contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The NetSapiens simulator keeps every rule of the contract, checked over real HTTP."""

import base64
import time
from xml.etree import ElementTree
from urllib.parse import quote, urlencode

import pytest
import requests

from tests.simulators import dataset as D
from tests.simulators import netsapiens


class NetSapiensSimulator(netsapiens.NetSapiensSimulator):
    """The simulator with its kind behaviours asked for by name (netsapiens.KIND): these tests check one rule at a
    time; the unkind defaults have tests of their own (netsapiens.NetSapiensSimulator)."""

    def default_config(self):
        return dict(super(NetSapiensSimulator, self).default_config(), **netsapiens.KIND)


TOKEN_PATH = '/ns-api/oauth2/token/'
V1_PATH = '/ns-api/'
V2 = '/ns-api/v2'


def password_form(**overrides):
    form = {'grant_type': 'password', 'client_id': D.NS_CLIENT_ID, 'client_secret': D.NS_CLIENT_SECRET,
            'username': D.NS_USERNAME, 'password': D.NS_PASSWORD}
    form.update(overrides)
    return form


def fresh(server):
    """Undo what an earlier test changed, so one server can serve a whole module (stopping one takes 0.5 s)."""
    assert requests.delete(server.url + '/_sim/faults', timeout=5).status_code == 200
    assert requests.post(server.url + '/_sim/config', json=server.default_config(), timeout=5).status_code == 200
    assert requests.post(server.url + '/_sim/reset-stats', timeout=5).status_code == 200
    return server


@pytest.fixture(scope='module')
def dataset():
    return D.make_dataset(resellers=3, domains=6, users=30, system_users=2, seed=7)


@pytest.fixture(scope='module')
def shared_sim(dataset):
    with NetSapiensSimulator(dataset) as server:
        yield server


@pytest.fixture
def sim(shared_sim):
    return fresh(shared_sim)


def login(sim):
    answer = requests.post(sim.url + TOKEN_PATH, data=password_form(), timeout=5)
    assert answer.status_code == 200
    return answer.json()


def bearer(token):
    return {'Authorization': 'Bearer ' + token}


def get(sim, path, token, **params):
    return requests.get(sim.url + V2 + path, headers=bearer(token), params=params, timeout=5)


def v1(sim, token, obj, action='read', fmt='json', **form):
    query = {'object': obj, 'action': action}
    if fmt:
        query['format'] = fmt
    return requests.post(sim.url + V1_PATH, headers=bearer(token), params=query, data=form, timeout=5)


def set_config(sim, **config):
    answer = requests.post(sim.url + '/_sim/config', json=config, timeout=5)
    assert answer.status_code == 200, answer.text


def add_fault(sim, **fault):
    answer = requests.post(sim.url + '/_sim/faults', json={'faults': [fault]}, timeout=5)
    assert answer.status_code == 200, answer.text


def stats(sim):
    return requests.get(sim.url + '/_sim/stats', timeout=5).json()


# -- OAuth2 ------------------------------------------------------------------------------------
def test_password_grant_answers_every_documented_field(sim):
    answer = login(sim)
    assert sorted(answer) == ['access_token', 'domain', 'expires_in', 'refresh_token', 'scope', 'territory',
                              'token_type', 'user']
    assert answer['token_type'] == 'Bearer'
    assert answer['expires_in'] == 3600
    assert answer['user'] == 'api'
    assert answer['domain'] == 'sim.example'
    assert answer['scope'] == 'Super User'
    assert len(answer['access_token']) == 32
    assert answer['access_token'] != answer['refresh_token']
    assert get(sim, '/resellers', answer['access_token']).status_code == 200


@pytest.mark.parametrize('overrides', [{'client_secret': 'wrong'}, {'client_id': 'nobody'}])
def test_wrong_client_is_401_invalid_client(sim, overrides):
    answer = requests.post(sim.url + TOKEN_PATH, data=password_form(**overrides), timeout=5)
    assert answer.status_code == 401
    assert answer.json()['error'] == 'invalid_client'


@pytest.mark.parametrize('overrides', [{'password': 'wrong'}, {'username': 'nobody@sim.example'}])
def test_wrong_user_or_password_is_400_invalid_grant(sim, overrides):
    answer = requests.post(sim.url + TOKEN_PATH, data=password_form(**overrides), timeout=5)
    assert answer.status_code == 400
    assert answer.json()['error'] == 'invalid_grant'


def test_wrong_client_wins_over_wrong_password(sim):
    answer = requests.post(sim.url + TOKEN_PATH, data=password_form(client_secret='x', password='y'), timeout=5)
    assert answer.status_code == 401
    assert answer.json()['error'] == 'invalid_client'


def test_token_errors_never_echo_secrets(sim):
    answer = requests.post(sim.url + TOKEN_PATH, data=password_form(password='hunter2-secret', client_secret='cs-secret'),
                           timeout=5)
    assert answer.status_code == 401
    assert 'hunter2-secret' not in answer.text
    assert 'cs-secret' not in answer.text
    assert D.NS_CLIENT_SECRET not in answer.text


def test_missing_field_and_unknown_grant(sim):
    form = password_form()
    del form['password']
    answer = requests.post(sim.url + TOKEN_PATH, data=form, timeout=5)
    assert (answer.status_code, answer.json()['error']) == (400, 'invalid_request')
    answer = requests.post(sim.url + TOKEN_PATH, data=password_form(grant_type='client_credentials'), timeout=5)
    assert (answer.status_code, answer.json()['error']) == (400, 'unsupported_grant_type')


def test_token_endpoint_wants_a_form_not_json(sim):
    answer = requests.post(sim.url + TOKEN_PATH, json=password_form(), timeout=5)
    assert answer.status_code == 400
    assert answer.json()['error'] == 'invalid_request'
    # The right fields under another content type are refused too.
    body = urlencode(password_form())
    answer = requests.post(sim.url + TOKEN_PATH, data=body, headers={'Content-Type': 'text/plain'}, timeout=5)
    assert (answer.status_code, answer.json()['error']) == (400, 'invalid_request')
    answer = requests.post(sim.url + TOKEN_PATH, data=body, timeout=5,
                           headers={'Content-Type': 'application/x-www-form-urlencoded; charset=utf-8'})
    assert answer.status_code == 200


def test_token_endpoint_needs_its_trailing_slash_and_post(sim):
    assert requests.post(sim.url + '/ns-api/oauth2/token', data=password_form(), timeout=5).status_code == 404
    assert requests.get(sim.url + TOKEN_PATH, timeout=5).status_code == 405


def test_refresh_grant_gives_a_new_working_token(sim):
    first = login(sim)
    form = {'grant_type': 'refresh_token', 'client_id': D.NS_CLIENT_ID, 'client_secret': D.NS_CLIENT_SECRET,
            'refresh_token': first['refresh_token']}
    answer = requests.post(sim.url + TOKEN_PATH, data=form, timeout=5)
    assert answer.status_code == 200
    second = answer.json()
    assert second['access_token'] != first['access_token']
    assert second['user'] == 'api'
    assert get(sim, '/domains', second['access_token']).status_code == 200


def test_refresh_errors(sim):
    first = login(sim)
    form = {'grant_type': 'refresh_token', 'client_id': D.NS_CLIENT_ID, 'client_secret': D.NS_CLIENT_SECRET,
            'refresh_token': 'not-a-refresh-token'}
    answer = requests.post(sim.url + TOKEN_PATH, data=form, timeout=5)
    assert (answer.status_code, answer.json()['error']) == (400, 'invalid_grant')
    form.update(refresh_token=first['refresh_token'], client_secret='wrong')
    answer = requests.post(sim.url + TOKEN_PATH, data=form, timeout=5)
    assert (answer.status_code, answer.json()['error']) == (401, 'invalid_client')
    # An access token is not a refresh token.
    form.update(refresh_token=first['access_token'], client_secret=D.NS_CLIENT_SECRET)
    answer = requests.post(sim.url + TOKEN_PATH, data=form, timeout=5)
    assert (answer.status_code, answer.json()['error']) == (400, 'invalid_grant')


def test_token_expires_after_its_lifetime_and_refresh_revives(sim):
    set_config(sim, token_lifetime=1)
    answer = login(sim)
    assert answer['expires_in'] == 1
    assert get(sim, '/resellers', answer['access_token']).status_code == 200
    assert v1(sim, answer['access_token'], 'reseller').status_code == 200
    time.sleep(1.2)
    expired = get(sim, '/resellers', answer['access_token'])
    assert expired.status_code == 401
    assert expired.json()['message'] == 'access token expired'
    assert v1(sim, answer['access_token'], 'reseller').status_code == 401
    form = {'grant_type': 'refresh_token', 'client_id': D.NS_CLIENT_ID, 'client_secret': D.NS_CLIENT_SECRET,
            'refresh_token': answer['refresh_token']}
    fresh = requests.post(sim.url + TOKEN_PATH, data=form, timeout=5).json()
    assert get(sim, '/resellers', fresh['access_token']).status_code == 200


def test_token_without_access_token_switch(sim):
    set_config(sim, token_without_access_token=True)
    answer = requests.post(sim.url + TOKEN_PATH, data=password_form(), timeout=5)
    assert answer.status_code == 200
    assert 'access_token' not in answer.json()
    assert answer.json()['token_type'] == 'Bearer'


# -- the v2 token endpoint and the token endpoint modes ------------------------------------------
V2_TOKENS = V2 + '/tokens'


def test_v2_token_endpoint_takes_json_and_answers_the_same_fields(sim):
    answer = requests.post(sim.url + V2_TOKENS, json=password_form(), timeout=5)
    assert answer.status_code == 200
    token = answer.json()
    assert sorted(token) == ['access_token', 'domain', 'expires_in', 'refresh_token', 'scope', 'territory', 'token_type', 'user']
    assert (token['token_type'], token['expires_in'], token['user']) == ('Bearer', 3600, 'api')
    # its tokens serve v2 and v1 calls alike
    assert get(sim, '/resellers', token['access_token']).status_code == 200
    assert v1(sim, token['access_token'], 'reseller').status_code == 200
    assert stats(sim)['requests'] == {'POST /ns-api/v2/tokens': 1, 'GET /ns-api/v2/resellers': 1, 'POST /ns-api/': 1}


def test_v2_refresh_grant_gives_a_new_working_token(sim):
    first = requests.post(sim.url + V2_TOKENS, json=password_form(), timeout=5).json()
    form = {'grant_type': 'refresh_token', 'client_id': D.NS_CLIENT_ID, 'client_secret': D.NS_CLIENT_SECRET,
            'refresh_token': first['refresh_token']}
    second = requests.post(sim.url + V2_TOKENS, json=form, timeout=5)
    assert second.status_code == 200
    assert second.json()['access_token'] != first['access_token']
    assert get(sim, '/domains', second.json()['access_token']).status_code == 200
    # a refresh token from either endpoint works at the other: both belong to one core
    assert requests.post(sim.url + TOKEN_PATH, data=dict(form, refresh_token=second.json()['refresh_token']),
                         timeout=5).status_code == 200


@pytest.mark.parametrize('body, status, message', [
    (password_form(client_secret='wrong'), 401, 'The client credentials are invalid'),
    (password_form(password='wrong'), 401, 'Invalid username and password combination'),
    (password_form(grant_type='client_credentials'), 400, 'grant_type must be password or refresh_token'),
    (dict((k, v) for k, v in password_form().items() if k != 'password'), 400, 'missing: password'),
    ({'grant_type': 'refresh_token', 'client_id': D.NS_CLIENT_ID, 'client_secret': D.NS_CLIENT_SECRET, 'refresh_token': 'nope'},
     400, 'Invalid refresh token'),
    (['not', 'an', 'object'], 400, 'the body must be a JSON object of strings'),
])
def test_v2_token_errors_have_the_v2_error_shape(sim, body, status, message):
    answer = requests.post(sim.url + V2_TOKENS, json=body, timeout=5)
    assert answer.status_code == status
    assert answer.json() == {'code': status, 'message': message}


def test_v2_token_endpoint_wants_json_not_a_form(sim):
    answer = requests.post(sim.url + V2_TOKENS, data=password_form(), timeout=5)
    assert answer.status_code == 400
    assert answer.json() == {'code': 400, 'message': 'the body must be JSON (Content-Type: application/json)'}


@pytest.mark.parametrize('endpoints, v2_status, legacy_status', [
    (['legacy'], 404, 200),
    (['v2'], 200, 404),
    ([], 404, 404),
])
def test_token_endpoint_modes(sim, endpoints, v2_status, legacy_status):
    set_config(sim, token_endpoints=endpoints)
    assert requests.post(sim.url + V2_TOKENS, json=password_form(), timeout=5).status_code == v2_status
    assert requests.post(sim.url + TOKEN_PATH, data=password_form(), timeout=5).status_code == legacy_status
    # which token endpoint exists says nothing about the v2 API: it answers in every mode
    assert get(sim, '/domains/count', D.NS_API_KEY).status_code == 200


def test_the_default_offers_both_token_endpoints(sim):
    assert NetSapiensSimulator().default_config()['token_endpoints'] == ['v2', 'legacy']
    assert requests.post(sim.url + V2_TOKENS, json=password_form(), timeout=5).status_code == 200
    assert requests.post(sim.url + TOKEN_PATH, data=password_form(), timeout=5).status_code == 200


def test_an_old_core_without_v2_has_no_v2_token_endpoint(sim):
    set_config(sim, v2_enabled=False)
    assert requests.post(sim.url + V2_TOKENS, json=password_form(), timeout=5).status_code == 404
    token = login(sim)['access_token']
    assert v1(sim, token, 'reseller').status_code == 200


@pytest.mark.parametrize('headers', [{}, {'Authorization': 'Bearer unknown-token'}, {'Authorization': 'Basic abc'}])
def test_calls_without_a_valid_token_are_401(sim, headers):
    assert requests.get(sim.url + V2 + '/domains', headers=headers, timeout=5).status_code == 401
    answer = requests.post(sim.url + V1_PATH, headers=headers, params={'object': 'domain', 'action': 'read',
                                                                       'format': 'json'}, timeout=5)
    assert answer.status_code == 401


def test_api_key_works_on_v2_only(sim, dataset):
    answer = get(sim, '/resellers', D.NS_API_KEY)
    assert answer.status_code == 200
    assert answer.json() == dataset['netsapiens']['resellers']
    assert v1(sim, D.NS_API_KEY, 'reseller').status_code == 401
    assert get(sim, '/resellers', 'nss_notlisted').status_code == 401


def test_simulator_without_dataset_has_default_credentials():
    with NetSapiensSimulator() as sim:
        token = login(sim)['access_token']
        assert get(sim, '/domains', token).json() == []
        assert get(sim, '/resellers/count', D.NS_API_KEY).json() == {'total': 0}


def test_dataset_without_credentials_accepts_nobody():
    with NetSapiensSimulator({'netsapiens': {'resellers': [{'reseller': 'R1', 'description': ''}]}}) as sim:
        answer = requests.post(sim.url + TOKEN_PATH, data=password_form(), timeout=5)
        assert answer.status_code == 401
        assert get(sim, '/resellers', D.NS_API_KEY).status_code == 401


# -- v2 reads ------------------------------------------------------------------------------------
def test_v2_lists_return_records_exactly_as_stored(sim, dataset):
    ns = dataset['netsapiens']
    token = login(sim)['access_token']
    assert get(sim, '/resellers', token).json() == ns['resellers']
    assert get(sim, '/domains', token).json() == ns['domains']
    assert get(sim, '/connections', token).json() == ns['connections']
    domain = ns['domains'][2]['domain']
    users = get(sim, '/domains/%s/users' % domain, token).json()
    assert users == [u for u in ns['users'] if u['domain'] == domain]
    assert len(users) == 5
    assert sorted(users[0]) == ['domain', 'login-username', 'name-first-name', 'name-last-name', 'service-code', 'user']


def test_v2_counts(sim, dataset):
    ns = dataset['netsapiens']
    token = login(sim)['access_token']
    assert get(sim, '/resellers/count', token).json() == {'total': 3}
    assert get(sim, '/domains/count', token).json() == {'total': 6}
    assert get(sim, '/connections/count', token).json() == {'total': 6}
    domain = ns['domains'][0]['domain']
    expected = len([u for u in ns['users'] if u['domain'] == domain])
    assert get(sim, '/domains/%s/users/count' % domain, token).json() == {'total': expected}
    assert expected == 6  # five ordinary users and one system user


def test_unknown_domain_users_is_404(sim):
    token = login(sim)['access_token']
    assert get(sim, '/domains/nowhere.example/users', token).status_code == 404
    assert get(sim, '/domains/nowhere.example/users/count', token).status_code == 404


def test_connection_filters(sim, dataset):
    ns = dataset['netsapiens']
    token = login(sim)['access_token']
    domain = ns['domains'][1]['domain']
    assert get(sim, '/connections', token, domain=domain).json() == [ns['connections'][1]]
    assert get(sim, '/connections/count', token, domain=domain).json() == {'total': 1}
    reseller = ns['resellers'][2]['reseller']
    in_reseller = [c for c in ns['connections'] if c['domain'] in
                   [d['domain'] for d in ns['domains'] if d['reseller'] == reseller]]
    assert len(in_reseller) == 2
    assert get(sim, '/connections', token, reseller=reseller).json() == in_reseller
    assert get(sim, '/connections/count', token, reseller=reseller).json() == {'total': 2}
    assert get(sim, '/connections', token, domain='nowhere.example').json() == []


@pytest.fixture(scope='module')
def shared_big_sim():
    with NetSapiensSimulator(D.make_dataset(resellers=2, domains=250, users=0, seed=3)) as server:
        yield server


@pytest.fixture
def big_sim(shared_big_sim):
    return fresh(shared_big_sim)


def test_default_page_is_100_and_start_is_zero_based(big_sim):
    domains = [d['domain'] for d in big_sim.domains]
    token = login(big_sim)['access_token']
    assert [d['domain'] for d in get(big_sim, '/domains', token).json()] == domains[:100]
    assert [d['domain'] for d in get(big_sim, '/domains', token, start=100).json()] == domains[100:200]
    assert [d['domain'] for d in get(big_sim, '/domains', token, start=200, limit=100).json()] == domains[200:]
    assert get(big_sim, '/domains', token, start=250, limit=100).json() == []
    assert [d['domain'] for d in get(big_sim, '/domains', token, start=1, limit=2).json()] == domains[1:3]
    assert len(get(big_sim, '/domains', token, limit=1000).json()) == 250
    assert len(get(big_sim, '/connections', token).json()) == 100
    assert get(big_sim, '/domains/count', token).json() == {'total': 250}


@pytest.mark.parametrize('params', [{'limit': 1001}, {'limit': 0}, {'limit': 'ten'}, {'start': -1}, {'start': '1.5'}])
def test_bad_paging_parameters_are_400(big_sim, params):
    token = login(big_sim)['access_token']
    assert get(big_sim, '/domains', token, **params).status_code == 400


def test_over_max_limit_can_be_capped():
    ds = D.make_dataset(resellers=1, domains=1, users=1005, seed=1)
    with NetSapiensSimulator(ds, config={'over_max_limit': 'cap'}) as sim:
        domain = ds['netsapiens']['domains'][0]['domain']
        answer = get(sim, '/domains/%s/users' % domain, D.NS_API_KEY, limit=5000)
        assert answer.status_code == 200
        assert len(answer.json()) == 1000


def test_page_cap_returns_fewer_than_asked_but_honours_start(big_sim):
    set_config(big_sim, page_cap=7)
    domains = [d['domain'] for d in big_sim.domains]
    token = login(big_sim)['access_token']
    assert [d['domain'] for d in get(big_sim, '/domains', token, limit=50).json()] == domains[:7]
    assert [d['domain'] for d in get(big_sim, '/domains', token, start=7, limit=50).json()] == domains[7:14]
    assert len(get(big_sim, '/resellers', token, limit=50).json()) == 2
    assert get(big_sim, '/domains/count', token).json() == {'total': 250}


@pytest.mark.parametrize('name', ['GET /domains', 'GET /ns-api/v2/domains'])
def test_ignore_start_routes_repeat_the_first_page(big_sim, name):
    set_config(big_sim, ignore_start_routes=[name])
    token = login(big_sim)['access_token']
    first = get(big_sim, '/domains', token, start=0, limit=10).json()
    assert get(big_sim, '/domains', token, start=10, limit=10).json() == first
    # Other routes still honour start.
    conns = big_sim.connections
    assert get(big_sim, '/connections', token, start=10, limit=2).json() == conns[10:12]


def test_ignore_start_for_the_users_template(sim, dataset):
    set_config(sim, ignore_start_routes=['GET /domains/{domain}/users'])
    token = login(sim)['access_token']
    domain = dataset['netsapiens']['domains'][0]['domain']
    first = get(sim, '/domains/%s/users' % domain, token, start=0, limit=2).json()
    assert get(sim, '/domains/%s/users' % domain, token, start=2, limit=2).json() == first
    assert get(sim, '/domains', token, start=2, limit=2).json() == dataset['netsapiens']['domains'][2:4]


def test_order_reverse(big_sim):
    set_config(big_sim, order='reverse')
    token = login(big_sim)['access_token']
    domains = [d['domain'] for d in big_sim.domains]
    assert [d['domain'] for d in get(big_sim, '/domains', token, limit=5).json()] == domains[::-1][:5]


def test_order_shuffled_is_stable_per_seed_and_pages_cover_everything(big_sim):
    set_config(big_sim, order='shuffled', order_seed=11)
    token = login(big_sim)['access_token']
    domains = [d['domain'] for d in big_sim.domains]
    seen = []
    for start in range(0, 250, 60):
        seen.extend(d['domain'] for d in get(big_sim, '/domains', token, start=start, limit=60).json())
    assert seen != domains
    assert sorted(seen) == sorted(domains)
    again = [d['domain'] for d in get(big_sim, '/domains', token, limit=250).json()]
    assert again == seen
    set_config(big_sim, order_seed=12)
    assert [d['domain'] for d in get(big_sim, '/domains', token, limit=250).json()] != seen


def test_v2_disabled_answers_404_and_v1_still_works(sim):
    set_config(sim, v2_enabled=False)
    token = login(sim)['access_token']
    for path in ('/resellers', '/resellers/count', '/domains', '/connections', '/domains/x/users'):
        assert get(sim, path, token).status_code == 404
    assert get(sim, '/domains', D.NS_API_KEY).status_code == 404
    assert v1(sim, token, 'reseller').status_code == 200
    set_config(sim, v2_enabled=True)
    assert get(sim, '/resellers', token).status_code == 200


# -- v1 ------------------------------------------------------------------------------------------
def test_v1_reseller_read_and_count(sim, dataset):
    token = login(sim)['access_token']
    expected = [{'territory': r['reseller'], 'description': r['description']} for r in dataset['netsapiens']['resellers']]
    assert v1(sim, token, 'reseller').json() == expected
    assert v1(sim, token, 'reseller', action='count').json() == {'total': 3}


def test_v1_domain_read_and_count(sim, dataset):
    token = login(sim)['access_token']
    expected = [{'domain': d['domain'], 'territory': d['reseller'], 'description': d['description']}
                for d in dataset['netsapiens']['domains']]
    assert v1(sim, token, 'domain').json() == expected
    assert v1(sim, token, 'domain', action='count').json() == {'total': 6}


def test_v1_subscriber_read_count_and_paging(sim, dataset):
    token = login(sim)['access_token']
    domain = dataset['netsapiens']['domains'][0]['domain']
    stored = [u for u in dataset['netsapiens']['users'] if u['domain'] == domain]
    expected = [{'user': u['user'], 'domain': domain, 'first_name': u['name-first-name'],
                 'last_name': u['name-last-name'], 'srv_code': u['service-code'],
                 'subscriber_login': u['login-username']} for u in stored]
    assert v1(sim, token, 'subscriber', domain=domain).json() == expected
    assert expected[-1]['srv_code'] == 'system-aa'
    assert v1(sim, token, 'subscriber', domain=domain, start=2, limit=3).json() == expected[2:5]
    assert v1(sim, token, 'subscriber', action='count', domain=domain).json() == {'total': 6}
    assert v1(sim, token, 'subscriber', domain='nowhere.example').json() == []


def test_v1_subscriber_default_page_is_100():
    ds = D.make_dataset(resellers=1, domains=1, users=150, seed=2)
    with NetSapiensSimulator(ds) as sim:
        token = login(sim)['access_token']
        domain = ds['netsapiens']['domains'][0]['domain']
        assert len(v1(sim, token, 'subscriber', domain=domain).json()) == 100
        assert len(v1(sim, token, 'subscriber', domain=domain, start=100).json()) == 50
        assert v1(sim, token, 'subscriber', action='count', domain=domain).json() == {'total': 150}


def test_v1_subscriber_without_domain_is_400(sim):
    token = login(sim)['access_token']
    assert v1(sim, token, 'subscriber').status_code == 400
    assert v1(sim, token, 'subscriber', action='count').status_code == 400


def test_v1_connection_read_and_count(sim, dataset):
    token = login(sim)['access_token']
    ns = dataset['netsapiens']
    reseller_of = dict((d['domain'], d['reseller']) for d in ns['domains'])
    expected = [{'aor': c['connection-orig-match-pattern'], 'domain': c['domain'], 'territory': reseller_of[c['domain']],
                 'address': c['connection-address']} for c in ns['connections']]
    assert v1(sim, token, 'connection').json() == expected
    assert v1(sim, token, 'connection', domain=ns['domains'][3]['domain']).json() == [expected[3]]
    assert v1(sim, token, 'connection', action='count').json() == {'total': 6}


def test_v1_takes_object_action_and_format_as_form_fields(sim, dataset):
    token = login(sim)['access_token']
    answer = requests.post(sim.url + V1_PATH, headers=bearer(token), timeout=5,
                           data={'object': 'domain', 'action': 'count', 'format': 'json'})
    assert answer.json() == {'total': 6}


@pytest.mark.parametrize('obj, action', [('dialplan', 'read'), ('domain', 'delete'), (None, 'read')])
def test_v1_unknown_object_or_action_is_400(sim, obj, action):
    token = login(sim)['access_token']
    query = {'format': 'json', 'action': action}
    if obj:
        query['object'] = obj
    answer = requests.post(sim.url + V1_PATH, headers=bearer(token), params=query, timeout=5)
    assert answer.status_code == 400


def test_v1_without_format_json_answers_xml(sim, dataset):
    token = login(sim)['access_token']
    answer = v1(sim, token, 'domain', fmt=None)
    assert answer.status_code == 200
    assert answer.headers['Content-Type'].startswith('text/xml')
    with pytest.raises(ValueError):
        answer.json()
    root = ElementTree.fromstring(answer.content)
    assert [e.findtext('domain') for e in root.findall('domain')] == [d['domain'] for d in dataset['netsapiens']['domains']]
    count = ElementTree.fromstring(v1(sim, token, 'domain', action='count', fmt='xml').content)
    assert count.findtext('total') == '6'


def test_v1_only_takes_post(sim):
    token = login(sim)['access_token']
    answer = requests.get(sim.url + V1_PATH, headers=bearer(token), params={'object': 'domain', 'action': 'read'},
                          timeout=5)
    assert answer.status_code == 405


# -- stats and faults ----------------------------------------------------------------------------
def test_stats_count_requests_per_endpoint_template(sim, dataset):
    token = login(sim)['access_token']
    for domain in dataset['netsapiens']['domains'][:4]:
        get(sim, '/domains/%s/users' % domain['domain'], token)
    get(sim, '/domains', token)
    get(sim, '/domains/count', token)
    v1(sim, token, 'subscriber', domain=dataset['netsapiens']['domains'][0]['domain'])
    v1(sim, token, 'domain', action='count')
    v1(sim, token, 'domain', action='count')
    requests.get(sim.url + '/nothing/here', timeout=5)
    counted = stats(sim)
    assert counted['requests'] == {
        'POST /ns-api/oauth2/token/': 1,
        'GET /ns-api/v2/domains/{domain}/users': 4,
        'GET /ns-api/v2/domains': 1,
        'GET /ns-api/v2/domains/count': 1,
        'POST /ns-api/': 3,
        'GET /nothing/here': 1,
    }
    assert counted['v1'] == {'subscriber read': 1, 'domain count': 2}
    assert counted['writes'] == {}
    assert requests.post(sim.url + '/_sim/reset-stats', timeout=5).status_code == 200
    assert stats(sim) == {'requests': {}, 'writes': {}, 'faults_fired': {}, 'behaviours': {}, 'v1': {}}


def test_state_lists_records_without_credentials(sim, dataset):
    state = requests.get(sim.url + '/_sim/state', timeout=5).json()
    ns = dataset['netsapiens']
    assert state['domains'] == ns['domains']
    assert state['users'] == ns['users']
    assert D.NS_PASSWORD not in str(state)
    assert D.NS_CLIENT_SECRET not in str(state)


def test_fault_server_error_then_recovery(sim):
    add_fault(sim, kind='server_error', path='/ns-api/v2/domains$', times=2)
    token = login(sim)['access_token']
    assert get(sim, '/domains', token).status_code == 503
    assert get(sim, '/resellers', token).status_code == 200
    assert get(sim, '/domains', token).status_code == 503
    assert get(sim, '/domains', token).status_code == 200
    assert stats(sim)['faults_fired'] == {'server_error': 2}


def test_fault_server_error_with_status_and_skip(sim):
    add_fault(sim, kind='server_error', path='/users$', status=500, skip=1)
    token = login(sim)['access_token']
    domain = sim.domains[0]['domain']
    assert get(sim, '/domains/%s/users' % domain, token).status_code == 200
    assert get(sim, '/domains/%s/users' % domain, token).status_code == 500
    assert get(sim, '/domains/%s/users' % domain, token).status_code == 200


def test_fault_on_token_endpoint(sim):
    add_fault(sim, kind='server_error', path='/oauth2/token/$', method='POST')
    assert requests.post(sim.url + TOKEN_PATH, data=password_form(), timeout=5).status_code == 503
    assert requests.post(sim.url + TOKEN_PATH, data=password_form(), timeout=5).status_code == 200


def test_fault_drop_after_commit_closes_the_connection(sim):
    token = login(sim)['access_token']
    add_fault(sim, kind='drop_after_commit', path='/ns-api/v2/resellers$')
    with pytest.raises(requests.exceptions.ConnectionError):
        get(sim, '/resellers', token)
    assert get(sim, '/resellers', token).status_code == 200
    counted = stats(sim)
    assert counted['requests']['GET /ns-api/v2/resellers'] == 2
    assert counted['faults_fired'] == {'drop_after_commit': 1}


def test_fault_drop_after_commit_on_token_still_issues_the_token(sim):
    # Counted in the tokens issued, which only grow: the live count of the shared simulator also falls whenever
    # another test's short-lived token expires between the two reads (a CI run saw 38 == 38 + 1).
    before = len(requests.get(sim.url + '/_sim/secrets', timeout=5).json()['issued'])
    add_fault(sim, kind='drop_after_commit', path='/oauth2/token/$')
    with pytest.raises(requests.exceptions.ConnectionError):
        requests.post(sim.url + TOKEN_PATH, data=password_form(), timeout=5)
    assert len(requests.get(sim.url + '/_sim/secrets', timeout=5).json()['issued']) > before


def test_fault_rate_limit_sends_retry_after(sim):
    add_fault(sim, kind='rate_limit', path='/ns-api/$', retry_after=2)
    token = login(sim)['access_token']
    answer = v1(sim, token, 'domain')
    assert answer.status_code == 429
    assert answer.headers['Retry-After'] == '2'
    assert v1(sim, token, 'domain').status_code == 200


def test_fault_slow_delays_then_answers(sim):
    add_fault(sim, kind='slow', path='/domains$', delay=0.5)
    token = login(sim)['access_token']
    began = time.monotonic()
    answer = get(sim, '/domains', token)
    assert time.monotonic() - began >= 0.5
    assert answer.status_code == 200
    assert len(answer.json()) == 6


def test_fault_malformed_json(sim):
    add_fault(sim, kind='malformed_json', path='/connections$')
    token = login(sim)['access_token']
    answer = get(sim, '/connections', token)
    assert answer.status_code == 200
    with pytest.raises(ValueError):
        answer.json()
    assert len(get(sim, '/connections', token).json()) == 6


def test_fault_html_error(sim):
    add_fault(sim, kind='html_error', path='/count$', times=-1)
    token = login(sim)['access_token']
    for path in ('/domains/count', '/resellers/count'):
        answer = get(sim, path, token)
        assert answer.status_code == 502
        assert answer.headers['Content-Type'] == 'text/html'
        assert '<h1>Bad Gateway</h1>' in answer.text
    assert requests.delete(sim.url + '/_sim/faults', timeout=5).status_code == 200
    assert get(sim, '/domains/count', token).json() == {'total': 6}


def test_unknown_config_key_is_refused(sim):
    answer = requests.post(sim.url + '/_sim/config', json={'page_size': 5}, timeout=5)
    assert answer.status_code == 400


# -- dial rules (v2) ----------------------------------------------------------------------------
RULES = V2 + '/domains/d1.example/dialplans/Default/dialrules'


def dialrule_dataset():
    section = D.make_dataset(resellers=1, domains=1, users=0, seed=1)['netsapiens']
    section['domains'] = [{'domain': 'd1.example', 'reseller': 'R1', 'description': ''}]
    section['dialplans'] = [{'domain': 'd1.example', 'dialplan': 'Empty'}]
    section['dialrules'] = [
        {'domain': 'd1.example', 'dialplan': 'Default', 'dial-rule-matching-to-uri': 'sip:1??????????@*',
         'dial-rule-matching-from-uri': '*', 'dial-rule-application': 'to-connection',
         'dial-rule-parameter': '', 'dial-rule-translation-destination-user': '[*]',
         'dial-rule-translation-destination-host': 'clearip-conn', 'enabled': 'yes'},
        {'domain': 'd1.example', 'dialplan': 'Default', 'dial-rule-matching-to-uri': 'sip:611@*',
         'dial-rule-application': 'to-callqueue', 'dial-rule-translation-destination-user': '611'},
    ]
    return {'netsapiens': section}


@pytest.fixture
def rule_sim():
    with NetSapiensSimulator(dialrule_dataset()) as server:
        yield server


def rule_id(to_uri, from_uri='*'):
    return base64.b64encode(('%s||%s||*||*||*||*||*' % (to_uri, from_uri)).encode()).decode()


def quoted_id(to_uri, from_uri='*'):
    """The id as a URL path segment: base64 may hold '/' and '+'."""
    return quote(rule_id(to_uri, from_uri), safe='')


def send(sim, method, path, token, body=None):
    return requests.request(method, sim.url + path, headers=bearer(token), json=body, timeout=5)


def test_dialrule_list_names_each_rule_by_its_id_and_dial_plan(rule_sim):
    token = login(rule_sim)['access_token']
    answer = requests.get(rule_sim.url + RULES, headers=bearer(token), timeout=5)
    assert answer.status_code == 200
    rules = answer.json()
    assert [r['dialrule'] for r in rules] == [rule_id('sip:1??????????@*'), rule_id('sip:611@*')]
    assert rules[0]['dial-rule-dial-plan'] == 'Default'
    assert rules[0]['domain'] == 'd1.example'
    assert rules[0]['dial-rule-translation-destination-host'] == 'clearip-conn'
    assert 'dialplan' not in rules[0]
    assert requests.get(rule_sim.url + RULES + '/count', headers=bearer(token), timeout=5).json() == {'total': 2}
    assert get(rule_sim, '/domains/d1.example/dialplans/Empty/dialrules', token).json() == []
    set_config(rule_sim, dialrule_id_in_records=False)
    assert 'dialrule' not in get(rule_sim, '/domains/d1.example/dialplans/Default/dialrules', token).json()[0]


def test_dialrule_list_pages_like_every_v2_list(rule_sim):
    token = login(rule_sim)['access_token']
    page = get(rule_sim, '/domains/d1.example/dialplans/Default/dialrules', token, start=1, limit=5).json()
    assert [r['dial-rule-matching-to-uri'] for r in page] == ['sip:611@*']


@pytest.mark.parametrize('path', ['/domains/nowhere.example/dialplans/Default/dialrules',
                                  '/domains/d1.example/dialplans/Missing/dialrules',
                                  '/domains/d1.example/dialplans/Missing/dialrules/count',
                                  '/domains/d1.example/dialplans/Default/dialrules/' + quoted_id('sip:999@*')])
def test_unknown_domain_dial_plan_or_rule_is_404(rule_sim, path):
    token = login(rule_sim)['access_token']
    assert get(rule_sim, path, token).status_code == 404


def test_dialrules_are_v2_only_and_need_authorisation(rule_sim):
    assert requests.get(rule_sim.url + RULES, timeout=5).status_code == 401
    assert requests.get(rule_sim.url + RULES, headers=bearer(D.NS_API_KEY), timeout=5).status_code == 200
    set_config(rule_sim, v2_enabled=False)
    assert requests.get(rule_sim.url + RULES, headers=bearer(D.NS_API_KEY), timeout=5).status_code == 404


def test_dialrule_create_answers_the_rule_when_synchronous_and_counts_one_write(rule_sim):
    token = login(rule_sim)['access_token']
    body = {'synchronous': 'yes', 'dial-rule-matching-to-uri': 'sip:2??@*', 'dial-rule-application': 'to-connection-add-header',
            'dial-rule-parameter': 'X-User-Id: a@b', 'dial-rule-translation-destination-user': '[*]'}
    answer = send(rule_sim, 'POST', RULES, token, body)
    assert answer.status_code == 200
    assert answer.json()['dialrule'] == rule_id('sip:2??@*')
    assert answer.json()['dial-rule-matching-from-uri'] == '*'
    assert answer.json()['enabled'] == 'yes'
    assert send(rule_sim, 'POST', RULES, token, body).status_code == 409
    asynchronous = dict(body, synchronous='no', **{'dial-rule-matching-from-uri': 'sip:1@*'})
    answer = send(rule_sim, 'POST', RULES, token, asynchronous)
    assert answer.status_code == 202
    assert answer.json() == {'code': 202, 'message': 'Accepted'}
    state = requests.get(rule_sim.url + '/_sim/state', timeout=5).json()
    assert len(state['dialrules']) == 4
    assert state['dialrules'][2] == {'domain': 'd1.example', 'dialplan': 'Default', 'dial-rule-matching-to-uri': 'sip:2??@*',
                                     'dial-rule-matching-from-uri': '*', 'dial-rule-application': 'to-connection-add-header',
                                     'dial-rule-parameter': 'X-User-Id: a@b', 'dial-rule-translation-destination-user': '[*]',
                                     'enabled': 'yes'}
    assert stats(rule_sim)['writes'] == {'POST ' + V2 + '/domains/{domain}/dialplans/{dialplan}/dialrules': 2}


NEW_RULE = {'synchronous': 'yes', 'dial-rule-matching-to-uri': 'sip:5@*', 'dial-rule-translation-destination-user': '1'}


def without(body, *names):
    return dict((k, v) for k, v in body.items() if k not in names)


@pytest.mark.parametrize('body, status, message', [
    (without(NEW_RULE, 'dial-rule-matching-to-uri'), 422, 'missing required fields: dial-rule-matching-to-uri'),
    (without(NEW_RULE, 'dial-rule-translation-destination-user'), 422,
     'missing required fields: dial-rule-translation-destination-user'),
    (without(NEW_RULE, 'synchronous'), 422, 'missing required fields: synchronous'),
    ({'dial-rule-application': 'to-user'}, 422,
     'missing required fields: synchronous, dial-rule-matching-to-uri, dial-rule-translation-destination-user'),
    (dict(NEW_RULE, **{'dial-rule-matching-to-uri': ''}), 400, 'dial-rule-matching-to-uri must not be empty'),
    (dict(NEW_RULE, colour='red'), 400, 'unknown dial rule fields: colour'),
    (dict(NEW_RULE, enabled=True), 400, 'enabled must be a string'),
    (dict(NEW_RULE, enabled='maybe'), 400, 'enabled must be yes or no'),
])
def test_dialrule_create_rejects_bad_bodies_without_writing(rule_sim, body, status, message):
    token = login(rule_sim)['access_token']
    answer = send(rule_sim, 'POST', RULES, token, body)
    assert answer.status_code == status
    assert answer.json() == {'code': status, 'message': message}
    assert stats(rule_sim)['writes'] == {}
    assert len(requests.get(rule_sim.url + '/_sim/state', timeout=5).json()['dialrules']) == 2


def test_dialrule_create_accepts_an_empty_destination_user(rule_sim):
    token = login(rule_sim)['access_token']
    answer = send(rule_sim, 'POST', RULES, token, dict(NEW_RULE, **{'dial-rule-translation-destination-user': ''}))
    assert answer.status_code == 200
    assert answer.json()['dial-rule-translation-destination-user'] == ''


def test_dialrule_create_can_answer_with_another_rule_but_stores_the_new_one(rule_sim):
    set_config(rule_sim, dialrule_create_answer='other')
    token = login(rule_sim)['access_token']
    answer = send(rule_sim, 'POST', RULES, token, NEW_RULE)
    assert answer.status_code == 200
    assert answer.json()['dial-rule-matching-to-uri'] == 'sip:1??????????@*'
    state = requests.get(rule_sim.url + '/_sim/state', timeout=5).json()
    assert [r['dial-rule-matching-to-uri'] for r in state['dialrules']] == ['sip:1??????????@*', 'sip:611@*', 'sip:5@*']


def test_dialrule_update_changes_only_the_given_fields(rule_sim):
    token = login(rule_sim)['access_token']
    path = RULES + '/' + quoted_id('sip:1??????????@*')
    required = {'dialrule': rule_id('sip:1??????????@*'), 'dial-rule-translation-destination-user': '[*]'}
    change = dict(required, **{'dial-rule-application': 'to-connection-add-header', 'dial-rule-parameter': 'X-User-Id: x'})
    answer = send(rule_sim, 'PUT', path, token, change)
    assert answer.status_code == 202
    rule = send(rule_sim, 'GET', path, token).json()
    assert rule['dial-rule-application'] == 'to-connection-add-header'
    assert rule['dial-rule-parameter'] == 'X-User-Id: x'
    assert rule['dial-rule-translation-destination-host'] == 'clearip-conn'
    assert send(rule_sim, 'PUT', path, token, dict(required, **{'dial-rule-matching-to-uri': 'sip:2@*'})).json()['message'] == \
        'matching fields cannot change: dial-rule-matching-to-uri'
    assert send(rule_sim, 'PUT', path, token, dict(required, dialrule='other')).status_code == 400
    missing = dict(required, **{'dial-rule-parameter': ''})
    assert send(rule_sim, 'PUT', RULES + '/' + quoted_id('sip:999@*'), token, missing).status_code == 404
    assert stats(rule_sim)['writes'] == {'PUT ' + V2 + '/domains/{domain}/dialplans/{dialplan}/dialrules/{dialrule}': 1}


def test_dialrule_delete_removes_the_rule_and_keeps_the_dial_plan(rule_sim):
    token = login(rule_sim)['access_token']
    for to_uri in ('sip:1??????????@*', 'sip:611@*'):
        answer = send(rule_sim, 'DELETE', RULES + '/' + quoted_id(to_uri), token)
        assert answer.status_code == 202
    assert send(rule_sim, 'DELETE', RULES + '/' + quoted_id('sip:611@*'), token).status_code == 404
    assert get(rule_sim, '/domains/d1.example/dialplans/Default/dialrules', token).json() == []
    state = requests.get(rule_sim.url + '/_sim/state', timeout=5).json()
    assert state['dialrules'] == []
    assert state['dialplans'] == [{'domain': 'd1.example', 'dialplan': 'Default'}, {'domain': 'd1.example', 'dialplan': 'Empty'}]
    assert stats(rule_sim)['writes'] == {'DELETE ' + V2 + '/domains/{domain}/dialplans/{dialplan}/dialrules/{dialrule}': 2}


@pytest.mark.parametrize('body, message', [
    ({'dial-rule-parameter': 'X'}, 'missing required fields: dialrule, dial-rule-translation-destination-user'),
    ({'dialrule': rule_id('sip:611@*'), 'dial-rule-parameter': 'X'}, 'missing required fields: dial-rule-translation-destination-user'),
    ({'dial-rule-translation-destination-user': '611'}, 'missing required fields: dialrule'),
])
def test_dialrule_update_without_its_required_fields_is_422_and_changes_nothing(rule_sim, body, message):
    token = login(rule_sim)['access_token']
    answer = send(rule_sim, 'PUT', RULES + '/' + quoted_id('sip:611@*'), token, body)
    assert answer.status_code == 422
    assert answer.json() == {'code': 422, 'message': message}
    assert stats(rule_sim)['writes'] == {}
    assert 'dial-rule-parameter' not in send(rule_sim, 'GET', RULES + '/' + quoted_id('sip:611@*'), token).json()


def test_dialrule_update_with_an_empty_destination_user_is_accepted(rule_sim):
    token = login(rule_sim)['access_token']
    path = RULES + '/' + quoted_id('sip:611@*')
    body = {'dialrule': rule_id('sip:611@*'), 'dial-rule-translation-destination-user': '', 'dial-rule-parameter': 'X'}
    assert send(rule_sim, 'PUT', path, token, body).status_code == 202
    rule = send(rule_sim, 'GET', path, token).json()
    assert (rule['dial-rule-translation-destination-user'], rule['dial-rule-parameter']) == ('', 'X')


# -- changing the platform between runs (/_sim/remove, /_sim/move-domain) ------------------------

def _changed_sim(dataset):
    """A simulator of its own: these calls change the records, which the shared one must keep."""
    return NetSapiensSimulator(dataset)


def test_remove_takes_exactly_the_named_records_and_a_domain_takes_its_users(dataset):
    ns = dataset['netsapiens']
    domain = ns['domains'][0]['domain']
    other = ns['domains'][-1]['domain']
    user = next(u for u in ns['users'] if u['domain'] == other)
    reseller = ns['resellers'][-1]['reseller']
    with _changed_sim(dataset) as server:
        removal = {'resellers': [reseller], 'domains': [domain], 'users': ['%s@%s' % (user['user'], other)]}
        answer = requests.post(server.url + '/_sim/remove', json=removal, timeout=5)
        assert answer.status_code == 200, answer.text
        token = login(server)['access_token']
        domains = [d['domain'] for d in get(server, '/domains', token, limit=1000).json()]
        assert domains == [d['domain'] for d in ns['domains'] if d['domain'] != domain]
        assert [r['reseller'] for r in get(server, '/resellers', token).json()] == [
            r['reseller'] for r in ns['resellers'] if r['reseller'] != reseller]
        assert get(server, '/domains/%s/users' % domain, token).status_code == 404
        left = [u['user'] for u in get(server, '/domains/%s/users' % other, token, limit=1000).json()]
        assert left == [u['user'] for u in ns['users'] if u['domain'] == other and u['user'] != user['user']]
        assert domain not in [c['domain'] for c in get(server, '/connections', token, limit=1000).json()]
        assert requests.get(server.url + '/_sim/stats', timeout=5).json()['writes'] == {}


def test_remove_of_an_unknown_name_is_404_and_removes_nothing(dataset):
    ns = dataset['netsapiens']
    with _changed_sim(dataset) as server:
        removal = {'domains': [ns['domains'][0]['domain'], 'nowhere.example'], 'users': ['nobody@nowhere.example']}
        answer = requests.post(server.url + '/_sim/remove', json=removal, timeout=5)
        assert answer.status_code == 404
        assert 'nowhere.example' in answer.json()['message'] and 'nobody@nowhere.example' in answer.json()['message']
        assert len(requests.get(server.url + '/_sim/state', timeout=5).json()['domains']) == len(ns['domains'])


def test_move_domain_gives_it_another_reseller(dataset):
    ns = dataset['netsapiens']
    domain = ns['domains'][0]['domain']
    target = ns['resellers'][-1]['reseller']
    assert ns['domains'][0]['reseller'] != target
    with _changed_sim(dataset) as server:
        assert requests.post(server.url + '/_sim/move-domain', json={'domain': domain, 'reseller': target}, timeout=5).status_code == 200
        token = login(server)['access_token']
        moved = [d for d in get(server, '/domains', token, limit=1000).json() if d['domain'] == domain]
        assert [d['reseller'] for d in moved] == [target]
        assert requests.post(server.url + '/_sim/move-domain', json={'domain': 'nowhere.example', 'reseller': target},
                             timeout=5).status_code == 404
        assert requests.post(server.url + '/_sim/move-domain', json={'domain': domain, 'reseller': 'No Such Reseller'},
                             timeout=5).status_code == 404


# -- the unkind defaults (issue 24), each shown to take effect ------------------------------------------------

def test_by_default_lists_leave_the_stored_order_and_some_routes_serve_fewer_than_the_limit():
    dataset = D.make_dataset(resellers=2, domains=80, users=200, seed=5)
    with netsapiens.NetSapiensSimulator(dataset) as sim:
        token = requests.post(sim.url + '/ns-api/oauth2/token/', timeout=10, data={
            'grant_type': 'password', 'client_id': D.NS_CLIENT_ID, 'client_secret': D.NS_CLIENT_SECRET,
            'username': D.NS_USERNAME, 'password': D.NS_PASSWORD}).json()['access_token']
        headers = {'Authorization': 'Bearer ' + token}
        domains = requests.get(sim.url + '/ns-api/v2/domains', params={'limit': 500}, headers=headers, timeout=10).json()
        assert len(domains) == 61   # fewer than asked while more remain
        assert [d['domain'] for d in domains] != [d['domain'] for d in dataset['netsapiens']['domains'][:61]]
        stats = requests.get(sim.url + '/_sim/stats', timeout=10).json()
        assert stats['behaviours'] == {'route_page_cap': 1, 'reordered': 1} and stats['faults_fired'] == {}


def _unkind_token(sim):
    return requests.post(sim.url + TOKEN_PATH, data=password_form(), timeout=10).json()['access_token']


def _all_domains(sim, token):
    found, start = [], 0
    while True:
        page = get(sim, '/domains', token, start=start, limit=1000).json()
        if not page:
            return found
        found += page
        start += len(page)


def test_by_default_counts_lag_the_list_by_one_admin_change_and_kind_counts_agree():
    dataset = D.make_dataset(resellers=2, domains=5, users=20, seed=5)
    names = [d['domain'] for d in dataset['netsapiens']['domains']]
    with netsapiens.NetSapiensSimulator(dataset) as sim:
        token = _unkind_token(sim)

        def totals():
            return (get(sim, '/domains/count', token).json()['total'],
                    v1(sim, token, 'domain', action='count').json()['total'],
                    get(sim, '/domains/%s/users/count' % names[1], token).json()['total'])

        users_of_1 = len([u for u in dataset['netsapiens']['users'] if u['domain'] == names[1]])
        assert totals() == (5, 5, users_of_1)   # no change yet: the counts agree with the lists
        assert requests.get(sim.url + '/_sim/stats', timeout=10).json()['behaviours'].get('count_lag') is None
        assert requests.post(sim.url + '/_sim/remove', json={'domains': [names[0]]}, timeout=10).status_code == 200
        assert len(_all_domains(sim, token)) == 4
        assert totals() == (5, 5, users_of_1)   # the count still sees the removed domain
        assert requests.get(sim.url + '/_sim/stats', timeout=10).json()['behaviours']['count_lag'] == 2
        added = {'user': '9999', 'domain': names[1], 'name-first-name': 'A', 'name-last-name': 'B'}
        assert requests.post(sim.url + '/_sim/users', json={'users': [added]}, timeout=10).json()['added'] == 1
        # One change later the counts see the removal, not yet the new user.
        assert totals() == (4, 4, users_of_1)
        assert len(get(sim, '/domains/%s/users' % names[1], token, limit=1000).json()) == users_of_1 + 1
    with netsapiens.NetSapiensSimulator(dataset, config={'count_lag': netsapiens.KIND['count_lag']}) as sim:
        token = _unkind_token(sim)
        assert requests.post(sim.url + '/_sim/remove', json={'domains': [names[0]]}, timeout=10).status_code == 200
        assert get(sim, '/domains/count', token).json()['total'] == 4
        assert v1(sim, token, 'domain', action='count').json()['total'] == 4
        assert requests.get(sim.url + '/_sim/stats', timeout=10).json()['behaviours'].get('count_lag') is None


def test_by_default_optional_fields_without_a_value_are_left_out_or_null_and_kind_answers_them_as_stored():
    dataset = D.make_dataset(resellers=1, domains=1, users=6, system_users=1, seed=5)
    domain = dataset['netsapiens']['domains'][0]['domain']
    required = netsapiens.ANSWER_REQUIRED['users']
    with netsapiens.NetSapiensSimulator(dataset, config={'order': 'stored'}) as sim:
        token = _unkind_token(sim)
        users = get(sim, '/domains/%s/users' % domain, token).json()
        stored = [u for u in dataset['netsapiens']['users'] if u['domain'] == domain]
        assert len(users) == len(stored) == 7
        for place, (answered, record) in enumerate(zip(users, stored)):
            assert all(answered[name] == record[name] for name in required if name in record)
            if record['service-code']:
                assert answered['service-code'] == record['service-code']   # a value is never lost
            elif place % 2 == 0:
                assert 'service-code' not in answered
            else:
                assert answered['service-code'] is None
        ordinary = len([u for u in stored if not u['service-code']])
        behaviours = requests.get(sim.url + '/_sim/stats', timeout=10).json()['behaviours']
        assert behaviours['optional_field_omitted'] + behaviours['optional_field_null'] == ordinary
        assert behaviours['optional_field_null'] >= 1 and behaviours['optional_field_omitted'] >= 1
    with netsapiens.NetSapiensSimulator(dataset, config={'optional_fields': netsapiens.KIND['optional_fields']}) as sim:
        users = get(sim, '/domains/%s/users' % domain, _unkind_token(sim)).json()
        assert all(u['service-code'] is not None for u in users) and '' in [u['service-code'] for u in users]
        assert 'optional_field_omitted' not in requests.get(sim.url + '/_sim/stats', timeout=10).json()['behaviours']
