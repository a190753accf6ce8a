# -*- coding: utf-8 -*-
# Copyright: (c) 2026, clearip.netsapiens contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The report files of the sync and report modules, and the summary lines that say where they went."""

from __future__ import annotations

import json
import os

from ansible_collections.clearip.netsapiens.plugins.module_utils import _sync_module as sync_module
from ansible_collections.clearip.netsapiens.plugins.module_utils import _sync_report as sync_report

PLAN = {'errors': {'service_providers': [], 'groups': [], 'users': [], 'connections': []},
        'counts': {'service_providers_wanted': 0, 'groups_wanted': 0, 'users_wanted': 0}}
TIERS = dict((name, {'changed': False, 'created': [], 'existing': 0, 'failed_items': [], 'failed': False})
             for name in sync_report.TIERS)


def report(check_mode=False):
    return sync_report.build_report(100.0, 101.0, check_mode, PLAN, TIERS)


def test_the_summary_ends_with_the_absolute_paths_written(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / 'm').mkdir()
    written = sync_module.write_report_files(report(), 101.0, 'r.json', 'm/s.prom', False)
    assert written == {'report_path': str(tmp_path / 'r.json'), 'metrics_path': str(tmp_path / 'm' / 's.prom')}
    assert json.loads((tmp_path / 'r.json').read_text())['status'] == 'ok'
    assert sync_module.where_written(written, 'm/s.prom', False) == [
        'Report: written to %s' % (tmp_path / 'r.json'), 'Metrics: written to %s' % (tmp_path / 'm' / 's.prom')]


def test_a_dry_run_says_the_metrics_were_not_written(tmp_path):
    target = str(tmp_path / 's.prom')
    written = sync_module.write_report_files(report(True), 101.0, None, target, True)
    assert written == {} and not os.path.exists(target)
    assert sync_module.where_written(written, target, True) == ['Metrics: not written in a dry run']


def test_nothing_asked_for_gives_no_line_and_a_missing_directory_is_named(tmp_path):
    assert sync_module.where_written(sync_module.write_report_files(report(), 101.0, None, None, False), None, False) == []
    missing = str(tmp_path / 'nowhere' / 'r.json')
    written = sync_module.write_report_files(report(), 101.0, missing, None, False, names=('path', 'metrics_path'))
    lines = sync_module.where_written(written, None, False, names=('path', 'metrics_path'))
    assert lines == ['Not written: cannot write path (the role variable subscriber_sync_report_path) %s: its directory does not exist; '
                     'create it or choose another path' % missing]


class _StoppedClient(object):
    """A NetSapiens client whose every call finds the run stopped (a cancel)."""
    api_version = 'v2'

    def call(self, *args, **kwargs):
        from ansible_collections.clearip.netsapiens.plugins.module_utils._control import RunStopped
        raise RunStopped('the run was cancelled by SIGTERM', True)


def test_the_events_health_read_beside_the_sync_reports_a_stopped_run_and_falls_back_to_a_given_health():
    read = sync_module.EventsHealthRead({'up': True, 'problem': ''})
    read.start(_StoppedClient(), None)   # events not set up: nothing read, the given health (or None) reported
    assert read.thread is None and read.health() == {'up': True, 'problem': ''}
    assert sync_module.EventsHealthRead(None).health() is None
    stopped = sync_module.EventsHealthRead({'up': True, 'problem': ''})
    stopped.start(_StoppedClient(), {'post_url': 'https://eda.example/netsapiens/s3cret', 'scope_domain': None})
    health = stopped.health()
    assert health['up'] is False and health['problem'] == 'the event subscription was not read: the run was cancelled by SIGTERM'
    assert not stopped.thread.is_alive()


class _HangingClient(object):
    """A NetSapiens client whose call never answers (until released)."""
    api_version = 'v2'

    def __init__(self):
        import threading
        self.release = threading.Event()

    def call(self, *args, **kwargs):
        self.release.wait(30)
        raise AssertionError('released')


def test_the_events_health_read_is_waited_for_at_most_its_bound(monkeypatch):
    import time
    monkeypatch.setattr(sync_module.EventsHealthRead, 'WAIT', 0.2)
    client = _HangingClient()
    read = sync_module.EventsHealthRead(None)
    read.start(client, {'post_url': 'https://eda.example/netsapiens/s3cret', 'scope_domain': None})
    started = time.monotonic()
    health = read.health()
    assert time.monotonic() - started < 5
    assert health == {'up': False, 'problem': 'the event subscription was not read within 0.2 s after the sync'}
    client.release.set()
