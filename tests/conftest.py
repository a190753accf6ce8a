# -*- coding: utf-8 -*-
# Copyright: (c) 2026, clearip.netsapiens contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Make this working tree importable as ``ansible_collections.clearip.netsapiens``.

Modules import their module_utils by that name, so unit tests need it on ``sys.path``.
"""

import json
import os
import sys

import pytest

from tests.collections_path import collections_root

if collections_root() not in sys.path:
    sys.path.insert(0, collections_root())


# -- the NetSapiens requests checked against the published API v2 description (tests/contract) ----------
# Each test process (an xdist worker, or pytest alone) holds its own registry; the workers hand theirs to
# the controller, which prints the totals at the end of the run, and writes them as JSON to the file
# named by NETSAPIENS_CONTRACT_REPORT when it is set.

def _contract_registry():
    from tests.contract.netsapiens_v2 import REGISTRY
    return REGISTRY


def pytest_sessionfinish(session):
    workeroutput = getattr(session.config, 'workeroutput', None)
    if workeroutput is not None:
        workeroutput['netsapiens_contract'] = _contract_registry().export()


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node, error):
    exported = getattr(node, 'workeroutput', {}).get('netsapiens_contract')
    if exported:
        _contract_registry().merge(exported)


def pytest_terminal_summary(terminalreporter):
    if hasattr(terminalreporter.config, 'workeroutput'):
        return
    registry = _contract_registry()
    if not registry.seen:
        return
    lines, totals = registry.summary()
    for line in lines:
        terminalreporter.write_line(line)
    target = os.environ.get('NETSAPIENS_CONTRACT_REPORT')
    if target:
        with open(target, 'w') as handle:
            json.dump(dict(registry.export(), totals=totals), handle, indent=1, sort_keys=True)
