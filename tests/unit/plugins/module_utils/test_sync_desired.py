# -*- coding: utf-8 -*-
# Copyright: (c) 2026, clearip.netsapiens contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import pytest

from ansible_collections.clearip.netsapiens.plugins.module_utils._sync_desired import build_tiers, select_domain
from ansible_collections.clearip.netsapiens.plugins.module_utils._sync_naming import IdentifierScheme, SchemeError

RESELLERS = [{'name': 'R1', 'description': ''}, {'name': 'R2', 'description': ''}]
DOMAINS = [{'name': 'a.example', 'reseller': 'R1'}, {'name': 'b.example', 'reseller': 'R2'}]
USERS = [{'user': '100', 'domain': 'a.example', 'service_code': ''},
         {'user': '200', 'domain': 'b.example', 'service_code': 'system-aa'}]
CONNECTIONS = [{'name': 'sip*@198.51.100.7', 'domain': 'a.example', 'address': '198.51.100.7'}]


def tiers(resellers=None, domains=None, users=None, connections=None, scheme='plain', service_provider=None, **kwargs):
    return build_tiers(RESELLERS if resellers is None else resellers, DOMAINS if domains is None else domains,
                       USERS if users is None else users, CONNECTIONS if connections is None else connections,
                       IdentifierScheme(scheme, service_provider), **kwargs)


def no_errors():
    return {'service_providers': [], 'groups': [], 'users': [], 'connections': []}


def test_plain_scheme_maps_every_record():
    result = tiers()
    assert result['service_providers'] == [{'name': 'R1'}, {'name': 'R2'}]
    assert result['groups'] == [{'name': 'a.example', 'parent': 'R1'}, {'name': 'b.example', 'parent': 'R2'}]
    assert result['users'] == [{'name': '100@a.example', 'user_id': '100@a.example', 'parent': 'a.example'},
                               {'name': '200@b.example', 'user_id': '200@b.example', 'parent': 'b.example'}]
    assert result['errors'] == no_errors()
    assert result['counts'] == {'resellers': 2, 'domains': 2, 'users': 2, 'connections': 1, 'system_users_skipped': 0,
                                'malformed': 0}


def test_unique_scheme_names_groups_and_users_after_the_reseller():
    result = tiers(scheme='unique')
    assert [g['name'] for g in result['groups']] == ['a.example@R1', 'b.example@R2']
    assert result['users'][0] == {'name': '100@a.example@R1', 'user_id': '100@a.example@R1', 'parent': 'a.example@R1'}


def test_no_resellers_scheme_puts_every_group_under_one_service_provider():
    result = tiers(scheme='no_resellers', service_provider='Main SP', resellers=[],
                   domains=[{'name': 'a.example', 'reseller': ''}, {'name': 'b.example', 'reseller': 'gone'}])
    assert result['service_providers'] == [{'name': 'Main SP'}]
    assert [(g['name'], g['parent']) for g in result['groups']] == [('a.example', 'Main SP'), ('b.example', 'Main SP')]
    assert result['errors'] == no_errors()


def test_no_resellers_scheme_needs_its_service_provider():
    with pytest.raises(SchemeError):
        tiers(scheme='no_resellers')


def test_invalid_reseller_name_is_a_service_provider_error_and_its_domains_wait():
    domains = [{'name': 'a.example', 'reseller': 'R/1'}, {'name': 'b.example', 'reseller': 'R2'}]
    result = tiers(resellers=[{'name': 'R/1'}, {'name': 'R2'}], domains=domains)
    assert [e['name'] for e in result['errors']['service_providers']] == ['R/1']
    assert "reseller 'R/1'" in result['errors']['service_providers'][0]['reason']
    assert [e['name'] for e in result['errors']['groups']] == ['a.example']
    assert result['service_providers'] == [{'name': 'R2'}]
    assert [u['name'] for u in result['users']] == ['200@b.example']
    assert [e['name'] for e in result['errors']['users']] == ['100@a.example']


