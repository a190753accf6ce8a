# -*- coding: utf-8 -*-
# Copyright: (c) 2026, clearip.netsapiens contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""ClearIP objects reshaped: the listed records the sync keeps, info records, the info filters' times, User ID counts."""

from __future__ import annotations

import pytest

from ansible_collections.clearip.netsapiens.plugins.module_utils._clearip_records import (
    FilterError, classify_user_ids, info_record, listed, parse_time_ms)
from ansible_collections.clearip.netsapiens.plugins.module_utils._kinds import GROUP, SERVICE_PROVIDER, USER


@pytest.mark.parametrize('value, expected', [
    (1767225600000, 1767225600000),
    ('1767225600000', 1767225600000),
    ('2026-01-01', 1767225600000),
    ('2026-01-01T00:00:01Z', 1767225601000),
    ('2026-01-01 00:00:01.25', 1767225601250),
    ('2026-01-01T02:00:00+02:00', 1767225600000),
    ('2025-12-31T19:00:00-0500', 1767225600000),
])
def test_times_in_ms_or_iso_8601(value, expected):
    assert parse_time_ms(value, 'created_after') == expected


@pytest.mark.parametrize('value', ['last tuesday', '2026-13-01', '2026-02-30T00:00', '2026-01-01T25:00', '01/02/2026'])
def test_bad_times_name_the_option(value):
    with pytest.raises(FilterError) as caught:
        parse_time_ms(value, 'created_before')
    assert 'created_before' in str(caught.value)


def test_a_listed_record_keeps_only_what_the_sync_reads_and_the_parent_by_id():
    user = listed(USER, {'id': 'u1', 'name': '1@d1.example', 'userId': '1@d1.example', 'group': {'id': 'g1'}, 'comment': 'c',
                         'status': 'active', 'createdAt': 5, 'operator': 'op'})
    assert dict(user.items()) == {'id': 'u1', 'name': '1@d1.example', 'user_id': '1@d1.example', 'parent_id': 'g1', 'comment': 'c'}
    assert user['user_id'] is user['name']   # one string for both
    group = listed(GROUP, {'id': 'g1', 'name': 'd1.example', 'serviceProvider': 's1'})
    assert dict(group.items()) == {'id': 'g1', 'name': 'd1.example', 'parent_id': 's1', 'comment': None, 'user_id': None}
    assert listed(SERVICE_PROVIDER, {'id': 's1', 'name': 'R1', 'comment': ''})['parent_id'] is None


def test_an_info_record_names_its_parent_by_id_and_by_name():
    raw = {'id': 'u1', 'name': '1@d1.example', 'userId': '1@d1.example', 'group': 'g1', 'status': 'active', 'comment': 'c',
           'createdAt': 5, 'updatedAt': 6}
    assert info_record(USER, raw, {'g1': 'd1.example'}) == {
        'id': 'u1', 'name': '1@d1.example', 'status': 'active', 'comment': 'c', 'created_at': 5, 'updated_at': 6,
        'group_id': 'g1', 'group': 'd1.example', 'user_id': '1@d1.example'}
    assert info_record(GROUP, {'id': 'g1', 'serviceProvider': {'id': 's9'}})['service_provider'] is None


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
