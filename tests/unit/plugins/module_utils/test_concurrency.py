# -*- coding: utf-8 -*-
# Copyright: (c) 2026, clearip.netsapiens contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The adaptive concurrency limit on a fake clock: it grows while answers are fast, backs off on 429 and on
rising latency, recovers, remembers where the server refused, and honours Retry-After."""

from __future__ import absolute_import, division, print_function

import threading
import time

import pytest

from ansible_collections.clearip.netsapiens.plugins.module_utils import _concurrency
from ansible_collections.clearip.netsapiens.plugins.module_utils._concurrency import (
    DROPPED, NEUTRAL, OVERLOAD, SUCCESS, AdaptiveLimit, CpuMeter, Slot, process_cpu)


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


class Cpu(object):
    """A process's CPU seconds on the fake clock: ``rate`` CPU seconds per second of ``clock`` from now on."""

    def __init__(self, clock, rate=0.0):
        self.clock = clock
        self.rate = rate
        self.seconds = 0.0
        self.since = clock.now

    def __call__(self):
        self.seconds += (self.clock.now - self.since) * self.rate
        self.since = self.clock.now
        return self.seconds

    def set(self, rate):
        self()
        self.rate = rate


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
    limit = AdaptiveLimit(16, clock=clock, cpu=False)
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
    limit = AdaptiveLimit(16, clock=clock, cpu=False)
    for dummy in range(100):
        answer(limit, clock)   # one at a time: a targeted run, a login
    assert limit.limit == 4


def test_a_429_halves_the_limit_once_per_round_then_it_recovers():
    clock = Clock()
    limit = AdaptiveLimit(16, clock=clock, probe_after=50, cpu=False)
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
    limit = AdaptiveLimit(16, clock=clock, probe_after=100, cpu=False)
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
    limit = AdaptiveLimit(16, clock=clock, cpu=False)
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
    limit = AdaptiveLimit(16, clock=clock, cpu=False)
    while limit.limit < 16:
        round_of(limit, clock, seconds=0.001)
    for dummy in range(10):
        round_of(limit, clock, seconds=0.005)   # five times slower, but 4 ms: below latency_floor
    assert limit.limit == 16


def test_timeouts_and_dropped_connections_back_off_and_neutral_answers_do_nothing():
    clock = Clock()
    limit = AdaptiveLimit(16, initial=8, clock=clock, cpu=False)
    answer(limit, clock, outcome=NEUTRAL)
    assert limit.limit == 8
    answer(limit, clock, outcome=DROPPED)
    assert limit.limit == 4
    assert limit.refused_at is None   # only a refusal for load is remembered


def test_retry_after_pauses_every_worker_until_the_time_the_server_asked_for():
    clock = Clock()
    limit = AdaptiveLimit(16, clock=clock, cpu=False)
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


def test_the_cpu_meter_says_busy_at_0_8_of_a_cpu_over_its_last_second():
    clock = Clock()
    cpu = Cpu(clock, rate=0.95)
    meter = CpuMeter(cpu_clock=cpu, clock=clock)
    assert meter.busy() and meter.rate is None   # nothing known yet: a run's start is no time to grow
    clock.now += 0.5
    assert meter.busy() and round(meter.rate, 6) == 0.95
    cpu.set(0.3)   # the process now waits on a slow link
    clock.now += 0.5
    assert not meter.busy() and round(meter.rate, 6) == 0.625   # the last second: half at 0.95, half at 0.3
    for dummy in range(4):
        clock.now += 0.25
        meter.busy()
    assert not meter.busy() and round(meter.rate, 6) == 0.3
    cpu.set(0.79)
    for dummy in range(8):
        clock.now += 0.25
        meter.busy()
    assert not meter.busy()   # just under 0.8
    cpu.set(0.8)
    for dummy in range(8):
        clock.now += 0.25
        meter.busy()
    assert meter.busy()
    assert round(meter.peak_rate, 6) == 0.95


def test_the_cpu_meter_samples_at_most_every_quarter_second_whoever_asks():
    clock = Clock()
    calls = []
    meter = CpuMeter(cpu_clock=lambda: calls.append(1) or 0.0, clock=clock)
    for dummy in range(1000):
        clock.now += 0.001
        meter.busy()
    assert len(calls) == 1 + 4   # the first sample, then one a quarter second over one second


