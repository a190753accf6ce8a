# -*- coding: utf-8 -*-
# Copyright: (c) 2026, clearip.netsapiens contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Event-driven provisioning end to end: the real ansible-rulebook runs the collection's rulebook and event
source; the subscription is registered with netsapiens_event_subscription; users added to the NetSapiens
simulator reach the ClearIP simulator through the targeted sync.

Needs ansible-rulebook (test-requirements-eda.txt) and a Java 17+ runtime.
"""

from __future__ import annotations

import collections
import json
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

from tests.integration.conftest import BIN, ansible_env, assert_no_secret, vendor_config
from tests.simulators import dataset as D

RULEBOOK = BIN / 'ansible-rulebook'
TOKEN = 'eda-token-5d41402abc4b2a76b971'
USERS_READ = 'GET /ns-api/v2/domains/{domain}/users'

pytestmark = pytest.mark.skipif(not RULEBOOK.exists() or shutil.which('java') is None,
                                reason='ansible-rulebook (make venv) and Java 17+ are needed')


def free_port():
    with socket.socket() as sock:
        sock.bind(('127.0.0.1', 0))
        return sock.getsockname()[1]


def clearip_user_ids(sims):
    return [u.get('userId') for u in sims.state(sims.clearip)['users']]


def wait_for(what, check, timeout):
    deadline = time.time() + timeout
    while time.time() < deadline:
        found = check()
        if found:
            return found
        time.sleep(0.1)
    pytest.fail('timed out after %d s waiting for %s' % (timeout, what))


@pytest.fixture
def rulebook(tmp_path, collections_path):
    """``rulebook(sims)`` starts ansible-rulebook with the collection's rulebook; returns (post_url, process, log path)."""
    started = []

    def start(sims, batch_seconds=2):
        port = free_port()
        work = tmp_path / 'rulebook'
        (work / 'home' / 'tmp').mkdir(parents=True)
        (work / 'inventory.yml').write_text('all:\n  hosts:\n    localhost:\n      ansible_connection: local\n'
                                            '      ansible_python_interpreter: %s\n' % sys.executable)
        variables = dict(vendor_config(sims), netsapiens_events_host='127.0.0.1', netsapiens_events_port=port,
                         netsapiens_events_token=TOKEN, netsapiens_events_batch_seconds=batch_seconds)
        (work / 'vars.yml').write_text(json.dumps(variables))
        (work / 'vars.yml').chmod(0o600)
        log = work / 'rulebook.log'
        handle = log.open('w')
        proc = subprocess.Popen([str(RULEBOOK), '-i', 'inventory.yml', '--rulebook', 'clearip.netsapiens.subscriber_sync',
                                 '--vars', 'vars.yml', '-v'], cwd=str(work), env=ansible_env(collections_path, work / 'home', {'ANSIBLE_PIPELINING': '1'}),
                                stdin=subprocess.DEVNULL, stdout=handle, stderr=subprocess.STDOUT)
        started.append((proc, handle))
        base = 'http://127.0.0.1:%d' % port

        def listening():
            if proc.poll() is not None:
                pytest.fail('ansible-rulebook stopped (rc %s):\n%s' % (proc.returncode, log.read_text()[-5000:]))
            try:
                return requests.get(base + '/', timeout=1).status_code == 405
            except requests.RequestException:
                return False

        try:
            wait_for('the event source to listen', listening, 90)
        except BaseException:
            print(log.read_text()[-5000:])
            raise
        return base + '/netsapiens/' + TOKEN, proc, log

    yield start
    for proc, handle in started:
        proc.terminate()
        try:
            proc.wait(20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(5)
        handle.close()


def register(sims, playbook, post_url):
    text = ('- hosts: localhost\n  gather_facts: false\n  tasks:\n'
            '    - name: Register the subscription\n'
            '      clearip.netsapiens.netsapiens_event_subscription: "{{ ns | combine({\'post_url\': url}) }}"\n')
    result = playbook(text, extra_vars={'ns': sims.ns_vars(), 'url': post_url})
    assert result.rc == 0, result
    assert TOKEN not in result.stdout
    [held] = sims.state(sims.netsapiens)['subscriptions']
    assert held['post-url'] == post_url and held['model'] == 'subscriber'


def runs(log):
    """How many playbook runs ansible-rulebook has finished (each prints one PLAY RECAP)."""
    return log.read_text().count('PLAY RECAP')


def accepted_posts(sims, count):
    """The simulator's event posts once ``count`` of them have been answered, each 202 (the source took it); else None."""
    posts = sims.state(sims.netsapiens)['event_posts']
    if len(posts) < count:
        return None
    assert [p.get('status') for p in posts] == [202] * len(posts), posts
    return posts


def idle(log):
    """Whether no playbook run is under way: every PLAY started since the last PLAY RECAP has ended."""
    return 'PLAY [' not in log.read_text().rsplit('PLAY RECAP', 1)[-1]


def add_users(sims, users):
    answer = requests.post(sims.netsapiens.url + '/_sim/users', json={'users': users}, timeout=10)
    answer.raise_for_status()
    return answer.json()


def test_new_subscribers_reach_clearip_within_seconds_without_duplicates(sims, playbook, rulebook):
    data = D.make_dataset(resellers=2, domains=4, users=12, seed=15,
                          clearip_existing={'service_providers': 2, 'groups': 4, 'users': 12})
    env = sims(data)
    domain = data['netsapiens']['domains'][1]['domain']
    other_domains = [d['domain'] for d in data['netsapiens']['domains'] if d['domain'] != domain]
    before = len(clearip_user_ids(env))
    batch_seconds = 2
    post_url, proc, log = rulebook(env, batch_seconds)
    register(env, playbook, post_url)

    # One user: the delay from NetSapiens' event post to the ClearIP User.
    env.reset_stats(env.netsapiens)
    assert add_users(env, [{'user': '700', 'domain': domain, 'name-first-name': 'Eve', 'name-last-name': 'Event'}])['posts_pending'] == 1
    wanted = '700@' + domain
    wait_for('User %s in ClearIP' % wanted, lambda: wanted in clearip_user_ids(env), 180)
    wait_for('the first run to end', lambda: runs(log) >= 1, 120)
    # ClearIP's own creation time of the User (Unix ms), against the time NetSapiens posted the event.
    [created_at] = [u['createdAt'] / 1000.0 for u in env.state(env.clearip)['users'] if u.get('userId') == wanted]
    [posted] = env.state(env.netsapiens)['event_posts']
    assert posted['status'] == 202
    delay = created_at - posted['at']
    # "within seconds" (README, docs/events.md): a generous bound a loaded 2-core machine meets; the figures in
    # docs/events.md are what this prints on a quiet one
    assert 0 < delay < 60, delay
    print('event to ClearIP User: %.1f s (target: under 10 s)' % delay)
    # The targeted sync read only that domain's users.
    read = env.stats(env.netsapiens)['requests']
    assert read.get(USERS_READ, 0) >= 1
    assert all(('/domains/%s/users' % other) not in json.dumps(read) for other in other_domains)

    # A burst of 50 users, one post each (every post a JSON array, as NetSapiens documents them): each arrives
    # once, in a few runs rather than 50.
    burst = [{'user': str(800 + n), 'domain': domain} for n in range(50)]
    runs_before = runs(log)
    assert [add_users(env, [user])['posts_pending'] for user in burst] == [1] * 50
    wanted_burst = set('%s@%s' % (u['user'], domain) for u in burst)
    wait_for('the 50 burst Users in ClearIP', lambda: wanted_burst <= set(clearip_user_ids(env)), 180)
    wait_for('the run that created them to end', lambda: runs(log) > runs_before, 120)
    # Every burst post answered by the source (the simulator posts them in the background), then the source's window
    # after the last one closed (that wait is the point: a batch is emitted at the end of its window), then every
    # run started for the burst ended.
    wait_for('the source to accept the 51 posts', lambda: accepted_posts(env, 51), 120)
    answered = time.time()   # each post was received before its answer, so its window ends before this + batch_seconds
    wait_for('the window after the last post to close', lambda: time.time() > answered + batch_seconds, batch_seconds + 5)
    wait_for('every started run to end', lambda: idle(log), 180)
    burst_runs = runs(log) - runs_before
    print('50 users in one burst: %d targeted sync run(s)' % burst_runs)
    assert 1 <= burst_runs <= 5

    # The same event posted twice, in two separate batches (the second posted after the first's run ended, so no
    # window can hold both): two runs, still one User.
    runs_before = runs(log)
    same = [{'user': '700', 'domain': domain}]
    for attempt in (1, 2):
        assert requests.post(post_url, json=same, timeout=10).status_code == 202
        wait_for('targeted run %d of the repeated event' % attempt, lambda: runs(log) - runs_before >= attempt, 240)

    ids = clearip_user_ids(env)
    duplicates = [key for key, count in collections.Counter(ids).items() if count > 1]
    print('duplicates: %d' % len(duplicates))
    assert duplicates == []
    assert len(ids) == before + 51
    assert proc.poll() is None, log.read_text()[-5000:]
    assert TOKEN not in log.read_text()
    # nor any password, client secret, API key or token either simulator issued to the runs
    assert_no_secret(env.secrets(), [Path(log).read_text()])
