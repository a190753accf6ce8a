# -*- coding: utf-8 -*-
# Copyright: (c) 2026, clearip.netsapiens contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The NetSapiens simulator's event subscriptions, over real HTTP: storage, filters, expiry and the posts."""

import calendar
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import requests

from tests.simulators import dataset as D
from tests.simulators.netsapiens import NetSapiensSimulator

V2 = '/ns-api/v2'
KEY = {'Authorization': 'Bearer ' + D.NS_API_KEY}


class Receiver(object):
    """A loopback HTTP server that records every post (path and JSON body)."""

    def __init__(self):
        self.posts = []
        self.lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 - the http.server name
                body = self.rfile.read(int(self.headers.get('Content-Length') or 0))
                with receiver.lock:
                    receiver.posts.append((self.path, json.loads(body.decode('utf-8'))))
                self.send_response(202)
                self.send_header('Content-Length', '0')
                self.end_headers()

            def log_message(self, *args):  # pylint: disable=arguments-differ
                pass

        self.httpd = ThreadingHTTPServer(('127.0.0.1', 0), Handler)
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()
        self.url = 'http://127.0.0.1:%d' % self.httpd.server_address[1]

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def sim():
    dataset = {'netsapiens': dict(D.make_dataset(resellers=2, domains=4, users=8, seed=3)['netsapiens'])}
    with NetSapiensSimulator(dataset) as server:
        yield server


@pytest.fixture
def receiver():
    found = Receiver()
    yield found
    found.close()


def domains(sim):
    return [d['domain'] for d in sim.domains]


def subscribe(sim, path=V2 + '/subscriptions', **body):
    return requests.post(sim.url + path, json=body, headers=KEY, timeout=5)


def add_users(sim, users):
    answer = requests.post(sim.url + '/_sim/users', json={'users': users}, timeout=5)
    assert answer.status_code == 200, answer.text
    sim.wait_for_events()
    return answer.json()


def test_create_list_read_update_delete(sim):
    made = subscribe(sim, model='subscriber', **{'post-url': 'http://127.0.0.1:9/x',
                                                 'subscription-expires-datetime': '2099-01-01 00:00:00',
                                                 'preferred-server': 'core2.sim.example'})
    assert made.status_code == 200
    record = made.json()
    assert record['reseller'] == record['domain'] == record['user'] == '*'
    # The schema's names, with what the server sets.
    assert record['subscription-expires-datetime'] == '2099-01-01 00:00:00'
    assert record['preferred-server'] == 'core2.sim.example'
    assert record['current-active-server'] == 'core1.sim.example'
    assert (record['status'], record['error-count'], record['posts-count']) == ('pending', 0, 0)
    assert time.strptime(record['subscription-creation-datetime'], '%Y-%m-%d %H:%M:%S')
    listed = requests.get(sim.url + V2 + '/subscriptions', headers=KEY, timeout=5).json()
    assert [x['id'] for x in listed] == [record['id']]
    path = sim.url + V2 + '/subscriptions/' + record['id']
    renewed = requests.put(path, json={'subscription-expires-datetime': '2099-02-01 00:00:00'}, headers=KEY, timeout=5)
    assert renewed.json()['subscription-expires-datetime'] == '2099-02-01 00:00:00'
    assert requests.get(path, headers=KEY, timeout=5).json()['subscription-expires-datetime'] == '2099-02-01 00:00:00'
    # The update schema has no filters.
    assert requests.put(path, json={'reseller': 'r1'}, headers=KEY, timeout=5).status_code == 400
    assert requests.delete(path, headers=KEY, timeout=5).status_code == 202
    assert requests.get(path, headers=KEY, timeout=5).status_code == 404
    assert requests.get(sim.url + V2 + '/subscriptions', headers=KEY, timeout=5).json() == []


def test_domain_route_forces_the_domain_and_knows_only_real_domains(sim):
    domain = domains(sim)[0]
    made = subscribe(sim, V2 + '/domains/%s/subscriptions' % domain, model='subscriber', domain='*',
                     **{'post-url': 'http://127.0.0.1:9/x'}).json()
    assert made['domain'] == domain
    assert [x['id'] for x in requests.get(sim.url + V2 + '/domains/%s/subscriptions' % domain, headers=KEY, timeout=5).json()] == [made['id']]
    assert requests.get(sim.url + V2 + '/domains/%s/subscriptions' % domains(sim)[1], headers=KEY, timeout=5).json() == []
    assert subscribe(sim, V2 + '/domains/nope.example/subscriptions', model='subscriber',
                     **{'post-url': 'http://127.0.0.1:9/x'}).status_code == 404


