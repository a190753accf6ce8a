# -*- coding: utf-8 -*-
# Copyright: (c) 2026, clearip.netsapiens contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The HTTP layer both API clients share: one retry policy, clear errors. Internal use only.

It owns retries, so that both clients treat a flaky server the same way:

- 429 is retried for every method: the server refused the request before acting on it.
- 500/502/503/504, a reset connection and a timeout are retried only for idempotent requests.
  For a non-idempotent request, 503 raises ``Refused`` (the server says it did not handle the
  request: RFC 9110 15.6.4, "currently unable to handle the request"), so the caller may send it
  again after a lookup; 500, 502, 504, a connection lost after sending and a timeout raise
  ``OutcomeUnknown``: the server may have acted, and only the caller can look up whether it did.
- A request that could not be sent at all raises ``TransportError``. Before the server has
  answered anything, that is at once: a refused connection, a name that does not resolve or a TLS
  failure is then a configuration problem, and retrying only delays the message. Once the server
  has answered this session, a refused or timed-out connection is a passing fault (a restart, a
  full backlog) and is retried for every method, since the request never left.
- ``timeout`` bounds the whole answer, not each socket read: a watchdog aborts a request whose
  answer has not fully arrived ``timeout`` seconds after it started (a server that sends its
  headers and then one byte every few seconds), and that counts as a timeout.
- With a ``control`` (``_control.RunControl``) every attempt first checks that the run may go on,
  every backoff wait ends early when it stops, and stopping it aborts the requests in flight.
- With ``want_json=True`` a success answer whose body is not JSON (a truncated body, an HTML page
  from a proxy) counts like a 5xx: retried for an idempotent request with the same limit and
  backoff, ``OutcomeUnknown`` for a non-idempotent one. This is the one retry policy for reads of
  both APIs.
- How many attempts are in flight at once is one ``_concurrency.AdaptiveLimit`` per session (per API):
  it starts at 4, grows while answers are fast and successful, up to ``max_in_flight`` (the modules'
  ``max_workers``), and shrinks at once on 429, 503, timeouts, dropped connections and rising
  latency; while this process is busy (near one CPU) it does not grow. A ``Retry-After`` (of a 429,
  or of a 503 to a create) pauses the whole session: no attempt of any worker starts before it.
- With ``auth`` (a callable returning headers) the credentials are taken again before every
  attempt, so that a retry after any wait (backoff, Retry-After, a paused pool) sends the token
  that is current then, not the one held before waiting. The headers of the last attempt are
  kept on the answer or the error as ``auth_sent``, so a caller renewing after a 401 can tell
  whether the token it sent is still the current one.

Error messages carry the method, the URL, the status and the first bytes of the answer, never
request headers or bodies, which hold passwords and tokens.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import email.utils
import heapq
import itertools
import json as jsonlib
import os
import random
import re
import socket
import threading
import time
import traceback

try:
    import requests
    import requests.adapters
    import requests.exceptions
    from urllib3.connection import HTTPConnection, HTTPSConnection
    from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool
    HAS_REQUESTS = True
    REQUESTS_IMPORT_ERROR = None
except ImportError:
    HAS_REQUESTS = False
    REQUESTS_IMPORT_ERROR = traceback.format_exc()
    HTTPConnection = HTTPSConnection = HTTPConnectionPool = HTTPSConnectionPool = object

from ansible_collections.clearip.netsapiens.plugins.module_utils._concurrency import (
    DROPPED, NEUTRAL, OVERLOAD, SUCCESS, AdaptiveLimit)
from ansible_collections.clearip.netsapiens.plugins.module_utils._control import RunStopped
from ansible_collections.clearip.netsapiens.plugins.module_utils._options import DEFAULT_MAX_WORKERS, DEFAULT_TIMEOUT
from ansible_collections.clearip.netsapiens.plugins.module_utils._urls import strip_userinfo

COLLECTION_VERSION = '0.1.0'
DEFAULT_USER_AGENT = 'clearip.netsapiens/%s' % COLLECTION_VERSION

