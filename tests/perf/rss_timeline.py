# -*- coding: utf-8 -*-
# Copyright: (c) 2026, clearip.netsapiens contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""When, and in which process, the role's first sync reaches its peak tree RSS (docs/performance.md).

Runs only ``ansible-playbook clearip.netsapiens.sync`` into an empty ClearIP (the benchmark's run A) against
the benchmark's simulators, and samples every ``--interval`` seconds the RSS of each process of the
playbook's tree from ``/proc`` (``ansible-playbook`` itself, its forked worker, the module process), with the
time. The module's progress file (interval 1 s) and the simulators' request counters, sampled alike, mark
its phases: NetSapiens reads, the creates of each tier, the end of the module (its process gone) and the
controller's handling of the result. Prints the peak of the tree, what each process held then, and a
coarse timeline; ``--json`` keeps every sample.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)

from tests.perf.benchmark import role_argv, role_env, sim_call, write_config  # noqa: E402  pylint: disable=wrong-import-position
from tests.perf.simulators import IndexedClearIPSimulator, IndexedNetSapiensSimulator  # noqa: E402  pylint: disable=wrong-import-position
from tests.simulators.dataset import make_dataset  # noqa: E402  pylint: disable=wrong-import-position

MIB = 1024.0 * 1024.0


def _status(pid):
    """(VmRSS bytes, VmHWM bytes) of ``pid`` from /proc, or None when it has ended."""
    try:
        with open('/proc/%d/status' % pid, encoding='ascii', errors='replace') as handle:
            fields = dict(line.split(':', 1) for line in handle if ':' in line)
    except OSError:
        return None
    try:
        return int(fields['VmRSS'].split()[0]) * 1024, int(fields['VmHWM'].split()[0]) * 1024
    except (KeyError, ValueError, IndexError):
        return None


def _children(pid):
    found = []
    try:
        for task in os.listdir('/proc/%d/task' % pid):
            with open('/proc/%d/task/%s/children' % (pid, task), encoding='ascii') as handle:
                found.extend(int(child) for child in handle.read().split())
    except OSError:
        pass
    return found


def _role(pid, root):
    """What a process of the tree is: the playbook's main process, a forked worker, or a module (its command line)."""
    if pid == root:
        return 'main'
    try:
        with open('/proc/%d/cmdline' % pid, 'rb') as handle:
            argv = handle.read().split(b'\0')
    except OSError:
        return 'gone'
    text = b' '.join(argv).decode('utf-8', 'replace')
    if 'AnsiballZ' in text or 'ansible_module' in text or '/bin/sh' in text:
        return 'module %s' % text[-60:]
    return 'worker'


