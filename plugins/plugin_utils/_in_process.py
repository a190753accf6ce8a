# -*- coding: utf-8 -*-
# Copyright: (c) 2026, clearip.netsapiens contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""A module's code run in its action plugin's own process, on the controller. Internal use only.

Why: a module process costs the event-driven path about a second before its first request (issue 23, measured on
loopback): ansible-core builds the AnsiballZ payload (half a second for subscriber_sync_run: it parses every
module_util), then a new Python compiles every module_util from the payload's source (no bytecode cache) before the
module's first line runs. When the module would run on the controller anyway - a local connection without become -
its action plugin may run the same code here instead, in the ansible-playbook worker that runs the task, where those
imports are already compiled. ansible.netcommon's network action plugins do the same ("direct execution").

``InProcessModule`` is the part of ``AnsibleModule`` that this collection's module code uses (``_module.py`` says
which: ``params``, ``check_mode``, ``_diff``, ``argument_spec``, ``no_log_values``, ``warn``, ``exit_json``,
``fail_json``), with AnsibleModule's rules for each:

- ``params``: the task's arguments as the module would receive them (``plain_data``: vaulted values decrypted),
  validated against the module's argument spec by ansible-core's own
  ``ArgumentSpecValidator`` (types, defaults, choices, ``required_if``, environment fallbacks); an invalid one fails
  with AnsibleModule's message; the values of ``no_log`` options and the URL userinfo (``_module.protect_url_options``)
  join ``no_log_values``;
