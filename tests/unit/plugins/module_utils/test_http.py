# -*- coding: utf-8 -*-
# Copyright: (c) 2026, clearip.netsapiens contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The shared HTTP layer against a loopback stub server: retries, backoff, Retry-After, unknown outcomes, errors."""

from __future__ import absolute_import, division, print_function

import datetime
import email.utils
import os
import socket
import ssl
import subprocess
import sys
import threading
import time

import pytest

from ansible_collections.clearip.netsapiens.plugins.module_utils import _http as http_mod
from ansible_collections.clearip.netsapiens.plugins.module_utils._concurrency import AdaptiveLimit
from ansible_collections.clearip.netsapiens.plugins.module_utils._http import (
    HttpError,
    HttpResponse,
    HttpSession,
    OutcomeUnknown,
    Refused,
    TransportError,
    parse_retry_after,
)
from ansible_collections.clearip.netsapiens.plugins.module_utils._urls import strip_userinfo
from tests.simulators.base import ApiError, Fault, Response, SimServer


class StubServer(SimServer):
    """Answers ``/echo`` with what it received and ``/script`` with a queue of scripted answers."""

    name = 'http-stub'

    def __init__(self):
        super(StubServer, self).__init__()
        self.script = []
        self.seen = []
        for method in ('GET', 'POST', 'PUT', 'DELETE'):
            self.route(method, '/echo', self.echo)
            self.route(method, '/script', self.scripted, write=(method != 'GET'))

    def echo(self, request):
        self.seen.append(request)
        return {'method': request.method, 'query': request.query, 'user_agent': request.headers.get('User-Agent'),
                'body': request.raw_body.decode('utf-8')}

    def scripted(self, request):
        self.seen.append(request)
        status, body, headers = self.script.pop(0)
        if isinstance(body, Response):
            return body
        if status >= 400 or headers:
            raise ApiError(status, body, headers)
        return status, body

    def add_fault(self, **kwargs):
        self.faults.append(Fault(**kwargs))


@pytest.fixture(scope='module')
def running_stub():
    # One server for the module: stopping a SimServer waits for its half-second poll.
    with StubServer() as stub:
        yield stub


@pytest.fixture
def server(running_stub):
    # A request of the test before (a slow answer the client gave up on) may still be answered: its faults would
    # count in this test's faults_fired. Wait, bounded, until none is in flight.
    deadline = time.monotonic() + 15
    while running_stub.in_flight and time.monotonic() < deadline:
        time.sleep(0.02)
    assert running_stub.in_flight == 0, 'a request of the test before is still being answered after 15 s'
    with running_stub.lock:
        running_stub.script = []
        running_stub.seen = []
        running_stub.faults = []
        running_stub.requests.clear()
        running_stub.writes.clear()
        running_stub.faults_fired.clear()
    return running_stub


class Sleeps(object):
    def __init__(self):
        self.calls = []

    def __call__(self, seconds):
        self.calls.append(round(seconds, 6))


def session(url, **kwargs):
    sleeps = Sleeps()
    kwargs.setdefault('sleep', sleeps)
    kwargs.setdefault('timeout', 5)
    http = HttpSession(url, **kwargs)
    http.random = lambda: 0.5
    return http, sleeps


def test_get_returns_response_and_sends_user_agent_and_params(server):
    http, sleeps = session(server.url + '/')
    resp = http.request('GET', 'echo', params={'start': 0, 'where[name]': 'a b'})
    assert resp.status == 200
    assert resp.json() == {'method': 'GET', 'query': {'start': '0', 'where[name]': 'a b'},
                           'user_agent': 'clearip.netsapiens/%s' % http_mod.COLLECTION_VERSION, 'body': ''}
    assert resp.url == server.url + '/echo?start=0&where%5Bname%5D=a+b'
    assert sleeps.calls == []


def test_absolute_url_bypasses_base(server):
    http, _sleeps = session('http://127.0.0.1:9/unused')
    resp = http.request('POST', server.url + '/echo', json={'a': 1})
    assert resp.json()['body'] == '{"a": 1}'


