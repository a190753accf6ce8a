# -*- coding: utf-8 -*-
# Copyright: (c) 2026, clearip.netsapiens contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Progress lines of a long tier."""

from __future__ import annotations

from ansible_collections.clearip.netsapiens.plugins.module_utils._progress import ProgressLog


class Clock(object):
    def __init__(self):
        self.now = 1000.0

    def __call__(self):
        return self.now


def test_progress_lines_come_every_interval_with_rate_and_time_left(tmp_path):
    path = tmp_path / 'progress.log'
    clock = Clock()
    progress = ProgressLog(str(path), 'users', interval=10, clock=clock)
    progress.note('100 requested; listing what ClearIP holds')
    progress.begin(100)
    for n in range(30):
        clock.now += 1
        progress.done(ok=n != 5)
    progress.tick()
    clock.now += 10
    progress.tick()        # nothing done for 10 s: a line all the same
    for _unused in range(70):
        progress.done(ok=True)
    progress.finish()
    lines = path.read_text().splitlines()
    assert lines[0] == '1970-01-01T00:16:40Z users: 100 requested; listing what ClearIP holds'
    assert lines[1].endswith('users: 100 to create')
    assert lines[2].endswith('users: 10 of 100 done (9 created, 1 failed), 1.0/s, about 1m30s left')
    assert lines[3].endswith('users: 20 of 100 done (19 created, 1 failed), 1.0/s, about 1m20s left')
    assert lines[4].endswith('users: 30 of 100 done (29 created, 1 failed), 1.0/s, about 1m10s left')
    assert lines[5].endswith('users: 30 of 100 done (29 created, 1 failed), 0.8/s, about 1m33s left')
    assert lines[6].endswith('users: 100 of 100 done (99 created, 1 failed), 2.5/s, finished in 40s')
    assert len(lines) == 7


def test_progress_without_a_path_or_with_an_unwritable_one_does_nothing(tmp_path):
    ProgressLog(None, 'users').begin(3)
    broken = ProgressLog(str(tmp_path / 'missing' / 'p.log'), 'users')
    broken.begin(1)
    broken.done(ok=True)
    broken.finish()
    assert not (tmp_path / 'missing').exists()
