# -*- coding: utf-8 -*-
# Copyright: (c) 2026, clearip.netsapiens contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The benchmark's indexed simulators (tests/perf/simulators.py) answer exactly as the plain ones."""

from __future__ import annotations

import requests

from tests.perf.simulators import IndexedClearIPSimulator, IndexedNetSapiensSimulator
from tests.simulators import clearip, netsapiens
from tests.simulators.clearip import ClearIPSimulator
from tests.simulators.dataset import make_dataset, vendor_config
from tests.simulators.netsapiens import NetSapiensSimulator

TIMEOUT = 10
DATASET = make_dataset(resellers=3, domains=12, users=150, seed=7,
                       clearip_existing={'service_providers': 3, 'groups': 12, 'users': 90})


def answers(ns_class, cip_class, extra_users=()):
    """What one simulator pair answers to the benchmark's kinds of requests, as (status, body) pairs."""
    seen = []
    # the indexed ones default to the kind behaviours (tests/perf/simulators.py); the plain ones are asked for them
    with ns_class(dataset=DATASET, config=dict(netsapiens.KIND)) as ns, cip_class(dataset=DATASET, config=dict(clearip.KIND)) as cip:
        config = vendor_config(DATASET, ns.url, cip.url)
        conf = config['netsapiens']
        token = requests.post(ns.url + '/ns-api/oauth2/token/', timeout=TIMEOUT, data={
            'grant_type': 'password', 'client_id': conf['clientId'], 'client_secret': conf['clientSecret'],
            'username': conf['username'], 'password': conf['password']}).json()['access_token']
        ns_auth = {'Authorization': 'Bearer %s' % token}
        domains = [d['domain'] for d in DATASET['netsapiens']['domains']]
        for domain in domains[:4] + ['no-such.example']:
            for start, limit in ((0, 5), (5, 5), (0, 1000), (100, 10)):
                answer = requests.get(ns.url + '/ns-api/v2/domains/%s/users' % domain, headers=ns_auth, timeout=TIMEOUT,
                                      params={'start': start, 'limit': limit})
                seen.append((answer.status_code, answer.json()))
        ns.users.append(dict(DATASET['netsapiens']['users'][0], user='9999'))   # a record added later is seen
        answer = requests.get(ns.url + '/ns-api/v2/domains/%s/users' % domains[0], headers=ns_auth, timeout=TIMEOUT,
                              params={'limit': 1000})
        seen.append((answer.status_code, answer.json()))

        login = requests.post(cip.url + '/auth/login', timeout=TIMEOUT,
                              json={'email': config['clearip']['email'], 'password': config['clearip']['password']})
        cip_auth = {'Authorization': 'Bearer %s' % login.json()['token']}

        def listing(kind, **params):
            answer = requests.get(cip.url + '/' + kind, headers=cip_auth, params=params, timeout=TIMEOUT)
            body = answer.json()
            for item in body.get(kind, []):
                item.pop('createdAt', None), item.pop('updatedAt', None)
                if item.get('comment') != 'pre-existing':
                    item.pop('id', None)   # made by a create: a fresh uuid in each simulator
            return answer.status_code, body

        for kind in ('serviceProviders', 'groups', 'users'):
            for skip, limit in ((0, 7), (7, 7), (0, 1000), (85, 20), (500, 5)):
                seen.append(listing(kind, sort='name ASC', skip=skip, limit=limit))
            seen.append(listing(kind, sort='name DESC', skip=3, limit=4))
            seen.append(listing(kind, sort='nosuchfield ASC'))
            seen.append(listing(kind, sort='name ASC', limit=0))
            seen.append(listing(kind, sort='name ASC', bogus=1))
        seen.append(listing('users', sort='name ASC', **{'where[name]': DATASET['clearip']['users'][5]['name']}))
        group = DATASET['clearip']['groups'][0]['id']
        for name in extra_users:
            created = requests.post(cip.url + '/users', headers=cip_auth, timeout=TIMEOUT,
                                    json={'user': {'name': name, 'userId': name, 'group': group}})
            assert created.status_code == 200
            seen.append(listing('users', sort='name ASC', skip=0, limit=1000))   # the cache follows the creates
    return seen


def test_indexed_simulators_answer_as_the_plain_ones():
    extra = ['0000@first.example', 'zzzz@last.example']
    plain = answers(NetSapiensSimulator, ClearIPSimulator, extra)
    indexed = answers(IndexedNetSapiensSimulator, IndexedClearIPSimulator, extra)
    assert len(plain) == len(indexed) == 51
    for index, (left, right) in enumerate(zip(plain, indexed)):
        assert left == right, index
    statuses = set(status for status, body in plain)
    assert statuses == {200, 400, 404}   # the error answers were compared too
    assert any(isinstance(body, dict) and len(body.get('users', [])) == 92 for status, body in plain)   # both creates listed
