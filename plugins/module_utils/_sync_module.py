# -*- coding: utf-8 -*-
# Copyright: (c) 2026, clearip.netsapiens contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The glue between the sync's modules and the sync. Internal use only.

``subscriber_sync_run`` ends in ``run_sync_module`` (options -> clients, naming, lock -> ``_sync_run.SyncRun``
-> result), ``subscriber_sync_report`` in ``run_report_module`` (what a run did -> ``_sync_report`` -> files).
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import functools
import os
import signal
import threading
import time

from ansible_collections.clearip.netsapiens.plugins.module_utils._clearip_errors import ClearIPLoginError
from ansible_collections.clearip.netsapiens.plugins.module_utils._clearip_lock import AccountLock
from ansible_collections.clearip.netsapiens.plugins.module_utils._clearip_module import client_from_options as clearip_client
from ansible_collections.clearip.netsapiens.plugins.module_utils._clearip_module import creating_options
from ansible_collections.clearip.netsapiens.plugins.module_utils._control import RunControl
from ansible_collections.clearip.netsapiens.plugins.module_utils._files import write_atomically
from ansible_collections.clearip.netsapiens.plugins.module_utils._kinds import TIERS
from ansible_collections.clearip.netsapiens.plugins.module_utils._memory import limit_malloc_arenas
from ansible_collections.clearip.netsapiens.plugins.module_utils._netsapiens import NetSapiensError
from ansible_collections.clearip.netsapiens.plugins.module_utils._netsapiens_module import client_from_options as netsapiens_client
from ansible_collections.clearip.netsapiens.plugins.module_utils._netsapiens_subscriptions import read_health
from ansible_collections.clearip.netsapiens.plugins.module_utils._options import clearip_options, netsapiens_options, netsapiens_rules
from ansible_collections.clearip.netsapiens.plugins.module_utils._progress import ProgressLog
from ansible_collections.clearip.netsapiens.plugins.module_utils._sync_absence import DEFAULT_MINIMUM, AbsenceLimits
from ansible_collections.clearip.netsapiens.plugins.module_utils._sync_naming import SCHEMES, IdentifierScheme, SchemeError
from ansible_collections.clearip.netsapiens.plugins.module_utils import _sync_report
from ansible_collections.clearip.netsapiens.plugins.module_utils._sync_run import SyncRun, SyncStageError
from ansible_collections.clearip.netsapiens.plugins.module_utils._sync_state import AccountState, LoginMemory
from ansible_collections.clearip.netsapiens.plugins.module_utils._urls import shown_url


# -- subscriber_sync_run --------------------------------------------------------------------------

def sync_options():
    """The options of subscriber_sync_run: the two connections as dict options, then the sync's own."""
    return dict(
        netsapiens=dict(type='dict', default={}, options=netsapiens_options(), apply_defaults=True, **netsapiens_rules()),
        clearip=dict(type='dict', default={}, options=clearip_options(), apply_defaults=True),
        identifier_scheme=dict(type='str', default='plain', choices=list(SCHEMES)),
        service_provider=dict(type='str'),
        include_domains=dict(type='list', elements='str', default=[]),
        exclude_domains=dict(type='list', elements='str', default=[]),
        include_system_users=dict(type='bool', default=True),
        domains=dict(type='list', elements='str'),
        work_dir=dict(type='path'),
        drift=dict(type='bool', default=True),
        drift_require_comment=dict(type='bool', default=False),
        tier_gate=dict(type='str', default='parent', choices=['parent', 'tier']),
        max_duration=dict(type='int', default=DEFAULT_MAX_DURATION),
        absence_limits=dict(type='dict', default={}),
        absence_minimum=dict(type='int', default=DEFAULT_MINIMUM),
        trust_listings=dict(type='bool', default=False),
        retry_refused_login=dict(type='bool', default=False),
        report_path=dict(type='path'),
        metrics_path=dict(type='path'),
        started=dict(type='float'),
        versions=dict(type='dict', default={}),
        events=dict(type='dict'),
        events_subscription=dict(type='dict', options=dict(
            post_url=dict(type='str', required=True, no_log=True),
            scope_domain=dict(type='str'),
        )),
        **creating_options()
    )


