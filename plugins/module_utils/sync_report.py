# -*- coding: utf-8 -*-
# Copyright: (c) 2026, clearip.netsapiens contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The sync report and its monitoring figures: pure functions, plus one atomic file write.

``build_report`` turns what the role's tasks registered (the plan, each tier's result, a fatal error)
into the report of docs/report.md (schema version ``SCHEMA_VERSION``); ``prometheus_text`` turns a
report into the Prometheus text exposition format (version 0.0.4) that node_exporter's textfile
collector reads. Modules may import only the standard library and requests, so the exposition is
written here by hand; the tests parse it with ``prometheus_client``'s own parser.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import json
import math
import os
import re
import tempfile
import time

SCHEMA_VERSION = 1

TIERS = ('service_providers', 'groups', 'users')
TIER_LABELS = {'service_providers': 'Service Providers', 'groups': 'Groups', 'users': 'Users'}
PARENT_TIER = {'groups': 'service_providers', 'users': 'groups'}
STATUSES = ('ok', 'partial', 'failed')

# Where a run can stop. The role names the stage of the task that failed; a failure of a NetSapiens read
# or a ClearIP tier that is in fact a refused or failed login is moved to the login stage by its words.
STAGES = ('settings', 'setup', 'netsapiens_login', 'netsapiens_read', 'plan', 'clearip_login',
          'service_providers', 'groups', 'users', 'drift', 'report')
# Words of the login failures of plugins/module_utils/netsapiens.py (its token grant) and clearip.py (its
# login). A message without them keeps the stage of its task: a wrong guess only names a coarser stage.
NETSAPIENS_LOGIN_WORDS = ('rejected the oauth client', 'rejected the user credentials', 'rejected the refresh token',
                          'rejected the api key', 'credentials are incomplete', 'no access_token',
                          '/ns-api/v2/tokens', '/ns-api/oauth2/token', ' grant at post ', 'netsapiens access token',
                          'no token endpoint')
CLEARIP_LOGIN_WORDS = ('clearip refused the login', 'clearip login failed', '/auth/login')

METRIC_PREFIX = 'clearip_netsapiens_sync'
LAST_SUCCESS_METRIC = METRIC_PREFIX + '_last_success_timestamp_seconds'
OUTCOMES = ('created', 'existing', 'failed')
# The drift step's counts per tier (plugins/module_utils/drift.py): objects gone from NetSapiens, or moved.
DRIFT_KINDS = ('gone', 'moved')


def refine_stage(stage, message):
    """The stage of a fatal error: ``stage`` (from the failed task), or the login stage its ``message`` shows."""
    text = (message or '').lower()
    if stage in ('netsapiens_read',) and any(word in text for word in NETSAPIENS_LOGIN_WORDS):
        return 'netsapiens_login'
    if stage in TIERS and any(word in text for word in CLEARIP_LOGIN_WORDS):
        return 'clearip_login'
    return stage or 'settings'


def redact_url(value):
    """A host name or URL without user info, query or fragment, which may carry credentials.

    ``https://user:pw@h:8443/x?token=t`` -> ``https://h:8443/x``; a bare host name is returned as it is.
    """
    if value is None:
        return None
    text = str(value).strip()
    match = re.match(r'^([A-Za-z][A-Za-z0-9+.-]*://)?([^/?#]*)([^?#]*)', text)
    scheme, authority, path = match.group(1) or '', match.group(2), match.group(3)
    if '@' in authority:
        authority = authority.rsplit('@', 1)[1]
    return scheme + authority + path


def iso_utc(seconds):
    """Unix time in seconds -> ISO 8601 UTC with milliseconds, e.g. ``2026-11-30T01:02:03.456Z``."""
    whole = int(math.floor(seconds))
    millis = int(round((seconds - whole) * 1000))
    if millis == 1000:
        whole, millis = whole + 1, 0
    return time.strftime('%Y-%m-%dT%H:%M:%S', time.gmtime(whole)) + '.%03dZ' % millis


def _ran(result):
    """A registered task result that ran (not skipped, not absent)."""
    return isinstance(result, dict) and not result.get('skipped')


def _failed_items(result):
    if isinstance(result, dict) and isinstance(result.get('failed_items'), list):
        return list(result['failed_items'])
    return []


