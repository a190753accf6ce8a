# -*- coding: utf-8 -*-
# Copyright: (c) 2026, clearip.netsapiens contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""NetSapiens records in the collection's shape: every malformation kept with a problem (issue 9, item 3), dial rules,
event subscriptions."""

from __future__ import absolute_import, division, print_function

import base64
import json

import pytest

from ansible_collections.clearip.netsapiens.plugins.module_utils._netsapiens_records import (
    dialrule_id,
    NetSapiensError,
    dialrule_wire,
    format_subscription_time,
    normalize_dialrule,
    normalize_record,
    normalize_subscription,
    subscription_expires_at,
    subscription_hours_left,
    subscription_wire,
)


def wire_rule(to_uri, from_uri='*', **fields):
    rule = {'dial-rule-matching-to-uri': to_uri, 'dial-rule-matching-from-uri': from_uri, 'dial-rule-application': 'to-connection',
            'dial-rule-parameter': '', 'dial-rule-translation-destination-user': '[*]', 'enabled': 'yes'}
    rule.update(fields)
    return rule


def test_the_computed_id_is_the_base64_of_the_seven_matching_fields():
    expected = base64.b64encode(b'sip:611@*||*||[1-5]||*||*||08:00||*').decode()
    assert dialrule_id({'dial-rule-matching-to-uri': 'sip:611@*', 'dial-rule-matching-day-of-week': '[1-5]',
                        'dial-rule-matching-start-time': '08:00'}) == expected


def test_normalised_rules_prefer_the_servers_id_and_default_from_and_enabled():
    rule = normalize_dialrule({'dialrule': 'server-id', 'dial-rule-matching-to-uri': 'sip:611@*'}, 'd1.example', 'p', 'test')
    assert rule == {'id': 'server-id', 'domain': 'd1.example', 'dialplan': 'p', 'matching': 'sip:611@*', 'from_matching': '*',
                    'application': '', 'parameter': '', 'destination_user': '', 'destination_host': '', 'description': '',
                    'enabled': True}
    assert normalize_dialrule(wire_rule('sip:6@*', enabled='no'), 'd', 'p', 'test')['enabled'] is False
    with pytest.raises(NetSapiensError, match="dial rule from test has no 'dial-rule-matching-to-uri' field"):
        normalize_dialrule({'dial-rule-application': 'to-user'}, 'd', 'p', 'test')


def test_wire_bodies_carry_only_the_fields_that_are_set():
    assert dialrule_wire({'application': 'to-connection-add-header', 'parameter': '', 'enabled': False, 'description': None}) == {
        'dial-rule-application': 'to-connection-add-header', 'dial-rule-parameter': '', 'enabled': 'no'}


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


# -- event subscriptions --------------------------------------------------------------------------

@pytest.mark.parametrize('raw, expected_id', [
    ({'id': 'a1', 'model': 'subscriber'}, 'a1'),
    ({'subscription-id': 7, 'model': 'subscriber'}, '7'),
    ({'subscription': 'x9', 'model': 'subscriber'}, 'x9'),
])
def test_the_id_comes_from_the_first_id_field_present(raw, expected_id):
    assert normalize_subscription(raw)['id'] == expected_id


def test_a_record_without_an_id_is_skipped_and_missing_filters_mean_any():
    assert normalize_subscription({'model': 'subscriber', 'post-url': 'https://x/y'}) is None
    record = normalize_subscription({'id': 'a', 'model': 'subscriber', 'post-url': 'https://x/y', 'domain': None})
    assert record == {'id': 'a', 'model': 'subscriber', 'post_url': 'https://x/y', 'reseller': '*', 'domain': '*', 'user': '*',
                      'expires': '', 'preferred_server': '', 'status': '', 'current_active_server': '', 'created': '',
                      'error_count': None, 'posts_count': None}


def test_a_read_in_the_schema_names_of_the_description():
    # The example answer of GET /subscriptions/{id} in the published description (v45.0), plus a field it does not list.
    raw = {'id': 'f38d00a5eed9d15603922fe98db23630', 'subscription-geo-support': 'yes',
           'post-url': 'https://local.netsapiens.com/log.php', 'model': 'call', 'user-scope': 'Super User',
           'reseller': '*', 'domain': '*', 'user': '*', 'preferred-server': 'eng0-san.netsapiens.com',
           'current-active-server': '', 'status': 'pending', 'error-count': 0, 'posts-count': 0,
           'subscription-creation-datetime': '2023-10-09 17:16:36', 'subscription-expires-datetime': '2043-10-04 17:16:36',
           'something-new': 'ignored'}
    record = normalize_subscription(raw)
    assert record['expires'] == '2043-10-04 17:16:36' and record['preferred_server'] == 'eng0-san.netsapiens.com'
    assert (record['status'], record['error_count'], record['posts_count'], record['current_active_server']) == ('pending', 0, 0, '')
    assert record['created'] == '2023-10-09 17:16:36' and 'something-new' not in record
    # The names an earlier contract gave are not the API's: read as absent.
    old = normalize_subscription({'id': 'b', 'expires': '2043-10-04 17:16:36', 'server_preferred': 'x', 'error-count': 'many'})
    assert old['expires'] == '' and old['preferred_server'] == '' and old['error_count'] is None


def test_wire_body_uses_the_description_field_names_and_leaves_out_none():
    assert subscription_wire({'model': 'subscriber', 'post_url': 'https://x/t', 'reseller': '*', 'expires': None}) == {
        'model': 'subscriber', 'post-url': 'https://x/t', 'reseller': '*'}
    assert subscription_wire({'expires': '2030-01-01 00:00:00', 'preferred_server': 'core1', 'status': 'active',
                              'error_count': 3, 'current_active_server': 'core2'}) == {
        'subscription-expires-datetime': '2030-01-01 00:00:00', 'preferred-server': 'core1'}


def test_expires_is_utc_and_round_trips():
    assert format_subscription_time(0) == '1970-01-01 00:00:00'
    assert subscription_expires_at({'expires': '1970-01-02 00:00:00'}) == 86400
    assert subscription_expires_at({'expires': ''}) is None
    with pytest.raises(ValueError):
        subscription_expires_at({'expires': 'next week'})


def test_hours_left_to_the_hundredth_negative_once_past_none_when_unknown():
    now = 1000000.0
    assert subscription_hours_left({'expires': format_subscription_time(now + 36 * 3600)}, now) == 36.0
    assert subscription_hours_left({'expires': format_subscription_time(now - 3600)}, now) == -1.0
    assert subscription_hours_left({'expires': format_subscription_time(now + 60)}, now) == 0.02
    assert subscription_hours_left({'expires': ''}, now) is None
    assert subscription_hours_left({'expires': 'next week'}, now) is None
    assert subscription_hours_left(None, now) is None