# Six hours: a first sync of 1,000,000 users fits (docs/performance.md); an hourly no-change run takes minutes.
DEFAULT_MAX_DURATION = 21600
SYNC_RULES = dict(supports_check_mode=True, required_if=[('identifier_scheme', 'no_resellers', ('service_provider',))])
# option -> (least value, the role variable that sets it)
SYNC_RANGES = (('max_workers', 1, 'subscriber_sync_max_workers'), ('lock_timeout', 0, None),
               ('progress_interval', 0, 'subscriber_sync_progress_interval'),
               ('max_duration', 10, 'subscriber_sync_max_duration'), ('absence_minimum', 0, 'subscriber_sync_absence_minimum'))
# The signals that cancel a run: what AWX, ansible-playbook (forwarding its own) and timeout(1) send.
CANCEL_SIGNALS = ('SIGTERM', 'SIGINT', 'SIGHUP')


def item_failure_message(results):
    """The message of a run whose records could not all be synced: how many, and the first five reasons."""
    plan_errors = (results.get('plan') or {}).get('errors') or {}
    reasons = [item.get('reason') for tier in TIERS + ('connections',) for item in plan_errors.get(tier) or []]
    reasons += [item.get('reason') for tier in TIERS for item in (results.get(tier) or {}).get('failed_items') or []]
    shown = '; '.join(str(reason) for reason in reasons[:5])
    more = ' (and %d more; the tiers and the plan list them all)' % (len(reasons) - 5) if len(reasons) > 5 else ''
    return '%d record(s) could not be synced: %s%s' % (len(reasons), shown, more)


def limit_figures(clients):
    """``{api: AdaptiveLimit.figures()}`` of the clients made (their HTTP session's limit), for the report."""
    figures = {}
    for api, client in clients.items():
        session = getattr(client, 'http', None) or getattr(client, 'session', None)
        limit = getattr(session, 'limit', None)
        if limit is not None and hasattr(limit, 'figures'):
            figures[api] = limit.figures()
    return figures or None


