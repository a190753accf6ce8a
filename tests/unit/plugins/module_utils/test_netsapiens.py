# -*- coding: utf-8 -*-
# Copyright: (c) 2026, clearip.netsapiens contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The NetSapiens client against an in-process fake HTTP layer: paging, versions, normalisation, tokens."""

from __future__ import absolute_import, division, print_function

import json as jsonlib

import pytest

from ansible_collections.clearip.netsapiens.plugins.module_utils._http import HttpError, HttpResponse, TransportError
from ansible_collections.clearip.netsapiens.plugins.module_utils._netsapiens import (
    NetSapiensClient,
    NetSapiensError,
    NetSapiensTokenError,
    normalize_base_url,
)

OAUTH = dict(client_id='cid', client_secret='csecret-value', username='api@d.example', password='pw-value')
V2_TOKENS = '/ns-api/v2/tokens'
LEGACY_TOKEN = '/ns-api/oauth2/token/'
TOKEN_PATHS = (V2_TOKENS, LEGACY_TOKEN)


class FakeClock(object):
    def __init__(self):
        self.now = 1000.0

    def __call__(self):
        return self.now


class FakeNetSapiens(object):
    """Stands in for HttpSession: answers like a NetSapiens core, with switchable quirks."""

    def __init__(self, resellers=(), domains=(), users=(), connections=(), clock=None):
        self.resellers = list(resellers)
        self.domains = list(domains)
        self.users = list(users)
        self.connections = list(connections)
        self.clock = clock or FakeClock()
        self.calls = []
        self.page_cap = None
        self.ignore_start = set()       # kinds whose start is ignored
        self.one_based = False
        self.sparse = False             # a field without a value: left out at even places of a page, null at odd ones
        self.v2_enabled = True
        self.unpaged = set()            # kinds answered in full whatever start/limit
        self.token_lifetime = 3600
        self.tokens = {}                # access token -> expiry
        self.refresh_tokens = set()
        self.refresh_works = True
        self.token_answer_without_access_token = False
        self.grant_error = None         # (status, body) for the password grant
        self.revoked = set()
        self.accept_tokens = True
        self.serial = 0
        self.list_override = {}         # path -> raw answer (status, text)
        self.token_endpoints = ('v2', 'legacy')   # which token endpoints exist (the v2 one only with v2_enabled)
        self.encodings = []             # per call: 'json', 'form' or None, the body's encoding
        self.refuse_counts = False      # answer 401 to every .../count, as to a revoked token

    # -- HttpSession interface ---------------------------------------------------------------
    def request(self, method, path, params=None, json=None, data=None, headers=None, idempotent=None,
                expect=(200, 201, 202, 204), auth=None, want_json=False, limited=True):
        headers = dict(headers or {})
        headers.update(auth() if auth is not None else {})   # one attempt: the credentials are taken once
        self.calls.append((method, path, dict(params or {}), dict(data or json or {})))
        self.encodings.append('json' if json is not None else 'form' if data is not None else None)
        status, body = self.answer(method, path, dict(params or {}), data, json, headers)
        text = body if isinstance(body, str) else jsonlib.dumps(body)
        if status not in expect:
            raise HttpError('%s %s answered HTTP %d' % (method, path, status), status=status, method=method, url=path)
        return HttpResponse(status, {}, text, method=method, url=path)

    def close(self):
        pass

    # -- behaviour ---------------------------------------------------------------------------
    def answer(self, method, path, params, data, json, headers):
        if path == V2_TOKENS:
            if 'v2' not in self.token_endpoints or not self.v2_enabled:
                return 404, {'code': 404, 'message': 'Not Found'}
            if not isinstance(json, dict) or data is not None:
                return 400, {'code': 400, 'message': 'the body must be JSON'}
            return self.token(json)
        if path == LEGACY_TOKEN:
            if 'legacy' not in self.token_endpoints:
                return 404, {'message': 'Not Found'}
            if not isinstance(data, dict) or json is not None:
                return 400, {'error': 'invalid_request', 'error_description': 'the body must be form-encoded'}
            return self.token(data)
        data = dict(data or {})
        token = (headers.get('Authorization') or '')[7:]
        if path.startswith('/ns-api/v2'):
            if not self.v2_enabled:
                return 404, {'message': 'Not Found'}
            if not self.authorised(token, api_key_ok=True):
                return 401, {'message': 'expired'}
            if path in self.list_override:
                return self.list_override[path]
            if self.refuse_counts and path.endswith('/count'):
                return 401, {'message': 'revoked'}
            return self.v2(path, params)
        if path == '/ns-api/':
            if not self.authorised(token, api_key_ok=False):
                return 401, {'message': 'expired'}
            return self.v1(params, data)
        return 404, {'message': 'no route'}

    def authorised(self, token, api_key_ok):
        if token.startswith('nss_'):
            return api_key_ok
        expiry = self.tokens.get(token)
        return self.accept_tokens and expiry is not None and expiry > self.clock() and token not in self.revoked

    def token(self, form):
        grant = form.get('grant_type')
        if grant == 'password' and self.grant_error:
            return self.grant_error
        if grant == 'refresh_token' and (not self.refresh_works or form.get('refresh_token') not in self.refresh_tokens):
            return 400, {'error': 'invalid_grant', 'error_description': 'bad refresh token'}
        self.serial += 1
        access, refresh = 'at%d' % self.serial, 'rt%d' % self.serial
        self.tokens[access] = self.clock() + self.token_lifetime
        self.refresh_tokens.add(refresh)
        answer = {'access_token': access, 'refresh_token': refresh, 'expires_in': self.token_lifetime, 'token_type': 'Bearer'}
        if self.token_answer_without_access_token:
            del answer['access_token']
        return 200, answer

    def page(self, kind, records, params):
        if kind in self.unpaged:
            return records
        start = int(params.get('start', 0))
        limit = int(params.get('limit', 100))
        if self.page_cap:
            limit = min(limit, self.page_cap)
        if kind in self.ignore_start:
            start = 0
        if self.one_based:
            start = max(start - 1, 0)
        page = records[start:start + limit]
        if self.sparse:
            page = [dict((k, None if v == '' else v) for k, v in r.items() if v != '' or place % 2) for place, r in enumerate(page)]
        return page

    def v2(self, path, params):
        parts = path[len('/ns-api/v2/'):].split('/')
        count = parts[-1] == 'count'
        if count:
            parts = parts[:-1]
        if parts == ['resellers']:
            kind, records = 'reseller', self.resellers
        elif parts == ['domains']:
            kind, records = 'domain', self.domains
        elif parts == ['connections']:
            kind, records = 'connection', self.connections
        elif len(parts) == 3 and parts[0] == 'domains' and parts[2] == 'users':
            if not any(d['domain'] == parts[1] for d in self.domains):
                return 404, {'message': 'domain %s not found' % parts[1]}
            kind, records = 'user', [u for u in self.users if u.get('domain') == parts[1]]
        else:
            return 404, {'message': 'no route'}
        if count:
            return 200, {'total': len(records)}
        return 200, self.page(kind, records, params)

    def v1(self, params, form):
        obj = params.get('object')
        if obj == 'reseller':
            records = [{'territory': r['reseller'], 'description': r.get('description', '')} for r in self.resellers]
        elif obj == 'domain':
            records = [{'domain': d['domain'], 'territory': d['reseller'], 'description': d.get('description', '')}
                       for d in self.domains]
        elif obj == 'subscriber':
            records = [{'user': u['user'], 'domain': u['domain'], 'first_name': u.get('name-first-name', ''),
                        'last_name': u.get('name-last-name', ''), 'srv_code': u.get('service-code', '')}
                       for u in self.users if u['domain'] == form['domain']]
        elif obj == 'connection':
            records = [{'aor': c['connection-orig-match-pattern'], 'domain': c['domain'], 'address': c['connection-address']}
                       for c in self.connections]
        else:
            return 400, {'message': 'bad object'}
        if params.get('action') == 'count':
            return 200, {'total': len(records)}
        return 200, self.page(obj, records, form)

    # -- helpers for assertions --------------------------------------------------------------
    def list_calls(self, path):
        return [c for c in self.calls if c[1] == path]


