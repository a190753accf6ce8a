# -*- coding: utf-8 -*-
# Copyright: (c) 2026, clearip.netsapiens contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The README's main command (``make demo``): the sync against the bundled simulators.

1. a dry run (``--check``) of a sample NetSapiens (3 resellers, 40 domains, 400 users) into an empty ClearIP;
2. the real sync, which must create exactly what the dry run predicted;
3. the same sync again, which must write nothing;
4. a sample with a few bad records, which must fail and say why, after doing all it could (a Group
   error stops the Users tier, as in the vendor binary).

Every run uses a config.json in the vendor binary's format. Exits 0 only when each step behaved as it
should; the reports are left under ``.tmp/demo``.
"""

import json
import os
import re
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

from tests.collections_path import collections_root  # noqa: E402  pylint: disable=wrong-import-position
from tests.simulators.clearip import ClearIPSimulator  # noqa: E402  pylint: disable=wrong-import-position
from tests.simulators.dataset import make_dataset, vendor_config  # noqa: E402  pylint: disable=wrong-import-position
from tests.simulators.netsapiens import NetSapiensSimulator  # noqa: E402  pylint: disable=wrong-import-position

OUT = os.path.join(ROOT, '.tmp', 'demo')
# Made new for each demo, whose simulators start empty (see sync()).
CACHE = tempfile.mkdtemp(prefix='demo-cache-')
BIN = os.path.dirname(sys.executable)


def write_config(name, ns, cip, dataset):
    """A config.json exactly as the vendor binary reads it, plus the simulator's ClearIP URL (mode 0600)."""
    path = os.path.join(OUT, name)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, 'w') as handle:
        json.dump(vendor_config(dataset, ns.url, cip.url), handle, indent=2)
    return path


def sync(title, config, report, check=False):
    print('\n=== %s ===' % title, flush=True)
    command = [os.path.join(BIN, 'ansible-playbook'), '-i', 'localhost,', 'clearip.netsapiens.sync', '-e', '@' + config,
               '-e', 'subscriber_sync_report_path=' + report]
    if check:
        command.append('--check')
    print('$ ' + ' '.join(command), flush=True)
    # ansible-core's own warnings are left on, so the demo shows what a user sees (issue 11).
    # The demo's own account locks and run state (a fresh ClearIP each time, which a real account never is).
    env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=collections_root(), ANSIBLE_RETRY_FILES_ENABLED='0', XDG_CACHE_HOME=CACHE)
    proc = subprocess.run(command, env=env, cwd=OUT, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                          text=True, check=False)
    print(proc.stdout, flush=True)
    with open(report) as handle:
        return proc.returncode, json.load(handle), proc.stdout


def writes(sim):
    return sum(sim.writes.values())


def held(cip):
    state = cip.dump_state()
    return dict((kind, sorted(item['name'] for item in state[kind])) for kind in ('serviceProviders', 'groups', 'users'))


# ansible-core's own warnings, and Python's ("...py:18: CryptographyDeprecationWarning: DSA is deprecated ..."),
# which go to stderr: the demo reads both.
PYTHON_WARNING = re.compile(r'\b[A-Z]\w*Warning: ')


def no_warning(output, problems):
    warnings = [line for line in output.splitlines()
                if '[WARNING]' in line or '[DEPRECATION WARNING]' in line or PYTHON_WARNING.search(line)]
    expect(not warnings, 'the run printed no warning%s' % (': ' + '; '.join(warnings) if warnings else ''), problems)


def expect(condition, message, problems):
    print('  [%s] %s' % ('ok' if condition else 'FAILED', message))
    if not condition:
        problems.append(message)


