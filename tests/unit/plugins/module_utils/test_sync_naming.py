# -*- coding: utf-8 -*-
# Copyright: (c) 2026, clearip.netsapiens contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Names: the ClearIP name rule, the identifier schemes, the sync's comment."""

from __future__ import annotations

import pytest

from ansible_collections.clearip.netsapiens.plugins.module_utils._sync_naming import (
    IdentifierScheme, SchemeError, default_comment, is_sync_comment, name_problem, validate_name)


# -- names ---------------------------------------------------------------------------------------

def test_name_of_255_characters_is_valid():
    assert name_problem('a' * 255) is None


def test_name_of_256_characters_is_refused_with_its_length():
    assert name_problem('a' * 256) == 'name has 256 characters; ClearIP allows at most 255'


@pytest.mark.parametrize('char', list(' #*+@.,-_'))
def test_each_allowed_special_character(char):
    assert name_problem('a%sb' % char) is None


@pytest.mark.parametrize('name', ['abcXYZ', '0123456789', 'Acme Voice', '100@d1.example', 'A.B,C-D_E#F*G+H@I'])
def test_letters_digits_and_mixes_are_valid(name):
    assert name_problem(name) is None


@pytest.mark.parametrize('char', list('/\\!?$%&()[]{}<>:;"\'=|~^`') + ['\t', '\n'])
def test_refused_characters(char):
    assert name_problem('a%sb' % char) == (
        "name has characters that ClearIP does not allow: %r (allowed: ASCII letters, digits, space and # * + @ . , - _)" % char)


@pytest.mark.parametrize('name', ['caf\u00e9', '\u00c5sa', '\u6771\u4eac', '\u0410\u043d\u043d\u0430', 'x\u00a0y', '\uff21'])
def test_non_ascii_letters_and_spaces_are_refused(name):
    assert name_problem(name).startswith('name has characters that ClearIP does not allow: ')


def test_every_refused_character_is_named_once_in_order():
    assert name_problem('a/b!c/d').startswith("name has characters that ClearIP does not allow: '/', '!' (allowed")


def test_empty_and_non_string_names():
    assert name_problem('') == 'name is empty'
    assert name_problem(None) == 'name must be a string, got NoneType'
    assert name_problem(12) == 'name must be a string, got int'


def test_validate_name_names_kind_name_and_rule():
    assert validate_name('domain', 'a/b') == ("domain 'a/b': name has characters that ClearIP does not allow: '/' "
                                              "(allowed: ASCII letters, digits, space and # * + @ . , - _)")
    assert validate_name('reseller', 'x' * 300) == "reseller '%s': name has 300 characters; ClearIP allows at most 255" % ('x' * 300)
    assert validate_name('user', '100') is None


# -- identifier schemes ------------------------------------------------------------------------------

def test_plain_scheme():
    scheme = IdentifierScheme('plain')
    assert scheme.service_provider_name('R1') == 'R1'
    assert scheme.group_name('d1.example', 'R1') == 'd1.example'
    assert scheme.group_service_provider('d1.example', 'R1') == 'R1'
    assert scheme.user_id('100', 'd1.example', 'R1') == '100@d1.example'
    assert scheme.user_name('100', 'd1.example', 'R1') == '100@d1.example'
    assert scheme.user_group('d1.example', 'R1') == 'd1.example'
    assert scheme.uses_resellers is True


def test_unique_scheme():
    scheme = IdentifierScheme('unique')
    assert scheme.service_provider_name('R1') == 'R1'
    assert scheme.group_name('d1.example', 'R1') == 'd1.example@R1'
    assert scheme.group_service_provider('d1.example', 'R1') == 'R1'
    assert scheme.user_id('100', 'd1.example', 'R1') == '100@d1.example@R1'
    assert scheme.user_name('100', 'd1.example', 'R1') == '100@d1.example@R1'
    assert scheme.user_group('d1.example', 'R1') == 'd1.example@R1'
    assert scheme.header_value_template() == '<user>@<domain>@<reseller>'


def test_unique_scheme_needs_the_reseller():
    with pytest.raises(SchemeError) as info:
        IdentifierScheme('unique').group_name('d1.example', None)
    assert str(info.value) == "the unique identifier scheme needs the reseller of domain 'd1.example'"


def test_no_resellers_scheme_uses_one_service_provider():
    scheme = IdentifierScheme('no_resellers', service_provider='All Domains')
    assert scheme.service_provider_name('R1') == 'All Domains'
    assert scheme.group_name('d1.example', 'R1') == 'd1.example'
    assert scheme.group_service_provider('d1.example', 'R1') == 'All Domains'
    assert scheme.group_service_provider('d1.example', None) == 'All Domains'
    assert scheme.user_id('100', 'd1.example') == '100@d1.example'
    assert scheme.user_group('d1.example') == 'd1.example'
    assert scheme.uses_resellers is False
    assert scheme.header_value_template() == '<user>@<domain>'


def test_no_resellers_scheme_needs_its_service_provider():
    with pytest.raises(SchemeError) as info:
        IdentifierScheme('no_resellers')
    assert str(info.value) == 'the no_resellers identifier scheme needs the name of its one Service Provider'


def test_unknown_scheme():
    with pytest.raises(SchemeError) as info:
        IdentifierScheme('fancy')
    assert str(info.value) == "unknown identifier scheme 'fancy'; expected one of plain, unique, no_resellers"


def test_plain_scheme_refuses_a_domain_without_reseller():
    with pytest.raises(SchemeError) as info:
        IdentifierScheme('plain').group_service_provider('d1.example', '')
    assert str(info.value) == "domain 'd1.example' has no reseller"


def test_default_comment():
    assert default_comment() == 'Created by clearip.netsapiens sync'
    assert default_comment('pbx.example.com') == 'Created by clearip.netsapiens sync from pbx.example.com'


@pytest.mark.parametrize('comment, expected', [
    ('Created by clearip.netsapiens sync', True),
    ('Created by clearip.netsapiens sync from pbx.example.com', True),
    ('Created by clearip.netsapiens sync, then edited', False),
    ('created by clearip.netsapiens sync', False),
    ('', False),
    (None, False),
])
def test_is_sync_comment(comment, expected):
    assert is_sync_comment(comment) is expected
