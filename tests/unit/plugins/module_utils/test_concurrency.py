# -*- coding: utf-8 -*-
# Copyright: (c) 2026, clearip.netsapiens contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The adaptive concurrency limit on a fake clock: it grows while answers are fast, backs off on 429 and on
rising latency, recovers, remembers where the server refused, and honours Retry-After."""

from __future__ import absolute_import, division, print_function

import threading

from ansible_collections.clearip.netsapiens.plugins.module_utils._concurrency import (
    DROPPED, NEUTRAL, OVERLOAD, SUCCESS, AdaptiveLimit, Slot)


class Clock(object):
    def __init__(self):
        self.now = 100.0
        self.slept = []

    def __call__(self):
        return self.now

    def sleep(self, seconds):
        self.slept.append(round(seconds, 6))
        self.now += seconds


def answer(limit, clock, seconds=0.05, outcome=SUCCESS):
    """One request through the limit: taken now, answered ``seconds`` later with ``outcome``."""
    slot = limit.try_acquire()
    assert isinstance(slot, Slot), 'no free slot (limit %s, in flight %d)' % (limit.limit, limit.in_flight)
    clock.now += seconds
    limit.release(slot, outcome)
    return slot


def round_of(limit, clock, seconds=0.05, outcome=SUCCESS, count=None):
    """As many requests as the limit allows at once, answered together ``seconds`` later."""
    slots = []
    for dummy in range(count or int(limit.limit)):
        slot = limit.try_acquire()
        assert isinstance(slot, Slot)
        slots.append(slot)
    clock.now += seconds
    for slot in slots:
        limit.release(slot, outcome)


def test_starts_polite_and_grows_to_the_ceiling_while_answers_are_fast():
    clock = Clock()
    limit = AdaptiveLimit(16, clock=clock)
    assert limit.limit == 4
    rounds = 0
    while limit.limit < 16:
        round_of(limit, clock)
        rounds += 1
        assert rounds < 40
    assert limit.limit == 16
    round_of(limit, clock)
    assert limit.limit == 16   # never past the ceiling (max_workers)
    assert limit.stats['decreases'] == 0


def test_an_unused_limit_does_not_grow():
    clock = Clock()
    limit = AdaptiveLimit(16, clock=clock)
    for dummy in range(100):
        answer(limit, clock)   # one at a time: a targeted run, a login
    assert limit.limit == 4


def test_a_429_halves_the_limit_once_per_round_then_it_recovers():
    clock = Clock()
    limit = AdaptiveLimit(16, clock=clock, probe_after=50)
    while limit.limit < 16:
        round_of(limit, clock)
    # 16 requests sent together, all refused: one decrease, not sixteen.
    round_of(limit, clock, outcome=OVERLOAD)
    assert limit.limit == 8
    assert limit.stats['decreases'] == 1
    # A request sent after the decrease and refused again halves once more.
    answer(limit, clock, outcome=OVERLOAD)
    assert limit.limit == 4
    # It grows back while answers are fast: up to one less than where the server refused, then past it
    # after probe_after successes.
    for dummy in range(60):
        round_of(limit, clock)
    assert limit.limit == 16


def test_a_server_refusing_more_than_6_in_flight_is_probed_rarely():
    clock = Clock()
    limit = AdaptiveLimit(16, clock=clock, probe_after=100)
    refusals = 0
    for dummy in range(400):
        slots = []
        while True:
            slot = limit.try_acquire()
            if not isinstance(slot, Slot):
                break
            slots.append(slot)
        clock.now += 0.05
        for slot in slots:
            refused = slot.in_flight > 6
            refusals += refused
            limit.release(slot, OVERLOAD if refused else SUCCESS)
    # Learnt: most rounds run 6 in flight, and the probes above it are few and ever rarer.
    assert limit.refused_at == 7
    assert refusals <= 12
    assert limit.probe_after >= 400
    assert 5 <= limit.limit <= 7


def test_rising_latency_shrinks_the_limit_and_it_recovers_when_latency_falls():
    clock = Clock()
    limit = AdaptiveLimit(16, clock=clock)
    while limit.limit < 16:
        round_of(limit, clock, seconds=0.05)
    for dummy in range(5):
        round_of(limit, clock, seconds=0.05)
    # The server starts queueing: answers take four times as long.
    round_of(limit, clock, seconds=0.2)
    round_of(limit, clock, seconds=0.2)
    assert limit.limit < 16
    assert limit.stats['latency_decreases'] >= 1
    shrunk = limit.limit
    # Latency back to normal: the limit grows again.
    for dummy in range(40):
        round_of(limit, clock, seconds=0.05)
    assert limit.limit > shrunk
    assert limit.limit == 16


def test_loopback_jitter_is_no_latency_signal():
    clock = Clock()
    limit = AdaptiveLimit(16, clock=clock)
    while limit.limit < 16:
        round_of(limit, clock, seconds=0.001)
    for dummy in range(10):
        round_of(limit, clock, seconds=0.005)   # five times slower, but 4 ms: below latency_floor
    assert limit.limit == 16


def test_timeouts_and_dropped_connections_back_off_and_neutral_answers_do_nothing():
    clock = Clock()
    limit = AdaptiveLimit(16, initial=8, clock=clock)
    answer(limit, clock, outcome=NEUTRAL)
    assert limit.limit == 8
    answer(limit, clock, outcome=DROPPED)
    assert limit.limit == 4
    assert limit.refused_at is None   # only a refusal for load is remembered


def test_retry_after_pauses_every_worker_until_the_time_the_server_asked_for():
    clock = Clock()
    limit = AdaptiveLimit(16, clock=clock)
    limit.pause(1.0)
    # A worker that did not get the 429 waits too, once, for as long as is left.
    clock.now += 0.25
    slot = limit.acquire(sleep=clock.sleep)
    assert clock.slept == [0.75]
    assert isinstance(slot, Slot)
    limit.release(slot, SUCCESS)
    # The worker that got it slept it itself and is not made to wait again.
    limit.pause(2.0)
    limit.acquire(ignore_pause=True)
    assert clock.slept == [0.75]


def test_a_full_limit_blocks_until_a_slot_is_released():
    limit = AdaptiveLimit(2, initial=2)
    first, second = limit.acquire(), limit.acquire()
    got = []
    waiter = threading.Thread(target=lambda: got.append(limit.acquire()))
    waiter.start()
    waiter.join(0.3)
    assert got == [] and waiter.is_alive()
    limit.release(first, SUCCESS)
    waiter.join(2)
    assert len(got) == 1 and limit.in_flight == 2
    limit.release(second, SUCCESS)
    limit.release(got[0], SUCCESS)
    assert limit.in_flight == 0


def test_the_check_ends_a_wait_for_a_slot():
    limit = AdaptiveLimit(1, initial=1)
    limit.acquire()

    class Stopped(Exception):
        pass
    calls = []

    def check():
        calls.append(1)
        if len(calls) > 2:
            raise Stopped()
    try:
        limit.acquire(check=check)
    except Stopped:
        pass
    else:
        raise AssertionError('a stopped run kept waiting')