class Sampler(object):
    """Samples the tree of ``root`` (each pid's RSS and high-water mark), and the simulators' request counts."""

    def __init__(self, root, interval, sims):
        self.root = root
        self.interval = interval
        self.sims = sims
        self.start = time.time()
        self.samples = []     # (t, {pid: (role, rss, hwm)})
        self.requests = []    # (t, netsapiens requests, clearip POSTs)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._counts = threading.Thread(target=self._count, daemon=True)

    def _run(self):
        roles = {}
        while not self._stop.is_set():
            pids, todo = [], [self.root]
            while todo:
                pid = todo.pop()
                pids.append(pid)
                todo.extend(_children(pid))
            sample = {}
            for pid in pids:
                status = _status(pid)
                if status is None:
                    continue
                if pid not in roles or roles[pid] == 'worker':
                    roles[pid] = _role(pid, self.root)   # a worker may exec into a module later
                sample[pid] = (roles[pid], status[0], status[1])
            self.samples.append((time.time() - self.start, sample))
            self._stop.wait(self.interval)

    def _count(self):
        ns, cip = self.sims
        while not self._stop.is_set():
            try:
                ns_req = sum(sim_call(ns, 'GET', '/_sim/stats')['requests'].values())
                cip_posts = sum(v for k, v in sim_call(cip, 'GET', '/_sim/stats')['requests'].items() if k.startswith('POST'))
                self.requests.append((time.time() - self.start, ns_req, cip_posts))
            except Exception:  # pylint: disable=broad-except
                pass
            self._stop.wait(0.5)

    def __enter__(self):
        self._thread.start()
        self._counts.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()
        self._counts.join()


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n', maxsplit=1)[0])
    parser.add_argument('--users', type=int, default=50000)
    parser.add_argument('--domains', type=int, default=None, help='default: users / 10')
    parser.add_argument('--resellers', type=int, default=None, help='default: domains / 50')
    parser.add_argument('--interval', type=float, default=0.05)
    parser.add_argument('--json', help='where to write every sample')
    parser.add_argument('--extra', default='{}', help='more role variables, as JSON')
    args = parser.parse_args(argv)
    domains = args.domains or max(1, args.users // 10)
    resellers = args.resellers or max(1, domains // 50)
    dataset = make_dataset(resellers=resellers, domains=domains, users=args.users, seed=1)
    out_dir = tempfile.mkdtemp(prefix='rss-timeline-')
    progress = os.path.join(out_dir, 'progress.log')
    print('load average at start: %s' % ', '.join('%.2f' % x for x in os.getloadavg()), flush=True)
    with IndexedNetSapiensSimulator(dataset=dataset) as ns, IndexedClearIPSimulator(dataset=dataset) as cip:
        config_path = os.path.join(out_dir, 'config.json')
        write_config(dataset, ns, cip, config_path)
        extra = dict(json.loads(args.extra), subscriber_sync_progress_path=progress, subscriber_sync_progress_interval=1)
        proc = subprocess.Popen(role_argv(config_path, None, extra), env=role_env(os.path.join(out_dir, 'timings.json')),
                                stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        with Sampler(proc.pid, args.interval, (ns, cip)) as sampler:
            out = proc.communicate()[0]
        start = sampler.start
    if proc.returncode:
        sys.exit('the sync failed (exit %d):\n%s' % (proc.returncode, out[-3000:]))
    print('load average at end: %s' % ', '.join('%.2f' % x for x in os.getloadavg()))
    peak_t, peak_sample = max(sampler.samples, key=lambda s: sum(v[1] for v in s[1].values()))
    print('peak tree RSS %.1f MiB at %.2f s:' % (sum(v[1] for v in peak_sample.values()) / MIB, peak_t))
    for pid, (role, rss, hwm) in sorted(peak_sample.items()):
        print('  %7d %-8s RSS %7.1f MiB (high-water %7.1f)' % (pid, role[:8], rss / MIB, hwm / MIB))
    lives = {}
    for t, sample in sampler.samples:
        for pid, (role, rss, hwm) in sample.items():
            life = lives.setdefault(pid, {'role': role, 'first': t, 'last': t, 'peak': 0, 'peak_t': t, 'hwm': 0})
            life['last'], life['role'], life['hwm'] = t, role, max(life['hwm'], hwm)
            if rss > life['peak']:
                life['peak'], life['peak_t'] = rss, t
    print('processes:')
    for pid, life in sorted(lives.items(), key=lambda item: item[1]['first']):
        print('  %7d %-50s %7.2f..%7.2f s  peak RSS %7.1f MiB at %7.2f s, VmHWM %7.1f MiB'
              % (pid, life['role'][:50], life['first'], life['last'], life['peak'] / MIB, life['peak_t'], life['hwm'] / MIB))
    print('progress (module):')
    if os.path.exists(progress):
        with open(progress, encoding='utf-8') as handle:
            for line in handle:
                print('  %s' % line.rstrip())
    print('timeline (every 1 s: tree MiB, each process MiB; NetSapiens requests, ClearIP POSTs):')
    next_t = 0.0
    counts = list(sampler.requests)
    for t, sample in sampler.samples:
        if t < next_t:
            continue
        next_t = t + 1.0
        done = [c for c in counts if c[0] <= t]
        ns_req, posts = (done[-1][1], done[-1][2]) if done else (0, 0)
        per = ' '.join('%s=%.0f' % (role.split()[0][:6], rss / MIB) for pid, (role, rss, hwm) in sorted(sample.items()))
        print('  %7.2f  %6.1f  %-40s  ns %6d  posts %6d' % (t, sum(v[1] for v in sample.values()) / MIB, per, ns_req, posts))
    with open(os.path.join(out_dir, 'timings.json'), encoding='utf-8') as handle:
        timings = json.load(handle)
    print('tasks (seconds):')
    for task in timings['tasks']:
        if task['seconds'] > 0.3:
            print('  %7.2f  %s' % (task['seconds'], task['task']))
    if args.json:
        with open(args.json, 'w', encoding='utf-8') as handle:
            json.dump({'start': start, 'samples': [(t, dict((str(k), v) for k, v in s.items())) for t, s in sampler.samples],
                       'requests': sampler.requests, 'timings': timings}, handle)
    return 0


if __name__ == '__main__':
    sys.exit(main())
