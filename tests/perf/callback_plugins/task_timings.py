# -*- coding: utf-8 -*-
# Copyright: (c) 2026, clearip.netsapiens contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Per-task wall times of a playbook run, for ``make benchmark`` (not part of the collection).

ansible-core has no profiling callback of its own and ansible.posix is not installed here. Enable
with ``ANSIBLE_CALLBACK_PLUGINS=<this directory>`` and ``ANSIBLE_CALLBACKS_ENABLED=task_timings``;
the timings go as JSON to the file named by ``TASK_TIMINGS_PATH``:
``{"playbook_seconds": s, "tasks": [{"task", "action", "host", "status", "seconds"}, ...]}``, in
the order the tasks ended. A task's time runs from its start (as the controller sees it) to its
result, so it includes the module's process start, its transfer and its run. Setup before the
first task (ansible-playbook's own start, inventory, play compile) is ``playbook_seconds`` less the
sum of the tasks, as the benchmark computes it from its own wall clock.
"""

from __future__ import annotations

DOCUMENTATION = '''
name: task_timings
type: aggregate
short_description: write per-task wall times as JSON
description:
  - Writes the wall time of each task result to the file named by the TASK_TIMINGS_PATH environment variable.
requirements:
  - enable in the callbacks_enabled setting
'''

import json
import os
import time

from ansible.plugins.callback import CallbackBase


class CallbackModule(CallbackBase):
    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = 'aggregate'
    CALLBACK_NAME = 'task_timings'
    CALLBACK_NEEDS_ENABLED = True

    def __init__(self, *args, **kwargs):
        super(CallbackModule, self).__init__(*args, **kwargs)
        self._started = time.monotonic()
        self._task_start = {}
        self._tasks = []

    def _start(self, task):
        self._task_start[task._uuid] = time.monotonic()

    def v2_playbook_on_task_start(self, task, is_conditional):
        self._start(task)

    def v2_playbook_on_handler_task_start(self, task):
        self._start(task)

    def _end(self, result, status):
        task = result._task
        started = self._task_start.get(task._uuid, self._started)
        self._tasks.append({'task': task.get_name(), 'action': task.action, 'host': result._host.get_name(),
                            'status': status, 'seconds': round(time.monotonic() - started, 4)})

    def v2_runner_on_ok(self, result):
        self._end(result, 'ok')

    def v2_runner_on_failed(self, result, ignore_errors=False):
        self._end(result, 'failed')

    def v2_runner_on_skipped(self, result):
        self._end(result, 'skipped')

    def v2_runner_on_unreachable(self, result):
        self._end(result, 'unreachable')

    def v2_playbook_on_stats(self, stats):
        path = os.environ.get('TASK_TIMINGS_PATH')
        if not path:
            return
        with open(path, 'w', encoding='utf-8') as handle:
            json.dump({'playbook_seconds': round(time.monotonic() - self._started, 4), 'tasks': self._tasks}, handle, indent=1)
