# -*- coding: utf-8 -*-
# Copyright: (c) 2026, clearip.netsapiens contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Issue 9, item 3: a malformed NetSapiens record is a failed item of its own tier, never a fatal error.

Every kind of malformation (not an object, the identifying field absent, null, empty or not text, a
field the sync uses not text) in every tier (reseller, domain, user, connection), from the client's
normalisation through the planner and the plan module's file loading."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import json

import pytest

from ansible_collections.clearip.netsapiens.plugins.module_utils.netsapiens import normalize_record
from ansible_collections.clearip.netsapiens.plugins.module_utils.subscriber_sync import build_tiers
from ansible_collections.clearip.netsapiens.plugins.modules import subscriber_sync_plan

from tests.unit.plugins.module_utils.test_netsapiens_client import FakeNetSapiens, make_client

SOURCE = 'GET /ns-api/v2/domains/a.example/users'
FIX = '; fix the record in NetSapiens'


# -- normalize_record: every malformation, every tier --------------------------------------------
@pytest.mark.parametrize('raw, what', [
    ({'domain': 'a.example'}, "no 'user' field"),
    ({'user': None, 'domain': 'a.example'}, "no 'user' field"),
    ({'user': '', 'domain': 'a.example'}, "an empty 'user' field"),
    ({'user': {'ext': 100}, 'domain': 'a.example'}, "'user' is an object, not text"),
    ({'user': ['100'], 'domain': 'a.example'}, "'user' is a list, not text"),
    ({'user': True, 'domain': 'a.example'}, "'user' is a boolean, not text"),
    ({'user': 1.5, 'domain': 'a.example'}, "'user' is a number, not text"),
    ({'user': '100', 'domain': ['a.example']}, "'domain' is a list, not text"),
    ({'user': '100', 'domain': 'a.example', 'service-code': {'x': 1}}, "'service-code' is an object, not text"),
])
def test_a_malformed_user_is_kept_with_a_problem_naming_domain_position_and_call(raw, what):
    record = normalize_record('user', 'v2', raw, 3, SOURCE, domain='a.example')
    assert record['problem'] == ('user record #3 of domain a.example from %s: %s (record: %s)%s'
                                 % (SOURCE, what, json.dumps(raw, sort_keys=True), FIX))
    assert record['position'] == 3
    assert record['domain'] in ('a.example', '')


@pytest.mark.parametrize('raw, what', [
    ('100', 'a string'), (None, 'null'), ([{'user': '100'}], 'a list'), (7, 'a number'), (False, 'a boolean'),
])
def test_a_user_record_that_is_not_an_object_is_kept_with_a_problem(raw, what):
    record = normalize_record('user', 'v2', raw, 2, SOURCE, domain='a.example')
    assert record == {'user': '', 'domain': 'a.example', 'first_name': '', 'last_name': '', 'service_code': '',
                      'position': 2,
                      'problem': 'user record #2 of domain a.example from %s: is %s, not an object (record: %s)%s'
                                 % (SOURCE, what, json.dumps(raw), FIX)}


@pytest.mark.parametrize('kind, version, raw, what', [
    ('reseller', 'v2', {'description': 'x'}, "no 'reseller' field"),
    ('reseller', 'v2', {'reseller': ''}, "an empty 'reseller' field"),
    ('reseller', 'v1', {'territory': None}, "no 'territory' field"),
    ('reseller', 'v2', {'reseller': {'name': 'R1'}}, "'reseller' is an object, not text"),
    ('domain', 'v2', {'reseller': 'R1'}, "no 'domain' field"),
    ('domain', 'v2', {'domain': '', 'reseller': 'R1'}, "an empty 'domain' field"),
    ('domain', 'v2', {'domain': 'a.example', 'reseller': ['R1']}, "'reseller' is a list, not text"),
    ('domain', 'v1', {'domain': 'a.example', 'territory': True}, "'territory' is a boolean, not text"),
    ('connection', 'v2', {'domain': 'a.example'}, "no 'connection-orig-match-pattern' field"),
    ('connection', 'v2', {'connection-orig-match-pattern': 'sip*@x', 'domain': {'d': 1}}, "'domain' is an object, not text"),
    ('connection', 'v1', {'aor': None, 'domain': 'a.example'}, "no 'aor' field"),
])
def test_malformed_reseller_domain_and_connection_records_are_kept_with_a_problem(kind, version, raw, what):
    record = normalize_record(kind, version, raw, 4, 'GET /x')
    assert record['problem'] == ('%s record #4 from GET /x: %s (record: %s)%s' % (kind, what, json.dumps(raw, sort_keys=True), FIX))
    assert record['position'] == 4


