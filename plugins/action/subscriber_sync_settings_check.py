# -*- coding: utf-8 -*-
# Copyright: (c) 2026, clearip.netsapiens contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Action plugin of the subscriber_sync_settings_check module: the same check, on the controller when it can be.

The check is pure (plugins/module_utils/settings_check.py) and reads only its options and the names of
the NETSAPIENS_* and CLEARIP_* environment variables where the sync's modules will run. When the task
runs on the controller (connection ``local``) without an ``environment`` keyword, that environment is
this process's, so the check runs here and spares every sync a module process (docs/performance.md).
Anywhere else the module runs on the target as usual.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import os

from ansible.plugins.action import ActionBase
from ansible_collections.clearip.netsapiens.plugins.module_utils.settings_check import argument_spec, run_check

MODULE = 'clearip.netsapiens.subscriber_sync_settings_check'


class ActionModule(ActionBase):

    TRANSFERS_FILES = False

    def _runs_here(self):
        return getattr(self._connection, 'transport', None) == 'local' and not self._task.environment

    def run(self, tmp=None, task_vars=None):
        result = super(ActionModule, self).run(tmp, task_vars)
        del tmp
        if not self._runs_here():
            result.update(self._execute_module(module_name=MODULE, module_args=self._task.args, task_vars=task_vars))
            return result
        dummy, params = self.validate_argument_spec(argument_spec=argument_spec())
        result.update(run_check(params, os.environ))
        if result['problems']:
            result['failed'] = True
        return result
