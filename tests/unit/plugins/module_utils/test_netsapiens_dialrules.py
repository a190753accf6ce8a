# -*- coding: utf-8 -*-
# Copyright: (c) 2026, clearip.netsapiens contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The dial-rule calls against a scripted HTTP layer: ids, paths, bodies, paging, lost answers."""

from __future__ import absolute_import, division, print_function

import json as jsonlib

import pytest

from ansible_collections.clearip.netsapiens.plugins.module_utils._http import HttpError, HttpResponse, OutcomeUnknown
from ansible_collections.clearip.netsapiens.plugins.module_utils._netsapiens import NetSapiensClient, NetSapiensError, NetSapiensTokenError
from ansible_collections.clearip.netsapiens.plugins.module_utils._netsapiens_dialrules import DialRules, dialrules_path
from ansible_collections.clearip.netsapiens.plugins.module_utils._netsapiens_records import dialrule_id, normalize_dialrule, planned_dialrule
from tests.unit.plugins.module_utils.test_netsapiens_records import wire_rule

API_KEY = 'nss_unit0000000000000000'
LIST = '/ns-api/v2/domains/d1.example/dialplans/Main%20Plan/dialrules'


class ScriptedHttp(object):
    """Stands in for HttpSession: ``answers`` maps (method, path) to a list of answers used in turn (the last repeats)."""

    def __init__(self, answers):
        self.answers = dict((key, list(value)) for key, value in answers.items())
        self.calls = []

    def request(self, method, path, params=None, json=None, data=None, headers=None, idempotent=None, expect=(200,),
                auth=None, want_json=False, limited=True):
        if auth is not None:
            auth()
        self.calls.append({'method': method, 'path': path, 'params': dict(params or {}), 'json': json, 'idempotent': idempotent})
        queue = self.answers.get((method, path))
        if not queue:
            raise AssertionError('unexpected call %s %s' % (method, path))
        answer = queue.pop(0) if len(queue) > 1 else queue[0]
        if isinstance(answer, Exception):
            raise answer
        if callable(answer):
            answer = answer(params or {})
        status, body = answer
        if status not in expect:
            raise HttpError('%s %s answered HTTP %d' % (method, path, status), status=status, method=method, url=path)
        text = body if isinstance(body, str) else jsonlib.dumps(body)
        return HttpResponse(status, {}, text, method=method, url=path)

    def close(self):
        pass

    def methods(self):
        return [(c['method'], c['path']) for c in self.calls]


def client(answers, **kwargs):
    http = ScriptedHttp(answers)
    kwargs.setdefault('api_version', 'v2')
    return DialRules(NetSapiensClient('pbx.example.com', api_key=API_KEY, http=http, **kwargs)), http


def paged(records):
    return lambda params: (200, records[int(params['start']):int(params['start']) + int(params['limit'])])


def test_a_rule_id_with_slashes_is_one_path_segment():
    rule_id = dialrule_id({'dial-rule-matching-to-uri': 'sip:1??????????@*'})
    assert '/' in rule_id
    assert dialrules_path('d1.example', 'Main Plan', rule_id) == LIST + '/' + rule_id.replace('/', '%2F').replace('=', '%3D')


def test_rules_are_read_page_by_page_and_sorted():
    records = [wire_rule('sip:%d@*' % n) for n in (5, 3, 4, 1, 2)]
    ns, http = client({('GET', LIST): [paged(records)]}, page_size=2)
    rules = ns.list('d1.example', 'Main Plan')
    assert [r['matching'] for r in rules] == ['sip:1@*', 'sip:2@*', 'sip:3@*', 'sip:4@*', 'sip:5@*']
    assert [c['params'] for c in http.calls] == [{'start': 0, 'limit': 2}, {'start': 2, 'limit': 2}, {'start': 4, 'limit': 2},
                                                 {'start': 5, 'limit': 2}]


