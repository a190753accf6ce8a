# -*- coding: utf-8 -*-
# Copyright: (c) 2026, clearip.netsapiens contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The drift computation: scope per identifier scheme, gone and moved per tier."""

from __future__ import annotations

import pytest

from ansible_collections.clearip.netsapiens.plugins.module_utils._sync_drift import compute_drift
from ansible_collections.clearip.netsapiens.plugins.module_utils._sync_naming import (
    IdentifierScheme, SchemeError, default_comment)

SYNC = default_comment('pbx.example.com')


class ClearIP(object):
    """A tiny ClearIP holding as the sync lists it (``{id, name, comment, parent_id, user_id}``), built by name."""

    def __init__(self):
        self.sps, self.groups, self.users = [], [], []
        self.ids = {}

    def sp(self, name, comment=SYNC):
        self.ids[('sp', name)] = 'sp-%s' % name
        self.sps.append({'id': 'sp-%s' % name, 'name': name, 'comment': comment})
        return self

    def group(self, name, sp, comment=SYNC):
        self.ids[('group', name)] = 'g-%s' % name
        self.groups.append({'id': 'g-%s' % name, 'name': name, 'parent_id': self.ids[('sp', sp)], 'comment': comment})
        return self

    def user(self, name, group, user_id=None, comment=SYNC):
        self.users.append({'id': 'u-%s' % name, 'name': name, 'parent_id': self.ids[('group', group)],
                           'user_id': name if user_id is None else user_id, 'comment': comment})
        return self


def ns(resellers, domains, users):
    """NetSapiens records: resellers by name, domains {domain: reseller}, users as 'user@domain'."""
    return ([{'name': r} for r in resellers], [{'name': d, 'reseller': r} for d, r in domains.items()],
            [{'user': u.split('@', 1)[0], 'domain': u.split('@', 1)[1]} for u in users])


def drift(netsapiens, cip, scheme='plain', service_provider=None, **kwargs):
    return compute_drift(*(netsapiens + (cip.sps, cip.groups, cip.users)), naming=IdentifierScheme(scheme, service_provider),
                         **kwargs)


def names(result, tier, what):
    return [e['name'] for e in result[tier][what]]


def plain_world():
    cip = (ClearIP().sp('R1').sp('R2')
           .group('d1.example', 'R1').group('d2.example', 'R2')
           .user('100@d1.example', 'd1.example').user('101@d1.example', 'd1.example').user('200@d2.example', 'd2.example'))
    return cip


def test_nothing_drifts_when_both_sides_agree():
    result = drift(ns(['R1', 'R2'], {'d1.example': 'R1', 'd2.example': 'R2'}, ['100@d1.example', '101@d1.example', '200@d2.example']),
                   plain_world())
    assert result['counts'] == {'service_providers': {'gone': 0, 'moved': 0, 'in_scope': 2},
                                'groups': {'gone': 0, 'moved': 0, 'in_scope': 2},
                                'users': {'gone': 0, 'moved': 0, 'in_scope': 3}, 'total': 0}


def test_removed_user_domain_and_reseller_are_gone_with_their_reasons():
    # 101 left d1.example; d2.example and its reseller R2 are gone (so is its user 200).
    result = drift(ns(['R1'], {'d1.example': 'R1'}, ['100@d1.example']), plain_world())
    assert result['service_providers']['gone'] == [
        {'id': 'sp-R2', 'name': 'R2', 'parent': None, 'parent_id': None, 'reason': "NetSapiens has no reseller 'R2'"}]
    assert result['groups']['gone'] == [
        {'id': 'g-d2.example', 'name': 'd2.example', 'parent': 'R2', 'parent_id': 'sp-R2', 'reason': "NetSapiens has no domain 'd2.example'"}]
    assert result['users']['gone'] == [
        {'id': 'u-101@d1.example', 'name': '101@d1.example', 'user_id': '101@d1.example', 'parent': 'd1.example',
         'parent_id': 'g-d1.example', 'reason': "NetSapiens domain 'd1.example' has no user '101'"},
        {'id': 'u-200@d2.example', 'name': '200@d2.example', 'user_id': '200@d2.example', 'parent': 'd2.example',
         'parent_id': 'g-d2.example', 'reason': "NetSapiens has no domain 'd2.example'"}]
    assert result['counts']['total'] == 4
    assert all(result[t]['moved'] == [] for t in ('service_providers', 'groups', 'users'))


