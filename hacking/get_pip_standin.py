# -*- coding: utf-8 -*-
# Copyright: (c) 2026, clearip.netsapiens contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Offline stand-in for the get-pip.py script that ansible-test downloads to bootstrap its venvs.

ansible-test runs this inside each new, pip-less virtual environment with pip's install arguments
(for example ``--disable-pip-version-check pip==24.2 --no-setuptools --no-wheel``). The real script
comes from a host this machine cannot reach; pip itself is on the package registry, so: bootstrap
the pip that Python bundles, then let it install what ansible-test asked for. The sanity venvs do not
read the machine's pip configuration, hence the explicit CA bundle.
"""

import os
import subprocess
import sys

CA_BUNDLE = '/etc/ssl/certs/ca-certificates.crt'


def main():
    args = [arg for arg in sys.argv[1:] if arg not in ('--no-setuptools', '--no-wheel')]
    subprocess.check_call([sys.executable, '-m', 'ensurepip', '--default-pip'])
    command = [sys.executable, '-m', 'pip', 'install']
    if os.path.exists(CA_BUNDLE):
        command += ['--cert', CA_BUNDLE]
    subprocess.check_call(command + args)


if __name__ == '__main__':
    main()
