# -*- coding: utf-8 -*-
# Copyright: (c) 2026, clearip.netsapiens contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The README's "Using this collection" examples, run as written against the simulators.

The simulators are given the README's own credentials (the OAuth2 client ``clearip-sync``, the users
``sync@example.com``, the passwords its vault file holds), so the files are used word for word but for
the two URLs (``pbx.example.com`` and ``https://api.clearip.com`` become the simulators') and, in place
of the vault password prompt, a password file.
"""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

import yaml

from tests.integration.conftest import BIN, run_ansible_playbook
from tests.integration.test_subscriber_sync import expected_plain, holdings
from tests.simulators.dataset import NS_API_KEY, make_dataset

ROOT = Path(__file__).resolve().parents[2]
README = (ROOT / 'README.md').read_text()


def blocks_after(marker, kind):
    """The ```<kind> blocks of the README from ``marker`` to the next ``## `` or ``### `` heading."""
    start = README.index(marker)
    end = re.compile(r'^#{2,3} ', re.M).search(README, start)
    return re.findall(r'```%s\n(.*?)```' % kind, README[start:end.start() if end else len(README)], re.S)


def readme_dataset(vault):
    """A platform whose credentials are the README's (the passwords: its vault file's values)."""
    dataset = make_dataset(resellers=2, domains=5, users=20, seed=41)
    dataset['netsapiens']['oauth_clients'] = [{'client_id': 'clearip-sync', 'client_secret': vault['vault_netsapiens_client_secret']}]
    dataset['netsapiens']['api_users'] = [{'username': 'sync@example.com', 'password': vault['vault_netsapiens_password']}]
    dataset['clearip']['accounts'][0].update(email='sync@example.com', password=vault['vault_clearip_password'])
    return dataset


def with_simulators(text, sims):
    assert 'pbx.example.com' in text and 'https://api.clearip.com' in text
    return text.replace('pbx.example.com', sims.netsapiens.url).replace('https://api.clearip.com', sims.clearip.url)


def test_the_inventory_group_vars_and_vault_example(sims, collections_path, tmp_path):
    hosts, group_vars, vault, = blocks_after('<!-- inventory:', 'yaml')
    (commands,) = blocks_after('<!-- inventory:', 'sh')
    s = sims(readme_dataset(yaml.safe_load(vault)))

    start = tmp_path / 'project'
    folder = start / 'inventory' / 'group_vars' / 'all'
    folder.mkdir(parents=True)
    (start / 'inventory' / 'hosts.yml').write_text(hosts)
    (folder / 'sync.yml').write_text(with_simulators(group_vars, s))
    (folder / 'vault.yml').write_text(vault)
    password_file = tmp_path / 'vault-password'
    password_file.write_text('the README example\n')
    subprocess.run([str(BIN / 'ansible-vault'), 'encrypt', '--vault-password-file', str(password_file), str(folder / 'vault.yml')],
                   check=True, capture_output=True)
    for secret in yaml.safe_load(vault).values():
        assert secret not in (folder / 'vault.yml').read_text()

    runs = [line.split('#')[0].split() for line in commands.splitlines() if line.strip()]
    assert [run[:4] for run in runs] == [['ansible-playbook', '-i', 'inventory', 'clearip.netsapiens.sync']] * 2
    for run in runs:
        args = [arg for arg in run[4:] if arg != '--ask-vault-pass'] + ['--vault-password-file', str(password_file)]
        assert '--ask-vault-pass' in run
        done = run_ansible_playbook(collections_path, start, run[3], [], args=['-i', 'inventory'] + args)
        assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-2000:]
        for secret in yaml.safe_load(vault).values():
            assert secret not in done.stdout + done.stderr
    # The dry run wrote nothing; the sync made exactly NetSapiens' subscribers, and its report is where the README put it.
    assert holdings(s) == expected_plain(s.dataset)
    report = json.loads((start / 'report.json').read_text())
    assert report['status'] == 'ok' and len(report['tiers']['users']['created']) == 20


def test_the_module_defaults_playbook(sims, collections_path, tmp_path):
    (playbook,) = blocks_after('<!-- playbook:', 'yaml')
    plays = yaml.safe_load(playbook)
    defaults = plays[0]['module_defaults']
    assert defaults['group/clearip.netsapiens.netsapiens']['api_key'] == '{{ vault_netsapiens_api_key }}'
    excluded = plays[0]['roles'][0]['vars']['subscriber_sync_exclude_domains']
    provider = plays[0]['tasks'][0]['clearip.netsapiens.clearip_group_info']['service_provider']

    dataset = make_dataset(resellers=2, domains=6, users=12, seed=42)
    ns = dataset['netsapiens']
    old_name = ns['resellers'][0]['reseller']
    ns['resellers'][0]['reseller'] = provider   # the README's Service Provider, and a domain it excludes
    for domain in ns['domains']:
        if domain['reseller'] == old_name:
            domain['reseller'] = provider
    old_domain = ns['domains'][0]['domain']
    for record in ns['domains'] + ns['users'] + ns['connections'] + ns.get('dialrules', []):
        if record.get('domain') == old_domain:
            record['domain'] = excluded[0]
    kept = [domain['domain'] for domain in ns['domains'] if domain['reseller'] == provider and domain['domain'] != excluded[0]]
    assert kept and ns['domains'][0]['reseller'] == provider   # the provider has a synced domain and the excluded one
    dataset['clearip']['accounts'][0].update(email='sync@example.com')
    s = sims(dataset)

    start = tmp_path / 'project'
    start.mkdir()
    (start / 'sync.yml').write_text(with_simulators(playbook, s) + '\n    - name: Keep what the README registers\n'
                                    '      ansible.builtin.copy:\n        content: "{{ provider_groups | to_json }}"\n'
                                    '        dest: "{{ playbook_dir }}/groups.json"\n        mode: "0600"\n')
    secrets = {'vault_netsapiens_api_key': NS_API_KEY, 'vault_clearip_password': dataset['clearip']['accounts'][0]['password']}
    (start / 'secrets.json').write_text(json.dumps(secrets))
    done = run_ansible_playbook(collections_path, start, start / 'sync.yml', [start / 'secrets.json'], args=('-i', 'localhost,'))
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-2000:]

    sps, groups, users = expected_plain(s.dataset)
    groups = dict((name, sp) for name, sp in groups.items() if name != excluded[0])
    users = dict((name, group) for name, group in users.items() if group != excluded[0])
    assert holdings(s) == (sps, groups, users)
    listed = json.loads((start / 'groups.json').read_text())
    assert sorted(group['name'] for group in listed['groups']) == sorted(kept)
