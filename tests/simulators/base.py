# -*- coding: utf-8 -*-
# Copyright: (c) 2026, clearip.netsapiens contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Shared HTTP machinery for the NetSapiens and ClearIP simulators.

A simulator is a ``SimServer`` with routes. Everything the tests need to steer or inspect it lives
under ``/_sim/`` and is never counted as API traffic:

- ``GET  /_sim/state``   what the simulator holds (``SimServer.dump_state``)
- ``GET  /_sim/stats``   ``{"requests": {endpoint: n}, "writes": {endpoint: n}, "faults_fired": {kind: n},
  "behaviours": {name: n}}`` (``behaviours``: the unkind default behaviours that took effect)
- ``POST /_sim/faults``  ``{"faults": [fault, ...]}`` adds faults (see ``Fault``)
- ``DELETE /_sim/faults`` removes every fault
- ``POST /_sim/config``  updates ``SimServer.config`` keys (token lifetime, page cap, ...)
- ``POST /_sim/reset-stats`` zeroes the counters
- ``GET  /_sim/secrets`` ``{"issued": [...]}``: every token (access, refresh, session) this simulator issued, so a
  test can search a run's output and files for each one
- ``GET  /_sim/sessions`` ``{"sessions": [...]}``: one entry per login (a refresh stays in its login's session):
  ``{"id", "account", "opened", "last_request", "requests", "writes", "first_write", "last_write"}`` (``time.time()``
  seconds; ``first_write``/``last_write`` None before a write), so a test can show two runs overlapped
- ``POST /_sim/release`` lets every request a ``hold`` fault holds (and any later one) go on

A fault is counted in ``faults_fired`` when it takes effect, not when it is chosen: a ``drop_after_commit``
or ``late_commit`` only when the request committed (answered 2xx inside), an ``ack_not_stored`` only when the
create was acknowledged, an ``empty_list`` only when a list was emptied. A ``drop_after_commit``, ``late_commit``
or ``ack_not_stored`` given to a request that did not commit (refused: an expired token, a missing parent) leaves
that request's answer alone and goes to the next matching request. Whether the client had given up is
counted apart, seen from the socket (the peer closed it): ``slow_client_gone`` (gone during the delay),
``late_commit_client_gone`` (gone before the commit landed, so the commit came after the client timed out),
``trickle_client_gone`` (gone before the whole body was sent).

Every simulator has the config key ``answer_delay`` (seconds, default 0): each API answer (not the
``/_sim/`` ones) waits that long before the request is handled, as a WAN round trip would (the link-delay
mode of ``make benchmark``). Concurrent requests wait side by side, as on a real link.

And ``max_in_flight`` (None, or N): a server that refuses load. A request that arrives while N API requests
are already in flight (arrived, not yet answered, the ``answer_delay`` included) is answered at once
``429`` with ``Retry-After: <in_flight_retry_after>`` (default 1) and has no effect; it is counted as its
endpoint's request and in ``faults_fired['in_flight_limit']``; with ``max_in_flight`` set, ``/_sim/stats``
also has ``in_flight_peak``, the most requests it ever held at once (since the last reset).

An endpoint is named by its route template, for example ``GET /domains/{domain}/users``.
"""

from __future__ import annotations

import json
import re
import select
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, unquote, urlsplit

FAULT_KINDS = (
    'server_error',       # answer ``status`` (default 503) before the request has any effect
    'drop_after_commit',  # perform the request, then close the socket without an answer
    'rate_limit',         # answer 429 with ``Retry-After: retry_after`` before any effect
    'slow',               # sleep ``delay`` seconds, then answer normally
    'malformed_json',     # answer 200 with a body that is not JSON, before any effect
    'html_error',         # answer ``status`` (default 502) with an HTML page, before any effect
    'late_commit',        # hold the request ``delay`` seconds, then perform it (the client has usually
                          # timed out by then: the commit lands after it gave up), then close without an answer
    'trickle',            # perform the request, send the status and headers at once, then the body one byte
                          # every ``delay`` seconds (a stalled proxy or server)
    'ack_not_stored',     # answer a create as if it were stored, with the new object, but store nothing
                          # (route handlers that create read ``request.fault``)
    'empty_list',         # perform the request, then answer its list empty ([] or {"<plural>": []}), as a
                          # source that glitched would
    'hold',               # hold the request before any effect until ``POST /_sim/release`` (at most ``delay``
                          # seconds), then perform it: a test makes two runs overlap on a condition, not a sleep
)


class Fault(object):
    """One injected fault.

    ``kind`` is one of FAULT_KINDS. ``method`` and ``path`` (a regular expression matched with
    ``re.search`` against the request path without query) select the requests it applies to;
    ``skip`` matching requests pass untouched first, then the next ``times`` matching requests
    get the fault (``times`` -1 means forever). With ``every`` N > 1, only every Nth matching
    request (after ``skip``) gets it, the others pass: a fault "at a rate", such as one list
    answer in five.
    """

    def __init__(self, kind, path='.*', method=None, times=1, skip=0, status=None, retry_after=1, delay=1.0, every=1):
        if kind not in FAULT_KINDS:
            raise ValueError('unknown fault kind %r; expected one of %s' % (kind, ', '.join(FAULT_KINDS)))
        self.kind = kind
        self.path = re.compile(path)
        self.method = method.upper() if method else None
        self.times = int(times)
        self.skip = int(skip)
        self.status = status
        self.retry_after = retry_after
        self.delay = float(delay)
        self.every = max(1, int(every))
        self.seen = 0

    def take(self, method, path):
        """Return True when this fault applies to the request (and consume one use)."""
        if self.times == 0:
            return False
        if self.method and self.method != method:
            return False
        if not self.path.search(path):
            return False
        if self.skip > 0:
            self.skip -= 1
            return False
        self.seen += 1
        if self.seen % self.every:
            return False
        if self.times > 0:
            self.times -= 1
        return True

    def give_back(self):
        """A fault that could not take effect (the request it was given to did not commit) goes to the next one."""
        if self.times >= 0:
            self.times += 1


def _emptied(payload):
    """A list answer with its list emptied: ``[]`` for a list, the one list of an object emptied."""
    if isinstance(payload, list):
        return []
    if isinstance(payload, dict):
        lists = [key for key, value in payload.items() if isinstance(value, list)]
        if len(lists) == 1:
            return dict(payload, **{lists[0]: []})
    return payload


class Request(object):
    """What a route handler sees of one HTTP request."""

    def __init__(self, method, path, query, headers, body, client_ip=None):
        self.client_ip = client_ip  # the peer's address, e.g. for an IP whitelist
        self.method = method
        self.path = path
        self.query = query          # dict: name -> last value (str)
        self.query_lists = {}       # dict: name -> list of values
        self.headers = headers
        self.raw_body = body
        self.params = {}            # path parameters of the matched route
        self.fault = None           # the Fault that applies to this request, if any (see FAULT_KINDS)
        self.session = None         # the session (SimServer.open_session) of its token, set by the handler
        # When it arrived: with the simulator's config token_judged_at 'arrival', a token is judged as of then (a
        # server that checks it on arrival, so a request a slow or late_commit fault holds still commits).
        self.arrived = time.time()
        self.arrived_monotonic = time.monotonic()

    def json(self):
        """The body as JSON, or raise ApiError(400)."""
        if not self.raw_body:
            return None
        try:
            return json.loads(self.raw_body.decode('utf-8'))
        except ValueError:
            raise ApiError(400, {'message': 'request body is not valid JSON'})

    def form(self):
        """The body as an HTML form (application/x-www-form-urlencoded): name -> last value."""
        text = self.raw_body.decode('utf-8') if self.raw_body else ''
        return dict((k, v[-1]) for k, v in parse_qs(text, keep_blank_values=True).items())

    def bearer(self):
        """The bearer token of the Authorization header, or None."""
        value = self.headers.get('Authorization') or ''
        if value[:7].lower() == 'bearer ':
            return value[7:].strip()
        return None


class ApiError(Exception):
    """Raised by a handler to answer ``status`` with a JSON ``body``."""

    def __init__(self, status, body=None, headers=None):
        super(ApiError, self).__init__(status)
        self.status = status
        self.body = body if body is not None else {'message': 'error'}
        self.headers = headers or {}


class Response(object):
    """A non-JSON answer (XML, HTML, empty)."""

    def __init__(self, status, body, content_type='application/json', headers=None):
        self.status = status
        self.body = body if isinstance(body, bytes) else body.encode('utf-8')
        self.content_type = content_type
        self.headers = headers or {}


class SimServer(object):
    """A threaded HTTP simulator on loopback. Subclasses add routes with ``route``."""

    name = 'simulator'

    def __init__(self, host='127.0.0.1', port=0, config=None):
        self.lock = threading.RLock()
        self.routes = []
        self.faults = []
        self.config = {'answer_delay': 0.0, 'max_in_flight': None, 'in_flight_retry_after': 1}
        self.in_flight = 0
        self.in_flight_peak = 0
        self.config.update(self.default_config())
        self.config.update(config or {})
        self.requests = {}
        self.writes = {}
        self.faults_fired = {}
        self.behaviours = {}        # unkind default behaviours that took effect (SimServer.behaved)
        self.issued = []            # every token issued (GET /_sim/secrets)
        self.sessions = []          # one per login (GET /_sim/sessions)
        self.holding = 0            # requests a hold fault holds now
        self.held = []              # each request a hold fault held: {"method", "path", "body"} (GET /_sim/stats)
        self.released = threading.Event()
        self._host = host
        self._port = port
        self._httpd = None
        self._thread = None

    # -- to override -------------------------------------------------------------------------
    def default_config(self):
        return {}

    def dump_state(self):
        return {}

    def observe(self, request):
        """Called with every API request (not the ``/_sim/`` ones) before it is routed; nothing by default."""

    # -- routing -----------------------------------------------------------------------------
    def route(self, method, template, handler, write=False):
        """Register ``handler(request)`` for ``method template``; ``{name}`` matches one path segment."""
        pattern = '^' + re.sub(r'\\{(\w[\w-]*)\\}', lambda m: '(?P<%s>[^/]+)' % m.group(1).replace('-', '_'),
                               re.escape(template)) + '/?$'
        self.routes.append((method.upper(), re.compile(pattern), '%s %s' % (method.upper(), template), handler, write))

    def _match(self, method, path):
        allowed = False
        for r_method, regex, endpoint, handler, write in self.routes:
            m = regex.match(path)
            if m:
                if r_method == method:
                    return endpoint, handler, write, dict((k, unquote(v)) for k, v in m.groupdict().items())
                allowed = True
        return None, None, None, allowed

    def count(self, table, endpoint):
        with self.lock:
            table[endpoint] = table.get(endpoint, 0) + 1

    def enter(self):
        """Count one more API request in flight; False (and not counted) when ``max_in_flight`` are already."""
        with self.lock:
            limit = self.config.get('max_in_flight')
            if limit is not None and self.in_flight >= int(limit):
                self.faults_fired['in_flight_limit'] = self.faults_fired.get('in_flight_limit', 0) + 1
                return False
            self.in_flight += 1
            self.in_flight_peak = max(self.in_flight_peak, self.in_flight)
            return True

    def leave(self):
        with self.lock:
            self.in_flight -= 1

    def take_fault(self, method, path):
        """The fault that applies to this request, if any (counted by ``fire`` when it takes effect)."""
        with self.lock:
            for fault in self.faults:
                if fault.take(method, path):
                    return fault
        return None

    def fire(self, kind):
        """Count one fault (or unkind behaviour) that took effect, in ``faults_fired``."""
        with self.lock:
            self.faults_fired[kind] = self.faults_fired.get(kind, 0) + 1

    def behaved(self, kind):
        """Count one unkind default behaviour that took effect (a list out of stored order, a page capped below the
        limit, a filter blind to case...), in ``/_sim/stats`` ``behaviours`` (apart from the injected faults)."""
        with self.lock:
            self.behaviours[kind] = self.behaviours.get(kind, 0) + 1

    def issue(self, token):
        """Remember a token handed out (``GET /_sim/secrets``); returns it."""
        with self.lock:
            self.issued.append(token)
        return token

    def open_session(self, account):
        """A new login's session id (``GET /_sim/sessions``)."""
        with self.lock:
            self.sessions.append({'id': len(self.sessions), 'account': account, 'opened': time.time(),
                                  'last_request': None, 'requests': 0, 'writes': 0, 'first_write': None, 'last_write': None})
            return len(self.sessions) - 1

    def end_request(self, request, wrote):
        """Note an answered request in its session (the handler set ``request.session``)."""
        if request.session is None:
            return
        with self.lock:
            session = self.sessions[request.session]
            now = time.time()
            session['last_request'] = now
            session['requests'] += 1
            if wrote:
                session['writes'] += 1
                session['first_write'] = session['first_write'] or now
                session['last_write'] = now

    # -- admin -------------------------------------------------------------------------------
    def admin(self, method, path, request):
        if method == 'GET' and path == '/_sim/state':
            with self.lock:
                return 200, self.dump_state()
        if method == 'GET' and path == '/_sim/stats':
            with self.lock:
                stats = {'requests': dict(self.requests), 'writes': dict(self.writes), 'faults_fired': dict(self.faults_fired),
                         'behaviours': dict(self.behaviours)}
                if self.config.get('max_in_flight') is not None:
                    stats['in_flight_peak'] = self.in_flight_peak
                if self.in_flight:
                    stats['in_flight'] = self.in_flight   # API requests arrived and not yet answered (absent: none)
                if self.held:
                    stats['holding'] = self.holding
                    stats['held'] = list(self.held)
                return 200, stats
        if method == 'GET' and path == '/_sim/secrets':
            with self.lock:
                return 200, {'issued': list(self.issued)}
        if method == 'GET' and path == '/_sim/sessions':
            with self.lock:
                return 200, {'sessions': [dict(session) for session in self.sessions]}
        if method == 'POST' and path == '/_sim/release':
            self.released.set()
            return 200, {}
        if method == 'POST' and path == '/_sim/faults':
            body = request.json() or {}
            with self.lock:
                self.faults.extend(Fault(**f) for f in body.get('faults', []))
            return 200, {'faults': len(self.faults)}
        if method == 'DELETE' and path == '/_sim/faults':
            with self.lock:
                self.faults = []
            return 200, {'faults': 0}
        if method == 'POST' and path == '/_sim/config':
            body = request.json() or {}
            unknown = sorted(set(body) - set(self.config))
            if unknown:
                return 400, {'message': 'unknown config keys: %s' % ', '.join(unknown)}
            with self.lock:
                self.config.update(body)
            return 200, dict(self.config)
        if method == 'POST' and path == '/_sim/reset-stats':
            with self.lock:
                self.requests.clear()
                self.writes.clear()
                self.faults_fired.clear()
                self.behaviours.clear()
                self.in_flight_peak = 0
                self.held = []
            return 200, {}
        return 404, {'message': 'unknown admin call %s %s' % (method, path)}

    # -- life cycle --------------------------------------------------------------------------
    @property
    def url(self):
        host, port = self._httpd.server_address[:2]
        return 'http://%s:%d' % (host, port)

    def start(self):
        server = self

        class Handler(_Handler):
            sim = server

        self._httpd = ThreadingHTTPServer((self._host, self._port), Handler)
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05},
                                        name=self.name, daemon=True)
        self._thread.start()
        return self

    def stop(self):
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
            self._thread.join(5)
            self._httpd = None

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()