def build_tier(name, plan, result, parent_tier, fatal_stage):
    """One tier's entry of the report (see docs/report.md).

    ``plan`` is the registered result of subscriber_sync_plan (or None), ``result`` the registered
    result of the tier's create module (None when the run never got there), ``parent_tier`` the entry
    of the tier above (None for Service Providers), ``fatal_stage`` the stage of a fatal error or None.
    """
    plan_errors = list(((plan or {}).get('errors') or {}).get(name) or [])
    failed = plan_errors + _failed_items(result)
    created = list((result or {}).get('created') or []) if _ran(result) else []
    existing = int((result or {}).get('existing') or 0) if _ran(result) else 0
    wanted = ((plan or {}).get('counts') or {}).get('%s_wanted' % name)
    entry = {'created': created, 'existing': existing, 'failed': failed, 'skipped': False, 'skipped_reason': ''}
    if _ran(result) and result.get('failed') and not isinstance(result.get('failed_items'), list):
        entry['status'] = 'failed'   # the whole call failed: the fatal error says why
    elif _ran(result):
        entry['status'] = 'partial' if failed else 'done'
    elif isinstance(result, dict) and result.get('skipped'):
        entry['status'] = 'skipped'
        entry['skipped'] = True
        if parent_tier is not None and parent_tier.get('skipped'):
            entry['skipped_reason'] = 'the %s tier was skipped' % TIER_LABELS[PARENT_TIER[name]]
        elif parent_tier is not None:
            entry['skipped_reason'] = '%d %s(s) failed' % (len(parent_tier['failed']), TIER_LABELS[PARENT_TIER[name]][:-1])
    else:
        entry['status'] = 'not_reached'
        entry['skipped'] = True
        entry['skipped_reason'] = 'the run stopped at %s' % fatal_stage if fatal_stage else 'the run stopped before this tier'
    entry['counts'] = {'wanted': wanted, 'created': len(created), 'existing': existing, 'failed': len(failed)}
    return entry


def build_report(started, ended, check_mode, plan=None, tier_results=None, error=None, versions=None,
                 netsapiens_host=None, clearip_url=None, drift=None):
    """The report dict (docs/report.md) and nothing else; ``started``/``ended`` are Unix times in seconds.

    ``error`` is None or ``{'stage': ..., 'message': ..., 'task': ...}``: a fatal error, so status ``failed``.
    ``drift`` is None (not computed: the run stopped before) or ``{scope, counts, tiers}`` as the role's
    drift step sets it (docs/drift.md); drift is information, it never changes the status.
    Otherwise the status is ``partial`` when any record failed or a tier was skipped, else ``ok``.
    """
    tier_results = tier_results or {}
    fatal = None
    if error:
        stage = refine_stage(error.get('stage'), error.get('message'))
        fatal = {'stage': stage, 'message': error.get('message') or 'unknown error', 'task': error.get('task')}
    tiers = {}
    parent = None
    for name in TIERS:
        parent = tiers[name] = build_tier(name, plan, tier_results.get(name), parent, fatal and fatal['stage'])
    connections = list(((plan or {}).get('errors') or {}).get('connections') or [])
    errors = ([fatal['message']] if fatal else []) + [
        item.get('reason') for name in TIERS for item in tiers[name]['failed']] + [item.get('reason') for item in connections]
    if fatal:
        status = 'failed'
    elif errors or any(tiers[name]['skipped'] for name in TIERS):
        status = 'partial'
    else:
        status = 'ok'
    return {
        'schema_version': SCHEMA_VERSION,
        'status': status,
        'check_mode': bool(check_mode),
        'started': iso_utc(started),
        'ended': iso_utc(ended),
        'duration_seconds': round(max(0.0, ended - started), 3),
        'versions': dict(versions or {}),
        'netsapiens': {'host': redact_url(netsapiens_host)},
        'clearip': {'url': redact_url(clearip_url)},
        'error': fatal,
        'tiers': tiers,
        'connections': {'failed': connections},
        'drift': drift,
        'errors': errors,
    }


def summary_lines(report):
    """The lines the role prints: one per tier, the connections, and the status with a fatal error."""
    verb = 'would be created' if report['check_mode'] else 'created'
    lines = []
    for name in TIERS:
        tier = report['tiers'][name]
        label = TIER_LABELS[name]
        if tier['skipped']:
            lines.append('%s: skipped (%s); %d failed' % (label, tier['skipped_reason'], len(tier['failed'])))
        else:
            lines.append('%s: %d %s, %d existing, %d failed' % (label, len(tier['created']), verb, tier['existing'], len(tier['failed'])))
    lines.append('Connections: %d failed' % len(report['connections']['failed']))
    counts = (report.get('drift') or {}).get('counts')
    if counts:
        lines.append('Drift: %d Service Provider(s), %d Group(s), %d User(s) in ClearIP gone from NetSapiens; '
                     '%d, %d, %d moved (listed in the report; nothing changed)'
                     % tuple(counts[name][kind] for kind in DRIFT_KINDS for name in TIERS))
    status = 'Status: %s%s' % (report['status'], ' (dry run)' if report['check_mode'] else '')
    if report['error']:
        status += ' at stage %s: %s' % (report['error']['stage'], report['error']['message'])
    lines.append(status)
    return lines