def test_a_busy_process_does_not_grow_the_limit_on_fast_answers():
    # Loopback: answers in a millisecond, the process at one CPU. More in flight would only wait for the GIL.
    clock = Clock()
    meter = CpuMeter(cpu_clock=Cpu(clock, rate=1.0), clock=clock)
    limit = AdaptiveLimit(16, clock=clock, cpu=meter)
    for dummy in range(2000):
        round_of(limit, clock, seconds=0.001)
    assert limit.limit == 4
    assert limit.stats['busy_holds'] > 0


def test_an_idle_process_on_a_slow_link_grows_to_the_ceiling():
    # 50 ms answers, the process at a third of a CPU: the server's round trip is what more in flight buys back.
    def rounds_to_the_ceiling(cpu):
        clock = Clock()
        limit = AdaptiveLimit(16, clock=clock, cpu=cpu(clock))
        rounds = 0
        while limit.limit < 16:
            round_of(limit, clock, seconds=0.05)
            rounds += 1
            assert rounds < 60
        return rounds, limit.stats['busy_holds']
    never_busy, dummy = rounds_to_the_ceiling(lambda clock: False)
    rounds, holds = rounds_to_the_ceiling(lambda clock: CpuMeter(cpu_clock=Cpu(clock, rate=0.35), clock=clock))
    # Held only for the first quarter second (5 rounds of 50 ms), while nothing is known of the process.
    assert 0 < holds <= 5 * 4
    assert rounds == never_busy + 5


def test_a_limit_grown_while_idle_steps_back_to_its_start_when_the_process_gets_busy_and_grows_again_after():
    clock = Clock()
    cpu = Cpu(clock, rate=0.2)
    limit = AdaptiveLimit(16, clock=clock, cpu=CpuMeter(cpu_clock=cpu, clock=clock))
    while limit.limit < 16:
        round_of(limit, clock, seconds=0.05)
    cpu.set(1.0)   # the planner runs beside the readers: the process is the bottleneck now
    for dummy in range(60):
        round_of(limit, clock, seconds=0.05)
    assert limit.limit == 4   # back to the start, not below it: only a refusal or latency goes lower
    assert limit.stats['decreases'] == 0
    cpu.set(0.2)
    for dummy in range(80):
        round_of(limit, clock, seconds=0.05)
    assert limit.limit == 16


def test_a_busy_process_still_backs_off_on_a_refusal():
    clock = Clock()
    limit = AdaptiveLimit(16, clock=clock, cpu=CpuMeter(cpu_clock=Cpu(clock, rate=1.0), clock=clock))
    round_of(limit, clock, outcome=OVERLOAD)
    assert limit.limit == 2


def test_the_cpu_meter_starts_again_after_a_fork_or_a_cpu_clock_that_went_back(monkeypatch):
    # A limit made before a fork keeps its meter: in the child the CPU seconds start again at 0.
    clock = Clock()
    cpu = Cpu(clock, rate=0.9)
    meter = CpuMeter(cpu_clock=cpu, clock=clock)
    clock.now += 1.0
    assert meter.busy() and round(meter.rate, 6) == 0.9
    cpu.seconds = 0.001   # the child's CPU seconds
    clock.now += 0.25
    assert meter.busy() and meter.rate is None   # nothing known again: never a negative rate
    clock.now += 0.5
    assert meter.busy() and round(meter.rate, 6) == 0.9
    monkeypatch.setattr(_concurrency.os, 'getpid', lambda: -2)   # another process, whatever its clock says
    clock.now += 0.25
    assert meter.busy() and meter.rate is None
    cpu.set(0.1)
    clock.now += 0.5
    assert not meter.busy() and round(meter.rate, 6) == 0.1


def test_each_process_has_its_own_cpu_meter(monkeypatch):
    assert process_cpu() is process_cpu()
    assert AdaptiveLimit(16).cpu is process_cpu()
    here = process_cpu()
    # A forked ansible-playbook worker starts its CPU seconds at 0: it must not judge them against its parent's.
    monkeypatch.setattr(_concurrency.os, 'getpid', lambda: -1)
    assert process_cpu() is not here
    assert process_cpu() is process_cpu()


