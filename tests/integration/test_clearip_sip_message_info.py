# -*- coding: utf-8 -*-
# Copyright: (c) 2026, clearip.netsapiens contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""clearip_sip_message_info through the real ansible-playbook, against SIP messages seeded in the ClearIP simulator."""

from __future__ import annotations

import json
import os
import stat
import time

from tests.integration.conftest import Sims, assert_no_secret

OP_A = '11111111-1111-4111-8111-111111111111'
OP_B = '22222222-2222-4222-8222-222222222222'
GROUP = 'bbbbbbbb-0000-4000-8000-000000000001'
EMAIL = 'api@clearip.example'
PASSWORD = 'SipInfo-Passw0rd-5520'
BASE = 1767225600000   # 2026-01-01T00:00:00Z


def msg(offset_s, user_id=None, operator=None):
    found = {'timestamp': BASE + offset_s * 1000, 'callId': 'call-%d' % offset_s, 'sbcIp': '198.51.100.7',
             'requestedCallingNumber': '+12025550100'}
    if user_id is not None:
        found['userId'] = user_id
    if operator is not None:
        found['operator'] = operator
    return found


# In the window [BASE+10s, BASE+100s]: 4 matched (3 Users), 2 unknown (1 id twice), 3 none.
IN_WINDOW = [msg(10, '100@d1.example'), msg(20, '100@d1.example'), msg(30, '101@d1.example'), msg(40, '102@d1.example'),
             msg(50, '999@d1.example'), msg(60, '999@d1.example'), msg(70, ''), msg(80), msg(100, '  ')]
OUTSIDE = [msg(9, '100@d1.example'), msg(101, '100@d1.example'), msg(55, '100@d1.example', operator=OP_B)]


def dataset(messages):
    users = [{'name': uid, 'userId': uid, 'group': GROUP, 'operator': OP_A}
             for uid in ('100@d1.example', '101@d1.example', '102@d1.example', '103@d1.example')]
    return {'clearip': {
        'operators': [{'id': OP_A, 'name': 'Op A'}, {'id': OP_B, 'name': 'Op B'}],
        'accounts': [{'email': EMAIL, 'password': PASSWORD, 'state': 'active', 'operator': OP_A}],
        'serviceProviders': [{'id': 'aaaaaaaa-0000-4000-8000-000000000001', 'name': 'R1', 'operator': OP_A}],
        'groups': [{'id': GROUP, 'name': 'd1.example', 'serviceProvider': 'aaaaaaaa-0000-4000-8000-000000000001', 'operator': OP_A}],
        'users': users + [{'name': 'Default', 'userId': '', 'group': GROUP, 'operator': OP_A}],
        'sipMessages': messages,
    }}


PLAYBOOK = '''
- hosts: localhost
  gather_facts: false
  tasks:
    - name: Read
      clearip.netsapiens.clearip_sip_message_info:
        url: "{{ cip.url }}"
        email: "{{ cip.email }}"
        password: "{{ cip.password }}"
        minutes: "{{ minutes | default(omit) }}"
        from_ms: "{{ from_ms | default(omit) }}"
        to_ms: "{{ to_ms | default(omit) }}"
        limit: "{{ limit | default(omit) }}"
        page_size: "{{ page_size | default(omit) }}"
        match_users: "{{ match_users | default(omit) }}"
        dest: "{{ dest | default(omit) }}"
      register: result
      ignore_errors: true
    - name: Save
      ansible.builtin.copy:
        content: "{{ result | to_json }}"
        dest: "{{ out_dir }}/result.json"
        mode: "0600"
      check_mode: false
'''


def cip(sims):
    return {'url': sims.clearip.url, 'email': EMAIL, 'password': PASSWORD}


