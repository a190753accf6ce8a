# -*- coding: utf-8 -*-
# Copyright: (c) 2026, clearip.netsapiens contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The plan of one tier."""

from __future__ import annotations

import pytest

from ansible_collections.clearip.netsapiens.plugins.module_utils._kinds import GROUP, SERVICE_PROVIDER, USER
from ansible_collections.clearip.netsapiens.plugins.module_utils._sync_naming import name_problem
from ansible_collections.clearip.netsapiens.plugins.module_utils._sync_plan import plan_tier


# -- plans ---------------------------------------------------------------------------------------

def sp(name, **extra):
    item = {'name': name}
    item.update(extra)
    return item


def child(name, parent, **extra):
    item = {'name': name, 'parent': parent}
    item.update(extra)
    return item


def test_service_provider_plan_creates_missing_and_counts_existing():
    plan = plan_tier(SERVICE_PROVIDER, [sp('R1'), sp('R2', comment='c'), sp('R3')], [('R2', None)])
    assert plan.to_create == [{'name': 'R1', 'parent': None, 'parent_pending': False},
                              {'name': 'R3', 'parent': None, 'parent_pending': False}]
    assert plan.existing == [{'name': 'R2', 'parent': None, 'comment': 'c'}]
    assert plan.failed == []


def test_plan_keeps_extra_fields_and_order():
    plan = plan_tier(USER, [child('b@d', 'd', user_id='b@d', comment='x'), child('a@d', 'd', user_id='a@d')],
                     [], parents=['d'])
    assert plan.to_create == [{'name': 'b@d', 'parent': 'd', 'user_id': 'b@d', 'comment': 'x', 'parent_pending': False},
                              {'name': 'a@d', 'parent': 'd', 'user_id': 'a@d', 'parent_pending': False}]


def test_plan_refuses_invalid_names_before_anything_else():
    plan = plan_tier(GROUP, [child('a/b', 'R1'), child('ok', 'R1')], [], parents=['R1'])
    assert plan.created_names == ['ok']
    assert plan.failed == [{'name': 'a/b', 'reason': "group 'a/b': name has characters that ClearIP does not allow: '/' "
                                                     "(allowed: ASCII letters, digits, space and # * + @ . , - _)"}]


def test_plan_refuses_an_invalid_user_id():
    plan = plan_tier(USER, [child('u1', 'd', user_id='u 1/x')], [], parents=['d'])
    assert plan.failed == [{'name': 'u1', 'reason': "user 'u1': user ID 'u 1/x': has characters that ClearIP does not allow: '/' "
                                                    "(allowed: ASCII letters, digits, space and # * + @ . , - _)"}]


def test_plan_refuses_an_unknown_parent():
    plan = plan_tier(GROUP, [child('d1', 'R9')], [], parents=['R1'])
    assert plan.to_create == []
    assert plan.failed == [{'name': 'd1', 'reason': "group 'd1': its service provider 'R9' does not exist in ClearIP"}]


def test_plan_refuses_a_missing_parent_value():
    plan = plan_tier(USER, [child('u@d', None), child('v@d', '')], [], parents=['d'])
    assert plan.failed == [{'name': 'u@d', 'reason': "user 'u@d': no group given"},
                           {'name': 'v@d', 'reason': "user 'v@d': no group given"}]


def test_plan_creates_children_of_pending_parents():
    plan = plan_tier(GROUP, [child('d1', 'R1'), child('d2', 'R2'), child('d3', 'R3')], [],
                     parents=['R1'], pending_parents=['R2'])
    assert plan.to_create == [{'name': 'd1', 'parent': 'R1', 'parent_pending': False},
                              {'name': 'd2', 'parent': 'R2', 'parent_pending': True}]
    assert plan.failed == [{'name': 'd3', 'reason': "group 'd3': its service provider 'R3' does not exist in ClearIP"}]


def test_plan_group_moved_to_another_service_provider():
    plan = plan_tier(GROUP, [child('d1', 'R2')], [('d1', 'R1')], parents=['R1', 'R2'])
    assert plan.to_create == [] and plan.existing == []
    assert plan.failed == [{'name': 'd1', 'reason': (
        "group 'd1' exists in ClearIP under service provider 'R1', not under 'R2' as requested: the domain moved to another "
        "reseller. ClearIP cannot move a group between service providers and the sync never deletes: use the unique "
        "identifier scheme (group domain@reseller), or move the domain back to reseller 'R1' in NetSapiens")}]


def test_plan_user_under_another_group():
    plan = plan_tier(USER, [child('100@d1', 'd1')], [('100@d1', 'd2')], parents=['d1', 'd2'])
    assert plan.failed == [{'name': '100@d1', 'reason': (
        "user '100@d1' exists in ClearIP under group 'd2', not under 'd1' as requested. ClearIP cannot move a user between "
        "groups and the sync never deletes: move the user back in NetSapiens, or remove the user from group 'd2' in ClearIP by hand")}]