def make_domains(n, reseller='R1'):
    return [{'domain': 'd%02d.example' % i, 'reseller': reseller, 'description': 'domain %d' % i} for i in range(n)]


def make_client(fake, **kwargs):
    args = dict(OAUTH)
    args.update(kwargs)
    args.setdefault('api_version', 'v2')
    return NetSapiensClient('pbx.example.com', http=fake, clock=fake.clock, **args)


def domain_names(records):
    return [r['name'] for r in records]


# -- paging --------------------------------------------------------------------------------------
def test_pages_advance_by_records_received_until_an_empty_page():
    fake = FakeNetSapiens(domains=make_domains(7))
    records = make_client(fake, page_size=3).domains()
    assert domain_names(records) == ['d%02d.example' % i for i in range(7)]
    assert [c[2] for c in fake.list_calls('/ns-api/v2/domains')] == [
        {'start': 0, 'limit': 3}, {'start': 3, 'limit': 3}, {'start': 6, 'limit': 3}, {'start': 7, 'limit': 3}]


def test_server_cap_lower_than_limit_loses_nothing():
    fake = FakeNetSapiens(domains=make_domains(7))
    fake.page_cap = 2
    records = make_client(fake, page_size=5).domains()
    assert domain_names(records) == ['d%02d.example' % i for i in range(7)]
    assert [c[2]['start'] for c in fake.list_calls('/ns-api/v2/domains')] == [0, 2, 4, 6, 7]


