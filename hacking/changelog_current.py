# -*- coding: utf-8 -*-
# Copyright: (c) 2026, clearip.netsapiens contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""``make lint``: CHANGELOG.rst and changelogs/changelog.yaml are what ``make changelog`` makes of the tree.

The release of galaxy.yml's version must hold every fragment of changelogs/fragments as it reads now
(fragments are kept, ``keep_fragments: true``, so branches that add or edit one merge cleanly), and list
the modules and roles the tree holds. So a copy of the files git knows gets ``make changelog``'s two
commands (with the committed release date, so the check does not depend on the day) and must come out
unchanged. When it does not, run ``make changelog`` and commit what it writes.

Run with the Python of .venv (``make lint`` does).
"""

import difflib
import os
import shutil
import subprocess
import sys
import tempfile

import yaml

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BIN = os.path.dirname(sys.executable)
CHECKED = ('CHANGELOG.rst', os.path.join('changelogs', 'changelog.yaml'))


def main():
    with open(os.path.join(ROOT, 'galaxy.yml'), encoding='utf-8') as handle:
        version = yaml.safe_load(handle)['version']
    with open(os.path.join(ROOT, 'changelogs', 'changelog.yaml'), encoding='utf-8') as handle:
        release = (yaml.safe_load(handle).get('releases') or {}).get(version)
    if not release:
        print('FAILED: changelogs/changelog.yaml has no release %s (galaxy.yml): run make changelog' % version, file=sys.stderr)
        return 1
    scratch = tempfile.mkdtemp(prefix='changelog-check.')
    try:
        tree = os.path.join(scratch, 'ansible_collections', 'clearip', 'netsapiens')
        listed = subprocess.run(['git', 'ls-files', '-co', '--exclude-standard', '-z'], cwd=ROOT, check=True,
                                capture_output=True).stdout.decode('utf-8').split('\0')
        for name in filter(None, listed):
            source = os.path.join(ROOT, name)
            if os.path.isfile(source) and not os.path.islink(source):
                os.makedirs(os.path.dirname(os.path.join(tree, name)), exist_ok=True)
                shutil.copy2(source, os.path.join(tree, name))
        env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=scratch, PATH=BIN + os.pathsep + os.environ.get('PATH', ''))
        for command in (['release', '--version', version, '--update-existing', '--reload-plugins', '--date', str(release['release_date'])],
                        ['generate', '--refresh', '--reload-plugins']):
            done = subprocess.run([os.path.join(BIN, 'antsibull-changelog')] + command, cwd=tree, env=env,
                                  capture_output=True, text=True, check=False)
            if done.returncode != 0:
                print('FAILED: antsibull-changelog %s: %s%s' % (' '.join(command), done.stdout, done.stderr), file=sys.stderr)
                return 1
        stale = []
        for name in CHECKED:
            with open(os.path.join(ROOT, name), encoding='utf-8') as handle:
                committed = handle.read()
            with open(os.path.join(tree, name), encoding='utf-8') as handle:
                made = handle.read()
            if committed != made:
                stale.append(''.join(list(difflib.unified_diff(committed.splitlines(True), made.splitlines(True), name,
                                                               name + ' (make changelog)'))[:60]))
        if stale:
            print('FAILED: the changelog is not what make changelog makes of the tree (new, edited or removed fragments or '
                  'plugins): run make changelog and commit what it writes.\n%s' % '\n'.join(stale), file=sys.stderr)
            return 1
        print('changelog: the release %s holds every fragment and plugin of the tree' % version)
        return 0
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


if __name__ == '__main__':
    sys.exit(main())