def test_plan_existing_child_under_the_same_parent():
    plan = plan_tier(USER, [child('100@d1', 'd1', user_id='100@d1')], [('100@d1', 'd1')], parents=['d1'])
    assert plan.existing_names == ['100@d1']
    assert plan.to_create == [] and plan.failed == []


def test_plan_existing_child_needs_no_parent_in_listing():
    # The parent lookup only matters for creates; an existing object is judged by its own parent.
    plan = plan_tier(GROUP, [child('d1', 'R1')], [('d1', 'R1')], parents=[])
    assert plan.existing_names == ['d1']


def test_plan_merges_exact_repeats():
    plan = plan_tier(GROUP, [child('d1', 'R1'), child('d1', 'R1')], [], parents=['R1'])
    assert plan.created_names == ['d1']
    assert plan.failed == []


def test_plan_refuses_repeats_with_different_parents():
    plan = plan_tier(GROUP, [child('d1', 'R1'), child('d2', 'R1'), child('d1', 'R2')], [], parents=['R1', 'R2'])
    assert plan.created_names == ['d2']
    assert plan.failed == [{'name': 'd1', 'reason': "group 'd1' is requested more than once, under different service providers "
                                                    "('R1', 'R2'); a name can be in ClearIP only once"}]


def test_plan_refuses_repeats_with_different_settings():
    plan = plan_tier(SERVICE_PROVIDER, [sp('R1', comment='a'), sp('R1', comment='b')], [])
    assert plan.failed == [{'name': 'R1', 'reason': "service provider 'R1' is requested more than once with different settings; "
                                                    "give each name once"}]


def test_plan_refuses_a_name_that_exists_twice_in_clearip():
    plan = plan_tier(GROUP, [child('d1', 'R1')], [('d1', 'R1'), ('d1', 'R2')], parents=['R1', 'R2'])
    assert plan.failed == [{'name': 'd1', 'reason': "group 'd1' exists 2 times in ClearIP (under service providers 'R1', 'R2'); "
                                                    "the sync never guesses which one is meant: rename or remove the extra ones in ClearIP"}]


def test_plan_refuses_a_service_provider_that_exists_twice():
    plan = plan_tier(SERVICE_PROVIDER, [sp('R1')], [('R1', None), ('R1', None)])
    assert plan.failed == [{'name': 'R1', 'reason': "service provider 'R1' exists 2 times in ClearIP; the sync never guesses which "
                                                    "one is meant: rename or remove the extra ones in ClearIP"}]


def test_plan_refuses_a_child_of_an_ambiguous_parent():
    plan = plan_tier(USER, [child('u@d1', 'd1')], [], parents=['d1', 'd1', 'd2'])
    assert plan.failed == [{'name': 'u@d1', 'reason': "user 'u@d1': its group 'd1' exists 2 times in ClearIP; cannot tell which one to use"}]


def test_plan_ignores_parents_for_service_providers():
    plan = plan_tier(SERVICE_PROVIDER, [{'name': 'R1', 'parent': 'whatever'}], [], pending_parents=['x'])
    assert plan.to_create == [{'name': 'R1', 'parent': None, 'parent_pending': False}]


@pytest.mark.parametrize('name', ['abc\n', '\nabc', 'abc\r\n'])
def test_a_leading_or_trailing_newline_is_refused(name):
    # a regular expression ending in $ would accept 'abc\n'
    assert name_problem(name).startswith('name has characters that ClearIP does not allow: ')


# -- User IDs (issue 9, item 5) ---------------------------------------------------------------------

def test_a_user_whose_user_id_clearip_holds_on_another_user_is_refused():
    desired = [{'name': '100@d00.example', 'parent': 'd00.example', 'user_id': None},
               {'name': '101@d00.example', 'parent': 'd00.example', 'user_id': None}]
    plan = plan_tier(USER, desired, [('Front Desk', 'd00.example')], parents=['d00.example'],
                     held_user_ids={'100@d00.example': [('Front Desk', 'd00.example')]})
    assert plan.created_names == ['101@d00.example']
    assert plan.failed_names == ['100@d00.example']
    assert plan.failed[0]['reason'].startswith(
        "user '100@d00.example': its User ID '100@d00.example' is already held in ClearIP by user 'Front Desk' in group 'd00.example'")


def test_two_requested_users_with_one_user_id_are_both_refused():
    desired = [{'name': 'a', 'parent': 'g', 'user_id': 'X'}, {'name': 'b', 'parent': 'g', 'user_id': 'X'},
               {'name': 'c', 'parent': 'g', 'user_id': None}]
    plan = plan_tier(USER, desired, [], parents=['g'], held_user_ids={})
    assert plan.created_names == ['c']
    assert plan.failed_names == ['a', 'b']
    assert "its User ID 'X' is also requested for 'b'" in plan.failed[0]['reason']


def test_an_existing_user_holding_its_own_user_id_is_just_existing():
    desired = [{'name': 'u@d', 'parent': 'd', 'user_id': None}]
    plan = plan_tier(USER, desired, [('u@d', 'd')], parents=['d'], held_user_ids={'u@d': [('u@d', 'd')]})
    assert plan.existing_names == ['u@d'] and plan.failed == []
