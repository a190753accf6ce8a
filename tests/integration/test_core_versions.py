# -*- coding: utf-8 -*-
# Copyright: (c) 2026, clearip.netsapiens contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What differs between ansible-core releases, run by every cell of the version matrix (noxfile.py).

The other integration tests turn deprecation warnings off; these turn them on and fail on any warning
the collection makes a core print, so a cell shows the warnings of its release. And the input that
failed on ansible-core 2.16: the vendor's config.json without ``validateCerts``.
"""

from __future__ import annotations

import re

import pytest

from tests.integration.conftest import Sims, vendor_config
from tests.simulators.dataset import make_dataset

# The output of a run with deprecation warnings shown, as every core prints them (2.16 to 2.21).
WARNINGS = {'ANSIBLE_DEPRECATION_WARNINGS': '1'}
WARNING_LINE = re.compile(r'^\s*\[(DEPRECATION WARNING|WARNING)\]', re.MULTILINE)


def assert_no_warning(run):
    found = WARNING_LINE.findall(run.stdout) + WARNING_LINE.findall(run.stderr)
    assert found == [], run


def held(sims):
    state = Sims.state(sims.clearip)
    return (len(state['serviceProviders']), len(state['groups']), len(state['users']))


def test_vendor_config_without_validate_certs_syncs_with_no_warning(sims, sync):
    dataset = make_dataset(resellers=2, domains=6, users=30, seed=5)
    s = sims(dataset)
    config = vendor_config(s)
    assert 'validateCerts' not in config['netsapiens'] and 'validateCerts' not in config['clearip']

    dry = sync(config, check=True, env=WARNINGS)
    assert dry.rc == 0, dry
    assert_no_warning(dry)
    assert Sims.total_writes(s.clearip) == 0

    run = sync(config, env=WARNINGS)
    assert run.rc == 0, run
    assert_no_warning(run)
    assert held(s) == (2, 6, 30)
    assert run.out['report']['errors'] == []


@pytest.mark.parametrize('value', [False, True, 'no'])
def test_validate_certs_from_config_json_is_a_boolean(sims, sync, value):
    s = sims(make_dataset(resellers=1, domains=2, users=3, seed=6))
    config = vendor_config(s)
    config['netsapiens']['validateCerts'] = value
    config['clearip']['validateCerts'] = value
    run = sync(config, env=WARNINGS)
    assert run.rc == 0, run     # plain http: the setting is accepted, not used
    assert_no_warning(run)
    assert held(s) == (1, 2, 3)


def test_validate_certs_that_is_no_boolean_is_refused_before_any_write(sims, sync):
    s = sims(make_dataset(resellers=1, domains=2, users=3, seed=6))
    config = vendor_config(s)
    config['netsapiens']['validateCerts'] = 'sometimes'
    run = sync(config)
    assert run.rc != 0, run
    # Refused in config.json's own terms by the settings check, before any request to either API.
    assert 'netsapiens.validateCerts: is a string, must be true or false' in run.stdout, run
    assert Sims.total_writes(s.clearip) == 0
    assert sum(Sims.stats(s.netsapiens)['requests'].values()) == 0 and sum(Sims.stats(s.clearip)['requests'].values()) == 0


MODULES_PLAYBOOK = '''
- hosts: localhost
  gather_facts: false
  tasks:
    - name: A NetSapiens module
      clearip.netsapiens.netsapiens_reseller_info:
        host: "{{ ns.host }}"
        client_id: "{{ ns.client_id }}"
        client_secret: "{{ ns.client_secret }}"
        username: "{{ ns.username }}"
        password: "{{ ns.password }}"
      register: resellers
    - name: A ClearIP module
      clearip.netsapiens.clearip_service_provider:
        url: "{{ cip.url }}"
        email: "{{ cip.email }}"
        password: "{{ cip.password }}"
        service_providers: "{{ resellers.resellers | map(attribute='name') | list }}"
      register: sps
    - name: Save
      ansible.builtin.copy:
        content: "{{ {'resellers': resellers.resellers | map(attribute='name') | list, 'created': sps.created} | to_json }}"
        dest: "{{ out_dir }}/out.json"
        mode: "0600"
      check_mode: false
'''


@pytest.mark.parametrize('check', [True, False], ids=['check', 'run'])
def test_a_module_of_each_api_prints_no_warning(sims, playbook, check):
    dataset = make_dataset(resellers=3, domains=3, users=3, seed=7)
    s = sims(dataset)
    run = playbook(MODULES_PLAYBOOK, {'ns': s.ns_vars(), 'cip': s.cip_vars()}, check=check, env=WARNINGS)
    assert run.rc == 0, run
    assert_no_warning(run)
    names = sorted(r['reseller'] for r in dataset['netsapiens']['resellers'])
    assert sorted(run.out['out']['resellers']) == names
    assert sorted(run.out['out']['created']) == names
    assert Sims.total_writes(s.clearip) == (0 if check else 3)