def test_empty_first_page_is_an_empty_list():
    fake = FakeNetSapiens()
    assert make_client(fake).domains() == []
    assert len(fake.list_calls('/ns-api/v2/domains')) == 1


def test_204_and_blank_body_are_empty_pages():
    fake = FakeNetSapiens()
    fake.list_override['/ns-api/v2/resellers'] = (204, '')
    assert make_client(fake).resellers() == []


def test_route_ignoring_start_is_a_clear_error_not_a_loop():
    fake = FakeNetSapiens(domains=make_domains(12))
    fake.ignore_start.add('domain')
    with pytest.raises(NetSapiensError) as info:
        make_client(fake, page_size=5).domains()
    assert info.value.message == ('GET /ns-api/v2/domains returned the same records again for start=5 (server ignores start): '
                                  'refusing to loop or return duplicates after 5 records of 12')
    assert len(fake.list_calls('/ns-api/v2/domains')) == 2
    assert len(fake.list_calls('/ns-api/v2/domains/count')) == 1


def test_route_ignoring_start_and_limit_with_everything_in_one_page_is_read_once():
    connections = [{'connection-orig-match-pattern': 'sip*@10.0.0.%d' % i, 'domain': 'd%d.example' % i,
                    'connection-address': '10.0.0.%d' % i} for i in range(4)]
    fake = FakeNetSapiens(connections=connections)
    fake.unpaged.add('connection')
    records = make_client(fake, page_size=2).connections()
    assert records == [{'name': 'sip*@10.0.0.%d' % i, 'domain': 'd%d.example' % i, 'address': '10.0.0.%d' % i} for i in range(4)]
    assert len(fake.list_calls('/ns-api/v2/connections/count')) == 1


def test_overlapping_pages_from_a_one_based_start_are_not_doubled():
    fake = FakeNetSapiens(domains=make_domains(10))
    fake.one_based = True
    records = make_client(fake, page_size=4).domains()
    assert domain_names(records) == ['d%02d.example' % i for i in range(10)]


def test_a_record_sent_once_without_an_empty_field_and_once_with_it_null_is_not_doubled():
    # A server may leave a field without a value out or send it null (api-contract.md), and need not do it the same
    # way each time: overlapping pages (a 1-based start) show a record once each way, and it is still one record.
    fake = FakeNetSapiens(domains=[{'domain': 'd%02d.example' % i, 'reseller': 'R', 'description': ''} for i in range(10)])
    fake.one_based = True
    fake.sparse = True
    records = make_client(fake, page_size=4).domains()
    assert domain_names(records) == ['d%02d.example' % i for i in range(10)]
    assert all(r['description'] == '' for r in records)


def test_unpaged_resellers_are_read_when_the_server_pages_them():
    fake = FakeNetSapiens(resellers=[{'reseller': 'R%d' % i, 'description': ''} for i in range(5)])
    fake.page_cap = 2
    assert domain_names(make_client(fake, page_size=1000).resellers()) == ['R0', 'R1', 'R2', 'R3', 'R4']


def test_page_size_must_be_within_the_api_maximum():
    for bad in (0, 1001):
        with pytest.raises(NetSapiensError) as info:
            make_client(FakeNetSapiens(), page_size=bad)
        assert info.value.message == 'page_size must be between 1 and 1000, not %d' % bad


def test_list_answer_that_is_not_a_list_is_an_error():
    fake = FakeNetSapiens()
    fake.list_override['/ns-api/v2/domains'] = (200, {'message': 'maintenance'})
    with pytest.raises(NetSapiensError) as info:
        make_client(fake).domains()
    assert info.value.message == ('GET /ns-api/v2/domains answered with dict where a list of domain records was expected: '
                                  '{"message": "maintenance"}')


def test_non_json_answer_names_status_and_first_bytes():
    fake = FakeNetSapiens()
    fake.list_override['/ns-api/v2/domains'] = (200, '<?xml version="1.0"?><xml></xml>')
    with pytest.raises(HttpError) as info:
        make_client(fake).domains()
    assert info.value.message == ('GET /ns-api/v2/domains answered HTTP 200 with a body that is not JSON: '
                                  '\'<?xml version="1.0"?><xml></xml>\'')


