# -*- coding: utf-8 -*-
# Copyright: (c) 2026, clearip.netsapiens contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Issue 11: every run, whatever happens, replaces the report with a true one (docs/report.md), and
the metrics file for node_exporter parses and moves its last-success time only on success."""

from __future__ import annotations

import json
import math
import re
import stat
from datetime import datetime, timezone

import pytest
from prometheus_client.parser import text_string_to_metric_families

from tests.integration.conftest import Sims, assert_no_secret, vendor_config, written_files
from tests.simulators.dataset import make_dataset

ISO = re.compile(r'^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$')
STALE = {'schema_version': 1, 'status': 'ok', 'errors': [], 'note': 'the previous run'}
LOUD = {'ANSIBLE_LOCALHOST_WARNING': 'True', 'ANSIBLE_INVENTORY_UNPARSED_WARNING': 'True',
        'ANSIBLE_DEPRECATION_WARNINGS': 'True'}


def parse_time(text):
    return datetime.strptime(text, '%Y-%m-%dT%H:%M:%S.%fZ').replace(tzinfo=timezone.utc).timestamp()


def check_common(report, sims, check_mode=False, clearip_url=None):
    """What every report says, whatever the outcome."""
    assert report['schema_version'] == 1
    assert report['check_mode'] is check_mode
    assert ISO.match(report['started']) and ISO.match(report['ended']), report
    started, ended = parse_time(report['started']), parse_time(report['ended'])
    assert 0 <= ended - started < 900
    assert abs(report['duration_seconds'] - (ended - started)) < 0.01
    assert report['versions']['collection'] == '0.1.0'
    assert re.match(r'^2\.\d+\.\d+', report['versions']['ansible_core'])
    assert report['netsapiens']['host'] == sims.netsapiens.url
    assert report['clearip']['url'] == (clearip_url or sims.clearip.url)
    assert set(report['tiers']) == {'service_providers', 'groups', 'users'}
    for tier in report['tiers'].values():
        assert set(tier['counts']) == {'wanted', 'created', 'existing', 'failed'}
        assert tier['counts']['created'] == len(tier['created']) and tier['counts']['failed'] == len(tier['failed'])


def run_with_previous_report(sync, tmp_path, config, **kwargs):
    """A sync whose report path already holds the previous run's report (mode 0644): it must be replaced."""
    path = tmp_path / 'kept' / 'report.json'
    path.parent.mkdir(exist_ok=True)
    path.write_text(json.dumps(STALE))
    path.chmod(0o644)
    extra = dict(kwargs.pop('extra_vars', {}), subscriber_sync_report_path=str(path))
    run = sync(config, extra_vars=extra, **kwargs)
    report = json.loads(path.read_text())
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert [p.name for p in path.parent.iterdir()] == ['report.json']   # no temporary file left behind
    return run, report


def wrong_netsapiens_password(s, config):
    config['netsapiens']['password'] = 'not-the-password'


def wrong_clearip_password(s, config):
    config['clearip']['password'] = 'not-the-password'


def netsapiens_read_fails(s, config):
    Sims.add_fault(s.netsapiens, kind='server_error', status=403, method='GET', path=r'/domains$', times=-1)


def clearip_down(s, config):
    config['clearip']['url'] = 'http://127.0.0.1:9'   # discard port: nothing listens


def groups_tier_fails(s, config):
    Sims.add_fault(s.clearip, kind='server_error', status=403, method='GET', path=r'^/groups', times=-1)


def users_tier_fails(s, config):
    Sims.add_fault(s.clearip, kind='server_error', status=403, method='GET', path=r'^/users', times=-1)


def settings_refused_by_the_role(s, config):
    config['subscriber_sync_identifier_scheme'] = 'no_resellers'   # without subscriber_sync_service_provider


def settings_refused_by_the_argument_spec(s, config):
    config['subscriber_sync_max_workers'] = 'many'


FAILURES = [
    # (how, stage, words of the error, tiers done before it, the tier whose call failed)
    (settings_refused_by_the_role, 'settings', 'subscriber_sync_service_provider', 0, None),
    (settings_refused_by_the_argument_spec, 'settings', 'subscriber_sync_max_workers', 0, None),
    (wrong_netsapiens_password, 'netsapiens_login', 'username and password', 0, None),
    (netsapiens_read_fails, 'netsapiens_read', '403', 0, None),
    (wrong_clearip_password, 'clearip_login', 'refused the login', 0, 'service_providers'),
    (clearip_down, 'clearip_login', 'ClearIP login failed', 0, 'service_providers'),
    (groups_tier_fails, 'groups', '403', 1, 'groups'),
    (users_tier_fails, 'users', '403', 2, 'users'),
]
TIERS = ['service_providers', 'groups', 'users']
# The simulator whose injected 403 must have fired, for the failures made by a fault.
FAULTED = {netsapiens_read_fails: 'netsapiens', groups_tier_fails: 'clearip', users_tier_fails: 'clearip'}