IDEMPOTENT_METHODS = ('GET', 'HEAD', 'PUT', 'DELETE', 'OPTIONS')
RETRY_STATUSES = (500, 502, 503, 504)
RATE_LIMIT_STATUS = 429
# What an answer tells the concurrency limit: the server refused for load, or may be overloaded.
OVERLOAD_STATUSES = (429, 503)
DROPPED_STATUSES = (502, 504)
# Seconds past ``timeout`` at which the watchdog aborts an answer still arriving.
WATCHDOG_SLACK = 1.0
# What a non-idempotent request answered with this status raises Refused (the server did not handle it).
REFUSED_STATUS = 503
BODY_EXCERPT_CHARS = 200
# At least the most requests in flight plus headroom (the logins and refreshes the limit does not count);
# urllib3 blocks nothing when the pool is full, it only stops keeping the extra connections alive.
POOL_HEADROOM = 4
# OpenSSL's words when the bytes that answered the TLS hello are not a TLS record, as when the
# port serves plain HTTP: "wrong version number" (OpenSSL 1.1 and 3.x), "record layer failure"
# (3.2+), "packet length too long", "unknown protocol" (1.0).
# Failures a CA bundle (or not verifying) can fix: the certificate could not be verified.
CERTIFICATE_FAILURE = re.compile(r'CERTIFICATE_VERIFY_FAILED|certificate verify failed|hostname mismatch|'
                                 r"doesn't match|self.signed|unable to get local issuer", re.I)
PLAIN_HTTP_ANSWER = re.compile(r'WRONG_VERSION_NUMBER|wrong version number|RECORD_LAYER_FAILURE|record layer failure|'
                               r'packet length too long|unknown protocol', re.I)


def _excerpt(text, limit=BODY_EXCERPT_CHARS):
    if text is None:
        return ''
    text = re.sub(r'\s+', ' ', text).strip()
    if len(text) > limit:
        return text[:limit] + '...'
    return text


def _looks_like_html(text):
    head = (text or '').lstrip()[:100].lower()
    return head.startswith('<!doctype html') or head.startswith('<html') or head.startswith('<head') or head.startswith('<body')


class HttpError(Exception):
    """A request failed: ``status`` is the HTTP status, or None when there was no answer."""

    def __init__(self, message, status=None, method=None, url=None, body_excerpt=None):
        super(HttpError, self).__init__(message)
        self.message = message
        self.status = status
        self.method = method
        self.url = url
        self.body_excerpt = body_excerpt
        self.auth_sent = None   # the ``auth`` headers of the attempt that failed (see HttpSession.request)
        self.signal = NEUTRAL   # what it tells the concurrency limit (_concurrency)
        self.retry_after = None  # seconds the server asked to wait (Retry-After), when it did

    def __str__(self):
        return self.message


class TransportError(HttpError):
    """The server could not be reached or did not answer (DNS, refused, TLS, timeout, reset)."""


class OutcomeUnknown(HttpError):
    """A non-idempotent request may or may not have taken effect: look up before trying again."""


class Refused(HttpError):
    """The server refused a non-idempotent request without handling it (503): it may be sent again."""


# -- the whole-answer deadline -------------------------------------------------------------------
# Each attempt runs in a _Slot that the connection it uses registers itself in (through the thread
# that sends it), so the session's _Watchdog can shut that connection's socket down at the deadline:
# the blocked read then ends at once, whatever the server trickles.
_CURRENT = threading.local()


class _Slot(object):
    """One attempt in flight: its deadline and, once it has one, its connection."""

    __slots__ = ('deadline', 'conn', 'aborted', 'done', 'lock', 'order')

    def __init__(self, deadline, order):
        self.deadline = deadline
        self.order = order
        self.conn = None
        self.aborted = False
        self.done = False
        self.lock = threading.Lock()

    def __lt__(self, other):
        return (self.deadline, self.order) < (other.deadline, other.order)

    def abort(self):
        with self.lock:
            if self.done:
                return
            self.aborted = True
            sock = getattr(self.conn, 'sock', None)
        if sock is not None:
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except (OSError, socket.error):
                pass


