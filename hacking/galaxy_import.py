# -*- coding: utf-8 -*-
# Copyright: (c) 2026, clearip.netsapiens contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""``make importer``: galaxy-importer, the package Galaxy runs on every upload, on the tarball ``make build`` made.

It loads every module's documentation with ``ansible-doc``, finds the content (modules, roles with their
README, playbooks, ...), runs ``ansible-lint`` on the collection and checks the metadata, as Galaxy
does before it accepts an import; Galaxy's own server also insists on at least one of its required tags
(``check_required_tags``). Fails when the import fails, when the importer prints any warning or error,
and when what it found is not what the tree holds (``plugins/modules``, ``roles``, ``playbooks``), each
role with a README.

Run with the Python of the publishing tools' environment (``make importer`` does): galaxy-importer
caps ``attrs`` below what nox in ``.venv`` needs, so it has an environment of its own.
"""

import json
import os
import re
import subprocess
import sys

import yaml

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BIN = os.path.dirname(sys.executable)
WORK = os.path.join(ROOT, '.tmp', 'galaxy-importer')
CONFIG = """[galaxy-importer]
run_ansible_doc = True
run_ansible_lint = True
offline_ansible_lint = True
check_required_tags = True
ansible_local_tmp = {tmp}
"""


def tree_content():
    """(content type, name) of what the importer must find, from the source tree."""
    found = set()
    for name in os.listdir(os.path.join(ROOT, 'plugins', 'modules')):
        if name.endswith('.py') and not name.startswith('_'):
            found.add(('module', name[:-3]))
    for name in os.listdir(os.path.join(ROOT, 'roles')):
        found.add(('role', name))
    for name in os.listdir(os.path.join(ROOT, 'playbooks')):
        if name.endswith(('.yml', '.yaml')):
            found.add(('playbook', name))
    return found


def main():
    with open(os.path.join(ROOT, 'galaxy.yml'), encoding='utf-8') as handle:
        version = yaml.safe_load(handle)['version']
    tarball = os.path.join(ROOT, '.tmp', 'build', 'clearip-netsapiens-%s.tar.gz' % version)
    if not os.path.isfile(tarball):
        print('FAILED: %s does not exist: run make build first' % tarball, file=sys.stderr)
        return 1
    os.makedirs(os.path.join(WORK, 'ansible-tmp'), exist_ok=True)
    config = os.path.join(WORK, 'galaxy-importer.cfg')
    with open(config, 'w', encoding='utf-8') as handle:
        handle.write(CONFIG.format(tmp=os.path.join(WORK, 'ansible-tmp')))
    env = dict(os.environ, GALAXY_IMPORTER_CONFIG=config, PATH=BIN + os.pathsep + os.environ.get('PATH', ''), ANSIBLE_NOCOLOR='1')
    command = [sys.executable, '-m', 'galaxy_importer.main', tarball]
    print('$ ' + ' '.join(command), flush=True)
    # The importer writes importer_result.json into its working directory.
    proc = subprocess.run(command, cwd=WORK, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT, text=True, check=False)
    print(''.join(line + '\n' for line in proc.stdout.splitlines() if not line.startswith('Loading ')), end='')
    failures = []
    if proc.returncode != 0:
        failures.append('galaxy-importer exited with %d' % proc.returncode)
    complaints = [line for line in proc.stdout.splitlines() if re.match(r'^(WARNING|ERROR)\b', line) or 'Warning:' in line]
    if complaints:
        failures.append('galaxy-importer printed %d warning(s) or error(s): %s' % (len(complaints), ' | '.join(complaints)))
    result_path = os.path.join(WORK, 'importer_result.json')
    if proc.returncode == 0 and os.path.isfile(result_path):
        with open(result_path, encoding='utf-8') as handle:
            result = json.load(handle)
        contents = result['docs_blob']['contents']
        imported = set((item['content_type'], item['content_name']) for item in contents
                       if item['content_type'] in ('module', 'role', 'playbook'))
        expected = tree_content()
        if imported != expected:
            failures.append('galaxy-importer found %s; the tree holds %s' % (sorted(imported - expected), sorted(expected - imported)))
        without_readme = [item['content_name'] for item in contents if item['content_type'] == 'role' and not item.get('readme_html')]
        if without_readme:
            failures.append('role(s) without a README: %s' % ', '.join(without_readme))
        if not result['docs_blob'].get('collection_readme', {}).get('html'):
            failures.append('the collection README did not render')
        if not failures:
            print('galaxy-importer accepted %s: %d modules, %d roles, %d playbooks'
                  % (os.path.basename(tarball), *[sum(1 for item in imported if item[0] == k) for k in ('module', 'role', 'playbook')]))
    for failure in failures:
        print('FAILED: ' + failure, file=sys.stderr)
    return 1 if failures else 0


if __name__ == '__main__':
    sys.exit(main())
