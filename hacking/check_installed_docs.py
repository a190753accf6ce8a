# -*- coding: utf-8 -*-
# Copyright: (c) 2026, clearip.netsapiens contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Check that the collection installed from its tarball documents every module and role.

Run with ANSIBLE_COLLECTIONS_PATH pointing at the install path. Fails when a module of the source
tree is missing from the installed copy or when ansible-doc cannot render one.
"""

import json
import os
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BIN = os.path.dirname(sys.executable)


def ansible_doc(*args):
    proc = subprocess.run([os.path.join(BIN, 'ansible-doc')] + list(args), capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        sys.exit('ansible-doc %s failed:\n%s%s' % (' '.join(args), proc.stdout, proc.stderr))
    return proc.stdout


def main():
    expected = sorted('clearip.netsapiens.' + name[:-3] for name in os.listdir(os.path.join(ROOT, 'plugins', 'modules'))
                      if name.endswith('.py') and not name.startswith('_'))
    listed = sorted(json.loads(ansible_doc('-t', 'module', '-l', '-j', 'clearip.netsapiens')))
    if listed != expected:
        sys.exit('installed modules %s differ from the source tree %s' % (listed, expected))
    for name in listed:
        text = ansible_doc('-t', 'module', name)
        if 'EXAMPLES' not in text or 'RETURN VALUES' not in text:
            sys.exit('ansible-doc %s lacks examples or return values' % name)
    roles = sorted(name for name in os.listdir(os.path.join(ROOT, 'roles')) if not name.startswith('.'))
    for role in roles:
        ansible_doc('-t', 'role', 'clearip.netsapiens.' + role)
    print('installed collection documents %d modules and %d roles' % (len(listed), len(roles)))


if __name__ == '__main__':
    main()
