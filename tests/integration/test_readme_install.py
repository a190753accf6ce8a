# -*- coding: utf-8 -*-
# Copyright: (c) 2026, clearip.netsapiens contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The README's install steps, run as written, in order, on a clean copy of the repository.

The copy holds the files git knows (tracked, or new and not ignored), as a fresh clone would; the
steps run with ``sh -e`` and this virtual environment's tools first on PATH (its ansible-core and
requests already satisfy step 1, so no package registry is needed), with a fresh HOME so that the
collection lands in the default ``~/.ansible/collections`` and nothing of the developer's is used.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import yaml

from tests.integration.conftest import BIN

ROOT = Path(__file__).resolve().parents[2]
MARKER = '<!-- install:'


def fenced_block_after(text, marker):
    """The first ```sh block after ``marker``."""
    start = text.index(marker)
    match = re.compile(r'```sh\n(.*?)```', re.S).search(text, start)
    assert match, 'no ```sh block after %s' % marker
    return match.group(1)


def clean_copy(destination):
    listed = subprocess.run(['git', 'ls-files', '-co', '--exclude-standard', '-z'], cwd=str(ROOT), capture_output=True,
                            check=True).stdout.decode('utf-8').split('\0')
    for name in filter(None, listed):
        source = ROOT / name
        if not source.exists() or source.is_dir():
            continue
        target = destination / name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(str(source), str(target), follow_symlinks=False)


def test_readme_install_steps_run_in_order_and_end_with_working_docs(tmp_path):
    readme = (ROOT / 'README.md').read_text()
    block = fenced_block_after(readme, MARKER)
    commands = [line.split('#', 1)[0].strip() for line in block.splitlines()]
    commands = [c for c in commands if c]
    # The order the issue asks for: ansible-core, build, where the tarball is, install.
    kinds = ['ansible-core' if 'ansible-core' in c else 'build' if 'collection build' in c else
             'install' if 'collection install' in c else 'doc' if c.startswith('ansible-doc') else 'where' for c in commands]
    assert kinds == ['ansible-core', 'build', 'where', 'install', 'doc'], commands

    checkout = tmp_path / 'clone'
    clean_copy(checkout)
    home = tmp_path / 'home'
    home.mkdir()
    env = dict((k, v) for k, v in os.environ.items() if not k.startswith(('ANSIBLE_', 'PIP_', 'PYTHON')))
    env.update({'HOME': str(home), 'PATH': '%s:/usr/bin:/bin' % BIN, 'PIP_DISABLE_PIP_VERSION_CHECK': '1',
                'PIP_NO_INDEX': '1'})   # step 1 must be satisfied here without the registry
    script = tmp_path / 'install.sh'
    script.write_text('set -ex\n' + block)
    done = subprocess.run(['/bin/sh', str(script)], cwd=str(checkout), env=env, capture_output=True, text=True, timeout=600,
                          check=False)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    # Not even a Python warning: cryptography 51 made every ansible-core command print one about DSA.
    assert not re.search(r'\b[A-Z]\w*Warning: ', done.stdout + done.stderr), done.stderr[-3000:]
    version = re.search(r'^version: *(\S+)', (ROOT / 'galaxy.yml').read_text(), re.M).group(1)
    assert (checkout / ('clearip-netsapiens-%s.tar.gz' % version)).is_file()
    installed = home / '.ansible' / 'collections' / 'ansible_collections' / 'clearip' / 'netsapiens'
    assert (installed / 'MANIFEST.json').is_file()
    assert (installed / 'plugins' / 'modules' / 'clearip_user.py').is_file()
    shown = re.sub(r'\x1b\[[0-9;]*m', '', done.stdout)   # ansible-doc may colour its output
    assert '> MODULE clearip.netsapiens.clearip_user (%s)' % (installed / 'plugins' / 'modules' / 'clearip_user.py') in shown, shown[-3000:]


def yaml_blocks_after(text, marker, count):
    start = text.index(marker)
    blocks = re.compile(r'```yaml\n(.*?)```', re.S).findall(text, start)[:count]
    assert len(blocks) == count, 'fewer than %d yaml blocks after %s' % (count, marker)
    return [yaml.safe_load(block) for block in blocks]


def test_the_readme_requirements_files_install_the_collection(tmp_path):
    """Both requirements.yml of the README: the repository (here a clone of this one, at this commit) and the tarball."""
    readme = (ROOT / 'README.md').read_text()
    from_git, from_file = yaml_blocks_after(readme, '<!-- requirements:', 2)
    [git_entry], [file_entry] = from_git['collections'], from_file['collections']
    assert git_entry['type'] == 'git' and git_entry['name'].startswith('https://github.com/') and git_entry['version'] == 'main'
    version = yaml.safe_load((ROOT / 'galaxy.yml').read_text())['version']
    assert file_entry == {'name': './clearip-netsapiens-%s.tar.gz' % version, 'type': 'file'}

    env = dict((k, v) for k, v in os.environ.items() if not k.startswith('ANSIBLE_'))
    env['HOME'] = str(tmp_path / 'home')
    bare = tmp_path / 'repo.git'
    subprocess.run(['git', 'clone', '-q', '--bare', str(ROOT), str(bare)], check=True, capture_output=True)
    head = subprocess.run(['git', 'rev-parse', 'HEAD'], cwd=str(ROOT), check=True, capture_output=True, text=True).stdout.strip()
    git_entry.update(name='git+file://%s' % bare, version=head)

    work = tmp_path / 'work'
    work.mkdir()
    subprocess.run([str(BIN / 'ansible-galaxy'), 'collection', 'build', '--output-path', str(work), str(ROOT)], check=True,
                   capture_output=True)
    for name, requirements in (('git', from_git), ('file', from_file)):
        (work / 'requirements.yml').write_text(yaml.safe_dump(requirements))
        target = tmp_path / ('installed-' + name)
        done = subprocess.run([str(BIN / 'ansible-galaxy'), 'collection', 'install', '-r', 'requirements.yml', '-p', str(target)],
                              cwd=str(work), env=env, capture_output=True, text=True, timeout=600, check=False)
        assert done.returncode == 0, (name, done.stdout[-3000:], done.stderr[-3000:])
        installed = target / 'ansible_collections' / 'clearip' / 'netsapiens'
        assert '"version": "%s"' % version in (installed / 'MANIFEST.json').read_text()
        # What the README's next line installs with pip is there.
        assert (installed / 'requirements.txt').read_text() == (ROOT / 'requirements.txt').read_text()
