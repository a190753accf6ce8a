# -*- coding: utf-8 -*-
# Copyright: (c) 2026, clearip.netsapiens contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The role's `cron` entry point as users run it: ``ansible-playbook clearip.netsapiens.cron -e @config.json``.

Everything goes under a temporary directory (a cron file with an absolute path, for the current user), against the
existing install of this virtual environment; the collection itself is installed from a tarball the controller
builds. The installed command line is then run as cron would run it, against both simulators.
"""

from __future__ import annotations

import fcntl
import grp
import json
import os
import pwd
import re
import secrets
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from tests.integration.conftest import BIN, Sims, assert_no_secret, run_ansible_playbook, write_json, written_files
from tests.simulators.dataset import make_dataset

VENV = BIN.parent
CRON_NAME = 'clearip.netsapiens subscriber sync'
USER = pwd.getpwuid(os.getuid()).pw_name
GROUP = grp.getgrgid(os.getgid()).gr_name


def private_dataset():
    """A small dataset whose credentials are fresh random strings, so that a search for them finds only real leaks."""
    dataset = make_dataset(resellers=1, domains=2, users=4, seed=21)
    ns = dataset['netsapiens']
    ns['oauth_clients'] = [{'client_id': 'cron-client', 'client_secret': 'cs-' + secrets.token_hex(12)}]
    ns['api_users'] = [{'username': 'cron@ns.example', 'password': 'np-' + secrets.token_hex(12)}]
    ns['api_keys'] = ['nss_' + secrets.token_hex(16)]   # the default one is written in the collection's own test files
    dataset['clearip']['accounts'][0]['password'] = 'cp-' + secrets.token_hex(12)
    return dataset


def config_for(sims):
    ns = sims.dataset['netsapiens']
    account = sims.dataset['clearip']['accounts'][0]
    return {'netsapiens': {'host': sims.netsapiens.url, 'clientId': ns['oauth_clients'][0]['client_id'],
                           'clientSecret': ns['oauth_clients'][0]['client_secret'],
                           'username': ns['api_users'][0]['username'], 'password': ns['api_users'][0]['password']},
            'clearip': {'url': sims.clearip.url, 'email': account['email'], 'password': account['password']}}


class Layout(object):
    """Where one test installs the job, all under its temporary directory."""

    def __init__(self, root):
        self.root = root
        self.dir = root / 'opt'
        self.state = root / 'state'
        self.settings = root / 'etc' / 'config.json'
        self.log = root / 'log' / 'sync.log'
        self.cron_file = root / 'cron.d' / 'clearip-sync'
        self.logrotate_dir = root / 'logrotate.d'
        self.collections = self.dir / 'collections'
        self.wrapper = self.dir / 'bin' / 'clearip-sync'
        self.lock = self.state / 'sync.lock'
        (root / 'cron.d').mkdir(parents=True)

    def role_vars(self, **extra):
        variables = {
            'subscriber_sync_cron_user': USER,
            'subscriber_sync_cron_group': GROUP,
            'subscriber_sync_cron_create_user': False,
            'subscriber_sync_cron_dir': str(self.dir),
            'subscriber_sync_cron_venv': str(VENV),
            'subscriber_sync_cron_install_python': False,
            'subscriber_sync_cron_state_dir': str(self.state),
            'subscriber_sync_cron_settings_path': str(self.settings),
            'subscriber_sync_cron_log_path': str(self.log),
            'subscriber_sync_cron_file': str(self.cron_file),
            'subscriber_sync_cron_logrotate_dir': str(self.logrotate_dir),
        }
        variables.update(extra)
        return variables


@pytest.fixture
def cron(tmp_path, collection_playbook):
    """``cron(config, extra_vars, check=False, diff=False)`` runs ``ansible-playbook clearip.netsapiens.cron``.

    This machine need not have cron: a ``crontab`` that fails if called stands in, since a cron_file is written
    directly and ansible.builtin.cron only insists that the program exists.
    """
    stub_dir = tmp_path / 'stub-bin'
    stub_dir.mkdir()
    stub = stub_dir / 'crontab'
    stub.write_text('#!/bin/sh\necho "crontab must not be called when a cron_file is used" >&2\nexit 97\n')
    stub.chmod(0o755)

    def run(config, extra_vars, check=False, diff=False):
        return collection_playbook('cron', config, extra_vars=extra_vars, check=check, diff=diff, timeout=300,
                                   env={'PATH': '%s:%s:%s' % (stub_dir, BIN, os.environ.get('PATH', ''))})

    return run


def recap(proc):
    match = re.search(r'localhost\s+: ok=(\d+)\s+changed=(\d+)\s+unreachable=0\s+failed=(\d+)', proc.stdout)
    assert match, proc.stdout[-3000:] + proc.stderr[-2000:]
    return {'ok': int(match.group(1)), 'changed': int(match.group(2)), 'failed': int(match.group(3))}


def as_cron_runs_it(command, layout):
    """Run the command of a cron line the way cron does: /bin/sh -c, a bare environment."""
    env = {'PATH': '/usr/bin:/bin', 'HOME': str(layout.state), 'SHELL': '/bin/sh', 'LOGNAME': USER}
    return subprocess.run(['/bin/sh', '-c', command], env=env, cwd='/', stdin=subprocess.DEVNULL, capture_output=True,
                          text=True, timeout=300, check=False)


def files_holding(root, needles):
    found = []
    for directory, dummy, names in os.walk(root):
        for name in names:
            path = os.path.join(directory, name)
            if os.path.islink(path) or not os.path.isfile(path):
                continue
            with open(path, 'rb') as handle:
                data = handle.read()
            if any(n.encode() in data for n in needles):
                found.append(path)
    return sorted(found)


def ns_users_in_clearip(sims):
    return sorted(u['name'] for u in Sims.state(sims.clearip)['users'])


def test_install_run_and_remove(sims, cron, tmp_path):
    s = sims(private_dataset())
    config = config_for(s)
    layout = Layout(tmp_path / 'inst')
    role_vars = layout.role_vars(subscriber_sync_cron_logrotate=False, subscriber_sync_cron_log_max_size=2000,
                                 subscriber_sync_cron_log_keep=2)
    job = 'flock -n %s %s >> %s 2>&1' % (layout.lock, layout.wrapper, layout.log)
    line = '0 * * * * %s %s' % (USER, job)

    # A dry run shows the entry it would add, and writes nothing.
    dry = cron(config, role_vars, check=True, diff=True)
    assert dry.returncode == 0, dry.stdout + dry.stderr
    assert '+#Ansible: %s\n+%s\n' % (CRON_NAME, line) in dry.stdout
    assert not layout.cron_file.exists() and not layout.settings.exists() and not layout.dir.exists()
    assert not layout.state.exists()

    first = cron(config, role_vars, diff=True)
    assert first.returncode == 0, first.stdout + first.stderr
    assert recap(first)['changed'] == recap(dry)['changed']
    assert layout.cron_file.read_text() == '#Ansible: %s\n%s\n' % (CRON_NAME, line)

    # The settings file: config.json format, owned by the sync user, 0600, in a 0700 directory.
    assert stat.S_IMODE(os.stat(layout.settings).st_mode) == 0o600
    assert stat.S_IMODE(os.stat(layout.settings.parent).st_mode) == 0o700
    assert os.stat(layout.settings).st_uid == os.getuid()
    assert json.loads(layout.settings.read_text()) == dict(config, **{
        'subscriber_sync_identifier_scheme': 'plain', 'subscriber_sync_service_provider': '',
        'subscriber_sync_include_domains': [], 'subscriber_sync_exclude_domains': [],
        'subscriber_sync_include_system_users': True, 'subscriber_sync_max_workers': 16,
        'subscriber_sync_tier_gate': 'parent', 'subscriber_sync_max_duration': 21600, 'subscriber_sync_absence_limits': {},
        'subscriber_sync_absence_minimum': 10,
        'subscriber_sync_report_path': str(layout.state / 'report.json'), 'subscriber_sync_metrics_path': ''})
    assert stat.S_IMODE(os.stat(layout.wrapper).st_mode) == 0o755
    assert stat.S_IMODE(os.stat(layout.log).st_mode) == 0o640
    assert (layout.collections / 'ansible_collections' / 'clearip' / 'netsapiens' / 'playbooks' / 'sync.yml').is_file()
    assert not layout.logrotate_dir.exists()

    second = cron(config, role_vars, diff=True)
    assert second.returncode == 0, second.stdout + second.stderr
    assert recap(second)['changed'] == 0

    # Run the installed line's command as cron would: the sync happens, through the installed collection.
    fields = layout.cron_file.read_text().splitlines()[1].split(None, 6)
    assert fields[:6] == ['0', '*', '*', '*', '*', USER]
    assert fields[6] == job
    ran = as_cron_runs_it(fields[6], layout)
    assert ran.returncode == 0, layout.log.read_text()[-4000:]
    expected_users = sorted('%s@%s' % (u['user'], u['domain']) for u in s.dataset['netsapiens']['users'])
    assert ns_users_in_clearip(s) == expected_users
    log = layout.log.read_text()
    assert log.count('clearip.netsapiens sync starts') == 1 and 'clearip.netsapiens sync ends with status 0' in log
    assert 'Users: 4 created, 0 existing, 0 failed' in log
    assert sorted(json.loads((layout.state / 'report.json').read_text())['tiers']['users']['created']) == expected_users
    assert stat.S_IMODE(os.stat(layout.state / 'report.json').st_mode) == 0o600
    # The tiers' progress lines reach the log; the report of this successful run is also kept as the last good one.
    assert re.search(r'\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ users: 4 to create\n', log), log
    assert 'users: 4 of 4 done (4 created, 0 failed)' in log
    last_ok = layout.state / 'report.last-ok.json'
    assert last_ok.read_text() == (layout.state / 'report.json').read_text()
    assert stat.S_IMODE(os.stat(last_ok).st_mode) == 0o600

    # No secret anywhere the role or the run wrote, but in the settings file.
    holding = files_holding(str(layout.root), s.secrets(config))
    assert holding == [str(layout.settings)]

    # The lock: while another run holds it, the job exits at once and does nothing.
    Sims.reset_stats(s.clearip)
    with open(layout.lock, 'a') as held:
        fcntl.flock(held, fcntl.LOCK_EX)
        blocked = as_cron_runs_it(fields[6], layout)
    assert blocked.returncode == 1
    assert Sims.stats(s.clearip)['requests'] == {}
    assert layout.log.read_text() == log

    # The log passed 2000 bytes, so the next run rotates it first; the second sync writes nothing.
    again = as_cron_runs_it(fields[6], layout)
    assert again.returncode == 0
    assert layout.log.with_name('sync.log.1').read_text() == log
    assert layout.log.read_text().count('clearip.netsapiens sync starts') == 1
    assert 'Users: 0 created, 4 existing, 0 failed' in layout.log.read_text()
    assert Sims.total_writes(s.clearip) == 0
    good = json.loads(last_ok.read_text())
    assert good['status'] == 'ok' and good == json.loads((layout.state / 'report.json').read_text())

    # A failed run replaces report.json and leaves report.last-ok.json as it was.
    Sims.add_fault(s.clearip, kind='server_error', status=403, method='GET', path=r'^/users', times=-1)
    failed = as_cron_runs_it(fields[6], layout)
    assert failed.returncode != 0
    assert Sims.stats(s.clearip)['faults_fired'].get('server_error', 0) >= 1   # the 403 was answered, not some other failure
    latest = json.loads((layout.state / 'report.json').read_text())
    assert latest['status'] == 'failed' and latest['error']['stage'] == 'users'
    assert json.loads(last_ok.read_text()) == good

    # Removal: a dry run shows it, the real one removes the entry (and so the cron file) and the wrapper.
    absent = dict(role_vars, subscriber_sync_cron_state='absent')
    dry_remove = cron(config, absent, check=True, diff=True)
    assert dry_remove.returncode == 0, dry_remove.stdout + dry_remove.stderr
    assert '-%s' % line in dry_remove.stdout
    assert layout.cron_file.exists() and layout.wrapper.exists()
    removed = cron(config, absent)
    assert removed.returncode == 0, removed.stdout + removed.stderr
    assert recap(removed)['changed'] == 2
    assert not layout.cron_file.exists() and not layout.wrapper.exists()
    assert layout.settings.exists()   # kept unless subscriber_sync_cron_purge
    again_removed = cron(config, absent)
    assert recap(again_removed)['changed'] == 0

    # The shared check: no password, client secret or token either simulator issued in any run's output or in any
    # file under the test's directory but the settings file (and the inputs the test wrote).
    leak_candidates = s.secrets(config)
    assert Sims.issued(s.netsapiens) and Sims.issued(s.clearip)
    runs = (dry, first, second, ran, blocked, again, failed, dry_remove, removed, again_removed)
    assert_no_secret(leak_candidates, [proc.stdout + proc.stderr for proc in runs],
                     [path for path in written_files(tmp_path) if path != layout.settings])


def test_schedule_and_logrotate(sims, cron, tmp_path):
    s = sims(private_dataset())
    config = config_for(s)
    layout = Layout(tmp_path / 'inst')
    layout.logrotate_dir.mkdir()
    role_vars = layout.role_vars(subscriber_sync_cron_logrotate=True, subscriber_sync_cron_minute='*/15',
                                 subscriber_sync_cron_hour='1-5', subscriber_sync_cron_weekday='1')
    run = cron(config, role_vars)
    assert run.returncode == 0, run.stdout + run.stderr
    assert layout.cron_file.read_text().splitlines()[1] == '*/15 1-5 * * 1 %s flock -n %s %s >> %s 2>&1' % (
        USER, layout.lock, layout.wrapper, layout.log)
    assert (layout.logrotate_dir / 'clearip-sync').read_text() == (
        '#\n# Ansible managed\n#\n'
        '# The log of the scheduled clearip.netsapiens sync.\n'
        '%(log)s {\n'
        '    su %(user)s %(group)s\n'
        '    weekly\n'
        '    maxsize 10485760\n'
        '    rotate 8\n'
        '    compress\n'
        '    delaycompress\n'
        '    missingok\n'
        '    notifempty\n'
        '    create 0640 %(user)s %(group)s\n'
        '}\n' % {'log': layout.log, 'user': USER, 'group': GROUP})
    assert 'mv -f "$LOG' not in layout.wrapper.read_text()   # logrotate rotates the log, the wrapper does not
    purge = cron(config, dict(role_vars, subscriber_sync_cron_state='absent', subscriber_sync_cron_purge=True))
    assert purge.returncode == 0, purge.stdout + purge.stderr
    assert not (layout.logrotate_dir / 'clearip-sync').exists()
    assert not layout.settings.exists() and not layout.state.exists() and not layout.collections.exists()
    assert VENV.is_dir()   # an environment the role did not install is never removed


def test_an_incomplete_existing_install_is_named_and_nothing_is_written(sims, cron, tmp_path):
    s = sims(private_dataset())
    layout = Layout(tmp_path / 'inst')
    empty_venv = tmp_path / 'empty-venv'
    empty_venv.mkdir()
    role_vars = layout.role_vars(subscriber_sync_cron_venv=str(empty_venv), subscriber_sync_cron_install_collection=False)
    run = cron(config_for(s), role_vars)
    assert run.returncode != 0
    message = re.sub(r'\s+', ' ', run.stdout)
    assert ('it lacks: a Python at %(v)s/bin/python; %(v)s/bin/ansible-playbook; the collection clearip.netsapiens in %(c)s.'
            % {'v': empty_venv, 'c': layout.collections}) in message
    assert not layout.cron_file.exists() and not layout.settings.exists() and not layout.dir.exists()


def test_install_into_a_fresh_virtual_environment(sims, cron, tmp_path):
    """The path a new host takes: the role makes the venv and installs ansible-core and requests into it."""
    s = sims(private_dataset())
    config = config_for(s)
    layout = Layout(tmp_path / 'inst')
    venv = tmp_path / 'fresh-venv'
    with open(os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(__file__))), 'test-requirements.txt')) as handle:
        pins = [line.strip() for line in handle if line.startswith(('ansible-core==', 'requests==', 'cryptography=='))]
    assert len(pins) == 3
    role_vars = layout.role_vars(subscriber_sync_cron_venv=str(venv), subscriber_sync_cron_install_python=True,
                                 subscriber_sync_cron_python=sys.executable, subscriber_sync_cron_pip_packages=pins)
    first = cron(config, role_vars)
    assert first.returncode == 0, first.stdout[-4000:] + first.stderr[-2000:]
    assert (venv / 'bin' / 'ansible-playbook').is_file()
    assert recap(cron(config, role_vars))['changed'] == 0

    fields = layout.cron_file.read_text().splitlines()[1].split(None, 6)
    ran = as_cron_runs_it(fields[6], layout)
    assert ran.returncode == 0, layout.log.read_text()[-4000:]
    # No Python warning in the log (cryptography 51 made ansible-core print one about DSA on every run).
    assert not re.search(r'\b[A-Z]\w*Warning: |\[WARNING\]', layout.log.read_text()), layout.log.read_text()[-4000:]
    assert str(venv / 'bin' / 'ansible-playbook') in layout.wrapper.read_text()
    assert ns_users_in_clearip(s) == sorted('%s@%s' % (u['user'], u['domain']) for u in s.dataset['netsapiens']['users'])


@pytest.mark.parametrize('check', [True, False])
def test_a_cron_file_in_a_missing_folder_fails_before_anything_is_written(sims, cron, tmp_path, check):
    """The dry run fails where the real run would, and neither writes the settings, the wrapper or the log first."""
    s = sims(private_dataset())
    layout = Layout(tmp_path / 'inst')
    missing = layout.root / 'no-such-dir' / 'clearip-sync'
    run = cron(config_for(s), layout.role_vars(subscriber_sync_cron_file=str(missing)), check=check, diff=check)
    assert run.returncode != 0, run.stdout
    message = re.sub(r'\s+', ' ', run.stdout)
    assert ('subscriber_sync_cron_file: the folder %s does not exist, so the cron file cannot be written there; '
            'create it or fix the path' % missing.parent) in message, message
    assert '+#Ansible' not in run.stdout   # no cron line promised
    assert not layout.settings.exists() and not layout.dir.exists() and not layout.state.exists() and not layout.log.exists()
    assert not layout.collections.exists()


def test_every_written_path_is_checked_before_the_first_write(sims, cron, tmp_path):
    s = sims(private_dataset())
    layout = Layout(tmp_path / 'inst')
    blocker = layout.root / 'a-file'
    blocker.write_text('in the way\n')
    report_dir = layout.root / 'reports-missing'
    run = cron(config_for(s), layout.role_vars(subscriber_sync_cron_log_path=str(blocker / 'log' / 'sync.log'),
                                               subscriber_sync_cron_report_path=str(report_dir / 'report.json'),
                                               subscriber_sync_cron_logrotate=True),
               check=True)
    assert run.returncode != 0
    message = re.sub(r'\s+', ' ', run.stdout)
    for expected in ('subscriber_sync_cron_log_path: %s is not a directory, so %s cannot be created' % (blocker, blocker / 'log'),
                     'subscriber_sync_cron_logrotate_dir: the folder %s does not exist, so the logrotate settings cannot be written'
                     % layout.logrotate_dir,
                     'subscriber_sync_cron_report_path: the folder %s does not exist, so the report of each run cannot be written'
                     % report_dir):
        assert expected in message, (expected, message)
    assert not layout.dir.exists() and not layout.state.exists()
    real = cron(config_for(s), layout.role_vars(subscriber_sync_cron_report_path=str(report_dir / 'report.json')))
    assert real.returncode != 0
    assert 'subscriber_sync_cron_report_path: the folder %s does not exist' % report_dir in re.sub(r'\s+', ' ', real.stdout)
    assert not layout.dir.exists() and not layout.state.exists() and not layout.settings.exists()


MANUAL_PATHS = ('/opt/clearip-sync', '/etc/clearip-sync', '/var/lib/clearip-sync', '/var/log/clearip-sync', '/etc/cron.d',
                '/etc/logrotate.d')


def manual_steps(root, pins):
    """docs/cron.md's manual steps, as written but for: every path under ``root``, the current user instead of a new
    system user (no useradd, no runuser), and the pinned versions of this environment for the pip install."""
    text = (Path(__file__).resolve().parents[2] / 'docs' / 'cron.md').read_text()
    start = text.index('## The manual equivalent')
    block = re.compile(r'```sh\n(.*?)```', re.S).search(text, start).group(1)
    for path in MANUAL_PATHS:
        block = block.replace(path, str(root) + path)
    lines = []
    for line in block.splitlines():
        if line.startswith('useradd '):
            continue
        line = line.replace('runuser -u clearip-sync -- ', '')
        line = line.replace('-o clearip-sync -g clearip-sync', '-o %s -g %s' % (USER, GROUP))
        line = line.replace("'ansible-core>=2.16' 'requests>=2.25'", ' '.join("'%s'" % p for p in pins))
        lines.append(line)
    script = '\n'.join(lines) + '\n'
    # Never let a step reach the real system directories.
    stray = re.findall(r'(?<![\w./-])/(?:opt|etc|var)/\S*', script)
    assert stray == [], stray
    return script


def test_the_manual_steps_of_the_docs_run_as_written(sims, tmp_path):
    s = sims(private_dataset())
    config = config_for(s)
    root = tmp_path / 'root'
    for folder in ('etc/cron.d', 'etc/logrotate.d', 'opt', 'var/lib', 'var/log'):   # what a host has before the steps
        (root / folder).mkdir(parents=True)
    with open(Path(__file__).resolve().parents[2] / 'test-requirements.txt') as handle:
        pins = [line.strip() for line in handle if line.startswith(('ansible-core==', 'requests=='))]
    work = tmp_path / 'work'
    work.mkdir()
    (work / 'config.json').write_text(json.dumps(config))
    (work / 'config.json').chmod(0o600)
    version = re.search(r'^version: *(\S+)', (Path(__file__).resolve().parents[2] / 'galaxy.yml').read_text(), re.M).group(1)
    subprocess.run([str(BIN / 'ansible-galaxy'), 'collection', 'build', '--output-path', str(work),
                    str(Path(__file__).resolve().parents[2])], check=True, capture_output=True)
    assert (work / ('clearip-netsapiens-%s.tar.gz' % version)).is_file()
    script = tmp_path / 'manual.sh'
    script.write_text('set -e\n' + manual_steps(root, pins))
    env = {'PATH': '%s:/usr/bin:/bin' % BIN, 'HOME': str(tmp_path), 'LANG': 'C.UTF-8'}
    done = subprocess.run(['/bin/sh', str(script)], cwd=str(work), env=env, capture_output=True, text=True, timeout=900,
                          check=False)
    log = root / 'var' / 'log' / 'clearip-sync' / 'sync.log'
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:] + (log.read_text()[-3000:] if log.exists() else '')
    assert 'sync starts' in log.read_text()
    assert ns_users_in_clearip(s) == sorted('%s@%s' % (u['user'], u['domain']) for u in s.dataset['netsapiens']['users'])
    # The report the docs promise is where they say.
    report = json.loads((root / 'var' / 'lib' / 'clearip-sync' / 'report.json').read_text())
    assert sorted(report['tiers']['users']['created']) == ns_users_in_clearip(s)
    line = (root / 'etc' / 'cron.d' / 'clearip-sync').read_text().strip()
    assert line == '0 * * * * clearip-sync flock -n %(r)s/var/lib/clearip-sync/sync.lock %(r)s/opt/clearip-sync/bin/clearip-sync ' \
                   '>> %(r)s/var/log/clearip-sync/sync.log 2>&1' % {'r': root}
    assert stat.S_IMODE(os.stat(root / 'etc' / 'clearip-sync' / 'config.json').st_mode) == 0o600
    # The shared check: every credential and issued token, in the steps' output and every file they wrote (the log,
    # the report, the wrapper, the cron file) but the settings file the steps copy (config.json, an input).
    assert Sims.issued(s.netsapiens) and Sims.issued(s.clearip)
    files = written_files(tmp_path)
    assert log in files and root / 'etc' / 'clearip-sync' / 'config.json' not in files
    assert_no_secret(s.secrets(config), [done.stdout, done.stderr], files)


def path_without(tmp_path, program):
    """A PATH that finds this environment's tools and the system's commands, except ``program`` (to stand for a host that
    lacks it, whether or not this machine has it)."""
    folder = tmp_path / ('path-without-%s' % program)
    folder.mkdir()
    for system_dir in ('/usr/bin', '/bin'):
        for name in os.listdir(system_dir):
            if name != program and not (folder / name).exists():
                (folder / name).symlink_to(os.path.join(system_dir, name))
    return '%s:%s' % (BIN, folder)


def test_relative_install_paths_are_refused_by_name(sims, cron, tmp_path):
    s = sims(private_dataset())
    layout = Layout(tmp_path / 'inst')
    run = cron(config_for(s), layout.role_vars(subscriber_sync_cron_state_dir='state', subscriber_sync_cron_log_path='log/sync.log'))
    assert run.returncode != 0
    message = re.sub(r'\s+', ' ', run.stdout)
    # The report's default lies in the state directory, so it is relative too.
    assert 'subscriber_sync_cron_log_path, subscriber_sync_cron_report_path, subscriber_sync_cron_state_dir are relative paths: ' \
           'the places the cron entry point installs the job on the host must be absolute' in message, message
    assert not layout.dir.exists() and not layout.settings.exists() and not (tmp_path / 'state').exists()


def test_a_host_without_crontab_is_told_which_package_to_install(sims, collection_playbook, tmp_path):
    """Only the fix that helps: the install_* variables, which are set, would not install cron."""
    s = sims(private_dataset())
    layout = Layout(tmp_path / 'inst')
    run = collection_playbook('cron', config_for(s), extra_vars=layout.role_vars(), timeout=300,
                              env={'PATH': path_without(tmp_path, 'crontab')})
    assert run.returncode != 0
    message = re.sub(r'\s+', ' ', run.stdout)
    assert 'The host cannot run the scheduled sync; it lacks: crontab. To fix: install the package cron (Debian, Ubuntu) or ' \
           'cronie (RHEL, Fedora).' in message, message
    assert 'subscriber_sync_cron_install' not in message
    assert not layout.cron_file.exists()


def test_a_missing_tarball_fails_in_one_line_that_names_the_variable(sims, cron, tmp_path):
    s = sims(private_dataset())
    layout = Layout(tmp_path / 'inst')
    missing = tmp_path / 'no-such.tar.gz'
    run = cron(config_for(s), layout.role_vars(subscriber_sync_cron_collection_tarball=str(missing)))
    assert run.returncode != 0
    failures = [json.loads(line.split(' => ', 1)[1]) for line in run.stdout.splitlines() if line.startswith('fatal: ')]
    assert [failure['msg'] for failure in failures] == [
        'subscriber_sync_cron_collection_tarball: %s is not a file on the controller; give the path of a clearip.netsapiens '
        'tarball, or leave it unset to use the collection this playbook runs from' % missing], run.stdout[-3000:]
    assert 'Traceback' not in run.stdout + run.stderr and not layout.cron_file.exists()


def test_a_collection_installed_the_readme_way_installs_itself_on_the_host(sims, tmp_path):
    """`ansible-galaxy collection install <tarball>` leaves no galaxy.yml: the cron entry point packs the installed copy again."""
    s = sims(private_dataset())
    root = Path(__file__).resolve().parents[2]
    dist, installed = tmp_path / 'dist', tmp_path / 'installed'
    subprocess.run([str(BIN / 'ansible-galaxy'), 'collection', 'build', '--output-path', str(dist), str(root)], check=True,
                   capture_output=True)
    subprocess.run([str(BIN / 'ansible-galaxy'), 'collection', 'install', '-p', str(installed), str(next(dist.glob('*.tar.gz')))],
                   check=True, capture_output=True)
    copy = installed / 'ansible_collections' / 'clearip' / 'netsapiens'
    assert (copy / 'MANIFEST.json').is_file() and not (copy / 'galaxy.yml').exists()

    layout = Layout(tmp_path / 'inst')
    work = tmp_path / 'work'
    work.mkdir()
    config = write_json(work / 'config.json', config_for(s), 0o600)
    role_vars = write_json(work / 'vars.json', layout.role_vars())
    stub = tmp_path / 'stub-bin'
    stub.mkdir()
    (stub / 'crontab').write_text('#!/bin/sh\nexit 97\n')
    (stub / 'crontab').chmod(0o755)
    env = {'PATH': '%s:%s:%s' % (stub, BIN, os.environ.get('PATH', ''))}

    first = run_ansible_playbook(installed, work, 'clearip.netsapiens.cron', [config, role_vars], env=env, timeout=300)
    assert first.returncode == 0, first.stdout[-4000:] + first.stderr[-2000:]
    on_host = layout.collections / 'ansible_collections' / 'clearip' / 'netsapiens'
    assert (on_host / 'FILES.json').read_bytes() == (copy / 'FILES.json').read_bytes()
    assert (on_host / 'roles' / 'subscriber_sync' / 'tasks' / 'cron.yml').read_bytes() == \
        (copy / 'roles' / 'subscriber_sync' / 'tasks' / 'cron.yml').read_bytes()
    again = run_ansible_playbook(installed, work, 'clearip.netsapiens.cron', [config, role_vars], env=env, timeout=300)
    assert recap(again)['changed'] == 0, again.stdout[-3000:]
