# -*- coding: utf-8 -*-
# Copyright: (c) 2026, clearip.netsapiens contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Issue 23 through the real ansible-playbook: the adaptive concurrency limit against servers that refuse load, and
ClearIP listing pages fetched several at a time while the list changes.

Each test asserts on what the simulators hold, the writes they saw and the refusals they counted.
"""

from __future__ import annotations

import threading
import time

from tests.integration.conftest import Sims, vendor_config
from tests.integration.test_reliability import tally
from tests.simulators.dataset import make_dataset


def test_servers_refusing_more_than_3_in_flight_get_a_clean_sync_at_16_workers(sims, sync):
    """Both APIs answer 429 (Retry-After: 1) to what arrives beyond 3 requests in flight, each answer 20 ms late. With the
    ceiling at 16 the runs exit 0 with exactly the objects wanted, and the limit learns: a handful of refusals, not one
    per round. (The fixed 16 workers of before issue 23 failed such a run: HTTP 429 after 6 attempts.)"""
    dataset = make_dataset(resellers=2, domains=40, users=400, seed=231)
    limited = {'max_in_flight': 3, 'answer_delay': 0.02}
    s = sims(dataset, netsapiens_config=limited, clearip_config=limited)
    config = vendor_config(s)
    first = sync(config, extra_vars={'subscriber_sync_max_workers': 16})
    assert first.rc == 0, first.stdout[-4000:]
    duplicates, lost, unexpected = tally(s, dataset)
    assert duplicates == [] and lost == [] and unexpected == [], (duplicates[:5], lost[:5], unexpected[:5])
    refused = [Sims.stats(sim)['faults_fired'].get('in_flight_limit', 0) for sim in (s.netsapiens, s.clearip)]
    print('first sync against 3 in flight: refused %d (NetSapiens), %d (ClearIP)' % tuple(refused))
    # The limit was met (the run starts at 4 in flight, above the server's 3) and learnt: each refusal halves the limit
    # and it then stays below the level refused, trying above it only after hundreds of successes.
    assert refused[0] >= 1 and refused[1] >= 1, refused
    assert sum(refused) <= 20, refused
    assert all(Sims.stats(sim)['in_flight_peak'] <= 3 for sim in (s.netsapiens, s.clearip))
    # The report says so, per API: the refusals the client met (each one the simulator counted; a login's refusal is
    # outside the limit) and a limit that ended at or below the server's 3.
    concurrency = first.out['report']['concurrency']
    for api, sim_refused in zip(('netsapiens', 'clearip'), refused):
        assert 1 <= concurrency[api]['refusals'] <= sim_refused, (api, concurrency)
        assert concurrency[api]['final_limit'] <= 3 and 4 <= concurrency[api]['peak_limit'] <= 16, (api, concurrency)
        assert concurrency[api]['drops'] == 0, (api, concurrency)

    for sim in (s.netsapiens, s.clearip):
        Sims.reset_stats(sim)
    again = sync(config, extra_vars={'subscriber_sync_max_workers': 16})
    assert again.rc == 0, again.stdout[-4000:]
    assert Sims.total_writes(s.clearip) == 0
    refused = [Sims.stats(sim)['faults_fired'].get('in_flight_limit', 0) for sim in (s.netsapiens, s.clearip)]
    print('no-change sync against 3 in flight: refused %d (NetSapiens), %d (ClearIP)' % tuple(refused))
    assert sum(refused) <= 20, refused


class UsersListingConcurrency(object):
    """Wraps the ClearIP simulator's ``GET /users``: each request is held ``hold`` seconds (outside the simulator's lock,
    as a slow link would), and the most requests of that listing held at once is counted."""

    def __init__(self, sim, hold=0.03):
        self.hold = hold
        self.lock = threading.Lock()
        self.now = 0
        self.peak = 0
        for index, (method, regex, endpoint, handler, write) in enumerate(sim.routes):
            if endpoint == 'GET /users':
                sim.routes[index] = (method, regex, endpoint, self.wrap(handler), write)

    def wrap(self, handler):
        def held(request):
            with self.lock:
                self.now += 1
                self.peak = max(self.peak, self.now)
            try:
                time.sleep(self.hold)
                return handler(request)
            finally:
                with self.lock:
                    self.now -= 1
        return held


def test_pages_fetched_several_at_a_time_while_a_user_is_deleted_create_nothing_that_was_present(sims, sync):
    """ClearIP holds every User of NetSapiens plus one that sorts first and that another ClearIP user deletes while the sync
    pages through the Users list (pages of 5, several asked at once): every later record slides one place forward. A
    listing that then missed the record crossing a page boundary would plan it as missing and create it again (a write
    here); the overlap check of each page, in the order of the reading, sees the shift and reads the list again."""
    dataset = make_dataset(resellers=2, domains=8, users=120, seed=232,
                           clearip_existing={'service_providers': 2, 'groups': 8, 'users': 120})
    group = dataset['clearip']['groups'][0]
    dataset['clearip']['users'].append({'id': 'unrelated-0000', 'name': '0000 unrelated', 'userId': '', 'group': group['id'],
                                        'operator': group['operator']})
    for page in (4, 9):
        s = sims(dataset, clearip_config={'page_cap': 5})   # the contract: a server may return fewer than asked
        held = UsersListingConcurrency(s.clearip)
        Sims.configure(s.clearip, delete_during_listing={'kind': 'users', 'page': page, 'name': '0000 unrelated'})
        run = sync(vendor_config(s))
        assert run.rc == 0, run.stdout[-4000:]
        assert Sims.stats(s.clearip)['faults_fired'] == {'delete_during_listing': 1}
        assert held.peak >= 2, 'the Users pages were asked one after another: the parallel reading was not exercised'
        assert Sims.total_writes(s.clearip) == 0, Sims.stats(s.clearip)['writes']
        assert run.out['report']['tiers']['users']['created'] == []
        duplicates, lost, unexpected = tally(s, dataset)
        assert duplicates == [] and lost == [], (duplicates[:5], lost[:5])