def test_hand_made_users_are_out_of_scope_unless_named_by_the_scheme():
    cip = (plain_world()
           .user('Default User', 'd1.example', user_id='')             # a Default User: blank User ID
           .user('999@d1.example', 'd1.example', user_id='')           # scheme's name but not the sync's User ID
           .user('reception', 'd1.example')                            # not user@domain
           .user('100@d2.example', 'd1.example')                       # names another Group's domain
           .user('555@d1.example', 'd1.example', comment='made by hand'))  # scheme's name: reported (no comment rule)
    netsapiens = ns(['R1', 'R2'], {'d1.example': 'R1', 'd2.example': 'R2'}, ['100@d1.example', '101@d1.example', '200@d2.example'])
    result = drift(netsapiens, cip)
    assert names(result, 'users', 'gone') == ['555@d1.example']
    assert result['counts']['users']['in_scope'] == 4
    # With the comment rule, only what the sync wrote is in scope: the hand-made 555 is no longer reported.
    strict = drift(netsapiens, cip, require_comment=True)
    assert names(strict, 'users', 'gone') == []
    assert strict['counts']['users']['in_scope'] == 3


def test_comment_rule_applies_to_every_tier():
    cip = (ClearIP().sp('R1').sp('Trunks', comment='hand made').group('d1.example', 'R1')
           .group('lab', 'R1', comment='').user('1@lab', 'lab'))
    netsapiens = ns(['R1'], {'d1.example': 'R1'}, [])
    assert (names(drift(netsapiens, cip), 'service_providers', 'gone'), names(drift(netsapiens, cip), 'groups', 'gone'),
            names(drift(netsapiens, cip), 'users', 'gone')) == (['Trunks'], ['lab'], ['1@lab'])
    strict = drift(netsapiens, cip, require_comment=True)
    # Only its own comment counts: the sync-made User under the hand-made Group 'lab' stays in scope.
    assert (names(strict, 'service_providers', 'gone'), names(strict, 'groups', 'gone'), names(strict, 'users', 'gone')) == (
        [], [], ['1@lab'])
    assert [strict['counts'][t]['in_scope'] for t in ('service_providers', 'groups', 'users')] == [1, 1, 1]


def test_plain_moved_domain_shows_on_the_group_only():
    netsapiens = ns(['R1', 'R2'], {'d1.example': 'R2', 'd2.example': 'R2'}, ['100@d1.example', '101@d1.example', '200@d2.example'])
    result = drift(netsapiens, plain_world())
    assert result['groups']['moved'] == [
        {'id': 'g-d1.example', 'name': 'd1.example', 'parent': 'R1', 'parent_id': 'sp-R1', 'netsapiens_parent': 'R2',
         'reason': "NetSapiens domain 'd1.example' belongs to reseller 'R2' now"}]
    assert result['counts']['total'] == 1   # its users keep their names and Group under plain


def unique_world():
    return (ClearIP().sp('R1').sp('R2')
            .group('d1.example@R1', 'R1').group('d2.example@R2', 'R2')
            .user('100@d1.example@R1', 'd1.example@R1').user('200@d2.example@R2', 'd2.example@R2'))


