# -*- coding: utf-8 -*-
# Copyright: (c) 2026, clearip.netsapiens contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Applying one tier: the plan against the listings, the creates, the confirmation, the diff."""

from __future__ import annotations

from ansible_collections.clearip.netsapiens.plugins.module_utils._kinds import GROUP, SERVICE_PROVIDER, USER
from ansible_collections.clearip.netsapiens.plugins.module_utils._sync_apply import confirm_tier, name_diff, run_tier
from tests.unit.plugins.module_utils.test_clearip import make_client


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
    result = run_tier(client, GROUP, desired, check_mode=True, pending_parents=['R2'], comment_source='pbx', want_diff=True)
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
    diff = name_diff(USER, ['old@d1'] * 5, list(reversed(created)), parent_of, max_lines=30)
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
    diff = name_diff(SERVICE_PROVIDER, [], ['B', 'A'], {'A': None, 'B': None})
    assert diff['after'] == '0 requested service providers exist\nA\nB\n'


def test_run_tier_ignores_pending_parents_outside_check_mode():
    posts = []
    client, session, clock = make_client(tier_handler(posts))
    desired = [{'name': 'd2', 'parent': 'R2'}, {'name': 'd3', 'parent': 'R1'}]
    result = run_tier(client, GROUP, desired, check_mode=False, pending_parents=['R2'], return_objects=False)
    assert posts == [{'group': {'name': 'd3', 'serviceProvider': 'sp1', 'status': 'active', 'comment': 'Created by clearip.netsapiens sync'}}]
    assert result == {'changed': True, 'created': ['d3'], 'existing': 0, 'outcome_unknown': [],
                      'failed_items': [{'name': 'd2', 'reason': "group 'd2': its service provider 'R2' does not exist in ClearIP"}]}


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
        result = run_tier(client, USER, [dict(d) for d in desired], check_mode=check)
        assert result['created'] == ['101@d00.example']
        assert [f['name'] for f in result['failed_items']] == ['100@d00.example']
        reason = result['failed_items'][0]['reason']
        assert "User ID '100@d00.example' is already held in ClearIP by user 'Front Desk' in group 'd00.example'" in reason
    assert [p['user']['name'] for p in posts] == ['101@d00.example']


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
    confirmed, failed, still = confirm_tier(client, USER, created, unknown)
    assert [j['name'] for j, r in confirmed] == ['c', 'b']
    assert [f['name'] for f in failed] == ['a', 'd']
    assert "user 'a' exists 2 times in ClearIP after this run (ids a1, a2): a duplicate" in failed[0]['reason']
    assert failed[1]['reason'] == 'user d: outcome unknown'
    assert [j['name'] for j, e in still] == ['d']
