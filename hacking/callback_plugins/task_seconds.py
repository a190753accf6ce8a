# -*- coding: utf-8 -*-
# Copyright: (c) 2026, clearip.netsapiens contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Measurement aid for hacking/drift_cost.py (not part of the collection): writes each task's wall time.

Enabled with ANSIBLE_CALLBACK_PLUGINS=hacking/callback_plugins ANSIBLE_CALLBACKS_ENABLED=task_seconds; the
JSON list of ``[task name, seconds]`` goes to the file named by TASK_SECONDS_FILE.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = '''
    name: task_seconds
    type: aggregate
    short_description: write each task's wall time to a JSON file
    description: Measurement aid for hacking/drift_cost.py.
    requirements: [enable in configuration]
'''

import json
import os
import time

from ansible.plugins.callback import CallbackBase


class CallbackModule(CallbackBase):
    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = 'aggregate'
    CALLBACK_NAME = 'task_seconds'
    CALLBACK_NEEDS_ENABLED = True

    def __init__(self):
        super(CallbackModule, self).__init__()
        self.current = None
        self.times = []

    def _close(self):
        if self.current is not None:
            name, start = self.current
            self.times.append([name, time.monotonic() - start])
            self.current = None

    def v2_playbook_on_task_start(self, task, is_conditional):
        self._close()
        self.current = (task.get_name(), time.monotonic())

    def v2_playbook_on_stats(self, stats):
        self._close()
        with open(os.environ['TASK_SECONDS_FILE'], 'w') as handle:
            json.dump(self.times, handle)
