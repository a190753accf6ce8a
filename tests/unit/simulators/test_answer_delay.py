# -*- coding: utf-8 -*-
# Copyright: (c) 2026, clearip.netsapiens contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""``answer_delay``: every simulator can stand for a WAN link by delaying each API answer."""

from __future__ import annotations

import threading
import time

import pytest
import requests

from tests.simulators.clearip import ClearIPSimulator
from tests.simulators.netsapiens import NetSapiensSimulator

DELAY = 0.2
TIMEOUT = 10


def timed(call):
    start = time.monotonic()
    answer = call()
    return answer, time.monotonic() - start


@pytest.mark.parametrize('simulator, path', [(ClearIPSimulator, '/operators'), (NetSapiensSimulator, '/ns-api/v2/resellers')])
def test_answer_delay_defaults_to_zero_and_is_a_config_key(simulator, path):
    with simulator() as sim:
        assert sim.config['answer_delay'] == 0.0
        answer, seconds = timed(lambda: requests.get(sim.url + path, timeout=TIMEOUT))
        assert answer.status_code == 401   # an API answer (no token), undelayed
        assert seconds < DELAY
        changed = requests.post(sim.url + '/_sim/config', json={'answer_delay': DELAY}, timeout=TIMEOUT)
        assert changed.status_code == 200
        assert changed.json()['answer_delay'] == DELAY


@pytest.mark.parametrize('simulator, path', [(ClearIPSimulator, '/operators'), (NetSapiensSimulator, '/ns-api/v2/resellers'),
                                             (NetSapiensSimulator, '/no/such/route')])
def test_every_api_answer_waits_the_delay_but_admin_calls_do_not(simulator, path):
    with simulator(config={'answer_delay': DELAY}) as sim:
        answer, seconds = timed(lambda: requests.get(sim.url + path, timeout=TIMEOUT))
        assert answer.status_code in (401, 404)
        assert DELAY <= seconds < DELAY + 1.0
        admin, admin_seconds = timed(lambda: requests.get(sim.url + '/_sim/stats', timeout=TIMEOUT))
        assert admin.status_code == 200
        assert admin_seconds < DELAY


def test_concurrent_requests_wait_side_by_side_like_a_link_not_a_queue():
    # max_in_flight only so that the stats show in_flight_peak; 100 refuses nothing here
    with ClearIPSimulator(config={'answer_delay': 2.0, 'max_in_flight': 100}) as sim:
        seconds = []

        def one():
            seconds.append(timed(lambda: requests.get(sim.url + '/operators', timeout=TIMEOUT))[1])

        threads = [threading.Thread(target=one) for dummy in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert len(seconds) == 4 and min(seconds) >= 2.0
        # the four delays overlapped (all four in flight at once); a queue would hold one at a time
        assert requests.get(sim.url + '/_sim/stats', timeout=TIMEOUT).json()['in_flight_peak'] == 4