def test_get_retries_503_with_full_jitter_backoff(server):
    server.script = [(503, {'message': 'busy'}, {}), (503, {'message': 'busy'}, {}), (200, {'ok': True}, {})]
    http, sleeps = session(server.url, backoff=0.5)
    assert http.request('GET', '/script').json() == {'ok': True}
    # ceilings 0.5 * 2**n, times the injected random 0.5
    assert sleeps.calls == [0.25, 0.5]
    assert server.requests == {'GET /script': 3}
    assert http.stats == {'requests': 3, 'retries': 2}


def test_backoff_ceiling_is_capped_by_max_backoff():
    http, _sleeps = session('http://127.0.0.1:9', backoff=1.0, max_backoff=4.0)
    http.random = lambda: 1.0
    assert [http.backoff_delay(n) for n in range(5)] == [1.0, 2.0, 4.0, 4.0, 4.0]
    assert http.backoff_delay(0, retry_after=100) == 4.0
    assert http.backoff_delay(3, retry_after=2) == 2


def test_get_gives_up_after_retries_with_status(server):
    server.add_fault(kind='server_error', path='/script', times=-1, status=502)
    http, sleeps = session(server.url, retries=2)
    with pytest.raises(HttpError) as info:
        http.request('GET', '/script')
    assert not isinstance(info.value, (OutcomeUnknown, TransportError))   # a plain HttpError
    assert info.value.status == 502
    assert info.value.message == 'GET %s/script answered HTTP 502 after 3 attempts: {"message": "simulated server error"}' % server.url
    assert len(sleeps.calls) == 2
    assert server.requests == {'GET /script': 3}


def test_post_is_retried_on_429_honouring_retry_after_seconds(server):
    server.add_fault(kind='rate_limit', path='/script', times=2, retry_after=3)
    server.script = [(201, {'created': 1}, {})]
    http, sleeps = session(server.url)
    resp = http.request('POST', '/script', json={'x': 1})
    assert resp.status == 201
    assert sleeps.calls == [3.0, 3.0]
    assert server.writes == {'POST /script': 1}


def test_a_429_shrinks_the_session_limit_and_its_retry_after_holds_back_every_other_request(server):
    server.add_fault(kind='rate_limit', path='/echo', times=1, retry_after=2)
    http, sleeps = session(server.url, limit=AdaptiveLimit(16, initial=8))
    http.request('GET', '/echo')
    assert sleeps.calls == [2.0]                      # the request that got it waits it out, then is retried
    assert http.limit.limit == 4 and http.limit.snapshot()['pauses'] == 1
    # Another request (another worker) while the pause is on waits for what is left of it, then goes.
    http.request('GET', '/echo')
    assert len(sleeps.calls) == 2 and 1.0 < sleeps.calls[1] <= 2.0
    assert server.requests == {'GET /echo': 3}


def test_a_token_request_is_not_held_back_by_a_full_limit(server):
    """A login or a token grant runs under the client's token lock, which a request holding the last slot may be
    waiting for: it is sent without a slot (limited=False), so neither waits for the other."""
    http, sleeps = session(server.url, limit=AdaptiveLimit(1, initial=1))
    held = http.limit.acquire()           # another worker's request holds the only slot
    done = []
    worker = threading.Thread(target=lambda: done.append(http.request('POST', '/echo', json={}, limited=False).status))
    worker.start()
    worker.join(5)
    assert done == [200]
    http.limit.release(held, 'success')


def test_the_sessions_ceiling_is_max_in_flight():
    assert HttpSession('http://127.0.0.1:9', max_in_flight=6).limit.ceiling == 6
    assert HttpSession('http://127.0.0.1:9').limit.ceiling == 16
    assert HttpSession('http://127.0.0.1:9').limit.limit == 4


def test_retry_after_is_capped_by_max_backoff(server):
    server.add_fault(kind='rate_limit', path='/script', times=1, retry_after=3600)
    server.script = [(200, {}, {})]
    http, sleeps = session(server.url, max_backoff=7.5)
    http.request('GET', '/script')
    assert sleeps.calls == [7.5]


