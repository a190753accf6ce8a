# -*- coding: utf-8 -*-
# Copyright: (c) 2026, clearip.netsapiens contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What a run leaves for the next one: the listing counts, and a refused login that is not sent again."""

from __future__ import annotations

import json
import os
import stat

import pytest

from ansible_collections.clearip.netsapiens.plugins.module_utils._clearip_errors import ClearIPLoginError, LoginRefused
from ansible_collections.clearip.netsapiens.plugins.module_utils._sync_state import AccountState, LoginMemory

PASSWORD = 'Wr0ng-Passw0rd-77'


def test_the_state_file_is_private_per_account_and_holds_no_secret(tmp_path):
    state = AccountState('https://u:pw@cip.example/', 'API@example.com', directory=str(tmp_path / 'state'))
    assert state.listed() == ({}, None)
    state.record_listed({'users': 2000, 'groups': 200}, now=0)
    assert state.listed() == ({'users': 2000, 'groups': 200}, '1970-01-01T00:00:00Z')
    assert stat.S_IMODE(os.stat(str(tmp_path / 'state')).st_mode) == 0o700
    assert stat.S_IMODE(os.stat(state.path).st_mode) == 0o600
    assert AccountState('https://cip.example', 'api@example.com', directory=str(tmp_path / 'state')).path == state.path
    assert AccountState('https://cip.example', 'other@example.com', directory=str(tmp_path / 'state')).path != state.path
    memory = LoginMemory(state, 'api@example.com', PASSWORD, ClearIPLoginError)
    memory.refused(LoginRefused('ClearIP refused the login of api@example.com (HTTP 401: invalid email or password)',
                                'wrong_credentials', 401))
    text = open(state.path).read()
    assert PASSWORD not in text and 'u:pw' not in text and json.loads(text)['listed']['counts']['users'] == 2000


def test_a_refused_login_is_not_sent_again_with_the_same_credentials(tmp_path):
    state = AccountState('https://cip.example', 'api@example.com', directory=str(tmp_path))
    first = LoginMemory(state, 'api@example.com', PASSWORD, ClearIPLoginError)
    first.check()
    first.refused(LoginRefused('ClearIP refused the login of api@example.com (HTTP 401: invalid email or password)',
                               'wrong_credentials', 401))
    again = LoginMemory(state, 'api@example.com', PASSWORD, ClearIPLoginError)
    with pytest.raises(ClearIPLoginError) as info:
        again.check()
    assert 'wrong_credentials' in str(info.value) and 'not sent again' in str(info.value)
    assert 'subscriber_sync_clearip_retry_refused_login=true' in str(info.value)
    assert again.remembered['reason'] == 'wrong_credentials'
    # Other credentials may be right: they are tried; so are the same ones when the operator says so.
    LoginMemory(state, 'api@example.com', PASSWORD + '-new', ClearIPLoginError).check()
    LoginMemory(state, 'api@example.com', PASSWORD, ClearIPLoginError, retry=True).check()
    # A login that succeeds clears the memory.
    LoginMemory(state, 'api@example.com', PASSWORD + '-new', ClearIPLoginError).succeeded()
    LoginMemory(state, 'api@example.com', PASSWORD, ClearIPLoginError).check()
