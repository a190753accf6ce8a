# -*- coding: utf-8 -*-
# Copyright: (c) 2026, clearip.netsapiens contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""``make benchmark`` at a tiny size (seconds), so that the benchmark cannot rot unnoticed.

The real benchmark (100,000 users) is not part of the test command; this runs the same code on
2 resellers, 20 domains and 200 users, on both links, and checks that every figure is there and sane.
"""

from __future__ import annotations

import json
import pstats
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
RESELLERS, DOMAINS, USERS = 2, 20, 200
OBJECTS = RESELLERS + DOMAINS + USERS
DELAY = 0.003


def test_benchmark_runs_small_and_every_figure_is_sane(tmp_path):
    out = tmp_path / 'benchmark.json'
    proc = subprocess.run([sys.executable, str(ROOT / 'tests' / 'perf' / 'benchmark.py'), '--resellers', str(RESELLERS),
                           '--domains', str(DOMAINS), '--users', str(USERS), '--delay', str(DELAY), '--json', str(out)],
                          cwd=str(ROOT), stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=600, check=False)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    result = json.loads(out.read_text())
    assert 'B role no-chg' in proc.stdout and 'x C time' in proc.stdout   # the table was printed

    assert result['parameters']['workers'] == 4
    assert set(result['links']) == {'loopback', 'wan'}
    assert result['links']['loopback']['delay_s'] == 0.0
    assert result['links']['wan']['delay_s'] == DELAY
    for link, block in result['links'].items():
        runs = dict((run['run'], run) for run in block['runs'])
        assert set(runs) == {'A', 'B', 'C0', 'C'}, link
        assert block['clearip_held'] == {'serviceProviders': RESELLERS, 'groups': DOMAINS, 'users': USERS}
        for label, run in runs.items():
            where = '%s %s' % (link, label)
            assert run['seconds'] > 0, where
            assert 0 < run['cpu_seconds']['client_tree'] and 0 < run['cpu_seconds']['simulators'], where
            assert 10 < run['peak_tree_rss_mib'] < 2000, where   # a Python process tree, not zero, not runaway
            assert run['rss_samples'] >= 1, where
            assert run['requests_total'] == sum(run['requests'].values()), where
            assert run['requests']['other'] == 0, where
            assert run['requests']['netsapiens_auth'] >= 1 and run['requests']['clearip_auth'] >= 1, where
            assert run['requests']['netsapiens_reads'] >= DOMAINS, where   # at least one page per domain's users
        for label in ('A', 'C0'):   # initial: exactly one POST per missing object, and as many writes
            posts = dict((tier, runs[label]['requests']['clearip_post_%s' % tier]) for tier in ('serviceProviders', 'groups', 'users'))
            assert posts == {'serviceProviders': RESELLERS, 'groups': DOMAINS, 'users': USERS}, (link, label)
            assert runs[label]['writes'] == OBJECTS, (link, label)
        for label in ('B', 'C'):    # nothing new: no write, no POST
            assert runs[label]['writes'] == 0, (link, label)
            assert not any(v for k, v in runs[label]['requests'].items() if k.startswith('clearip_post_')), (link, label)
        assert runs['C']['result']['existing'] == {'serviceProviders': RESELLERS, 'groups': DOMAINS, 'users': USERS}
        assert set(runs['A']['task_timings']['tasks'][0]) == {'task', 'action', 'host', 'status', 'seconds'}
        assert any('subscriber_sync_run' in t['action'] for t in runs['B']['task_timings']['tasks'])
        for key in ('A/C', 'B/C'):
            for figure in ('seconds', 'client_cpu_seconds', 'requests', 'peak_tree_rss_mib'):
                assert block['ratios'][key][figure] > 0, (link, key, figure)
        assert block['ratios']['A/C']['seconds'] == round(runs['A']['seconds'] / runs['C0']['seconds'], 3)


def test_the_module_profile_runs_small_and_covers_the_worker_threads(tmp_path):
    proc = subprocess.run([sys.executable, str(ROOT / 'tests' / 'perf' / 'profile_sync.py'), '--resellers', str(RESELLERS),
                           '--domains', str(DOMAINS), '--users', str(USERS), '--out', str(tmp_path)],
                          cwd=str(ROOT), stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=300, check=False)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    assert ', 0 created,' in proc.stdout, proc.stdout
    requests = int(proc.stdout.split(' requests')[0].rsplit(' ', 1)[1])
    assert requests >= DOMAINS, proc.stdout   # at least one page per domain's users
    assert (tmp_path / 'report.txt').read_text()
    # The users are read in the client's worker threads (_netsapiens.NetSapiensClient.users' one(), run by
    # _concurrency.run_workers): they are in the merged profile.
    functions = pstats.Stats(str(tmp_path / 'subscriber_sync_run.prof')).stats
    assert any(name == 'one' and path.endswith('module_utils/_netsapiens.py') for path, line, name in functions)
    assert any(name == 'domain_users' for path, line, name in functions)


def test_the_rss_timeline_runs_small_and_places_the_peak_in_a_process(tmp_path):
    out = tmp_path / 'timeline.json'
    proc = subprocess.run([sys.executable, str(ROOT / 'tests' / 'perf' / 'rss_timeline.py'), '--resellers', str(RESELLERS),
                           '--domains', str(DOMAINS), '--users', str(USERS), '--json', str(out)],
                          cwd=str(ROOT), stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=300, check=False)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    assert 'users: %d of %d done (%d created, 0 failed)' % (USERS, USERS, USERS) in proc.stdout, proc.stdout
    peak = float(proc.stdout.split('peak tree RSS ')[1].split(' MiB')[0])
    samples = json.loads(out.read_text())['samples']
    # The peak printed is the largest sum of one sample, and some sample saw the sync's module process.
    assert '%.1f' % peak == '%.1f' % (max(sum(v[1] for v in sample.values()) for t, sample in samples) / 1048576.0)
    assert any('AnsiballZ_subscriber_sync_run' in v[0] and v[2] > 10 * 1048576 for t, sample in samples for v in sample.values())


def test_the_issue_23_parts_run_small(tmp_path):
    """The server that refuses load, and the targeted runs (with the health read counted), at 200 and 400 users."""
    out = tmp_path / 'benchmark.json'
    proc = subprocess.run([sys.executable, str(ROOT / 'tests' / 'perf' / 'benchmark.py'), '--resellers', str(RESELLERS),
                           '--domains', str(DOMAINS), '--users', str(USERS), '--delay', str(DELAY), '--links', 'wan-limited',
                           '--max-in-flight', '2', '--no-change-only', '--targeted', '200,400', '--json', str(out)],
                          cwd=str(ROOT), stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=600, check=False)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    result = json.loads(out.read_text())
    block = result['links']['wan-limited']
    assert block['max_in_flight'] == 2
    runs = dict((run['run'], run) for run in block['runs'])
    assert set(runs) == {'B', 'C'} and runs['C']['workers'] == 2
    assert all(run['writes'] == 0 for run in runs.values())
    assert max(runs['B']['peak_in_flight']) <= 2
    targeted = result['targeted']
    assert [run['users'] for run in targeted] == [200, 400]
    for run in targeted:
        assert run['created'] == 1 and run['writes'] == 1 and run['subscription_health_read'] is True
        assert run['requests_subscription_health'] == 1 and run['requests'] <= 40
    assert '| targeted requests, 400 users over 200 users |' in proc.stdout
