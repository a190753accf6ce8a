# -*- coding: utf-8 -*-
# Copyright: (c) 2026, clearip.netsapiens contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Applying one tier: the plan against the listings, the creates, the confirmation, the diff."""

from __future__ import annotations

from ansible_collections.clearip.netsapiens.plugins.module_utils._kinds import GROUP, SERVICE_PROVIDER, USER
import pytest

from ansible_collections.clearip.netsapiens.plugins.module_utils._clearip_records import listing_shape
from ansible_collections.clearip.netsapiens.plugins.module_utils._http import OutcomeUnknown
from ansible_collections.clearip.netsapiens.plugins.module_utils._sync_apply import (
    SuspectListing, apply_tier, confirm_tier, name_diff, run_tier)
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
        groups.append(dict(call['json']['group'], id='g-%d' % len(posts)))   # stored: the closing listing holds it
        return 200, {'groups': [groups[-1]]}
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
    assert failed[1]['reason'] == 'user d: outcome unknown; not listed after the creates: the next run finds or creates it'
    assert [j['name'] for j, e in still] == ['d']


def test_confirm_tier_with_listed_records_keeps_the_listing_s_record_and_needs_only_the_answer_s_id():
    # The sync drops the acknowledged records before the closing listing (the first sync's peak of memory): the
    # confirmed pairs then carry what ClearIP lists, and a failure still names the id ClearIP acknowledged.
    held = [{'id': 'c1', 'name': 'c', 'group': 'g1'}]

    def handler(call):
        if call['path'] == '/auth/login':
            return 200, {'token': 'tok'}
        return 200, {'users': held[call['params']['skip']:]}
    client, session, clock = make_client(handler)
    created = [({'name': 'c', 'parent_id': 'g1'}, 'c1'), ({'name': 'e', 'parent_id': 'g1'}, 'e1')]
    confirmed, failed, still = confirm_tier(client, USER, created, [], listed_records=True)
    assert [(job['name'], dict(record.items())) for job, record in confirmed] == [
        ('c', {'id': 'c1', 'name': 'c', 'parent_id': 'g1', 'user_id': None, 'comment': None})]   # the listing's, shaped
    assert [f['name'] for f in failed] == ['e']
    assert "ClearIP acknowledged the create (id e1) but does not list it after the creates" in failed[0]['reason']
    assert still == []
    # Without it, the acknowledged record is what a confirmed pair carries (the tier modules' end_state).
    answered = {'id': 'c1', 'name': 'c', 'group': 'g1', 'answered': True}
    confirmed, failed, still = confirm_tier(client, USER, [({'name': 'c', 'parent_id': 'g1'}, answered)], [])
    assert confirmed[0][1] is answered


# -- only ClearIP's listing proves a create; unknown outcomes resolved in the run (issue 19) ---------

class UserTier(object):
    """One Group and its Users, whose creates fail in given ways (in order): ``unknown_before`` (an unknown outcome,
    nothing stored), ``unknown_after`` (stored, then an unknown outcome), ``ack_not_stored`` (answered, never stored)."""

    def __init__(self, faults=(), users=()):
        self.groups = [{'id': 'g1', 'name': 'd1'}, {'id': 'g2', 'name': 'd2'}]
        self.users = [dict(user) for user in users]
        self.faults = list(faults)
        self.posts = []
        self.listings = 0

    def __call__(self, call):
        if call['path'] == '/auth/login':
            return 200, {'token': 'tok'}
        if call['method'] == 'GET':
            if call['path'] == '/groups':
                return 200, {'groups': self.groups[call['params']['skip']:]}
            wanted = call['params'].get('where[name]')
            if wanted is None and call['params']['skip'] == 0:
                self.listings += 1
            found = [u for u in self.users if wanted is None or u['name'] == wanted]
            return 200, {'users': found[call['params']['skip']:]}
        self.posts.append(call['json']['user']['name'])
        fault = self.faults.pop(0) if self.faults else None
        user = dict(call['json']['user'], id='u-%d' % len(self.posts))
        if fault == 'unknown_before':
            raise OutcomeUnknown('POST http://stub/users answered HTTP 504; the request may or may not have taken effect')
        if fault != 'ack_not_stored':
            self.users.append(user)
        if fault == 'unknown_after':
            raise OutcomeUnknown('POST http://stub/users failed after the request was sent (connection lost)')
        return 200, {'users': [user]}


def user_tier(tier, names, **kwargs):
    client, session, clock = make_client(tier, **kwargs)
    desired = [{'name': name, 'parent': 'd1', 'user_id': None} for name in names]
    result = run_tier(client, USER, desired, return_objects=False)
    return result, clock


def test_an_unknown_outcome_that_happened_is_found_after_the_grace_period_and_not_sent_again():
    tier = UserTier(['unknown_after'])
    result, clock = user_tier(tier, ['a@d1'], unknown_outcome_grace=7.5)
    assert result['created'] == ['a@d1'] and result['failed_items'] == [] and result['outcome_unknown'] == []
    assert tier.posts == ['a@d1'] and len(tier.users) == 1
    assert clock.slept == [7.5]   # one grace period, then the lookup