@pytest.mark.parametrize('body', [
    {'post-url': 'http://127.0.0.1:9/x'},
    {'model': 'subscriber'},
    {'model': 'calls', 'post-url': 'http://127.0.0.1:9/x'},
    {'model': 'subscriber', 'post-url': 'ftp://x'},
    {'model': 'subscriber', 'post-url': 'http://x', 'subscription-expires-datetime': 'tomorrow'},
    {'model': 'subscriber', 'post-url': 'http://x', 'subscription-expires-datetime': '2099-01-01T00:00:00Z'},
    {'model': 'subscriber', 'post-url': 'http://x', 'colour': 'red'},
    # The names an earlier version of the contract gave (the v1 name, and the one in a description example).
    {'model': 'subscriber', 'post-url': 'http://x', 'expires': '2099-01-01 00:00:00'},
    {'model': 'subscriber', 'post-url': 'http://x', 'server_preferred': 'core1.sim.example'},
    # Read-only fields, and counters in a create.
    {'model': 'subscriber', 'post-url': 'http://x', 'status': 'active'},
    {'model': 'subscriber', 'post-url': 'http://x', 'current-active-server': 'core1.sim.example'},
    {'model': 'subscriber', 'post-url': 'http://x', 'posts-count': 0},
    {'model': 'subscriber', 'post-url': 'http://x', 'subscription-geo-support': 'maybe'},
])
def test_bad_bodies_are_400(sim, body):
    assert subscribe(sim, **body).status_code == 400


def test_needs_authorization(sim):
    assert requests.get(sim.url + V2 + '/subscriptions', timeout=5).status_code == 401


def test_a_new_user_is_posted_to_each_matching_live_subscription(sim, receiver):
    first, second = domains(sim)[:2]
    subscribe(sim, model='subscriber', **{'post-url': receiver.url + '/all'})
    subscribe(sim, model='subscriber', domain=first, **{'post-url': receiver.url + '/first'})
    subscribe(sim, model='subscriber', reseller='other reseller', **{'post-url': receiver.url + '/other'})
    subscribe(sim, model='call', **{'post-url': receiver.url + '/calls'})
    subscribe(sim, model='subscriber', **{'post-url': receiver.url + '/expired',
                                          'subscription-expires-datetime': '2001-01-01 00:00:00'})
    answer = add_users(sim, [{'user': '900', 'domain': first}, {'user': '901', 'domain': second}])
    assert answer == {'added': 2, 'posts_pending': 2}
    # Every post is a JSON array of objects, as the vendor documents them.
    assert all(isinstance(body, list) for _path, body in receiver.posts)
    got = sorted((path, record['domain'], record['user']) for path, body in receiver.posts for record in body)
    assert got == sorted([('/all', first, '900'), ('/all', second, '901'), ('/first', first, '900')])
    state = requests.get(sim.url + '/_sim/state', timeout=5).json()
    assert [u['user'] for u in state['users'] if u['domain'] == first].count('900') == 1
    assert sorted(p['status'] for p in state['event_posts']) == [202, 202]
    held = dict((x['post-url'].rsplit('/', 1)[1], x) for x in state['subscriptions'])
    assert (held['all']['status'], held['all']['posts-count'], held['all']['error-count']) == ('active', 1, 0)
    assert (held['other']['status'], held['other']['posts-count']) == ('pending', 0)


def test_list_shape_and_no_second_copy_of_a_known_user(sim, receiver):
    subscribe(sim, model='subscriber', **{'post-url': receiver.url + '/all'})
    first = domains(sim)[0]
    assert add_users(sim, [{'user': '1', 'domain': first}, {'user': '2', 'domain': first}])['posts_pending'] == 1
    assert [len(body) for _path, body in receiver.posts] == [2]
    assert add_users(sim, [{'user': '1', 'domain': first}]) == {'added': 0, 'posts_pending': 0}
    assert len(receiver.posts) == 1


def test_record_shape_posts_bare_objects(sim, receiver):
    sim.config['event_post_shape'] = 'record'
    subscribe(sim, model='subscriber', **{'post-url': receiver.url + '/all'})
    first = domains(sim)[0]
    assert add_users(sim, [{'user': '1', 'domain': first}, {'user': '2', 'domain': first}])['posts_pending'] == 2
    assert sorted(body['user'] for _path, body in receiver.posts) == ['1', '2']


def test_an_unreachable_post_url_is_recorded_not_fatal_and_counted_as_an_error(sim):
    subscribe(sim, model='subscriber', **{'post-url': 'http://127.0.0.1:9/nothing-listens'})
    add_users(sim, [{'user': '5', 'domain': domains(sim)[0]}])
    state = requests.get(sim.url + '/_sim/state', timeout=5).json()
    assert len(state['event_posts']) == 1 and 'error' in state['event_posts'][0]
    listed = requests.get(sim.url + V2 + '/subscriptions', headers=KEY, timeout=5).json()
    assert [(x['status'], x['error-count'], x['posts-count']) for x in listed] == [('error', 1, 1)]
    # The description allows resetting the counters to 0, and nothing else.
    path = sim.url + V2 + '/subscriptions/' + listed[0]['id']
    assert requests.put(path, json={'error-count': 0, 'posts-count': 0}, headers=KEY, timeout=5).json()['error-count'] == 0
    assert requests.put(path, json={'error-count': 3}, headers=KEY, timeout=5).status_code == 400


