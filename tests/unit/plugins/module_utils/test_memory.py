# -*- coding: utf-8 -*-
# Copyright: (c) 2026, clearip.netsapiens contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The sync's module process asks glibc for few malloc arenas, and leaves an operator's MALLOC_ARENA_MAX alone."""

from __future__ import absolute_import, division, print_function

import os
import subprocess
import sys

import pytest

from ansible_collections.clearip.netsapiens.plugins.module_utils import _sync_module
from ansible_collections.clearip.netsapiens.plugins.module_utils._memory import M_ARENA_MAX, limit_malloc_arenas
from tests.collections_path import collections_root


class Libc(object):
    def __init__(self, answer=1):
        self.calls = []
        self.answer = answer

    def mallopt(self, param, value):
        self.calls.append((param, value))
        return self.answer


def test_asks_for_two_arenas():
    libc = Libc()
    assert limit_malloc_arenas(libc=libc, environ={}) is True
    assert libc.calls == [(M_ARENA_MAX, 2)] and M_ARENA_MAX == -8


def test_the_operators_malloc_arena_max_wins():
    libc = Libc()
    assert limit_malloc_arenas(libc=libc, environ={'MALLOC_ARENA_MAX': '8'}) is False
    assert libc.calls == []


def test_a_c_library_without_mallopt_or_that_refuses_changes_nothing():
    assert limit_malloc_arenas(libc=object(), environ={}) is False
    assert limit_malloc_arenas(libc=Libc(answer=0), environ={}) is False


def test_the_sync_module_asks_before_its_run_starts(monkeypatch):
    asked = []

    class Stop(Exception):
        pass

    def run(module):
        assert asked == [True], 'the run was set up before the arenas were limited'
        raise Stop()
    monkeypatch.setattr(_sync_module, 'limit_malloc_arenas', lambda: asked.append(True))
    monkeypatch.setattr(_sync_module, '_Run', run)
    with pytest.raises(Stop):
        _sync_module.run_sync_module(object())


def glibc_version():
    try:
        return os.confstr('CS_GNU_LIBC_VERSION')
    except (AttributeError, ValueError, OSError):
        return None


@pytest.mark.skipif(not glibc_version(), reason='glibc only: other C libraries have no mallopt or ignore M_ARENA_MAX')
def test_glibc_takes_it():
    env = dict(os.environ, PYTHONPATH=collections_root())
    env.pop('MALLOC_ARENA_MAX', None)
    code = ('from ansible_collections.clearip.netsapiens.plugins.module_utils._memory import limit_malloc_arenas; '
            'print(limit_malloc_arenas())')
    out = subprocess.run([sys.executable, '-c', code], env=env, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == 'True', out.stderr