class _TrackedConnection(object):
    """Mixed into urllib3's connections: each request tells the slot of its thread which connection carries it."""

    def connect(self):
        _track(self)
        return super(_TrackedConnection, self).connect()

    def request(self, *args, **kwargs):
        _track(self)
        return super(_TrackedConnection, self).request(*args, **kwargs)


def _track(conn):
    slot = getattr(_CURRENT, 'slot', None)
    if slot is not None:
        with slot.lock:
            slot.conn = conn
        if slot.aborted:
            slot.abort()


class _TrackedHTTPConnection(_TrackedConnection, HTTPConnection):
    pass


class _TrackedHTTPSConnection(_TrackedConnection, HTTPSConnection):
    pass


class _TrackedHTTPConnectionPool(HTTPConnectionPool):
    ConnectionCls = _TrackedHTTPConnection


class _TrackedHTTPSConnectionPool(HTTPSConnectionPool):
    ConnectionCls = _TrackedHTTPSConnection


_TRACKED_POOLS = {'http': _TrackedHTTPConnectionPool, 'https': _TrackedHTTPSConnectionPool}


class _TrackingAdapter(requests.adapters.HTTPAdapter if HAS_REQUESTS else object):
    """An HTTPAdapter whose connections (direct or through a proxy) register themselves with their slot."""

    def init_poolmanager(self, *args, **kwargs):
        super(_TrackingAdapter, self).init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = _TRACKED_POOLS

    def proxy_manager_for(self, *args, **kwargs):
        manager = super(_TrackingAdapter, self).proxy_manager_for(*args, **kwargs)
        manager.pool_classes_by_scheme = _TRACKED_POOLS
        return manager


class _Watchdog(object):
    """One daemon thread per session that aborts each attempt still in flight at its deadline."""

    # The longest the idle thread sleeps before it looks again (it is a daemon: it never keeps a run alive).
    IDLE_SECONDS = 60.0

    def __init__(self, clock=time.monotonic):
        self.clock = clock
        self._cond = threading.Condition()
        self._heap = []
        self._order = itertools.count()
        self._thread = None

    def start(self, seconds):
        """A new slot whose deadline is ``seconds`` from now; the caller sets it as its thread's current slot."""
        slot = _Slot(self.clock() + seconds, next(self._order))
        with self._cond:
            first = not self._heap or slot < self._heap[0]
            heapq.heappush(self._heap, slot)
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name='http-watchdog')
                self._thread.daemon = True
                self._thread.start()
            if first:
                self._cond.notify()   # only an earlier deadline than the one the thread waits for needs it
        return slot

    def finish(self, slot):
        with slot.lock:
            slot.done = True
        with self._cond:
            while self._heap and self._heap[0].done:   # each slot is popped once: the heap holds what is in flight
                heapq.heappop(self._heap)

    def abort_all(self):
        """Abort every attempt in flight (the run was stopped)."""
        with self._cond:
            slots, self._heap = self._heap, []
        for slot in slots:
            slot.abort()

    def _run(self):
        while True:
            with self._cond:
                now = self.clock()
                due = []
                while self._heap and (self._heap[0].done or self._heap[0].deadline <= now):
                    slot = heapq.heappop(self._heap)
                    if not slot.done:
                        due.append(slot)
                wait = self.IDLE_SECONDS if not self._heap else max(0.01, self._heap[0].deadline - now)
                if not due:
                    self._cond.wait(min(wait, self.IDLE_SECONDS))
                    continue
            for slot in due:
                slot.abort()


class _Retry(Exception):
    """An attempt failed in a way another attempt may fix; ``final(attempts)`` is the error once none are left.
    ``signal``: what the failure tells the concurrency limit."""

    def __init__(self, final, retry_after=None, signal=NEUTRAL):
        super(_Retry, self).__init__('retry')
        self.final = final
        self.retry_after = retry_after
        self.signal = signal


_UNPARSED = object()


