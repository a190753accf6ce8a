# -*- coding: utf-8 -*-
# Copyright: (c) 2026, clearip.netsapiens contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Fixtures for the integration tests: both simulators on loopback and the real ansible-playbook.

Tests assert on what the simulators hold and count (read over their ``/_sim/`` HTTP calls), never on
the modules' own word alone.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import requests

from tests.collections_path import collections_root
from tests.simulators.dataset import vendor_config as dataset_vendor_config

BIN = Path(sys.executable).parent


class Sims(object):
    """Both simulators of one test, plus the module options that reach them."""

    def __init__(self, dataset, netsapiens, clearip):
        self.dataset = dataset
        self.netsapiens = netsapiens
        self.clearip = clearip

    def ns_vars(self):
        ns = self.dataset.get('netsapiens', {})
        client = ns['oauth_clients'][0]
        user = ns['api_users'][0]
        return {'host': self.netsapiens.url, 'client_id': client['client_id'], 'client_secret': client['client_secret'],
                'username': user['username'], 'password': user['password']}

    def cip_vars(self):
        account = self.dataset.get('clearip', {})['accounts'][0]
        return {'url': self.clearip.url, 'email': account['email'], 'password': account['password']}

    @staticmethod
    def add_fault(sim, **fault):
        answer = requests.post(sim.url + '/_sim/faults', json={'faults': [fault]}, timeout=10)
        answer.raise_for_status()

    @staticmethod
    def clear_faults(sim):
        requests.delete(sim.url + '/_sim/faults', timeout=10).raise_for_status()

    @staticmethod
    def configure(sim, **config):
        answer = requests.post(sim.url + '/_sim/config', json=config, timeout=10)
        answer.raise_for_status()

    @staticmethod
    def stats(sim):
        return requests.get(sim.url + '/_sim/stats', timeout=10).json()

    @staticmethod
    def state(sim):
        return requests.get(sim.url + '/_sim/state', timeout=10).json()

    @classmethod
    def total_writes(cls, sim):
        return sum(cls.stats(sim)['writes'].values())

    @staticmethod
    def reset_stats(sim):
        requests.post(sim.url + '/_sim/reset-stats', timeout=10).raise_for_status()

    @staticmethod
    def issued(sim):
        """Every token the simulator handed out (access, refresh and session tokens)."""
        return requests.get(sim.url + '/_sim/secrets', timeout=10).json()['issued']

    @staticmethod
    def sessions(sim):
        """One entry per login: ``opened``, ``last_request``, ``writes``, ``first_write``, ``last_write`` (base.py)."""
        return requests.get(sim.url + '/_sim/sessions', timeout=10).json()['sessions']

    @staticmethod
    def release(sim):
        """Let every request a ``hold`` fault holds go on."""
        requests.post(sim.url + '/_sim/release', timeout=10).raise_for_status()

    def secrets(self, config=None):
        """Every secret a run against these simulators could leak: each password, client secret and API key of the
        dataset and of ``config``, the userinfo of each URL in ``config``, and every token both simulators issued."""
        found = set()
        ns = self.dataset.get('netsapiens', {})
        found.update(c['client_secret'] for c in ns.get('oauth_clients', []))
        found.update(u['password'] for u in ns.get('api_users', []))
        found.update(ns.get('api_keys', []))
        found.update(a['password'] for a in self.dataset.get('clearip', {}).get('accounts', []))
        for section in (config or {}).values():
            for key, value in (section.items() if isinstance(section, dict) else ()):
                if key in ('password', 'clientSecret', 'client_secret', 'api_key') and value:
                    found.add(value)
                if key in ('host', 'url') and value and urlsplit(value).password:
                    parts = urlsplit(value)
                    found.update((parts.password, '%s:%s@' % (parts.username, parts.password)))
        found.update(self.issued(self.netsapiens))
        found.update(self.issued(self.clearip))
        return sorted(secret for secret in found if secret)


