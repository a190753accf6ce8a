# -*- coding: utf-8 -*-
# Copyright: (c) 2026, clearip.netsapiens contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Action plugin of the subscriber_sync_run module: the two connection groups' module_defaults, then the module.

The module takes its NetSapiens and ClearIP settings as two dict options, because both APIs have a
``password`` (and ``validate_certs``, ``ca_path``, ``timeout``), so it can belong to neither action group.
A play that sets ``module_defaults`` for ``group/clearip.netsapiens.netsapiens`` or
``group/clearip.netsapiens.clearip`` still expects them to apply (the role's documented behaviour), so this
plugin resolves them as ansible-core would for a module of each group, and fills every connection
setting the task's ``netsapiens`` or ``clearip`` option does not give. Runs on the controller; the
module then runs on the target like any other.

A targeted run (``domains`` given: the event-driven path, one or a few domains) on a local connection without become,
whose interpreter is this Python (``ansible_python_interpreter``, as the collection's playbooks set it for localhost),
runs the module's code here instead,
in this worker process (``plugin_utils/_in_process.py``): a module process cost that path about a second before its
first request (issue 23). The result, the report, the signals that cancel a run
and the secrets kept out of the result are the same. A full sync keeps a process of its own: its memory (100,000
users) is given back when it ends, and its threads' malloc arenas are limited for it alone.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import os
import sys

from ansible import constants as C
from ansible.plugins.action import ActionBase
from ansible.utils.unsafe_proxy import wrap_var

try:  # ansible-core 2.19 and later
    from ansible.executor.module_common import _apply_action_arg_defaults

    def group_defaults(action, task, templar):
        return _apply_action_arg_defaults(action, task, {}, templar)
except ImportError:  # ansible-core 2.16 to 2.18
    from ansible.executor.module_common import get_action_args_with_defaults

    def group_defaults(action, task, templar):
        return get_action_args_with_defaults(action, {}, task.module_defaults, templar,
                                             action_groups=task._parent._play._action_groups)

from ansible_collections.clearip.netsapiens.plugins.module_utils._http import HAS_REQUESTS
from ansible_collections.clearip.netsapiens.plugins.module_utils._options import CONNECTION_SETTINGS
from ansible_collections.clearip.netsapiens.plugins.module_utils._sync_module import SYNC_RULES, run_sync_module, sync_options
from ansible_collections.clearip.netsapiens.plugins.plugin_utils import _in_process

MODULE = 'clearip.netsapiens.subscriber_sync_run'


class ActionModule(ActionBase):

    TRANSFERS_FILES = False

    def run(self, tmp=None, task_vars=None):
        result = super(ActionModule, self).run(tmp, task_vars)
        del tmp
        args = dict(self._task.args)
        for option, (member, settings) in CONNECTION_SETTINGS.items():
            given = args.get(option) or {}
            if not isinstance(given, dict):
                continue   # the module says what is wrong with it
            defaults = {}
            if self._task.module_defaults:
                defaults = group_defaults(member, self._task, self._templar)
            merged = dict((key, defaults[key]) for key in settings if defaults.get(key) is not None)
            merged.update(given)
            args[option] = merged
        if args.get('domains') and self._runs_on_controller(task_vars or {}):
            with _in_process.environment(_in_process.task_environment(self)):
                ran = _in_process.run(run_sync_module, MODULE, sync_options(), args, check_mode=self._task.check_mode,
                                      diff=self._task.diff, **SYNC_RULES)
            # As a module's result: data, never a template (a NetSapiens name may hold "{{").
            result.update(wrap_var(ran))
        else:
            result.update(self._execute_module(module_name=MODULE, module_args=args, task_vars=task_vars))
        return result

    def _runs_on_controller(self, task_vars):
        """Whether the module would run on the controller with this very Python (its libraries, its CA bundle), in this
        process's environment plus the task's. An interpreter left to discovery (which may find the system's Python),
        or another one named, runs the module; so does a controller whose Python lacks requests."""
        if not _in_process.runs_locally(self) or not HAS_REQUESTS:
            return False
        variables = task_vars
        if self._task.delegate_to:
            variables = (task_vars.get('ansible_delegated_vars') or {}).get(self._task.delegate_to) or {}
        # As ansible-core reads it for the module's shebang: ansible_python_interpreter, else the configuration.
        configured = C.config.get_config_value('INTERPRETER_PYTHON', variables=variables)
        if not isinstance(configured, str) or configured.startswith('auto'):
            return False
        interpreter = self._templar.template(configured)
        return isinstance(interpreter, str) and same_python(interpreter, sys.executable)


def same_python(path, other):
    """Whether two interpreter paths are one Python with the same libraries: the same binary in the same directory
    (``python`` and ``python3`` of one virtualenv are; the base Python that a virtualenv links to is not)."""
    path, other = os.path.abspath(path), os.path.abspath(other)
    return os.path.dirname(path) == os.path.dirname(other) and os.path.realpath(path) == os.path.realpath(other)
