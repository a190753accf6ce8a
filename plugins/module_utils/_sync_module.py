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
import time

from ansible_collections.clearip.netsapiens.plugins.module_utils._clearip_lock import AccountLock
from ansible_collections.clearip.netsapiens.plugins.module_utils._clearip_module import client_from_options as clearip_client
from ansible_collections.clearip.netsapiens.plugins.module_utils._clearip_module import creating_options
from ansible_collections.clearip.netsapiens.plugins.module_utils._files import write_atomically
from ansible_collections.clearip.netsapiens.plugins.module_utils._kinds import TIERS
from ansible_collections.clearip.netsapiens.plugins.module_utils._netsapiens import NetSapiensError
from ansible_collections.clearip.netsapiens.plugins.module_utils._netsapiens_module import client_from_options as netsapiens_client
from ansible_collections.clearip.netsapiens.plugins.module_utils._options import clearip_options, netsapiens_options, netsapiens_rules
from ansible_collections.clearip.netsapiens.plugins.module_utils._progress import ProgressLog
from ansible_collections.clearip.netsapiens.plugins.module_utils._sync_naming import SCHEMES, IdentifierScheme, SchemeError
from ansible_collections.clearip.netsapiens.plugins.module_utils import _sync_report
from ansible_collections.clearip.netsapiens.plugins.module_utils._sync_run import SyncRun, SyncStageError
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
        **creating_options()
    )


SYNC_RULES = dict(supports_check_mode=True, required_if=[('identifier_scheme', 'no_resellers', ('service_provider',))])
# option -> (least value, the role variable that sets it)
SYNC_RANGES = (('max_workers', 1, 'subscriber_sync_max_workers'), ('lock_timeout', 0, None),
               ('progress_interval', 0, 'subscriber_sync_progress_interval'))


def _fail(module, results, msg, stage=None):
    out = dict((key, value) for key, value in results.items() if value is not None and value != [])
    if stage is not None:
        out['stage'] = stage
    module.fail_json(msg=msg, fatal=stage is not None, **out)


def item_failure_message(results):
    """The message of a run whose records could not all be synced: how many, and the first five reasons."""
    plan_errors = (results.get('plan') or {}).get('errors') or {}
    reasons = [item.get('reason') for tier in TIERS + ('connections',) for item in plan_errors.get(tier) or []]
    reasons += [item.get('reason') for tier in TIERS for item in (results.get(tier) or {}).get('failed_items') or []]
    shown = '; '.join(str(reason) for reason in reasons[:5])
    more = ' (and %d more; the tiers and the plan list them all)' % (len(reasons) - 5) if len(reasons) > 5 else ''
    return '%d record(s) could not be synced: %s%s' % (len(reasons), shown, more)


def _settings(module):
    """The run's naming and clients from the options; fails the module at stage ``settings`` for one it refuses."""
    params = module.params
    if params['work_dir'] and not os.path.isdir(params['work_dir']):
        _fail(module, {}, 'work_dir (the role\'s subscriber_sync_work_dir) %s is not a directory: make it first, or leave it '
              'unset (nothing is written then)' % params['work_dir'], stage='setup')
    for option, least, role_variable in SYNC_RANGES:
        if params[option] < least:
            _fail(module, {}, '%s%s must be at least %d, not %s' % (
                option, " (the role's %s)" % role_variable if role_variable else '', least, params[option]), stage='settings')
    try:
        naming = IdentifierScheme(params['identifier_scheme'], params['service_provider'])
        netsapiens = netsapiens_client(params['netsapiens'], max_workers=params['max_workers'])
    except (SchemeError, NetSapiensError) as exc:
        _fail(module, {}, str(exc), stage='settings')
    clearip = clearip_client(dict(params['clearip'], max_workers=params['max_workers']))
    return naming, netsapiens, clearip


def run_sync_module(module):
    """The whole life of subscriber_sync_run: settings, the run under the account lock, the result."""
    params = module.params
    naming, netsapiens, clearip = _settings(module)
    # label -> a ProgressLog of one tier, or None
    progress = functools.partial(ProgressLog, params['progress_path'], interval=params['progress_interval']) \
        if params['progress_path'] else None
    comment_source = params['comment_source']
    if comment_source is None:
        comment_source = shown_url(params['netsapiens']['host'])
    lock = AccountLock(timeout=params['lock_timeout'])
    run = SyncRun(netsapiens, clearip, naming, include_domains=params['include_domains'],
                  exclude_domains=params['exclude_domains'], include_system_users=params['include_system_users'],
                  domains=params['domains'], check_mode=module.check_mode, want_diff=module._diff,
                  comment_source=comment_source, lock=lock, progress=progress, keep_dir=params['work_dir'],
                  drift=params['drift'], drift_require_comment=params['drift_require_comment'],
                  max_workers=params['max_workers'])
    try:
        results = run.run()
    except SyncStageError as exc:
        _fail(module, exc.results, exc.message, stage=exc.stage)
    finally:
        # Everything this run writes is written (or it failed): another run of the account may start.
        lock.release()
        netsapiens.close()
    diff = results.pop('diff')
    if diff:
        results['diff'] = diff
    plan_errors = results['plan']['errors']
    if any(plan_errors[tier] for tier in TIERS + ('connections',)) or any(
            (results[tier] or {}).get('failed_items') for tier in TIERS):
        _fail(module, results, item_failure_message(results))
    module.exit_json(**dict((key, value) for key, value in results.items() if value is not None))


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
        drift=params['drift'])
    result = dict(changed=False, report=report, status=report['status'], summary=_sync_report.summary_lines(report))
    for option, mode in (('path', 0o600), ('metrics_path', 0o644)):
        target = params[option]
        if not target or (option == 'metrics_path' and module.check_mode):
            continue
        if not os.path.isdir(os.path.dirname(os.path.abspath(target))):
            module.fail_json(msg='cannot write %s %s: its directory does not exist; create it or choose another path'
                             % (option, target), **result)
        if option == 'metrics_path':
            content = _sync_report.prometheus_text(report, ended, _sync_report.read_last_success(target))
        else:
            content = _sync_report.report_json(report)
        try:
            write_atomically(target, content, mode)
        except (IOError, OSError) as exc:
            module.fail_json(msg='cannot write %s %s: %s' % (option, target, exc), **result)
        result[option] = target
    module.exit_json(**result)