def test_window_paging_and_user_id_figures_are_exact(sims, playbook):
    s = sims(dataset(IN_WINDOW + OUTSIDE))
    run = playbook(PLAYBOOK, extra_vars={'cip': cip(s), 'from_ms': BASE + 10000, 'to_ms': BASE + 100000,
                                         'page_size': 4, 'match_users': True}, check=True)
    assert run.rc == 0, run
    result = run.out['result']
    assert result['failed'] is False and result['changed'] is False
    assert result['count'] == 9 and result['truncated'] is False
    assert result['window'] == {'from_ms': BASE + 10000, 'to_ms': BASE + 100000}
    assert [m['timestamp'] for m in result['sip_messages']] == [BASE + t * 1000 for t in (100, 80, 70, 60, 50, 40, 30, 20, 10)]
    assert result['user_ids'] == {'messages': 9, 'matched': 4, 'unknown': 2, 'none': 3, 'matched_users': 3,
                                  'provisioned_user_ids': 4, 'unknown_user_ids': [{'user_id': '999@d1.example', 'count': 2}],
                                  'unknown_user_ids_total': 1}
    # page_size applies to both listings: 9 messages as 4 + 4 + 1 and an empty page; 5 Users as 4, then pages that
    # overlap the last record read (2, then the last alone), the empty page and the last record again (issue 9, item 4),
    # plus one: after a full first page the next two pages are asked at once (skip 3 and 6, issue 23), and the list
    # ending at 5 made the one at skip 6 useless
    requests = Sims.stats(s.clearip)['requests']
    assert requests['GET /sipMessages'] == 4 and requests['GET /users'] == 6
    assert Sims.total_writes(s.clearip) == 0
    # The shared check (conftest): the password and every token the ClearIP simulator issued, in the output.
    assert_no_secret(s.secrets(), [run.stdout, run.stderr], least=2)


def test_limit_minutes_and_dest(sims, playbook, tmp_path):
    now = int(time.time() * 1000)
    recent = [{'timestamp': now - m * 60000, 'userId': '100@d1.example', 'callId': 'r%d' % m} for m in (1, 2, 3, 4, 5)]
    old = [{'timestamp': now - 90 * 60000, 'userId': '100@d1.example', 'callId': 'old'}]
    s = sims(dataset(recent + old))
    dest = tmp_path / 'messages.json'
    run = playbook(PLAYBOOK, extra_vars={'cip': cip(s), 'limit': 3, 'dest': str(dest)})
    assert run.rc == 0, run
    result = run.out['result']
    assert result['count'] == 3 and result['truncated'] is True and 'sip_messages' not in result
    assert result['dest'] == str(dest)
    assert [m['callId'] for m in json.loads(dest.read_text())] == ['r1', 'r2', 'r3']
    assert stat.S_IMODE(os.stat(dest).st_mode) == 0o600
    assert result['window']['to_ms'] - result['window']['from_ms'] == 60 * 60000
    assert 'user_ids' not in result

    wide = playbook(PLAYBOOK, extra_vars={'cip': cip(s), 'minutes': 120, 'limit': 0})
    assert wide.rc == 0, wide
    assert [m['callId'] for m in wide.out['result']['sip_messages']] == ['r1', 'r2', 'r3', 'r4', 'r5', 'old']
    assert wide.out['result']['truncated'] is False


def test_bad_window_and_refused_login_fail_clearly(sims, playbook):
    s = sims(dataset(IN_WINDOW))
    bad = playbook(PLAYBOOK, extra_vars={'cip': cip(s), 'from_ms': BASE + 5000, 'to_ms': BASE})
    assert bad.out['result']['failed'] is True
    assert bad.out['result']['msg'] == 'the window starts after it ends: from_ms %d > to_ms %d' % (BASE + 5000, BASE)
    assert Sims.stats(s.clearip)['requests'].get('POST /auth/login', 0) == 0

    wrong = dict(cip(s), password='Wrong-Passw0rd-0000')
    refused = playbook(PLAYBOOK, extra_vars={'cip': wrong})
    result = refused.out['result']
    assert result['failed'] is True
    assert result['msg'].startswith('reading ClearIP SIP messages failed: ClearIP refused the login of %s (HTTP 401' % EMAIL)
    assert 'Wrong-Passw0rd-0000' not in refused.stdout + refused.stderr + json.dumps(result)