def test_a_server_ignoring_start_with_more_rules_than_a_page_is_an_error_not_a_loop():
    records = [wire_rule('sip:%d@*' % n) for n in range(3)]
    ns, _http = client({('GET', LIST): [lambda params: (200, records[:2])], ('GET', LIST + '/count'): [(200, {'total': 3})]},
                       page_size=2)
    with pytest.raises(NetSapiensError, match=r'returned the same records again for start=2 .* after 2 records of 3'):
        ns.list('d1.example', 'Main Plan')


def test_an_unknown_dial_plan_names_it():
    ns, _http = client({('GET', LIST): [(404, {'message': 'not found'})]})
    with pytest.raises(NetSapiensError) as caught:
        ns.find('d1.example', 'Main Plan', 'sip:1@*')
    assert caught.value.message == 'NetSapiens has no dial plan Main Plan in domain d1.example (HTTP 404 on GET %s)' % LIST
    assert caught.value.status == 404


def test_find_matches_both_patterns_and_refuses_ambiguity():
    records = [wire_rule('sip:1@*'), wire_rule('sip:1@*', from_uri='sip:2??@*'),
               wire_rule('sip:7@*', **{'dial-rule-matching-start-time': '08:00'}), wire_rule('sip:7@*')]
    ns, _http = client({('GET', LIST): [paged(records)]})
    assert ns.find('d1.example', 'Main Plan', 'sip:1@*', 'sip:2??@*')['from_matching'] == 'sip:2??@*'
    assert ns.find('d1.example', 'Main Plan', 'sip:1@*', None)['from_matching'] == '*'
    assert ns.find('d1.example', 'Main Plan', 'sip:9@*') is None
    with pytest.raises(NetSapiensError, match=r'^2 dial rules of dial plan Main Plan in domain d1.example match to sip:7@\* from \*'):
        ns.find('d1.example', 'Main Plan', 'sip:7@*')


def test_dial_rules_refuse_an_api_v1_server():
    http = ScriptedHttp({('POST', '/ns-api/v2/tokens'): [(404, {'code': 404, 'message': 'Not Found'})],
                         ('POST', '/ns-api/oauth2/token/'): [(200, {'access_token': 'at1', 'expires_in': 3600})],
                         ('GET', '/ns-api/v2/domains/count'): [(404, {'message': 'Not Found'})]})
    ns = DialRules(NetSapiensClient('pbx.example.com', client_id='cid', client_secret='cs', username='api@d1.example',
                                    password='pw', api_version='auto', http=http))
    with pytest.raises(NetSapiensError, match=r'^dial rules need the NetSapiens API v2'):
        ns.list('d1.example', 'Main Plan')
    assert http.methods() == [('POST', '/ns-api/v2/tokens'), ('POST', '/ns-api/oauth2/token/'), ('GET', '/ns-api/v2/domains/count')]


def test_create_sends_synchronous_and_a_destination_user_and_returns_the_servers_rule():
    answer = dict(wire_rule('sip:9*@*', **{'dial-rule-application': 'to-connection-add-header'}), dialrule='srv')
    ns, http = client({('POST', LIST): [(200, answer)]})
    rule = ns.create('d1.example', 'Main Plan', {'matching': 'sip:9*@*', 'from_matching': '*',
                                                 'application': 'to-connection-add-header', 'parameter': 'X-User-Id: a'})
    assert http.calls[0]['json'] == {'synchronous': 'yes', 'dial-rule-matching-to-uri': 'sip:9*@*', 'dial-rule-matching-from-uri': '*',
                                     'dial-rule-application': 'to-connection-add-header', 'dial-rule-parameter': 'X-User-Id: a',
                                     'dial-rule-translation-destination-user': '[*]'}
    assert http.calls[0]['idempotent'] is False
    assert rule['id'] == 'srv'


def test_an_accepted_create_without_a_body_returns_the_planned_rule():
    ns, _http = client({('POST', LIST): [(202, {'code': 202, 'message': 'Accepted'})]})
    fields = {'matching': 'sip:9*@*', 'from_matching': '*', 'application': 'to-connection'}
    assert ns.create('d1.example', 'Main Plan', fields) == planned_dialrule('d1.example', 'Main Plan', fields)