def test_parse_retry_after_forms():
    now = 1767225600.0
    date = email.utils.formatdate(now + 42, usegmt=True)
    assert parse_retry_after(date, now=now) == 42.0
    assert parse_retry_after('5') == 5.0
    assert parse_retry_after('0.5') == 0.5
    assert parse_retry_after('-3') == 0.0
    assert parse_retry_after(email.utils.formatdate(now - 10, usegmt=True), now=now) == 0.0
    assert parse_retry_after('soon') is None
    assert parse_retry_after('') is None
    assert parse_retry_after(None) is None


def test_retry_after_http_date_is_used(server, monkeypatch):
    when = datetime.datetime(2030, 1, 1, tzinfo=datetime.timezone.utc).timestamp()
    monkeypatch.setattr(http_mod.time, 'time', lambda: when - 4)
    server.script = [(429, {'message': 'slow down'}, {'Retry-After': email.utils.formatdate(when, usegmt=True)}),
                     (200, {'ok': 1}, {})]
    http, sleeps = session(server.url)
    assert http.request('GET', '/script').json() == {'ok': 1}
    assert sleeps.calls == [4.0]


@pytest.mark.parametrize('status', [500, 502, 504])
def test_post_5xx_is_outcome_unknown_and_not_retried(server, status):
    server.add_fault(kind='server_error', path='/script', status=status)
    http, sleeps = session(server.url)
    with pytest.raises(OutcomeUnknown) as info:
        http.request('POST', '/script', json={'name': 'x'})
    assert info.value.status == status
    assert info.value.method == 'POST'
    assert 'may or may not have taken effect' in info.value.message
    assert sleeps.calls == []
    assert server.requests == {'POST /script': 1}


def test_post_503_is_refused_not_retried_here_so_the_caller_can_look_up_first(server):
    server.add_fault(kind='server_error', path='/script', status=503)
    http, sleeps = session(server.url)
    with pytest.raises(Refused) as info:
        http.request('POST', '/script', json={'name': 'x'})
    assert not isinstance(info.value, OutcomeUnknown)
    assert (info.value.status, info.value.method) == (503, 'POST')
    assert 'the server did not handle the request' in info.value.message
    assert sleeps.calls == [] and server.requests == {'POST /script': 1}


def test_post_html_502_is_outcome_unknown_with_excerpt(server):
    server.add_fault(kind='html_error', path='/script')
    http, _sleeps = session(server.url)
    with pytest.raises(OutcomeUnknown) as info:
        http.request('POST', '/script', json={})
    assert info.value.status == 502
    assert info.value.body_excerpt == '<html><head><title>502 Bad Gateway</title></head><body><h1>Bad Gateway</h1></body></html>'


def test_put_5xx_is_retried_as_idempotent(server):
    server.add_fault(kind='server_error', path='/script', times=1)
    server.script = [(200, {'ok': 1}, {})]
    http, sleeps = session(server.url)
    assert http.request('PUT', '/script', json={}).json() == {'ok': 1}
    assert sleeps.calls == [0.25]


def test_post_marked_idempotent_is_retried(server):
    server.add_fault(kind='server_error', path='/script', times=1)
    server.script = [(200, {'ok': 1}, {})]
    http, sleeps = session(server.url)
    assert http.request('POST', '/script', data={'grant_type': 'password'}, idempotent=True).json() == {'ok': 1}
    assert len(sleeps.calls) == 1


def test_post_dropped_after_commit_is_outcome_unknown(server):
    server.add_fault(kind='drop_after_commit', path='/script')
    server.script = [(201, {'created': 1}, {})]
    http, sleeps = session(server.url)
    with pytest.raises(OutcomeUnknown) as info:
        http.request('POST', '/script', json={'name': 'x'})
    assert info.value.status is None
    assert info.value.message.startswith('POST %s/script failed after the request was sent (connection lost' % server.url)
    assert server.writes == {'POST /script': 1}
    assert sleeps.calls == []


