# -*- coding: utf-8 -*-
# Copyright: (c) 2026, clearip.netsapiens contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The playbook clearip.netsapiens.user_id_header (role entry point user_id_header) against the NetSapiens simulator.

Asserts on the dial rules the simulator holds and on the writes it counted: listed rules change, others never do.
"""

from __future__ import absolute_import, division, print_function

from tests.integration.conftest import vendor_config
from tests.simulators import dataset as D

PUT = 'PUT /ns-api/v2/domains/{domain}/dialplans/{dialplan}/dialrules/{dialrule}'
PLAIN_HEADER = 'X-User-Id: <OwnUser>@<OwnDomain>'
UNIQUE_HEADER = 'X-User-Id: <OwnUser>@<OwnDomain>@<OwnTerritory>'

# Runs the collection's playbook as users do, then saves the role's report.
PLAYBOOK = '''
- name: The collection's playbook
  ansible.builtin.import_playbook: clearip.netsapiens.user_id_header

- name: Save the report
  hosts: localhost
  gather_facts: false
  tasks:
    - name: Save
      ansible.builtin.copy:
        content: "{{ subscriber_sync_user_id_header_report | to_json }}"
        dest: "{{ out_dir }}/report.json"
        mode: "0600"
      check_mode: false
'''


def wire_rule(domain, to_uri, application, parameter='', host='clearip-sbc'):
    return {'domain': domain, 'dialplan': domain, 'dial-rule-matching-to-uri': to_uri, 'dial-rule-matching-from-uri': '*',
            'dial-rule-application': application, 'dial-rule-parameter': parameter,
            'dial-rule-translation-destination-user': '[*]', 'dial-rule-translation-destination-host': host, 'enabled': 'yes'}


TO_CLEARIP = wire_rule('d1.example', 'sip:1??????????@*', 'to-connection')
ALREADY_DONE = wire_rule('d2.example', 'sip:1??????????@*', 'to-connection-add-header', PLAIN_HEADER)
NOT_LISTED = wire_rule('d2.example', 'sip:011*@*', 'to-connection')
LISTED = [{'domain': 'd1.example', 'dialplan': 'd1.example', 'matching': 'sip:1??????????@*'},
          {'domain': 'd2.example', 'dialplan': 'd2.example', 'matching': 'sip:1??????????@*'}]


def dataset():
    return {
        'netsapiens': {
            'oauth_clients': [{'client_id': D.NS_CLIENT_ID, 'client_secret': D.NS_CLIENT_SECRET}],
            'api_users': [{'username': D.NS_USERNAME, 'password': D.NS_PASSWORD}],
            'api_keys': [D.NS_API_KEY],
            'resellers': [{'reseller': 'R1', 'description': ''}],
            'domains': [{'domain': 'd1.example', 'reseller': 'R1', 'description': ''},
                        {'domain': 'd2.example', 'reseller': 'R1', 'description': ''}],
            'dialrules': [dict(TO_CLEARIP), dict(ALREADY_DONE), dict(NOT_LISTED)],
        },
        'clearip': {'accounts': [{'email': 'api@clearip.example', 'password': 'unused-Passw0rd', 'state': 'active',
                                  'operator': None}]},
    }


def stored(env):
    return env.state(env.netsapiens)['dialrules']


def writes(env):
    return env.stats(env.netsapiens)['writes']


def test_check_mode_shows_the_change_then_only_the_listed_rule_that_needs_it_changes(sims, playbook):
    env = sims(dataset())
    extra = dict(vendor_config(env), subscriber_sync_user_id_header_rules=LISTED)

    dry = playbook(PLAYBOOK, extra_vars=extra, check=True, diff=True)
    assert dry.rc == 0, dry
    assert dry.out['report']['check_mode'] is True
    assert [r['domain'] for r in dry.out['report']['changed']] == ['d1.example']
    assert dry.out['report']['changed'][0]['parameter'] == PLAIN_HEADER
    assert [r['domain'] for r in dry.out['report']['unchanged']] == ['d2.example']
    assert '+    "application": "to-connection-add-header",' in dry.stdout
    assert "Would change 1 dial rule(s), 1 already sent the header: sip:1??????????@*." in dry.stdout
    assert writes(env) == {}
    assert stored(env) == [TO_CLEARIP, ALREADY_DONE, NOT_LISTED]

    real = playbook(PLAYBOOK, extra_vars=extra)
    assert real.rc == 0, real
    assert real.out['report']['changed'] == dry.out['report']['changed']
    assert stored(env) == [dict(TO_CLEARIP, **{'dial-rule-application': 'to-connection-add-header', 'dial-rule-parameter': PLAIN_HEADER}),
                           ALREADY_DONE, NOT_LISTED]
    assert writes(env) == {PUT: 1}
    assert D.NS_PASSWORD not in real.stdout + real.stderr
    assert D.NS_CLIENT_SECRET not in real.stdout + real.stderr

    again = playbook(PLAYBOOK, extra_vars=extra)
    assert again.rc == 0, again
    assert again.out['report']['changed'] == []
    assert writes(env) == {PUT: 1}


def test_unique_scheme_default_and_a_per_rule_parameter_with_settings_from_the_environment(sims, playbook):
    env = sims(dataset())
    ns = env.ns_vars()
    rules = [LISTED[0], dict(LISTED[1], parameter='X-User-Id: custom')]
    run = playbook(PLAYBOOK, extra_vars={'subscriber_sync_identifier_scheme': 'unique', 'subscriber_sync_user_id_header_rules': rules},
                   env={'NETSAPIENS_HOST': ns['host'], 'NETSAPIENS_API_KEY': D.NS_API_KEY})
    assert run.rc == 0, run
    assert [r['parameter'] for r in run.out['report']['changed']] == [UNIQUE_HEADER, 'X-User-Id: custom']
    assert stored(env) == [dict(TO_CLEARIP, **{'dial-rule-application': 'to-connection-add-header', 'dial-rule-parameter': UNIQUE_HEADER}),
                           dict(ALREADY_DONE, **{'dial-rule-parameter': 'X-User-Id: custom'}), NOT_LISTED]
    assert writes(env) == {PUT: 2}


def test_a_listed_rule_that_does_not_exist_fails_and_is_not_created(sims, playbook):
    env = sims(dataset())
    rules = [LISTED[0], {'domain': 'd2.example', 'dialplan': 'd2.example', 'matching': 'sip:9*@*'}]
    run = playbook(PLAYBOOK, extra_vars=dict(vendor_config(env), subscriber_sync_user_id_header_rules=rules))
    assert run.rc != 0
    assert 'NetSapiens has no dial rule to sip:9*@* from * in dial plan d2.example of domain d2.example, and allow_create is false' in run.stdout
    # Ansible runs every item of a loop, so the rule that exists is still done.
    assert writes(env) == {PUT: 1}
    assert len(stored(env)) == 3


def test_rules_without_their_identifying_fields_are_refused_before_any_call(sims, playbook):
    env = sims(dataset())
    run = playbook(PLAYBOOK, extra_vars=dict(vendor_config(env), subscriber_sync_user_id_header_rules=[{'domain': 'd1.example'}]))
    assert run.rc != 0
    assert 'subscriber_sync_user_id_header_rules must list the dial rules that route calls to ClearIP' in run.stdout
    assert env.stats(env.netsapiens)['requests'] == {}


def test_a_generated_dataset_can_be_tried_end_to_end(sims, collection_playbook):
    """What a newcomer does with the simulators: the generated dial rules to ClearIP, configured by the playbook."""
    generated = D.make_dataset(resellers=1, domains=3, users=3, seed=31)
    env = sims(generated)
    rules = D.user_id_header_rules(generated)
    assert len(rules) == 3
    run = collection_playbook('user_id_header', vendor_config(env), extra_vars={'subscriber_sync_user_id_header_rules': rules})
    assert run.rc == 0, run
    assert writes(env) == {PUT: 3}
    assert [(r['dial-rule-application'], r['dial-rule-parameter']) for r in stored(env)] == [
        ('to-connection-add-header', PLAIN_HEADER)] * 3
    assert all(r['dial-rule-translation-destination-host'] == D.CONNECTION_ADDRESS for r in stored(env))