@pytest.mark.parametrize('reseller, words', [('', 'has no reseller'), ('R9', "reseller 'R9', which NetSapiens does not list")])
def test_domain_without_a_reseller_is_a_group_error(reseller, words):
    result = tiers(domains=[{'name': 'a.example', 'reseller': reseller}, {'name': 'b.example', 'reseller': 'R2'}])
    assert result['errors']['groups'] == [{'name': 'a.example', 'reason': result['errors']['groups'][0]['reason']}]
    assert words in result['errors']['groups'][0]['reason']
    assert [g['name'] for g in result['groups']] == ['b.example']


def test_invalid_domain_and_user_names():
    long_user = 'u' * 250      # valid alone, too long once @b.example is added
    result = tiers(domains=[{'name': 'a!example', 'reseller': 'R1'}, {'name': 'b.example', 'reseller': 'R2'}],
                   users=[{'user': '100', 'domain': 'a!example'}, {'user': 'x$y', 'domain': 'b.example'},
                          {'user': long_user, 'domain': 'b.example'}, {'user': '201', 'domain': 'b.example'}])
    assert [e['name'] for e in result['errors']['groups']] == ['a!example']
    assert "'!'" in result['errors']['groups'][0]['reason']
    assert [e['name'] for e in result['errors']['users']] == ['100@a!example', 'x$y@b.example', long_user + '@b.example']
    assert "'$'" in result['errors']['users'][1]['reason']
    assert 'at most 255' in result['errors']['users'][2]['reason']
    assert [u['name'] for u in result['users']] == ['201@b.example']


def test_users_and_connections_without_a_domain():
    result = tiers(users=[{'user': '1', 'domain': ''}, {'user': '2', 'domain': 'nowhere.example'}],
                   connections=[{'name': 'c1', 'domain': ''}, {'name': 'c2', 'domain': 'nowhere.example'}, CONNECTIONS[0]])
    assert [e['name'] for e in result['errors']['users']] == ['1', '2@nowhere.example']
    assert 'has no domain' in result['errors']['users'][0]['reason']
    assert [e['name'] for e in result['errors']['connections']] == ['c1', 'c2']
    assert result['users'] == []
    assert result['errors']['groups'] == [] and result['errors']['service_providers'] == []


def test_domain_filters_and_system_users():
    result = tiers(exclude_domains=['b.*'])
    assert [g['name'] for g in result['groups']] == ['a.example']
    assert [s['name'] for s in result['service_providers']] == ['R1']   # R2 has no selected domain
    assert [u['name'] for u in result['users']] == ['100@a.example']
    result = tiers(include_system_users=False)
    assert [u['name'] for u in result['users']] == ['100@a.example']
    assert result['counts']['system_users_skipped'] == 1
    assert select_domain('a.example', ['*.example'], ['a.*']) is False
    assert select_domain('A.example', ['a.*']) is False


# -- a malformed NetSapiens record (issue 9, item 3) fails in its own tier, the rest is planned --------
MALFORMED_RESELLERS = [{'name': 'R1', 'description': ''}, {'name': 'R2', 'description': ''}]
MALFORMED_DOMAINS = [{'name': 'a.example', 'reseller': 'R1'}, {'name': 'b.example', 'reseller': 'R2'}]
MALFORMED_USERS = [{'user': '100', 'domain': 'a.example', 'service_code': ''}, {'user': '200', 'domain': 'b.example', 'service_code': ''}]
MALFORMED_CONNECTIONS = [{'name': 'sip*@198.51.100.7', 'domain': 'a.example'}]


def bad(problem, position=3, **fields):
    record = dict(fields, problem=problem, position=position)
    return record


