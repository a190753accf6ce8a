# -*- coding: utf-8 -*-
# Copyright: (c) 2026, clearip.netsapiens contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""How a failed ClearIP call reads: why a login was refused, and the operator hint (_clearip_errors)."""

from __future__ import absolute_import, division, print_function

import json

import pytest

from ansible_collections.clearip.netsapiens.plugins.module_utils._clearip_errors import error_message, explain_login_refusal
from ansible_collections.clearip.netsapiens.plugins.module_utils._http import HttpError
from tests.simulators import clearip as sim


@pytest.mark.parametrize('status, message, reason', [
    (401, sim.BAD_CREDENTIALS_MESSAGE, 'wrong_credentials'),
    (423, sim.LOCKED_MESSAGE, 'account_locked'),
    (403, sim.EULA_MESSAGE, 'eula_not_accepted'),
    (403, sim.TEMPORARY_PASSWORD_MESSAGE, 'temporary_password'),
    (403, sim.IP_NOT_WHITELISTED_MESSAGE % {'ip': '127.0.0.1', 'whitelist': 'empty'}, 'ip_not_whitelisted'),
    (401, '', 'wrong_credentials'),
    (423, '', 'account_locked'),
    (403, 'Forbidden', 'refused'),
    (400, 'Please accept the Terms of Service (EULA) first', 'eula_not_accepted'),
    (403, 'Your password has expired, choose a new password', 'temporary_password'),
])
def test_login_refusal_is_explained_from_status_and_words(status, message, reason):
    assert explain_login_refusal(status, message)[0] == reason


def test_each_refusal_names_its_fix():
    assert 'IP whitelist' in explain_login_refusal(403, 'not in the whitelist')[1]
    assert 'accept' in explain_login_refusal(403, 'EULA')[1]
    assert 'permanent password' in explain_login_refusal(403, 'temporary password')[1]
    assert 'unlock' in explain_login_refusal(423, 'locked')[1]
    assert 'email and password' in explain_login_refusal(401, 'invalid email or password')[1]


def test_operator_required_answer_names_the_option():
    error = HttpError('GET http://stub/groups answered HTTP 400 with an error: ...', status=400,
                      body_excerpt=json.dumps({'message': sim.OPERATOR_REQUIRED_MESSAGE}))
    assert error_message(error).endswith('this ClearIP account is not tied to one operator: set the operator option (name or id)')
