# -*- coding: utf-8 -*-
# Copyright: (c) 2026, clearip.netsapiens contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The event source netsapiens_events, run directly with asyncio on loopback (as ansible-rulebook runs it)."""

import asyncio
import importlib.util
import json
import logging
import socket
import subprocess
from pathlib import Path

import pytest

aiohttp = pytest.importorskip('aiohttp', reason='aiohttp comes with ansible-rulebook (test-requirements-eda.txt)')

ROOT = Path(__file__).resolve().parents[3]
SOURCE = ROOT / 'extensions' / 'eda' / 'plugins' / 'event_source' / 'netsapiens_events.py'
TOKEN = 's3cret-token-0123456789'


def load_source():
    spec = importlib.util.spec_from_file_location('netsapiens_events_under_test', str(SOURCE))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


events = load_source()


def free_port():
    with socket.socket() as sock:
        sock.bind(('127.0.0.1', 0))
        return sock.getsockname()[1]


def run_source(args, scenario):
    """Start main(queue, args), run ``await scenario(base_url, queue, session)``, then cancel the source."""

    async def go():
        queue = asyncio.Queue()
        port = free_port()
        full = dict({'host': '127.0.0.1', 'port': port, 'token': TOKEN, 'batch_seconds': 0}, **args)
        task = asyncio.ensure_future(events.main(queue, full))
        scheme = 'https' if full.get('certfile') else 'http'
        base = '%s://127.0.0.1:%d' % (scheme, port)
        connector = aiohttp.TCPConnector(ssl=False)
        async with aiohttp.ClientSession(connector=connector) as session:
            for _attempt in range(100):   # wait until it listens
                try:
                    async with session.get(base + '/'):
                        break
                except aiohttp.ClientConnectionError:
                    await asyncio.sleep(0.05)
            try:
                return await scenario(base, queue, session)
            finally:
                assert not task.done(), 'the source stopped: %r' % (task.exception() if task.done() else None)
                task.cancel()
                try:
                    await task
                except asyncio.CancelledError:
                    pass

    return asyncio.run(go())


async def post(session, url, body):
    data = body if isinstance(body, bytes) else json.dumps(body).encode('utf-8')
    async with session.post(url, data=data, headers={'Content-Type': 'application/json'}) as answer:
        return answer.status


def drain(queue):
    found = []
    while not queue.empty():
        found.append(queue.get_nowait())
    return found


def test_one_event_per_post_with_the_fields_the_sync_needs():
    async def scenario(base, queue, session):
        status = await post(session, base + '/netsapiens/' + TOKEN,
                            {'user': '100', 'domain': 'd1.example', 'reseller': 'r1', 'name-first-name': 'Ann'})
        assert status == 202
        return await asyncio.wait_for(queue.get(), 5)

    event = run_source({}, scenario)
    assert event == {'netsapiens': {'model': 'subscriber', 'domains': ['d1.example'],
                                    'changes': [{'domain': 'd1.example', 'user': '100', 'reseller': 'r1'}], 'posts': 1}}


def test_token_as_query_parameter_and_list_bodies_and_missing_fields():
    async def scenario(base, queue, session):
        body = [{'domain': 'd2.example'}, {'domain': 'd1.example', 'user': '7', 'territory': 'r9'}, {'user': 'no-domain'}]
        assert await post(session, base + '/hook?token=' + TOKEN, body) == 202
        return await asyncio.wait_for(queue.get(), 5)

    event = run_source({}, scenario)['netsapiens']
    assert event['domains'] == ['d1.example', 'd2.example']
    assert event['changes'] == [{'domain': 'd1.example', 'user': '7', 'reseller': 'r9'}, {'domain': 'd2.example'}]


@pytest.mark.parametrize('payload', [
    {'data': [{'domain': 'd1.example', 'user': '1'}]},
    {'subscriber': {'domain': 'd1.example', 'user': '1'}},
    {'event': 'create', 'payload': [{'domain': 'd1.example', 'user': '1'}]},
])
def test_wrapped_records(payload):
    assert events.parse_changes(json.dumps(payload).encode()) == ([{'domain': 'd1.example', 'user': '1'}], 0)


class _HeldWindow:
    """A window that ends when the test says so, not after a time: stands in for the call_later timer."""

    def cancel(self):
        pass