@pytest.mark.parametrize('how,stage,words,tiers_done,failed_tier', FAILURES, ids=[f[0].__name__ for f in FAILURES])
def test_a_fatal_failure_at_each_stage_replaces_the_report(sims, sync, tmp_path, how, stage, words, tiers_done, failed_tier):
    dataset = make_dataset(resellers=2, domains=3, users=6, seed=21)
    s = sims(dataset)
    config = vendor_config(s)
    how(s, config)
    run, report = run_with_previous_report(sync, tmp_path, config)
    assert run.rc != 0, run
    assert report['status'] == 'failed', report
    check_common(report, s, clearip_url=config['clearip']['url'])
    assert report['error']['stage'] == stage, report['error']
    assert words in report['error']['message'], report['error']
    assert report['errors'][0] == report['error']['message']
    expected = ['done'] * tiers_done + (['failed'] if failed_tier else [])
    expected += ['not_reached'] * (3 - len(expected))
    assert [report['tiers'][n]['status'] for n in TIERS] == expected
    assert [report['tiers'][n]['counts']['created'] for n in TIERS[:tiers_done]] == [2, 3][:tiers_done]
    assert 'stopped at stage %s' % stage in run.stdout
    if how in FAULTED:
        # The 403 came from the injected fault (counted when answered), not from some other failure of that call.
        assert Sims.stats(getattr(s, FAULTED[how]))['faults_fired'].get('server_error', 0) >= 1
    # The shared check: every password, client secret and issued token, in the output, the report and every file.
    files = written_files(tmp_path)
    assert any(path.name == 'report.json' for path in files)
    assert_no_secret(s.secrets(config), [run.stdout + run.stderr], files)


def test_success_and_item_failures_and_a_dry_run_each_replace_the_report(sims, sync, tmp_path):
    dataset = make_dataset(resellers=2, domains=3, users=6, seed=22)
    dataset['netsapiens']['users'].append(dict(dataset['netsapiens']['users'][0], user='bad user!'))
    s = sims(dataset)
    config = vendor_config(s)

    dry, report = run_with_previous_report(sync, tmp_path, config, check=True)
    assert dry.rc != 0 and report['status'] == 'partial' and report['error'] is None
    check_common(report, s, check_mode=True)
    assert report['tiers']['users']['counts'] == {'wanted': 6, 'created': 6, 'existing': 0, 'failed': 1}
    assert Sims.total_writes(s.clearip) == 0

    partial, report = run_with_previous_report(sync, tmp_path, config)
    assert partial.rc != 0 and report['status'] == 'partial'
    check_common(report, s)
    assert [report['tiers'][t]['status'] for t in ('service_providers', 'groups', 'users')] == ['done', 'done', 'partial']
    assert len(report['errors']) == 1 and 'bad user!' in report['errors'][0]

    dataset['netsapiens']['users'].pop()
    s2 = sims(dataset)
    ok, report = run_with_previous_report(sync, tmp_path, vendor_config(s2), extra_vars={})
    assert ok.rc == 0, ok
    assert report['status'] == 'ok' and report['errors'] == [] and report['error'] is None
    check_common(report, s2)


def test_credentials_in_urls_are_not_recorded(sims, sync, tmp_path):
    dataset = make_dataset(resellers=1, domains=1, users=1, seed=23)
    s = sims(dataset)
    config = vendor_config(s)
    config['clearip']['url'] = s.clearip.url.replace('http://', 'http://someone:url-secret@') + '/?token=query-secret'
    run, report = run_with_previous_report(sync, tmp_path, config)
    assert 'url-secret' not in json.dumps(report) and 'query-secret' not in json.dumps(report)
    assert report['clearip']['url'] == s.clearip.url + '/'


def metric_samples(path):
    """{(name, labels...): value} of a metrics file, read by prometheus_client's own parser."""
    samples = {}
    for family in text_string_to_metric_families(path.read_text()):
        assert family.type == 'gauge', family
        for sample in family.samples:
            samples[(sample.name,) + tuple(sorted(sample.labels.items()))] = sample.value
    return samples