def test_get_dropped_connection_is_retried(server):
    server.add_fault(kind='drop_after_commit', path='/script')
    server.script = [(200, {'first': 1}, {}), (200, {'second': 2}, {})]
    http, sleeps = session(server.url)
    assert http.request('GET', '/script').json() == {'second': 2}
    assert sleeps.calls == [0.25]


def test_read_timeout_on_post_is_outcome_unknown(server):
    # generous margins: a loaded test machine must not turn an ordinary answer into a timeout
    server.add_fault(kind='slow', path='/echo', times=1, delay=2.5)
    http, sleeps = session(server.url, timeout=1.0)
    with pytest.raises(OutcomeUnknown) as info:
        http.request('POST', '/echo', json={})
    assert info.value.message == ('POST %s/echo failed after the request was sent (timed out waiting for the answer); '
                                  'it may or may not have taken effect' % server.url)
    assert sleeps.calls == []


def test_read_timeout_on_get_is_retried(server):
    # generous margins: a loaded test machine must not turn an ordinary answer into a timeout
    server.add_fault(kind='slow', path='/echo', times=1, delay=2.5)
    http, sleeps = session(server.url, timeout=1.0)
    assert http.request('GET', '/echo').json()['method'] == 'GET'
    assert sleeps.calls == [0.25]
    assert server.requests == {'GET /echo': 2}


def test_connection_refused_is_transport_error_without_retry():
    sock = socket.socket()
    sock.bind(('127.0.0.1', 0))
    port = sock.getsockname()[1]
    sock.close()
    http, sleeps = session('http://127.0.0.1:%d' % port)
    with pytest.raises(TransportError) as info:
        http.request('POST', '/x', data={'password': 'hunter2-secret'})
    assert info.value.status is None
    assert info.value.message.startswith('POST http://127.0.0.1:%d/x failed: cannot connect to the server' % port)
    assert 'hunter2' not in info.value.message
    assert sleeps.calls == []


def test_error_status_names_status_and_body_but_never_request_secrets(server):
    server.script = [(400, {'error': 'invalid_grant'}, {})]
    http, sleeps = session(server.url)
    with pytest.raises(HttpError) as info:
        http.request('POST', '/script', data={'password': 'hunter2-secret'}, headers={'Authorization': 'Bearer tok-secret'})
    assert not isinstance(info.value, (OutcomeUnknown, TransportError))   # a plain HttpError
    assert info.value.status == 400
    assert info.value.message == 'POST %s/script answered HTTP 400 with an error: {"error": "invalid_grant"}' % server.url
    assert sleeps.calls == []


def test_redirect_is_not_followed_and_names_the_target(server):
    server.script = [(301, {'message': 'moved'}, {'Location': 'https://new.example/ns-api/'})]
    http, _sleeps = session(server.url)
    with pytest.raises(HttpError) as info:
        http.request('POST', '/script', data={'a': 1})
    assert info.value.status == 301
    assert info.value.message == ('POST %s/script answered HTTP 301 redirecting to https://new.example/ns-api/: point the '
                                  'module at the final URL' % server.url)
    assert server.requests == {'POST /script': 1}


def test_netrc_credentials_are_never_added(server, tmp_path, monkeypatch):
    netrc = tmp_path / 'netrc'
    netrc.write_text('machine 127.0.0.1 login bob password netrc-secret\n')
    os.chmod(str(netrc), 0o600)
    monkeypatch.setenv('NETRC', str(netrc))
    http, _sleeps = session(server.url)
    http.request('POST', '/echo', data={'a': '1'})
    assert server.seen[-1].headers.get('Authorization') is None


def test_unexpected_status_can_be_expected(server):
    server.script = [(404, {'message': 'nope'}, {})]
    http, _sleeps = session(server.url)
    resp = http.request('GET', '/script', expect=(200, 404))
    assert (resp.status, resp.json()) == (404, {'message': 'nope'})


def test_html_page_error_and_excerpt_limit(server):
    page = '<!DOCTYPE html><html><body>' + 'x' * 500 + '</body></html>'
    server.script = [(403, Response(403, page, content_type='text/html'), {})]
    http, _sleeps = session(server.url)
    with pytest.raises(HttpError) as info:
        http.request('GET', '/script')
    assert info.value.status == 403
    assert info.value.message.startswith('GET %s/script answered HTTP 403 with an HTML page: <!DOCTYPE html>' % server.url)
    assert info.value.body_excerpt == page[:200] + '...'