def test_unique_moved_domain_moves_its_group_and_users():
    # d1.example moved to R2: the sync made d1.example@R2 and 100@d1.example@R2; the old ones are the drift.
    cip = unique_world().group('d1.example@R2', 'R2').user('100@d1.example@R2', 'd1.example@R2')
    netsapiens = ns(['R1', 'R2'], {'d1.example': 'R2', 'd2.example': 'R2'}, ['100@d1.example', '200@d2.example'])
    result = drift(netsapiens, cip, scheme='unique')
    assert result['groups']['moved'] == [
        {'id': 'g-d1.example@R1', 'name': 'd1.example@R1', 'parent': 'R1', 'parent_id': 'sp-R1', 'netsapiens_parent': 'R2',
         'reason': "NetSapiens domain 'd1.example' belongs to reseller 'R2' now"}]
    assert result['users']['moved'] == [
        {'id': 'u-100@d1.example@R1', 'name': '100@d1.example@R1', 'user_id': '100@d1.example@R1', 'parent': 'd1.example@R1',
         'parent_id': 'g-d1.example@R1', 'netsapiens_parent': 'd1.example@R2',
         'reason': "NetSapiens domain 'd1.example' belongs to reseller 'R2' now"}]
    assert result['counts']['total'] == 2


def test_unique_scope_needs_the_group_named_after_its_own_service_provider():
    cip = unique_world().group('d9.example', 'R1').group('d8.example@R2', 'R1').user('1@d9.example', 'd9.example')
    result = drift(ns(['R1', 'R2'], {'d1.example': 'R1', 'd2.example': 'R2'}, ['100@d1.example', '200@d2.example']), cip,
                   scheme='unique')
    assert result['counts']['total'] == 0
    assert result['counts']['groups']['in_scope'] == 2 and result['counts']['users']['in_scope'] == 2


def test_unique_removed_reseller_domain_and_user():
    result = drift(ns(['R1'], {'d1.example': 'R1'}, []), unique_world(), scheme='unique')
    assert names(result, 'service_providers', 'gone') == ['R2']
    assert names(result, 'groups', 'gone') == ['d2.example@R2']
    assert [(e['name'], e['reason']) for e in result['users']['gone']] == [
        ('100@d1.example@R1', "NetSapiens domain 'd1.example' has no user '100'"),
        ('200@d2.example@R2', "NetSapiens has no domain 'd2.example'")]


def test_no_resellers_scope_is_the_fixed_service_provider_only():
    cip = (ClearIP().sp('Acme').sp('Other').group('d1.example', 'Acme').group('d2.example', 'Acme').group('x.example', 'Other')
           .user('100@d1.example', 'd1.example').user('1@x.example', 'x.example'))
    result = drift(ns([], {'d1.example': ''}, []), cip, scheme='no_resellers', service_provider='Acme')
    assert result['service_providers'] == {'gone': [], 'moved': [], 'in_scope': 0}
    assert names(result, 'groups', 'gone') == ['d2.example']
    assert names(result, 'users', 'gone') == ['100@d1.example']
    assert result['counts']['groups']['in_scope'] == 2 and result['counts']['users']['in_scope'] == 1


def test_domain_filters_limit_groups_users_and_service_providers():
    cip = (ClearIP().sp('R1').sp('R2').sp('R3')
           .group('d1.example', 'R1').group('d2.test', 'R2')
           .user('100@d1.example', 'd1.example').user('200@d2.test', 'd2.test'))
    result = drift(ns([], {}, []), cip, exclude_domains=['*.test'])
    assert names(result, 'service_providers', 'gone') == ['R1']   # R2 holds only an excluded Group, R3 none
    assert names(result, 'groups', 'gone') == ['d1.example']
    assert names(result, 'users', 'gone') == ['100@d1.example']
    included = drift(ns([], {}, []), cip, include_domains=['*.test'])
    assert names(included, 'groups', 'gone') == ['d2.test'] and names(included, 'service_providers', 'gone') == ['R2']