def test_a_malformed_user_fails_in_the_users_tier_and_everything_else_is_planned():
    users = MALFORMED_USERS + [bad('user record #3 of domain a.example from GET /u: no user', user='', domain='a.example')]
    result = build_tiers(MALFORMED_RESELLERS, MALFORMED_DOMAINS, users, MALFORMED_CONNECTIONS)
    assert result['service_providers'] == [{'name': 'R1'}, {'name': 'R2'}]
    assert [g['name'] for g in result['groups']] == ['a.example', 'b.example']
    assert [u['name'] for u in result['users']] == ['100@a.example', '200@b.example']
    assert result['errors'] == {'service_providers': [], 'groups': [], 'connections': [],
                                'users': [{'name': 'user #3 of domain a.example',
                                           'reason': 'user record #3 of domain a.example from GET /u: no user'}]}
    assert result['counts']['malformed'] == 1


def test_a_malformed_user_with_a_name_is_named_by_it():
    users = [bad("'service-code' is a list", user='100', domain='a.example')]
    assert build_tiers(MALFORMED_RESELLERS, MALFORMED_DOMAINS, users, [])['errors']['users'] == [
        {'name': '100@a.example', 'reason': "'service-code' is a list"}]


def test_a_malformed_domain_fails_in_the_groups_tier_and_its_users_wait():
    domains = [MALFORMED_DOMAINS[0], bad("'reseller' is a list", name='b.example', reseller='')]
    result = build_tiers(MALFORMED_RESELLERS, domains, MALFORMED_USERS, MALFORMED_CONNECTIONS)
    assert result['errors']['groups'] == [{'name': 'b.example', 'reason': "'reseller' is a list"}]
    assert [g['name'] for g in result['groups']] == ['a.example']
    assert [u['name'] for u in result['users']] == ['100@a.example']
    assert [e['name'] for e in result['errors']['users']] == ['200@b.example']
    assert 'its domain' in result['errors']['users'][0]['reason']


def test_a_nameless_malformed_domain_is_named_by_its_position():
    domains = MALFORMED_DOMAINS + [bad('no domain field', position=7, name='', reseller='R1')]
    result = build_tiers(MALFORMED_RESELLERS, domains, MALFORMED_USERS, [])
    assert result['errors']['groups'] == [{'name': 'domain #7', 'reason': 'no domain field'}]
    assert len(result['groups']) == 2 and len(result['users']) == 2


def test_a_malformed_reseller_is_a_service_provider_error_and_its_domains_wait():
    resellers = [MALFORMED_RESELLERS[0], bad("'reseller' is an object", position=2, name='', description='')]
    result = build_tiers(resellers, MALFORMED_DOMAINS, MALFORMED_USERS, [])
    assert result['errors']['service_providers'] == [{'name': 'reseller #2', 'reason': "'reseller' is an object"}]
    assert result['service_providers'] == [{'name': 'R1'}]
    # b.example's reseller R2 is not listed any more; the role then skips Groups for the Service Provider error
    assert [e['name'] for e in result['errors']['groups']] == ['b.example']


def test_a_malformed_reseller_is_ignored_without_resellers():
    resellers = [bad('broken', position=1, name='')]
    result = build_tiers(resellers, MALFORMED_DOMAINS, MALFORMED_USERS, [], IdentifierScheme('no_resellers', 'SP'))
    assert result['errors'] == {'service_providers': [], 'groups': [], 'users': [], 'connections': []}
    assert len(result['users']) == 2


def test_a_malformed_connection_is_a_connection_error():
    connections = MALFORMED_CONNECTIONS + [bad('no pattern', position=2, name='', domain='a.example')]
    result = build_tiers(MALFORMED_RESELLERS, MALFORMED_DOMAINS, MALFORMED_USERS, connections)
    assert result['errors']['connections'] == [{'name': 'connection #2', 'reason': 'no pattern'}]
    assert len(result['users']) == 2


def test_a_malformed_record_of_a_filtered_out_domain_is_not_reported():
    users = MALFORMED_USERS + [bad('broken', user='', domain='b.example')]
    domains = MALFORMED_DOMAINS + [bad('broken', name='c.example', reseller='')]
    result = build_tiers(MALFORMED_RESELLERS, domains, users, [], include_domains=['a.example'])
    assert result['errors'] == {'service_providers': [], 'groups': [], 'users': [], 'connections': []}