- ``exit_json``/``fail_json`` end the module by raising ``ModuleExit`` (a ``BaseException``, as AnsibleModule's
  ``SystemExit`` is, so no ``except Exception`` of the module's code catches it) with the result as AnsibleModule
  would print it: ``invocation``, ``warnings``, and every ``no_log_values`` string replaced by
  ``VALUE_SPECIFIED_IN_NO_LOG_PARAMETER`` (``remove_values``).

The environment is the module's: ``environment(task_environment)`` sets the task's ``environment`` in this process
(a worker forked for this one task) while the code runs, as a module process on a local connection would get it.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import contextlib
import os
import signal
import warnings

from ansible.module_utils.basic import missing_required_lib
from ansible.module_utils.common.arg_spec import ArgumentSpecValidator
from ansible.module_utils.common.parameters import remove_values
from ansible.module_utils.errors import UnsupportedError

from ansible_collections.clearip.netsapiens.plugins.module_utils._http import HAS_REQUESTS
from ansible_collections.clearip.netsapiens.plugins.module_utils._module import protect_url_options, raw_userinfo_secrets


class ModuleExit(BaseException):
    """The module ended: ``result`` is what it returned (``failed`` set when it failed)."""

    def __init__(self, result):
        super(ModuleExit, self).__init__(result.get('msg') or 'module exited')
        self.result = result


class InProcessModule(object):
    """``InProcessModule(name, argument_spec, args, check_mode, diff, needs_requests=True, **rules)``: ``rules`` are
    AnsibleModule's (``supports_check_mode``, ``required_if``, ...); ``name`` names the module in a refusal.
    Raises ``ModuleExit`` when the arguments are refused, as AnsibleModule fails then."""

    def __init__(self, name, argument_spec, args, check_mode, diff, needs_requests=True, supports_check_mode=True, **rules):
        self.argument_spec = argument_spec
        self.check_mode = bool(check_mode)
        self._diff = bool(diff)
        self.no_log_values = set()
        self.warnings = []
        args = plain_data(args)
        # Before validation, as CollectionModule does: a refusal shows the arguments, never a URL's userinfo.
        self.no_log_values.update(raw_userinfo_secrets(args))
        validated = ArgumentSpecValidator(argument_spec, **rules).validate(args)
        self.params = validated.validated_parameters
        self.no_log_values.update(validated._no_log_values)
        if validated.error_messages:
            error = validated.errors[0]
            msg = validated.errors.msg
            if isinstance(error, UnsupportedError):
                msg = 'Unsupported parameters for (%s) module: %s' % (name, msg)
            self.fail_json(msg=msg)
        if check_mode and not supports_check_mode:
            self.exit_json(skipped=True, msg='remote module (%s) does not support check mode' % name)
        protect_url_options(self)
        if needs_requests and not HAS_REQUESTS:
            self.fail_json(msg=missing_required_lib('requests'))

    def warn(self, warning):
        self.warnings.append(warning)

    def _result(self, kwargs):
        result = dict(kwargs)
        result.setdefault('invocation', {'module_args': self.params})
        if self.warnings:
            result['warnings'] = list(result.get('warnings') or []) + self.warnings
        # As AnsibleModule: booleans and None kept, every no_log value masked wherever it appears.
        preserved = dict((key, value) for key, value in result.items() if value is None or isinstance(value, bool))
        result = remove_values(result, self.no_log_values)
        result.update(preserved)
        return result

    def exit_json(self, **kwargs):
        raise ModuleExit(self._result(kwargs))

    def fail_json(self, msg, **kwargs):
        kwargs.pop('exception', None)   # no traceback capture here: the message says what went wrong
        kwargs.update(failed=True, msg=str(msg))
        raise ModuleExit(self._result(kwargs))


# The connections whose modules run on the controller itself, in an environment this process can tell.
LOCAL_TRANSPORTS = ('local', 'ansible.builtin.local', 'ansible.legacy.local')


def runs_locally(action):
    """Whether ``action`` (an action plugin) would run its module on the controller, on a local connection without become
    (become may change the environment and the user)."""
    return getattr(action._connection, 'transport', None) in LOCAL_TRANSPORTS and not action._play_context.become


def task_environment(action):
    """The task's ``environment`` keyword as ansible-core gives it to a module of ``action``: ``{name: value}``."""
    found = {}
    action._compute_environment_string(raw_environment_out=found)
    return found


# The signals a module's code may take over (the sync's cancel): this process's own handlers come back after it.
HANDLED_SIGNALS = tuple(getattr(signal, name) for name in ('SIGTERM', 'SIGINT', 'SIGHUP') if hasattr(signal, name))


def plain_data(value):
    """``value`` as a module receives it (JSON): a vault-encrypted value decrypted - ansible-core before 2.19 hands a
    ``!vault`` value of ``module_defaults`` to the action plugin still encrypted, and its module path encodes it as text -
    tuples as lists."""
    if getattr(value, '__ENCRYPTED__', False):
        return str(value)
    if isinstance(value, dict):
        return dict((key, plain_data(item)) for key, item in value.items())
    if isinstance(value, (list, tuple)):
        return [plain_data(item) for item in value]
    return value


def run(main, *args, **kwargs):
    """``main(InProcessModule(*args, **kwargs))``, which must end with ``exit_json`` or ``fail_json``: its result.
    The handlers of ``HANDLED_SIGNALS`` are this process's again afterwards, however the code ended."""
    saved = dict((number, signal.getsignal(number)) for number in HANDLED_SIGNALS)
    try:
        # Python warnings (urllib3's InsecureRequestWarning with validate_certs false) went to a module process's stderr,
        # which Ansible does not show for a module that succeeds; here they would reach the worker's stderr.
        with warnings.catch_warnings(record=True):
            main(InProcessModule(*args, **kwargs))
    except ModuleExit as done:
        return done.result
    finally:
        for number, handler in saved.items():
            if handler is not None:
                signal.signal(number, handler)
    return {'failed': True, 'msg': 'the module ended without a result'}


def with_environment(environ, extra):
    """``environ`` updated with ``extra``, names and values as strings (as a process's environment holds them)."""
    environ.update((str(name), str(value)) for name, value in (extra or {}).items())
    return environ


@contextlib.contextmanager
def environment(extra):
    """This process's environment plus ``extra`` (the task's ``environment``) while the block runs."""
    saved = dict(os.environ)
    os.environ.update(with_environment({}, extra))
    try:
        yield
    finally:
        os.environ.clear()
        os.environ.update(saved)
