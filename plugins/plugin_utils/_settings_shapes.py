# -*- coding: utf-8 -*-
# Copyright: (c) 2026, clearip.netsapiens contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The shapes of the settings that the subscriber_sync_settings_check module checks, built on the controller.

The module is given the *shape* of config.json and of the role variables - each setting's type name, and the value
only of settings that are not secret - so that no secret reaches it. These shapes used to be built by Jinja in the
role's task (issue 23: a third of a second of the event-driven path's delay, templating every ``subscriber_sync_*``
variable through lookups); the action plugin builds the same shapes here, from the task's variables, each one
templated as ``lookup('ansible.builtin.vars', name)`` would.

Shapes (the module's options ``config``, ``variables``, ``other_variables``, ``argument_specs``):

- ``config``: for each of ``netsapiens`` and ``clearip`` that is a variable, its type name when it is not a mapping,
  else ``{key: {'type': type name, 'value': value or None}}`` with a value only for the keys of ``CONFIG_SHOWN`` and
  only when it is a scalar (without URL userinfo).
- ``variables``: ``{name: {'type', 'value'}}`` for every ``subscriber_sync_*`` variable; a value only for variables
  with choices, booleans, integers, the NetSapiens host and the ClearIP URL (see ``shown_variable``).
- ``other_variables``: the names of the other variables that start with n, N, c or C (not ``ansible_*``), to suggest
  one close to ``netsapiens`` or ``clearip`` when that object is missing.
- ``argument_specs``: the ``argument_specs`` mapping of the role's ``meta/argument_specs.yml``.

Type names: ``null``, ``empty`` (an empty string), ``str`` (a vault-encrypted value too), ``bool``, ``int``,
``float``, ``dict``, ``list``, ``other`` - Jinja's tests, in the order the role's macro applied them.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import os
import re

import yaml

from ansible.module_utils.six.moves.collections_abc import Mapping
from ansible.plugins.test.core import vault_encrypted

from ansible_collections.clearip.netsapiens.plugins.module_utils._urls import strip_userinfo

# config.json keys whose value the check is given (not secrets): the rest only by type.
CONFIG_SHOWN = ('host', 'url', 'apiVersion', 'tokenEndpoint', 'validateCerts')
SECTIONS = ('netsapiens', 'clearip')
# Role variables given by value although they have no choices and are not booleans or numbers.
VARIABLES_SHOWN = ('subscriber_sync_netsapiens_host', 'subscriber_sync_clearip_url')
OTHER_NAMES = re.compile(r'^(?!ansible_)[nNcC]')
# The role whose variables are checked: in this collection, beside plugins/.
ROLE_SPECS = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))),
                          'roles', 'subscriber_sync', 'meta', 'argument_specs.yml')
SafeLoader = getattr(yaml, 'CSafeLoader', yaml.SafeLoader)


def kind(value):
    """The type name of ``value``, as Jinja's tests tell it (``sequence``: anything with a length and items)."""
    if value is None:
        return 'null'
    # ansible-core before 2.19 marks a vaulted value __ENCRYPTED__, and tells it encrypted only once a vault is loaded.
    if getattr(value, '__ENCRYPTED__', False) or vault_encrypted(value):
        return 'str'
    if isinstance(value, str):
        return 'str' if value else 'empty'
    if value is True or value is False:
        return 'bool'
    if isinstance(value, int):
        return 'int'
    if isinstance(value, float):
        return 'float'
    if isinstance(value, Mapping):
        return 'dict'
    try:
        len(value)
        value.__getitem__   # pylint: disable=pointless-statement
    except Exception:   # pylint: disable=broad-except
        return 'other'   # Jinja's sequence test takes any failure for "not a sequence"
    return 'list'


def scalar(value):
    """Jinja's ``value is string or value is not iterable``: a value that may be shown."""
    if isinstance(value, str):
        return True
    try:
        iter(value)
    except TypeError:
        return True
    return False


def plain(value):
    """``value`` without URL userinfo (a secret), when it is a string."""
    return strip_userinfo(value) if isinstance(value, str) else value


def role_argument_specs(path=ROLE_SPECS):
    """The ``argument_specs`` mapping of the role's ``meta/argument_specs.yml``."""
    with open(path, 'rb') as handle:
        return yaml.load(handle, Loader=SafeLoader)['argument_specs']


def config_shape(names, value_of):
    """The ``config`` option: ``names`` are the variables' names, ``value_of(name)`` templates one."""
    shape = {}
    for section in SECTIONS:
        if section not in names:
            continue
        value = value_of(section)
        if isinstance(value, Mapping):
            shape[section] = dict(
                (key, {'type': kind(item), 'value': plain(item) if key in CONFIG_SHOWN and scalar(item) else None})
                for key, item in value.items())
        else:
            shape[section] = kind(value)
    return shape


def shown_variable(name, spec):
    return 'choices' in spec or spec.get('type', 'str') in ('bool', 'int') or name in VARIABLES_SHOWN


def variables_shape(names, value_of, argument_specs):
    """The ``variables`` option: every ``subscriber_sync_*`` name, with its value only when ``shown_variable``."""
    known = {}
    for entry in argument_specs.values():
        for name, spec in ((entry or {}).get('options') or {}).items():
            known.setdefault(name, spec or {})
    shape = {}
    for name in names:
        if not name.startswith('subscriber_sync_'):
            continue
        item = value_of(name)
        shown = shown_variable(name, known.get(name, {})) and scalar(item)
        shape[name] = {'type': kind(item), 'value': plain(item) if shown else None}
    return shape


def other_variables(names):
    return [name for name in names if OTHER_NAMES.search(name)]


def shapes(task_vars, template):
    """The four options of the check for ``task_vars``; ``template(value)`` templates a variable's raw value."""
    names = list(task_vars)
    argument_specs = role_argument_specs()
    return dict(config=config_shape(names, lambda name: template(task_vars[name])),
                variables=variables_shape(names, lambda name: template(task_vars[name]), argument_specs),
                other_variables=other_variables(names), argument_specs=argument_specs)
