# -*- coding: utf-8 -*-
# Copyright: (c) 2026, clearip.netsapiens contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""``make docs``: the checks the Ansible package runs on a collection's docs, and the collection's docs site.

1. ``antsibull-docs lint-collection-docs --plugin-docs .``: the module and role docs (schema, markup,
   references) and the extra docs (``docs/docsite``), as the Ansible package's build checks them;
2. ``hacking/docs_rst.py --check``: the extra docs are what ``docs/*.md`` converts to;
3. the docs site, the way antsibull-docs makes one for a collection: ``antsibull-docs sphinx-init``
   into ``.tmp/docsite``, then its ``build.sh`` (``antsibull-docs collection --fail-on-error``, then
   ``sphinx-build -W --keep-going``), on the collection installed from the built tarball (``make build``):
   any warning fails. Then the built site must have a page for every module, the role and every guide.

These machines reach no website, so Sphinx cannot download the intersphinx inventories that conf.py
names. The references the generated pages make into the Ansible docs resolve through a stand-in
inventory of those labels (``ANSIBLE_LABELS``, at their docs.ansible.com addresses); links to the
Python and Jinja docs are not used by these pages. A page that refers to another Ansible label fails the
build ("undefined label") until the label is added here.

Run with the Python of the publishing tools' environment (``make docs`` does).
"""

import os
import shutil
import subprocess
import sys
import zlib

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BIN = os.path.dirname(sys.executable)
SITE = os.path.join(ROOT, '.tmp', 'docsite')
INSTALLED = os.path.join(ROOT, '.tmp', 'build', 'install')
ANSIBLE_DOCS = 'https://docs.ansible.com/projects/ansible/devel/'
# label -> (page and anchor under ANSIBLE_DOCS, title): the labels of the Ansible docs the generated pages use.
ANSIBLE_LABELS = {
    'common_return_values': ('reference_appendices/common_return_values.html#common-return-values', 'Return Values'),
    'ansible_configuration_settings': ('reference_appendices/config.html#ansible-configuration-settings',
                                       'Ansible Configuration Settings'),
    'action_plugins': ('plugins/action.html#action-plugins', 'Action plugins'),
}


def run(command, cwd, env=None):
    print('$ ' + ' '.join(command), flush=True)
    proc = subprocess.run(command, cwd=cwd, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT, text=True, check=False)
    print(proc.stdout, end='', flush=True)
    return proc


def write_inventory(path):
    """A Sphinx objects.inv (version 2) holding ANSIBLE_LABELS as std:label entries."""
    lines = ''.join('%s std:label -1 %s %s\n' % (label, uri, title) for label, (uri, title) in sorted(ANSIBLE_LABELS.items()))
    with open(path, 'wb') as handle:
        handle.write(b'# Sphinx inventory version 2\n# Project: Ansible\n# Version: devel\n'
                     b'# The remainder of this file is compressed using zlib.\n')
        handle.write(zlib.compress(lines.encode('utf-8')))


def expected_pages():
    """The HTML pages the site must have: one per module, the role, one per guide."""
    pages = ['%s_module.html' % name[:-3] for name in os.listdir(os.path.join(ROOT, 'plugins', 'modules'))
             if name.endswith('.py') and not name.startswith('_')]
    pages += ['%s_role.html' % name for name in os.listdir(os.path.join(ROOT, 'roles'))]
    pages += ['docsite/%s.html' % name[:-3] for name in os.listdir(os.path.join(ROOT, 'docs')) if name.endswith('.md')]
    return sorted(pages)


def main():
    env = dict(os.environ, PATH=BIN + os.pathsep + os.environ.get('PATH', ''), ANSIBLE_NOCOLOR='1')
    failures = []

    lint = run([os.path.join(BIN, 'antsibull-docs'), 'lint-collection-docs', '--plugin-docs', '.'], ROOT, env)
    if lint.returncode != 0 or lint.stdout.strip():
        failures.append('antsibull-docs lint-collection-docs --plugin-docs reports problems (above)')

    fresh = run([sys.executable, os.path.join('hacking', 'docs_rst.py'), '--check'], ROOT, env)
    if fresh.returncode != 0:
        failures.append('docs/docsite/rst is not what docs/*.md converts to (above)')

    if not os.path.isdir(os.path.join(INSTALLED, 'ansible_collections', 'clearip', 'netsapiens')):
        failures.append('%s holds no installed clearip.netsapiens: run make build first' % INSTALLED)
    else:
        shutil.rmtree(SITE, ignore_errors=True)
        os.makedirs(SITE, mode=0o755)
        os.chmod(SITE, 0o755)   # antsibull-docs wants it writable by its owner only, whatever the umask
        site_env = dict(env, ANSIBLE_COLLECTIONS_PATH=INSTALLED)
        init = run([os.path.join(BIN, 'antsibull-docs'), 'sphinx-init', '--use-current', '--squash-hierarchy', '--fail-on-error',
                    '--title', 'clearip.netsapiens', '--project', 'clearip.netsapiens', '--copyright', 'clearip.netsapiens contributors',
                    '--dest-dir', SITE, 'clearip.netsapiens'], ROOT, site_env)
        if init.returncode != 0:
            failures.append('antsibull-docs sphinx-init failed (above)')
        else:
            with open(os.path.join(SITE, 'conf.py'), 'a', encoding='utf-8') as handle:
                handle.write('\n# make docs (hacking/docsite.py): offline, so only the stand-in inventory of the Ansible labels used.\n'
                             'intersphinx_mapping = {%r: (%r, %r)}\n' % ('ansible_devel', ANSIBLE_DOCS, '../ansible_devel.inv'))
            write_inventory(os.path.join(SITE, 'ansible_devel.inv'))
            build = run(['bash', 'build.sh'], SITE, site_env)
            if build.returncode != 0:
                failures.append('the docs site build failed or warned (above)')
            else:
                html = os.path.join(SITE, 'build', 'html')
                missing = [page for page in expected_pages() if not os.path.isfile(os.path.join(html, page))]
                if missing:
                    failures.append('the docs site lacks %s' % ', '.join(missing))
                else:
                    print('The docs site: %s (%d pages checked)' % (os.path.join(html, 'index.html'), len(expected_pages())))

    for failure in failures:
        print('FAILED: ' + failure, file=sys.stderr)
    return 1 if failures else 0


if __name__ == '__main__':
    sys.exit(main())