def test_well_formed_records_have_no_problem_and_numbers_and_descriptions_are_text():
    assert normalize_record('user', 'v2', {'user': 100, 'domain': None, 'name-first-name': {'x': 1}}, 1, SOURCE,
                            domain='a.example') == {'user': '100', 'domain': 'a.example', 'first_name': '{"x": 1}',
                                                    'last_name': '', 'service_code': ''}
    assert normalize_record('domain', 'v2', {'domain': 'a.example', 'reseller': None}, 1, 'GET /x') == {
        'name': 'a.example', 'reseller': '', 'description': ''}


def test_the_client_returns_the_malformed_user_among_the_others():
    fake = FakeNetSapiens(domains=[{'domain': 'a.example', 'reseller': 'R1'}],
                          users=[{'user': '100', 'domain': 'a.example'}, {'user': '', 'domain': 'a.example'},
                                 {'domain': 'a.example'}, {'user': '101', 'domain': 'a.example'}])
    users = make_client(fake).users()
    assert [(u['user'], u.get('position')) for u in users] == [('', 2), ('', 3), ('100', None), ('101', None)]
    assert "user record #2 of domain a.example from GET /ns-api/v2/domains/a.example/users: an empty 'user' field" \
        in users[0]['problem']


def test_a_malformed_domain_is_not_asked_for_its_users():
    fake = FakeNetSapiens(domains=[{'domain': 'a.example', 'reseller': 'R1'}, {'reseller': 'R1'},
                                   {'domain': 'b.example', 'reseller': {'x': 1}}],
                          users=[{'user': '100', 'domain': 'a.example'}, {'user': '200', 'domain': 'b.example'}])
    assert [u['user'] for u in make_client(fake).users()] == ['100']
    assert sorted(set(c[1] for c in fake.calls if '/users' in c[1])) == ['/ns-api/v2/domains/a.example/users']


# -- build_tiers: each malformed record fails in its own tier, the rest is planned ---------------
RESELLERS = [{'name': 'R1', 'description': ''}, {'name': 'R2', 'description': ''}]
DOMAINS = [{'name': 'a.example', 'reseller': 'R1'}, {'name': 'b.example', 'reseller': 'R2'}]
USERS = [{'user': '100', 'domain': 'a.example', 'service_code': ''}, {'user': '200', 'domain': 'b.example', 'service_code': ''}]
CONNECTIONS = [{'name': 'sip*@198.51.100.7', 'domain': 'a.example'}]


def bad(problem, position=3, **fields):
    record = dict(fields, problem=problem, position=position)
    return record


def test_a_malformed_user_fails_in_the_users_tier_and_everything_else_is_planned():
    users = USERS + [bad('user record #3 of domain a.example from GET /u: no user', user='', domain='a.example')]
    result = build_tiers(RESELLERS, DOMAINS, users, CONNECTIONS)
    assert result['service_providers'] == [{'name': 'R1'}, {'name': 'R2'}]
    assert [g['name'] for g in result['groups']] == ['a.example', 'b.example']
    assert [u['name'] for u in result['users']] == ['100@a.example', '200@b.example']
    assert result['errors'] == {'service_providers': [], 'groups': [], 'connections': [],
                                'users': [{'name': 'user #3 of domain a.example',
                                           'reason': 'user record #3 of domain a.example from GET /u: no user'}]}
    assert result['counts']['malformed'] == 1


def test_a_malformed_user_with_a_name_is_named_by_it():
    users = [bad("'service-code' is a list", user='100', domain='a.example')]
    assert build_tiers(RESELLERS, DOMAINS, users, [])['errors']['users'] == [
        {'name': '100@a.example', 'reason': "'service-code' is a list"}]


def test_a_malformed_domain_fails_in_the_groups_tier_and_its_users_wait():
    domains = [DOMAINS[0], bad("'reseller' is a list", name='b.example', reseller='')]
    result = build_tiers(RESELLERS, domains, USERS, CONNECTIONS)
    assert result['errors']['groups'] == [{'name': 'b.example', 'reason': "'reseller' is a list"}]
    assert [g['name'] for g in result['groups']] == ['a.example']
    assert [u['name'] for u in result['users']] == ['100@a.example']
    assert [e['name'] for e in result['errors']['users']] == ['200@b.example']
    assert 'its domain' in result['errors']['users'][0]['reason']


