# -*- coding: utf-8 -*-
# Copyright: (c) 2026, clearip.netsapiens contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The check of NetSapiens requests against the published API v2 description (tests/contract/netsapiens_v2.py),
alone and inside the simulator: what it allows, what it refuses, and that it never quotes a secret."""

import json
import time

import pytest
import requests

from tests.contract import netsapiens_v2 as contract
from tests.simulators import dataset as D
from tests.simulators.netsapiens import NetSapiensSimulator

JSON = {'Content-Type': 'application/json', 'Authorization': 'Bearer <token>'}
AUTH = {'Authorization': 'Bearer <token>'}


def check(method, path, query=(), headers=None, body=None):
    data = json.dumps(body).encode('utf-8') if body is not None else b''
    return contract.check(method, path, list(query), AUTH if headers is None else headers, data)


def test_the_description_is_the_published_one():
    spec = contract.description()
    assert spec['openapi'] == '3.1.0' and spec['info']['title'] == 'NetSapiens API v2'
    assert spec['servers'][0]['url'] == 'https://{server}/ns-api/v2'
    assert '/subscriptions' in spec['paths'] and '/tokens#1' in spec['paths']


@pytest.mark.parametrize('method, path, query, body', [
    ('GET', '/ns-api/v2/domains', [('start', '0'), ('limit', '1000')], None),
    ('GET', '/ns-api/v2/domains/d1.example/users', [('start', '500'), ('limit', '500')], None),
    ('GET', '/ns-api/v2/domains/count', [], None),
    ('GET', '/ns-api/v2/connections', [('domain', 'd1.example')], None),
    ('POST', '/ns-api/v2/subscriptions', [], {'model': 'subscriber', 'post-url': 'https://e.example/t', 'reseller': '*',
                                              'subscription-expires-datetime': '2030-01-01 00:00:00',
                                              'preferred-server': 'core1.example'}),
    ('PUT', '/ns-api/v2/domains/d1.example/subscriptions/abc', [], {'subscription-expires-datetime': '2030-01-01 00:00:00'}),
    ('DELETE', '/ns-api/v2/subscriptions/abc', [], None),
    ('POST', '/ns-api/v2/domains/d1.example/dialplans/p/dialrules', [], {
        'synchronous': 'yes', 'dial-rule-matching-to-uri': 'sip:*@*', 'dial-rule-translation-destination-user': '[*]'}),
])
def test_allowed(method, path, query, body):
    checked = check(method, path, query, JSON if body is not None else AUTH, body)
    assert checked.errors == [] and checked.outside is None


@pytest.mark.parametrize('method, path, query, body, expected', [
    # The names of issue 20: not fields of the schema Subscription.
    ('POST', '/ns-api/v2/subscriptions', [], {'model': 'subscriber', 'post-url': 'https://e.example/t',
                                              'expires': '2030-01-01 00:00:00'}, "'expires' was unexpected"),
    ('PUT', '/ns-api/v2/subscriptions/abc', [], {'server_preferred': 'core1'}, "'server_preferred' was unexpected"),
    ('POST', '/ns-api/v2/subscriptions', [], {'model': 'calls', 'post-url': 'https://e.example/t'}, 'is not one of'),
    ('GET', '/ns-api/v2/domains', [('limit', '5000')], None, 'maximum of 1000'),
    ('GET', '/ns-api/v2/domains', [('start', '-1')], None, 'minimum of 0'),
    ('GET', '/ns-api/v2/no/such/route', [], None, 'Path not found'),
    ('PATCH', '/ns-api/v2/domains', [], None, 'Operation patch not found'),
    ('GET', '/ns-api/oauth2/token/', [], None, 'neither in the API v2 description nor allowed by name'),
    ('POST', '/ns-api/v2/domains/d1.example/dialplans/p/dialrules', [], {'dial-rule-matching-to-uri': 'sip:*@*'},
     "'synchronous' is a required property"),
])
def test_refused(method, path, query, body, expected):
    checked = check(method, path, query, JSON if body is not None else AUTH, body)
    assert checked.refused and expected in ' '.join(checked.errors), checked.errors


def test_a_call_without_a_bearer_token_is_refused():
    assert 'Security' in ' '.join(check('GET', '/ns-api/v2/domains/count', headers={}).errors)


def test_outside_the_description_only_the_two_named_endpoints():
    legacy = contract.check('POST', '/ns-api/oauth2/token/', [], {'Content-Type': 'application/x-www-form-urlencoded'},
                            b'grant_type=password&client_id=a')
    v1 = contract.check('POST', '/ns-api/', [('object', 'domain'), ('action', 'read')], AUTH, b'')
    assert legacy.outside and v1.outside and not legacy.errors and not v1.errors
    assert legacy.key == ('POST', '/ns-api/oauth2/token/', (), ('client_id', 'grant_type'))
    assert set(contract.OUTSIDE_DESCRIPTION) == {('POST', '/ns-api/oauth2/token/'), ('POST', '/ns-api/')}


def test_token_grants_use_the_folded_variants_and_the_erratum():
    fields = {'client_id': 'c', 'client_secret': 's'}
    password = check('POST', '/ns-api/v2/tokens', headers={'Content-Type': 'application/json'},
                     body=dict(fields, grant_type='password', username='u', password='p'))
    refresh = check('POST', '/ns-api/v2/tokens', headers={'Content-Type': 'application/json'},
                    body=dict(fields, grant_type='refresh_token', refresh_token='r'))
    assert password.errors == [] and refresh.errors == []
    # Without the erratum the published description refuses the password grant: only MFA and refresh are left.
    spec = contract.fold_variants(contract.description())
    bodies = spec['paths']['/tokens']['post']['requestBody']['content']['application/json']['schema']['anyOf']
    assert len(bodies) == 3 and not any(b.get('$ref') == '#/components/schemas/AuthRequest' for b in bodies)


def test_an_error_never_quotes_the_body():
    checked = check('POST', '/ns-api/v2/tokens', headers={'Content-Type': 'application/json'},
                    body={'grant_type': 'password', 'client_id': 'c', 'password': 'sekret-password-value'})
    assert checked.refused and 'sekret-password-value' not in ' '.join(checked.errors)


def test_undeclared_query_parameters_are_noted_and_refused_when_strict():
    loose = check('GET', '/ns-api/v2/resellers', [('start', '0'), ('limit', '500')])
    assert loose.errors == [] and loose.undeclared == ('limit', 'start')
    strict = contract.check('GET', '/ns-api/v2/resellers', [('start', '0'), ('limit', '500')], AUTH, b'', strict_query=True)
    assert 'does not declare' in ' '.join(strict.errors)


def test_checks_are_cheap_once_the_description_is_read():
    check('GET', '/ns-api/v2/domains/count')
    started = time.perf_counter()
    for index in range(50):
        check('GET', '/ns-api/v2/domains/d%d.example/users' % index, [('start', '0'), ('limit', '500')])
    per_request = (time.perf_counter() - started) / 50
    print('contract check: %.1f ms per distinct request' % (per_request * 1000))


def test_the_simulator_records_and_reports_but_answers_as_before():
    dataset = {'netsapiens': dict(D.make_dataset(resellers=1, domains=2, users=2, seed=1)['netsapiens'])}
    key = {'Authorization': 'Bearer ' + D.NS_API_KEY}
    with NetSapiensSimulator(dataset, config={'contract_validation': True}) as sim:
        assert requests.get(sim.url + '/ns-api/v2/domains', params={'limit': 10}, headers=key, timeout=5).status_code == 200
        bad = requests.post(sim.url + '/ns-api/v2/subscriptions', headers=key, timeout=5,
                            json={'model': 'subscriber', 'post-url': 'https://e.example/t', 'expires': '2030-01-01 00:00:00'})
        assert bad.status_code == 400   # the simulator's own answer; the check only records
        report = requests.get(sim.url + '/_sim/contract', timeout=5).json()
    assert report['enabled'] is True
    assert 'GET /ns-api/v2/domains ?limit' in report['checked']
    assert [item['request'] for item in report['refused']] == [
        'POST /ns-api/v2/subscriptions {expires, model, post-url}']
    assert list(sim.contract_refused.values())[0].errors


def test_the_simulator_checks_nothing_unless_asked():
    with NetSapiensSimulator() as sim:
        requests.get(sim.url + '/ns-api/v2/no/such/route', timeout=5)
        assert sim.contract_checked == {} and sim.contract_refused == {}
