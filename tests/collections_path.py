# -*- coding: utf-8 -*-
# Copyright: (c) 2026, clearip.netsapiens contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""A collections path whose ``clearip.netsapiens`` is this working tree.

Unit tests import the plugins as ``ansible_collections.clearip.netsapiens``, and the integration
tests, the demo and the benchmark run ``ansible-playbook`` with ANSIBLE_COLLECTIONS_PATH set to it.
"""

import os

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def collections_root():
    """The directory holding ``ansible_collections/clearip/netsapiens``: this checkout's own parent when it
    already lies at such a path, else ``.tmp/collections`` with a symlink to this tree."""
    parts = ROOT.split(os.sep)
    if parts[-3:] == ['ansible_collections', 'clearip', 'netsapiens']:
        return os.sep.join(parts[:-3])
    base = os.path.join(ROOT, '.tmp', 'collections')
    link = os.path.join(base, 'ansible_collections', 'clearip', 'netsapiens')
    if not os.path.lexists(link):
        os.makedirs(os.path.dirname(link), exist_ok=True)
        os.symlink(ROOT, link)
    return base
