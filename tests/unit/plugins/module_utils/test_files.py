# -*- coding: utf-8 -*-
# Copyright: (c) 2026, clearip.netsapiens contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The one atomic file writer."""

from __future__ import absolute_import, division, print_function

import json as jsonlib
import os
import stat

import pytest

from ansible_collections.clearip.netsapiens.plugins.module_utils._files import write_atomically, write_json


def test_write_json_is_private_and_atomic(tmp_path):
    dest = tmp_path / 'users.json'
    dest.write_text('old')
    os.chmod(str(dest), 0o644)
    path = write_json(str(dest), [{'user': '1'}])
    assert path == str(dest)
    assert jsonlib.loads(dest.read_text()) == [{'user': '1'}]
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert sorted(p.name for p in tmp_path.iterdir()) == ['users.json']


def test_write_json_needs_an_existing_directory(tmp_path):
    with pytest.raises(OSError) as info:
        write_json(str(tmp_path / 'missing' / 'x.json'), [])
    assert str(info.value) == 'directory %s does not exist' % (tmp_path / 'missing')


def test_write_atomically_sets_the_mode_and_leaves_no_temporary_file(tmp_path):
    path = tmp_path / 'report.json'
    path.write_text('old')
    path.chmod(0o644)
    old_umask = os.umask(0)
    try:
        write_atomically(str(path), 'new\n', 0o600)
    finally:
        os.umask(old_umask)
    assert path.read_text() == 'new\n' and stat.S_IMODE(path.stat().st_mode) == 0o600
    assert os.listdir(str(tmp_path)) == ['report.json']


def test_a_named_pipe_or_device_is_written_into_never_replaced(tmp_path):
    """A rename onto /dev/null (metrics sent nowhere) would, as root, put a regular file in place of the device: the
    path is written into as it is. Shown on a named pipe, which the rename would replace the same way."""
    import threading
    pipe = tmp_path / 'metrics.fifo'
    os.mkfifo(str(pipe))
    got = []

    def read():
        with open(str(pipe)) as handle:
            got.append(handle.read())
    reader = threading.Thread(target=read)
    reader.daemon = True
    reader.start()
    assert write_atomically(str(pipe), 'up 1\n', 0o644) == str(pipe)
    reader.join(10)
    assert stat.S_ISFIFO(os.stat(str(pipe)).st_mode), 'the named pipe was replaced by a regular file'
    assert got == ['up 1\n']
    assert sorted(p.name for p in tmp_path.iterdir()) == ['metrics.fifo']   # no temporary file left either


def test_a_directory_is_refused_naming_it(tmp_path):
    with pytest.raises(OSError) as caught:
        write_atomically(str(tmp_path), 'x')
    assert 'is a directory, not a file' in str(caught.value) and str(tmp_path) in str(caught.value)
