# -*- coding: utf-8 -*-
# Copyright: (c) 2026, clearip.netsapiens contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What the drift report adds to a no-change sync (issue 13's budget: under 10%).

Builds one NetSapiens (``--users``, ``--domains``), syncs it once, then times the no-change sync of
this tree (which includes the drift step) and of the collection at ``--base`` (a commit before the
drift existed), alternating ``--rounds`` times so that a noisy machine affects both alike. The base
copy is exported with ``git archive`` into .tmp, never checked out over this tree.
"""

import argparse
import json
import os
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

from tests.collections_path import collections_root  # noqa: E402  pylint: disable=wrong-import-position
from tests.simulators.clearip import ClearIPSimulator  # noqa: E402  pylint: disable=wrong-import-position
from tests.simulators.dataset import make_dataset, vendor_config  # noqa: E402  pylint: disable=wrong-import-position
from tests.simulators.netsapiens import NetSapiensSimulator  # noqa: E402  pylint: disable=wrong-import-position

OUT = os.path.join(ROOT, '.tmp', 'drift-cost')
BIN = os.path.dirname(sys.executable)


def export_base(commit):
    base = os.path.join(OUT, 'base-%s' % commit)
    target = os.path.join(base, 'ansible_collections', 'clearip', 'netsapiens')
    if not os.path.isdir(target):
        os.makedirs(target)
        archive = subprocess.run(['git', '-C', ROOT, 'archive', commit], check=True, stdout=subprocess.PIPE).stdout
        subprocess.run(['tar', '-x', '-C', target], input=archive, check=True)
    return base


# The tasks of the drift step (roles/subscriber_sync/tasks/drift_compute.yml and its include in main.yml).
DRIFT_TASKS = ('Find what ClearIP holds that NetSapiens no longer backs', 'List the ClearIP Service Providers (the sync did not)',
               'List the ClearIP Groups (the sync did not)', 'List the ClearIP Users (the sync did not)',
               'Compare ClearIP with NetSapiens', 'Keep the drift for the report')
TIMES = os.path.join(OUT, 'task-seconds.json')


def sync(collections, config_path):
    env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=collections, ANSIBLE_LOCALHOST_WARNING='0',
               ANSIBLE_INVENTORY_UNPARSED_WARNING='0', ANSIBLE_CALLBACK_PLUGINS=os.path.join(ROOT, 'hacking', 'callback_plugins'),
               ANSIBLE_CALLBACKS_ENABLED='task_seconds', TASK_SECONDS_FILE=TIMES)
    start = time.monotonic()
    proc = subprocess.run([os.path.join(BIN, 'ansible-playbook'), 'clearip.netsapiens.sync', '-e', '@' + config_path],
                          env=env, stdin=subprocess.DEVNULL, capture_output=True, text=True, check=False)
    seconds = time.monotonic() - start
    if proc.returncode:
        sys.exit('the sync failed:\n%s' % proc.stdout[-3000:])
    with open(TIMES) as handle:
        tasks = json.load(handle)
    return seconds, proc.stdout, tasks


def drift_seconds(tasks):
    """Seconds spent in the drift step's tasks (the role prefixes task names with the role's name)."""
    return sum(seconds for name, seconds in tasks if name.split(' : ', 1)[-1] in DRIFT_TASKS)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n', maxsplit=1)[0])
    parser.add_argument('--users', type=int, default=20000)
    parser.add_argument('--domains', type=int, default=1000)
    parser.add_argument('--resellers', type=int, default=20)
    parser.add_argument('--rounds', type=int, default=2)
    parser.add_argument('--base', default='5252c4a', help='a commit without the drift report')
    args = parser.parse_args()
    os.makedirs(OUT, exist_ok=True)
    base = export_base(args.base)
    dataset = make_dataset(resellers=args.resellers, domains=args.domains, users=args.users, seed=1)
    with NetSapiensSimulator(dataset=dataset) as ns, ClearIPSimulator(dataset=dataset) as cip:
        path = os.path.join(OUT, 'config.json')
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, 'w') as handle:
            json.dump(vendor_config(dataset, ns.url, cip.url), handle)
        first = sync(collections_root(), path)[0]
        print('first sync (with drift): %.1f s' % first, flush=True)
        times = {'base': [], 'drift': []}
        shares = []
        for round_ in range(args.rounds):
            for label, collections in (('base', base), ('drift', collections_root())):
                writes = sum(cip.writes.values())
                seconds, stdout, tasks = sync(collections, path)
                assert sum(cip.writes.values()) == writes, 'a no-change sync wrote to ClearIP'
                times[label].append(seconds)
                line = 'round %d %-5s no-change sync: %.1f s' % (round_ + 1, label, seconds)
                if label == 'drift':
                    assert 'Drift: 0 Service Provider(s), 0 Group(s), 0 User(s)' in stdout, stdout[-2000:]
                    spent = drift_seconds(tasks)
                    shares.append(spent / (seconds - spent))
                    line += ', of which the drift step %.1f s (%.1f%% of the rest)' % (spent, 100.0 * shares[-1])
                print(line, flush=True)
    base_best, drift_best = min(times['base']), min(times['drift'])
    print('%d users: no-change sync best of %d, base %.1f s, with drift %.1f s (%+.1f%%, whole runs, noisy); '
          'drift step %.1f%% of the rest of its run (median)'
          % (args.users, args.rounds, base_best, drift_best, 100.0 * (drift_best - base_best) / base_best,
             100.0 * sorted(shares)[len(shares) // 2]))
    return 0


if __name__ == '__main__':
    sys.exit(main())
