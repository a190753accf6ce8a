# -*- coding: utf-8 -*-
# Copyright: (c) 2026, clearip.netsapiens contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The report, its status, the Prometheus text (checked with prometheus_client's parser) and progress lines."""

from __future__ import annotations

import math
import os
import stat

import pytest
from prometheus_client.parser import text_string_to_metric_families

from ansible_collections.clearip.netsapiens.plugins.module_utils import sync_report
from ansible_collections.clearip.netsapiens.plugins.module_utils.progress import ProgressLog

PLAN = {'errors': {'service_providers': [], 'groups': [], 'users': [], 'connections': []},
        'counts': {'service_providers_wanted': 2, 'groups_wanted': 3, 'users_wanted': 4}}


def tier(created=(), existing=0, failed=()):
    return {'changed': bool(created), 'created': list(created), 'existing': existing, 'failed_items': list(failed), 'failed': False}


def test_ok_partial_and_failed():
    tiers = {'service_providers': tier(['A', 'B']), 'groups': tier(['g1'], 2), 'users': tier(['u1'], 3)}
    ok = sync_report.build_report(100.0, 102.5, False, PLAN, tiers, versions={'collection': '0.1.0'})
    assert ok['status'] == 'ok' and ok['error'] is None and ok['errors'] == []
    assert ok['started'] == '1970-01-01T00:01:40.000Z' and ok['ended'] == '1970-01-01T00:01:42.500Z' and ok['duration_seconds'] == 2.5
    assert ok['tiers']['groups']['counts'] == {'wanted': 3, 'created': 1, 'existing': 2, 'failed': 0}
    assert [ok['tiers'][t]['status'] for t in sync_report.TIERS] == ['done', 'done', 'done']

    bad = {'name': 'g2', 'reason': "group 'g2': moved"}
    tiers = {'service_providers': tier(['A']), 'groups': tier([], 1, [bad]), 'users': {'skipped': True, 'changed': False}}
    partial = sync_report.build_report(100.0, 101.0, False, PLAN, tiers)
    assert partial['status'] == 'partial' and partial['errors'] == ["group 'g2': moved"]
    assert partial['tiers']['users']['skipped'] and partial['tiers']['users']['skipped_reason'] == '1 Group(s) failed'
    assert partial['tiers']['users']['status'] == 'skipped'

    failed_call = {'failed': True, 'msg': 'ClearIP refused the login of a@b (HTTP 401: wrong password)'}
    failed = sync_report.build_report(100.0, 101.0, False, PLAN, {'service_providers': failed_call},
                                      error={'stage': 'service_providers', 'message': failed_call['msg'], 'task': 'x'})
    assert failed['status'] == 'failed' and failed['error']['stage'] == 'clearip_login'
    assert [failed['tiers'][t]['status'] for t in sync_report.TIERS] == ['failed', 'not_reached', 'not_reached']
    assert failed['tiers']['groups']['skipped_reason'] == 'the run stopped at clearip_login'
    assert failed['errors'] == [failed_call['msg']]


@pytest.mark.parametrize('stage,message,expected', [
    ('netsapiens_read', 'NetSapiens rejected the user credentials (HTTP 400 invalid_grant): check username and password', 'netsapiens_login'),
    ('netsapiens_read', 'NetSapiens request failed: POST https://h/ns-api/v2/tokens: connection refused', 'netsapiens_login'),
    ('netsapiens_read', 'NetSapiens request failed: GET https://h/ns-api/v2/domains answered HTTP 403', 'netsapiens_read'),
    ('users', 'ClearIP login failed: POST http://h/auth/login: connection refused', 'clearip_login'),
    ('users', 'GET http://h/users answered HTTP 403', 'users'),
    ('settings', 'ClearIP refused the login', 'settings'),   # only reads and tiers move to a login stage
])
def test_login_failures_are_told_from_other_failures(stage, message, expected):
    assert sync_report.refine_stage(stage, message) == expected


@pytest.mark.parametrize('value,expected', [
    ('https://user:secret@ns.example.com:8443/base?token=t#x', 'https://ns.example.com:8443/base'),
    ('ns.example.com', 'ns.example.com'),
    ('http://127.0.0.1:8080', 'http://127.0.0.1:8080'),
    ('a:b@host', 'host'),
    (None, None),
])
def test_urls_lose_credentials(value, expected):
    assert sync_report.redact_url(value) == expected


def families(text):
    return dict((family.name, family) for family in text_string_to_metric_families(text))


def test_prometheus_text_parses_and_carries_the_last_success():
    report = sync_report.build_report(1000.0, 1012.25, False, PLAN, {'service_providers': tier(['A'], 1)},
                                      error={'stage': 'groups', 'message': 'x "quoted"\nline', 'task': 't'})
    text = sync_report.prometheus_text(report, 1012.25, 900.0)
    parsed = families(text)
    assert parsed['clearip_netsapiens_sync_last_success_timestamp_seconds'].samples[0].value == 900.0
    assert parsed['clearip_netsapiens_sync_last_run_timestamp_seconds'].samples[0].value == 1012.25
    assert parsed['clearip_netsapiens_sync_duration_seconds'].samples[0].value == 12.25
    status = dict((s.labels['status'], s.value) for s in parsed['clearip_netsapiens_sync_status'].samples)
    assert status == {'ok': 0, 'partial': 0, 'failed': 1}
    objects = dict(((s.labels['tier'], s.labels['outcome']), s.value) for s in parsed['clearip_netsapiens_sync_objects'].samples)
    assert objects[('service_providers', 'created')] == 1 and objects[('service_providers', 'existing')] == 1 and len(objects) == 9

    unknown = families(sync_report.prometheus_text(report, 1012.25, None))
    assert math.isnan(unknown['clearip_netsapiens_sync_last_success_timestamp_seconds'].samples[0].value)

    ok = sync_report.build_report(2000.0, 2001.0, False, PLAN, {})
    ok_text = sync_report.prometheus_text(dict(ok, status='ok'), 2001.0, 900.0)
    assert families(ok_text)['clearip_netsapiens_sync_last_success_timestamp_seconds'].samples[0].value == 2001.0