class HttpResponse(object):
    """A received answer; ``auth_sent`` is what the ``auth`` callable gave for the attempt that got it."""

    def __init__(self, status, headers, text, method=None, url=None):
        self.status = status
        self.headers = headers
        self.text = text
        self.method = method
        self.url = url
        self.auth_sent = None
        self._data = _UNPARSED

    def describe(self):
        return '%s %s' % (self.method, self.url)

    def json(self):
        """The body as JSON; an HTML page or any other non-JSON body raises HttpError."""
        if self._data is not _UNPARSED:
            return self._data
        self._data = self._parse()
        return self._data

    def _parse(self):
        text = self.text or ''
        if _looks_like_html(text):
            raise HttpError('%s answered HTTP %s with an HTML page instead of JSON (a proxy, a login page or the wrong host?): %s'
                            % (self.describe(), self.status, _excerpt(text)),
                            status=self.status, method=self.method, url=self.url, body_excerpt=_excerpt(text))
        try:
            return jsonlib.loads(text)
        except ValueError:
            raise HttpError('%s answered HTTP %s with a body that is not JSON: %r'
                            % (self.describe(), self.status, _excerpt(text)),
                            status=self.status, method=self.method, url=self.url, body_excerpt=_excerpt(text))


def parse_retry_after(value, now=None):
    """Seconds to wait from a Retry-After header (delta-seconds or HTTP date), or None."""
    if value is None:
        return None
    value = str(value).strip()
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        parsed = email.utils.parsedate_tz(value)
    except (TypeError, ValueError):
        parsed = None
    if not parsed:
        return None
    when = email.utils.mktime_tz(parsed)
    return max(0.0, when - (time.time() if now is None else now))


def environment_proxies(url):
    """The proxies the environment gives ``url`` (HTTPS_PROXY, HTTP_PROXY, ALL_PROXY, NO_PROXY), as requests reads them."""
    return requests.utils.get_environ_proxies(url) if HAS_REQUESTS else {}


