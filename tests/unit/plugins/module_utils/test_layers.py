# -*- coding: utf-8 -*-
# Copyright: (c) 2026, clearip.netsapiens contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The dependency rule of plugins/module_utils (docs/architecture.md), checked on the imports themselves.

A file may import only files of a lower layer; only ``_module.py`` imports ``AnsibleModule``, and only the glue
files (``_*_module.py``) are given a module; the pure steps and the record shapers do no I/O (no HTTP layer, no
client, no threads)."""

from __future__ import absolute_import, division, print_function

import ast
import os

import pytest

MODULE_UTILS = os.path.join(os.path.dirname(__file__), '..', '..', '..', '..', 'plugins', 'module_utils')
PREFIX = 'ansible_collections.clearip.netsapiens.plugins.module_utils.'

LAYERS = [
    # 0: shared pieces, importing nothing of the collection's (but the options' env_fallback)
    ('_kinds', '_urls', '_files', '_records', '_progress', '_options', '_control', '_concurrency', '_memory'),
    # 1: the HTTP layer, the record shapers, names
    ('_http', '_netsapiens_records', '_clearip_records', '_clearip_errors', '_sync_naming', '_sync_absence', '_sync_state'),
    # 2: the wire clients, and the steps that need only names and kinds
    ('_netsapiens', '_clearip', '_sync_plan', '_sync_desired', '_sync_report', '_sync_settings'),
    # 3: what builds on a client or a step
    ('_netsapiens_dialrules', '_netsapiens_subscriptions', '_clearip_lock', '_sync_drift', '_sync_lookups'),
    # 4, 5: applying a tier, the run
    ('_sync_apply',),
    ('_sync_run',),
    # 6, 7: the glue, the only files that are given an AnsibleModule
    ('_module', '_netsapiens_module', '_clearip_module'),
    ('_sync_module',),
]
LAYER = dict((name, number) for number, names in enumerate(LAYERS) for name in names)
PURE = ('_kinds', '_urls', '_records', '_options', '_netsapiens_records', '_clearip_records', '_clearip_errors', '_sync_naming', '_sync_plan', '_sync_absence',
        '_sync_desired', '_sync_drift', '_sync_report', '_sync_settings')
NOT_PURE = ('requests', 'socket', 'threading', 'subprocess', PREFIX + '_http', PREFIX + '_netsapiens', PREFIX + '_clearip')


def imports(name):
    with open(os.path.join(MODULE_UTILS, name + '.py')) as handle:
        tree = ast.parse(handle.read())
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
            if node.module == PREFIX.rstrip('.'):
                found.update(PREFIX + alias.name for alias in node.names)
            found.update('%s.%s' % (node.module, alias.name) for alias in node.names)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
    return found


def test_every_file_has_a_layer():
    files = sorted(name[:-3] for name in os.listdir(MODULE_UTILS) if name.endswith('.py'))
    assert files == sorted(LAYER)


@pytest.mark.parametrize('name', sorted(LAYER))
def test_a_file_imports_only_files_of_lower_layers(name):
    used = set(module[len(PREFIX):].split('.')[0] for module in imports(name) if module.startswith(PREFIX))
    assert [(other, LAYER[other]) for other in sorted(used) if LAYER[other] >= LAYER[name]] == [], \
        '%s (layer %d) imports a file of its own layer or above' % (name, LAYER[name])


@pytest.mark.parametrize('name', sorted(LAYER))
def test_only_the_base_imports_ansible_module(name):
    if name != '_module':
        assert 'ansible.module_utils.basic.AnsibleModule' not in imports(name)


@pytest.mark.parametrize('name', PURE)
def test_the_pure_files_do_no_io(name):
    assert sorted(module for module in imports(name) if module.startswith(NOT_PURE) and module not in (
        PREFIX + '_netsapiens_records', PREFIX + '_clearip_records')) == []


def test_no_file_over_700_lines_and_no_function_over_90():
    """The sizes issue 21 set, so that a file or function that grows past them is split when it does."""
    plugins = os.path.join(MODULE_UTILS, '..')
    too_long = []
    for folder, dummy, names in os.walk(plugins):
        for name in sorted(names):
            if not name.endswith('.py'):
                continue
            path = os.path.join(folder, name)
            with open(path) as handle:
                text = handle.read()
            if folder.endswith('module_utils') and len(text.splitlines()) > 700:
                too_long.append('%s: %d lines' % (name, len(text.splitlines())))
            for node in ast.walk(ast.parse(text)):
                if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.end_lineno - node.lineno + 1 > 90:
                    too_long.append('%s: %s, %d lines' % (name, node.name, node.end_lineno - node.lineno + 1))
    assert too_long == []
