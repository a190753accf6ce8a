# -*- coding: utf-8 -*-
# Copyright: (c) 2026, clearip.netsapiens contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The one-process sync: the background login and listings, and the stage of each fatal error."""

from __future__ import annotations

import pytest

from ansible_collections.clearip.netsapiens.plugins.module_utils import _sync_run as sync_run
from ansible_collections.clearip.netsapiens.plugins.module_utils._clearip_errors import ClearIPError, ClearIPLoginError, LoginRefused
from ansible_collections.clearip.netsapiens.plugins.module_utils._clearip_lock import LockBusy
from ansible_collections.clearip.netsapiens.plugins.module_utils._http import HttpError
from ansible_collections.clearip.netsapiens.plugins.module_utils._kinds import KIND_OF


class EagerBackground(object):
    """A background job whose thread runs to its end before the thread that started it goes on, as a busy
    machine may schedule it."""

    def __init__(self, work, name, control=None):
        self._value, self._error = None, None
        try:
            self._value = work()
        except BaseException as exc:  # pylint: disable=broad-except
            self._error = exc

    def result(self):
        if self._error is not None:
            raise self._error
        return self._value


class Client(object):
    def __init__(self):
        self.listed = []

    def ensure_login(self):
        return None

    def list(self, kind, shape=None):
        self.listed.append(kind)
        return [{'id': '%s-1' % kind, 'name': 'one %s' % kind}]


def test_listings_work_when_the_login_thread_finishes_before_the_constructor(monkeypatch):
    monkeypatch.setattr(sync_run, '_Background', EagerBackground)
    client = Client()
    listings = sync_run.ClearIPListings(client)
    for tier, kind in KIND_OF.items():
        assert listings.get(tier, {}) == [{'id': '%s-1' % kind, 'name': 'one %s' % kind}]
    assert sorted(client.listed) == sorted(KIND_OF.values())


@pytest.mark.parametrize('error, tier, stage', [
    (LoginRefused('ClearIP refused the login of a@b.example', 'wrong_credentials'), 'users', 'clearip_login'),
    (ClearIPLoginError('ClearIP login failed: POST http://h/auth/login: connection refused'), 'groups', 'clearip_login'),
    (LockBusy('another sync of ClearIP account a@b.example is running'), 'clearip_login', 'service_providers'),
    (HttpError('GET http://h/users answered HTTP 403', status=403), 'users', 'users'),
    (ClearIPError('GET http://h/users: the list changed under the reader 5 times in a row'), 'users', 'users'),
])
def test_the_stage_of_a_clearip_failure_is_decided_by_its_kind_not_its_words(error, tier, stage):
    assert sync_run.clearip_stage(error, tier) == stage