# -- normalisation -------------------------------------------------------------------------------
V2_USERS = [
    {'user': '101', 'domain': 'a.example', 'name-first-name': 'Ben', 'name-last-name': 'Ng', 'service-code': '',
     'login-username': '101@a.example'},
    {'user': 100, 'domain': 'a.example', 'name-first-name': 'Ann', 'name-last-name': None, 'service-code': 'system-vmail'},
    {'user': '7', 'domain': 'b.example'},
]
EXPECTED_USERS = [
    {'user': '100', 'domain': 'a.example', 'first_name': 'Ann', 'last_name': '', 'service_code': 'system-vmail'},
    {'user': '101', 'domain': 'a.example', 'first_name': 'Ben', 'last_name': 'Ng', 'service_code': ''},
    {'user': '7', 'domain': 'b.example', 'first_name': '', 'last_name': '', 'service_code': ''},
]
DOMAINS_AB = [{'domain': 'b.example', 'reseller': 'R2'}, {'domain': 'a.example', 'reseller': 'R1', 'description': 'A'}]


@pytest.mark.parametrize('version', ['v2', 'v1'])
def test_same_shapes_from_both_versions(version):
    fake = FakeNetSapiens(resellers=[{'reseller': 'R2', 'description': 'two'}, {'reseller': 'R1'}], domains=DOMAINS_AB,
                          users=V2_USERS, connections=[{'connection-orig-match-pattern': 'sip*@198.51.100.7', 'domain': 'a.example',
                                                        'connection-address': '198.51.100.7'}])
    client = make_client(fake, api_version=version)
    assert client.resellers() == [{'name': 'R1', 'description': ''}, {'name': 'R2', 'description': 'two'}]
    assert client.domains() == [{'name': 'a.example', 'reseller': 'R1', 'description': 'A'},
                                {'name': 'b.example', 'reseller': 'R2', 'description': ''}]
    assert client.domains(reseller='R2') == [{'name': 'b.example', 'reseller': 'R2', 'description': ''}]
    assert client.users() == EXPECTED_USERS
    assert client.connections() == [{'name': 'sip*@198.51.100.7', 'domain': 'a.example', 'address': '198.51.100.7'}]
    assert client.api_version == version


def test_v1_reads_post_with_format_json_in_the_query_and_paging_in_the_form():
    fake = FakeNetSapiens(domains=DOMAINS_AB, users=V2_USERS)
    make_client(fake, api_version='v1', page_size=50).domain_users('a.example')
    assert fake.calls[-2:] == [
        ('POST', '/ns-api/', {'format': 'json', 'object': 'subscriber', 'action': 'read'},
         {'start': 0, 'limit': 50, 'domain': 'a.example'}),
        ('POST', '/ns-api/', {'format': 'json', 'object': 'subscriber', 'action': 'read'},
         {'start': 2, 'limit': 50, 'domain': 'a.example'}),
    ]


def test_user_record_without_domain_takes_the_domain_it_was_read_from():
    fake = FakeNetSapiens(domains=DOMAINS_AB)
    fake.list_override['/ns-api/v2/domains/a.example/users'] = (200, [{'user': '5'}])
    fake.list_override['/ns-api/v2/domains/b.example/users'] = (200, [])
    # the override answers every start the same, so the count decides that one page was all
    fake.users = [{'user': '5', 'domain': 'a.example'}]
    assert make_client(fake).users() == [{'user': '5', 'domain': 'a.example', 'first_name': '', 'last_name': '',
                                          'service_code': ''}]


def test_record_missing_its_key_field_is_kept_with_a_problem_naming_it_and_secrets_are_masked():
    fake = FakeNetSapiens(domains=[{'domain': 'a.example', 'reseller': 'R1'},
                                   {'name': 'oops', 'reseller': 'R1', 'admin-password': 'hunter2'}])
    assert make_client(fake).domains() == [
        {'name': '', 'reseller': 'R1', 'description': '', 'position': 2,
         'problem': ("domain record #2 from GET /ns-api/v2/domains: no 'domain' field "
                     '(record: {"admin-password": "********", "name": "oops", "reseller": "R1"}); fix the record in NetSapiens')},
        {'name': 'a.example', 'reseller': 'R1', 'description': ''},
    ]


def test_v1_record_missing_its_key_field_names_the_v1_field():
    fake = FakeNetSapiens(resellers=[{'reseller': None}])
    assert make_client(fake, api_version='v1').resellers() == [
        {'name': '', 'description': '', 'position': 1,
         'problem': ("reseller record #1 from POST /ns-api/ object=reseller: no 'territory' field "
                     '(record: {"description": "", "territory": null}); fix the record in NetSapiens')}]


