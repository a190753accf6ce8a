# -*- coding: utf-8 -*-
# Copyright: (c) 2026, clearip.netsapiens contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The ClearIP modules' glue: the create modules' input, the info modules' filters, parents by name, what goes to the server."""

from __future__ import annotations

import pytest

import json

from ansible_collections.clearip.netsapiens.plugins.module_utils._clearip_module import (
    InputError, info_options, list_objects, load_src, normalize_items)
from ansible_collections.clearip.netsapiens.plugins.module_utils._kinds import GROUP, SERVICE_PROVIDER, USER


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
    assert 'service_provider' in info_options(GROUP)
    assert 'group' in info_options(USER)
    assert not set(['group', 'service_provider']) & set(info_options(SERVICE_PROVIDER))


def test_normalize_items_and_src(tmp_path):
    assert normalize_items(SERVICE_PROVIDER, ['R1', {'name': 'R2', 'comment': 'c'}], 'service_providers') == [
        {'name': 'R1', 'parent': None, 'comment': None}, {'name': 'R2', 'parent': None, 'comment': 'c'}]
    path = tmp_path / 'users.json'
    path.write_text(json.dumps([{'name': 'u@d', 'group': 'd'}]))
    assert load_src(USER, str(path)) == [{'name': 'u@d', 'parent': 'd', 'comment': None, 'user_id': None}]
    path.write_text(json.dumps({'users': [{'name': 'u@d', 'group': 'd', 'user_id': 'X'}]}))
    assert load_src(USER, str(path))[0]['user_id'] == 'X'
    with pytest.raises(InputError) as info:
        normalize_items(GROUP, [{'name': 'd1', 'service_provider': 'R1', 'reseller': 'x'}], 'groups')
    assert str(info.value) == 'groups[0] has unknown keys reseller; allowed: comment, name, service_provider'
    path.write_text('{"groups": [')
    with pytest.raises(InputError) as info:
        load_src(GROUP, str(path))
    assert str(info.value).startswith('src %s: not valid JSON: ' % path)
