# -*- coding: utf-8 -*-
# Copyright: (c) 2026, clearip.netsapiens contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The NetSapiens client's subscription wire details, and how the module shows a post URL."""

from __future__ import absolute_import, division, print_function

import pytest

from ansible_collections.clearip.netsapiens.plugins.module_utils._netsapiens_records import (
    format_subscription_time,
    normalize_subscription,
    subscription_expires_at,
    subscription_wire,
)
from ansible_collections.clearip.netsapiens.plugins.module_utils._netsapiens_subscriptions import subscriptions_path


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
                      'expires': '', 'server_preferred': ''}


def test_wire_body_uses_the_description_field_names_and_leaves_out_none():
    assert subscription_wire({'model': 'subscriber', 'post_url': 'https://x/t', 'reseller': '*', 'expires': None}) == {
        'model': 'subscriber', 'post-url': 'https://x/t', 'reseller': '*'}


def test_expires_is_utc_and_round_trips():
    assert format_subscription_time(0) == '1970-01-01 00:00:00'
    assert subscription_expires_at({'expires': '1970-01-02 00:00:00'}) == 86400
    assert subscription_expires_at({'expires': ''}) is None
    with pytest.raises(ValueError):
        subscription_expires_at({'expires': 'next week'})


def test_paths_quote_the_domain_and_id():
    assert subscriptions_path() == '/ns-api/v2/subscriptions'
    assert subscriptions_path('d 1/x', 'a/b') == '/ns-api/v2/domains/d%201%2Fx/subscriptions/a%2Fb'
