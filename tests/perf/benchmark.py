# -*- coding: utf-8 -*-
# Copyright: (c) 2026, clearip.netsapiens contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The role against a minimal client, on loopback and over a WAN-like link (``make benchmark``).

For one generated NetSapiens (``--resellers``, ``--domains``, ``--users``; 200 / 10,000 / 100,000 by
default) and for each link (``loopback``; ``wan``: the simulators wait ``--delay`` seconds, 0.02 by
default, before every answer), in one run:

- A: ``ansible-playbook clearip.netsapiens.sync -e @config.json`` into an empty ClearIP;
- B: the same again, with nothing new;
- C: ``tests/perf/minimal_client.py`` (plain ``requests``, none of the collection's code: paged
  reads, one listing per ClearIP tier, one POST per missing object), initial and no-change, against
  a second pair of fresh simulators holding the same dataset;

all with ``--workers`` (4) concurrent requests. Each run is a child process. For each it records the
wall seconds, the CPU seconds of the child's process tree and of the simulators (far less
dependent on the machine's other load than wall time), the requests by kind and the writes (from the simulators' ``/_sim/stats``, zeroed
before the run), the peak summed RSS of the child's whole process tree (psutil, sampled every
``--sample-interval`` seconds), and for A and B the per-task times (``callback_plugins/task_timings``).
It checks that A and C end with the same ClearIP content, so that a fast wrong run cannot pass, then
prints a table with the ratios A/C and B/C and writes everything as JSON (``--json``).

The simulators (``tests/perf/simulators.py``: the test simulators plus the indexes a real server has,
answering alike) run in this process, as threads. They are the same for A, B and C; their CPU time
is in every figure alike.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import threading
import time

import psutil
import requests

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)

from tests.collections_path import collections_root  # noqa: E402  pylint: disable=wrong-import-position
from tests.perf.simulators import IndexedClearIPSimulator, IndexedNetSapiensSimulator  # noqa: E402  pylint: disable=wrong-import-position
from tests.simulators.dataset import make_dataset, vendor_config  # noqa: E402  pylint: disable=wrong-import-position

BIN = os.path.dirname(sys.executable)
DEFAULT_OUT = os.path.join(ROOT, '.tmp', 'benchmark')
CLEARIP_TIERS = ('serviceProviders', 'groups', 'users')
RUNS = (('A', 'role', 'initial'), ('B', 'role', 'no-change'), ('C0', 'minimal', 'initial'), ('C', 'minimal', 'no-change'))
MIB = 1024.0 * 1024.0


class TreeRss(object):
    """Samples the summed resident set of a process and all its descendants; ``peak_mib`` is the largest sum."""

    def __init__(self, pid, interval):
        self.pid = pid
        self.interval = interval
        self.peak = 0
        self.samples = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name='rss-sampler', daemon=True)

    def _sample(self):
        try:
            root = psutil.Process(self.pid)
            tree = [root] + root.children(recursive=True)
        except psutil.Error:
            return
        total = 0
        for proc in tree:
            try:
                total += proc.memory_info().rss
            except psutil.Error:
                pass   # ended between the listing and the reading
        self.peak = max(self.peak, total)
        self.samples += 1

    def _run(self):
        while not self._stop.is_set():
            self._sample()
            self._stop.wait(self.interval)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()

    @property
    def peak_mib(self):
        return round(self.peak / MIB, 1)


def sim_call(sim, method, path, body=None):
    answer = requests.request(method, sim.url + path, json=body, timeout=60)
    answer.raise_for_status()
    return answer.json()


def classify(ns_stats, cip_stats):
    """Requests by kind, from both simulators' counters."""
    kinds = {'netsapiens_auth': 0, 'netsapiens_reads': 0, 'netsapiens_counts': 0, 'clearip_auth': 0}
    for tier in CLEARIP_TIERS:
        kinds['clearip_list_%s' % tier] = 0
        kinds['clearip_post_%s' % tier] = 0
    kinds['other'] = 0
    for endpoint, count in ns_stats['requests'].items():
        method, path = endpoint.split(' ', 1)
        if 'token' in path:
            kinds['netsapiens_auth'] += count
        elif path.endswith('/count'):
            kinds['netsapiens_counts'] += count
        elif method == 'GET':
            kinds['netsapiens_reads'] += count
        else:
            kinds['other'] += count
    for endpoint, count in cip_stats['requests'].items():
        method, path = endpoint.split(' ', 1)
        tier = path.strip('/').split('/')[0]
        if path.startswith('/auth/'):
            kinds['clearip_auth'] += count
        elif tier in CLEARIP_TIERS and method in ('GET', 'POST'):
            kinds['clearip_%s_%s' % ('list' if method == 'GET' else 'post', tier)] += count
        else:
            kinds['other'] += count
    return kinds


