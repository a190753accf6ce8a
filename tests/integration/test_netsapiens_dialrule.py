# -*- coding: utf-8 -*-
# Copyright: (c) 2026, clearip.netsapiens contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""netsapiens_dialrule through the real ansible-playbook against the NetSapiens simulator.

Every claim is checked against the rules the simulator holds and the writes it counted. Several tasks
share one playbook run, because each run costs seconds.
"""

from __future__ import absolute_import, division, print_function

import json

from tests.integration.conftest import Sims
from tests.simulators import dataset as D

POST = 'POST /ns-api/v2/domains/{domain}/dialplans/{dialplan}/dialrules'
PUT = 'PUT /ns-api/v2/domains/{domain}/dialplans/{dialplan}/dialrules/{dialrule}'
DELETE = 'DELETE /ns-api/v2/domains/{domain}/dialplans/{dialplan}/dialrules/{dialrule}'
HEADER = 'X-User-Id: <OwnUser>@<OwnDomain>'

ROUTE_TO_CLEARIP = {
    'domain': 'd1.example', 'dialplan': 'd1.example', 'dial-rule-matching-to-uri': 'sip:1??????????@*',
    'dial-rule-matching-from-uri': '*', 'dial-rule-application': 'to-connection', 'dial-rule-parameter': '',
    'dial-rule-translation-destination-user': '[*]', 'dial-rule-translation-destination-host': 'clearip-sbc',
    'dial-rule-description': 'Outbound', 'enabled': 'yes',
}
OTHER_RULE = {
    'domain': 'd1.example', 'dialplan': 'd1.example', 'dial-rule-matching-to-uri': 'sip:611@*',
    'dial-rule-matching-from-uri': '*', 'dial-rule-application': 'to-callqueue', 'dial-rule-parameter': '',
    'dial-rule-translation-destination-user': '611', 'enabled': 'yes',
}


def dataset(rules=(ROUTE_TO_CLEARIP, OTHER_RULE)):
    return {
        'netsapiens': {
            'oauth_clients': [{'client_id': D.NS_CLIENT_ID, 'client_secret': D.NS_CLIENT_SECRET}],
            'api_users': [{'username': D.NS_USERNAME, 'password': D.NS_PASSWORD}],
            'api_keys': [D.NS_API_KEY],
            'resellers': [{'reseller': 'R1', 'description': ''}],
            'domains': [{'domain': 'd1.example', 'reseller': 'R1', 'description': ''}],
            'dialplans': [{'domain': 'd1.example', 'dialplan': 'd1.example'}],
            'dialrules': [dict(r) for r in rules],
        },
        'clearip': {'accounts': [{'email': 'api@clearip.example', 'password': 'unused-Passw0rd', 'state': 'active',
                                  'operator': None}]},
    }


def rule(**options):
    """Module options for the rule routing to ClearIP, with ``options`` on top."""
    base = {'domain': 'd1.example', 'dialplan': 'd1.example', 'matching': 'sip:1??????????@*'}
    base.update(options)
    return base


def play(*tasks):
    """A play running netsapiens_dialrule once per (name, options) and saving every result in out['results']."""
    lines = ['- hosts: localhost', '  gather_facts: false',
             '  module_defaults:', '    group/clearip.netsapiens.netsapiens: "{{ ns }}"', '  tasks:']
    for name, options in tasks:
        lines += ['    - name: %s' % name,
                  '      clearip.netsapiens.netsapiens_dialrule: %s' % json.dumps(options),
                  '      register: r_%s' % name,
                  '      ignore_errors: true']
    saved = ', '.join("'%s': r_%s" % (name, name) for name, _options in tasks)
    lines += ['    - name: Save the results',
              '      ansible.builtin.copy: {content: "{{ {%s} | to_json }}", dest: "{{ out_dir }}/results.json", mode: "0600"}' % saved,
              '      check_mode: false']
    return '\n'.join(lines) + '\n'


def run(sims, playbook, *tasks, **kwargs):
    result = playbook(play(*tasks), extra_vars={'ns': sims.ns_vars()}, env={'ANSIBLE_PIPELINING': '1'}, **kwargs)
    assert result.rc == 0, result
    return result.out['results']


def stored(sims):
    return sims.state(sims.netsapiens)['dialrules']


def writes(sims):
    return sims.stats(sims.netsapiens)['writes']


def test_create_then_a_second_run_changes_nothing(sims, playbook):
    env = sims(dataset(rules=[OTHER_RULE]))
    wanted = rule(application='to-connection-add-header', parameter=HEADER, destination_host='clearip-sbc', description='Via ClearIP')
    results = run(env, playbook, ('create', wanted), ('again', wanted))

    created = results['create']
    assert created['changed'] is True
    assert created['existing'] == {}
    assert created['proposed'] == dict(wanted, from_matching='*')
    assert created['end_state']['application'] == 'to-connection-add-header'
    assert created['end_state']['parameter'] == HEADER
    assert created['end_state']['destination_user'] == '[*]'
    assert created['end_state']['enabled'] is True
    assert created['api_version'] == 'v2'
    assert results['again']['changed'] is False
    assert results['again']['existing'] == created['end_state']
    assert results['again']['end_state'] == created['end_state']
    assert results['again']['changed_fields'] == []

    assert stored(env) == [OTHER_RULE, {
        'domain': 'd1.example', 'dialplan': 'd1.example', 'dial-rule-matching-to-uri': 'sip:1??????????@*',
        'dial-rule-matching-from-uri': '*', 'dial-rule-application': 'to-connection-add-header', 'dial-rule-parameter': HEADER,
        'dial-rule-translation-destination-user': '[*]', 'dial-rule-translation-destination-host': 'clearip-sbc',
        'dial-rule-description': 'Via ClearIP', 'enabled': 'yes'}]
    assert writes(env) == {POST: 1}


def test_check_and_diff_show_the_update_without_making_it_then_it_changes_only_the_listed_fields(sims, playbook):
    env = sims(dataset())
    wanted = rule(application='to-connection-add-header', parameter=HEADER)
    checked = run(env, playbook, ('update', wanted), check=True, diff=True)['update']
    assert checked['changed'] is True
    assert checked['changed_fields'] == ['application', 'parameter']
    assert checked['diff']['before']['application'] == 'to-connection'
    assert checked['diff']['after']['application'] == 'to-connection-add-header'
    assert checked['diff']['before']['parameter'] == ''
    assert checked['diff']['after']['parameter'] == HEADER
    assert checked['diff']['after']['destination_host'] == 'clearip-sbc'
    assert 'id' not in checked['diff']['before']
    assert stored(env) == [ROUTE_TO_CLEARIP, OTHER_RULE]
    assert writes(env) == {}

    results = run(env, playbook, ('update', wanted), ('again', wanted), diff=True)
    assert results['update']['changed'] is True
    assert results['update']['diff'] == checked['diff']
    assert results['update']['end_state'] == checked['end_state']
    assert results['again']['changed'] is False
    assert results['again']['diff']['before'] == results['again']['diff']['after']
    assert stored(env) == [dict(ROUTE_TO_CLEARIP, **{'dial-rule-application': 'to-connection-add-header',
                                                     'dial-rule-parameter': HEADER}), OTHER_RULE]
    assert writes(env) == {PUT: 1}


def test_create_in_check_mode_writes_nothing_and_predicts_the_rule(sims, playbook):
    env = sims(dataset(rules=[]))
    wanted = rule(application='to-connection-add-header', parameter=HEADER)
    checked = run(env, playbook, ('create', wanted), check=True, diff=True)['create']
    assert checked['changed'] is True
    assert checked['diff']['before'] == {}
    assert checked['diff']['after'] == {
        'domain': 'd1.example', 'dialplan': 'd1.example', 'matching': 'sip:1??????????@*', 'from_matching': '*',
        'application': 'to-connection-add-header', 'parameter': HEADER, 'destination_user': '[*]', 'destination_host': '',
        'description': '', 'enabled': True}
    assert stored(env) == []
    assert writes(env) == {}
    created = run(env, playbook, ('create', wanted))['create']
    assert created['end_state'] == checked['end_state']


def test_absent_removes_the_rule_check_mode_first(sims, playbook):
    env = sims(dataset())
    gone = rule(state='absent')
    checked = run(env, playbook, ('remove', gone), check=True, diff=True)['remove']
    assert checked['changed'] is True
    assert checked['diff']['after'] == {}
    assert checked['diff']['before']['application'] == 'to-connection'
    assert writes(env) == {}

    results = run(env, playbook, ('remove', gone), ('again', gone))
    assert results['remove']['changed'] is True
    assert results['remove']['end_state'] == {}
    assert results['remove']['existing']['destination_host'] == 'clearip-sbc'
    assert results['again']['changed'] is False
    assert results['again']['existing'] == {}
    assert stored(env) == [OTHER_RULE]
    assert writes(env) == {DELETE: 1}


def test_missing_dial_plan_missing_rule_and_ambiguous_input_fail_clearly_without_writing(sims, playbook):
    env = sims(dataset())
    results = run(env, playbook,
                  ('no_plan', rule(dialplan='nope', application='to-connection')),
                  ('no_domain', rule(domain='nowhere.example', application='to-connection')),
                  ('no_rule', rule(matching='sip:9*@*', application='to-connection-add-header', allow_create=False)),
                  ('no_app', rule(matching='sip:9*@*')))
    assert results['no_plan']['failed'] is True
    assert results['no_plan']['msg'].startswith('NetSapiens has no dial plan nope in domain d1.example (HTTP 404 on GET ')
    assert results['no_domain']['msg'].startswith('NetSapiens has no dial plan d1.example in domain nowhere.example (HTTP 404')
    assert results['no_rule']['msg'] == ('NetSapiens has no dial rule to sip:9*@* from * in dial plan d1.example of domain '
                                         'd1.example, and allow_create is false: check domain, dialplan, matching and '
                                         'from_matching against the dial plan')
    assert results['no_app']['msg'] == 'application is required to create the dial rule to sip:9*@* from * in dial plan ' \
                                       'd1.example of domain d1.example'
    assert writes(env) == {}
    assert stored(env) == [ROUTE_TO_CLEARIP, OTHER_RULE]


def test_a_server_without_rule_ids_in_reads_gets_the_computed_id(sims, playbook):
    env = sims(dataset(), netsapiens_config={'dialrule_id_in_records': False})
    results = run(env, playbook, ('update', rule(parameter=HEADER, enabled=False)), ('remove', rule(matching='sip:611@*', state='absent')))
    assert results['update']['changed_fields'] == ['enabled', 'parameter']
    assert results['remove']['changed'] is True
    assert stored(env) == [dict(ROUTE_TO_CLEARIP, **{'dial-rule-parameter': HEADER, 'enabled': 'no'})]
    assert writes(env) == {PUT: 1, DELETE: 1}


def test_a_create_whose_answer_is_lost_is_not_made_twice(sims, playbook):
    env = sims(dataset(rules=[]))
    env.add_fault(env.netsapiens, kind='drop_after_commit', method='POST', path='/dialrules$')
    created = run(env, playbook, ('create', rule(application='to-connection-add-header', parameter=HEADER)))['create']
    assert created['changed'] is True
    assert created['end_state']['parameter'] == HEADER
    assert len(stored(env)) == 1
    assert writes(env) == {POST: 1}
    assert Sims.stats(env.netsapiens)['faults_fired'] == {'drop_after_commit': 1}   # the create committed, its answer lost


def test_an_api_v1_server_is_refused_with_a_clear_message(sims, playbook):
    env = sims(dataset(), netsapiens_config={'v2_enabled': False})
    failed = run(env, playbook, ('update', rule(parameter=HEADER)))['update']
    assert failed['failed'] is True
    assert failed['msg'].startswith('dial rules need the NetSapiens API v2 (cores v44 and later)')
    assert D.NS_PASSWORD not in json.dumps(failed)
    assert D.NS_CLIENT_SECRET not in json.dumps(failed)


NO_DESTINATION_USER = {
    'domain': 'd1.example', 'dialplan': 'd1.example', 'dial-rule-matching-to-uri': 'sip:2??@*',
    'dial-rule-matching-from-uri': '*', 'dial-rule-application': 'to-connection', 'dial-rule-parameter': '',
    'dial-rule-translation-destination-user': '', 'enabled': 'yes',
}
WITHOUT_DESTINATION_USER = {
    'domain': 'd1.example', 'dialplan': 'd1.example', 'dial-rule-matching-to-uri': 'sip:3??@*',
    'dial-rule-matching-from-uri': '*', 'dial-rule-application': 'to-connection', 'enabled': 'yes',
}


def test_update_of_rules_with_an_empty_or_missing_destination_user_sends_the_required_fields(sims, playbook):
    # The simulator answers 422 to a PUT without dialrule or dial-rule-translation-destination-user.
    env = sims(dataset(rules=[NO_DESTINATION_USER, WITHOUT_DESTINATION_USER]))
    results = run(env, playbook, ('empty', rule(matching='sip:2??@*', application='to-connection-add-header', parameter=HEADER)),
                  ('missing', rule(matching='sip:3??@*', parameter=HEADER)))
    assert results['empty']['changed'] is True, results['empty']
    assert results['empty']['changed_fields'] == ['application', 'parameter']
    assert results['missing']['changed'] is True, results['missing']
    assert results['missing']['changed_fields'] == ['parameter']
    assert stored(env) == [
        dict(NO_DESTINATION_USER, **{'dial-rule-application': 'to-connection-add-header', 'dial-rule-parameter': HEADER}),
        dict(WITHOUT_DESTINATION_USER, **{'dial-rule-parameter': HEADER, 'dial-rule-translation-destination-user': ''})]
    assert writes(env) == {PUT: 2}


def test_a_create_answered_with_another_rule_fails_clearly(sims, playbook):
    env = sims(dataset(rules=[OTHER_RULE]), netsapiens_config={'dialrule_create_answer': 'other'})
    failed = run(env, playbook, ('create', rule(application='to-connection-add-header', parameter=HEADER)))['create']
    assert failed['failed'] is True
    assert failed['msg'] == (
        'NetSapiens answered the create of the dial rule to sip:1??????????@* from * in dial plan d1.example of domain '
        'd1.example (HTTP 200 on POST /ns-api/v2/domains/d1.example/dialplans/d1.example/dialrules) with another rule: '
        'to sip:611@* from * (id c2lwOjYxMUAqfHwqfHwqfHwqfHwqfHwqfHwq). The server may have made a different rule than the '
        'one asked for: check the dial plan before running again')
    assert 'end_state' not in failed
    assert writes(env) == {POST: 1}


def test_the_module_works_with_either_token_endpoint_alone(sims, playbook):
    wanted = rule(application='to-connection-add-header', parameter=HEADER)
    for endpoints, token_calls in ((['v2'], {'POST /ns-api/v2/tokens': 1}),
                                   (['legacy'], {'POST /ns-api/v2/tokens': 1, 'POST /ns-api/oauth2/token/': 1})):
        env = sims(dataset(), netsapiens_config={'token_endpoints': endpoints})
        results = run(env, playbook, ('update', wanted))
        assert results['update']['changed'] is True, results['update']
        assert results['update']['api_version'] == 'v2'
        assert stored(env)[0]['dial-rule-parameter'] == HEADER
        assert writes(env) == {PUT: 1}
        seen = env.stats(env.netsapiens)['requests']
        assert dict((k, v) for k, v in seen.items() if 'token' in k) == token_calls