def test_a_create_whose_outcome_is_unknown_is_looked_up_and_not_repeated_when_it_happened():
    lost = OutcomeUnknown('POST failed after the request was sent', method='POST', url=LIST)
    ns, http = client({('POST', LIST): [lost], ('GET', LIST): [lambda params: (200, [wire_rule('sip:9*@*')] if params['start'] == 0 else [])]})
    rule = ns.create('d1.example', 'Main Plan', {'matching': 'sip:9*@*', 'application': 'to-connection'})
    assert rule['matching'] == 'sip:9*@*'
    assert http.methods() == [('POST', LIST), ('GET', LIST), ('GET', LIST)]


def test_a_create_whose_outcome_is_unknown_is_sent_again_when_it_did_not_happen():
    lost = OutcomeUnknown('POST answered HTTP 503', status=503, method='POST', url=LIST)
    ns, http = client({('POST', LIST): [lost, (200, wire_rule('sip:9*@*'))], ('GET', LIST): [(200, [])]})
    ns.create('d1.example', 'Main Plan', {'matching': 'sip:9*@*', 'application': 'to-connection'})
    assert http.methods() == [('POST', LIST), ('GET', LIST), ('POST', LIST)]


def test_update_sends_the_changes_plus_the_id_and_current_destination_user():
    rule = normalize_dialrule(dict(wire_rule('sip:1@*', **{'dial-rule-translation-destination-user': '2000'}), dialrule='a/b='),
                              'd1.example', 'Main Plan', 'test')
    ns, http = client({('PUT', LIST + '/a%2Fb%3D'): [(202, {'code': 202, 'message': 'Accepted'})]})
    ns.update(rule, {'parameter': 'X-User-Id: a', 'enabled': False})
    assert http.calls[0]['json'] == {'dial-rule-parameter': 'X-User-Id: a', 'enabled': 'no', 'dialrule': 'a/b=',
                                     'dial-rule-translation-destination-user': '2000'}


def test_delete_of_a_vanished_rule_names_it():
    rule = normalize_dialrule(dict(wire_rule('sip:1@*'), dialrule='abc'), 'd1.example', 'Main Plan', 'test')
    ns, _http = client({('DELETE', LIST + '/abc'): [(404, {'message': 'gone'})]})
    with pytest.raises(NetSapiensError) as caught:
        ns.delete(rule)
    assert caught.value.message == ('NetSapiens has no dial rule to sip:1@* from * (id abc) in dial plan Main Plan of domain '
                                    'd1.example (HTTP 404 on DELETE %s/abc)' % LIST)


@pytest.mark.parametrize('read_value', ['', None])
def test_update_of_a_rule_without_destination_user_still_sends_both_required_fields(read_value):
    raw = wire_rule('sip:1@*', dialrule='abc')
    if read_value is None:
        del raw['dial-rule-translation-destination-user']
    else:
        raw['dial-rule-translation-destination-user'] = read_value
    rule = normalize_dialrule(raw, 'd1.example', 'Main Plan', 'test')
    ns, http = client({('PUT', LIST + '/abc'): [(202, {'code': 202, 'message': 'Accepted'})]})
    ns.update(rule, {'parameter': 'X-User-Id: a'})
    assert http.calls[0]['json'] == {'dial-rule-parameter': 'X-User-Id: a', 'dialrule': 'abc',
                                     'dial-rule-translation-destination-user': ''}


def test_update_that_changes_the_destination_user_sends_the_new_value_once():
    rule = normalize_dialrule(dict(wire_rule('sip:1@*'), dialrule='abc'), 'd1.example', 'Main Plan', 'test')
    ns, http = client({('PUT', LIST + '/abc'): [(202, {})]})
    ns.update(rule, {'destination_user': '3000'})
    assert http.calls[0]['json'] == {'dialrule': 'abc', 'dial-rule-translation-destination-user': '3000'}


def test_update_of_a_rule_read_without_an_id_sends_the_computed_one():
    raw = wire_rule('sip:1@*')
    rule = normalize_dialrule(raw, 'd1.example', 'Main Plan', 'test')
    ns, http = client({('PUT', dialrules_path('d1.example', 'Main Plan', dialrule_id(raw))): [(202, {})]})
    ns.update(rule, {'enabled': False})
    assert http.calls[0]['json'] == {'enabled': 'no', 'dialrule': dialrule_id(raw), 'dial-rule-translation-destination-user': '[*]'}


