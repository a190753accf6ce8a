# -*- coding: utf-8 -*-
# Copyright: (c) 2026, clearip.netsapiens contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""NetSapiens event subscriptions through the client: the paths, 409 as its own error, a create never made twice,
and the health of a subscription (the records' field names are tested in test_netsapiens_records.py)."""

from __future__ import absolute_import, division, print_function

import pytest

from ansible_collections.clearip.netsapiens.plugins.module_utils._control import RunStopped
from ansible_collections.clearip.netsapiens.plugins.module_utils._http import OutcomeUnknown
from ansible_collections.clearip.netsapiens.plugins.module_utils._netsapiens import NetSapiensClient
from ansible_collections.clearip.netsapiens.plugins.module_utils._netsapiens_records import format_subscription_time
from ansible_collections.clearip.netsapiens.plugins.module_utils._netsapiens_subscriptions import (
    NetSapiensSubscriptionExists, Subscriptions, read_health, subscription_health, subscriptions_path)
from tests.unit.plugins.module_utils.test_netsapiens_dialrules import API_KEY, ScriptedHttp

LIST = '/ns-api/v2/subscriptions'
POST_URL = 'https://eda.example/netsapiens/s3cret'
FIELDS = {'model': 'subscriber', 'post_url': POST_URL, 'reseller': '*', 'domain': '*', 'user': '*',
          'expires': '2030-01-01 00:00:00'}


def wire(sub_id, **fields):
    record = {'id': sub_id, 'model': 'subscriber', 'post-url': POST_URL, 'reseller': '*', 'domain': '*', 'user': '*'}
    record.update(fields)
    return record


def client(answers):
    http = ScriptedHttp(answers)
    return Subscriptions(NetSapiensClient('pbx.example.com', api_key=API_KEY, http=http, api_version='v2')), http


def test_paths_quote_the_domain_and_id():
    assert subscriptions_path() == '/ns-api/v2/subscriptions'
    assert subscriptions_path('d 1/x', 'a/b') == '/ns-api/v2/domains/d%201%2Fx/subscriptions/a%2Fb'


def test_a_create_sends_the_schema_names_and_returns_the_servers_record():
    answer = wire('a1', **{'subscription-expires-datetime': '2030-01-01 00:00:00', 'status': 'pending', 'error-count': 0})
    subs, http = client({('POST', LIST): [(200, answer)]})
    made = subs.create(dict(FIELDS, preferred_server='core1'))
    assert http.calls[0]['json'] == {'model': 'subscriber', 'post-url': POST_URL, 'reseller': '*', 'domain': '*', 'user': '*',
                                     'subscription-expires-datetime': '2030-01-01 00:00:00', 'preferred-server': 'core1'}
    assert http.calls[0]['idempotent'] is False
    assert (made['id'], made['expires'], made['status'], made['error_count']) == ('a1', '2030-01-01 00:00:00', 'pending', 0)


def test_409_is_its_own_error_naming_the_path_and_the_servers_message():
    subs, _http = client({('POST', LIST): [(409, {'code': 409, 'message': 'Subscription already exists'})]})
    with pytest.raises(NetSapiensSubscriptionExists) as caught:
        subs.create(FIELDS)
    assert caught.value.status == 409
    assert 'HTTP 409 on POST /ns-api/v2/subscriptions' in caught.value.message
    assert 'already exists (Subscription already exists)' in caught.value.message


def test_create_once_takes_409_as_present_without_a_second_create():
    subs, http = client({('POST', LIST): [(409, {'code': 409, 'message': 'exists'})]})
    assert subs.create_once(FIELDS) == (None, True)
    assert http.methods() == [('POST', LIST)]


def test_create_once_after_an_unknown_outcome_looks_first_and_does_not_create_again_when_it_happened():
    lost = OutcomeUnknown('POST failed after the request was sent', method='POST', url=LIST)
    subs, http = client({('POST', LIST): [lost], ('GET', LIST): [(200, [wire('other', reseller='R9'), wire('a1')])]})
    made, conflict = subs.create_once(FIELDS)
    assert made['id'] == 'a1' and conflict is False   # the one with the same filters, not the other
    assert http.methods() == [('POST', LIST), ('GET', LIST)]


def test_create_once_after_an_unknown_outcome_creates_again_when_it_did_not_happen():
    lost = OutcomeUnknown('POST answered HTTP 503', status=503, method='POST', url=LIST)
    subs, http = client({('POST', LIST): [lost, (201, wire('a2'))], ('GET', LIST): [(200, [])]})
    assert subs.create_once(FIELDS)[0]['id'] == 'a2'
    assert http.methods() == [('POST', LIST), ('GET', LIST), ('POST', LIST)]


def test_create_once_after_a_409_on_the_second_try_is_present():
    lost = OutcomeUnknown('POST answered HTTP 503', status=503, method='POST', url=LIST)
    subs, _http = client({('POST', LIST): [lost, (409, {'code': 409})], ('GET', LIST): [(200, [])]})
    assert subs.create_once(FIELDS) == (None, True)


def test_create_once_reads_back_a_create_answered_without_a_record():
    subs, http = client({('POST', LIST): [(202, '')], ('GET', LIST): [(200, [wire('a3')])]})
    assert subs.create_once(FIELDS)[0]['id'] == 'a3'
    assert http.methods() == [('POST', LIST), ('GET', LIST)]


def test_find_matches_model_post_url_and_the_filters_given():
    subs, _http = client({('GET', LIST): [(200, [wire('a1'), wire('a2', reseller='R1'), wire('a3', model='call'),
                                                 wire('a4', **{'post-url': POST_URL + 'x'})])]})
    assert [s['id'] for s in subs.find(None, 'subscriber', POST_URL)] == ['a1', 'a2']
    assert [s['id'] for s in subs.find(None, 'subscriber', POST_URL, {'reseller': 'R1'})] == ['a2']


def test_health_up_and_each_way_events_stop_flowing():
    now = 1000000.0
    good = {'id': 'a1', 'status': 'active', 'error_count': 0, 'posts_count': 5, 'current_active_server': 'core1',
            'expires': format_subscription_time(now + 36 * 3600), 'preferred_server': ''}
    up = subscription_health(good, now, POST_URL)
    assert up['up'] is True and up['problem'] == '' and up['hours_left'] == 36.0
    assert sorted(up) == ['current_active_server', 'error_count', 'expires', 'hours_left', 'posts_count', 'problem', 'status', 'up']
    pending = subscription_health(dict(good, status='pending', posts_count=0), now, POST_URL)
    assert pending['up'] is True   # nothing to send yet is not a fault
    error = subscription_health(dict(good, status='error', error_count=4), now, POST_URL)
    assert error['up'] is False and '4 of its 5 posts failed' in error['problem']
    assert 'GET /ns-api/v2/subscriptions/a1' in error['problem'] and 's3cret' not in error['problem']
    idle = subscription_health(dict(good, current_active_server='', preferred_server='core9'), now, POST_URL, 'd1')
    assert 'no current-active-server' in idle['problem'] and 'preferred server core9' in idle['problem']
    assert 'GET /ns-api/v2/domains/d1/subscriptions/a1' in idle['problem']
    expired = subscription_health(dict(good, expires=format_subscription_time(now - 3600)), now, POST_URL)
    assert expired['up'] is False and expired['hours_left'] == -1.0 and 'expired at' in expired['problem']
    unknown = subscription_health(dict(good, status='', error_count=None, posts_count=None, current_active_server=''), now, POST_URL)
    assert unknown['up'] is False and unknown['error_count'] is None
    assert subscription_health({}, now, POST_URL, planned=True)['up'] is False
    unlisted = subscription_health({}, now, POST_URL, unlisted=True)
    assert 'answered HTTP 409' in unlisted['problem'] and 'Super User' in unlisted['problem']
    assert all('s3cret' not in health['problem'] for health in (error, idle, expired, unknown, unlisted))


def test_read_health_reports_the_subscription_as_listed_with_one_read_and_no_write():
    now = 1000000.0
    listed = wire('a1', **{'subscription-expires-datetime': format_subscription_time(now - 7200), 'status': 'active',
                           'error-count': 0, 'posts-count': 9, 'current-active-server': 'core1'})
    subs, http = client({('GET', LIST): [(200, [wire('a0', model='call'), listed])]})
    health = read_health(subs.client, POST_URL, now)
    # As it is: expired two hours ago (the module in check mode would have planned a renewal and called it up).
    assert health['up'] is False and health['hours_left'] == -2.0 and 'expired at' in health['problem']
    assert http.methods() == [('GET', LIST)]
    up, http = client({('GET', LIST): [(200, [dict(listed, **{'subscription-expires-datetime': format_subscription_time(now + 3600)})])]})
    assert read_health(up.client, POST_URL, now)['up'] is True


def test_read_health_of_none_listed_says_how_to_register_it_and_reads_under_the_scope_domain():
    subs, http = client({('GET', '/ns-api/v2/domains/d1/subscriptions'): [(200, [wire('a1', **{'post-url': POST_URL + 'x'})])]})
    health = read_health(subs.client, POST_URL, 1000000.0, scope_domain='d1')
    assert health['up'] is False and 'is registered' in health['problem'] and 'events entry point' in health['problem']
    assert 'GET /ns-api/v2/domains/d1/subscriptions' in health['problem'] and 's3cret' not in health['problem']
    assert http.methods() == [('GET', '/ns-api/v2/domains/d1/subscriptions')]


def test_read_health_never_raises_for_an_answer_but_lets_a_stopped_run_through():
    subs, _http = client({('GET', LIST): [(403, {'message': 'forbidden'})]})
    health = read_health(subs.client, POST_URL, 1000000.0)
    assert health['up'] is False and health['problem'].startswith('reading the event subscription for ')
    assert 'HTTP 403' in health['problem'] and 's3cret' not in health['problem']
    assert health['status'] is None and health['hours_left'] is None
    garbled, _http = client({('GET', LIST): [(200, {'not': 'a list'})]})
    assert 'a list of subscriptions was expected' in read_health(garbled.client, POST_URL, 1000000.0)['problem']
    stopped, _http = client({('GET', LIST): [RunStopped('the run was cancelled by SIGTERM', True)]})
    with pytest.raises(RunStopped):
        read_health(stopped.client, POST_URL, 1000000.0)