class _Run(object):
    """One life of subscriber_sync_run: its settings, its end (result, report, metrics), whatever happens."""

    def __init__(self, module):
        self.module = module
        self.params = module.params
        self.started = self.params['started'] if self.params['started'] is not None else time.time()
        self.control = RunControl(max_duration=self.params['max_duration'])
        self.state = None
        self.login_memory = None
        self.events = EventsHealthRead(self.params['events'])
        self.clients = {}   # api -> its client, once made: the report gives their concurrency limits' figures

    def fail(self, results, msg, stage=None, cancelled=False):
        """End with a failure: the report and metrics written (if asked), then ``fail_json``."""
        out = dict((key, value) for key, value in results.items() if value is not None and value != [])
        error = None
        if stage is not None:
            out['stage'] = stage
            error = {'stage': stage, 'message': msg, 'task': 'subscriber_sync_run', 'cancelled': cancelled}
        out.update(self.report(results, error))
        self.module.fail_json(msg=msg, fatal=stage is not None, **out)

    def settings(self):
        """The run's naming, limits and clients from the options; fails at stage ``settings`` (or ``setup``) for one it refuses."""
        params = self.params
        if params['work_dir'] and not os.path.isdir(params['work_dir']):
            self.fail({}, 'work_dir (the role\'s subscriber_sync_work_dir) %s is not a directory: make it first, or leave it '
                      'unset (nothing is written then)' % params['work_dir'], stage='setup')
        for option, least, role_variable in SYNC_RANGES:
            if params[option] < least:
                self.fail({}, '%s%s must be at least %d, not %s' % (
                    option, " (the role's %s)" % role_variable if role_variable else '', least, params[option]), stage='settings')
        try:
            naming = IdentifierScheme(params['identifier_scheme'], params['service_provider'])
            limits = absence_limits(params['absence_limits'], params['absence_minimum'])
            netsapiens = netsapiens_client(params['netsapiens'], max_workers=params['max_workers'], control=self.control)
        except (SchemeError, NetSapiensError, ValueError) as exc:
            self.fail({}, str(exc), stage='settings')
        cip = params['clearip']
        self.state = AccountState(cip['url'], cip['email'])
        self.login_memory = LoginMemory(self.state, cip['email'], cip['password'], ClearIPLoginError,
                                        retry=params['retry_refused_login'])
        clearip = clearip_client(dict(cip, max_workers=params['max_workers']), control=self.control,
                                 login_guard=self.login_memory)
        self.clients = {'netsapiens': netsapiens, 'clearip': clearip}
        return naming, limits, netsapiens, clearip

    def report(self, results, error):
        """``{report, status, summary[, report_path, metrics_path, report_errors]}``: the report built and written where asked."""
        params = self.params
        refusal = None
        if self.login_memory is not None and self.login_memory.remembered is not None:
            refusal = {'at': self.login_memory.remembered.get('at'), 'reason': self.login_memory.remembered.get('reason'),
                       'sent': False}
        elif self.login_memory is not None and self.login_memory.refusal is not None:
            refusal = {'at': self.login_memory.refusal['at'], 'reason': self.login_memory.refusal['reason'], 'sent': True}
        ended = time.time()
        report = _sync_report.build_report(
            self.started, ended, self.module.check_mode, plan=results.get('plan'),
            tier_results=dict((name, results.get(name)) for name in TIERS), error=error, versions=params['versions'],
            netsapiens_host=params['netsapiens'].get('host'), clearip_url=params['clearip'].get('url'),
            drift=results.get('drift'), suspect_reads=results.get('suspect_reads'), clearip_login_refused=refusal,
            events=self.events.health(), concurrency=limit_figures(self.clients))
        written = write_report_files(report, ended, params['report_path'], params['metrics_path'], self.module.check_mode)
        # The sync itself went as its status says, so a report that could not be written does not fail it; but a
        # summary line alone is easily missed (a cron job's log), so it is a warning too.
        for problem in written.get('report_errors') or ():
            self.module.warn(problem)
        out = {'report': report, 'status': report['status'],
               'summary': _sync_report.summary_lines(report) + where_written(written, params['metrics_path'], self.module.check_mode)}
        out.update(written)
        return out


class EventsHealthRead(object):
    """The event subscription's health for the report, read in this process beside the sync (issue 23: a module
    process of its own cost the event-driven path most of a second before the sync could start).

    ``start`` reads it in a thread of its own through the sync's NetSapiens client (one ``GET /subscriptions``; the
    token is the sync's), so it adds no time to the run; ``health`` waits for it, at most ``WAIT`` seconds after the
    sync (the client's timeouts and the run's stop bound the read itself; this bounds the wait whatever happens), and
    returns None when events are not set up. ``given``: a health read elsewhere (the module's ``events`` option),
    used when no subscription is named.
    """

    # Seconds a finished sync waits for the read: one GET with the client's retries fits; a read still going is reported.
    WAIT = 120

    def __init__(self, given):
        self.given = given
        self.thread = None
        self.waited = False
        self.found = {}

    def start(self, netsapiens, options):
        if not options:
            return

        def read():
            try:
                self.found['health'] = read_health(netsapiens, options['post_url'], time.time(),
                                                   scope_domain=options['scope_domain'])
            except Exception as exc:   # pylint: disable=broad-except
                # The run was stopped (cancel, max_duration) or the client failed in a way of its own: the subscription's
                # health stays unknown, which is reported, and never fails the sync.
                self.found['health'] = {'up': False, 'problem': 'the event subscription was not read: %s' % exc}
        self.thread = threading.Thread(target=read, name='events-health')
        self.thread.daemon = True
        self.thread.start()

    def wait(self):
        """Wait for the read once, at most ``WAIT`` seconds: after the sync (before its client is closed), and not again
        for the report."""
        if self.thread is not None and not self.waited:
            self.thread.join(self.WAIT)
            self.waited = True

    def health(self):
        if self.thread is None:
            return self.given
        self.wait()
        return self.found.get('health') or {
            'up': False, 'problem': 'the event subscription was not read within %g s after the sync' % self.WAIT}


