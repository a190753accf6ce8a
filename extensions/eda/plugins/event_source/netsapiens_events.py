# -*- coding: utf-8 -*-
# Copyright: (c) 2026, clearip.netsapiens contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""ansible-rulebook event source: NetSapiens subscriber event posts, batched per domain.

Arguments (the ``sources:`` entry of a rulebook, ``clearip.netsapiens.netsapiens_events``):

- ``port`` (int, required): the TCP port to listen on.
- ``host`` (str, default ``0.0.0.0``): the address to listen on.
- ``token`` (str, required): the shared secret NetSapiens must put in the post URL, either as the
  last path segment (``https://eda.example:5000/netsapiens/<token>``) or as the ``token`` query
  parameter. Compared in constant time (``hmac.compare_digest``); never logged.
- ``certfile``, ``keyfile`` (paths, optional): serve HTTPS with this certificate and key
  (``keyfile`` may be left out when ``certfile`` holds both). Without them the source serves plain
  HTTP: put it behind a TLS proxy, or on a private network only.
- ``max_body_bytes`` (int, default 1048576): a larger post is answered 413 and dropped.
- ``batch_seconds`` (float, default 2.0): the first change after a quiet spell is emitted at once (a new
  subscriber waits for no window); the changes that arrive in the ``batch_seconds`` after an event are
  emitted together when that window ends, so that 50 users created at once start two targeted syncs,
  not 50, and a busy source emits at most one event per window. ``0`` emits one event per post.

NetSapiens documents every event post as "a JSON array of objects" (the vendor's event-subscriptions
guide); the fields of a subscriber object are not published (/work/shared/api-contract.md, Event
subscriptions: **inferred** the field names of ``GET /domains/{domain}/users``). Accepted shapes, see
``subscriber_records``: a list of records (the documented one; an empty list ``[]`` is a valid post
with nothing in it), one record (an object), or an object wrapping such a list. Every field is
optional; a record without a usable ``domain`` is logged and dropped (the hourly sync still covers it).

Answers: 202 accepted (also for ``[]``, which emits nothing); 403 wrong or missing token; 400 a body
that is not JSON or holds no subscriber record (a non-empty list without one object in it included);
413 a body over ``max_body_bytes``; 405 another method than POST. Each rejected post is logged (without
the token) and dropped; the source keeps running.

Event emitted (one per batch)::

    {"netsapiens": {"model": "subscriber",
                    "domains": ["d1.example", ...],             # sorted, each once
                    "changes": [{"domain": "d1.example", "user": "100", "reseller": "r1"}, ...],
                    "posts": 3}}                                   # posts merged into this event

``user`` and ``reseller`` are there only when the post carried them; ``changes`` holds each
(domain, user, reseller) once.
"""

from __future__ import annotations

import asyncio
import hmac
import json
import logging
import re
import ssl
from typing import Any

from aiohttp import web

LOGGER = logging.getLogger(__name__)

DEFAULT_HOST = '0.0.0.0'
DEFAULT_MAX_BODY_BYTES = 1024 * 1024
DEFAULT_BATCH_SECONDS = 2.0
TOKEN_QUERY_PARAMETER = 'token'

# The v2 user-record fields this source reads (api-contract.md: GET /domains/{domain}/users), and
# the v1 names (object=subscriber; v1 calls a reseller a territory) as fallbacks.
DOMAIN_FIELDS = ('domain',)
USER_FIELDS = ('user',)
RESELLER_FIELDS = ('reseller', 'territory')
# Keys under which an object may wrap a list of records (inferred; any list of objects is looked at).
WRAPPER_KEYS = ('data', 'subscribers', 'subscriber', 'users', 'records', 'items', 'events')
# NetSapiens names (api-contract.md, Names): fewer than 256 characters of letters, digits, space
# and # * + @ . , - _. Anything else is not passed on to a playbook run.
NAME_PATTERN = re.compile(r'^[A-Za-z0-9 #*+@.,_-]{1,255}$')


class BadPost(Exception):
    """A post to drop: ``status`` is the HTTP answer, the message is logged and answered."""

    def __init__(self, status, message):
        super().__init__(message)
        self.status = status
        self.message = message


def _field(record, names):
    for name in names:
        value = record.get(name)
        if isinstance(value, (str, int)) and not isinstance(value, bool):
            text = str(value).strip()
            if text:
                return text
    return None


def subscriber_records(payload):
    """The record objects in a decoded post: an object with a domain or user field, a list of such
    objects, or an object whose ``WRAPPER_KEYS`` value (or any value) is one of those. [] when none."""
    if isinstance(payload, list):
        return [item for item in payload if isinstance(item, dict)]
    if not isinstance(payload, dict):
        return []
    if any(key in payload for key in DOMAIN_FIELDS + USER_FIELDS):
        return [payload]
    keys = [key for key in WRAPPER_KEYS if key in payload] + [key for key in payload if key not in WRAPPER_KEYS]
    for key in keys:
        found = subscriber_records(payload[key]) if isinstance(payload[key], (list, dict)) else []
        if found:
            return found
    return []


def parse_changes(body):
    """``body`` (bytes) -> (changes, dropped): changes are ``{"domain", "user"?, "reseller"?}`` dicts.

    Raises BadPost(400) for a body that is not UTF-8 JSON or holds no record at all; records without a
    usable domain are counted in ``dropped``. An empty JSON array is a post of nothing: ([], 0).
    """
    try:
        payload = json.loads(body.decode('utf-8'))
    except (UnicodeDecodeError, ValueError) as exc:
        raise BadPost(400, 'the body is not JSON: %s' % exc)
    if payload == []:
        return [], 0   # the documented shape (an array of objects), with no object in it
    records = subscriber_records(payload)
    if not records:
        raise BadPost(400, 'the body holds no subscriber record (a JSON object with a domain or user field, or a list of them)')
    changes, dropped = [], 0
    for record in records:
        domain = _field(record, DOMAIN_FIELDS)
        if domain is None or not NAME_PATTERN.match(domain):
            dropped += 1
            continue
        change = {'domain': domain}
        for key, names in (('user', USER_FIELDS), ('reseller', RESELLER_FIELDS)):
            value = _field(record, names)
            if value is not None and NAME_PATTERN.match(value):
                change[key] = value
        changes.append(change)
    return changes, dropped


def token_matches(request, expected):
    """Whether the post URL carries ``expected`` (query parameter, else last path segment); constant time."""
    given = request.query.get(TOKEN_QUERY_PARAMETER)
    if given is None:
        given = request.path.rstrip('/').rsplit('/', 1)[-1]
    return hmac.compare_digest(given.encode('utf-8'), expected.encode('utf-8'))


class Batcher:
    """Emits the first change of a quiet spell at once, then one event per ``batch_seconds`` window while changes arrive."""

    def __init__(self, queue, batch_seconds):
        self.queue = queue
        self.batch_seconds = batch_seconds
        self.changes = {}
        self.posts = 0
        self.timer = None

    async def add(self, changes):
        for change in changes:
            key = (change['domain'], change.get('user'), change.get('reseller'))
            self.changes.setdefault(key, change)
        self.posts += 1
        if self.batch_seconds <= 0:
            await self.flush()
        elif self.timer is None:
            # Quiet until now: this change goes at once, and what follows within the window waits for its end.
            await self.flush()
            self._open_window()

    def _open_window(self):
        self.timer = asyncio.get_running_loop().call_later(
            self.batch_seconds, lambda: asyncio.ensure_future(self._window_end()))

    async def _window_end(self):
        self.timer = None
        if self.changes:
            await self.flush()
            self._open_window()   # still busy: the next changes wait for the next window's end

    async def flush(self):
        if not self.changes:
            return
        changes = [self.changes[key] for key in sorted(self.changes, key=lambda k: tuple(v or '' for v in k))]
        event = {'netsapiens': {'model': 'subscriber',
                                'domains': sorted(set(c['domain'] for c in changes)),
                                'changes': changes,
                                'posts': self.posts}}
        self.changes, self.posts = {}, 0
        LOGGER.info('netsapiens_events: %d change(s) in domain(s) %s', len(changes), ', '.join(event['netsapiens']['domains']))
        await self.queue.put(event)

    def cancel(self):
        if self.timer is not None:
            self.timer.cancel()
            self.timer = None


def _settings(args):
    token = args.get('token')
    if not isinstance(token, str) or not token:
        raise ValueError('netsapiens_events: the token argument (the shared secret in the post URL) is required')
    if args.get('port') is None:
        raise ValueError('netsapiens_events: the port argument is required')
    max_body = int(args.get('max_body_bytes', DEFAULT_MAX_BODY_BYTES))
    batch = float(args.get('batch_seconds', DEFAULT_BATCH_SECONDS))
    if max_body < 1 or batch < 0:
        raise ValueError('netsapiens_events: max_body_bytes must be at least 1 and batch_seconds not negative')
    context = None
    if args.get('certfile'):
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(args['certfile'], args.get('keyfile'))
    elif args.get('keyfile'):
        raise ValueError('netsapiens_events: keyfile is set without certfile')
    return token, int(args['port']), args.get('host') or DEFAULT_HOST, max_body, batch, context


def build_app(batcher, token, max_body):
    """The aiohttp application that answers posts (see the module docstring for the answers)."""

    async def receive(request):
        peer = request.remote
        try:
            if request.method != 'POST':
                raise BadPost(405, 'method %s is not accepted, only POST' % request.method)
            if not token_matches(request, token):
                raise BadPost(403, 'the post URL does not carry the expected token')
            if request.content_length is not None and request.content_length > max_body:
                raise BadPost(413, 'the body of %d bytes is over max_body_bytes (%d)' % (request.content_length, max_body))
            body = bytearray()
            while True:   # a chunked post has no Content-Length: count what arrives
                chunk = await request.content.read(65536)
                if not chunk:
                    break
                body.extend(chunk)
                if len(body) > max_body:
                    raise BadPost(413, 'the body is over max_body_bytes (%d)' % max_body)
            changes, dropped = parse_changes(bytes(body))
        except BadPost as exc:
            LOGGER.warning('netsapiens_events: post from %s dropped (HTTP %d): %s', peer, exc.status, exc.message)
            return web.json_response({'message': exc.message}, status=exc.status)
        if dropped:
            LOGGER.warning('netsapiens_events: post from %s: %d record(s) without a valid domain dropped', peer, dropped)
        if changes:
            await batcher.add(changes)
        return web.json_response({'accepted': len(changes), 'dropped': dropped}, status=202)

    # client_max_size bounds what aiohttp itself would buffer; the reads above never ask for more.
    app = web.Application(client_max_size=max_body + 1)
    app.router.add_route('*', '/{tail:.*}', receive)
    return app


async def main(queue: asyncio.Queue, args: dict[str, Any]) -> None:
    """ansible-rulebook's entry point: serve until cancelled, putting events on ``queue``."""
    token, port, host, max_body, batch, context = _settings(args)
    batcher = Batcher(queue, batch)
    # access_log=None: aiohttp's access log would write the token of each post URL.
    runner = web.AppRunner(build_app(batcher, token, max_body), access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, host, port, ssl_context=context)
    await site.start()
    LOGGER.info('netsapiens_events: listening on %s://%s:%d', 'https' if context else 'http', host, port)
    try:
        await asyncio.Future()
    finally:
        # On shutdown a batch still waiting is dropped, not put on a queue nobody may read any more;
        # the hourly sync creates what it named.
        if batcher.changes:
            LOGGER.warning('netsapiens_events: stopping with %d change(s) not yet emitted (domains %s); the hourly sync '
                           'covers them', len(batcher.changes), ', '.join(sorted(set(k[0] for k in batcher.changes))))
        batcher.cancel()
        await runner.cleanup()


if __name__ == '__main__':
    # A manual check: python netsapiens_events.py, then post to http://127.0.0.1:5000/netsapiens/secret.

    class _PrintQueue:
        async def put(self, event):
            print(json.dumps(event))

    logging.basicConfig(level=logging.INFO)
    asyncio.run(main(_PrintQueue(), {'port': 5000, 'host': '127.0.0.1', 'token': 'secret'}))
