# -*- coding: utf-8 -*-
# Copyright: (c) 2026, clearip.netsapiens contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The README's "Included content" lists exactly what the tree holds, as the collections users know do.

Each table of that section names its content in its first column (``clearip.netsapiens.<name>`` in
backquotes) and says what it does in the second; the names must be exactly those of ``plugins/modules``,
``roles``, ``playbooks``, ``extensions/eda/rulebooks`` and ``extensions/eda/plugins/event_source``, so
adding, renaming or removing content without the README fails here.
"""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def section(text, heading):
    """The text under ``heading`` up to the next heading of the same or a higher level."""
    level = heading.split(' ')[0]
    start = text.index('\n' + heading + '\n') + len(heading) + 2
    following = re.compile(r'^#{1,%d} ' % len(level), re.M).search(text, start)
    return text[start:following.start() if following else len(text)]


def table(text):
    """{name: description} of the markdown table in ``text`` whose first column names ``clearip.netsapiens.<name>``."""
    rows = {}
    for line in text.splitlines():
        cells = [cell.strip() for cell in line.strip().strip('|').split('|')]
        if len(cells) < 2 or set(cells[0]) <= set('-: '):
            continue
        match = re.match(r'^`clearip\.netsapiens\.(\w+)`$', cells[0])
        if match:
            assert match.group(1) not in rows, 'listed twice: %s' % match.group(1)
            rows[match.group(1)] = cells[1]
        else:
            assert cells[0] == 'name', 'a row that names no clearip.netsapiens content: %s' % line
    return rows


def listed(heading):
    rows = table(section(section(README, '## Included content'), heading))
    for name, description in rows.items():
        assert len(description) > 10, 'no description for %s under %s' % (name, heading)
    return set(rows)


def names(folder, suffix):
    return set(path.name[:-len(suffix)] for path in (ROOT / folder).iterdir()
               if path.name.endswith(suffix) and not path.name.startswith(('_', '.')))


README = (ROOT / 'README.md').read_text()


def test_every_module_and_only_those():
    held = names('plugins/modules', '.py')
    assert listed('### Modules') == held


def test_every_role_and_only_those():
    assert listed('### Roles') == set(path.name for path in (ROOT / 'roles').iterdir() if path.is_dir())


def test_every_playbook_and_only_those():
    assert listed('### Playbooks') == names('playbooks', '.yml')


def test_every_rulebook_and_event_source_and_only_those():
    assert listed('### Event-Driven Ansible') == names('extensions/eda/rulebooks', '.yml') | names('extensions/eda/plugins/event_source', '.py')


def test_the_table_reader_sees_a_missing_or_extra_row():
    """The check can fail: a table without one row, or with one more, differs from the tree."""
    text = section(section(README, '## Included content'), '### Playbooks')
    rows = table(text)
    shortened = '\n'.join(line for line in text.splitlines() if '`clearip.netsapiens.verify`' not in line)
    assert set(table(shortened)) == set(rows) - {'verify'}
    extra = text + '\n| `clearip.netsapiens.nonesuch` | a playbook that does not exist | |\n'
    assert set(table(extra)) == set(rows) | {'nonesuch'}