def cpu_seconds(who):
    usage = resource.getrusage(who)
    return usage.ru_utime + usage.ru_stime


def run_child(argv, env, interval):
    """(seconds, peak tree RSS in MiB, RSS samples, CPU seconds, stdout) of one child run; exits on failure.

    The CPU seconds are those of the child's whole tree (every descendant is waited for by its parent,
    so its time reaches RUSAGE_CHILDREN here), and of this process (the simulators' threads), which,
    unlike wall time, hardly depend on what else the machine is running.
    """
    tree_before, sims_before = cpu_seconds(resource.RUSAGE_CHILDREN), cpu_seconds(resource.RUSAGE_SELF)
    start = time.monotonic()
    proc = subprocess.Popen(argv, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    with TreeRss(proc.pid, interval) as rss:
        out = proc.communicate()[0]
    seconds = time.monotonic() - start
    cpu = {'client_tree': round(cpu_seconds(resource.RUSAGE_CHILDREN) - tree_before, 2),
           'simulators': round(cpu_seconds(resource.RUSAGE_SELF) - sims_before, 2)}
    if proc.returncode:
        sys.exit('%s failed (exit %d):\n%s' % (' '.join(argv[:2]), proc.returncode, out[-4000:]))
    return seconds, rss.peak_mib, rss.samples, cpu, out


# The account locks and run state of this benchmark's runs: its simulators start new, which a real account's never do.
CACHE = tempfile.mkdtemp(prefix='benchmark-cache-')


def role_argv(config_path, workers, extra=None):
    """``workers`` None: the role's own default (the ceiling of its adaptive concurrency)."""
    variables = dict(extra or {})
    if workers is not None:
        variables['subscriber_sync_max_workers'] = workers
    return [os.path.join(BIN, 'ansible-playbook'), 'clearip.netsapiens.sync', '-e', '@' + config_path,
            '-e', json.dumps(variables)]


def role_env(timings_path):
    return dict(os.environ, ANSIBLE_COLLECTIONS_PATH=collections_root(), ANSIBLE_LOCALHOST_WARNING='0', XDG_CACHE_HOME=CACHE,
                ANSIBLE_INVENTORY_UNPARSED_WARNING='0', ANSIBLE_CALLBACK_PLUGINS=os.path.join(HERE, 'callback_plugins'),
                ANSIBLE_CALLBACKS_ENABLED='task_timings', TASK_TIMINGS_PATH=timings_path, ANSIBLE_NOCOLOR='1')


def held_names(cip):
    state = cip.dump_state()
    return dict((tier, sorted(o['name'] for o in state[tier])) for tier in CLEARIP_TIERS)


def write_config(dataset, ns, cip, path, events_post_url=None):
    """config.json for the simulators; ``events_post_url``: ``netsapiens.eventsPostUrl``, set as docs/events.md tells an
    event-driven deployment to, so that every run also reads the event subscription's health (issue 20)."""
    config = vendor_config(dataset, ns.url, cip.url)
    if events_post_url:
        config['netsapiens']['eventsPostUrl'] = events_post_url
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, 'w') as handle:
        json.dump(config, handle)


def subscription(post_url):
    """A live system-wide subscriber subscription posting to ``post_url``, as the events entry point registers it."""
    return {'model': 'subscriber', 'post-url': post_url, 'reseller': '*', 'domain': '*', 'user': '*',
            'subscription-expires-datetime': '2099-01-01 00:00:00'}


class PostSink(object):
    """A loopback HTTP server that accepts NetSapiens' event posts (202) and does nothing with them: the post URL of
    a targeted run measured without the event source, so that the subscription stays healthy."""

    def __enter__(self):
        import http.server

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 - http.server's name
                self.rfile.read(int(self.headers.get('Content-Length') or 0))
                self.send_response(202)
                self.send_header('Content-Length', '0')
                self.end_headers()

            def log_message(self, *args):
                pass
        self.server = http.server.ThreadingHTTPServer(('127.0.0.1', 0), Handler)
        self.url = 'http://127.0.0.1:%d/netsapiens/benchmark-token' % self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, name='post-sink', daemon=True).start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()