def test_a_user_of_an_unknown_group_or_a_group_of_an_unknown_service_provider_is_out_of_scope():
    cip = plain_world()
    cip.groups.append({'id': 'g-orphan', 'name': 'orphan.example', 'parent_id': 'sp-missing', 'comment': SYNC})
    cip.users.append({'id': 'u-x', 'name': '1@orphan.example', 'parent_id': 'g-orphan', 'user_id': '1@orphan.example', 'comment': SYNC})
    result = drift(ns(['R1', 'R2'], {'d1.example': 'R1', 'd2.example': 'R2'}, ['100@d1.example', '101@d1.example', '200@d2.example']), cip)
    assert result['counts']['total'] == 0


def test_the_same_name_twice_is_reported_once_per_object():
    cip = ClearIP().sp('R1').group('d1.example', 'R1').user('100@d1.example', 'd1.example')
    cip.users.append(dict(cip.users[0], id='u-second'))
    result = drift(ns(['R1'], {'d1.example': 'R1'}, []), cip)
    assert [e['id'] for e in result['users']['gone']] == ['u-100@d1.example', 'u-second']


def test_no_resellers_without_its_service_provider_is_refused():
    with pytest.raises(SchemeError):
        compute_drift([], [], [], [], [], [], naming=IdentifierScheme('no_resellers'))


def test_users_of_a_malformed_domain_are_not_called_gone():
    # d1.example's NetSapiens record is malformed (its reseller is not text): the sync does not read its
    # users, so none of its ClearIP Users can be judged gone (they may all still be in NetSapiens).
    resellers, domains, users = ns(['R1', 'R2'], {'d1.example': 'R1', 'd2.example': 'R2'}, ['200@d2.example'])
    domains[0].update(reseller='', problem="domain record #1: 'reseller' is an object, not text")
    result = drift((resellers, domains, users), plain_world())
    assert [names(result, tier, what) for tier in ('service_providers', 'groups', 'users') for what in ('gone', 'moved')] == [[]] * 6
    assert result['counts']['total'] == 0
    # A Group named after a malformed domain is not gone either: the domain is there.
    assert result['counts']['groups'] == {'gone': 0, 'moved': 0, 'in_scope': 2}


def test_nothing_is_called_gone_for_an_absence_while_a_nameless_malformed_record_may_stand_for_it():
    # NetSapiens lists R2, d2.example and user 101 only as malformed records without a name: each may be the
    # one ClearIP holds, so none of them (nor what hangs under them) is reported gone.
    resellers, domains, users = ns(['R1'], {'d1.example': 'R1'}, ['100@d1.example'])
    resellers.append({'name': '', 'problem': "reseller record #2: no 'reseller' field"})
    domains.append({'name': '', 'reseller': '', 'problem': "domain record #2: no 'domain' field"})
    users.append({'user': '', 'domain': 'd1.example', 'problem': "user #3 of domain d1.example: no 'user' field", 'position': 3})
    result = drift((resellers, domains, users), plain_world())
    assert result['counts']['total'] == 0, result
    assert [result['counts'][t]['in_scope'] for t in ('service_providers', 'groups', 'users')] == [2, 2, 3]
    # Without them the same absences are drift, as before.
    result = drift(ns(['R1'], {'d1.example': 'R1'}, ['100@d1.example']), plain_world())
    assert (names(result, 'service_providers', 'gone'), names(result, 'groups', 'gone'), names(result, 'users', 'gone')) == (
        ['R2'], ['d2.example'], ['101@d1.example', '200@d2.example'])


def test_a_nameless_user_record_spares_only_its_own_domain():
    resellers, domains, users = ns(['R1', 'R2'], {'d1.example': 'R1', 'd2.example': 'R2'}, ['100@d1.example'])
    users.append({'user': '', 'domain': 'd1.example', 'problem': "user #2 of domain d1.example: no 'user' field", 'position': 2})
    result = drift((resellers, domains, users), plain_world())
    assert names(result, 'users', 'gone') == ['200@d2.example']   # 101@d1.example may be the nameless record