# -- versions ------------------------------------------------------------------------------------
def test_auto_uses_v2_when_present_and_probes_once():
    fake = FakeNetSapiens(domains=make_domains(2))
    client = make_client(fake, api_version='auto')
    client.domains()
    client.resellers()
    assert client.api_version == 'v2'
    assert len(fake.list_calls('/ns-api/v2/domains/count')) == 1


def test_threads_asking_for_the_version_at_once_wait_for_one_probe():
    """The sync's readers and the event subscription's health read ask at once: one probe, not one each."""
    import threading
    import time as time_module
    fake = FakeNetSapiens(domains=make_domains(2))
    answer = fake.request

    def slow_probe(method, path, *args, **kwargs):
        if path.endswith('/domains/count'):
            time_module.sleep(0.2)   # a probe long enough for every thread to ask meanwhile
        return answer(method, path, *args, **kwargs)
    fake.request = slow_probe
    client = make_client(fake, api_version='auto')
    versions = []
    threads = [threading.Thread(target=lambda: versions.append(client.api_version)) for _thread_number in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    assert versions == ['v2'] * 4
    assert len(fake.list_calls('/ns-api/v2/domains/count')) == 1


def test_auto_falls_back_to_v1_on_a_404_v2_base():
    fake = FakeNetSapiens(domains=make_domains(3))
    fake.v2_enabled = False
    client = make_client(fake, api_version='auto')
    assert domain_names(client.domains()) == ['d00.example', 'd01.example', 'd02.example']
    assert client.api_version == 'v1'
    # an old core has no v2 token endpoint either: the legacy one gives the token, the probe alone decides v1
    assert [c[1] for c in fake.calls[:4]] == [V2_TOKENS, LEGACY_TOKEN, '/ns-api/v2/domains/count', '/ns-api/']
    assert len([c for c in fake.calls if c[1].startswith('/ns-api/v2')]) == 2


def test_api_key_means_v2_without_a_token_or_probe():
    fake = FakeNetSapiens(domains=make_domains(1))
    client = NetSapiensClient('pbx.example.com', api_key='nss_key', http=fake)
    assert domain_names(client.domains()) == ['d00.example']
    assert [c[1] for c in fake.calls] == ['/ns-api/v2/domains', '/ns-api/v2/domains']


def test_api_key_refused_is_named():
    fake = FakeNetSapiens()
    client = NetSapiensClient('pbx.example.com', api_key='bad_key', http=fake)
    with pytest.raises(NetSapiensError) as info:
        client.domains()
    assert info.value.message == ('NetSapiens rejected the API key (HTTP 401 on GET /ns-api/v2/domains): check api_key and '
                                  'its scope; API keys work only with API v2')
    assert 'bad_key' not in info.value.message


@pytest.mark.parametrize('kwargs, message', [
    (dict(api_key='nss_k', api_version='v1'),
     'API keys only work with the NetSapiens API v2: use api_version auto or v2, or the OAuth options for a v1-only core'),
    (dict(api_key='nss_k', client_id='c'),
     'give either api_key or the OAuth options (client_id, client_secret, username, password), not both; also set: client_id'),
    (dict(client_id='c', username='u'),
     'NetSapiens credentials are incomplete: give api_key, or all of client_id, client_secret, username and password '
     '(missing: client_secret, password)'),
    (dict(api_version='v3', api_key='nss_k'), "api_version must be auto, v2 or v1, not 'v3'"),
])
def test_credential_rules(kwargs, message):
    with pytest.raises(NetSapiensError) as info:
        NetSapiensClient('pbx.example.com', http=FakeNetSapiens(), **kwargs)
    assert info.value.message == message


@pytest.mark.parametrize('host, url', [
    ('pbx.example.com', 'https://pbx.example.com'),
    (' pbx.example.com/ ', 'https://pbx.example.com'),
    ('http://127.0.0.1:8081', 'http://127.0.0.1:8081'),
    ('https://pbx.example.com/ns-api/v2/', 'https://pbx.example.com'),
    ('https://pbx.example.com:8443/ns-api', 'https://pbx.example.com:8443'),
])
def test_host_forms(host, url):
    assert normalize_base_url(host) == url


# -- tokens --------------------------------------------------------------------------------------
def grants(fake):
    return [c[3]['grant_type'] for c in fake.calls if c[1] in TOKEN_PATHS]


def test_token_is_reused_then_refreshed_just_before_expiry():
    fake = FakeNetSapiens(domains=make_domains(1))
    fake.token_lifetime = 100
    client = make_client(fake)
    client.domains()
    fake.clock.now += 89          # margin is a tenth of the lifetime: renew from 90 s on
    client.domains()
    assert grants(fake) == ['password']
    fake.clock.now += 1
    client.domains()
    assert grants(fake) == ['password', 'refresh_token']
    refresh_call = [c for c in fake.calls if c[1] in TOKEN_PATHS][1]
    assert refresh_call[3] == {'grant_type': 'refresh_token', 'client_id': 'cid', 'client_secret': 'csecret-value',
                               'refresh_token': 'rt1'}


def test_long_tokens_renew_sixty_seconds_early():
    fake = FakeNetSapiens(domains=make_domains(1))
    client = make_client(fake)
    client.domains()
    fake.clock.now += 3539
    client.domains()
    fake.clock.now += 1
    client.domains()
    assert grants(fake) == ['password', 'refresh_token']


def test_a_401_renews_once_and_repeats_the_call():
    fake = FakeNetSapiens(domains=make_domains(2))
    client = make_client(fake)
    client.domains()
    fake.revoked.add('at1')
    assert domain_names(client.domains()) == ['d00.example', 'd01.example']
    assert grants(fake) == ['password', 'refresh_token']


def test_failed_refresh_falls_back_to_the_password_grant():
    fake = FakeNetSapiens(domains=make_domains(1))
    client = make_client(fake)
    client.domains()
    fake.revoked.add('at1')
    fake.refresh_works = False
    assert domain_names(client.domains()) == ['d00.example']
    assert grants(fake) == ['password', 'refresh_token', 'password']


def test_a_fresh_token_refused_again_is_an_error():
    fake = FakeNetSapiens(domains=make_domains(1))
    fake.accept_tokens = False
    client = make_client(fake)
    with pytest.raises(NetSapiensError) as info:
        client.domains()
    assert info.value.message == ('NetSapiens refused a fresh access token (HTTP 401 on GET /ns-api/v2/domains): the user '
                                  'api@d.example may lack the scope to read this')
    assert grants(fake) == ['password', 'refresh_token']


def test_token_answer_without_access_token_is_an_error():
    fake = FakeNetSapiens()
    fake.token_answer_without_access_token = True
    with pytest.raises(NetSapiensError) as info:
        make_client(fake).domains()
    assert info.value.message == ('NetSapiens answered POST /ns-api/v2/tokens with HTTP 200 but no access_token '
                                  '(fields: expires_in, refresh_token, token_type)')


@pytest.mark.parametrize('status, body, message', [
    (401, {'error': 'invalid_client', 'error_description': 'The client credentials are invalid'},
     'NetSapiens rejected the OAuth client (HTTP 401 invalid_client (The client credentials are invalid)): '
     'check client_id and client_secret'),
    (400, {'error': 'invalid_grant', 'error_description': 'Invalid username and password combination'},
     'NetSapiens rejected the user credentials (HTTP 400 invalid_grant (Invalid username and password combination)): '
     'check username and password'),
    (403, '<html>Forbidden</html>',
     'NetSapiens refused the password grant at POST /ns-api/v2/tokens with HTTP 403: check client_id, client_secret, '
     'username and password'),
])
def test_grant_errors_say_which_credential(status, body, message):
    fake = FakeNetSapiens()
    fake.grant_error = (status, body)
    with pytest.raises(NetSapiensError) as info:
        make_client(fake).domains()
    assert info.value.message == message
    assert info.value.status == status
    for secret in ('csecret-value', 'pw-value'):
        assert secret not in info.value.message


# -- token endpoints ---------------------------------------------------------------------------
def token_calls(fake):
    """(path, encoding, body) of every token request, in order."""
    return [(c[1], enc, c[3]) for c, enc in zip(fake.calls, fake.encodings) if c[1] in TOKEN_PATHS]


PASSWORD_GRANT = {'grant_type': 'password', 'client_id': 'cid', 'client_secret': 'csecret-value', 'username': 'api@d.example',
                  'password': 'pw-value'}


def test_the_v2_token_endpoint_is_tried_first_with_a_json_body_and_kept_for_refreshes():
    fake = FakeNetSapiens(domains=make_domains(1))
    fake.token_lifetime = 100
    client = make_client(fake, api_version='auto')
    client.domains()
    fake.clock.now += 95
    client.domains()
    assert token_calls(fake) == [
        (V2_TOKENS, 'json', PASSWORD_GRANT),
        (V2_TOKENS, 'json', {'grant_type': 'refresh_token', 'client_id': 'cid', 'client_secret': 'csecret-value',
                             'refresh_token': 'rt1'})]
    assert client.token_endpoint == 'v2'
    assert client.api_version == 'v2'


def test_a_core_without_the_v2_token_endpoint_falls_back_to_the_form_encoded_one_once():
    fake = FakeNetSapiens(domains=make_domains(1))
    fake.token_endpoints = ('legacy',)
    fake.token_lifetime = 100
    client = make_client(fake, api_version='auto')
    assert domain_names(client.domains()) == ['d00.example']
    fake.clock.now += 95
    client.domains()
    fake.revoked.add('at2')
    client.domains()
    assert token_calls(fake) == [
        (V2_TOKENS, 'json', PASSWORD_GRANT),
        (LEGACY_TOKEN, 'form', PASSWORD_GRANT),
        (LEGACY_TOKEN, 'form', {'grant_type': 'refresh_token', 'client_id': 'cid', 'client_secret': 'csecret-value',
                                'refresh_token': 'rt1'}),
        (LEGACY_TOKEN, 'form', {'grant_type': 'refresh_token', 'client_id': 'cid', 'client_secret': 'csecret-value',
                                'refresh_token': 'rt2'})]
    assert client.token_endpoint == 'legacy'
    # the v2 API is there even though its token endpoint is not: only the probe decides the version
    assert client.api_version == 'v2'


def test_a_core_with_only_the_v2_token_endpoint_never_sees_the_legacy_one():
    fake = FakeNetSapiens(domains=make_domains(2))
    fake.token_endpoints = ('v2',)
    client = make_client(fake, api_version='auto')
    assert domain_names(client.domains()) == ['d00.example', 'd01.example']
    assert [c[0] for c in token_calls(fake)] == [V2_TOKENS]


def test_a_rejected_v2_grant_is_not_retried_at_the_legacy_endpoint():
    fake = FakeNetSapiens()
    fake.grant_error = (401, {'code': 401, 'message': 'Invalid client credentials'})
    client = make_client(fake)
    with pytest.raises(NetSapiensTokenError) as info:
        client.domains()
    assert info.value.message == ('NetSapiens refused the password grant at POST /ns-api/v2/tokens with HTTP 401 (Invalid client '
                                  'credentials): check client_id, client_secret, username and password')
    assert [c[0] for c in token_calls(fake)] == [V2_TOKENS]
    assert client.token_endpoint == 'v2'


@pytest.mark.parametrize('forced, path, encoding', [('legacy', LEGACY_TOKEN, 'form'), ('v2', V2_TOKENS, 'json')])
def test_a_forced_token_endpoint_is_the_only_one_asked(forced, path, encoding):
    fake = FakeNetSapiens(domains=make_domains(1))
    client = make_client(fake, token_endpoint=forced)
    client.domains()
    assert token_calls(fake) == [(path, encoding, PASSWORD_GRANT)]


def test_a_forced_endpoint_that_answers_404_is_a_token_error_without_fallback():
    fake = FakeNetSapiens(domains=make_domains(1))
    fake.token_endpoints = ('legacy',)
    client = make_client(fake, token_endpoint='v2', api_version='auto')
    with pytest.raises(NetSapiensTokenError) as info:
        client.domains()
    assert info.value.message == ('NetSapiens answered the password grant at POST /ns-api/v2/tokens with HTTP 404 (Not Found): '
                                  'this core may not have that token endpoint (set token_endpoint to auto), or it does not '
                                  'know the user (check username)')
    assert info.value.status == 404
    assert [c[1] for c in fake.calls] == [V2_TOKENS]


def test_no_token_endpoint_at_all_is_a_token_error_and_never_taken_for_an_api_v1_core():
    fake = FakeNetSapiens(domains=make_domains(1))
    fake.token_endpoints = ()
    client = make_client(fake, api_version='auto')
    with pytest.raises(NetSapiensTokenError) as info:
        client.api_version
    assert info.value.message == (
        'NetSapiens has no token endpoint here: POST /ns-api/v2/tokens answered HTTP 404 (Not Found) and '
        'POST /ns-api/oauth2/token/ answered HTTP 404 (Not Found). Check host (the server root, such as '
        'https://pbx.example.com) and username; a core behind a proxy that blocks one of these paths needs token_endpoint '
        'set to the other (v2 or legacy)')
    assert info.value.status == 404
    assert not isinstance(info.value, HttpError)
    # the version probe was never sent, and nothing was decided
    assert [c[1] for c in fake.calls] == [V2_TOKENS, LEGACY_TOKEN]
    assert client._version is None
    assert client.token_endpoint is None


def test_a_token_endpoint_answering_404_during_the_probe_is_not_taken_for_v1():
    # The probe's own call is refused (401), the renewal finds no token endpoint: a token failure, not 'v1'.
    fake = FakeNetSapiens(domains=make_domains(1))
    client = make_client(fake, api_version='auto')
    client._bearer()
    fake.revoked.add('at1')
    fake.token_endpoints = ()
    client._token_endpoint = None   # as a fresh run that had not learnt it yet
    with pytest.raises(NetSapiensTokenError):
        client.api_version
    assert client._version is None


def test_an_unreachable_token_endpoint_is_a_token_error_naming_the_call():
    class Unreachable(object):
        def request(self, method, path, **kwargs):
            raise TransportError('POST http://127.0.0.1:9/%s failed: cannot connect to the server' % path.lstrip('/'),
                                 method=method, url=path)

        def close(self):
            pass

    client = NetSapiensClient('pbx.example.com', http=Unreachable(), api_version='auto', **OAUTH)
    with pytest.raises(NetSapiensTokenError) as info:
        client.api_version
    assert info.value.message == ('getting a NetSapiens access token failed: POST http://127.0.0.1:9/ns-api/v2/tokens failed: '
                                  'cannot connect to the server')


def test_a_token_failure_while_counting_is_reported_not_swallowed():
    # A route ignoring start makes the client ask for the count; the count's token renewal fails.
    fake = FakeNetSapiens(domains=make_domains(12))
    fake.ignore_start.add('domain')
    fake.refuse_counts = True
    fake.refresh_works = False
    client = make_client(fake, page_size=5)
    client._bearer()
    fake.grant_error = (403, {'code': 403, 'message': 'Forbidden'})
    with pytest.raises(NetSapiensTokenError) as info:
        client.domains()
    assert info.value.message.startswith('NetSapiens refused the password grant at POST /ns-api/v2/tokens with HTTP 403')


def test_token_endpoint_must_be_known():
    with pytest.raises(NetSapiensError) as info:
        make_client(FakeNetSapiens(), token_endpoint='oauth')
    assert info.value.message == "token_endpoint must be auto, v2, legacy, not 'oauth'"


# -- users across domains ------------------------------------------------------------------------
def test_users_of_many_domains_are_complete_and_sorted():
    domains = make_domains(23)
    users = [{'user': str(200 - i), 'domain': d['domain']} for n, d in enumerate(domains) for i in range(n % 4, 5)]
    fake = FakeNetSapiens(domains=list(reversed(domains)), users=list(reversed(users)))
    fake.page_cap = 2
    records = make_client(fake, max_workers=6, page_size=3).users()
    expected = sorted(((u['domain'], u['user']) for u in users))
    assert [(r['domain'], r['user']) for r in records] == expected
    assert len(records) == len(users)


def test_users_of_named_domains_only_and_empty_list():
    fake = FakeNetSapiens(domains=DOMAINS_AB, users=V2_USERS)
    client = make_client(fake)
    assert client.users(domains=['b.example']) == EXPECTED_USERS[2:]
    assert client.users(domains=[]) == []
    assert fake.list_calls('/ns-api/v2/domains') == []


def test_an_error_in_one_domain_names_that_domain():
    fake = FakeNetSapiens(domains=DOMAINS_AB, users=V2_USERS)
    with pytest.raises(HttpError) as info:
        make_client(fake).users(domains=['a.example', 'zz.example'])
    assert info.value.status == 404
    assert info.value.message == 'reading the users of domain zz.example: GET /ns-api/v2/domains/zz.example/users answered HTTP 404'


def test_domain_names_are_escaped_in_paths():
    fake = FakeNetSapiens(domains=[{'domain': 'odd%2Fname', 'reseller': 'R'}])
    assert make_client(fake).domain_users('odd/name') == []
    assert fake.calls[-1][1] == '/ns-api/v2/domains/odd%2Fname/users'


def test_the_client_returns_the_malformed_user_among_the_others():
    fake = FakeNetSapiens(domains=[{'domain': 'a.example', 'reseller': 'R1'}],
                          users=[{'user': '100', 'domain': 'a.example'}, {'user': '', 'domain': 'a.example'},
                                 {'domain': 'a.example'}, {'user': '101', 'domain': 'a.example'}])
    users = make_client(fake).users()
    assert [(u['user'], u.get('position')) for u in users] == [('', 2), ('', 3), ('100', None), ('101', None)]
    assert "user record #2 of domain a.example from GET /ns-api/v2/domains/a.example/users: an empty 'user' field" \
        in users[0]['problem']


def test_a_malformed_domain_is_not_asked_for_its_users():
    fake = FakeNetSapiens(domains=[{'domain': 'a.example', 'reseller': 'R1'}, {'reseller': 'R1'},
                                   {'domain': 'b.example', 'reseller': {'x': 1}}],
                          users=[{'user': '100', 'domain': 'a.example'}, {'user': '200', 'domain': 'b.example'}])
    assert [u['user'] for u in make_client(fake).users()] == ['100']
    assert sorted(set(c[1] for c in fake.calls if '/users' in c[1])) == ['/ns-api/v2/domains/a.example/users']