def subscription_requests(endpoints):
    """The health read's list of subscriptions (the sync module reads it through its own NetSapiens connection, beside
    the sync: its token and version probe are the sync's)."""
    return sum(count for endpoint, count in endpoints.items() if 'subscriptions' in endpoint)


# link -> (answer delay, server limit of requests in flight, ClearIP's page cap): the links the benchmark knows.
def link_settings(link, args):
    if link == 'loopback':
        return 0.0, None, None
    if link == 'wan':
        return args.delay, None, args.clearip_page_cap
    return args.delay, args.max_in_flight, args.clearip_page_cap   # wan-limited


def measure_pair(dataset, client, link, delay, args, out_dir):
    """Runs initial and no-change for one client against a fresh pair of simulators; returns (runs, ClearIP names)."""
    delay, max_in_flight, page_cap = link_settings(link, args)
    sim_config = {'answer_delay': delay, 'max_in_flight': max_in_flight}
    cip_config = dict(sim_config, page_cap=page_cap)
    # The minimal client at exactly the server's limit when there is one; the role at its own default unless told.
    minimal_workers = max_in_flight or args.workers
    runs = []
    with IndexedNetSapiensSimulator(dataset=dataset, config=sim_config) as ns, \
            IndexedClearIPSimulator(dataset=dataset, config=cip_config) as cip:
        config_path = os.path.join(out_dir, 'config-%s-%s.json' % (link, client))   # out_dir is this run's own
        write_config(dataset, ns, cip, config_path)
        for label, run_client, phase in RUNS:
            if run_client != client or phase not in args.phases:
                continue
            for sim in (ns, cip):
                sim_call(sim, 'POST', '/_sim/reset-stats')
            timings_path = os.path.join(out_dir, 'timings-%s-%s.json' % (link, label))
            report_path = os.path.join(out_dir, 'report-%s-%s.json' % (link, label))
            if client == 'role':
                argv = role_argv(config_path, args.role_workers, {'subscriber_sync_report_path': report_path})
                env = role_env(timings_path)
            else:
                argv = [sys.executable, os.path.join(HERE, 'minimal_client.py'), config_path,
                        '--workers', str(minimal_workers), '--page-size', str(args.page_size)]
                env = dict(os.environ)
            seconds, peak, samples, cpu, output = run_child(argv, env, args.sample_interval)
            ns_stats, cip_stats = sim_call(ns, 'GET', '/_sim/stats'), sim_call(cip, 'GET', '/_sim/stats')
            run = {
                'run': label, 'client': client, 'phase': phase, 'link': link, 'delay_s': delay,
                'max_in_flight': max_in_flight, 'workers': args.role_workers if client == 'role' else minimal_workers,
                'refused_429': sum(stats.get('faults_fired', {}).get('in_flight_limit', 0) for stats in (ns_stats, cip_stats)),
                'peak_in_flight': [stats.get('in_flight_peak') for stats in (ns_stats, cip_stats)],
                'seconds': round(seconds, 2), 'cpu_seconds': cpu, 'peak_tree_rss_mib': peak, 'rss_samples': samples,
                'requests_total': sum(ns_stats['requests'].values()) + sum(cip_stats['requests'].values()),
                'requests': classify(ns_stats, cip_stats),
                'writes': sum(ns_stats['writes'].values()) + sum(cip_stats['writes'].values()),
                'endpoints': {'netsapiens': ns_stats['requests'], 'clearip': cip_stats['requests']},
            }
            if client == 'role' and os.path.exists(timings_path):
                with open(timings_path, encoding='utf-8') as handle:
                    run['task_timings'] = json.load(handle)
            if client == 'role' and os.path.exists(report_path):
                with open(report_path, encoding='utf-8') as handle:
                    # Where each API's adaptive limit went: its peak, its end, the refusals and drops it met.
                    run['concurrency'] = json.load(handle).get('concurrency')
            elif client == 'minimal':
                run['result'] = json.loads(output.strip().splitlines()[-1])
            runs.append(run)
            print('  %-2s %-8s %-9s %-8s %8.2f s  %7.2f CPU s  %7.1f MiB  %7d requests  %6d writes'
                  % (label, client, phase, link, seconds, cpu['client_tree'], peak, run['requests_total'], run['writes']), flush=True)
            if run.get('concurrency'):
                shown = ['%s peak %d final %d (%d refused, %d dropped)'
                         % (api, figures['peak_limit'], figures['final_limit'], figures['refusals'], figures['drops'])
                         for api, figures in sorted(run['concurrency'].items())]
                print('     concurrency limits: %s' % ', '.join(shown), flush=True)
        names = held_names(cip)
    return runs, names