# -- Prometheus text exposition format ------------------------------------------------------------
# https://prometheus.io/docs/instrumenting/exposition_formats/ : "# HELP name text", "# TYPE name gauge",
# then "name{label="value"} number" lines; HELP text escapes \ and newline, label values also ".

def _escape_help(text):
    return text.replace('\\', '\\\\').replace('\n', '\\n')


def _escape_label(text):
    return str(text).replace('\\', '\\\\').replace('\n', '\\n').replace('"', '\\"')


def _number(value):
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return 'NaN'
    if isinstance(value, bool):
        return '1' if value else '0'
    if isinstance(value, int) or float(value).is_integer() and abs(value) < 1e15:
        return '%d' % value
    return repr(float(value))


def read_last_success(path):
    """The last-success time (Unix seconds) in a metrics file this module wrote before, or None.

    Only this module's own sample line is read; a missing or unreadable file means no success known.
    """
    try:
        with open(path) as handle:
            for line in handle:
                parts = line.split()
                if len(parts) == 2 and parts[0] == LAST_SUCCESS_METRIC:
                    value = float(parts[1])
                    return None if math.isnan(value) else value
    except (IOError, OSError, ValueError):
        return None
    return None


def prometheus_text(report, ended, last_success):
    """The run's figures as a textfile-collector file: gauges, Unix times in seconds.

    ``ended`` is this run's end (Unix seconds); ``last_success`` the end of the last run with status ok
    (this one's when its status is ok), or None when none is known (written as NaN).
    """
    metrics = []

    def gauge(name, help_text, samples):
        metrics.append('# HELP %s %s\n# TYPE %s gauge\n' % (name, _escape_help(help_text), name))
        for labels, value in samples:
            label_text = ','.join('%s="%s"' % (key, _escape_label(val)) for key, val in labels)
            metrics.append('%s%s %s\n' % (name, '{%s}' % label_text if label_text else '', _number(value)))

    if report['status'] == 'ok':
        last_success = ended
    gauge(METRIC_PREFIX + '_last_run_timestamp_seconds', 'End of the last sync run, Unix time.', [((), ended)])
    gauge(LAST_SUCCESS_METRIC, 'End of the last sync run whose status was ok, Unix time (NaN: none known).',
          [((), last_success)])
    gauge(METRIC_PREFIX + '_status', 'Status of the last sync run: 1 for its status, 0 for the others.',
          [((('status', status),), status == report['status']) for status in STATUSES])
    gauge(METRIC_PREFIX + '_duration_seconds', 'Duration of the last sync run.', [((), report['duration_seconds'])])
    gauge(METRIC_PREFIX + '_objects', 'ClearIP objects of the last sync run, by tier and outcome.',
          [((('tier', name), ('outcome', outcome)), report['tiers'][name]['counts'][outcome])
           for name in TIERS for outcome in OUTCOMES])
    counts = (report.get('drift') or {}).get('counts')
    if counts:
        gauge(METRIC_PREFIX + '_drift_objects', 'ClearIP objects of the sync whose NetSapiens source is gone or moved, '
              'by tier and kind (last run that computed the drift).',
              [((('tier', name), ('kind', kind)), counts[name][kind]) for name in TIERS for kind in DRIFT_KINDS])
    gauge(METRIC_PREFIX + '_connection_errors', 'NetSapiens connections of the last sync run that failed their check.',
          [((), len(report['connections']['failed']))])
    return ''.join(metrics)


# -- files ----------------------------------------------------------------------------------------

def write_atomically(path, text, mode):
    """Write ``text`` to ``path`` through a temporary file in the same directory and a rename, with ``mode``.

    A reader (or node_exporter) sees the old file or the new one, never half of one; the mode is set
    before any byte is written, whatever the umask or the old file's mode. Raises OSError/IOError.
    """
    directory = os.path.dirname(os.path.abspath(path))
    fd, temporary = tempfile.mkstemp(dir=directory, prefix='.%s.' % os.path.basename(path), suffix='.tmp')
    try:
        os.fchmod(fd, mode)
        with os.fdopen(fd, 'w') as handle:
            fd = None
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.rename(temporary, path)
    except BaseException:
        if fd is not None:
            os.close(fd)
        if os.path.exists(temporary):
            os.unlink(temporary)
        raise


def report_json(report):
    return json.dumps(report, indent=4, sort_keys=True) + '\n'
