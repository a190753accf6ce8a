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
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

from ansible.plugins.action import ActionBase

try:  # ansible-core 2.19 and later
    from ansible.executor.module_common import _apply_action_arg_defaults

    def group_defaults(action, task, templar):
        return _apply_action_arg_defaults(action, task, {}, templar)
except ImportError:  # ansible-core 2.16 to 2.18
    from ansible.executor.module_common import get_action_args_with_defaults

    def group_defaults(action, task, templar):
        return get_action_args_with_defaults(action, {}, task.module_defaults, templar,
                                             action_groups=task._parent._play._action_groups)

from ansible_collections.clearip.netsapiens.plugins.module_utils._options import CONNECTION_SETTINGS

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
        result.update(self._execute_module(module_name=MODULE, module_args=args, task_vars=task_vars))
        return result