def test_last_success_is_read_back_from_the_file(tmp_path):
    path = tmp_path / 'm.prom'
    assert sync_report.read_last_success(str(path)) is None
    report = sync_report.build_report(1000.0, 1001.0, False, PLAN, {})
    path.write_text(sync_report.prometheus_text(dict(report, status='ok'), 1234567890.5, None))
    assert sync_report.read_last_success(str(path)) == 1234567890.5
    path.write_text(sync_report.prometheus_text(report, 1001.0, None))
    assert sync_report.read_last_success(str(path)) is None


def test_write_atomically_sets_the_mode_and_leaves_no_temporary_file(tmp_path):
    path = tmp_path / 'report.json'
    path.write_text('old')
    path.chmod(0o644)
    old_umask = os.umask(0)
    try:
        sync_report.write_atomically(str(path), 'new\n', 0o600)
    finally:
        os.umask(old_umask)
    assert path.read_text() == 'new\n' and stat.S_IMODE(path.stat().st_mode) == 0o600
    assert os.listdir(str(tmp_path)) == ['report.json']


def test_summary_says_the_status_and_the_stage():
    report = sync_report.build_report(1.0, 2.0, True, None, {}, error={'stage': 'settings', 'message': 'bad', 'task': 't'})
    assert sync_report.summary_lines(report)[-1] == 'Status: failed (dry run) at stage settings: bad'


def test_drift_is_recorded_counted_and_exported_but_never_changes_the_status():
    counts = {'service_providers': {'gone': 1, 'moved': 0, 'in_scope': 3},
              'groups': {'gone': 2, 'moved': 1, 'in_scope': 9},
              'users': {'gone': 5, 'moved': 4, 'in_scope': 40}, 'total': 13}
    drift = {'scope': {'scheme': 'plain'}, 'counts': counts, 'tiers': {}}
    tiers = {'service_providers': tier([], 2), 'groups': tier([], 3), 'users': tier([], 4)}
    report = sync_report.build_report(1.0, 2.0, False, PLAN, tiers, drift=drift)
    assert report['status'] == 'ok' and report['drift'] == drift
    assert ('Drift: 1 Service Provider(s), 2 Group(s), 5 User(s) in ClearIP gone from NetSapiens; 0, 1, 4 moved '
            '(listed in the report; nothing changed)') in sync_report.summary_lines(report)
    samples = families(sync_report.prometheus_text(report, 2.0, None))['clearip_netsapiens_sync_drift_objects'].samples
    assert dict(((s.labels['tier'], s.labels['kind']), s.value) for s in samples) == {
        ('service_providers', 'gone'): 1, ('service_providers', 'moved'): 0, ('groups', 'gone'): 2,
        ('groups', 'moved'): 1, ('users', 'gone'): 5, ('users', 'moved'): 4}

    stopped = sync_report.build_report(1.0, 2.0, False, None, {}, error={'stage': 'settings', 'message': 'bad', 'task': 't'})
    assert stopped['drift'] is None and not any(line.startswith('Drift') for line in sync_report.summary_lines(stopped))
    assert 'clearip_netsapiens_sync_drift_objects' not in families(sync_report.prometheus_text(stopped, 2.0, None))


class Clock(object):
    def __init__(self):
        self.now = 1000.0

    def __call__(self):
        return self.now


def test_progress_lines_come_every_interval_with_rate_and_time_left(tmp_path):
    path = tmp_path / 'progress.log'
    clock = Clock()
    progress = ProgressLog(str(path), 'users', interval=10, clock=clock)
    progress.note('100 requested; listing what ClearIP holds')
    progress.begin(100)
    for n in range(30):
        clock.now += 1
        progress.done(ok=n != 5)
    progress.tick()
    clock.now += 10
    progress.tick()        # nothing done for 10 s: a line all the same
    for _unused in range(70):
        progress.done(ok=True)
    progress.finish()
    lines = path.read_text().splitlines()
    assert lines[0] == '1970-01-01T00:16:40Z users: 100 requested; listing what ClearIP holds'
    assert lines[1].endswith('users: 100 to create')
    assert lines[2].endswith('users: 10 of 100 done (9 created, 1 failed), 1.0/s, about 1m30s left')
    assert lines[3].endswith('users: 20 of 100 done (19 created, 1 failed), 1.0/s, about 1m20s left')
    assert lines[4].endswith('users: 30 of 100 done (29 created, 1 failed), 1.0/s, about 1m10s left')
    assert lines[5].endswith('users: 30 of 100 done (29 created, 1 failed), 0.8/s, about 1m33s left')
    assert lines[6].endswith('users: 100 of 100 done (99 created, 1 failed), 2.5/s, finished in 40s')
    assert len(lines) == 7


def test_progress_without_a_path_or_with_an_unwritable_one_does_nothing(tmp_path):
    ProgressLog(None, 'users').begin(3)
    broken = ProgressLog(str(tmp_path / 'missing' / 'p.log'), 'users')
    broken.begin(1)
    broken.done(ok=True)
    broken.finish()
    assert not (tmp_path / 'missing').exists()
