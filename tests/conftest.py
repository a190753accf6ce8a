# -*- coding: utf-8 -*-
# Copyright: (c) 2026, clearip.netsapiens contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Make this working tree importable as ``ansible_collections.clearip.netsapiens``.

Modules import their module_utils by that name, so unit tests need it on ``sys.path``.
"""

import sys

from tests.collections_path import collections_root

if collections_root() not in sys.path:
    sys.path.insert(0, collections_root())