def test_the_first_post_goes_at_once_and_the_burst_after_it_becomes_one_event_with_repeats_merged(monkeypatch):
    # The window ends when the test ends it, after every post of the burst was answered: however slow the machine,
    # the whole burst falls in one window. (The timer itself: test_a_change_after_a_quiet_window_goes_at_once_again.)
    opened = []

    def open_window(batcher):
        batcher.timer = _HeldWindow()
        opened.append(batcher)

    monkeypatch.setattr(events.Batcher, '_open_window', open_window)

    async def scenario(base, queue, session):
        for number in range(50):
            assert await post(session, base + '/netsapiens/' + TOKEN, {'domain': 'd%d.example' % (number % 2), 'user': str(number)}) == 202
        assert await post(session, base + '/netsapiens/' + TOKEN, {'domain': 'd1.example', 'user': '1'}) == 202   # the same again
        queued = drain(queue)
        first, waiting = queued[0], queued[1:]   # no window to wait for: the spell was quiet
        await opened[-1]._window_end()   # the window ends: what it gathered goes as one event, and a new window opens
        second = drain(queue)
        await opened[-1]._window_end()   # a window that gathered nothing
        return first, waiting, second, drain(queue), len(opened)

    first, waiting, second, rest, windows = run_source({'batch_seconds': 3}, scenario)
    assert first['netsapiens']['changes'] == [{'domain': 'd0.example', 'user': '0'}] and first['netsapiens']['posts'] == 1
    assert waiting == []              # the rest of the burst waits for the window's end...
    assert len(second) == 1 and second[0]['netsapiens']['domains'] == ['d0.example', 'd1.example']
    assert len(second[0]['netsapiens']['changes']) == 49 and second[0]['netsapiens']['posts'] == 50   # ...as one event
    assert rest == []                 # a window that gathered nothing emits nothing
    assert windows == 2               # and opens no further window: the next change is a quiet spell's first


def test_a_change_after_a_quiet_window_goes_at_once_again():
    async def scenario(base, queue, session):
        assert await post(session, base + '/netsapiens/' + TOKEN, {'domain': 'd1.example', 'user': '1'}) == 202
        first = drain(queue)          # at once: queued before the post was answered
        await asyncio.sleep(0.5)      # the window (0.2 s, a timer on this same loop, due first) ended with nothing in it
        assert await post(session, base + '/netsapiens/' + TOKEN, {'domain': 'd2.example', 'user': '2'}) == 202
        second = drain(queue)
        return first, second

    first, second = run_source({'batch_seconds': 0.2}, scenario)
    assert [[e['netsapiens']['domains'] for e in first], [e['netsapiens']['domains'] for e in second]] == [
        [['d1.example']], [['d2.example']]]


@pytest.mark.parametrize('url_suffix', ['/netsapiens/wrong-token', '/netsapiens/', '/', '/netsapiens/%s?token=nope' % TOKEN,
                                        '/netsapiens/' + TOKEN[:-1]])
def test_a_post_without_the_secret_is_rejected_logged_and_the_source_keeps_running(url_suffix, caplog):
    caplog.set_level(logging.WARNING)

    async def scenario(base, queue, session):
        rejected = await post(session, base + url_suffix, {'domain': 'd1.example', 'user': '1'})
        accepted = await post(session, base + '/netsapiens/' + TOKEN, {'domain': 'd2.example', 'user': '2'})
        return rejected, accepted, drain(queue)

    rejected, accepted, queued = run_source({}, scenario)
    assert (rejected, accepted) == (403, 202)
    assert [e['netsapiens']['domains'] for e in queued] == [['d2.example']]
    assert 'does not carry the expected token' in caplog.text
    assert TOKEN not in caplog.text


@pytest.mark.parametrize('body, message', [
    (b'{"domain": "d1.example", ', 'not JSON'),
    (b'\xff\xfe', 'not JSON'),
    (b'[1, 2, "x"]', 'no subscriber record'),
    (b'[[]]', 'no subscriber record'),
    (b'{}', 'no subscriber record'),
    (b'{"data": []}', 'no subscriber record'),
    (b'"text"', 'no subscriber record'),
    (b'', 'not JSON'),
])
def test_a_malformed_body_is_rejected_logged_and_the_source_keeps_running(body, message, caplog):
    caplog.set_level(logging.WARNING)

    async def scenario(base, queue, session):
        rejected = await post(session, base + '/netsapiens/' + TOKEN, body)
        accepted = await post(session, base + '/netsapiens/' + TOKEN, {'domain': 'd2.example'})
        return rejected, accepted, drain(queue)

    rejected, accepted, queued = run_source({}, scenario)
    assert (rejected, accepted) == (400, 202)
    assert [e['netsapiens']['domains'] for e in queued] == [['d2.example']]
    assert message in caplog.text