def test_an_unknown_outcome_that_did_not_happen_is_sent_once_more():
    tier = UserTier(['unknown_before'])
    result, clock = user_tier(tier, ['a@d1', 'b@d1'], unknown_outcome_grace=3)
    assert sorted(result['created']) == ['a@d1', 'b@d1'] and result['failed_items'] == []
    assert tier.posts == ['a@d1', 'b@d1', 'a@d1'] and len(tier.users) == 2


def test_an_outcome_unknown_twice_fails_and_is_not_sent_a_third_time():
    tier = UserTier(['unknown_before', 'unknown_before'])
    result, clock = user_tier(tier, ['a@d1'], unknown_outcome_grace=3)
    assert result['created'] == [] and result['outcome_unknown'] == ['a@d1']
    assert [f['name'] for f in result['failed_items']] == ['a@d1']
    assert 'outcome unknown' in result['failed_items'][0]['reason']
    assert 'not listed after the creates: the next run finds or creates it' in result['failed_items'][0]['reason']
    assert tier.posts == ['a@d1', 'a@d1']


def test_an_acknowledged_create_that_clearip_does_not_list_is_a_failed_item_that_says_so():
    tier = UserTier([None, 'ack_not_stored', None])
    result, clock = user_tier(tier, ['a@d1', 'b@d1', 'c@d1'])
    assert sorted(result['created']) == ['a@d1', 'c@d1'] and result['changed'] is True
    assert result['failed_items'] == [{'name': 'b@d1', 'reason': (
        "user 'b@d1': ClearIP acknowledged the create (id u-2) but does not list it after the creates, so it is not "
        "counted as created; the next run creates it (once)")}]
    assert tier.listings == 2   # the opening listing and the closing one


def test_a_closing_listing_that_lost_most_of_the_tier_is_not_believed():
    held = [{'id': 'x%d' % n, 'name': '%d@d1' % n, 'group': 'g1', 'userId': '%d@d1' % n} for n in range(100)]
    tier = UserTier(users=held)
    client, session, clock = make_client(tier)
    records = client.list(USER, shape=listing_shape(USER))
    tier.users = []   # the listing after the creates comes back empty
    with pytest.raises(SuspectListing) as info:
        apply_tier(client, USER, [{'name': 'new@d1', 'parent': 'd1', 'user_id': None}], records,
                   client.list(GROUP, shape=listing_shape(GROUP)), return_objects=False)
    assert info.value.finding['side'] == 'clearip' and info.value.finding['missing'] == 100
    assert ("ClearIP lists 1 Users where it held 101 (100 before this run's creates, and 1 it acknowledged)"
            in str(info.value))


def test_the_children_of_a_failed_parent_are_held_back_and_the_others_created():
    tier = UserTier()
    client, session, clock = make_client(tier)
    desired = [{'name': 'a@d1', 'parent': 'd1', 'user_id': None}, {'name': 'b@d2', 'parent': 'd2', 'user_id': None}]
    result, dummy = apply_tier(client, USER, desired, [], client.list(GROUP, shape=listing_shape(GROUP)),
                               return_objects=False, held_back={'d2': "group 'd2': create failed: HTTP 500"})
    assert result['created'] == ['a@d1']
    assert result['failed_items'] == [{'name': 'b@d2', 'reason': (
        "user 'b@d2': held back, because its group 'd2' failed: group 'd2': create failed: HTTP 500")}]
    assert tier.posts == ['a@d1']


@pytest.mark.parametrize('held_back', [None, {'d2': "group 'd2': create failed: HTTP 500"}])
def test_a_tier_handed_over_is_emptied_once_planned_and_synced_alike(held_back):
    # The sync hands each tier's desired items over (they are not read again), so that a first sync does not hold
    # 100,000 of them through the creates and the closing listing; the outcome is the same as without.
    outcomes = []
    for hand_over in (False, True):
        tier = UserTier()
        client, session, clock = make_client(tier)
        desired = [{'name': 'a@d1', 'parent': 'd1', 'user_id': None}, {'name': 'b@d2', 'parent': 'd2', 'user_id': None}]
        result, created = apply_tier(client, USER, desired, [], client.list(GROUP, shape=listing_shape(GROUP)),
                                     return_objects=False, held_back=held_back, hand_over=hand_over)
        assert desired == ([] if hand_over else [{'name': 'a@d1', 'parent': 'd1', 'user_id': None},
                                                 {'name': 'b@d2', 'parent': 'd2', 'user_id': None}])
        outcomes.append((result, [dict(record.items()) for record in created], tier.posts))
    assert outcomes[0] == outcomes[1]
    assert outcomes[1][0]['created'] == (['a@d1'] if held_back else ['a@d1', 'b@d2'])
