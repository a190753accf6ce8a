# -*- coding: utf-8 -*-
# Copyright: (c) 2026, clearip.netsapiens contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""How much the role costs over the HTTP calls it makes (``make benchmark``).

For one generated NetSapiens (``--domains``, ``--users``; 10,000 and 100,000 is the target scale), each
of two runs starts from the same fresh simulators and does the whole first sync, then the no-op second one:

- ``direct``: the collection's clients and sync logic called from plain Python, in a child process: the
  same HTTP calls with no Ansible around them;
- ``role``: ``ansible-playbook clearip.netsapiens.sync -e @config.json``.

It prints wall time, peak memory (the largest RSS of the run's processes) and HTTP requests for each, and the ratios
role/direct, measured in one run so that a noisy machine affects both alike. It checks that both ended
with the same ClearIP content, so a fast wrong run cannot pass.
"""

import argparse
import json
import os
import resource
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

from tests.collections_path import collections_root  # noqa: E402  pylint: disable=wrong-import-position
from tests.simulators.clearip import ClearIPSimulator  # noqa: E402  pylint: disable=wrong-import-position
from tests.simulators.dataset import make_dataset, vendor_config  # noqa: E402  pylint: disable=wrong-import-position
from tests.simulators.netsapiens import NetSapiensSimulator  # noqa: E402  pylint: disable=wrong-import-position

OUT = os.path.join(ROOT, '.tmp', 'benchmark')
BIN = os.path.dirname(sys.executable)


def direct_sync(config):
    """The sync without Ansible: the role's reads, plan and tier writes, through the same clients."""
    sys.path.insert(0, collections_root())
    # pylint: disable=import-outside-toplevel
    from ansible_collections.clearip.netsapiens.plugins.module_utils import clearip, sync
    from ansible_collections.clearip.netsapiens.plugins.module_utils.netsapiens import NetSapiensClient
    from ansible_collections.clearip.netsapiens.plugins.module_utils.subscriber_sync import build_tiers

    ns_conf, cip_conf = config['netsapiens'], config['clearip']
    ns = NetSapiensClient(ns_conf['host'], client_id=ns_conf['clientId'], client_secret=ns_conf['clientSecret'],
                          username=ns_conf['username'], password=ns_conf['password'])
    tiers = build_tiers(ns.resellers(), ns.domains(), ns.users(), ns.connections())
    ns.close()
    for kind, tier, parent in ((sync.SERVICE_PROVIDER, 'service_providers', None), (sync.GROUP, 'groups', 'service_provider'),
                               (sync.USER, 'users', 'group')):
        client = clearip.ClearIPClient(cip_conf['url'], cip_conf['email'], cip_conf['password'])
        desired = [dict(item, parent=item.get(parent)) for item in tiers[tier]]
        result = clearip.run_tier(client, kind, desired, return_objects=False)
        if result['failed_items']:
            sys.exit('%s failed: %s' % (tier, result['failed_items'][:3]))


def role_sync(config_path):
    env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=collections_root(), ANSIBLE_LOCALHOST_WARNING='0',
               ANSIBLE_INVENTORY_UNPARSED_WARNING='0')
    proc = subprocess.run([os.path.join(BIN, 'ansible-playbook'), 'clearip.netsapiens.sync', '-e', '@' + config_path],
                          env=env, stdin=subprocess.DEVNULL, capture_output=True, text=True, check=False)
    if proc.returncode:
        sys.exit('the role failed:\n%s' % proc.stdout[-3000:])


def child_run(argv):
    """Run argv as a child; return (seconds, its peak RSS in MiB, which the child reports as its last line)."""
    start = time.monotonic()
    proc = subprocess.run(argv, check=True, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, text=True)
    seconds = time.monotonic() - start
    return seconds, json.loads(proc.stdout.strip().splitlines()[-1])['peak_mib']


def peak_mib():
    """The largest resident set of this process and of every descendant it waited for (Linux: KiB)."""
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return max(own, children) / 1024.0


def measure(dataset, mode):
    figures = []
    with NetSapiensSimulator(dataset=dataset) as ns, ClearIPSimulator(dataset=dataset) as cip:
        config = vendor_config(dataset, ns.url, cip.url)
        path = os.path.join(OUT, 'config-%s.json' % mode)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, 'w') as handle:
            json.dump(config, handle)
        for label in ('first', 'second'):
            requests_before = sum(ns.requests.values()) + sum(cip.requests.values())
            seconds, peak = child_run([sys.executable, __file__, '--child', mode, path])
            requests = sum(ns.requests.values()) + sum(cip.requests.values()) - requests_before
            figures.append((label, seconds, peak, requests))
        state = cip.dump_state()
        held = dict((kind, len(state[kind])) for kind in ('serviceProviders', 'groups', 'users'))
    return figures, held


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n', maxsplit=1)[0])
    parser.add_argument('--resellers', type=int, default=20)
    parser.add_argument('--domains', type=int, default=1000)
    parser.add_argument('--users', type=int, default=20000)
    parser.add_argument('--child', nargs=2, metavar=('MODE', 'CONFIG'), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        mode, path = args.child
        with open(path) as handle:
            config = json.load(handle)
        if mode == 'direct':
            direct_sync(config)
        else:
            role_sync(path)
        print(json.dumps({'peak_mib': peak_mib()}))
        return 0

    os.makedirs(OUT, exist_ok=True)
    dataset = make_dataset(resellers=args.resellers, domains=args.domains, users=args.users, seed=1)
    print('NetSapiens: %d resellers, %d domains, %d users' % (args.resellers, args.domains, args.users), flush=True)
    results = {}
    for mode in ('direct', 'role'):
        results[mode] = measure(dataset, mode)
        for label, seconds, peak, requests in results[mode][0]:
            print('%-6s %-6s run: %7.1f s  peak RSS %7.1f MiB  %7d HTTP requests' % (mode, label, seconds, peak, requests), flush=True)
    if results['direct'][1] != results['role'][1]:
        print('ClearIP content differs: direct %s, role %s' % (results['direct'][1], results['role'][1]))
        return 1
    print('both ended with ClearIP holding %s' % results['direct'][1])
    for index, label in enumerate(('first', 'second')):
        direct, role = results['direct'][0][index], results['role'][0][index]
        print('role/direct, %s run: time x%.2f, HTTP requests x%.2f' % (label, role[1] / direct[1], float(role[3]) / max(1, direct[3])))
    return 0


if __name__ == '__main__':
    sys.exit(main())
