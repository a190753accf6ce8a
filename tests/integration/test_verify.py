# -*- coding: utf-8 -*-
# Copyright: (c) 2026, clearip.netsapiens contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The role's `verify` entry point as users run it: ``ansible-playbook clearip.netsapiens.verify -e @config.json``,
after a real sync, against SIP messages seeded in the ClearIP simulator; its figures must match them exactly."""

from __future__ import annotations

import time

import pytest
import requests

from tests.integration.conftest import Sims, vendor_config
from tests.simulators.dataset import make_dataset


@pytest.fixture
def verify(collection_playbook):
    """``verify(config, extra_vars=None, check=False)`` runs the verify playbook; the JSON report lands in ``out['report']``."""

    def run(config, extra_vars=None, check=False):
        proc = collection_playbook('verify', config, extra_vars=extra_vars, check=check, report_var='subscriber_sync_verify_report_path',
                                   timeout=300)
        return proc, proc.out

    return run


def seed(sims, messages):
    requests.post(sims.clearip.url + '/_sim/sipMessages', json={'sipMessages': messages}, timeout=10).raise_for_status()


def test_figures_match_the_seeded_messages_after_a_sync(sims, sync, verify):
    dataset = make_dataset(resellers=1, domains=2, users=6, seed=11)
    s = sims(dataset)
    config = vendor_config(s)
    first = sync(config)
    assert first.rc == 0, first
    provisioned = sorted('%s@%s' % (u['user'], u['domain']) for u in dataset['netsapiens']['users'])
    assert len(provisioned) == 6

    now = int(time.time() * 1000)
    minute = 60000
    messages = (
        # 7 carry a provisioned User ID (4 different Users), within the last hour
        [{'timestamp': now - (i + 1) * minute, 'userId': uid, 'callId': 'ok-%d' % i}
         for i, uid in enumerate(provisioned[:4] + provisioned[:3])]
        # 3 carry unknown ones (one of them twice), 2 carry none
        + [{'timestamp': now - 20 * minute, 'userId': '999@nowhere.example', 'callId': 'u1'},
           {'timestamp': now - 21 * minute, 'userId': '999@nowhere.example', 'callId': 'u2'},
           {'timestamp': now - 22 * minute, 'userId': provisioned[0].upper(), 'callId': 'u3'},
           {'timestamp': now - 30 * minute, 'userId': '', 'callId': 'n1'},
           {'timestamp': now - 31 * minute, 'callId': 'n2'}]
        # outside the default hour: not counted
        + [{'timestamp': now - 90 * minute, 'userId': '999@nowhere.example', 'callId': 'old'}]
    )
    seed(s, messages)
    Sims.reset_stats(s.clearip)

    proc, out = verify(config)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    report = out['report']
    assert {k: report[k] for k in ('messages', 'matched', 'unknown', 'none', 'matched_users', 'provisioned_user_ids', 'truncated')} == {
        'messages': 12, 'matched': 7, 'unknown': 3, 'none': 2, 'matched_users': 4, 'provisioned_user_ids': 6, 'truncated': False}
    assert report['unknown_user_ids'] == [{'user_id': '999@nowhere.example', 'count': 2}, {'user_id': provisioned[0].upper(), 'count': 1}]
    assert report['window']['to_ms'] - report['window']['from_ms'] == 60 * minute
    assert '7 of 12 call(s) between ' in proc.stdout
    assert (' UTC matched a provisioned User (ClearIP holds 6 provisioned User(s); 4 of them called); 3 carried an unknown User ID, '
            '2 none; unknown: 999@nowhere.example, ') in proc.stdout
    assert Sims.total_writes(s.clearip) == 0
    assert config['clearip']['password'] not in proc.stdout + proc.stderr

    # A wider window takes in the old message too; check mode reads the same.
    proc, out = verify(config, extra_vars={'subscriber_sync_verify_minutes': 120}, check=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert (out['report']['messages'], out['report']['unknown']) == (13, 4)

    # Strict: unknown and missing User IDs fail the run, with the figures.
    proc, out = verify(config, extra_vars={'subscriber_sync_verify_strict': True})
    assert proc.returncode != 0
    assert '3 of 12 SIP message(s) carried an unknown User ID and 2 none' in proc.stdout
    assert out['report']['matched'] == 7


def test_strict_passes_when_every_call_is_attributed_and_fails_without_calls(sims, verify):
    # ClearIP already holds the two Users, as after a sync
    dataset = make_dataset(resellers=1, domains=1, users=2, seed=12, clearip_existing={'service_providers': 1, 'groups': 1, 'users': 2})
    s = sims(dataset)
    config = vendor_config(s)
    proc, out = verify(config, extra_vars={'subscriber_sync_verify_strict': True})
    assert proc.returncode != 0
    assert 'No SIP message in the window: send a test call first' in proc.stdout
    assert out['report']['messages'] == 0

    now = int(time.time() * 1000)
    seed(s, [{'timestamp': now - 1000 * (i + 1), 'userId': '%s@%s' % (u['user'], u['domain']), 'callId': 'c%d' % i}
             for i, u in enumerate(dataset['netsapiens']['users'])])
    proc, out = verify(config, extra_vars={'subscriber_sync_verify_strict': True, 'subscriber_sync_verify_minutes': 5})
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert (out['report']['messages'], out['report']['matched'], out['report']['unknown'], out['report']['none']) == (2, 2, 0, 0)
    assert '2 of 2 call(s) between ' in proc.stdout and '(ClearIP holds 2 provisioned User(s); 2 of them called)' in proc.stdout