def test_metrics_parse_and_last_success_moves_only_on_success(sims, sync, tmp_path):
    dataset = make_dataset(resellers=2, domains=3, users=6, seed=24)
    s = sims(dataset)
    config = vendor_config(s)
    metrics = tmp_path / 'textfile' / 'clearip_sync.prom'
    metrics.parent.mkdir()
    extra = {'subscriber_sync_metrics_path': str(metrics)}

    dry = sync(config, check=True, extra_vars=extra)
    assert dry.rc == 0, dry
    assert not metrics.exists()   # a dry run is no sync, to monitoring

    first = sync(config, extra_vars=extra)
    assert first.rc == 0, first
    assert stat.S_IMODE(metrics.stat().st_mode) == 0o644
    one = metric_samples(metrics)
    run_1 = one[('clearip_netsapiens_sync_last_run_timestamp_seconds',)]
    assert one[('clearip_netsapiens_sync_last_success_timestamp_seconds',)] == run_1
    assert abs(run_1 - parse_time(first.out['report']['ended'])) < 0.01
    assert one[('clearip_netsapiens_sync_status', ('status', 'ok'))] == 1
    assert one[('clearip_netsapiens_sync_status', ('status', 'failed'))] == 0
    assert one[('clearip_netsapiens_sync_objects', ('outcome', 'created'), ('tier', 'users'))] == 6
    assert one[('clearip_netsapiens_sync_objects', ('outcome', 'created'), ('tier', 'groups'))] == 3
    assert one[('clearip_netsapiens_sync_duration_seconds',)] == first.out['report']['duration_seconds']

    config['clearip']['password'] = 'wrong'
    failed = sync(config, extra_vars=extra)
    assert failed.rc != 0
    two = metric_samples(metrics)
    assert two[('clearip_netsapiens_sync_last_run_timestamp_seconds',)] > run_1
    assert two[('clearip_netsapiens_sync_last_success_timestamp_seconds',)] == run_1   # carried over
    assert two[('clearip_netsapiens_sync_status', ('status', 'failed'))] == 1
    assert two[('clearip_netsapiens_sync_status', ('status', 'ok'))] == 0

    config = vendor_config(s)
    again = sync(config, extra_vars=extra)
    assert again.rc == 0, again
    three = metric_samples(metrics)
    assert three[('clearip_netsapiens_sync_last_success_timestamp_seconds',)] == three[('clearip_netsapiens_sync_last_run_timestamp_seconds',)]
    assert three[('clearip_netsapiens_sync_last_success_timestamp_seconds',)] > run_1
    assert three[('clearip_netsapiens_sync_objects', ('outcome', 'existing'), ('tier', 'users'))] == 6


def test_no_success_yet_is_nan(sims, sync, tmp_path):
    dataset = make_dataset(resellers=1, domains=1, users=1, seed=25)
    s = sims(dataset)
    config = vendor_config(s)
    config['netsapiens']['password'] = 'wrong'
    metrics = tmp_path / 'clearip_sync.prom'
    run = sync(config, extra_vars={'subscriber_sync_metrics_path': str(metrics)})
    assert run.rc != 0
    samples = metric_samples(metrics)
    assert math.isnan(samples[('clearip_netsapiens_sync_last_success_timestamp_seconds',)])
    assert samples[('clearip_netsapiens_sync_status', ('status', 'failed'))] == 1


def test_the_sync_prints_no_warning_with_the_documented_inventory(sims, sync):
    """ansible-core's own defaults (no ANSIBLE_*_WARNING overrides) and the README's `-i localhost,`."""
    dataset = make_dataset(resellers=1, domains=2, users=4, seed=26)
    s = sims(dataset)
    run = sync(vendor_config(s), args=('-i', 'localhost,'), env=LOUD)
    assert run.rc == 0, run
    assert 'WARNING' not in run.stdout + run.stderr, run
    assert 'ok: [localhost]' in run.stdout


def test_without_an_inventory_only_ansible_cores_own_warnings_are_printed(sims, sync):
    """The same command without `-i`: it still works on the implicit localhost; ansible-core warns before it
    reads any playbook (only its configuration can silence that), and nothing else warns."""
    dataset = make_dataset(resellers=1, domains=2, users=4, seed=27)
    s = sims(dataset)
    run = sync(vendor_config(s), env=LOUD)
    assert run.rc == 0, run
    warnings = [line for line in (run.stdout + run.stderr).splitlines() if 'WARNING' in line]
    assert len(warnings) == 2 and 'No inventory was parsed' in warnings[0] and 'provided hosts list is empty' in warnings[1], warnings


def test_check_diff_of_10000_users_is_a_screenful_that_says_what_it_left_out(sims, sync):
    dataset = make_dataset(resellers=10, domains=500, users=10000, seed=28)
    s = sims(dataset)
    run = sync(vendor_config(s), check=True, diff=True)
    assert run.rc == 0, run
    lines = run.stdout.splitlines()
    assert len(lines) < 200, len(lines)
    users = run.out['report']['tiers']['users']['created']
    assert len(users) == 10000   # the report has them all
    tail = [line for line in lines if 'more new users' in line]
    assert len(tail) == 1, tail
    shown_users = [line.strip(' +') for line in lines if line.startswith('+  ') and '@' in line]
    match = re.search(r"and (\d+) more new users \(under (\d+) more groups\) not shown; the result \(and the sync's report\) lists them all",
                      tail[0])
    assert match and int(match.group(1)) == 10000 - len(shown_users), (tail, len(shown_users))
    # Users are grouped under their Group: each shown name follows the heading of its own domain.
    heading = None
    for line in lines:
        if line.startswith('+in group '):
            heading = line[len('+in group '):-1]
        elif line.startswith('+  ') and heading and '@' in line:
            assert line.strip(' +').endswith('@' + heading), (line, heading)
    assert 'more new groups' in run.stdout
