# -*- coding: utf-8 -*-
# Copyright: (c) 2026, clearip.netsapiens contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Action plugin of the subscriber_sync_settings_check module: a warning for a settings file that others can read.

The vendor binary's config.json, loaded with ``-e @config.json``, holds the NetSapiens and ClearIP secrets,
and its guide and this collection's say mode 0600. Only the controller knows which files the extra
variables came from (ansible-playbook's ``-e @FILE`` arguments), so they are looked at here, before the
module runs: each such file that holds a ``netsapiens`` or ``clearip`` object (config.json's format) and
that every user of the machine can read (mode o+r) gets a warning naming it, its mode and the fix. A
file that is vault-encrypted as a whole holds no secret in the clear and gets none. Its contents are
never shown.

Then the check itself. It is pure Python (``_sync_settings.run_check``): on a local connection without become - the
sync on the control node, as the collection's playbooks and the event-driven path run it - it runs here, on the
controller, with the environment the module would get (this process's, plus the task's ``environment``), and no
module process is started (issue 23: that process cost the event-driven path most of a second before the sync could
start). On any other connection, or with become (which may change the environment), the module runs on the host,
where the sync will run, as any module does; the result is the same either way.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import os
import re
import stat

from ansible import context
from ansible.plugins.action import ActionBase

from ansible_collections.clearip.netsapiens.plugins.module_utils._sync_settings import argument_spec, run_check
from ansible_collections.clearip.netsapiens.plugins.plugin_utils._in_process import runs_locally, task_environment, with_environment
from ansible_collections.clearip.netsapiens.plugins.plugin_utils._settings_shapes import shapes

MODULE = 'clearip.netsapiens.subscriber_sync_settings_check'
# A top-level-looking "netsapiens": or clearip: key, in JSON or YAML (not subscriber_sync_netsapiens_host:).
SETTINGS_OBJECT = re.compile(r'''(?<![\w.-])["']?(netsapiens|clearip)["']?\s*:''')


def readable_settings_files(extra_vars, cwd):
    """(path as given, absolute path, mode) of each ``@FILE`` of ``extra_vars`` that holds settings and others can read."""
    found = []
    for value in extra_vars or ():
        if not isinstance(value, str) or not value.startswith('@'):
            continue
        given = value[1:]
        path = os.path.join(cwd, os.path.expanduser(given))
        try:
            mode = stat.S_IMODE(os.stat(path).st_mode)
            if not mode & stat.S_IROTH:
                continue
            with open(path, 'rb') as handle:
                text = handle.read().decode('utf-8', 'replace')
        except (IOError, OSError):
            continue   # ansible-playbook itself says what is wrong with the file
        if text.lstrip().startswith('$ANSIBLE_VAULT') or not SETTINGS_OBJECT.search(text):
            continue
        found.append((given, os.path.normpath(path), mode))
    return found


def warning(given, path, mode):
    return ('%s holds the NetSapiens and ClearIP settings, secrets included, and every user of this machine can read it '
            '(mode %04o): run chmod 600 %s (or encrypt it with ansible-vault)' % (given, mode, path))


class ActionModule(ActionBase):

    TRANSFERS_FILES = False

    def run(self, tmp=None, task_vars=None):
        result = super(ActionModule, self).run(tmp, task_vars)
        del tmp
        warnings = [warning(*found) for found in readable_settings_files(context.CLIARGS.get('extra_vars'), os.getcwd())]
        # The settings' shapes from the task's variables, unless the task gives them (they are what the module checks).
        args = dict(self._task.args)
        if args.get('argument_specs') is None:
            built = shapes(task_vars or {}, self._templar.template)
            args.update((name, value) for name, value in built.items() if args.get(name) is None)
            self._task.args = args
        if runs_locally(self):
            # The module's own validation (types, defaults, required), then the module's own check.
            dummy, params = self.validate_argument_spec(argument_spec=argument_spec())
            checked = run_check(params, with_environment(dict(os.environ), task_environment(self)))
            if checked['problems']:
                checked['failed'] = True
            # As a module shows its arguments at -vvvv: the settings' shapes, no secret (the task gives none).
            checked['invocation'] = {'module_args': params}
            result.update(checked)
        else:
            result.update(self._execute_module(module_name=MODULE, module_args=args, task_vars=task_vars))
        if warnings:
            result['warnings'] = list(result.get('warnings') or []) + warnings
        return result
