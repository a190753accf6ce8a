# -*- coding: utf-8 -*-
# Copyright: (c) 2026, clearip.netsapiens contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""When a read that lacks too much is not believed."""

from __future__ import annotations

from ansible_collections.clearip.netsapiens.plugins.module_utils._sync_absence import (
    AbsenceLimits, suspect_clearip_listing, suspect_netsapiens_read)


def test_a_read_is_suspect_only_past_both_the_share_and_the_minimum():
    limits = AbsenceLimits()
    assert limits.allowed('users', 2000) == 400 and limits.allowed('users', 3) == 10
    assert limits.suspect('users', 2000, 400) is None
    assert limits.suspect('users', 2000, 401) == ('401 of 2000 Users (20%) are missing, more than the limit of 400 '
                                                  '(share 0.2, at least 10)')
    assert limits.suspect('service_providers', 3, 3) is None   # one removed reseller of three is not a glitch
    assert limits.suspect('users', 0, 0) is None


def test_each_tier_has_its_own_share():
    limits = AbsenceLimits({'users': 1.0}, minimum=0)
    assert limits.suspect('users', 100, 100) is None
    assert limits.suspect('groups', 100, 21) is not None


def test_a_netsapiens_read_that_lost_every_user_of_clearip_is_named_with_its_numbers():
    counts = {'service_providers': {'gone': 0, 'in_scope': 3}, 'groups': {'gone': 1, 'in_scope': 200},
              'users': {'gone': 2000, 'in_scope': 2000}}
    found = suspect_netsapiens_read(AbsenceLimits(), counts)
    assert [(f['tier'], f['side'], f['held'], f['missing']) for f in found] == [('users', 'netsapiens', 2000, 2000)]
    assert found[0]['reason'] == ("NetSapiens does not list Users that ClearIP holds in the sync's scope: 2000 of 2000 Users "
                                  "(100%) are missing, more than the limit of 400 (share 0.2, at least 10)")


def test_a_clearip_listing_is_compared_with_what_was_held_when_known():
    assert suspect_clearip_listing(AbsenceLimits(), 'users', 0, None) is None   # a first run
    assert suspect_clearip_listing(AbsenceLimits(), 'users', 1990, 2000) is None
    finding = suspect_clearip_listing(AbsenceLimits(), 'users', 0, 2000, 'at the end of the run of 2026-12-07T01:00:00Z')
    assert finding['missing'] == 2000
    assert finding['reason'].startswith('ClearIP lists 0 Users where it held 2000 (at the end of the run of 2026-12-07T01:00:00Z)')
