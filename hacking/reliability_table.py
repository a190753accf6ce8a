# -*- coding: utf-8 -*-
# Copyright: (c) 2026, clearip.netsapiens contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Render the rows tests/integration/test_reliability.py wrote (RELIABILITY_RESULTS=<file>) as a Markdown table.

    RELIABILITY_RESULTS=/tmp/rel.jsonl .venv/bin/pytest tests/integration/test_reliability.py -q
    python3 hacking/reliability_table.py /tmp/rel.jsonl

A case that ran more than once (the same test repeated) gets one row with the worst figures and the
number of repetitions.
"""

from __future__ import annotations

import json
import sys


def main(path):
    rows = {}
    order = []
    with open(path) as handle:
        for line in handle:
            if not line.strip():
                continue
            row = json.loads(line)
            key = row['case']
            if key not in rows:
                order.append(key)
                rows[key] = dict(row, repeats=0)
            kept = rows[key]
            kept['repeats'] += 1
            for field in ('runs', 'duplicates', 'lost', 'secrets'):
                kept[field] = max(kept[field], row[field])
    print('| case | runs needed (worst) | duplicates | lost | secrets found | repeated | note |')
    print('| --- | --- | --- | --- | --- | --- | --- |')
    for key in order:
        row = rows[key]
        figures = (key, row['runs'], row['duplicates'], row['lost'], row['secrets'], row['repeats'], row.get('note') or '')
        print('| %s | %d | %d | %d | %d | %d | %s |' % figures)


if __name__ == '__main__':
    main(sys.argv[1])
