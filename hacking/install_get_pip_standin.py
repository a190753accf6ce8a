# -*- coding: utf-8 -*-
# Copyright: (c) 2026, clearip.netsapiens contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Put hacking/get_pip_standin.py where the installed ansible-test looks for its cached get-pip script.

ansible-test names the cache file after the pip version it pins (get_venv_packages), so read that pin
from the installed ansible-test instead of hard-coding it: a new ansible-core keeps working.
"""

import os
import re
import shutil
import sys

import ansible_test


def main():
    source = os.path.join(os.path.dirname(ansible_test.__file__), '_internal', 'python_requirements.py')
    with open(source) as handle:
        match = re.search(r"default_packages\s*=\s*dict\(\s*pip='([0-9.]+)'", handle.read())
    if not match:
        sys.exit('cannot find the pip version pinned by ansible-test in %s' % source)
    cache = os.path.expanduser('~/.ansible/test/cache/get_pip_%s.py' % match.group(1).replace('.', '_'))
    os.makedirs(os.path.dirname(cache), exist_ok=True)
    shutil.copyfile(os.path.join(os.path.dirname(os.path.abspath(__file__)), 'get_pip_standin.py'), cache)
    print('ansible-test pip bootstrap stand-in: %s' % cache)


if __name__ == '__main__':
    main()
