# -*- coding: utf-8 -*-
# Copyright: (c) 2026, clearip.netsapiens contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""How many requests one API may have in flight: an adaptive (AIMD) limit. Internal use only.

``_http.HttpSession`` holds one ``AdaptiveLimit`` per API and asks it before every attempt. The
limit starts polite (``initial``, 4), grows while answers come back fast and successful, and
shrinks at once when the server says it is overloaded:

- **additive increase**: each success adds ``1 / limit`` while the limit is in use (at least half
  of it in flight), so the limit grows by about one per round of answers, up to ``ceiling``
  (``max_workers``). An idle or lightly used session does not grow a limit it does not need.
- **multiplicative decrease**: a 429 or 503, a timeout or a dropped connection multiplies it by
  ``backoff`` (0.5); latency that rises above ``latency_tolerance`` (2) times the session's
  baseline, and by at least ``latency_floor`` seconds, multiplies it by ``latency_backoff`` (0.8).
  Only once per round: answers to requests sent before the last decrease do not decrease again
  (TCP's rule), so 16 refusals of one burst halve the limit once, not sixteen times.
- **remembered refusals**: a 429 or 503 notes how many requests were in flight when it was sent.
  The limit then grows back only to one less than that, and probes above it again only after
  ``probe_after`` successes (doubled after each probe that was refused again), so a server that
  refuses more than N requests in flight costs a few refusals in a run, not one per round.
- **Retry-After** pauses the whole session (``pause``): no attempt starts before the time the
  server asked for, whichever worker got the answer.
- **a busy client does not grow**: while this process has used at least ``busy_at`` (0.8) of a CPU
  second per second over the last second (``CpuMeter``, shared by both APIs' limits), the limit does
  not grow and, above ``initial``, steps back by ``1 / limit`` a success. Answers then wait for the
  process, not for the server: more threads in flight only contend for Python's GIL (measured on
  loopback at 100,000 users: 4 in flight 0.99x the minimal client, 16 in flight 1.17x). A slow link
  leaves the process mostly idle (0.3 to 0.4 of a CPU at 50 ms), so it still grows to ``ceiling``.

The latency baseline is a slow moving average of successful answers' seconds (``1/BASELINE_SAMPLES``
weight a sample), the recent latency a fast one (``RECENT_WEIGHT``). Netflix's concurrency-limits
(AIMD and Gradient2 limits) follow the same ideas; no Python library that keeps them fits what a
module may import on a managed host (the standard library, ansible-core's and ``requests``).
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import os
import threading
import time

DEFAULT_INITIAL = 4
DEFAULT_BACKOFF = 0.5
DEFAULT_LATENCY_BACKOFF = 0.8
DEFAULT_LATENCY_TOLERANCE = 2.0
# Seconds latency must rise by as well, so that loopback's jitter (a millisecond becoming three) is no signal.
DEFAULT_LATENCY_FLOOR = 0.025
DEFAULT_PROBE_AFTER = 500
MAX_PROBE_AFTER = 100000
BASELINE_SAMPLES = 200
RECENT_WEIGHT = 0.2
# The longest single wait for a free slot while nothing happens, so that a stopped run is seen in time.
WAIT_SLICE = 0.25
# CPU seconds per second of this process at or above which it is busy: one thread of Python at a time runs
# (the GIL), so a process near one CPU is the limit itself; 0.8 leaves room for the interpreter's own gaps.
DEFAULT_CPU_BUSY = 0.8
# How often a pool of workers (run_workers) looks whether the limit lets more threads work.
POOL_POLL = 0.05
# The CPU meter's window (seconds of the process's recent past it judges) and how often it samples.
CPU_WINDOW = 1.0
CPU_SAMPLE_EVERY = 0.25

# What an attempt's outcome tells the limit (``release``).
SUCCESS = 'success'          # an answer in time: a latency sample, may grow the limit
OVERLOAD = 'overload'        # 429 or 503: the server refused for load
DROPPED = 'dropped'          # a timeout, a reset, 502 or 504: may be load
NEUTRAL = 'neutral'          # anything else (a 4xx, a 500, a failure before sending): says nothing of load


class CpuMeter(object):
    """Whether this process is busy: its CPU seconds per second over the last ``window`` seconds. Thread-safe.

    ``cpu_clock``: this process's CPU seconds, all threads (``time.process_time``); ``clock``: monotonic seconds.
    Sampled at most every ``every`` seconds, whoever asks; until a first ``every`` has passed nothing is known,
    and the process counts as busy (a run's start is its imports and logins: no time to grow a limit).
    """

    def __init__(self, busy_at=DEFAULT_CPU_BUSY, window=CPU_WINDOW, every=CPU_SAMPLE_EVERY,
                 cpu_clock=time.process_time, clock=time.monotonic):
        self.busy_at = float(busy_at)
        self.window = float(window)
        self.every = float(every)
        self.cpu_clock = cpu_clock
        self.clock = clock
        self._lock = threading.Lock()
        self._pid = os.getpid()
        self._samples = [(clock(), cpu_clock())]   # (monotonic s, CPU s), oldest first
        self.rate = None                           # CPU s per s over the window; None until known
        self.peak_rate = 0.0

    def busy(self):
        """True while the process used at least ``busy_at`` CPU seconds a second over its last window."""
        with self._lock:
            now = self.clock()
            if now - self._samples[-1][0] >= self.every:
                cpu, pid = self.cpu_clock(), os.getpid()
                if pid != self._pid or cpu < self._samples[-1][1]:
                    # A forked process (its CPU seconds start again at 0) or a clock that went back: start again.
                    self._pid, self._samples, self.rate = pid, [(now, cpu)], None
                    return True
                self._samples.append((now, cpu))
                # Drop the oldest while the next is a whole window old: the rate spans at least one window once it can.
                while len(self._samples) > 2 and now - self._samples[1][0] >= self.window:
                    self._samples.pop(0)
                (then, cpu_then), (last, cpu_last) = self._samples[0], self._samples[-1]
                self.rate = (cpu_last - cpu_then) / (last - then)
                self.peak_rate = max(self.peak_rate, self.rate)
            return self.rate is None or self.rate >= self.busy_at


_PROCESS_CPU = {}


def process_cpu():
    """The meter of this process, made at its first use: both APIs' limits share the one CPU their answers wait
    for. Keyed by process id, since a forked process (an ``ansible-playbook`` worker) starts its CPU seconds at 0."""
    pid = os.getpid()
    meter = _PROCESS_CPU.get(pid)
    if meter is None:
        meter = _PROCESS_CPU.setdefault(pid, CpuMeter())
    return meter


class Slot(object):
    """One attempt in flight: when it started, how many were in flight with it, and the decrease round it belongs to."""

    __slots__ = ('started', 'in_flight', 'epoch')

    def __init__(self, started, in_flight, epoch):
        self.started = started
        self.in_flight = in_flight
        self.epoch = epoch


class AdaptiveLimit(object):
    """The adaptive in-flight limit of one API. Thread-safe.

    ``ceiling``: the most requests in flight ever (``max_workers``); ``initial``: the start, at most
    the ceiling; ``clock``: monotonic seconds; ``cpu``: the ``CpuMeter`` that says whether the process is
    busy (default: this process's, ``process_cpu()``; ``False``: never busy).
    """

    def __init__(self, ceiling, initial=DEFAULT_INITIAL, floor=1, backoff=DEFAULT_BACKOFF,
                 latency_backoff=DEFAULT_LATENCY_BACKOFF, latency_tolerance=DEFAULT_LATENCY_TOLERANCE,
                 latency_floor=DEFAULT_LATENCY_FLOOR, probe_after=DEFAULT_PROBE_AFTER, clock=time.monotonic, cpu=None):
        self.ceiling = max(1, int(ceiling))
        self.floor = max(1, min(int(floor), self.ceiling))
        self.limit = float(max(self.floor, min(int(initial), self.ceiling)))
        self.initial = self.limit
        # Whether this process is busy (a CpuMeter); the process's own unless given (tests); False: never.
        self.cpu = process_cpu() if cpu is None else cpu
        self.backoff = float(backoff)
        self.latency_backoff = float(latency_backoff)
        self.latency_tolerance = float(latency_tolerance)
        self.latency_floor = float(latency_floor)
        self.base_probe_after = int(probe_after)
        self.probe_after = int(probe_after)
        self.clock = clock
        self.in_flight = 0
        self.paused_until = 0.0
        self.refused_at = None        # requests in flight when the server last refused for load
        self.since_refusal = 0        # successes since then
        self.baseline = None
        self.recent = None
        self._epoch = 0               # rounds of decrease so far
        self._cond = threading.Condition()
        self.stats = {'peak_limit': int(self.limit), 'peak_in_flight': 0, 'decreases': 0, 'latency_decreases': 0,
                      'pauses': 0, 'refusals': 0, 'drops': 0, 'busy_holds': 0}

    # -- the gate ---------------------------------------------------------------------------------
    def try_acquire(self, ignore_pause=False):
        """A ``Slot`` when one is free now, else ``(seconds worth waiting, paused_until)``."""
        with self._cond:
            return self._try_acquire(ignore_pause)

    def _try_acquire(self, ignore_pause):
        left = self.paused_until - self.clock()
        if left > 0 and not ignore_pause:
            return left, self.paused_until
        if self.in_flight >= int(self.limit):
            return WAIT_SLICE, None
        self.in_flight += 1
        self.stats['peak_in_flight'] = max(self.stats['peak_in_flight'], self.in_flight)
        return Slot(self.clock(), self.in_flight, self._epoch)

    def acquire(self, sleep=None, check=None, ignore_pause=False):
        """Wait for a slot and take it: returns the ``Slot`` to give back to ``release``.

        A pause (Retry-After) is waited out with ``sleep(seconds)`` (default: on this limit), once per pause:
        a pause extended meanwhile is waited for again. A full limit is waited on until a slot is released.
        ``check()``: called before each try, raises to give up (a stopped run). ``ignore_pause``: the caller
        already slept the pause it set itself.
        """
        waited_for = None
        while True:
            if check is not None:
                check()
            with self._cond:
                got = self._try_acquire(ignore_pause)
                if isinstance(got, Slot):
                    return got
                seconds, until = got
                if until is None or sleep is None:
                    # Found full and waited on in one hold of the lock: a release in between cannot go unheard.
                    self._cond.wait(min(seconds, WAIT_SLICE))
                    continue
            if until == waited_for:
                ignore_pause = True   # slept through this very pause already
                continue
            waited_for = until
            sleep(seconds)

    def pause(self, seconds):
        """No attempt starts for ``seconds`` (a Retry-After), whichever worker got it."""
        with self._cond:
            until = self.clock() + max(0.0, seconds)
            if until > self.paused_until:
                self.paused_until = until
                self.stats['pauses'] += 1

    def release(self, slot, outcome):
        """Give the slot back and learn from the attempt's ``outcome`` (SUCCESS, OVERLOAD, DROPPED, NEUTRAL)."""
        with self._cond:
            self.in_flight -= 1
            seconds = self.clock() - slot.started
            if outcome == SUCCESS:
                self._success(slot, seconds)
            elif outcome == OVERLOAD:
                self.stats['refusals'] += 1
                self._refused(slot)
                self._decrease(slot, self.backoff)
            elif outcome == DROPPED:
                self.stats['drops'] += 1
                self._decrease(slot, self.backoff)
            # Wake only as many waiters as there are free slots: with 16 threads waiting on a limit of 4, waking them
            # all on every answer costs more CPU (each takes the GIL to look and sleep again) than the requests do.
            free = int(self.limit) - self.in_flight
            if free > 0:
                self._cond.notify(free)

    # -- learning ---------------------------------------------------------------------------------
    def _success(self, slot, seconds):
        self.since_refusal += 1
        if self.baseline is None:
            self.baseline = self.recent = seconds
        else:
            self.recent += RECENT_WEIGHT * (seconds - self.recent)
            self.baseline += (seconds - self.baseline) / BASELINE_SAMPLES
        if self.recent > self.baseline * self.latency_tolerance and self.recent - self.baseline > self.latency_floor:
            if self._decrease(slot, self.latency_backoff):
                self.stats['latency_decreases'] += 1
                self.recent = self.baseline   # the next round judges its own answers
            return
        probing = self.refused_at is not None and self.since_refusal >= self.probe_after
        if probing and slot.in_flight >= self.refused_at:
            # A probe above where the server refused, answered: the server's limit moved up. (Only a probe counts: a
            # request sent with as many in flight before the refusal was answered may have met one answered already.)
            self.refused_at = slot.in_flight + 1
        if slot.in_flight * 2 < self.limit:
            return   # the limit is not in use: growing it would prove nothing
        cap = self.ceiling
        if self.refused_at is not None and self.since_refusal < self.probe_after:
            cap = min(cap, max(self.floor, self.refused_at - 1))
        if self.cpu and self.cpu.busy():
            # Answers wait for this process, not for the server: more in flight would only wait for the GIL. Go back
            # to the start, from above or from below (a latency rise that was this process's own).
            self.stats['busy_holds'] += 1
            target = min(cap, self.initial)
            if self.limit > target:
                self.limit = max(target, self.limit - 1.0 / self.limit)
                return
            cap = target
        if self.limit < cap:
            self.limit = min(float(cap), self.limit + 1.0 / self.limit)
            self.stats['peak_limit'] = max(self.stats['peak_limit'], int(self.limit))

    def _refused(self, slot):
        if self.refused_at is not None and slot.in_flight >= self.refused_at and slot.epoch == self._epoch:
            # The first refusal of a round, at the level it was probing: probe less often.
            self.probe_after = min(MAX_PROBE_AFTER, self.probe_after * 2)
        self.refused_at = slot.in_flight if self.refused_at is None else min(self.refused_at, slot.in_flight)
        self.refused_at = max(self.floor + 1, self.refused_at)
        self.since_refusal = 0

    def _decrease(self, slot, factor):
        """Multiply the limit by ``factor``, once per round; True when it did."""
        if slot.epoch != self._epoch:
            return False   # sent before the last decrease: already accounted for
        self._epoch += 1
        self.limit = max(float(self.floor), self.limit * factor)
        self.stats['decreases'] += 1
        return True

    def figures(self):
        """What the sync report keeps of this limit: ``{peak_limit, final_limit, refusals, drops}`` (requests in flight;
        answers: 429/503 refusals, timeouts/resets/502/504 drops)."""
        with self._cond:
            return {'peak_limit': self.stats['peak_limit'], 'final_limit': int(self.limit),
                    'refusals': self.stats['refusals'], 'drops': self.stats['drops']}

    def snapshot(self):
        """The current figures, for a report or a test."""
        with self._cond:
            return dict(self.stats, limit=round(self.limit, 2), in_flight=self.in_flight, refused_at=self.refused_at,
                        baseline_s=self.baseline, recent_s=self.recent)


def run_workers(one, most, limit=None, name='worker', tick=None, poll=POOL_POLL, least=DEFAULT_INITIAL):
    """Call ``one()`` from worker threads until it returns False, with as many threads as ``limit`` lets work now.

    ``one()`` does one item (a domain's users, a create) and returns True, or False when nothing is left; it keeps
    its own results and errors. Should it raise all the same, no thread takes another item and the first such
    exception is raised here once every thread has ended. ``most``: the most threads; ``limit``: the API's
    ``AdaptiveLimit`` (``None``: ``most`` threads). A thread stops taking items while more threads work than the
    limit allows (``int(limit.limit)``, but never fewer than ``least``, 4, the limit's start), and more start, every
    ``poll`` seconds, while it allows more. Why ``least``: a limit fallen to 1 after a burst of faults would leave
    one or two requests to meet every further fault of the burst alone and spend their retries on it; queued on
    the limit, four share it, as with the old fixed four workers. Why not ``most`` threads always, queued on the
    limit: each thread beyond it wakes, takes Python's GIL and parses its answer beside the others, and on a busy
    process 16 such threads cost a fifth to a third more CPU than 4 (a no-change run at 100,000 users on loopback,
    docs/performance.md). ``tick()`` is called every ``poll`` seconds from this thread (progress lines, a stopped
    run's check, which may raise: the threads then end at their next item's check).
    """
    most = max(1, int(most))
    lock = threading.Lock()
    state = {'working': 0, 'exhausted': False, 'started': 0}
    errors = []    # what one() raised, first first
    threads = []   # the threads started and not yet seen ended (only this thread touches the list)

    def allowed():
        return most if limit is None else min(most, max(1, least, int(limit.limit)))

    def work():
        try:
            while True:
                with lock:
                    if state['exhausted'] or state['working'] > allowed():
                        state['working'] -= 1   # in the lock: of five threads over a limit of four, one leaves
                        return
                if not one():
                    break
        except BaseException as exc:  # pylint: disable=broad-except
            with lock:
                state['exhausted'] = True   # no thread takes more; the caller raises it
                state['working'] -= 1
                errors.append(exc)
            return
        with lock:
            state['exhausted'] = True
            state['working'] -= 1

    def start_more():
        with lock:
            while not state['exhausted'] and state['working'] < allowed():
                state['working'] += 1
                thread = threading.Thread(target=work, name='%s-%d' % (name, state['started']))
                state['started'] += 1
                thread.daemon = True
                threads.append(thread)
                thread.start()

    start_more()
    while True:
        threads[:] = [thread for thread in threads if thread.is_alive()]
        if not threads:
            # The last thread working never leaves for the limit (at least one is allowed): all done or failed.
            if errors:
                raise errors[0]
            return
        threads[0].join(poll)
        if tick is not None:
            tick()
        start_more()
