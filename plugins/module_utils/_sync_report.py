# -*- coding: utf-8 -*-
# Copyright: (c) 2026, clearip.netsapiens contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The sync report and its monitoring figures: pure functions (and one read of the last metrics file). Internal use only.

``build_report`` turns what a run did (the plan, each tier's result, a fatal error and its stage)
into the report of docs/report.md (schema version ``SCHEMA_VERSION``); ``prometheus_text`` turns a
report into the Prometheus text exposition format (version 0.0.4) that node_exporter's textfile
collector reads. Modules may import only the standard library and requests, so the exposition is
written here by hand; the tests parse it with ``prometheus_client``'s own parser.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import json
import math
import time

from ansible_collections.clearip.netsapiens.plugins.module_utils._kinds import PARENT_TIER, TIER_LABELS, TIERS
from ansible_collections.clearip.netsapiens.plugins.module_utils._urls import shown_url

SCHEMA_VERSION = 1
STATUSES = ('ok', 'partial', 'failed', 'cancelled')
# Where a run can stop. ``_sync_run`` decides the stage of each fatal error it meets; the role names
# ``settings`` for a failure before the sync module ran.
STAGES = ('settings', 'setup', 'netsapiens_login', 'netsapiens_read', 'plan', 'clearip_login',
          'service_providers', 'groups', 'users', 'drift', 'report')

METRIC_PREFIX = 'clearip_netsapiens_sync'
LAST_SUCCESS_METRIC = METRIC_PREFIX + '_last_success_timestamp_seconds'
OUTCOMES = ('created', 'existing', 'failed')
# The drift step's counts per tier (plugins/module_utils/drift.py): objects gone from NetSapiens, or moved.
DRIFT_KINDS = ('gone', 'moved')
# The sides whose reads are checked for what they lack (_sync_absence).
SIDES = ('netsapiens', 'clearip')
# The NetSapiens event subscription's health (the ``health`` of netsapiens_event_subscription), when events are set up.
EVENTS_METRIC_PREFIX = 'clearip_netsapiens_events_subscription'
# The adaptive concurrency limit of each API's client (_concurrency.AdaptiveLimit.figures), in the report and metrics.
APIS = ('netsapiens', 'clearip')
CONCURRENCY_FIELDS = ('peak_limit', 'final_limit', 'refusals', 'drops')
EVENTS_FIELDS = ('up', 'status', 'error_count', 'posts_count', 'current_active_server', 'expires', 'hours_left', 'problem')


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
    elif _ran(result) and result.get('stopped'):
        entry['status'] = 'stopped'  # the run stopped during its creates: what it created so far is listed
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


def events_entry(events):
    """The report's ``events``: None (events not set up), else the subscription's health with every field of
    EVENTS_FIELDS (None where unknown; ``up`` False unless given True)."""
    if not isinstance(events, dict):
        return None
    entry = dict((name, events.get(name)) for name in EVENTS_FIELDS)
    entry['up'] = events.get('up') is True
    entry['problem'] = events.get('problem') or ('' if entry['up'] else 'the event subscription could not be read')
    return entry


def concurrency_entry(concurrency):
    """The report's ``concurrency``: per API (``netsapiens``, ``clearip``) the adaptive limit's figures, or None."""
    if not concurrency:
        return None
    return dict((api, dict((name, int((concurrency.get(api) or {}).get(name) or 0)) for name in CONCURRENCY_FIELDS))
                for api in APIS if concurrency.get(api) is not None)


def build_report(started, ended, check_mode, plan=None, tier_results=None, error=None, versions=None,
                 netsapiens_host=None, clearip_url=None, drift=None, suspect_reads=None, clearip_login_refused=None,
                 events=None, concurrency=None):
    """The report dict (docs/report.md) and nothing else; ``started``/``ended`` are Unix times in seconds.

    ``error`` is None or ``{'stage': ..., 'message': ..., 'task': ..., 'cancelled': bool}``: a fatal error, so
    status ``failed``, or ``cancelled`` when a signal stopped the run. ``drift`` is None (not computed: the run
    stopped before, or withheld) or ``{scope, counts, tiers}`` (docs/drift.md); drift is information, it never
    changes the status. ``suspect_reads``: the reads that lacked too much (``_sync_absence``);
    ``clearip_login_refused``: ``{at, reason, sent}`` when ClearIP refused this run's login, or a remembered
    refusal kept it from sending one. ``events``: None when events are not set up, else the ``health`` of
    netsapiens_event_subscription (see events_entry); like drift, it never changes the status. ``concurrency``:
    None (the run made no client) or ``{api: {peak_limit, final_limit, refusals, drops}}`` for ``netsapiens`` and
    ``clearip`` (``_concurrency.AdaptiveLimit.figures``). Otherwise the
    status is ``partial`` when any record failed or a tier was skipped, else ``ok``.
    """
    tier_results = tier_results or {}
    fatal = None
    if error:
        fatal = {'stage': error.get('stage') or 'settings', 'message': error.get('message') or 'unknown error', 'task': error.get('task'),
                 'cancelled': bool(error.get('cancelled'))}
    tiers = {}
    parent = None
    for name in TIERS:
        parent = tiers[name] = build_tier(name, plan, tier_results.get(name), parent, fatal and fatal['stage'])
    connections = list(((plan or {}).get('errors') or {}).get('connections') or [])
    errors = ([fatal['message']] if fatal else []) + [
        item.get('reason') for name in TIERS for item in tiers[name]['failed']] + [item.get('reason') for item in connections]
    if fatal:
        status = 'cancelled' if fatal['cancelled'] else 'failed'
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
        'netsapiens': {'host': shown_url(netsapiens_host)},
        'clearip': {'url': shown_url(clearip_url)},
        'error': fatal,
        'tiers': tiers,
        'connections': {'failed': connections},
        'drift': drift,
        'suspect_reads': list(suspect_reads or []),
        'clearip_login_refused': clearip_login_refused,
        'events': events_entry(events),
        'concurrency': concurrency_entry(concurrency),
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
    for suspect in report.get('suspect_reads') or ():
        lines.append('Suspect read (%s, %s): %s' % (suspect['side'], TIER_LABELS[suspect['tier']], suspect['reason']))
    events = report.get('events')
    if events:
        lines.append('Events: subscription %s' % (
            'up (status %s, %s error(s) of %s post(s), %s hour(s) left)'
            % (events['status'], events['error_count'], events['posts_count'], events['hours_left'])
            if events['up'] else 'DOWN: %s' % events['problem']))
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
    suspect = set((item['side'], item['tier']) for item in report.get('suspect_reads') or ())
    gauge(METRIC_PREFIX + '_suspect_read', 'Whether the last sync run did not believe a read of this side and tier, because it '
          'lacked more than the limit of what the other side (or the last run) held (1) or not (0).',
          [((('side', side), ('tier', name)), (side, name) in suspect) for side in SIDES for name in TIERS])
    gauge(METRIC_PREFIX + '_clearip_login_refused', 'Whether ClearIP refused the last run\'s login, or a refusal of the same '
          'credentials kept it from sending one (1) or not (0); an alert should fire at once: each refused login counts '
          'towards the lock of the account.', [((), bool(report.get('clearip_login_refused')))])
    concurrency = report.get('concurrency') or {}
    if concurrency:
        apis = sorted(concurrency)
        gauge(METRIC_PREFIX + '_concurrency_limit', 'Requests in flight the adaptive limit of the last sync run allowed, '
              'per API: its peak and its final value (max_workers is the ceiling).',
              [((('api', api), ('value', value)), concurrency[api][value + '_limit']) for api in apis for value in ('peak', 'final')])
        gauge(METRIC_PREFIX + '_concurrency_refusals', 'Answers of the last sync run refused for load (429, 503), per API.',
              [((('api', api),), concurrency[api]['refusals']) for api in apis])
        gauge(METRIC_PREFIX + '_concurrency_drops', 'Attempts of the last sync run that timed out, were reset or got 502/504, '
              'per API.', [((('api', api),), concurrency[api]['drops']) for api in apis])
    events = report.get('events')
    if events:
        gauge(EVENTS_METRIC_PREFIX + '_up', '1 when the NetSapiens event subscription exists, is not in error, has a current '
              'active server and has not expired (read by the last sync run).', [((), events['up'])])
        gauge(EVENTS_METRIC_PREFIX + '_error_count', 'Failed posts of the NetSapiens event subscription, as NetSapiens counts '
              'them (error-count; NaN: unknown).', [((), events['error_count'])])
        gauge(EVENTS_METRIC_PREFIX + '_posts_count', 'Posts of the NetSapiens event subscription, as NetSapiens counts them '
              '(posts-count; NaN: unknown).', [((), events['posts_count'])])
        gauge(EVENTS_METRIC_PREFIX + '_hours_left', 'Hours before the NetSapiens event subscription expires (NaN: unknown).',
              [((), events['hours_left'])])
    return ''.join(metrics)


def report_json(report):
    return json.dumps(report, indent=4, sort_keys=True) + '\n'
