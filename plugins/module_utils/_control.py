# -*- coding: utf-8 -*-
# Copyright: (c) 2026, clearip.netsapiens contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""When a run must stop: cancelled (SIGTERM, SIGINT, SIGHUP) or past its maximum duration. Internal use only.

One ``RunControl`` serves a whole run. Every wait of the run goes through it (``wait`` returns early
once the run is stopped, and is never longer than asked), every request checks it first
(``check`` raises ``RunStopped``), and ``stop`` runs the callbacks registered with ``on_stop`` (the
HTTP sessions abort their requests in flight), so a stopped run ends within seconds, whatever the
servers are doing.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import threading
import time

# The longest single wait while nothing happens, so that a deadline is seen in time even then.
WAIT_SLICE = 0.25


class RunStopped(Exception):
    """The run was asked to stop: ``reason`` says why (a sentence), ``cancelled`` whether by a signal."""

    def __init__(self, reason, cancelled):
        super(RunStopped, self).__init__(reason)
        self.reason = reason
        self.message = reason
        self.cancelled = cancelled


class RunControl(object):
    """``max_duration``: seconds the run may take (None: no limit); ``clock``: monotonic seconds."""

    def __init__(self, max_duration=None, clock=time.monotonic):
        self.clock = clock
        self.max_duration = max_duration
        self.deadline = clock() + max_duration if max_duration else None
        self.reason = None
        self.cancelled = False
        self._stopped = threading.Event()
        self._lock = threading.Lock()
        self._callbacks = []

    @property
    def stopped(self):
        self._check_deadline()
        return self._stopped.is_set()

    def on_stop(self, callback):
        """Call ``callback()`` when the run stops (at once when it already has)."""
        with self._lock:
            if not self._stopped.is_set():
                self._callbacks.append(callback)
                return
        callback()

    def stop(self, reason, cancelled=False):
        """Stop the run, once: later calls keep the first reason."""
        with self._lock:
            if self._stopped.is_set():
                return
            self.reason = reason
            self.cancelled = cancelled
            self._stopped.set()
            callbacks, self._callbacks = self._callbacks, []
        for callback in callbacks:
            try:
                callback()
            except Exception:  # pylint: disable=broad-except
                pass   # a callback that fails must not keep the run from stopping

    def _check_deadline(self):
        if self.deadline is not None and not self._stopped.is_set() and self.clock() >= self.deadline:
            self.stop('the run took longer than its maximum duration of %d seconds (max_duration)' % self.max_duration)

    def check(self):
        """Raise ``RunStopped`` when the run has been stopped (or its deadline has passed)."""
        if self.stopped:
            raise RunStopped(self.reason, self.cancelled)

    def wait(self, seconds):
        """Sleep ``seconds`` at most, less when the run stops meanwhile (then ``check`` tells)."""
        end = self.clock() + max(0.0, seconds)
        while not self.stopped:
            left = end - self.clock()
            if left <= 0:
                return
            self._stopped.wait(min(left, WAIT_SLICE))
