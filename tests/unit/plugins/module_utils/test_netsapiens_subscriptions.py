# -*- coding: utf-8 -*-
# Copyright: (c) 2026, clearip.netsapiens contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""NetSapiens event subscriptions through the client: the paths (the records' field names are tested in
test_netsapiens_records.py)."""

from __future__ import absolute_import, division, print_function

from ansible_collections.clearip.netsapiens.plugins.module_utils._netsapiens_subscriptions import subscriptions_path


def test_paths_quote_the_domain_and_id():
    assert subscriptions_path() == '/ns-api/v2/subscriptions'
    assert subscriptions_path('d 1/x', 'a/b') == '/ns-api/v2/domains/d%201%2Fx/subscriptions/a%2Fb'