class HttpSession(object):
    """One keep-alive ``requests.Session`` against ``base_url``, with retries and clear errors."""

    def __init__(self, base_url, timeout=DEFAULT_TIMEOUT, validate_certs=True, ca_path=None, user_agent=None,
                 retries=5, backoff=0.5, max_backoff=30.0, sleep=None, control=None, max_in_flight=DEFAULT_MAX_WORKERS,
                 limit=None):
        """``max_in_flight``: the ceiling of the adaptive concurrency limit (``max_workers``); ``limit``: an
        ``_concurrency.AdaptiveLimit`` to use instead (tests)."""
        if not HAS_REQUESTS:
            raise HttpError('the Python library "requests" is required')
        self.base_url = base_url.rstrip('/')
        self.timeout = timeout
        self.validate_certs = validate_certs
        self.ca_path = ca_path
        self.retries = max(0, int(retries))
        self.backoff = float(backoff)
        self.max_backoff = float(max_backoff)
        self.control = control
        # Every wait of a controlled run ends early when the run stops.
        self.sleep = sleep or (control.wait if control is not None else time.sleep)
        self._answered = False      # whether the server has answered this session yet (see _failure)
        self._watchdog = _Watchdog()
        if control is not None:
            control.on_stop(self._watchdog.abort_all)
        # Replaceable in tests, so that backoff delays are exact.
        self.random = random.random
        self.stats = {'requests': 0, 'retries': 0}
        self.limit = limit or AdaptiveLimit(max_in_flight)
        self.session = requests.Session()
        adapter = _TrackingAdapter(pool_connections=4, pool_maxsize=self.limit.ceiling + POOL_HEADROOM, max_retries=0)
        self.session.mount('https://', adapter)
        self.session.mount('http://', adapter)
        self.session.headers['User-Agent'] = user_agent or DEFAULT_USER_AGENT
        self.session.headers['Accept'] = 'application/json'
        if validate_certs and ca_path:
            self.session.verify = ca_path
        else:
            self.session.verify = bool(validate_certs)
        # What requests would read from the environment before every request (the proxy of this host, unless
        # NO_PROXY spares it, and a CA bundle in REQUESTS_CA_BUNDLE or CURL_CA_BUNDLE) is read once here: the
        # same behaviour without scanning the whole environment 20,000 times in a sync (docs/performance.md).
        # ~/.netrc is never read: both APIs take their own credentials.
        self.session.trust_env = False
        self.session.proxies.update(environment_proxies(self.base_url))
        if self.session.verify is True and self.base_url.lower().startswith('https://'):
            self.session.verify = os.environ.get('REQUESTS_CA_BUNDLE') or os.environ.get('CURL_CA_BUNDLE') or True
        self.session.auth = _no_auth

    def close(self):
        self.session.close()

    def url_for(self, path):
        if re.match(r'^https?://', path, re.I):
            return path
        return '%s/%s' % (self.base_url, path.lstrip('/'))

    def backoff_delay(self, attempt, retry_after=None):
        """Seconds to wait before retry number ``attempt`` (0-based)."""
        if retry_after is not None:
            return min(self.max_backoff, retry_after)
        ceiling = min(self.max_backoff, self.backoff * (2 ** attempt))
        return ceiling * self.random()

    def request(self, method, path, params=None, json=None, data=None, headers=None,
                idempotent=None, expect=(200, 201, 202, 204), auth=None, want_json=False, limited=True):
        """Send one request, retrying as the module docstring says; returns an ``HttpResponse``.

        ``auth``: None, or a callable with no arguments returning a dict of headers (the
        credentials), called before every attempt. ``want_json``: read a 2xx body as JSON here
        (``HttpResponse.json()`` then returns it) and treat an unreadable one like a 5xx; an empty
        body is not unreadable (204, or a server with nothing to say). ``limited=False``: not counted by the
        concurrency limit (a login or a token grant, made while the client holds its token lock, which requests
        that hold slots may be waiting for: counting it could leave each waiting for the other). Raises ``TransportError``,
        ``OutcomeUnknown`` or ``HttpError``, each carrying ``auth_sent``.
        """
        method = method.upper()
        if idempotent is None:
            idempotent = method in IDEMPOTENT_METHODS
        url = self.url_for(path)
        attempt = 0
        waited_out = False      # this request already slept through the pause its own Retry-After set
        while True:
            if self.control is not None:
                self.control.check()
            slot = self._acquire(ignore_pause=waited_out) if limited else None
            signal, retry_after, answer = NEUTRAL, None, None
            try:
                self.stats['requests'] += 1
                sent = auth() if auth is not None else None
                attempt_headers = headers
                if auth is not None:
                    attempt_headers = dict(headers or {})
                    attempt_headers.update(sent or {})
                try:
                    answer = self._attempt(method, url, idempotent, expect, want_json,
                                           dict(params=params, json=json, data=data, headers=attempt_headers))
                    signal = SUCCESS
                except _Retry as retry:
                    signal, retry_after = retry.signal, retry.retry_after
                    if attempt >= self.retries:
                        error = retry.final(attempt + 1)
                        error.auth_sent = sent
                        error.signal = signal
                        raise error
                except HttpError as error:
                    signal = error.signal
                    error.auth_sent = sent
                    if error.retry_after is not None:
                        self.limit.pause(min(self.max_backoff, error.retry_after))
                    raise
            finally:
                if slot is not None:
                    self.limit.release(slot, signal)
            if answer is not None:
                answer.auth_sent = sent
                return answer
            waited_out = self._wait(attempt, retry_after)   # a _Retry with attempts left
            attempt += 1

    def _acquire(self, ignore_pause=False):
        """A slot of the concurrency limit, waiting (through the run's control) for a free one and for a pause."""
        check = self.control.check if self.control is not None else None
        if ignore_pause:
            return self.limit.acquire(check=check, ignore_pause=True)
        return self.limit.acquire(check=check, sleep=self.sleep)

    def _attempt(self, method, url, idempotent, expect, want_json, send):
        """One attempt: the answer, or raises an ``HttpError`` (final) or a ``_Retry`` (worth another attempt).

        The whole attempt (connect, send, headers, body) runs under the watchdog's deadline of ``timeout`` seconds.
        """
        # A second past the timeout, so that a silent server meets the socket's own read timeout first.
        slot = self._watchdog.start(self.timeout + WATCHDOG_SLACK)
        _CURRENT.slot = slot
        try:
            resp = self.session.request(method, url, timeout=self.timeout, verify=self.session.verify,
                                        allow_redirects=False, **send)
        except requests.exceptions.RequestException as exc:
            if self.control is not None and self.control.stopped:
                raise RunStopped(self.control.reason, self.control.cancelled)
            raise self._failure(exc, method, strip_userinfo(url), idempotent, whole_answer_timeout=slot.aborted)
        finally:
            _CURRENT.slot = None
            self._watchdog.finish(slot)
        self._answered = True
        shown_url = strip_userinfo(resp.url or url)
        if resp.status_code in expect:
            return self._expected(resp, method, shown_url, idempotent, want_json)
        raise self._refusal(resp, method, shown_url, idempotent)

    def _failure(self, exc, method, url, idempotent, whole_answer_timeout=False):
        """What a request that got no answer raises: at once when it never left, else retried if it may be."""
        if whole_answer_timeout:
            failure, sent, passing = 'timed out waiting for the whole answer (%s seconds)' % self.timeout, True, True
        else:
            failure, sent, passing = self._classify(exc)
        shown = '%s %s' % (method, url)
        if not sent and passing and self._answered:
            # The request never left, and this server has answered before: a passing fault, safe to repeat.
            return _Retry(lambda attempts: TransportError('%s failed after %d attempts: %s' % (shown, attempts, failure),
                                                          method=method, url=url), signal=DROPPED)
        if not sent:
            return TransportError('%s failed: %s' % (shown, failure), method=method, url=url)
        if not idempotent:
            error = OutcomeUnknown('%s failed after the request was sent (%s); it may or may not have taken effect'
                                   % (shown, failure), method=method, url=url)
            error.signal = DROPPED
            return error
        return _Retry(lambda attempts: TransportError('%s failed after %d attempts: %s' % (shown, attempts, failure),
                                                      method=method, url=url), signal=DROPPED)

    @staticmethod
    def _expected(resp, method, url, idempotent, want_json):
        """An answer with an expected status; with ``want_json`` an unreadable 2xx body counts like a 5xx."""
        status = resp.status_code
        answer = HttpResponse(status, resp.headers, resp.text, method=method, url=url)
        if not want_json or not 200 <= status < 300 or not (resp.text or '').strip():
            return answer
        try:
            answer.json()
            return answer
        except HttpError as exc:
            message, excerpt = exc.message, exc.body_excerpt
        if not idempotent:
            raise OutcomeUnknown('%s; the request may or may not have taken effect' % message,
                                 status=status, method=method, url=url, body_excerpt=excerpt)
        raise _Retry(lambda attempts: HttpError('%s (%d attempts)' % (message, attempts), status=status, method=method,
                                                url=url, body_excerpt=excerpt))

    @staticmethod
    def _refusal(resp, method, url, idempotent):
        """What an answer with an unexpected status raises: 429, and 5xx of an idempotent request, are retried."""
        status = resp.status_code
        text = resp.text
        excerpt = _excerpt(text)
        signal = OVERLOAD if status in OVERLOAD_STATUSES else DROPPED if status in DROPPED_STATUSES else NEUTRAL
        if status == RATE_LIMIT_STATUS or (status in RETRY_STATUSES and idempotent):
            return _Retry(lambda attempts: HttpError('%s %s answered HTTP %d after %d attempts: %s'
                                                     % (method, url, status, attempts, excerpt),
                                                     status=status, method=method, url=url, body_excerpt=excerpt),
                          parse_retry_after(resp.headers.get('Retry-After')), signal=signal)
        if status == REFUSED_STATUS:
            error = Refused('%s %s answered HTTP %d; the server did not handle the request: %s'
                            % (method, url, status, excerpt), status=status, method=method, url=url, body_excerpt=excerpt)
            error.retry_after = parse_retry_after(resp.headers.get('Retry-After'))
        elif status in RETRY_STATUSES:
            error = OutcomeUnknown('%s %s answered HTTP %d; the request may or may not have taken effect: %s'
                                   % (method, url, status, excerpt), status=status, method=method, url=url,
                                   body_excerpt=excerpt)
        else:
            error = None
        if error is not None:
            error.signal = signal
            return error
        if 300 <= status < 400 and resp.headers.get('Location'):
            # Redirects are not followed: they would turn a POST into a GET and may leave TLS.
            return HttpError('%s %s answered HTTP %d redirecting to %s: point the module at the final URL'
                             % (method, url, status, strip_userinfo(resp.headers['Location'])),
                             status=status, method=method, url=url, body_excerpt=excerpt)
        what = 'an HTML page' if _looks_like_html(text) else 'an error'
        return HttpError('%s %s answered HTTP %d with %s: %s' % (method, url, status, what, excerpt),
                         status=status, method=method, url=url, body_excerpt=excerpt)

    def _wait(self, attempt, retry_after):
        """Wait before retry number ``attempt``; a Retry-After pauses every worker of the session for as long
        (the one that got it sleeps it here). True when it was a Retry-After."""
        self.stats['retries'] += 1
        delay = self.backoff_delay(attempt, retry_after)
        if retry_after is not None:
            self.limit.pause(delay)
        self.sleep(delay)
        return retry_after is not None

    @staticmethod
    def _classify(exc):
        """(a sentence a person can act on, whether the request may have reached the server, whether the failure
        may pass by itself: a refused or timed-out connection may, a name or a certificate will not)."""
        if isinstance(exc, requests.exceptions.SSLError):
            if PLAIN_HTTP_ANSWER.search(str(_root_reason(exc))):
                # The answer to the TLS hello was not TLS (an HTTP server answers "400 Bad Request"):
                # certificates are not the problem, so the CA advice would send the operator astray.
                return ('the server does not speak TLS on that port (%s): did you mean http://? A host name without '
                        'a scheme means https://' % _reason(exc)), False, False
            if CERTIFICATE_FAILURE.search(str(_root_reason(exc))):
                return ('TLS failure: %s; if the server uses a private CA set ca_path to its CA bundle '
                        '(or validate_certs=false, insecure)' % _reason(exc)), False, False
            # A handshake that failed for another reason (protocol versions, ciphers, a closed
            # connection): a CA bundle would not help, so none is suggested.
            return ('TLS handshake failed: %s; check that this port serves HTTPS' % _reason(exc)), False, False
        if isinstance(exc, requests.exceptions.ConnectTimeout):
            return 'timed out connecting to the server (%s)' % _reason(exc), False, True
        if isinstance(exc, requests.exceptions.ReadTimeout):
            return 'timed out waiting for the answer', True, True
        if isinstance(exc, (requests.exceptions.InvalidURL, requests.exceptions.MissingSchema,
                            requests.exceptions.InvalidSchema)):
            return 'invalid URL: %s' % _reason(exc), False, False
        if isinstance(exc, requests.exceptions.ConnectionError):
            reason = _root_reason(exc)
            name = type(reason).__name__
            if name in ('NameResolutionError',) or 'Name or service not known' in str(reason) or 'getaddrinfo' in str(reason):
                return 'cannot resolve the host name (%s)' % _reason(exc), False, False
            if name == 'NewConnectionError' or isinstance(reason, OSError) and 'refused' in str(reason).lower():
                return 'cannot connect to the server (%s)' % _reason(exc), False, True
            return 'connection lost (%s)' % _reason(exc), True, True
        if isinstance(exc, (requests.exceptions.ChunkedEncodingError, requests.exceptions.ContentDecodingError)):
            return 'the answer was cut off (%s)' % _reason(exc), True, True
        return '%s: %s' % (type(exc).__name__, _reason(exc)), True, True


def _no_auth(request):
    return request


def _root_reason(exc):
    """The innermost urllib3 reason of a requests exception."""
    reason = exc.args[0] if exc.args else exc
    seen = 0
    while seen < 5 and getattr(reason, 'reason', None) is not None:
        reason = reason.reason
        seen += 1
    return reason


def _reason(exc):
    reason = _root_reason(exc)
    text = str(reason)
    # urllib3 repeats the connection object's repr; the part after the last colon is what matters.
    match = re.search(r'>: (.*)$', text)
    if match:
        text = match.group(1)
    return _excerpt(text, 300)
