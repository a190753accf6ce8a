# -*- coding: utf-8 -*-
# Copyright: (c) 2026, clearip.netsapiens contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Where a sync spends its time inside its module: ``cProfile`` of ``subscriber_sync_run``, every thread,
run in this process with the arguments the role gives it (docs/performance.md).

It generates a NetSapiens (``--resellers``, ``--domains``, ``--users``) and a ClearIP that already
holds every object (so the run is the hourly no-change one; ``--initial``: an empty one), starts the
benchmark's simulators (``--delay`` seconds before each answer, 0 by default), and runs the module's
``main()`` with one profiler per thread (the NetSapiens user readers, the ClearIP listings and
creates run in threads of their own), merged. It prints the wall and CPU seconds in-process (no
Ansible process start, no AnsiballZ), the requests made, the peak RSS of this process, and the
functions with the largest own time; ``--out`` keeps the profile (``subscriber_sync_run.prof``,
readable with ``python -m pstats``) and the text report.

Compare the in-process seconds with the per-task seconds of ``make benchmark`` (run B): the
difference is what Ansible adds around the module (worker fork, module transfer and start, result
parsing).
"""

from __future__ import annotations

import argparse
import contextlib
import cProfile
import importlib
import io
import json
import os
import pstats
import resource
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)

from tests.collections_path import collections_root  # noqa: E402  pylint: disable=wrong-import-position
from tests.perf.simulators import IndexedClearIPSimulator, IndexedNetSapiensSimulator  # noqa: E402  pylint: disable=wrong-import-position
from tests.simulators.dataset import make_dataset, vendor_config  # noqa: E402  pylint: disable=wrong-import-position

MODULE = 'ansible_collections.clearip.netsapiens.plugins.modules.subscriber_sync_run'


def module_args(config, workers):
    """The arguments the role gives subscriber_sync_run (roles/subscriber_sync/tasks/main.yml), defaults aside."""
    ns, cip = config['netsapiens'], config['clearip']
    return {
        'netsapiens': {'host': ns['host'], 'client_id': ns['clientId'], 'client_secret': ns['clientSecret'],
                       'username': ns['username'], 'password': ns['password']},
        'clearip': {'url': cip['url'], 'email': cip['email'], 'password': cip['password']},
        'max_workers': workers,
    }


# The names of the threads the clients and the run start (plugins/module_utils/_netsapiens.py, _clearip.py, _sync_run.py).
CLIENT_THREADS = ('netsapiens-', 'clearip-')


@contextlib.contextmanager
def profiled_threads():
    """One ``cProfile.Profile`` for this thread and one for each thread started meanwhile; yields the list."""
    profiles = []
    lock = threading.Lock()

    def start_in_thread(*_ignored):
        sys.setprofile(None)
        if not threading.current_thread().name.startswith(CLIENT_THREADS):
            return   # a simulator's request handler: the server's time, not the client's
        profile = cProfile.Profile()
        with lock:
            profiles.append(profile)
        profile.enable()

    main = cProfile.Profile()
    profiles.append(main)
    threading.setprofile(start_in_thread)
    main.enable()
    try:
        yield profiles
    finally:
        main.disable()
        threading.setprofile(None)


def run_module(args):
    """(seconds, CPU seconds, result dict, merged pstats.Stats) of the module's main() in this process."""
    from ansible.module_utils.testing import patch_module_args  # pylint: disable=import-outside-toplevel
    module = importlib.import_module(MODULE)
    out = io.StringIO()
    start, cpu = time.monotonic(), time.process_time()
    with patch_module_args(args), contextlib.redirect_stdout(out), profiled_threads() as profiles:
        try:
            module.main()
        except SystemExit:
            pass
    seconds, cpu = time.monotonic() - start, time.process_time() - cpu
    stats = pstats.Stats(profiles[0], stream=io.StringIO())
    for profile in profiles[1:]:
        try:
            stats.add(profile)
        except TypeError:   # a thread that never called anything profiled
            pass
    return seconds, cpu, json.loads(out.getvalue()), stats


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n', maxsplit=1)[0])
    parser.add_argument('--resellers', type=int, default=40)
    parser.add_argument('--domains', type=int, default=2000)
    parser.add_argument('--users', type=int, default=20000)
    parser.add_argument('--workers', type=int, default=4)
    parser.add_argument('--delay', type=float, default=0.0)
    parser.add_argument('--initial', action='store_true', help='start from an empty ClearIP (the first sync) instead')
    parser.add_argument('--top', type=int, default=12)
    parser.add_argument('--out', help='directory for <module>.prof files and report.txt')
    args = parser.parse_args(argv)
    sys.path.insert(0, collections_root())
    # The module's account lock and run state in a directory of this run's own: its simulators start new.
    os.environ['XDG_CACHE_HOME'] = tempfile.mkdtemp(prefix='profile-cache-')

    existing = None if args.initial else {'service_providers': args.resellers, 'groups': args.domains, 'users': args.users}
    dataset = make_dataset(resellers=args.resellers, domains=args.domains, users=args.users, seed=1, clearip_existing=existing)
    report = io.StringIO()
    sim_config = {'answer_delay': args.delay}
    with IndexedNetSapiensSimulator(dataset=dataset, config=sim_config) as ns, \
            IndexedClearIPSimulator(dataset=dataset, config=sim_config) as cip:
        config = vendor_config(dataset, ns.url, cip.url)
        before = sum(ns.requests.values()) + sum(cip.requests.values())
        seconds, cpu, result, stats = run_module(module_args(config, args.workers))
        requests = sum(ns.requests.values()) + sum(cip.requests.values()) - before
        if result.get('failed'):
            sys.exit('subscriber_sync_run failed: %s' % result.get('msg'))
        created = sum(len((result.get(tier) or {}).get('created') or []) for tier in ('service_providers', 'groups', 'users'))
        if created and not args.initial:
            sys.exit('subscriber_sync_run created %d objects in a no-change run' % created)
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0
        print('subscriber_sync_run: %.2f s, %.2f CPU s, %d requests, %d created, peak RSS of this process %.0f MiB'
              % (seconds, cpu, requests, created, peak), flush=True)
        print('concurrency limits (report): %s' % json.dumps((result.get('report') or {}).get('concurrency')), flush=True)
        stream = io.StringIO()
        stats.stream = stream
        stats.sort_stats('tottime').print_stats(args.top)
        report.write(stream.getvalue())
        if args.out:
            os.makedirs(args.out, exist_ok=True)
            stats.dump_stats(os.path.join(args.out, 'subscriber_sync_run.prof'))
    if args.out:
        with open(os.path.join(args.out, 'report.txt'), 'w', encoding='utf-8') as handle:
            handle.write(report.getvalue())
        print('profiles and report.txt in %s' % args.out)
    else:
        print(report.getvalue())
    return 0


if __name__ == '__main__':
    sys.exit(main())