@pytest.fixture
def sims():
    """``sims(dataset, netsapiens_config=None, clearip_config=None)`` starts both simulators.

    Every request the NetSapiens simulator gets is checked against the published API v2 description
    (tests/contract/netsapiens_v2.py): a test that made a request the description refuses fails at teardown,
    with the requests and the reasons listed.
    """
    from tests.simulators.clearip import ClearIPSimulator
    from tests.simulators.netsapiens import NetSapiensSimulator

    started = []

    def start(dataset, netsapiens_config=None, clearip_config=None):
        config = {'contract_validation': True}
        config.update(netsapiens_config or {})
        ns = NetSapiensSimulator(dataset=dataset, config=config).start()
        started.append(ns)
        cip = ClearIPSimulator(dataset=dataset, config=clearip_config).start()
        started.append(cip)
        return Sims(dataset, ns, cip)

    yield start
    for sim in started:
        sim.stop()
    from tests.contract.netsapiens_v2 import REGISTRY
    for sim in started:
        for count, checked in getattr(sim, 'contract_checked', {}).values():
            REGISTRY.add(checked, count)   # for the totals at the end of the run (tests/conftest.py)
    refused = [item for sim in started for item in getattr(sim, 'contract_refused', {}).values()]
    if refused:
        pytest.fail('NetSapiens requests that the published API v2 description refuses (tests/contract):\n%s' % '\n'.join(
            '- %s: %s' % (item.describe(), ' / '.join(item.errors)) for item in refused), pytrace=False)


@pytest.fixture(scope='session')
def collections_path():
    """A collections path whose ``clearip.netsapiens`` is this working tree."""
    return Path(collections_root())


class PlaybookRun(object):
    def __init__(self, rc, stdout, stderr, out):
        self.rc = rc
        self.stdout = stdout
        self.stderr = stderr
        self.out = out

    @property
    def returncode(self):
        """As subprocess.CompletedProcess calls it."""
        return self.rc

    def __repr__(self):
        return 'PlaybookRun(rc=%d)\n--- stdout ---\n%s\n--- stderr ---\n%s' % (self.rc, self.stdout[-6000:], self.stderr[-3000:])


def ansible_env(collections_path, home, extra=None):
    """The environment of an ansible-playbook run: this collection, this venv's Python, no colour."""
    env = dict(os.environ)
    env.update({
        'ANSIBLE_COLLECTIONS_PATH': str(collections_path),
        'ANSIBLE_HOME': str(home),
        'ANSIBLE_LOCAL_TEMP': str(home / 'tmp'),
        'ANSIBLE_PYTHON_INTERPRETER': sys.executable,
        'ANSIBLE_NOCOLOR': '1',
        'ANSIBLE_FORCE_COLOR': '0',
        'ANSIBLE_RETRY_FILES_ENABLED': '0',
        'ANSIBLE_LOCALHOST_WARNING': '0',
        'ANSIBLE_INVENTORY_UNPARSED_WARNING': '0',
        'ANSIBLE_DEPRECATION_WARNINGS': '0',
        'PATH': '%s%s%s' % (BIN, os.pathsep, env.get('PATH', '')),
        # The account locks and the state a run leaves for the next (plugins/module_utils/_sync_state.py), per test:
        # every run of a test shares them (<test tmp>/cache, from <test tmp>/<run>/home), no two tests do.
        'XDG_CACHE_HOME': str(Path(home).parent.parent / 'cache'),
    })
    for key in [k for k in env if k.startswith(('NETSAPIENS_', 'CLEARIP_'))]:
        del env[key]   # a developer's own settings must not leak into a test
    env.update(extra or {})
    return env


def run_ansible_playbook(collections_path, work, target, extra_var_files, check=False, diff=False, env=None, args=(),
                         timeout=900):
    """Run the real ansible-playbook on ``target`` (a file or a collection playbook) from ``work``."""
    (work / 'home' / 'tmp').mkdir(parents=True, exist_ok=True)
    command = [str(BIN / 'ansible-playbook'), str(target)]
    for path in extra_var_files:
        command.extend(['-e', '@%s' % path])
    if check:
        command.append('--check')
    if diff:
        command.append('--diff')
    command.extend(args)
    return subprocess.run(command, cwd=str(work), env=ansible_env(collections_path, work / 'home', env),
                          stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=timeout, check=False)


def write_json(path, data, mode=0o644):
    path.write_text(json.dumps(data))
    path.chmod(mode)
    return path