def test_json_of_malformed_body_names_status_and_first_bytes(server):
    server.add_fault(kind='malformed_json', path='/script')
    http, _sleeps = session(server.url)
    resp = http.request('GET', '/script')
    with pytest.raises(HttpError) as info:
        resp.json()
    assert info.value.message == "GET %s/script answered HTTP 200 with a body that is not JSON: '{\"truncated\": ['" % server.url


def test_json_of_html_200_page():
    resp = HttpResponse(200, {}, '<html><body>Login</body></html>', method='GET', url='https://h/x')
    with pytest.raises(HttpError) as info:
        resp.json()
    assert info.value.message == ('GET https://h/x answered HTTP 200 with an HTML page instead of JSON (a proxy, a login page '
                                  'or the wrong host?): <html><body>Login</body></html>')


def test_messages_show_urls_without_userinfo_but_with_their_query():
    # HttpSession shows URLs through _urls.strip_userinfo: the query (paging parameters) stays.
    assert strip_userinfo('https://bob:pw@h.example:8443/p?q=1') == 'https://h.example:8443/p?q=1'
    assert strip_userinfo('https://h.example/p') == 'https://h.example/p'


def _make_cert(tmp_path):
    key, cert = str(tmp_path / 'key.pem'), str(tmp_path / 'cert.pem')
    subprocess.run(['openssl', 'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert, '-days', '2',
                    '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1'],
                   check=True, capture_output=True)
    return key, cert


@pytest.mark.filterwarnings('ignore::urllib3.exceptions.InsecureRequestWarning')
def test_tls_failure_suggests_ca_path_and_ca_path_works(tmp_path):
    key, cert = _make_cert(tmp_path)
    stub = StubServer()
    stub.start()
    try:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(cert, key)
        stub._httpd.socket = context.wrap_socket(stub._httpd.socket, server_side=True)
        url = 'https://127.0.0.1:%d' % stub._httpd.server_address[1]
        http, sleeps = session(url)
        with pytest.raises(TransportError) as info:
            http.request('GET', '/echo')
        assert info.value.message.startswith('GET %s/echo failed: TLS failure: ' % url)
        assert 'set ca_path to its CA bundle' in info.value.message
        assert sleeps.calls == []
        trusted, _sleeps = session(url, ca_path=cert)
        assert trusted.request('GET', '/echo').json()['method'] == 'GET'
        insecure, _sleeps = session(url, validate_certs=False)
        assert insecure.request('GET', '/echo').status == 200
    finally:
        stub.stop()


def test_https_to_a_plain_http_port_says_so_instead_of_giving_certificate_advice(server):
    # The simulators, like many lab servers, speak plain HTTP: https:// (or a bare host name, which
    # means https) gets an answer that is not TLS. Certificate advice would be wrong there.
    url = 'https://127.0.0.1:%d' % server._httpd.server_address[1]
    http, sleeps = session(url)
    with pytest.raises(TransportError) as info:
        http.request('GET', '/echo')
    message = info.value.message
    assert message.startswith('GET %s/echo failed: the server does not speak TLS on that port' % url), message
    assert 'did you mean http://?' in message
    assert 'ca_path' not in message and 'validate_certs' not in message
    assert sleeps.calls == []


