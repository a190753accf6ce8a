# -*- coding: utf-8 -*-
# Copyright: (c) 2026, clearip.netsapiens contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""How the sync's module process keeps its memory when many threads work. Internal use only.

glibc's malloc gives a thread that allocates while another thread holds an arena an arena of its own
(up to 8 per core), and memory freed in an arena stays there for that arena's reuse. The sync's worker
threads (up to ``max_workers``, 16 by default since issue 23: the NetSapiens readers, as many as the adaptive
limit lets work, the ClearIP pages and creates) each receive and parse answers, so freed memory ends up spread over many arenas. Measured
for the module process alone, a first sync of 20,000 users on loopback peaked (VmHWM) at 70.6 MiB with
4 workers, 75.4 MiB with 16, and 68.9 MiB with 16 workers and 2 arenas (docs/performance.md). Python's
own small objects come from its allocator, one for all threads under the GIL, so two arenas cost the
threads no contention that matters.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import os

# mallopt's parameter number for the most arenas (glibc's malloc.h), and how many the sync asks for.
M_ARENA_MAX = -8
ARENAS = 2


def limit_malloc_arenas(arenas=ARENAS, libc=None, environ=None):
    """Ask the C library for at most ``arenas`` malloc arenas (``mallopt(M_ARENA_MAX, arenas)``); call it before
    threads start. True when it was taken. A ``MALLOC_ARENA_MAX`` in the environment (the operator's choice, which glibc
    has already applied) is left alone; a C library without ``mallopt`` (macOS) or that ignores it (musl) changes nothing.

    ``libc``: the C library (default: the one this Python uses, through ``ctypes``), for tests.
    """
    environ = os.environ if environ is None else environ
    if environ.get('MALLOC_ARENA_MAX'):
        return False
    if libc is None:
        try:
            import ctypes
            libc = ctypes.CDLL(None)
        except (ImportError, OSError):
            return False
    mallopt = getattr(libc, 'mallopt', None)
    if mallopt is None:
        return False
    try:
        return mallopt(M_ARENA_MAX, int(arenas)) == 1   # glibc: 1 on success, 0 on error
    except (TypeError, ValueError, OSError):
        return False
