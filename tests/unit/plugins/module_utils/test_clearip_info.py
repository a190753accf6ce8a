# -*- coding: utf-8 -*-
# Copyright: (c) 2026, clearip.netsapiens contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The info modules' body: time options, filters, parents by name, what goes to the server."""

from __future__ import annotations

import pytest

from ansible_collections.clearip.netsapiens.plugins.module_utils import clearip_info
from ansible_collections.clearip.netsapiens.plugins.module_utils.clearip_info import FilterError, list_objects, parse_time_ms
from ansible_collections.clearip.netsapiens.plugins.module_utils.sync import GROUP, SERVICE_PROVIDER, USER


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


class FakeClient(object):
    """Answers list(kind, where) from fixed records, applying exact where filters, and records each call."""

    def __init__(self, records):
        self.records = records
        self.calls = []

    def list(self, kind, where=None):
        self.calls.append((kind, dict(where or {})))
        found = self.records[kind]
        for field, value in (where or {}).items():
            found = [r for r in found if r.get(field) == value]
        return [dict(r) for r in found]


def world():
    return FakeClient({
        SERVICE_PROVIDER: [{'id': 's1', 'name': 'R1'}, {'id': 's2', 'name': 'R2'}, {'id': 's3', 'name': 'R1'}],
        GROUP: [{'id': 'g1', 'name': 'd1.example', 'serviceProvider': 's1', 'comment': 'x', 'createdAt': 10},
                {'id': 'g2', 'name': 'd2.example', 'serviceProvider': 's2', 'createdAt': 20},
                {'id': 'g3', 'name': 'd3.test', 'serviceProvider': 's3', 'createdAt': 30},
                {'id': 'g4', 'name': 'e4.example', 'serviceProvider': {'id': 's3'}}],
        USER: [{'id': 'u1', 'name': '1@d1.example', 'userId': '1@d1.example', 'group': 'g1', 'comment': 'Created by clearip.netsapiens sync'},
               {'id': 'u2', 'name': 'Default User', 'userId': '', 'group': 'g1', 'comment': ''},
               {'id': 'u3', 'name': '3@gone', 'userId': '3@gone', 'group': 'g-missing'}],
    })


def test_exact_name_and_parent_go_to_the_server_per_parent_id():
    client = world()
    groups = list_objects(client, GROUP, name='d3.test', parent='R1')
    assert [(g['name'], g['service_provider'], g['service_provider_id']) for g in groups] == [('d3.test', 'R1', 's3')]
    assert client.calls == [(SERVICE_PROVIDER, {}), (GROUP, {'name': 'd3.test', 'serviceProvider': 's1'}),
                            (GROUP, {'name': 'd3.test', 'serviceProvider': 's3'})]


def test_pattern_comment_and_times_are_applied_to_what_was_read():
    client = world()
    assert [g['name'] for g in list_objects(client, GROUP, name_pattern='*.example')] == ['d1.example', 'd2.example', 'e4.example']
    assert client.calls[-1] == (GROUP, {})
    assert [g['name'] for g in list_objects(world(), GROUP, created_after=20)] == ['d2.example', 'd3.test']
    assert [g['name'] for g in list_objects(world(), GROUP, created_before=20)] == ['d1.example']   # e4 has no createdAt
    assert [u['name'] for u in list_objects(world(), USER, comment_contains='clearip.netsapiens')] == ['1@d1.example']


def test_a_server_that_ignores_filters_still_gives_the_right_answer():
    class Deaf(FakeClient):
        def list(self, kind, where=None):
            self.calls.append((kind, dict(where or {})))
            return [dict(r) for r in self.records[kind]]
    client = Deaf(world().records)
    assert [g['name'] for g in list_objects(client, GROUP, name='d2.example')] == ['d2.example']
    assert [g['name'] for g in list_objects(client, GROUP, parent='R1')] == ['d1.example', 'd3.test', 'e4.example']


def test_parents_by_name_and_an_unknown_parent():
    users = list_objects(world(), USER)
    assert [(u['name'], u['group'], u['group_id'], u['user_id']) for u in users] == [
        ('1@d1.example', 'd1.example', 'g1', '1@d1.example'), ('3@gone', None, 'g-missing', '3@gone'),
        ('Default User', 'd1.example', 'g1', '')]
    assert list_objects(world(), USER, parent='nowhere') == []


def test_info_argument_specs_name_each_parent_option():
    assert 'service_provider' in clearip_info.info_argument_spec(GROUP)
    assert 'group' in clearip_info.info_argument_spec(USER)
    assert not set(['group', 'service_provider']) & set(clearip_info.info_argument_spec(SERVICE_PROVIDER))


def test_listing_files_keep_the_compact_records_the_drift_reads(tmp_path):
    import json
    import os
    import stat
    from ansible_collections.clearip.netsapiens.plugins.module_utils import clearip
    hook = clearip.ListingFiles(str(tmp_path))
    hook(USER, [{'id': 'u1', 'name': '1@d1.example', 'userId': '1@d1.example', 'group': {'id': 'g1'}, 'comment': 'c',
                 'status': 'active', 'createdAt': 5, 'operator': 'op'}], {'g1': 'd1.example'})
    hook(GROUP, [{'id': 'g1', 'name': 'd1.example', 'serviceProvider': 's1'}], None)
    path = str(tmp_path / 'clearip-users.json')
    assert hook.files == {'users': path, 'groups': str(tmp_path / 'clearip-groups.json')}
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    with open(path) as handle:
        assert json.load(handle) == [{'id': 'u1', 'name': '1@d1.example', 'user_id': '1@d1.example', 'group_id': 'g1', 'comment': 'c'}]
    with open(hook.files['groups']) as handle:
        assert json.load(handle) == [{'id': 'g1', 'name': 'd1.example', 'service_provider_id': 's1', 'comment': None}]