def test_an_empty_array_is_a_valid_post_with_nothing_to_emit(caplog):
    caplog.set_level(logging.WARNING)

    async def scenario(base, queue, session):
        async with session.post(base + '/netsapiens/' + TOKEN, data=b'[]', headers={'Content-Type': 'application/json'}) as answer:
            empty = (answer.status, await answer.json())
        await asyncio.sleep(0.2)
        nothing = drain(queue)
        accepted = await post(session, base + '/netsapiens/' + TOKEN, [{'domain': 'd2.example'}])
        return empty, nothing, accepted, await asyncio.wait_for(queue.get(), 5)

    empty, nothing, accepted, event = run_source({'batch_seconds': 0.05}, scenario)
    assert empty == (202, {'accepted': 0, 'dropped': 0})
    assert nothing == []
    assert accepted == 202
    assert event['netsapiens']['domains'] == ['d2.example'] and event['netsapiens']['posts'] == 1
    assert 'HTTP 400' not in caplog.text and 'without a valid domain' not in caplog.text   # nothing wrong with it
    assert events.parse_changes(b'[]') == ([], 0)
    assert events.parse_changes(b' [ ] ') == ([], 0)


def test_an_oversized_body_is_rejected_logged_and_the_source_keeps_running(caplog):
    caplog.set_level(logging.WARNING)
    big = json.dumps([{'domain': 'd1.example', 'user': str(n)} for n in range(200)]).encode()

    async def chunked():
        for start in range(0, len(big), 1000):
            yield big[start:start + 1000]

    async def scenario(base, queue, session):
        sized = await post(session, base + '/netsapiens/' + TOKEN, big)
        async with session.post(base + '/netsapiens/' + TOKEN, data=chunked()) as answer:   # no Content-Length
            streamed = answer.status
        accepted = await post(session, base + '/netsapiens/' + TOKEN, {'domain': 'd2.example'})
        return sized, streamed, accepted, drain(queue)

    sized, streamed, accepted, queued = run_source({'max_body_bytes': 2048}, scenario)
    assert (sized, streamed, accepted) == (413, 413, 202)
    assert [e['netsapiens']['domains'] for e in queued] == [['d2.example']]
    assert caplog.text.count('over max_body_bytes') == 2


def test_names_outside_the_netsapiens_character_set_are_not_passed_on():
    changes, dropped = events.parse_changes(json.dumps([
        {'domain': 'd1.example; rm -rf /', 'user': '1'}, {'domain': 'x' * 256}, {'domain': 'ok.example', 'user': '{{ evil }}'},
    ]).encode())
    assert changes == [{'domain': 'ok.example'}]
    assert dropped == 2


def test_https_with_certfile_and_keyfile(tmp_path):
    cert, key = tmp_path / 'cert.pem', tmp_path / 'key.pem'
    made = subprocess.run(['openssl', 'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=127.0.0.1',
                           '-keyout', str(key), '-out', str(cert)], capture_output=True, check=False)
    if made.returncode != 0:
        pytest.fail('openssl could not make a test certificate: %s' % made.stderr)

    async def scenario(base, queue, session):
        assert base.startswith('https://')
        assert await post(session, base + '/netsapiens/' + TOKEN, {'domain': 'd1.example'}) == 202
        return await asyncio.wait_for(queue.get(), 5)

    event = run_source({'certfile': str(cert), 'keyfile': str(key)}, scenario)
    assert event['netsapiens']['domains'] == ['d1.example']


@pytest.mark.parametrize('args, message', [
    ({'port': 1}, 'token'),
    ({'token': TOKEN}, 'port'),
    ({'token': TOKEN, 'port': 1, 'keyfile': '/k.pem'}, 'keyfile is set without certfile'),
    ({'token': TOKEN, 'port': 1, 'batch_seconds': -1}, 'batch_seconds'),
])
def test_bad_arguments_are_named(args, message):
    with pytest.raises(ValueError, match=message):
        asyncio.run(events.main(asyncio.Queue(), args))


def test_a_batch_still_waiting_at_shutdown_is_logged_not_lost_silently(caplog):
    caplog.set_level(logging.WARNING)

    async def scenario(base, queue, session):
        assert await post(session, base + '/netsapiens/' + TOKEN, {'domain': 'first.example'}) == 202
        assert await post(session, base + '/netsapiens/' + TOKEN, {'domain': 'late.example'}) == 202
        return drain(queue)

    assert [e['netsapiens']['domains'] for e in run_source({'batch_seconds': 30}, scenario)] == [['first.example']]
    assert 'not yet emitted (domains late.example)' in caplog.text
