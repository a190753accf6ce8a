# -*- coding: utf-8 -*-
# Copyright: (c) 2026, clearip.netsapiens contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Make this working tree importable as ``ansible_collections.clearip.netsapiens``.

Modules import their module_utils by that name, so unit tests need it on ``sys.path``. A checkout
already under ``ansible_collections/clearip/netsapiens`` is used as it is; any other gets a symlink
in ``.tmp/collections``.
"""

import os
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _collections_root():
    parts = ROOT.split(os.sep)
    if parts[-3:] == ['ansible_collections', 'clearip', 'netsapiens']:
        return os.sep.join(parts[:-3])
    base = os.path.join(ROOT, '.tmp', 'collections')
    link = os.path.join(base, 'ansible_collections', 'clearip', 'netsapiens')
    if not os.path.lexists(link):
        os.makedirs(os.path.dirname(link), exist_ok=True)
        os.symlink(ROOT, link)
    return base


if _collections_root() not in sys.path:
    sys.path.insert(0, _collections_root())
