# -*- coding: utf-8 -*-
# Copyright: (c) 2026, clearip.netsapiens contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""sync_run.ClearIPListings: the background login and listings of the one-process sync."""

from __future__ import annotations

from ansible_collections.clearip.netsapiens.plugins.module_utils import sync_run


class EagerBackground(object):
    """A background job whose thread runs to its end before the thread that started it goes on, as a busy
    machine may schedule it."""

    def __init__(self, work, name):
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

    def list(self, kind, fields=None):
        self.listed.append(kind)
        return [{'id': '%s-1' % kind, 'name': 'one %s' % kind}]


def test_listings_work_when_the_login_thread_finishes_before_the_constructor(monkeypatch):
    monkeypatch.setattr(sync_run, '_Background', EagerBackground)
    client = Client()
    listings = sync_run.ClearIPListings(client)
    for tier, kind in sync_run.KINDS.items():
        assert listings.get(tier, {}) == [{'id': '%s-1' % kind, 'name': 'one %s' % kind}]
    assert sorted(client.listed) == sorted(sync_run.KINDS.values())