def test_a_nameless_malformed_domain_is_named_by_its_position():
    domains = DOMAINS + [bad('no domain field', position=7, name='', reseller='R1')]
    result = build_tiers(RESELLERS, domains, USERS, [])
    assert result['errors']['groups'] == [{'name': 'domain #7', 'reason': 'no domain field'}]
    assert len(result['groups']) == 2 and len(result['users']) == 2


def test_a_malformed_reseller_is_a_service_provider_error_and_its_domains_wait():
    resellers = [RESELLERS[0], bad("'reseller' is an object", position=2, name='', description='')]
    result = build_tiers(resellers, DOMAINS, USERS, [])
    assert result['errors']['service_providers'] == [{'name': 'reseller #2', 'reason': "'reseller' is an object"}]
    assert result['service_providers'] == [{'name': 'R1'}]
    # b.example's reseller R2 is not listed any more; the role then skips Groups for the Service Provider error
    assert [e['name'] for e in result['errors']['groups']] == ['b.example']


def test_a_malformed_reseller_is_ignored_without_resellers():
    resellers = [bad('broken', position=1, name='')]
    result = build_tiers(resellers, DOMAINS, USERS, [], scheme='no_resellers', service_provider='SP')
    assert result['errors'] == {'service_providers': [], 'groups': [], 'users': [], 'connections': []}
    assert len(result['users']) == 2


def test_a_malformed_connection_is_a_connection_error():
    connections = CONNECTIONS + [bad('no pattern', position=2, name='', domain='a.example')]
    result = build_tiers(RESELLERS, DOMAINS, USERS, connections)
    assert result['errors']['connections'] == [{'name': 'connection #2', 'reason': 'no pattern'}]
    assert len(result['users']) == 2


def test_a_malformed_record_of_a_filtered_out_domain_is_not_reported():
    users = USERS + [bad('broken', user='', domain='b.example')]
    domains = DOMAINS + [bad('broken', name='c.example', reseller='')]
    result = build_tiers(RESELLERS, domains, users, [], include_domains=['a.example'])
    assert result['errors'] == {'service_providers': [], 'groups': [], 'users': [], 'connections': []}


# -- the plan module's files: hand-written or older files never stop the plan ------------------
class FakeModule(object):
    def __init__(self, params):
        self.params = params

    def fail_json(self, **kwargs):
        raise AssertionError('fail_json %r' % kwargs)


@pytest.mark.parametrize('records, problem', [
    (['a.example'], 'record #1 of domains_src %s is not an object: "a.example"'),
    ([None], 'record #1 of domains_src %s is not an object: null'),
    ([{'reseller': 'R1'}], 'record #1 of domains_src %s has no text in name: {"reseller": "R1"}'),
    ([{'name': 5, 'reseller': 'R1'}], 'record #1 of domains_src %s has no text in name: {"name": 5, "reseller": "R1"}'),
    ([{'name': 'a.example'}], 'record #1 of domains_src %s has no text in reseller: {"name": "a.example"}'),
])
def test_the_plan_module_turns_a_malformed_file_record_into_a_problem(tmp_path, records, problem):
    path = tmp_path / 'domains.json'
    path.write_text(json.dumps(records))
    loaded = subscriber_sync_plan.load_records(FakeModule({'domains_src': str(path)}), 'domains_src', ('name', 'reseller'))
    assert len(loaded) == 1
    assert loaded[0]['problem'] == problem % path
    assert loaded[0]['position'] == 1
    assert all(isinstance(v, str) for k, v in loaded[0].items() if k != 'position')


def test_the_plan_module_keeps_the_info_modules_problem_and_position(tmp_path):
    path = tmp_path / 'users.json'
    path.write_text(json.dumps([{'user': '', 'domain': 'a.example', 'problem': 'from the read', 'position': 9},
                                {'user': '100', 'domain': 'a.example'}]))
    loaded = subscriber_sync_plan.load_records(FakeModule({'users_src': str(path)}), 'users_src', ('user', 'domain'))
    assert loaded == [{'user': '', 'domain': 'a.example', 'problem': 'from the read', 'position': 9},
                      {'user': '100', 'domain': 'a.example'}]
