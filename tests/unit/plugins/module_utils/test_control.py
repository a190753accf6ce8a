# -*- coding: utf-8 -*-
# Copyright: (c) 2026, clearip.netsapiens contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""When a run must stop: cancelled, or past its maximum duration."""

from __future__ import annotations

import threading

import pytest

from ansible_collections.clearip.netsapiens.plugins.module_utils._control import RunControl, RunStopped


class Clock(object):
    def __init__(self):
        self.now = 100.0

    def __call__(self):
        return self.now


def test_a_run_past_its_maximum_duration_is_stopped_and_says_why():
    clock = Clock()
    control = RunControl(max_duration=60, clock=clock)
    control.check()
    clock.now += 59.9
    assert not control.stopped
    clock.now += 0.2
    with pytest.raises(RunStopped) as info:
        control.check()
    assert info.value.cancelled is False
    assert info.value.reason == 'the run took longer than its maximum duration of 60 seconds (max_duration)'


def test_stop_calls_each_callback_once_and_keeps_the_first_reason():
    control = RunControl()
    calls = []
    control.on_stop(lambda: calls.append('a'))
    control.stop('the run was cancelled by SIGTERM', cancelled=True)
    control.stop('later')
    control.on_stop(lambda: calls.append('late'))   # registered after the stop: called at once
    assert calls == ['a', 'late']
    with pytest.raises(RunStopped) as info:
        control.check()
    assert (info.value.reason, info.value.cancelled) == ('the run was cancelled by SIGTERM', True)


def test_a_wait_ends_early_when_the_run_stops():
    control = RunControl()
    timer = threading.Timer(0.2, control.stop, args=('stop',))
    timer.start()
    waited = threading.Event()

    def wait():
        control.wait(30)
        waited.set()
    thread = threading.Thread(target=wait)
    thread.start()
    assert waited.wait(10), 'the wait did not end when the run stopped'
    thread.join(10)
    assert control.stopped
