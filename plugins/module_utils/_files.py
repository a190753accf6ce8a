# -*- coding: utf-8 -*-
# Copyright: (c) 2026, clearip.netsapiens contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The one way this collection writes a file: whole or not at all, with its mode set first. Internal use only.

Reports, metrics and the records the info modules and the sync keep are written through a temporary
file in the same directory and a rename, so a reader (a person, node_exporter, the next task) sees
the old file or the new one, never half of one; the mode is set before any byte is written, whatever
the umask or the old file's mode.

A path that is not a regular file is never replaced: a rename onto ``/dev/null`` (an operator who sends the
metrics nowhere) or onto a named pipe would put a regular file in its place - for a module running as root,
in place of the system's ``/dev/null``. Such a path is written into as it is; a directory is refused.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import json
import os
import stat
import tempfile

PRIVATE = 0o600


def write_atomically(path, text, mode=PRIVATE):
    """Write ``text`` to ``path`` with ``mode``; returns the absolute path.

    Raises ``OSError``/``IOError``; a missing directory is an ``OSError`` whose message names it.
    """
    path = os.path.abspath(path)
    directory = os.path.dirname(path)
    if not os.path.isdir(directory):
        raise OSError('directory %s does not exist' % directory)
    try:
        kind = os.stat(path).st_mode
    except OSError:
        kind = None   # nothing there yet (or a dangling link): the rename makes it
    if kind is not None and stat.S_ISDIR(kind):
        raise OSError('%s is a directory, not a file: name a file in it' % path)
    if kind is not None and not stat.S_ISREG(kind):
        # A device or a named pipe: written into, never replaced (the module docstring says why).
        with open(path, 'w') as handle:
            handle.write(text)
        return path
    fd, temporary = tempfile.mkstemp(dir=directory, prefix='.%s.' % os.path.basename(path), suffix='.tmp')
    try:
        os.fchmod(fd, mode)
        with os.fdopen(fd, 'w') as handle:
            fd = None
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.rename(temporary, path)
    except BaseException:
        if fd is not None:
            os.close(fd)
        if os.path.exists(temporary):
            os.unlink(temporary)
        raise
    return path


def write_json(path, data, mode=PRIVATE):
    """``data`` as JSON (sorted keys, compact) at ``path``, as ``write_atomically`` writes it.

    One ``dumps`` and one write: ``json.dump`` writes piece by piece, several times slower for 100,000 records.
    """
    return write_atomically(path, json.dumps(data, sort_keys=True), mode)
