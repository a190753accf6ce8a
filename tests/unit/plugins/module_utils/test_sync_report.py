# -*- coding: utf-8 -*-
# Copyright: (c) 2026, clearip.netsapiens contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The report, its status and the Prometheus text (checked with prometheus_client's parser)."""

from __future__ import annotations

import math

from prometheus_client.parser import text_string_to_metric_families

from ansible_collections.clearip.netsapiens.plugins.module_utils import _sync_report as sync_report
from ansible_collections.clearip.netsapiens.plugins.module_utils._concurrency import DROPPED, OVERLOAD, AdaptiveLimit

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
                                      error={'stage': 'clearip_login', 'message': failed_call['msg'], 'task': 'x'})
    assert failed['status'] == 'failed' and failed['error']['stage'] == 'clearip_login'
    assert [failed['tiers'][t]['status'] for t in sync_report.TIERS] == ['failed', 'not_reached', 'not_reached']
    assert failed['tiers']['groups']['skipped_reason'] == 'the run stopped at clearip_login'
    assert failed['errors'] == [failed_call['msg']]


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
    assert status == {'ok': 0, 'partial': 0, 'failed': 1, 'cancelled': 0}
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


def samples(text):
    return dict((family.name, [sample.value for sample in family.samples]) for family in text_string_to_metric_families(text))


def test_the_event_subscription_health_is_recorded_summarised_and_exported_but_never_changes_the_status():
    tiers = {'service_providers': tier(['A']), 'groups': tier([], 3), 'users': tier([], 4)}
    without = sync_report.build_report(100.0, 101.0, False, PLAN, tiers)
    assert without['events'] is None
    assert not any(name.startswith('clearip_netsapiens_events') for name in families(sync_report.prometheus_text(without, 101.0, None)))

    up = {'up': True, 'status': 'active', 'error_count': 1, 'posts_count': 20, 'current_active_server': 'core1',
          'expires': '2030-01-01 00:00:00', 'hours_left': 150.25, 'problem': ''}
    report = sync_report.build_report(100.0, 101.0, False, PLAN, tiers, events=up)
    assert report['status'] == 'ok' and report['events'] == up
    assert 'Events: subscription up (status active, 1 error(s) of 20 post(s), 150.25 hour(s) left)' in sync_report.summary_lines(report)
    found = samples(sync_report.prometheus_text(report, 101.0, None))
    assert found['clearip_netsapiens_events_subscription_up'] == [1.0]
    assert found['clearip_netsapiens_events_subscription_error_count'] == [1.0]
    assert found['clearip_netsapiens_events_subscription_posts_count'] == [20.0]
    assert found['clearip_netsapiens_events_subscription_hours_left'] == [150.25]

    # A failed read: down, with the reason; unknown figures are NaN.
    down = sync_report.build_report(100.0, 101.0, False, PLAN, tiers, events={'problem': 'reading the event subscription failed: x'})
    assert down['status'] == 'ok' and down['events']['up'] is False and down['events']['error_count'] is None
    assert 'Events: subscription DOWN: reading the event subscription failed: x' in sync_report.summary_lines(down)
    found = samples(sync_report.prometheus_text(down, 101.0, None))
    assert found['clearip_netsapiens_events_subscription_up'] == [0.0]
    assert math.isnan(found['clearip_netsapiens_events_subscription_hours_left'][0])


def test_the_concurrency_limits_are_recorded_and_exported_per_api():
    tiers = {'service_providers': tier(['A']), 'groups': tier([], 3), 'users': tier([], 4)}
    without = sync_report.build_report(100.0, 101.0, False, PLAN, tiers)
    assert without['concurrency'] is None
    assert not any('concurrency' in name for name in families(sync_report.prometheus_text(without, 101.0, None)))

    # The figures of real limits: one that grew and was refused once, one that grew and dropped a connection.
    netsapiens, clearip = AdaptiveLimit(16, clock=lambda: 0.0), AdaptiveLimit(16, clock=lambda: 0.0)
    netsapiens.limit = clearip.limit = 16.0
    netsapiens.stats['peak_limit'] = clearip.stats['peak_limit'] = 16
    netsapiens.release(netsapiens.try_acquire(), OVERLOAD)
    clearip.release(clearip.try_acquire(), DROPPED)
    clearip.release(clearip.try_acquire(), DROPPED)   # sent after the first drop: a second halving
    report = sync_report.build_report(100.0, 101.0, False, PLAN, tiers,
                                      concurrency={'netsapiens': netsapiens.figures(), 'clearip': clearip.figures()})
    assert report['status'] == 'ok'
    assert report['concurrency'] == {'netsapiens': {'peak_limit': 16, 'final_limit': 8, 'refusals': 1, 'drops': 0},
                                     'clearip': {'peak_limit': 16, 'final_limit': 4, 'refusals': 0, 'drops': 2}}
    parsed = families(sync_report.prometheus_text(report, 101.0, None))
    limits = dict(((s.labels['api'], s.labels['value']), s.value) for s in parsed['clearip_netsapiens_sync_concurrency_limit'].samples)
    assert limits == {('netsapiens', 'peak'): 16, ('netsapiens', 'final'): 8, ('clearip', 'peak'): 16, ('clearip', 'final'): 4}
    refusals = dict((s.labels['api'], s.value) for s in parsed['clearip_netsapiens_sync_concurrency_refusals'].samples)
    drops = dict((s.labels['api'], s.value) for s in parsed['clearip_netsapiens_sync_concurrency_drops'].samples)
    assert refusals == {'netsapiens': 1, 'clearip': 0} and drops == {'netsapiens': 0, 'clearip': 2}