def absence_limits(shares, minimum):
    """``_sync_absence.AbsenceLimits`` from the options; ValueError naming a tier or share it cannot use."""
    unknown = sorted(set(shares) - set(TIERS))
    if unknown:
        raise ValueError('absence_limits (the role\'s subscriber_sync_absence_limits) names %s; the tiers are %s'
                         % (', '.join(unknown), ', '.join(TIERS)))
    try:
        shares = dict((tier, float(share)) for tier, share in shares.items())
    except (TypeError, ValueError):
        raise ValueError('absence_limits (the role\'s subscriber_sync_absence_limits): each share must be a number from 0 to 1')
    if any(not 0 <= share <= 1 for share in shares.values()):
        raise ValueError('absence_limits (the role\'s subscriber_sync_absence_limits): each share must be from 0 to 1')
    return AbsenceLimits(shares, minimum)


def _on_signals(control):
    """Make the cancel signals stop the run (the module's main thread gets them); returns the old handlers."""
    old = {}

    def cancel(signum, frame):
        control.stop('the run was cancelled by %s' % signal.Signals(signum).name, cancelled=True)
    for name in CANCEL_SIGNALS:
        number = getattr(signal, name, None)
        if number is not None:
            old[number] = signal.signal(number, cancel)
    return old


def run_sync_module(module):
    """The whole life of subscriber_sync_run: settings, the run under the account lock, the report, the result.

    SIGTERM, SIGINT and SIGHUP (an AWX cancel, Ctrl-C, ``timeout``) stop the run within seconds: the report
    (status ``cancelled``, the stage reached, what was created) and the metrics are written, the lock is released
    and the module fails. So does a run longer than ``max_duration``, with status ``failed``.
    """
    # Before any thread starts: the worker threads' freed memory is then kept in 2 malloc arenas, not one a thread.
    limit_malloc_arenas()
    run = _Run(module)
    old_handlers = _on_signals(run.control)
    params = module.params
    naming, limits, netsapiens, clearip = run.settings()
    run.events.start(netsapiens, params['events_subscription'])
    # label -> a ProgressLog of one tier, or None
    progress = functools.partial(ProgressLog, params['progress_path'], interval=params['progress_interval']) \
        if params['progress_path'] else None
    comment_source = params['comment_source']
    if comment_source is None:
        comment_source = shown_url(params['netsapiens']['host'])
    lock = AccountLock(timeout=params['lock_timeout'], control=run.control)
    sync = SyncRun(netsapiens, clearip, naming, include_domains=params['include_domains'],
                   exclude_domains=params['exclude_domains'], include_system_users=params['include_system_users'],
                   domains=params['domains'], check_mode=module.check_mode, want_diff=module._diff,
                   comment_source=comment_source, lock=lock, progress=progress, keep_dir=params['work_dir'],
                   drift=params['drift'], drift_require_comment=params['drift_require_comment'],
                   max_workers=params['max_workers'], tier_gate=params['tier_gate'], control=run.control, limits=limits,
                   state=run.state, trust_listings=params['trust_listings'])
    error = None
    try:
        results = sync.run()
    except SyncStageError as exc:
        error = exc
        results = exc.results
    finally:
        # Everything this run writes is written (or it failed): another run of the account may start.
        lock.release()
        run.events.wait()   # it uses the NetSapiens client, closed next
        netsapiens.close()
        for number, handler in old_handlers.items():
            signal.signal(number, handler)
    if error is not None:
        run.fail(results, error.message, stage=error.stage, cancelled=error.cancelled)
    diff = results.pop('diff')
    if diff:
        results['diff'] = diff
    plan_errors = results['plan']['errors']
    if any(plan_errors[tier] for tier in TIERS + ('connections',)) or any(
            (results[tier] or {}).get('failed_items') for tier in TIERS):
        run.fail(results, item_failure_message(results))
    out = dict((key, value) for key, value in results.items() if value is not None and value != [])
    out.update(run.report(results, None))
    module.exit_json(**out)


