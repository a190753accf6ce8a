# -*- coding: utf-8 -*-
# Copyright: (c) 2026, clearip.netsapiens contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The version matrix: the collection's tests under the ansible-core releases it claims to run on.

``make test`` runs the ansible-core 2.19 cell in ``.venv`` (``make pytest`` and ``make sanity``) and
every session of this file (``make matrix``). Each session makes its own virtual environment under
``.tmp/nox/`` from a pinned requirements file, so a cell tests exactly the ansible-core it names:

==================  ==============  ===================================  ==================================
session             ansible-core    Python                               runs
==================  ==============  ===================================  ==================================
``tests-2.16``      2.16.19         3.11 (2.16 runs on 3.10 to 3.12)     ``pytest`` on the subset TESTS [*]
``tests-2.21``      2.21.5          3.13 (2.20 and later need >= 3.12)   ``pytest`` on the subset TESTS [*]
``sanity-2.21``     2.21.5          3.13                                 ``ansible-test sanity --python 3.13``
==================  ==============  ===================================  ==================================

[*] see TESTS below: the sync, check mode, the report, the cron entry point and a module of each API.

One cell: ``.venv/bin/nox -s tests-2.16`` (``make venv`` first), or ``make matrix NOX_SESSIONS=tests-2.16``.
Arguments after ``--`` go to pytest: ``.venv/bin/nox -s tests-2.21 -- tests/integration/test_cron.py -x``.

The integration fixtures run the ``ansible-playbook`` beside ``sys.executable``, so pytest run from a
cell's environment runs that cell's ansible-core.

Interpreters: the machines of this project carry CPython 3.11, 3.12 and 3.13 under pyenv, but only one
of them is pyenv's active version, and nox's discovery only follows the active one. So a cell takes the
newest ``$PYENV_ROOT/versions/X.Y.*`` first; without one it asks nox for ``X.Y``, which searches PATH and
version managers and, as a last resort, downloads a python-build-standalone CPython through nox's
``pbs`` extra (test-requirements.txt installs ``nox[pbs]``), where that download is reachable.
"""

import glob
import os
import re

import nox

ROOT = os.path.dirname(os.path.abspath(__file__))

nox.options.envdir = os.path.join(ROOT, '.tmp', 'nox')
nox.options.reuse_venv = 'yes'
# A cell whose interpreter cannot be found fails; it is never skipped in silence.
nox.options.error_on_missing_interpreters = True
nox.options.sessions = ['tests-2.16', 'tests-2.21', 'sanity-2.21']

# ansible-core release line -> (Python minor version, pinned requirements of the cell).
CELLS = {
    '2.16': ('3.11', 'test-requirements-2.16.txt'),
    '2.21': ('3.13', 'test-requirements-2.21.txt'),
}


def python_for(minor):
    """Path of pyenv's newest CPython ``minor`` (``'3.13'``), else ``minor`` for nox to discover or download."""
    root = os.environ.get('PYENV_ROOT') or os.path.expanduser('~/.pyenv')
    found = []
    for path in glob.glob(os.path.join(root, 'versions', minor + '.*', 'bin', 'python' + minor)):
        match = re.match(r'^%s\.(\d+)$' % re.escape(minor), os.path.basename(os.path.dirname(os.path.dirname(path))))
        if match and os.access(path, os.X_OK):   # 3.13.0, not 3.13.0t or 3.13-dev
            found.append((int(match.group(1)), path))
    return max(found)[1] if found else minor


def show_versions(session):
    session.run('python', '--version')
    session.run('ansible', '--version')


# What the test cells run: a representative subset, so that three cores fit in the test command's time.
# The unit tests of the plugins (the code every core imports), and through ansible-playbook: the sync
# (first run, no-op rerun, check mode, gating, the vendor config.json, vaulted variables), a module of
# each API with warnings on, the report on every outcome, relative paths (which depend on where a core runs
# modules), and the cron entry point (install, run as cron would, remove). .venv (ansible-core 2.19) runs
# everything; the simulators and the event source do not depend on ansible-core, so their tests run there only.
TESTS = ['-p', 'xdist', '-n', '2', '--dist', 'loadfile',
         'tests/unit/plugins',
         'tests/integration/test_core_versions.py',
         'tests/integration/test_subscriber_sync.py',
         'tests/integration/test_sync_report.py',
         'tests/integration/test_relative_paths.py',
         'tests/integration/test_cron.py::test_install_run_and_remove']


def make_tests(core, minor, requirements):
    def tests(session):
        session.install('-r', requirements, '-r', 'requirements.txt')
        show_versions(session)
        session.run('pytest', *(session.posargs or TESTS))
    tests.__doc__ = 'Unit and integration tests under ansible-core %s on Python %s.' % (core, minor)
    return nox.session(name='tests-%s' % core, python=python_for(minor))(tests)


def make_sanity(core, minor, requirements):
    def sanity(session):
        # ansible-test needs nothing else from PyPI up front: it builds its own venvs per test, with
        # the pip version it pins (hence the offline get-pip stand-in).
        with open(requirements, encoding='utf-8') as handle:
            session.install(*[line for line in handle.read().split() if line.startswith('ansible-core==')])
        show_versions(session)
        session.run('python', 'hacking/install_get_pip_standin.py')
        tree = os.path.join('.tmp', 'sanity-%s' % core)
        session.run('make', '--no-print-directory', 'sanity-tree', 'SANITY_DIR=%s' % tree, external=True)
        session.chdir(os.path.join(tree, 'ansible_collections', 'clearip', 'netsapiens'))
        session.run('ansible-test', 'sanity', '--python', minor, '--color', 'no', *session.posargs)
    sanity.__doc__ = 'ansible-test sanity of ansible-core %s on Python %s.' % (core, minor)
    return nox.session(name='sanity-%s' % core, python=python_for(minor))(sanity)


for _core, (_minor, _requirements) in CELLS.items():
    make_tests(_core, _minor, _requirements)
make_sanity('2.21', *CELLS['2.21'])
