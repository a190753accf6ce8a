# -*- coding: utf-8 -*-
# Copyright: (c) 2026, clearip.netsapiens contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The execution environment of ``execution-environment.yml``, built with podman on a local base image (``make ee``).

The published definition starts from UBI 9, which these machines cannot pull: image registries are
unreachable, Debian's package mirror and the package registry are not. So the test builds the
definition on a minimal Debian made here with ``debootstrap`` and ``podman import``, changing only
what names the base operating system (``local_definition``):

- ``images.base_image.name``: the local image;
- ``dependencies.python_interpreter``: Debian's ``python3`` package and ``/usr/bin/python3`` instead of
  UBI's ``python3.12`` (Debian has no 3.12; the base is Debian 13, whose Python 3.13 runs ansible-core
  2.21, while Debian 12's 3.11 would not);
- ``options.package_manager_path``: ``/usr/bin/apt-get`` instead of ``/usr/bin/dnf``;
- ``options.skip_pip_install: true``: ansible-builder's pip step runs ``ensurepip``, which Debian disables
  (the image has Debian's pip instead).

Everything else - ansible-core, ansible-runner, the Python requirements, the collection tarball - is the
published definition's (the test checks it).

The base image: ``python3``, ``python3-pip`` and ``ca-certificates``, Debian's ``EXTERNALLY-MANAGED``
marker removed (the build pip-installs into the system Python, as on UBI), the machine's CA bundle
copied in and named in ``/etc/pip.conf`` (the package registry is reached through a proxy with its own
CA). It is cached twice: as a tarball under ``.tmp/ee`` and as a podman image whose tag is a digest of
its recipe, so the second run skips ``debootstrap``; debootstrap's packages are cached under
``.tmp/ee/debs`` too.

Containers run with ``runc`` (crun's setrlimit is refused on these machines), the host's network (the
simulators listen on loopback; builds reach the package registry), and limits on open files and
processes that runc may set here: a ``containers.conf`` of the test's own (``CONTAINERS_CONF``), so the
system's configuration is left alone.

    python -m tests.ee_image preflight   # exit 0: ready; 2: cannot build here (says why, loudly); 1: cannot, in CI
    python -m tests.ee_image base        # make (or find) the base image and print its name
"""

from __future__ import annotations

import copy
import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CACHE = ROOT / '.tmp' / 'ee'
SUITE = 'trixie'
MIRROR = 'http://deb.debian.org/debian'
PACKAGES = ('python3', 'python3-pip', 'ca-certificates')
CA_BUNDLE = Path('/etc/ssl/certs/ca-certificates.crt')
BASE_REPOSITORY = 'localhost/clearip-netsapiens-ee-base'
# Bump when the recipe below changes in a way the digest cannot see.
RECIPE = 1
CONTAINERS_CONF = """# make ee (tests/ee_image.py): runc, the host's network, limits runc may set on these machines.
[containers]
netns = "host"
default_ulimits = ["nofile=4096:4096", "nproc=4096:4096"]

[engine]
runtime = "runc"
"""


def in_ci():
    return bool(os.environ.get('CI'))


def missing_prerequisites():
    """What this machine lacks to build and run the execution environment (empty: nothing)."""
    missing = [name for name in ('podman', 'runc') if shutil.which(name) is None]
    if not base_tarball().is_file():
        if shutil.which('debootstrap') is None and shutil.which('debootstrap', path='/usr/sbin:/sbin') is None:
            missing.append('debootstrap')
        if os.geteuid() != 0:
            missing.append('root, for debootstrap to make the base image (once; it is cached in .tmp/ee)')
    if not CA_BUNDLE.is_file():
        missing.append(str(CA_BUNDLE))
    return missing


def banner(missing):
    line = '#' * 100
    return ('\n%s\n# make ee: the execution environment was NOT built and the sync was NOT run in it.\n'
            '# This machine lacks: %s.\n'
            '# Install them (Debian: sudo apt-get install podman runc debootstrap) and run make ee as root, or let\n'
            '# CI do it: .ci/run installs them, and there a missing one fails the test command.\n%s\n'
            % (line, '; '.join(missing), line))


def environment(extra=None):
    """The environment of every podman call: the test's own containers.conf."""
    CACHE.mkdir(parents=True, exist_ok=True)
    conf = CACHE / 'containers.conf'
    if not conf.is_file() or conf.read_text() != CONTAINERS_CONF:
        conf.write_text(CONTAINERS_CONF)
    env = dict(os.environ, CONTAINERS_CONF=str(conf))
    env.update(extra or {})
    return env


def recipe_digest():
    digest = hashlib.sha256()
    for part in (str(RECIPE), SUITE, MIRROR, ' '.join(PACKAGES)):
        digest.update(part.encode('utf-8') + b'\0')
    digest.update(CA_BUNDLE.read_bytes() if CA_BUNDLE.is_file() else b'')
    return digest.hexdigest()[:16]


def base_tarball():
    return CACHE / ('base-%s-%s.tar' % (SUITE, recipe_digest()))


def base_image_name():
    return '%s:%s-%s' % (BASE_REPOSITORY, SUITE, recipe_digest())


def run(command, log=None, env=None, cwd=None, timeout=1800):
    """Run ``command``; its output goes to ``log`` (a path) when given. Raises with the output's end on failure."""
    proc = subprocess.run([str(part) for part in command], env=env or environment(), cwd=cwd, stdin=subprocess.DEVNULL,
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=timeout, check=False)
    if log:
        with open(log, 'a', encoding='utf-8') as handle:
            handle.write('$ %s\n%s\n' % (' '.join(str(p) for p in command), proc.stdout))
    if proc.returncode != 0:
        raise RuntimeError('%s exited with %d:\n%s' % (' '.join(str(p) for p in command), proc.returncode, proc.stdout[-5000:]))
    return proc


def make_base_tarball(log):
    """debootstrap a minimal Debian, prepare it for ansible-builder and tar it up (as root)."""
    target = base_tarball()
    debs = CACHE / 'debs'
    debs.mkdir(parents=True, exist_ok=True)
    scratch = Path(tempfile.mkdtemp(prefix='rootfs.', dir=str(CACHE)))
    try:
        rootfs = scratch / 'rootfs'
        debootstrap = shutil.which('debootstrap') or shutil.which('debootstrap', path='/usr/sbin:/sbin')
        run([debootstrap, '--variant=minbase', '--include=' + ','.join(PACKAGES), '--cache-dir=%s' % debs,
             SUITE, rootfs, MIRROR], log=log, env=dict(os.environ))
        for marker in rootfs.glob('usr/lib/python3*/EXTERNALLY-MANAGED'):
            marker.unlink()
        shutil.copyfile(str(CA_BUNDLE), str(rootfs / 'etc' / 'ssl' / 'certs' / 'ca-certificates.crt'))
        (rootfs / 'etc' / 'pip.conf').write_text('[global]\ncert = /etc/ssl/certs/ca-certificates.crt\n')
        shutil.rmtree(str(rootfs / 'var' / 'cache' / 'apt' / 'archives'), ignore_errors=True)
        (rootfs / 'var' / 'cache' / 'apt' / 'archives' / 'partial').mkdir(parents=True)
        partial = target.with_suffix('.partial')
        run(['tar', '--numeric-owner', '-C', rootfs, '-cf', partial, '.'], log=log, env=dict(os.environ))
        partial.rename(target)
    finally:
        shutil.rmtree(str(scratch), ignore_errors=True)
    return target


def image_exists(name):
    return subprocess.run(['podman', 'image', 'exists', name], env=environment(), stdin=subprocess.DEVNULL,
                          capture_output=True, check=False).returncode == 0


def ensure_base_image(log):
    """The local base image's name, made from the cached tarball, or by debootstrap when there is none."""
    name = base_image_name()
    if image_exists(name):
        return name
    tarball = base_tarball()
    if not tarball.is_file():
        make_base_tarball(log)
    run(['podman', 'import', '--change', 'CMD ["/bin/bash"]', tarball, name], log=log)
    return name


def local_definition(published, base_image):
    """The published definition with only what names the base operating system changed (see the module docstring)."""
    definition = copy.deepcopy(published)
    definition['images']['base_image']['name'] = base_image
    definition['dependencies']['python_interpreter'] = {'package_system': 'python3', 'python_path': '/usr/bin/python3'}
    definition.setdefault('options', {})
    definition['options']['package_manager_path'] = '/usr/bin/apt-get'
    definition['options']['skip_pip_install'] = True
    return definition


def main(argv):
    command = argv[1] if len(argv) > 1 else ''
    if command == 'preflight':
        missing = missing_prerequisites()
        if not missing:
            return 0
        sys.stderr.write(banner(missing))
        if in_ci():
            sys.stderr.write('CI is set: the execution environment must be built here, so this fails.\n')
            return 1
        return 2
    if command == 'base':
        CACHE.mkdir(parents=True, exist_ok=True)
        print(ensure_base_image(CACHE / 'base.log'))
        return 0
    sys.stderr.write('usage: python -m tests.ee_image preflight|base\n')
    return 64


if __name__ == '__main__':
    sys.exit(main(sys.argv))