def test_session_is_usable_from_threads(server):
    http, _sleeps = session(server.url)
    results = []

    def work():
        for _i in range(10):
            results.append(http.request('GET', '/echo').status)

    threads = [threading.Thread(target=work) for _i in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert results == [200] * 60
    assert server.requests == {'GET /echo': 60}


def test_plugins_parse_as_python_3_8():
    # plugins must import on the Python 3.8 a managed host may have. The parse runs in a fresh
    # interpreter: CPython 3.11.7's ast.parse(feature_version=...) can fail with "AST constructor
    # recursion depth mismatch" after other code in the same process (a CPython bug, not the source).
    plugins = os.path.dirname(os.path.dirname(http_mod.__file__))
    paths = []
    for folder in ('module_utils', 'modules'):
        for name in sorted(os.listdir(os.path.join(plugins, folder))):
            if name.endswith('.py'):
                path = os.path.join(plugins, folder, name)
                with open(path) as handle:
                    assert '__metaclass__ = type' in handle.read(), name
                paths.append(path)
    script = ('import ast, sys\n'
              'for path in sys.argv[1:]:\n'
              '    with open(path) as handle:\n'
              '        ast.parse(handle.read(), filename=path, feature_version=(3, 8))\n'
              'print(len(sys.argv) - 1)\n')
    done = subprocess.run([sys.executable, '-c', script] + paths, capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    assert int(done.stdout) == len(paths) >= 10


@pytest.mark.parametrize('reason, expected, advice', [
    ('[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed: self-signed certificate (_ssl.c:1006)', 'TLS failure: ', True),
    ("hostname '10.0.0.1' doesn't match 'pbx.example.com'", 'TLS failure: ', True),
    ('[SSL: WRONG_VERSION_NUMBER] wrong version number (_ssl.c:1006)', 'the server does not speak TLS on that port', False),
    ('[SSL: RECORD_LAYER_FAILURE] record layer failure (_ssl.c:1000)', 'the server does not speak TLS on that port', False),
    ('EOF occurred in violation of protocol (_ssl.c:1006)', 'TLS handshake failed: ', False),
])
def test_tls_advice_only_where_a_ca_bundle_helps(reason, expected, advice):
    import requests
    import urllib3
    failure, sent, passing = HttpSession._classify(requests.exceptions.SSLError(urllib3.exceptions.SSLError(reason)))
    assert failure.startswith(expected), failure
    assert ('set ca_path' in failure) is advice
    assert sent is False and passing is False   # a certificate does not fix itself: never retried


# -- credentials taken at every attempt, unreadable bodies (issue 9) --------------------------------

def test_auth_is_taken_again_before_every_attempt_after_a_retry_after(server):
    server.add_fault(kind='rate_limit', path='/script', times=2, retry_after=1)
    server.script = [(200, {'ok': True}, {})]
    tokens = iter(['t1', 't2', 't3'])
    http, sleeps = session(server.url)
    resp = http.request('GET', '/script', auth=lambda: {'Authorization': 'Bearer %s' % next(tokens)})
    assert resp.auth_sent == {'Authorization': 'Bearer t3'}
    assert [r.headers.get('Authorization') for r in server.seen] == ['Bearer t3']   # the 429s never reach the route
    assert sleeps.calls == [1.0, 1.0]


def test_the_error_carries_the_auth_of_the_failed_attempt(server):
    server.script = [(401, {'message': 'token expired'}, {})]
    http, sleeps = session(server.url)
    with pytest.raises(HttpError) as info:
        http.request('GET', '/script', auth=lambda: {'Authorization': 'Bearer only'})
    assert info.value.status == 401 and info.value.auth_sent == {'Authorization': 'Bearer only'}


def test_want_json_retries_an_unreadable_read_like_a_5xx(server):
    server.add_fault(kind='malformed_json', path='/script', times=2)
    server.script = [(200, {'ok': True}, {})]
    http, sleeps = session(server.url)
    resp = http.request('GET', '/script', want_json=True)
    assert resp.json() == {'ok': True}
    assert sleeps.calls == [0.25, 0.5] and http.stats == {'requests': 3, 'retries': 2}


def test_want_json_retries_an_html_200_page_and_gives_up_with_the_limit(server):
    server.add_fault(kind='malformed_json', path='/script', times=-1)
    http, sleeps = session(server.url, retries=2)
    with pytest.raises(HttpError) as info:
        http.request('GET', '/script', want_json=True)
    assert not isinstance(info.value, OutcomeUnknown)
    assert info.value.status == 200 and info.value.message.endswith('(3 attempts)')
    assert 'not JSON' in info.value.message


def test_want_json_on_a_post_is_outcome_unknown_not_retried(server):
    server.add_fault(kind='malformed_json', path='/script', times=1)
    http, sleeps = session(server.url)
    with pytest.raises(OutcomeUnknown) as info:
        http.request('POST', '/script', json={'x': 1}, want_json=True)
    assert 'may or may not have taken effect' in info.value.message and sleeps.calls == []


def test_want_json_accepts_an_empty_body(server):
    server.script = [(204, '', {})]
    http, sleeps = session(server.url)
    assert http.request('DELETE', '/script', want_json=True).status == 204


def test_proxies_from_the_environment_are_read_once_and_no_proxy_is_honoured(monkeypatch):
    monkeypatch.setenv('HTTPS_PROXY', 'http://proxy.example:3128')
    monkeypatch.setenv('NO_PROXY', 'spared.example')
    monkeypatch.setenv('REQUESTS_CA_BUNDLE', '/etc/private-ca.pem')
    proxied = HttpSession('https://pbx.example')
    assert proxied.session.proxies.get('https') == 'http://proxy.example:3128'
    assert proxied.session.verify == '/etc/private-ca.pem'   # as requests' own trust_env would give it
    assert HttpSession('https://spared.example').session.proxies.get('https') is None
    assert HttpSession('http://127.0.0.1:8080').session.verify is True   # no CA file to look at for plain HTTP
    assert HttpSession('https://pbx.example', validate_certs=False).session.verify is False
    assert HttpSession('https://pbx.example', ca_path='/etc/mine.pem').session.verify == '/etc/mine.pem'


# -- every wait bounded, passing refusals retried (issue 19) ----------------------------------------

def test_a_trickled_answer_ends_at_the_timeout_as_a_timeout(server):
    server.add_fault(kind='trickle', path='/echo', delay=0.5, times=-1)
    http, _sleeps = session(server.url, timeout=1, retries=0)
    started = time.monotonic()
    with pytest.raises(TransportError) as info:
        http.request('GET', '/echo')
    took = time.monotonic() - started
    assert 'timed out waiting for the whole answer (1 seconds)' in info.value.message
    assert took < 1 + http_mod.WATCHDOG_SLACK + 5, took   # bounded, not one read timeout per byte
    assert server.faults_fired == {'trickle': 1}


def test_a_trickled_answer_to_a_create_is_an_unknown_outcome(server):
    server.add_fault(kind='trickle', path='/echo', delay=0.5)
    http, _sleeps = session(server.url, timeout=1, retries=0)
    with pytest.raises(OutcomeUnknown) as info:
        http.request('POST', '/echo', json={'name': 'x'})
    assert 'timed out waiting for the whole answer' in info.value.message


def test_stopping_the_run_aborts_the_request_in_flight(server):
    from ansible_collections.clearip.netsapiens.plugins.module_utils._control import RunControl, RunStopped
    server.add_fault(kind='slow', path='/echo', delay=20)
    control = RunControl()
    http = HttpSession(server.url, timeout=30, control=control)
    threading.Timer(0.3, control.stop, args=('the run was cancelled by SIGTERM', True)).start()
    started = time.monotonic()
    with pytest.raises(RunStopped) as info:
        http.request('GET', '/echo')
    assert time.monotonic() - started < 10
    assert info.value.cancelled is True


def test_a_refused_connection_is_retried_once_the_server_has_answered_this_session():
    first = StubServer().start()
    port = first._httpd.server_address[1]
    first.script = [(200, {'ok': 1}, {})]
    http, sleeps = session(first.url, retries=3)
    assert http.request('GET', '/script').json() == {'ok': 1}
    first.stop()
    second = StubServer()
    second._port = port

    def restart(seconds):   # the server comes back while the client waits to retry
        sleeps.calls.append(seconds)
        if second._httpd is None:
            second.start()
            second.script = [(200, {'ok': 2}, {})]
    http.sleep = restart
    try:
        assert http.request('GET', '/script').json() == {'ok': 2}
        assert len(sleeps.calls) == 1
    finally:
        second.stop()