class Items(object):
    """Work for ``run_workers``: ``count`` items, each held until ``release`` lets it end; counts how many run at once."""

    def __init__(self, count):
        self.left = list(range(count))
        self.done = []
        self.lock = threading.Lock()
        self.running = 0
        self.peak = 0
        self.gate = threading.Semaphore(0)

    def one(self):
        with self.lock:
            if not self.left:
                return False
            item = self.left.pop()
            self.running += 1
            self.peak = max(self.peak, self.running)
        self.gate.acquire()
        with self.lock:
            self.running -= 1
            self.done.append(item)
        return True

    def release(self, count):
        for dummy in range(count):
            self.gate.release()

    def wait_running(self, count, seconds=5.0):
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            with self.lock:
                if self.running == count:
                    return True
            time.sleep(0.01)
        return False


class FakeLimit(object):
    def __init__(self, limit):
        self.limit = limit


def run_in_background(**kwargs):
    errors = []

    def run():
        try:
            _concurrency.run_workers(**kwargs)
        except Exception as exc:  # pylint: disable=broad-except
            errors.append(exc)
    thread = threading.Thread(target=run)
    thread.start()
    return thread, errors


def test_run_workers_keeps_four_threads_when_the_limit_falls_below_them():
    # A burst of faults halves the limit to 1: four requests still share the burst, each with its own retries.
    items = Items(20)
    limit = FakeLimit(1.0)
    thread, errors = run_in_background(one=items.one, most=16, limit=limit, poll=0.01)
    assert items.wait_running(4)
    time.sleep(0.1)
    assert items.running == 4
    finish(items, thread, errors, 20)
    assert items.peak == 4
    items = Items(10)   # and never more than most
    thread, errors = run_in_background(one=items.one, most=2, limit=limit, poll=0.01)
    assert items.wait_running(2)
    time.sleep(0.1)
    finish(items, thread, errors, 10)
    assert items.peak == 2


def finish(items, thread, errors, count):
    """Let every item end: the pool returns, with each of ``count`` items done once."""
    items.release(count)
    thread.join(5)
    assert not thread.is_alive() and errors == []
    assert sorted(items.done) == list(range(count))


def test_run_workers_does_every_item_once_with_at_most_most_threads():
    items = Items(50)
    thread, errors = run_in_background(one=items.one, most=5)
    assert items.wait_running(5)
    finish(items, thread, errors, 50)
    assert items.peak == 5


def test_run_workers_follows_the_limit_down_and_up():
    # A busy process or a refusal lowers the limit: threads beyond it leave after their item, and come back when it grows.
    items = Items(200)
    limit = FakeLimit(2.5)
    thread, errors = run_in_background(one=items.one, most=16, limit=limit, poll=0.01, least=1)
    assert items.wait_running(2)
    time.sleep(0.1)
    assert items.running == 2 and items.peak == 2   # int(2.5): no third thread while the limit is 2.5
    limit.limit = 6.0
    assert items.wait_running(6)
    limit.limit = 1.0
    items.release(6)   # each ends its item; only one may take another
    assert items.wait_running(1)
    time.sleep(0.1)
    assert items.running == 1
    limit.limit = 0.4   # never fewer than one thread
    items.release(1)
    assert items.wait_running(1)
    limit.limit = 16.0
    assert items.wait_running(16)
    finish(items, thread, errors, 200)
    assert items.peak == 16


def test_run_workers_stops_taking_items_when_one_raises_and_raises_it_here_after_every_thread_ended():
    calls = []
    lock = threading.Lock()

    def one():
        with lock:
            calls.append(1)
            count = len(calls)
        if count == 1:
            raise ValueError('boom')
        # The other threads are still at work when the error comes (the pool waits for them); an item that ended
        # at once would let a thread race the failing one to its next item before the error is noted.
        time.sleep(0.2)
        return True
    with pytest.raises(ValueError, match='boom'):
        _concurrency.run_workers(one, 4)
    taken = len(calls)
    assert taken <= 4   # no thread took another item after the error (each finishes the one it had)
    time.sleep(0.3)
    assert len(calls) == taken   # and no thread is left working
    assert not [t for t in threading.enumerate() if t.name.startswith('worker-')]


def test_a_failing_tick_stops_the_wait():
    class Stopped(Exception):
        pass

    def tick():
        raise Stopped()
    items = Items(3)
    try:
        _concurrency.run_workers(items.one, 2, tick=tick, poll=0.01)
    except Stopped:
        pass
    else:
        raise AssertionError('the tick did not stop the wait')
    items.release(3)