def test_a_post_answered_above_302_is_an_error(sim):
    server = ThreadingHTTPServer(('127.0.0.1', 0), type('Refuse', (BaseHTTPRequestHandler,), {
        'do_POST': lambda self: (self.rfile.read(int(self.headers.get('Content-Length') or 0)), self.send_response(404),
                                 self.send_header('Content-Length', '0'), self.end_headers()),
        'log_message': lambda self, *args: None}))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        subscribe(sim, model='subscriber', **{'post-url': 'http://127.0.0.1:%d/x' % server.server_address[1]})
        add_users(sim, [{'user': '5', 'domain': domains(sim)[0]}])
    finally:
        server.shutdown()
        server.server_close()
    held = requests.get(sim.url + V2 + '/subscriptions', headers=KEY, timeout=5).json()
    assert [(x['status'], x['error-count'], x['posts-count']) for x in held] == [('error', 1, 1)]


def test_without_an_active_server_nothing_is_posted(sim, receiver):
    sim.config['subscription_active_server'] = ''
    made = subscribe(sim, model='subscriber', **{'post-url': receiver.url + '/all'}).json()
    assert made['current-active-server'] == ''
    assert add_users(sim, [{'user': '7', 'domain': domains(sim)[0]}]) == {'added': 1, 'posts_pending': 0}
    assert receiver.posts == []


def test_the_same_subscription_twice_is_409(sim):
    body = {'model': 'subscriber', 'post-url': 'http://127.0.0.1:9/x'}
    assert subscribe(sim, **body).status_code == 200
    again = subscribe(sim, **body)
    assert again.status_code == 409 and again.json()['code'] == 409
    # Another filter is another subscription.
    assert subscribe(sim, reseller='R1', **body).status_code == 200
    assert len(requests.get(sim.url + V2 + '/subscriptions', headers=KEY, timeout=5).json()) == 2


def _utc(text):
    return calendar.timegm(time.strptime(text, '%Y-%m-%d %H:%M:%S'))


def test_without_an_expiry_it_expires_with_the_access_token(sim):
    sim.config['token_lifetime'] = 3600
    grant = requests.post(sim.url + V2 + '/tokens', json={
        'grant_type': 'password', 'client_id': D.NS_CLIENT_ID, 'client_secret': D.NS_CLIENT_SECRET,
        'username': D.NS_USERNAME, 'password': D.NS_PASSWORD}, timeout=5).json()
    made = requests.post(sim.url + V2 + '/subscriptions', json={'model': 'subscriber', 'post-url': 'http://127.0.0.1:9/x'},
                         headers={'Authorization': 'Bearer ' + grant['access_token']}, timeout=5).json()
    assert abs(_utc(made['subscription-expires-datetime']) - (time.time() + 3600)) < 60


def test_without_an_expiry_an_api_key_gives_20_years(sim):
    made = subscribe(sim, model='subscriber', **{'post-url': 'http://127.0.0.1:9/x'}).json()
    assert abs(_utc(made['subscription-expires-datetime']) - (time.time() + 20 * 365.25 * 86400)) < 86400


def test_an_expired_token_subscription_is_gone(sim):
    subscribe(sim, model='subscriber', **{'post-url': 'http://127.0.0.1:9/x',
                                          'subscription-expires-datetime': time.strftime('%Y-%m-%d %H:%M:%S',
                                                                                         time.gmtime(time.time() - 1))})
    assert requests.get(sim.url + V2 + '/subscriptions', headers=KEY, timeout=5).json() == []


def test_list_lag_hides_a_subscription_that_a_create_still_meets(sim):
    sim.config['subscription_list_lag'] = 1
    body = {'model': 'subscriber', 'post-url': 'http://127.0.0.1:9/x'}
    made = subscribe(sim, **body).json()
    assert requests.get(sim.url + V2 + '/subscriptions', headers=KEY, timeout=5).json() == []
    assert subscribe(sim, **body).status_code == 409
    assert [x['id'] for x in requests.get(sim.url + V2 + '/subscriptions', headers=KEY, timeout=5).json()] == [made['id']]


def test_expiry_is_utc(sim):
    soon = time.strftime('%Y-%m-%d %H:%M:%S', time.gmtime(time.time() + 120))
    subscribe(sim, model='subscriber', **{'post-url': 'http://127.0.0.1:9/x', 'subscription-expires-datetime': soon})
    assert len(requests.get(sim.url + V2 + '/subscriptions', headers=KEY, timeout=5).json()) == 1