class _Handler(BaseHTTPRequestHandler):
    protocol_version = 'HTTP/1.1'   # keep-alive, as real servers do
    disable_nagle_algorithm = True  # else small answers wait ~40 ms for a delayed ACK
    sim = None                      # set by SimServer.start

    def log_message(self, format, *args):  # pylint: disable=redefined-builtin
        pass                        # tests read /_sim/stats, not stderr

    def _dispatch(self):
        parts = urlsplit(self.path)
        path = parts.path
        length = int(self.headers.get('Content-Length') or 0)
        body = self.rfile.read(length) if length else b''
        qs = parse_qs(parts.query, keep_blank_values=True)
        request = Request(self.command, path, dict((k, v[-1]) for k, v in qs.items()), self.headers, body, self.client_address[0])
        request.query_lists = qs
        sim = self.sim

        if path.startswith('/_sim/'):
            try:
                status, payload = sim.admin(self.command, path, request)
            except (ApiError, TypeError, ValueError) as ex:
                status, payload = 400, {'message': str(ex)}
            return self._send_json(status, payload)

        sim.observe(request)
        if not sim.enter():
            # Over the server's limit of requests in flight: refused at once, before any effect.
            endpoint = sim._match(self.command, path)[0] or '%s %s' % (self.command, path)
            sim.count(sim.requests, endpoint)
            return self._send_json(429, {'message': 'too many requests in flight'},
                                   {'Retry-After': str(sim.config.get('in_flight_retry_after', 1))})
        try:
            return self._handle(sim, path, request)
        finally:
            sim.leave()

    def _handle(self, sim, path, request):
        delay = float(sim.config.get('answer_delay') or 0)
        if delay > 0:
            time.sleep(delay)  # outside any lock, so concurrent requests wait side by side
        endpoint, handler, write, params = sim._match(self.command, path)
        if handler is None:
            sim.count(sim.requests, '%s %s' % (self.command, path))
            if params:  # the path exists with another method
                return self._send_json(405, {'message': 'method not allowed'})
            return self._send_json(404, {'message': 'not found: %s' % path})
        request.params = params
        sim.count(sim.requests, endpoint)

        fault = sim.take_fault(self.command, path)
        request.fault = fault
        kind = fault.kind if fault is not None else None
        if kind == 'hold':
            self._hold(sim, fault, request)
        if kind == 'server_error':
            sim.fire(kind)
            return self._send_json(fault.status or 503, {'message': 'simulated server error'})
        if kind == 'rate_limit':
            sim.fire(kind)
            return self._send_json(429, {'message': 'too many requests'}, {'Retry-After': str(fault.retry_after)})
        if kind == 'malformed_json':
            sim.fire(kind)
            return self._send_raw(200, b'{"truncated": [', 'application/json')
        if kind == 'html_error':
            sim.fire(kind)
            return self._send_raw(fault.status or 502, b'<html><head><title>502 Bad Gateway</title></head>'
                                  b'<body><h1>Bad Gateway</h1></body></html>', 'text/html')
        gone_before = False
        if kind in ('slow', 'late_commit'):
            time.sleep(fault.delay)
            gone_before = self._peer_gone()
            if kind == 'slow':
                sim.fire(kind)
                if gone_before:
                    sim.fire('slow_client_gone')

        try:
            result = handler(request)
            status, payload, headers = 200, result, {}
            if isinstance(result, tuple):
                status, payload = result
        except ApiError as ex:
            status, payload, headers = ex.status, ex.body, ex.headers
        committed = 200 <= status < 300
        stored = committed and kind != 'ack_not_stored'
        if write and stored:
            sim.count(sim.writes, endpoint)
        sim.end_request(request, write and stored)
        if kind == 'ack_not_stored' and committed and write:
            sim.fire(kind)
        if kind == 'empty_list' and committed:
            emptied = _emptied(payload)
            if emptied != payload:
                sim.fire(kind)
            payload = emptied
        if kind == 'trickle':
            sim.fire(kind)
            if not self._trickle(status, json.dumps(payload).encode('utf-8'), fault.delay):
                sim.fire('trickle_client_gone')
            return None

        if kind in ('drop_after_commit', 'late_commit', 'ack_not_stored') and not committed:
            # Refused (a 401 with a token that expired, a 404, ...): nothing committed, so the fault could not take
            # effect. The request is answered as it would be, and the fault goes to the next matching request.
            with sim.lock:
                fault.give_back()
            kind = None
        if kind in ('drop_after_commit', 'late_commit'):
            sim.fire(kind)
            if kind == 'late_commit' and gone_before:
                sim.fire('late_commit_client_gone')
            self.close_connection = True
            try:
                self.connection.shutdown(2)
            except OSError:
                pass
            return None
        if isinstance(payload, Response):
            return self._send_raw(payload.status, payload.body, payload.content_type, payload.headers)
        return self._send_json(status, payload, headers)

    @staticmethod
    def _hold(sim, fault, request):
        try:
            body = request.json()
        except ApiError:
            body = None
        with sim.lock:
            sim.holding += 1
            sim.held.append({'method': request.method, 'path': request.path, 'body': body})
        sim.fire('hold')
        try:
            sim.released.wait(fault.delay)
        finally:
            with sim.lock:
                sim.holding -= 1

    def _peer_gone(self):
        """Whether the client closed its end (it timed out and gave up): readable, with nothing left to read."""
        try:
            readable = select.select([self.connection], [], [], 0)[0]
            return bool(readable) and self.connection.recv(1, socket.MSG_PEEK) == b''
        except OSError:
            return True

    def _trickle(self, status, body, gap):
        """The status and headers at once, then the body one byte every ``gap`` seconds, until the client gives up.
        True when the whole body went out, False when the client gave up first."""
        self.send_response(status)
        self.send_header('Content-Type', 'application/json')
        self.send_header('Content-Length', str(len(body)))
        self.end_headers()
        self.wfile.flush()
        self.close_connection = True
        try:
            for index in range(len(body)):
                time.sleep(gap)
                if self._peer_gone():
                    return False
                self.wfile.write(body[index:index + 1])
                self.wfile.flush()
        except OSError:
            return False   # the client gave up: what a stalled answer is for
        return True

    def _send_json(self, status, payload, headers=None):
        return self._send_raw(status, json.dumps(payload).encode('utf-8'), 'application/json', headers)

    def _send_raw(self, status, body, content_type, headers=None):
        self.send_response(status)
        self.send_header('Content-Type', content_type)
        self.send_header('Content-Length', str(len(body)))
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        self.end_headers()
        self.wfile.write(body)
        return None

    do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = _dispatch
