# -*- coding: utf-8 -*-
# Copyright: (c) 2026, clearip.netsapiens contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The cap on cryptography reaches every place that installs ansible-core.

cryptography 51 deprecates DSA, which every ansible-core so far imports, so with it each run prints
``CryptographyDeprecationWarning: DSA is deprecated`` (also into the cron log). requirements.txt caps it
for the README's install and the execution environment; the cron entry point's default packages and
its manual steps in docs/cron.md must carry the same cap, and every pinned environment must satisfy it.
"""

from __future__ import annotations

import re
from pathlib import Path

import yaml
from packaging.requirements import Requirement

ROOT = Path(__file__).resolve().parents[2]


def requirement_lines(path):
    return [line.split('#')[0].strip() for line in path.read_text().splitlines() if line.split('#')[0].strip()]


def cryptography_cap():
    caps = [line for line in requirement_lines(ROOT / 'requirements.txt') if Requirement(line).name == 'cryptography']
    assert len(caps) == 1, 'requirements.txt must cap cryptography once'
    return caps[0]


def test_the_cron_default_packages_and_its_manual_steps_carry_the_cap():
    cap = cryptography_cap()
    defaults = yaml.safe_load((ROOT / 'roles' / 'subscriber_sync' / 'defaults' / 'main.yml').read_text())
    assert cap in defaults['subscriber_sync_cron_pip_packages']
    specs = yaml.safe_load((ROOT / 'roles' / 'subscriber_sync' / 'meta' / 'argument_specs.yml').read_text())
    assert specs['argument_specs']['cron']['options']['subscriber_sync_cron_pip_packages']['default'] \
        == defaults['subscriber_sync_cron_pip_packages']
    manual = [line for line in (ROOT / 'docs' / 'cron.md').read_text().splitlines() if re.search(r'pip install .*ansible-core', line)]
    assert manual and all("'%s'" % cap in line for line in manual), manual


def test_every_pinned_environment_satisfies_the_cap():
    cap = Requirement(cryptography_cap())
    files = sorted(ROOT.glob('test-requirements*.txt'))
    pinned = {}
    for path in files:
        for line in requirement_lines(path):
            requirement = Requirement(line)
            if requirement.name == 'cryptography':
                pinned[path.name] = str(requirement.specifier)
    # Each environment that installs ansible-core pins cryptography too.
    with_core = [path.name for path in files if any(Requirement(line).name == 'ansible-core' for line in requirement_lines(path))]
    assert sorted(pinned) == sorted(with_core)
    for name, specifier in pinned.items():
        version = specifier.lstrip('=')
        assert specifier.startswith('==') and version in cap.specifier, '%s pins cryptography%s, outside %s' % (name, specifier, cap)
