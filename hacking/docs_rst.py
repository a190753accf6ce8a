# -*- coding: utf-8 -*-
# Copyright: (c) 2026, clearip.netsapiens contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The guides of ``docs/*.md`` as the collection's extra docs (``docs/docsite/rst/*.rst``).

The Markdown files are the source: the README, the module docs, the role and its error messages name
them, and the repository's host renders them. The docs site of the Ansible package (and of this
collection, ``make docs``) takes extra docs in reStructuredText only, from ``docs/docsite/rst`` of the
collection, listed in ``docs/docsite/extra-docs.yml``. So each guide is converted with pandoc (the
pinned ``pypandoc_binary`` of test-requirements-publish.txt, so the output is the same everywhere) and
the filter ``hacking/docs_rst.lua`` (labels and links).

    python hacking/docs_rst.py           # write docs/docsite/rst/*.rst
    python hacking/docs_rst.py --check   # exit 1, naming the files, when they differ from docs/*.md (make docs)

``extra-docs.yml`` must list every guide; ``--check`` fails when it does not.
"""

import argparse
import difflib
import os
import sys

import pypandoc
import yaml

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SOURCE = os.path.join(ROOT, 'docs')
TARGET = os.path.join(ROOT, 'docs', 'docsite', 'rst')
EXTRA_DOCS = os.path.join(ROOT, 'docs', 'docsite', 'extra-docs.yml')
FILTER = os.path.join(ROOT, 'hacking', 'docs_rst.lua')
HEADER = ('..\n  Generated from docs/{name}.md by hacking/docs_rst.py: edit the Markdown file, then run\n'
          '  `make docs-rst`. `make docs` fails while this file differs from what the script writes.\n\n')


def repository_tree():
    """The web address of the default branch's files, from galaxy.yml ``repository``."""
    with open(os.path.join(ROOT, 'galaxy.yml'), encoding='utf-8') as handle:
        repository = yaml.safe_load(handle)['repository'].rstrip('/')
    return repository + '/blob/main/'


def guides():
    return sorted(name[:-3] for name in os.listdir(SOURCE) if name.endswith('.md'))


def convert(name, names):
    text = pypandoc.convert_file(
        os.path.join(SOURCE, name + '.md'), 'rst', format='gfm',
        extra_args=['--wrap=preserve', '--columns=110', '--lua-filter', FILTER,
                    '--metadata', 'guide=' + name, '--metadata', 'guides=' + ' '.join(names),
                    '--metadata', 'repository=' + repository_tree()])
    return HEADER.format(name=name) + text.replace('\r\n', '\n')


def listed_in_extra_docs():
    with open(EXTRA_DOCS, encoding='utf-8') as handle:
        sections = yaml.safe_load(handle).get('sections') or []
    return sorted(entry for section in sections for entry in section.get('toctree') or [])


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n', maxsplit=1)[0])
    parser.add_argument('--check', action='store_true', help='compare instead of writing; exit 1 when anything differs')
    args = parser.parse_args(argv)
    names = guides()
    problems = []
    wanted = {}
    for name in names:
        wanted[name + '.rst'] = convert(name, names)
    present = sorted(name for name in os.listdir(TARGET) if name.endswith('.rst')) if os.path.isdir(TARGET) else []
    if args.check:
        for name in sorted(set(present) - set(wanted)):
            problems.append('docs/docsite/rst/%s has no docs/%s.md: remove it' % (name, name[:-4]))
        for name, text in sorted(wanted.items()):
            path = os.path.join(TARGET, name)
            current = open(path, encoding='utf-8').read() if os.path.exists(path) else ''
            if current != text:
                diff = ''.join(list(difflib.unified_diff(current.splitlines(True), text.splitlines(True), path, 'converted'))[:40])
                problems.append('docs/docsite/rst/%s is not what docs/%s.md converts to; run make docs-rst\n%s'
                                % (name, name[:-4], diff))
    else:
        os.makedirs(TARGET, exist_ok=True)
        for name in sorted(set(present) - set(wanted)):
            os.remove(os.path.join(TARGET, name))
        for name, text in wanted.items():
            with open(os.path.join(TARGET, name), 'w', encoding='utf-8') as handle:
                handle.write(text)
    listed = listed_in_extra_docs()
    if listed != names:
        problems.append('docs/docsite/extra-docs.yml lists %s; the guides are %s' % (', '.join(listed), ', '.join(names)))
    for problem in problems:
        print(problem, file=sys.stderr)
    if not problems:
        print('docs/docsite/rst: %d guides %s' % (len(names), 'up to date' if args.check else 'written'))
    return 1 if problems else 0


if __name__ == '__main__':
    sys.exit(main())
