# -*- coding: utf-8 -*-
# Copyright: (c) 2026, clearip.netsapiens contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""ClearIPClient.sip_messages against the ClearIP simulator (window, paging, limit) and classify_user_ids."""

from __future__ import annotations

import json

import pytest
import requests

from ansible_collections.clearip.netsapiens.plugins.module_utils import clearip
from ansible_collections.clearip.netsapiens.plugins.module_utils.clearip import ClearIPClient, ClearIPError, classify_user_ids
from ansible_collections.clearip.netsapiens.plugins.module_utils.http_session import HttpResponse
from tests.simulators.clearip import ClearIPSimulator

OP_A = '11111111-1111-4111-8111-111111111111'
OP_B = '22222222-2222-4222-8222-222222222222'
EMAIL = 'api@clearip.example'
MULTI = 'multi@clearip.example'
PASSWORD = 'Unit-Passw0rd-4417'
BASE = 1700000000000


def message(offset_s, user_id=None, operator=None, call=None):
    found = {'timestamp': BASE + offset_s * 1000, 'requestedCallingNumber': '+12025550100', 'sbcIp': '198.51.100.7',
             'callId': call or 'call-%d' % offset_s}
    if user_id is not None:
        found['userId'] = user_id
    if operator is not None:
        found['operator'] = operator
    return found


def dataset(messages):
    return {'clearip': {
        'operators': [{'id': OP_A, 'name': 'Op A'}, {'id': OP_B, 'name': 'Op B'}],
        'accounts': [{'email': EMAIL, 'password': PASSWORD, 'state': 'active', 'operator': OP_A},
                     {'email': MULTI, 'password': PASSWORD, 'state': 'active', 'operator': None}],
        'sipMessages': messages,
    }}


# 0..9 seconds after BASE; one of them belongs to another operator
MESSAGES = [message(s, '%d@d1.example' % (100 + s)) for s in range(10)] + [message(5, 'other@d9.example', operator=OP_B, call='b-5')]


@pytest.fixture
def sim():
    with ClearIPSimulator(dataset=dataset(MESSAGES)) as server:
        yield server


def stats(server):
    return requests.get(server.url + '/_sim/stats', timeout=10).json()['requests']


def test_window_is_inclusive_newest_first_and_paged(sim):
    client = ClearIPClient(sim.url, EMAIL, PASSWORD, page_limit=3)
    found, truncated = client.sip_messages(BASE + 2000, BASE + 8000)
    assert [m['timestamp'] for m in found] == [BASE + s * 1000 for s in (8, 7, 6, 5, 4, 3, 2)]
    assert [m['userId'] for m in found][:2] == ['108@d1.example', '107@d1.example']
    assert truncated is False
    # 7 messages at 3 a page: 3 + 3 + 1, then one empty page ends the listing
    assert stats(sim)['GET /sipMessages'] == 4


def test_limit_returns_the_newest_and_says_more_were_there(sim):
    client = ClearIPClient(sim.url, EMAIL, PASSWORD, page_limit=4)
    found, truncated = client.sip_messages(BASE, BASE + 9000, limit=5)
    assert [m['timestamp'] for m in found] == [BASE + s * 1000 for s in (9, 8, 7, 6, 5)]
    assert truncated is True
    exact, truncated = client.sip_messages(BASE, BASE + 9000, limit=10)
    assert len(exact) == 10 and truncated is False


def test_short_pages_from_the_server_still_read_everything(sim):
    requests.post(sim.url + '/_sim/config', json={'page_cap': 2}, timeout=10).raise_for_status()
    client = ClearIPClient(sim.url, EMAIL, PASSWORD, page_limit=500)
    found, truncated = client.sip_messages(BASE, BASE + 9000)
    assert [m['timestamp'] for m in found] == [BASE + s * 1000 for s in range(9, -1, -1)]
    assert truncated is False


def test_multi_operator_account_sees_the_chosen_operator_only(sim):
    client = ClearIPClient(sim.url, MULTI, PASSWORD, operator='Op B')
    found, dummy = client.sip_messages(BASE, BASE + 9000)
    # messages without an operator are visible to every operator, as on the simulator
    assert len(found) == 11
    assert 'other@d9.example' in [m['userId'] for m in found]
    own, dummy = ClearIPClient(sim.url, EMAIL, PASSWORD).sip_messages(BASE, BASE + 9000)
    assert len(own) == 10 and 'other@d9.example' not in [m['userId'] for m in own]


class IgnoresSkip(object):
    """A session whose server returns the same page whatever the skip."""

    def __init__(self):
        self.params = []

    def request(self, method, path, params=None, **ignored):
        if path == clearip.LOGIN_PATH:
            return HttpResponse(200, {}, json.dumps({'token': 't'}), method=method, url='http://stub' + path)
        self.params.append(dict(params))
        body = {'sipMessages': [message(1, 'a@b'), message(0, 'c@d')]}
        return HttpResponse(200, {}, json.dumps(body), method=method, url='http://stub' + path)


def test_the_request_carries_the_documented_window_and_sort_and_a_repeating_page_stops_it():
    session = IgnoresSkip()
    client = ClearIPClient('http://stub', EMAIL, PASSWORD, session=session, page_limit=2)
    with pytest.raises(ClearIPError) as info:
        client.sip_messages(BASE, BASE + 60000)
    assert 'repeats the previous page' in str(info.value)
    assert session.params[0] == {'from': BASE, 'where[timestamp][>=]': BASE, 'where[timestamp][<=]': BASE + 60000,
                                 'limit': 2, 'skip': 0, 'sort': 'timestamp DESC'}
    assert session.params[1]['skip'] == 2


USERS = [{'id': 'u1', 'name': '100@d1.example', 'userId': '100@d1.example'},
         {'id': 'u2', 'name': '101@d1.example', 'userId': '101@d1.example'},
         {'id': 'u3', 'name': 'default', 'userId': ''}]


def test_classify_counts_matched_unknown_and_none():
    messages = [{'userId': '100@d1.example'}, {'userId': '100@d1.example'}, {'userId': '101@d1.example'},
                {'userId': '999@d1.example'}, {'userId': '998@d1.example'}, {'userId': '999@d1.example'},
                {'userId': ''}, {'userId': '   '}, {}, {'userId': None}, {'userId': '100@D1.example'}]
    assert classify_user_ids(messages, USERS) == {
        'messages': 11,
        'matched': 3,
        'unknown': 4,
        'none': 4,
        'matched_users': 2,
        'provisioned_user_ids': 2,
        'unknown_user_ids': [{'user_id': '999@d1.example', 'count': 2}, {'user_id': '100@D1.example', 'count': 1},
                             {'user_id': '998@d1.example', 'count': 1}],
        'unknown_user_ids_total': 3,
    }


def test_classify_shows_at_most_fifty_unknown_ids_but_counts_them_all():
    messages = [{'userId': 'x%03d@d.example' % n} for n in range(60)]
    result = classify_user_ids(messages, [])
    assert result['unknown'] == 60 and result['matched'] == 0 and result['none'] == 0
    assert len(result['unknown_user_ids']) == 50 and result['unknown_user_ids_total'] == 60
    assert result['unknown_user_ids'][0] == {'user_id': 'x000@d.example', 'count': 1}