# The report options of both modules, by the role variable a user of the role sets.
ROLE_VARIABLE_OF = {'report_path': 'subscriber_sync_report_path', 'path': 'subscriber_sync_report_path',
                    'metrics_path': 'subscriber_sync_metrics_path'}


def write_report_files(report, ended, path, metrics_path, check_mode, names=('report_path', 'metrics_path')):
    """Write the report (0600) and the metrics (0644, not in check mode), each atomically; returns the paths
    written under ``names`` and, for a file that could not be written, ``report_errors`` (each naming the option)."""
    out = {}
    errors = []
    for key, target, mode in ((names[0], path, 0o600), (names[1], metrics_path, 0o644)):
        if not target or (key == names[1] and check_mode):
            continue
        option = '%s (the role variable %s)' % (key, ROLE_VARIABLE_OF[key])
        if not os.path.isdir(os.path.dirname(os.path.abspath(target))):
            errors.append('cannot write %s %s: its directory does not exist; create it or choose another path' % (option, target))
            continue
        try:
            if key == names[1]:
                content = _sync_report.prometheus_text(report, ended, _sync_report.read_last_success(target))
            else:
                content = _sync_report.report_json(report)
            out[key] = write_atomically(target, content, mode)
        except (IOError, OSError) as exc:
            errors.append('cannot write %s %s: %s' % (option, target, exc))
    if errors:
        out['report_errors'] = errors
    return out


def where_written(written, metrics_path, check_mode, names=('report_path', 'metrics_path')):
    """The summary's last lines: where the report and the metrics went (absolute paths), so nobody has to guess
    what a relative path was taken from. A file not asked for gets no line; the caller knows how it is asked for."""
    lines = []
    if written.get(names[0]):
        lines.append('Report: written to %s' % written[names[0]])
    if written.get(names[1]):
        lines.append('Metrics: written to %s' % written[names[1]])
    elif metrics_path and check_mode:
        lines.append('Metrics: not written in a dry run')
    lines.extend('Not written: %s' % error for error in written.get('report_errors') or ())
    return lines


# -- subscriber_sync_report -----------------------------------------------------------------------

def report_options():
    """The options of subscriber_sync_report: what a run did, and where to write the report and the metrics."""
    return dict(
        path=dict(type='path'),
        metrics_path=dict(type='path'),
        started=dict(type='float', required=True),
        ended=dict(type='float'),
        plan=dict(type='dict'),
        service_providers=dict(type='dict'),
        groups=dict(type='dict'),
        users=dict(type='dict'),
        error=dict(type='dict', options=dict(
            stage=dict(type='str', required=True, choices=list(_sync_report.STAGES)),
            msg=dict(type='str', required=True),
            task=dict(type='str'),
        )),
        versions=dict(type='dict', default={}),
        netsapiens_host=dict(type='str'),
        clearip_url=dict(type='str'),
        drift=dict(type='dict'),
        events=dict(type='dict'),
    )


def run_report_module(module):
    """The whole life of subscriber_sync_report: build the report, write it (0600) and the metrics (0644, not in
    check mode), each atomically; return the report, its status and the summary lines."""
    params = module.params
    ended = params['ended'] if params['ended'] is not None else time.time()
    error = None
    if params['error']:
        error = {'stage': params['error']['stage'], 'message': params['error']['msg'], 'task': params['error']['task']}
    report = _sync_report.build_report(
        params['started'], ended, module.check_mode, plan=params['plan'],
        tier_results=dict((name, params[name]) for name in TIERS), error=error,
        versions=params['versions'], netsapiens_host=params['netsapiens_host'], clearip_url=params['clearip_url'],
        drift=params['drift'], events=params['events'])
    written = write_report_files(report, ended, params['path'], params['metrics_path'], module.check_mode,
                                 names=('path', 'metrics_path'))
    result = dict(changed=False, report=report, status=report['status'],
                  summary=_sync_report.summary_lines(report) + where_written(written, params['metrics_path'], module.check_mode,
                                                                             names=('path', 'metrics_path')))
    errors = written.pop('report_errors', None)
    result.update(written)
    if errors:
        module.fail_json(msg='; '.join(errors), **result)
    module.exit_json(**result)