@pytest.fixture
def playbook(tmp_path, collections_path):
    """``playbook(yaml_text, extra_vars=None, check=False, diff=False, env=None, args=())`` runs ansible-playbook."""
    counter = [0]

    def run(text, extra_vars=None, check=False, diff=False, env=None, args=(), timeout=900):
        counter[0] += 1
        work = tmp_path / ('run%d' % counter[0])
        out_dir = work / 'out'
        out_dir.mkdir(parents=True)
        path = work / 'playbook.yml'
        path.write_text(text)
        variables = {'out_dir': str(out_dir)}
        variables.update(extra_vars or {})
        proc = run_ansible_playbook(collections_path, work, path, [write_json(work / 'vars.json', variables)],
                                    check, diff, env, ('-i', 'localhost,', '-c', 'local') + tuple(args), timeout)
        out = {}
        for item in sorted(out_dir.glob('*.json')):
            out[item.stem] = json.loads(item.read_text())
        return PlaybookRun(proc.returncode, proc.stdout, proc.stderr, out)

    return run


@pytest.fixture
def collection_playbook(tmp_path, collections_path):
    """``collection_playbook(name, config, extra_vars=None, check=False, diff=False, env=None, args=(), report_var=None)``
    runs a playbook of this collection as users do: ``ansible-playbook clearip.netsapiens.<name> -e @config.json``
    (config.json mode 0600). With ``report_var``, that variable names a report file whose JSON lands in ``out['report']``."""
    counter = [0]

    def run(name, config, extra_vars=None, check=False, diff=False, env=None, args=(), report_var=None, timeout=900):
        counter[0] += 1
        work = tmp_path / ('%s%d' % (name, counter[0]))
        work.mkdir()
        report = work / 'report.json'
        variables = {report_var: str(report)} if report_var else {}
        variables.update(extra_vars or {})
        proc = run_ansible_playbook(collections_path, work, 'clearip.netsapiens.%s' % name,
                                    [write_json(work / 'config.json', config, 0o600), write_json(work / 'vars.json', variables)],
                                    check, diff, env, args, timeout)
        out = {'report': json.loads(report.read_text())} if report_var and report.exists() else {}
        return PlaybookRun(proc.returncode, proc.stdout, proc.stderr, out)

    return run


@pytest.fixture
def sync(collection_playbook):
    """``sync(config, extra_vars=None, check=False, diff=False, env=None)`` runs the sync playbook as users do:
    ``ansible-playbook clearip.netsapiens.sync -e @config.json``; the JSON report lands in ``out['report']``."""

    def run(config, **kwargs):
        return collection_playbook('sync', config, report_var='subscriber_sync_report_path', **kwargs)

    return run


def vendor_config(sims):
    """The vendor binary's config.json for these simulators (plus clearip.url, which the vendor's lacks)."""
    return dataset_vendor_config(sims.dataset, sims.netsapiens.url, sims.clearip.url)


def written_files(*roots, exclude=('config.json', 'vars.json', 'playbook.yml')):
    """Every file under ``roots`` but the inputs a test wrote itself (named in ``exclude``)."""
    return [p for root in roots for p in sorted(Path(root).rglob('*')) if p.is_file() and p.name not in exclude]


def assert_no_secret(secrets, texts=(), files=(), least=3):
    """Fail naming where each secret was found in ``texts`` (outputs) or ``files`` (paths); else return 0, the count
    a results table records. Call it only after every run whose output it searches has ended. ``least``: how many
    secrets there must be at the least (the credentials, and for a ClearIP-only test its password and a token)."""
    assert len(secrets) >= least, secrets   # an empty list would search for nothing
    places = [('output %d' % index, text) for index, text in enumerate(texts)]
    places += [(str(path), path.read_bytes().decode('utf-8', 'replace')) for path in files]
    found = ['%s... in %s' % (secret[:4], where) for secret in secrets for where, text in places if secret in text]
    assert found == [], found
    return 0


def wait_for(condition, what, timeout=300, proc=None):
    """Wait until ``condition()`` is true (a simulator counter, a file), polling; fail naming ``what`` after
    ``timeout`` seconds, or at once when ``proc`` (a Popen) ended first."""
    end = time.time() + timeout
    while not condition():
        assert proc is None or proc.poll() is None, 'the run ended before: %s' % what
        assert time.time() < end, 'not within %d s: %s' % (timeout, what)
        time.sleep(0.05)


def overlapped(sessions):
    """Whether two runs were alive at once, from the ClearIP simulator's sessions (one per login): some session was
    open (from its login to its last request) while another wrote (between its first and last write). Two runs
    one after the other fail this."""
    return any(writer is not other and writer['writes'] and other['last_request'] is not None
               and other['opened'] < writer['last_write'] and other['last_request'] > writer['first_write']
               for writer in sessions for other in sessions)