def bad_dataset():
    """The clean sample plus a few records the vendor binary would reject."""
    dataset = make_dataset(resellers=2, domains=6, users=30, seed=11)
    ns = dataset['netsapiens']
    ns['domains'].append({'domain': 'orphan.example', 'reseller': '', 'description': 'domain without a reseller'})
    ns['users'].append({'user': 'bad/user', 'domain': ns['domains'][0]['domain'], 'name-first-name': 'Bad',
                        'name-last-name': 'Name', 'service-code': '', 'login-username': 'bad'})
    ns['connections'].append({'connection-orig-match-pattern': 'sip*@192.0.2.9', 'domain': '',
                              'connection-address': '192.0.2.9', 'description': 'connection without a domain'})
    return dataset


def main():
    os.makedirs(OUT, exist_ok=True)
    problems = []

    dataset = make_dataset(resellers=3, domains=40, users=400, seed=7)
    with NetSapiensSimulator(dataset=dataset) as ns, ClearIPSimulator(dataset=dataset) as cip:
        print('NetSapiens simulator: %s\nClearIP simulator:    %s' % (ns.url, cip.url))
        config = write_config('config.json', ns, cip, dataset)

        rc, dry, out = sync('1. Dry run (--check) into an empty ClearIP', config, os.path.join(OUT, 'report-1-check.json'), check=True)
        expect(rc == 0 and dry['status'] == 'ok', 'the dry run succeeds (report status %s)' % dry['status'], problems)
        no_warning(out, problems)
        expect(writes(cip) == 0, 'the dry run wrote nothing to ClearIP (%d writes)' % writes(cip), problems)

        rc, first, out = sync('2. First sync', config, os.path.join(OUT, 'report-2-sync.json'))
        now = held(cip)
        expect(rc == 0 and first['status'] == 'ok', 'the sync succeeds (report status %s)' % first['status'], problems)
        no_warning(out, problems)
        expect([len(now[k]) for k in ('serviceProviders', 'groups', 'users')] == [3, 40, 400],
               'ClearIP holds 3 Service Providers, 40 Groups, 400 Users', problems)
        expect(all(sorted(first['tiers'][t]['created']) == sorted(dry['tiers'][t]['created']) for t in first['tiers']),
               'the dry run predicted exactly what the sync created', problems)

        before = writes(cip)
        rc, second, output = sync('3. The same sync again', config, os.path.join(OUT, 'report-3-again.json'))
        expect(rc == 0 and writes(cip) == before, 'the second sync wrote nothing (%d writes)' % (writes(cip) - before), problems)
        expect(all(second['tiers'][t]['created'] == [] for t in second['tiers']), 'its report created nothing', problems)
        expect(' changed=0 ' in output, 'its play recap says changed=0', problems)
        no_warning(output, problems)

    dataset = bad_dataset()
    with NetSapiensSimulator(dataset=dataset) as ns, ClearIPSimulator(dataset=dataset) as cip:
        config = write_config('config-bad.json', ns, cip, dataset)
        title = '4. A NetSapiens with a few bad records (this run is meant to fail)'
        rc, bad, _out = sync(title, config, os.path.join(OUT, 'report-4-bad.json'))
        now = held(cip)
        expect(rc != 0 and bad['status'] == 'partial', 'the run fails (exit code %d, report status %s)' % (rc, bad['status']), problems)
        expect(len(bad['errors']) == 3, 'the report names the 3 bad records: %s' % '; '.join(bad['errors']), problems)
        expect(len(now['serviceProviders']) == 2 and len(now['groups']) == 6,
               'the valid Service Providers and Groups were still created (%d and %d)' % (len(now['serviceProviders']), len(now['groups'])),
               problems)
        expect(not bad['tiers']['users']['skipped'] and len(now['users']) == 30,
               'the 30 valid Users were still created (%d): a bad domain holds back only its own users' % len(now['users']),
               problems)

    print('\nReports and config files: %s' % OUT)
    if problems:
        print('The demo did NOT behave as it should: %s' % '; '.join(problems))
        return 1
    print('The demo behaved as it should.')
    return 0


if __name__ == '__main__':
    sys.exit(main())
