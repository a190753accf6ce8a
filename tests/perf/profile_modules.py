# -*- coding: utf-8 -*-
# Copyright: (c) 2026, clearip.netsapiens contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Where a no-change sync spends its time inside the modules: ``cProfile`` of each module of the role,
run in this process with the arguments the role gives it (docs/performance.md).

It generates a NetSapiens (``--resellers``, ``--domains``, ``--users``) and a ClearIP that already
holds every object (so the run is the hourly no-change one; ``--initial``: an empty one), starts the benchmark's simulators
(``--delay`` seconds before each answer, 0 by default), then runs the role's modules in the role's
order: the four NetSapiens readers, ``subscriber_sync_plan`` and the three ClearIP tier modules.
For each it prints the wall seconds in-process (no Ansible process start, no AnsiballZ), the
requests it made, and the functions with the largest own time; ``--out`` keeps each profile
(``<module>.prof``, readable with ``python -m pstats``) and a text report.

Compare the in-process seconds with the per-task seconds of ``make benchmark`` (run B): the
difference is what Ansible adds around each module (worker fork, module transfer and start, result
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
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)

from tests.collections_path import collections_root  # noqa: E402  pylint: disable=wrong-import-position
from tests.perf.simulators import IndexedClearIPSimulator, IndexedNetSapiensSimulator  # noqa: E402  pylint: disable=wrong-import-position
from tests.simulators.dataset import make_dataset, vendor_config  # noqa: E402  pylint: disable=wrong-import-position

MODULES = 'ansible_collections.clearip.netsapiens.plugins.modules.'


def role_steps(config, work, workers):
    """(module, arguments) in the role's order, with the arguments the role passes (tasks/main.yml)."""
    ns, cip = config['netsapiens'], config['clearip']
    ns_args = {'host': ns['host'], 'client_id': ns['clientId'], 'client_secret': ns['clientSecret'],
               'username': ns['username'], 'password': ns['password']}
    cip_args = {'url': cip['url'], 'email': cip['email'], 'password': cip['password'], 'max_workers': workers,
                'return_objects': False, 'comment_source': ns['host']}

    def path(name):
        return os.path.join(work, name)

    return [
        ('netsapiens_reseller_info', dict(ns_args, dest=path('resellers.json'))),
        ('netsapiens_domain_info', dict(ns_args, dest=path('domains.json'))),
        ('netsapiens_user_info', dict(ns_args, dest=path('users.json'), max_workers=workers)),
        ('netsapiens_connection_info', dict(ns_args, dest=path('connections.json'))),
        ('subscriber_sync_plan', {'resellers_src': path('resellers.json'), 'domains_src': path('domains.json'),
                                  'users_src': path('users.json'), 'connections_src': path('connections.json'),
                                  'dest_dir': work, 'identifier_scheme': 'plain', 'include_domains': [],
                                  'exclude_domains': [], 'include_system_users': True}),
        ('clearip_service_provider', dict(cip_args, src='{service_providers}')),
        ('clearip_group', dict(cip_args, src='{groups}', pending_parents=[])),
        ('clearip_user', dict(cip_args, src='{users}', pending_parents=[])),
    ]


def run_module(name, args):
    """(seconds, result dict, profile) of one module's main() in this process."""
    from ansible.module_utils.testing import patch_module_args  # pylint: disable=import-outside-toplevel
    module = importlib.import_module(MODULES + name)
    profile = cProfile.Profile()
    out = io.StringIO()
    start = time.monotonic()
    with patch_module_args(args), contextlib.redirect_stdout(out):
        profile.enable()
        try:
            module.main()
        except SystemExit:
            pass
        finally:
            profile.disable()
    seconds = time.monotonic() - start
    return seconds, json.loads(out.getvalue()), profile


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

    existing = None if args.initial else {'service_providers': args.resellers, 'groups': args.domains, 'users': args.users}
    dataset = make_dataset(resellers=args.resellers, domains=args.domains, users=args.users, seed=1, clearip_existing=existing)
    report = io.StringIO()
    sim_config = {'answer_delay': args.delay}
    with IndexedNetSapiensSimulator(dataset=dataset, config=sim_config) as ns, \
            IndexedClearIPSimulator(dataset=dataset, config=sim_config) as cip, tempfile.TemporaryDirectory() as work:
        config = vendor_config(dataset, ns.url, cip.url)
        files = {}
        total = 0.0
        for name, module_args in role_steps(config, work, args.workers):
            if 'src' in module_args:
                module_args['src'] = module_args['src'].format(**files)
            before = sum(ns.requests.values()) + sum(cip.requests.values())
            seconds, result, profile = run_module(name, module_args)
            requests = sum(ns.requests.values()) + sum(cip.requests.values()) - before
            total += seconds
            if result.get('failed'):
                sys.exit('%s failed: %s' % (name, result.get('msg')))
            files.update(result.get('files') or {})
            if result.get('created') and not args.initial:
                sys.exit('%s created %d objects in a no-change run' % (name, len(result['created'])))
            print('%-28s %7.2f s  %6d requests' % (name, seconds, requests), flush=True)
            stream = io.StringIO()
            stats = pstats.Stats(profile, stream=stream)
            stats.sort_stats('tottime').print_stats(args.top)
            report.write('=== %s: %.2f s, %d requests\n%s\n' % (name, seconds, requests, stream.getvalue()))
            if args.out:
                os.makedirs(args.out, exist_ok=True)
                profile.dump_stats(os.path.join(args.out, '%s.prof' % name))
        print('%-28s %7.2f s' % ('all modules, in-process', total))
    if args.out:
        with open(os.path.join(args.out, 'report.txt'), 'w', encoding='utf-8') as handle:
            handle.write(report.getvalue())
        print('profiles and report.txt in %s' % args.out)
    else:
        print(report.getvalue())
    return 0


if __name__ == '__main__':
    sys.exit(main())
