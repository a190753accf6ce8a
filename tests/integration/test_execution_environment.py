# -*- coding: utf-8 -*-
# Copyright: (c) 2026, clearip.netsapiens contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The execution environment definition (execution-environment.yml) and the collection's metadata for it
(meta/execution-environment.yml), checked with the pinned ansible-builder and without a container engine.

``ansible-builder create`` writes the build context, and the test then does the two steps of the build
that concern this collection with the context's own files - ``ansible-galaxy collection install -r
requirements.yml`` from ``_build`` and the context's ``introspect.py``, the script the builder stage
runs - and asserts that the collection's Python requirements come out of both the context and the
introspection. ``make ee`` builds the image itself with podman and runs the sync in it
(test_execution_environment_build.py), on a local base image: the last test here checks that the
definition it builds differs from this one only where the base system is named (tests/ee_image.py).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import yaml

from tests import ee_image

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent


def requirement_lines(text):
    return sorted(line.split('#')[0].strip() for line in text.splitlines() if line.split('#')[0].strip())


def run(command, cwd, env=None):
    proc = subprocess.run([str(part) for part in command], cwd=str(cwd), env=env, capture_output=True, text=True,
                          stdin=subprocess.DEVNULL, timeout=600, check=False)
    assert proc.returncode == 0, '%s\n--- stdout ---\n%s\n--- stderr ---\n%s' % (command, proc.stdout, proc.stderr)
    return proc


def test_definition_pins_the_newest_release_of_the_matrix_and_this_version():
    definition = yaml.safe_load((ROOT / 'execution-environment.yml').read_text())
    version = yaml.safe_load((ROOT / 'galaxy.yml').read_text())['version']
    newest = [line for line in (ROOT / 'test-requirements-2.21.txt').read_text().splitlines() if line.startswith('ansible-core==')]
    assert definition['dependencies']['ansible_core']['package_pip'] == newest[0]
    tarball = 'clearip-netsapiens-%s.tar.gz' % version
    assert definition['dependencies']['galaxy']['collections'] == [{'name': 'collections/' + tarball, 'type': 'file'}]
    assert definition['additional_build_files'] == [{'src': 'dist/' + tarball, 'dest': 'collections'}]


def test_collection_metadata_names_its_python_requirements():
    metadata = yaml.safe_load((ROOT / 'meta' / 'execution-environment.yml').read_text())
    assert metadata['dependencies'] == {'python': 'requirements.txt'}
    assert requirement_lines((ROOT / 'requirements.txt').read_text()) == ['cryptography<51', 'requests>=2.25']


def test_ansible_builder_create_context_installs_the_collection_and_its_requirements(tmp_path):
    work = tmp_path / 'ee'
    (work / 'dist').mkdir(parents=True)
    shutil.copy(str(ROOT / 'execution-environment.yml'), str(work))
    shutil.copy(str(ROOT / 'requirements.txt'), str(work))
    run([BIN / 'ansible-galaxy', 'collection', 'build', '--force', '--output-path', work / 'dist', ROOT], ROOT)

    run([BIN / 'ansible-builder', 'create', '--file', 'execution-environment.yml', '--context', 'context',
         '--output-filename', 'Containerfile'], work)

    context = work / 'context'
    build = context / '_build'
    # The context lists the collection's Python requirements ...
    assert requirement_lines((build / 'requirements.txt').read_text()) == requirement_lines((ROOT / 'requirements.txt').read_text())
    # ... and carries the collection, which the galaxy stage installs, and whose requirements the builder
    # stage gathers again by introspection.
    version = yaml.safe_load((ROOT / 'galaxy.yml').read_text())['version']
    assert (build / 'collections' / ('clearip-netsapiens-%s.tar.gz' % version)).is_file()
    containerfile = (context / 'Containerfile').read_text()
    assert 'FROM $EE_BASE_IMAGE AS base' in containerfile
    assert 'ARG ANSIBLE_INSTALL_REFS="ansible-core==2.21.5 ansible-runner==' in containerfile
    assert 'ansible-galaxy collection install $ANSIBLE_GALAXY_CLI_COLLECTION_OPTS -r requirements.yml' in containerfile
    assert 'introspect.py introspect --user-pip=requirements.txt' in containerfile

    # The galaxy stage, as the image runs it: from _build, with the context's requirements.yml.
    collections = tmp_path / 'collections'
    env = dict(os.environ, ANSIBLE_GALAXY_DISABLE_GPG_VERIFY='1', ANSIBLE_HOME=str(tmp_path / 'home'))
    run([BIN / 'ansible-galaxy', 'collection', 'install', '-r', 'requirements.yml', '--collections-path', collections], build, env)
    installed = collections / 'ansible_collections' / 'clearip' / 'netsapiens'
    assert (installed / 'meta' / 'execution-environment.yml').is_file()

    # The builder stage's introspection of what the galaxy stage installed.
    written = tmp_path / 'requirements.txt'
    run([sys.executable, build / 'scripts' / 'introspect.py', 'introspect', '--user-pip=requirements.txt',
         '--write-pip=%s' % written, '--write-bindep=%s' % (tmp_path / 'bindep.txt'), collections], build)
    lines = written.read_text().splitlines()
    assert 'requests>=2.25  # from collection clearip.netsapiens' in lines, lines


def test_the_local_definition_changes_only_what_names_the_base_system():
    published = yaml.safe_load((ROOT / 'execution-environment.yml').read_text())
    local = ee_image.local_definition(published, 'localhost/base:1')
    assert published['images']['base_image']['name'].startswith('registry.access.redhat.com/ubi9/')   # the published base stays
    changed = dict(published, images=local['images'], options=local['options'],
                   dependencies=dict(published['dependencies'], python_interpreter=local['dependencies']['python_interpreter']))
    assert local == changed
    assert local['options'] == dict(published.get('options') or {}, package_manager_path='/usr/bin/apt-get', skip_pip_install=True)
    for key in ('ansible_core', 'ansible_runner', 'python', 'galaxy'):
        assert local['dependencies'][key] == published['dependencies'][key]
