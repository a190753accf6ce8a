# -*- coding: utf-8 -*-
# Copyright: (c) 2026, clearip.netsapiens contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The per-account lock of the creating runs (issue 9, item 7)."""

from __future__ import annotations

import os
import stat

import pytest

from ansible_collections.clearip.netsapiens.plugins.module_utils._clearip import ClearIPClient
from ansible_collections.clearip.netsapiens.plugins.module_utils._clearip_lock import AccountLock, LockBusy
from tests.unit.plugins.module_utils.test_clearip import PASSWORD, login_ok, make_client


def test_account_lock_excludes_a_second_holder_and_names_the_first(tmp_path):
    client, session, clock = make_client(login_ok)
    first = AccountLock(directory=str(tmp_path / 'locks'))
    first.acquire(client)
    assert stat.S_IMODE(os.stat(str(tmp_path / 'locks')).st_mode) == 0o700
    assert stat.S_IMODE(os.stat(first.path).st_mode) == 0o600
    content = open(first.path).read()
    assert content.startswith('pid %d, started ' % os.getpid()) and PASSWORD not in content
    second = AccountLock(timeout=1, directory=str(tmp_path / 'locks'), clock=clock, sleep=clock.sleep)
    with pytest.raises(LockBusy) as info:
        second.acquire(client)
    assert 'another sync of ClearIP account api@example.com at http://stub is running (the holder is pid %d' % os.getpid() in str(info.value)
    assert 'raise lock_timeout' in str(info.value)
    first.release()
    second.acquire(client)
    second.release()


def test_account_lock_is_per_account():
    one, session, clock = make_client(login_ok)
    other = ClearIPClient('http://stub', 'someone-else@example.com', PASSWORD, session=session)
    assert AccountLock.key(one) != AccountLock.key(other)
    again = ClearIPClient('http://stub/', 'API@example.com', PASSWORD, session=session)
    assert AccountLock.key(one) == AccountLock.key(again)


def test_account_lock_is_one_whether_or_not_the_operator_is_named(tmp_path):
    # An account tied to one operator resolves no operator id unless it is named: both runs must still exclude each other.
    plain, session, clock = make_client(login_ok)
    named = ClearIPClient('http://stub', 'api@example.com', PASSWORD, session=session)
    named.operator_id = 'op-1'
    first = AccountLock(directory=str(tmp_path / 'locks'))
    first.acquire(plain)
    second = AccountLock(timeout=1, directory=str(tmp_path / 'locks'), clock=clock, sleep=clock.sleep)
    with pytest.raises(LockBusy):
        second.acquire(named)
    assert second._fds == []   # nothing left held after a refusal
    first.release()
    # Two accounts naming one operator exclude each other too, through the operator's lock.
    other = ClearIPClient('http://stub', 'someone-else@example.com', PASSWORD, session=session)
    other.operator_id = 'op-1'
    second.acquire(named)
    third = AccountLock(timeout=1, directory=str(tmp_path / 'locks'), clock=clock, sleep=clock.sleep)
    with pytest.raises(LockBusy):
        third.acquire(other)
    second.release()
    third.acquire(other)
    third.release()
