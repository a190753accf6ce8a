# -*- coding: utf-8 -*-
# Copyright: (c) 2026, clearip.netsapiens contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Relative paths mean relative to the directory ansible-playbook was started in, as a newcomer expects.

Ansible runs modules in the playbook's directory, which for ``ansible-playbook clearip.netsapiens.sync``
is inside the installed collection: ``-e subscriber_sync_report_path=report.json`` used to exit 0 and
write the report next to sync.yml. Here each entry point's output paths are given relative, on the
command line as a newcomer types them, from a directory of the test's own; the files must land there,
nothing in the collection, and the sync's summary must say where the report went.
"""

from __future__ import annotations

import json

from tests.integration.conftest import run_ansible_playbook, vendor_config, write_json
from tests.simulators.dataset import make_dataset


def run_from(start, collections_path, playbook, config, *assignments, check=False):
    """``ansible-playbook -i localhost, clearip.netsapiens.<playbook> -e @config.json -e name=value ...`` run from ``start``."""
    args = ['-i', 'localhost,']
    for assignment in assignments:
        args.extend(['-e', assignment])
    return run_ansible_playbook(collections_path, start, 'clearip.netsapiens.%s' % playbook,
                                [write_json(start / 'config.json', config, 0o600)], check=check, args=tuple(args))


def files_in_the_collection(collections_path, names):
    """Those of ``names`` in the collection's playbooks directory (where modules run) or its root."""
    root = collections_path / 'ansible_collections' / 'clearip' / 'netsapiens'
    return [str(folder / name) for folder in (root / 'playbooks', root) for name in names if (folder / name).exists()]


def test_the_sync_writes_relative_paths_where_ansible_playbook_started(sims, collections_path, tmp_path):
    s = sims(make_dataset(resellers=1, domains=2, users=4, seed=31))
    start = tmp_path / 'start'
    (start / 'metrics').mkdir(parents=True)
    (start / 'inspect').mkdir()
    run = run_from(start, collections_path, 'sync', vendor_config(s), 'subscriber_sync_report_path=sync-report.json',
                   'subscriber_sync_metrics_path=metrics/sync.prom', 'subscriber_sync_work_dir=inspect')
    assert run.returncode == 0, run.stdout[-4000:] + run.stderr[-2000:]
    report = json.loads((start / 'sync-report.json').read_text())
    assert report['status'] == 'ok' and len(report['tiers']['users']['created']) == 4
    assert 'clearip_netsapiens_sync_status' in (start / 'metrics' / 'sync.prom').read_text()
    assert list((start / 'inspect').iterdir()), 'the work directory received nothing'
    # The summary says where to look.
    assert '"Report: written to %s"' % (start / 'sync-report.json') in run.stdout, run.stdout[-3000:]
    assert '"Metrics: written to %s"' % (start / 'metrics' / 'sync.prom') in run.stdout, run.stdout[-3000:]
    assert files_in_the_collection(collections_path, ['sync-report.json', 'sync.prom']) == []


def test_without_a_report_path_the_summary_says_none_was_written(sims, collections_path, tmp_path):
    s = sims(make_dataset(resellers=1, domains=1, users=1, seed=32))
    start = tmp_path / 'start'
    start.mkdir()
    run = run_from(start, collections_path, 'sync', vendor_config(s), check=True)
    assert run.returncode == 0, run.stdout[-4000:]
    assert '"Report: not written to a file (set subscriber_sync_report_path to keep it)"' in run.stdout, run.stdout[-3000:]


def test_a_report_directory_that_does_not_exist_is_a_warning_naming_the_variable(sims, collections_path, tmp_path):
    """The sync went well, so it still exits 0; but the report it could not write is a warning, not only a summary line."""
    s = sims(make_dataset(resellers=1, domains=1, users=2, seed=34))
    start = tmp_path / 'start'
    start.mkdir()
    run = run_from(start, collections_path, 'sync', vendor_config(s), 'subscriber_sync_report_path=nodir/report.json',
                   'subscriber_sync_metrics_path=nodir/sync.prom')
    assert run.returncode == 0, run.stdout[-4000:] + run.stderr[-2000:]
    output = ' '.join((run.stdout + run.stderr).split())
    for variable, name in (('subscriber_sync_report_path', 'report.json'), ('subscriber_sync_metrics_path', 'sync.prom')):
        assert '[WARNING]: cannot write' in output and 'the role variable %s' % variable in output, output[-3000:]
        assert '%s: its directory does not exist' % (start / 'nodir' / name) in output, output[-3000:]
    assert not (start / 'nodir').exists()


def test_the_drift_and_verify_reports_land_where_ansible_playbook_started(sims, collections_path, tmp_path):
    s = sims(make_dataset(resellers=1, domains=2, users=4, seed=33))
    start = tmp_path / 'start'
    start.mkdir()
    drift = run_from(start, collections_path, 'drift', vendor_config(s), 'subscriber_sync_drift_report_path=drift.json')
    assert drift.returncode == 0, drift.stdout[-4000:]
    assert set(json.loads((start / 'drift.json').read_text())) >= {'counts', 'tiers'}
    verify = run_from(start, collections_path, 'verify', vendor_config(s), 'subscriber_sync_verify_report_path=verify.json')
    assert verify.returncode == 0, verify.stdout[-4000:]
    assert json.loads((start / 'verify.json').read_text())['messages'] == 0
    assert files_in_the_collection(collections_path, ['drift.json', 'verify.json']) == []