def test_a_create_answered_with_another_rule_fails_naming_both():
    other = dict(wire_rule('sip:611@*'), dialrule='other-id')
    ns, http = client({('POST', LIST): [(200, other)]})
    with pytest.raises(NetSapiensError) as caught:
        ns.create('d1.example', 'Main Plan', {'matching': 'sip:9*@*', 'application': 'to-connection'})
    assert caught.value.message == (
        'NetSapiens answered the create of the dial rule to sip:9*@* from * in dial plan Main Plan of domain d1.example '
        '(HTTP 200 on POST %s) with another rule: to sip:611@* from * (id other-id). The server may have made a different '
        'rule than the one asked for: check the dial plan before running again' % LIST)
    assert http.methods() == [('POST', LIST)]


def test_a_create_answered_with_the_same_to_pattern_but_another_from_pattern_fails():
    other = wire_rule('sip:9*@*', from_uri='sip:2??@*')
    ns, _http = client({('POST', LIST): [(200, [other])]})
    with pytest.raises(NetSapiensError, match=r'with another rule: to sip:9\*@\* from sip:2\?\?@\*'):
        ns.create('d1.example', 'Main Plan', {'matching': 'sip:9*@*', 'from_matching': '*', 'application': 'to-connection'})


def test_a_create_answered_with_a_list_holding_the_rule_returns_it():
    answer = [wire_rule('sip:611@*'), dict(wire_rule('sip:9*@*'), dialrule='mine')]
    ns, _http = client({('POST', LIST): [(201, answer)]})
    assert ns.create('d1.example', 'Main Plan', {'matching': 'sip:9*@*', 'application': 'to-connection'})['id'] == 'mine'


def test_a_create_answered_200_without_a_rule_reads_the_rule_back():
    stored = dict(wire_rule('sip:9*@*'), dialrule='stored-id')
    ns, http = client({('POST', LIST): [(200, {'code': 200, 'message': 'OK'})],
                       ('GET', LIST): [lambda params: (200, [stored] if params['start'] == 0 else [])]})
    rule = ns.create('d1.example', 'Main Plan', {'matching': 'sip:9*@*', 'application': 'to-connection'})
    assert rule['id'] == 'stored-id'
    assert http.methods() == [('POST', LIST), ('GET', LIST), ('GET', LIST)]


def test_a_create_answered_200_without_a_rule_and_not_there_on_read_back_fails():
    ns, _http = client({('POST', LIST): [(200, '')], ('GET', LIST): [(200, [])]})
    with pytest.raises(NetSapiensError) as caught:
        ns.create('d1.example', 'Main Plan', {'matching': 'sip:9*@*', 'application': 'to-connection'})
    assert caught.value.message == ('NetSapiens answered the create of the dial rule to sip:9*@* from * in dial plan Main Plan of '
                                    'domain d1.example with HTTP 200, but the dial plan has no such rule when read back (GET %s)'
                                    % LIST)


def test_a_token_failure_during_a_dial_rule_call_is_not_a_missing_dial_plan():
    http = ScriptedHttp({('POST', '/ns-api/v2/tokens'): [(404, {'code': 404, 'message': 'Not Found'})],
                         ('POST', '/ns-api/oauth2/token/'): [(404, {'message': 'Not Found'})]})
    ns = DialRules(NetSapiensClient('pbx.example.com', client_id='cid', client_secret='cs', username='api@d1.example',
                                    password='pw', api_version='v2', http=http))
    with pytest.raises(NetSapiensTokenError) as caught:
        ns.list('d1.example', 'Main Plan')
    assert caught.value.message.startswith('NetSapiens has no token endpoint here: POST /ns-api/v2/tokens answered HTTP 404')
    assert 'dial plan' not in caught.value.message
    assert http.methods() == [('POST', '/ns-api/v2/tokens'), ('POST', '/ns-api/oauth2/token/')]
