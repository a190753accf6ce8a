# -*- coding: utf-8 -*-
# Copyright: (c) 2026, clearip.netsapiens contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Progress lines of a long tier, appended to a file (the cron log, or /dev/tty) while a module runs.

A module's own output reaches the play only when it ends, so a 100,000-User tier would show nothing
for minutes. With a progress file, the create modules append one line at most every ``interval``
seconds (and at least that often while the tier runs, thanks to ``tick``), in this form:

    2026-11-30T01:02:03Z users: 1200 of 10000 done (1150 created, 50 failed), 98.5/s, about 1m29s left

Writing progress never fails the module: a file that cannot be written is given up silently, as the
result and the report still say everything.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import threading
import time

DEFAULT_INTERVAL = 10.0


def _duration(seconds):
    seconds = int(round(seconds))
    if seconds >= 3600:
        return '%dh%02dm' % (seconds // 3600, seconds % 3600 // 60)
    if seconds >= 60:
        return '%dm%02ds' % (seconds // 60, seconds % 60)
    return '%ds' % seconds


class ProgressLog(object):
    """Counts the objects of one tier as they are done and appends a line now and then.

    ``path``: file to append to (None: do nothing); ``label``: what is counted (``users``);
    ``interval``: seconds between lines; ``clock``: Unix time in seconds (replaceable in tests).
    Thread-safe: the create workers call ``done`` concurrently.
    """

    def __init__(self, path, label, interval=DEFAULT_INTERVAL, clock=time.time):
        self.path = path
        self.label = label
        self.interval = max(0.0, float(interval))
        self.clock = clock
        self.total = 0
        self.created = 0
        self.failed = 0
        self._lock = threading.Lock()
        self._began = None
        self._last_line = None

    @property
    def done_count(self):
        return self.created + self.failed

    def note(self, text):
        """One line of free text, such as the start of a listing."""
        self._write('%s: %s' % (self.label, text))

    def begin(self, total):
        """The creates start: ``total`` objects to do."""
        with self._lock:
            self.total = int(total)
            self._began = self.clock()
            self._last_line = self._began
        self._write('%s: %d to create' % (self.label, self.total))

    def done(self, ok):
        """One object done (``ok``: created, else failed); writes a line when ``interval`` has passed."""
        with self._lock:
            if ok:
                self.created += 1
            else:
                self.failed += 1
        self.tick()

    def tick(self):
        """Writes a line when ``interval`` has passed since the last one, done or not."""
        with self._lock:
            now = self.clock()
            if self._began is None or now - self._last_line < self.interval or self.done_count >= self.total:
                return
            self._last_line = now
            line = self._status(now)
        self._write(line)

    def finish(self):
        with self._lock:
            if self._began is None:
                return
            line = self._status(self.clock(), final=True)
        self._write(line)

    def _status(self, now, final=False):
        elapsed = max(1e-9, now - self._began)
        rate = self.done_count / elapsed
        text = '%s: %d of %d done (%d created, %d failed), %.1f/s' % (
            self.label, self.done_count, self.total, self.created, self.failed, rate)
        if final:
            return text + ', finished in %s' % _duration(elapsed)
        if rate > 0:
            return text + ', about %s left' % _duration((self.total - self.done_count) / rate)
        return text + ', time left unknown'

    def _write(self, line):
        if not self.path:
            return
        stamp = time.strftime('%Y-%m-%dT%H:%M:%SZ', time.gmtime(self.clock()))
        try:
            with open(self.path, 'a') as handle:
                handle.write('%s %s\n' % (stamp, line))
        except (IOError, OSError):
            self.path = None   # the result and the report still say everything
