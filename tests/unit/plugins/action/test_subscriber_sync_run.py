# -*- coding: utf-8 -*-
# Copyright: (c) 2026, clearip.netsapiens contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Which interpreter paths are this Python for the in-process targeted run (issue 23): one virtualenv's names are, the
base Python it links to and a wrapper elsewhere are not."""

from __future__ import absolute_import, division, print_function

import os

from ansible_collections.clearip.netsapiens.plugins.action.subscriber_sync_run import same_python


def test_names_of_one_virtualenvs_python_are_the_same_python_and_others_are_not(tmp_path):
    base = tmp_path / 'base' / 'python3.11'
    base.parent.mkdir()
    base.write_text('')
    venv = tmp_path / 'venv' / 'bin'
    venv.mkdir(parents=True)
    os.symlink(str(base), str(venv / 'python3'))
    os.symlink('python3', str(venv / 'python'))
    other = tmp_path / 'other' / 'bin'
    other.mkdir(parents=True)
    os.symlink(str(base), str(other / 'python3'))
    assert same_python(str(venv / 'python'), str(venv / 'python3'))
    assert same_python(str(venv / '..' / 'bin' / 'python3'), str(venv / 'python3'))
    assert not same_python(str(base), str(venv / 'python3'))           # the base Python: not the virtualenv's libraries
    assert not same_python(str(other / 'python3'), str(venv / 'python3'))   # another virtualenv of the same base


class Stub(object):
    def __init__(self, **attributes):
        self.__dict__.update(attributes)


def action(transport='local', become=False, delegate_to=None):
    from ansible_collections.clearip.netsapiens.plugins.action.subscriber_sync_run import ActionModule
    plugin = object.__new__(ActionModule)
    plugin._connection = Stub(transport=transport)
    plugin._play_context = Stub(become=become)
    plugin._task = Stub(delegate_to=delegate_to)
    plugin._templar = Stub(template=lambda value: value)
    return plugin


def test_the_sync_runs_in_process_only_with_this_python_on_a_local_connection_without_become():
    import sys
    this = {'ansible_python_interpreter': sys.executable}
    assert action()._runs_on_controller(this)
    assert not action(become=True)._runs_on_controller(this)
    assert not action(transport='ssh')._runs_on_controller(this)
    # discovery may find the system's Python (other libraries, another CA bundle): the module runs there
    assert not action()._runs_on_controller({'ansible_python_interpreter': 'auto_silent'})
    assert not action()._runs_on_controller({'ansible_python_interpreter': '/usr/bin/python3-elsewhere'})
    # delegated: the delegated host's interpreter counts
    delegated = dict(this, ansible_delegated_vars={'pbx': {'ansible_python_interpreter': 'auto'}})
    assert not action(delegate_to='pbx')._runs_on_controller(delegated)
    delegated = {'ansible_python_interpreter': 'auto', 'ansible_delegated_vars': {'pbx': this}}
    assert action(delegate_to='pbx')._runs_on_controller(delegated)