def link_label(link, block):
    label = 'loopback' if link == 'loopback' else 'wan %d ms' % round(block['delay_s'] * 1000)
    if block.get('max_in_flight'):
        label += ', server limit %d in flight' % block['max_in_flight']
    return label


def measure_targeted(users, args, out_dir):
    """A targeted run (``subscriber_sync_domains``: one domain) on loopback against a platform of ``users`` users whose
    ClearIP holds everything, after one new user was added to that domain: its requests by API and its seconds.

    config.json carries ``eventsPostUrl`` as an event-driven deployment's does (docs/events.md), so the run also reads
    the event subscription's health (in the sync module's process, one NetSapiens request): counted here with the rest."""
    domains = max(2, users // 10)
    resellers = max(1, domains // 50)
    dataset = make_dataset(resellers=resellers, domains=domains, users=users, seed=args.seed,
                           clearip_existing={'service_providers': resellers, 'groups': domains, 'users': users})
    domain = dataset['netsapiens']['domains'][domains // 2]['domain']
    with PostSink() as sink:
        dataset['netsapiens']['subscriptions'] = [subscription(sink.url)]
        with IndexedNetSapiensSimulator(dataset=dataset) as ns, IndexedClearIPSimulator(dataset=dataset) as cip:
            config_path = os.path.join(out_dir, 'config-targeted-%d.json' % users)
            write_config(dataset, ns, cip, config_path, events_post_url=sink.url)
            sim_call(ns, 'POST', '/_sim/users', {'users': [{'user': '7001', 'domain': domain}]})
            ns.wait_for_events()
            for sim in (ns, cip):
                sim_call(sim, 'POST', '/_sim/reset-stats')
            argv = role_argv(config_path, args.role_workers, {'subscriber_sync_domains': [domain]})
            seconds, peak, samples, cpu, output = run_child(argv, role_env(os.path.join(out_dir, 'timings-targeted-%d.json' % users)),
                                                            args.sample_interval)
            ns_stats, cip_stats = sim_call(ns, 'GET', '/_sim/stats'), sim_call(cip, 'GET', '/_sim/stats')
            created = [u for u in held_names(cip)['users'] if u == '7001@%s' % domain]
            health_read = health_read_ran(output, ns_stats['requests'])
    run = {'users': users, 'domains': domains, 'seconds': round(seconds, 2), 'peak_tree_rss_mib': peak, 'cpu_seconds': cpu,
           'requests_netsapiens': sum(ns_stats['requests'].values()), 'requests_clearip': sum(cip_stats['requests'].values()),
           'requests_subscription_health': subscription_requests(ns_stats['requests']),
           'writes': sum(cip_stats['writes'].values()), 'created': len(created), 'subscription_health_read': health_read,
           'endpoints': {'netsapiens': ns_stats['requests'], 'clearip': cip_stats['requests']}}
    run['requests'] = run['requests_netsapiens'] + run['requests_clearip']
    print('  targeted, %7d users: %6.2f s  %5.2f CPU s  %3d requests (NetSapiens %d, of them %d the health read\'s list of subscriptions; '
          'ClearIP %d), %d write(s)' % (users, seconds, cpu['client_tree'], run['requests'], run['requests_netsapiens'],
                                        run['requests_subscription_health'], run['requests_clearip'], run['writes']), flush=True)
    if not health_read:
        sys.exit('targeted run at %d users did not read the event subscription\'s health:\n%s' % (users, output[-4000:]))
    if run['created'] != 1:
        sys.exit('targeted run at %d users did not create the new user:\n%s' % (users, output[-4000:]))
    return run


def health_read_ran(output, netsapiens_requests):
    """Whether the run read the event subscription's health: NetSapiens saw its list of subscriptions read, and the
    run's summary reports the subscription (up: the benchmark's is live)."""
    return subscription_requests(netsapiens_requests) >= 1 and 'Events: subscription up' in output


def measure_event_delay(args, out_dir):
    """The delay from NetSapiens' event post to the ClearIP User, ``args.event_delay`` times (one user at a time, each
    after the run before has ended), through ansible-rulebook and the collection's rulebook and event source, on loopback."""
    rulebook = os.path.join(BIN, 'ansible-rulebook')
    if not os.path.exists(rulebook):
        return {'skipped': 'ansible-rulebook is not installed (make venv)'}
    import socket
    with socket.socket() as sock:
        sock.bind(('127.0.0.1', 0))
        port = sock.getsockname()[1]
    token = 'benchmark-token-%d' % port
    post_url = 'http://127.0.0.1:%d/netsapiens/%s' % (port, token)
    dataset = make_dataset(resellers=2, domains=20, users=200, seed=args.seed,
                           clearip_existing={'service_providers': 2, 'groups': 20, 'users': 200})
    dataset['netsapiens']['subscriptions'] = [subscription(post_url)]
    domain = dataset['netsapiens']['domains'][3]['domain']
    work = tempfile.mkdtemp(prefix='events-', dir=out_dir)
    delays = []
    with IndexedNetSapiensSimulator(dataset=dataset) as ns, IndexedClearIPSimulator(dataset=dataset) as cip:
        with open(os.path.join(work, 'inventory.yml'), 'w', encoding='utf-8') as handle:
            handle.write('all:\n  hosts:\n    localhost:\n      ansible_connection: local\n'
                         '      ansible_python_interpreter: %s\n' % sys.executable)
        config = vendor_config(dataset, ns.url, cip.url)
        # As docs/events.md sets it up: each targeted run then also reads the subscription's health first (issue 20).
        config['netsapiens']['eventsPostUrl'] = post_url
        variables = dict(config, netsapiens_events_host='127.0.0.1', netsapiens_events_port=port,
                         netsapiens_events_token=token, netsapiens_events_batch_seconds=args.event_batch_seconds)
        fd = os.open(os.path.join(work, 'vars.yml'), os.O_WRONLY | os.O_CREAT, 0o600)
        with os.fdopen(fd, 'w') as handle:
            json.dump(variables, handle)
        log_path = os.path.join(work, 'rulebook.log')
        # ansible-rulebook runs ansible-galaxy and ansible-playbook from PATH: this Python's first.
        env = dict(role_env(os.path.join(work, 'timings.json')), ANSIBLE_PIPELINING='1',
                   PATH=BIN + os.pathsep + os.environ.get('PATH', ''))
        env.pop('ANSIBLE_CALLBACKS_ENABLED', None)
        with open(log_path, 'w', encoding='utf-8') as log:
            proc = subprocess.Popen([rulebook, '-i', 'inventory.yml', '--rulebook', 'clearip.netsapiens.subscriber_sync',
                                     '--vars', 'vars.yml'], cwd=work, env=env, stdin=subprocess.DEVNULL, stdout=log,
                                    stderr=subprocess.STDOUT)
            try:
                deadline = time.time() + 120
                while time.time() < deadline:
                    try:
                        if requests.get('http://127.0.0.1:%d/' % port, timeout=1).status_code == 405:
                            break
                    except requests.RequestException:
                        time.sleep(0.2)
                else:
                    return {'skipped': 'the event source did not listen within 120 s'}
                for number in range(args.event_delay):
                    user = str(7100 + number)
                    done = _runs(log_path)
                    sim_call(ns, 'POST', '/_sim/users', {'users': [{'user': user, 'domain': domain}]})
                    wanted = '%s@%s' % (user, domain)
                    deadline = time.time() + 120
                    created = None
                    while time.time() < deadline and created is None:
                        time.sleep(0.05)
                        created = next((u['createdAt'] / 1000.0 for u in cip.dump_state()['users'] if u['name'] == wanted), None)
                    posted = ns.dump_state()['event_posts'][-1]
                    if created is None:
                        delays.append(None)
                        continue
                    delays.append(round(created - posted['at'], 2))
                    deadline = time.time() + 120
                    while time.time() < deadline and _runs(log_path) <= done:
                        time.sleep(0.1)
                    print('  event %d: %.2f s from the post to the ClearIP User' % (number + 1, delays[-1]), flush=True)
            finally:
                proc.terminate()
                try:
                    proc.wait(20)
                except subprocess.TimeoutExpired:
                    proc.kill()
    measured = sorted(d for d in delays if d is not None)
    return {'delays_s': delays, 'median_s': measured[len(measured) // 2] if measured else None,
            'batch_seconds': args.event_batch_seconds}


def _runs(log_path):
    with open(log_path, encoding='utf-8', errors='replace') as handle:
        return handle.read().count('PLAY RECAP')


def ratio(a, c):
    return round(float(a) / c, 3) if c else None


def summarize(runs):
    """Ratios A/C and B/C for one link."""
    by = dict((r['run'], r) for r in runs)
    out = {}
    for num, den in (('A', 'C0'), ('B', 'C')):
        if num not in by:
            continue
        key = '%s/%s' % (num, 'C')
        out[key] = {'seconds': ratio(by[num]['seconds'], by[den]['seconds']),
                    'client_cpu_seconds': ratio(tree_cpu(by[num]), tree_cpu(by[den])),
                    'requests': ratio(by[num]['requests_total'], by[den]['requests_total']),
                    'peak_tree_rss_mib': ratio(by[num]['peak_tree_rss_mib'], by[den]['peak_tree_rss_mib'])}
    return out


def tree_cpu(run):
    return run.get('cpu_seconds', {}).get('client_tree', 0.0)


def reads(run):
    return run['requests_total'] - sum(v for k, v in run['requests'].items() if k.startswith('clearip_post_'))


def print_table(result):
    print()
    print('NetSapiens: %(resellers)d resellers, %(domains)d domains, %(users)d users; %(workers)d workers' % result['parameters'])
    header = ('link', 'run', 'seconds', 'CPU s', 'peak MiB', 'requests', 'reads', 'POSTs', 'writes', 'x C time', 'x C CPU', 'x C reqs')
    print('%-10s %-14s %9s %8s %9s %9s %9s %8s %7s %9s %8s %9s' % header)
    for link in result['links']:
        block = result['links'][link]
        by = dict((r['run'], r) for r in block['runs'])
        for label, name, den in (('C0', 'C initial', None), ('A', 'A role init', 'C0'), ('C', 'C no-change', None),
                                 ('B', 'B role no-chg', 'C')):
            run = by.get(label)
            if run is None:
                continue
            posts = sum(v for k, v in run['requests'].items() if k.startswith('clearip_post_'))
            x_time = '%.2f' % (run['seconds'] / by[den]['seconds']) if den else ''
            x_reqs = '%.2f' % (float(run['requests_total']) / by[den]['requests_total']) if den else ''
            x_cpu = '%.2f' % (tree_cpu(run) / tree_cpu(by[den])) if den and tree_cpu(by[den]) else ''
            print('%-10s %-14s %9.2f %8.2f %9.1f %9d %9d %8d %7d %9s %8s %9s' % (
                link_label(link, block), name,
                run['seconds'], tree_cpu(run), run['peak_tree_rss_mib'], run['requests_total'], reads(run), posts, run['writes'],
                x_time, x_cpu, x_reqs))
    print()
    for link in result['links']:
        timings = dict((r['run'], r) for r in result['links'][link]['runs'])['B'].get('task_timings')
        if not timings:
            continue
        print('Per-task seconds of B (no-change), %s:' % link)
        tasks = timings['tasks']
        for task in sorted(tasks, key=lambda t: -t['seconds'])[:12]:
            print('  %7.2f  %s' % (task['seconds'], task['task']))
        run = dict((r['run'], r) for r in result['links'][link]['runs'])['B']
        print('  %7.2f  (between tasks: play setup, includes, templating)' % (timings['playbook_seconds'] - sum(t['seconds'] for t in tasks)))
        print('  %7.2f  (ansible-playbook start before the play, and exit)' % (run['seconds'] - timings['playbook_seconds']))


def print_targets(result):
    """Issue 23's figures, from whatever parts of it this run measured."""
    lines = issue_lines(result)
    if lines:
        print()
        print('\n'.join(lines))


def issue_lines(result):
    lines = []
    links = result['links']
    for link in ('wan', 'wan-limited'):
        if link not in links:
            continue
        by = dict((r['run'], r) for r in links[link]['runs'])
        if 'B' in by and 'C' in by:
            b, c = by['B'], by['C']
            lines.append('| %s, no change | role %.1f s (%s workers, %d refused) | minimal %.1f s (%d workers) | **%.2f** | writes %d |'
                         % (link_label(link, links[link]), b['seconds'], b['workers'] or 'default', b.get('refused_429', 0),
                            c['seconds'], c['workers'], b['seconds'] / c['seconds'], b['writes']))
    for run in result.get('targeted', ()):
        health = run.get('requests_subscription_health')
        lines.append('| targeted run, one domain, %d users (loopback) | %.1f s | %d requests (NetSapiens %d%s, ClearIP %d) | | writes %d |'
                     % (run['users'], run['seconds'], run['requests'], run['requests_netsapiens'],
                        '' if health is None else ', %d of them the health read\'s list of subscriptions' % health,
                        run['requests_clearip'],
                        run['writes']))
    if len(result.get('targeted', ())) >= 2:
        first, last = result['targeted'][0], result['targeted'][-1]
        lines.append('| targeted requests, %d users over %d users | | | **%.2f** | |'
                     % (last['users'], first['users'], float(last['requests']) / first['requests']))
    event = result.get('event_delay')
    if event:
        if event.get('skipped'):
            lines.append('| event to ClearIP User | skipped: %s | | | |' % event['skipped'])
        else:
            lines.append('| event to ClearIP User (loopback, batch_seconds %s) | median **%s s** of %s | | | |'
                         % (event['batch_seconds'], event['median_s'], ', '.join(str(d) for d in event['delays_s'])))
    if lines:
        lines = ['| measure | role | minimal client / detail | ratio | |', '| --- | --- | --- | ---: | --- |'] + lines
    return lines


def markdown(result):
    """The table of one benchmark JSON as Markdown, as docs/performance.md shows it."""
    lines = ['| link | run | seconds | client CPU s | peak tree RSS MiB | requests | reads | POSTs | writes | time x C | CPU x C | requests x C |',
             '| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |']
    for link, block in result['links'].items():
        by = dict((r['run'], r) for r in block['runs'])
        name = link_label(link, block)
        for label, title, den in (('C0', 'C initial', None), ('A', 'A role initial', 'C0'), ('C', 'C no-change', None),
                                  ('B', 'B role no-change', 'C')):
            run = by.get(label)
            if run is None:
                continue
            posts = sum(v for k, v in run['requests'].items() if k.startswith('clearip_post_'))
            lines.append('| %s | %s | %.1f | %s | %.0f | %d | %d | %d | %d | %s | %s | %s |' % (
                name, title, run['seconds'], '%.1f' % tree_cpu(run) if 'cpu_seconds' in run else 'n/a', run['peak_tree_rss_mib'],
                run['requests_total'], reads(run), posts, run['writes'],
                '**%.2f**' % (run['seconds'] / by[den]['seconds']) if den else '',
                '%.2f' % (tree_cpu(run) / tree_cpu(by[den])) if den and tree_cpu(by[den]) else '',
                '%.3f' % (float(run['requests_total']) / by[den]['requests_total']) if den else ''))
    return '\n'.join(lines + [''] + issue_lines(result))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n', maxsplit=1)[0])
    parser.add_argument('--resellers', type=int, default=200)
    parser.add_argument('--domains', type=int, default=10000)
    parser.add_argument('--users', type=int, default=100000)
    parser.add_argument('--workers', type=int, default=4, help='concurrent requests of A, B and C (default 4)')
    parser.add_argument('--page-size', type=int, default=500, help="C's page size; the collection's default is 500")
    parser.add_argument('--delay', type=float, default=0.02, help='seconds the simulators wait before each answer on the wan link')
    parser.add_argument('--links', default='loopback,wan', help='comma-separated: loopback, wan (default both)')
    parser.add_argument('--sample-interval', type=float, default=0.1, help='seconds between RSS samples (default 0.1)')
    parser.add_argument('--json', help='where to write the figures (default .tmp/benchmark/benchmark.json)')
    parser.add_argument('--seed', type=int, default=1)
    parser.add_argument('--no-change-only', action='store_true',
                        help='only B and C, against a ClearIP that already holds every object (as after a first sync); '
                             'for a loaded machine where the first syncs at full size take too long')
    parser.add_argument('--markdown', metavar='JSON', help='print the table of an earlier run as Markdown, and nothing else')
    parser.add_argument('--role-workers', type=int, default=None,
                        help="the role's subscriber_sync_max_workers (default: the role's own, the ceiling of its adaptive limit)")
    parser.add_argument('--max-in-flight', type=int, default=6,
                        help='wan-limited link: both servers refuse (429, Retry-After: 1) what arrives beyond this many in flight; '
                             'the minimal client then uses exactly this many workers (default 6)')
    parser.add_argument('--clearip-page-cap', type=int, default=None,
                        help='wan links: ClearIP returns at most this many records a page, whatever the limit asked')
    parser.add_argument('--targeted', default='', help='comma-separated platform sizes (users) for a targeted run of one '
                                                       'domain with one new user, on loopback (requests and seconds)')
    parser.add_argument('--event-delay', type=int, default=0,
                        help='measure the event-to-ClearIP delay this many times (ansible-rulebook, loopback; needs Java)')
    parser.add_argument('--event-batch-seconds', type=float, default=2.0, help="the event source's batch_seconds (default 2)")
    parser.add_argument('--link-table', action='store_true', help="issue 23's table in one run (see docs/performance.md)")
    args = parser.parse_args(argv)
    if args.markdown:
        with open(args.markdown, encoding='utf-8') as handle:
            print(markdown(json.load(handle)))
        return 0
    if args.link_table:
        # Issue 23's table: 20,000 users with nothing new over a 50 ms link, then against a server refusing more than
        # 6 in flight; the targeted run at 2,000 and 40,000 users; the event delay, five times.
        args.users, args.domains, args.resellers, args.delay = 20000, 2000, 40, 0.05
        args.links, args.no_change_only, args.clearip_page_cap = 'wan,wan-limited', True, 37
        args.targeted, args.event_delay = args.targeted or '2000,40000', args.event_delay or 5
    links = [link.strip() for link in args.links.split(',') if link.strip()]
    unknown = sorted(set(links) - set(('loopback', 'wan', 'wan-limited')))
    if unknown:
        parser.error('--links takes loopback, wan and/or wan-limited, not %s' % ', '.join(unknown))

    json_path = os.path.abspath(args.json or os.path.join(DEFAULT_OUT, 'benchmark.json'))
    os.makedirs(os.path.dirname(json_path), exist_ok=True)
    # The config files point at this run's simulators: a directory of their own, so that two benchmarks
    # at once never send one's playbook to the other's simulators.
    out_dir = tempfile.mkdtemp(prefix='run-', dir=os.path.dirname(json_path))
    args.phases = ('no-change',) if args.no_change_only else ('initial', 'no-change')
    existing = {'service_providers': args.resellers, 'groups': args.domains, 'users': args.users} if args.no_change_only else None
    dataset = make_dataset(resellers=args.resellers, domains=args.domains, users=args.users, seed=args.seed,
                           clearip_existing=existing)
    result = {
        'parameters': {'resellers': args.resellers, 'domains': args.domains, 'users': args.users, 'workers': args.workers,
                       'page_size_minimal': args.page_size, 'delay_s': args.delay, 'seed': args.seed,
                       'sample_interval_s': args.sample_interval, 'phases': list(args.phases)},
        'machine': {'started_utc': time.strftime('%Y-%m-%dT%H:%M:%SZ', time.gmtime()), 'cpus': os.cpu_count(),
                    'load_average_at_start': [round(x, 2) for x in os.getloadavg()], 'python': platform.python_version()},
        'objects': {'serviceProviders': args.resellers, 'groups': args.domains, 'users': args.users},
        'links': {},
    }
    print('NetSapiens: %d resellers, %d domains, %d users; links %s' % (args.resellers, args.domains, args.users, ', '.join(links)),
          flush=True)
    for link in links:
        delay, max_in_flight, page_cap = link_settings(link, args)
        minimal_runs, minimal_names = measure_pair(dataset, 'minimal', link, delay, args, out_dir)
        role_runs, role_names = measure_pair(dataset, 'role', link, delay, args, out_dir)
        if minimal_names != role_names:
            sys.exit('%s: ClearIP content differs after the role and after the minimal client: %s against %s' % (
                link, dict((t, len(n)) for t, n in role_names.items()), dict((t, len(n)) for t, n in minimal_names.items())))
        result['links'][link] = {'delay_s': delay, 'max_in_flight': max_in_flight, 'clearip_page_cap': page_cap,
                                 'runs': role_runs + minimal_runs, 'ratios': summarize(role_runs + minimal_runs),
                                 'clearip_held': dict((t, len(n)) for t, n in role_names.items())}
    if args.targeted:
        result['targeted'] = [measure_targeted(int(size), args, out_dir) for size in args.targeted.split(',') if size.strip()]
    if args.event_delay:
        result['event_delay'] = measure_event_delay(args, out_dir)
    result['machine']['load_average_at_end'] = [round(x, 2) for x in os.getloadavg()]
    result['files'] = out_dir
    with open(json_path, 'w', encoding='utf-8') as handle:
        json.dump(result, handle, indent=1, sort_keys=True)
    print_table(result)
    print_targets(result)
    print('\nJSON: %s' % json_path)
    return 0


if __name__ == '__main__':
    sys.exit(main())
