# -*- coding: utf-8 -*-
# Copyright: (c) 2026, clearip.netsapiens contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The whole tiered sync in one process: read NetSapiens while ClearIP is listed, plan, create tier by tier, drift.

The role's main entry point runs this through the ``subscriber_sync_run`` module. Doing every step in
one process, with the records in memory, is what makes the hourly no-change run cost about what its
HTTP calls cost (docs/performance.md): one module process instead of one per read, plan and tier, no
intermediate files written and read again, each ClearIP tier listed once, and those listings made
while NetSapiens is being read. The steps themselves are the clients' (``netsapiens.NetSapiensClient``,
``clearip.ClearIPClient``) and the pure planners' (``subscriber_sync.build_tiers``,
``clearip.apply_tier`` over ``sync.plan_tier``, ``drift.compute_drift``); this file only orders them.

The order is the vendor binary's: Service Providers; Groups only if every Service Provider succeeded;
Users only if every Group did. The ClearIP account lock (``clearip.AccountLock``) is taken before the
first listing and held until the process ends, so what was listed stays true while this run creates.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import os
import threading

from ansible_collections.clearip.netsapiens.plugins.module_utils import clearip as cip_api
from ansible_collections.clearip.netsapiens.plugins.module_utils import sync
from ansible_collections.clearip.netsapiens.plugins.module_utils.drift import compute_drift
from ansible_collections.clearip.netsapiens.plugins.module_utils.http_session import HttpError
from ansible_collections.clearip.netsapiens.plugins.module_utils.netsapiens import (
    NetSapiensError, NetSapiensTokenError, write_records_file)
from ansible_collections.clearip.netsapiens.plugins.module_utils.records import as_dicts
from ansible_collections.clearip.netsapiens.plugins.module_utils.subscriber_sync import TIERS, build_tiers, select_domain

KINDS = {'service_providers': sync.SERVICE_PROVIDER, 'groups': sync.GROUP, 'users': sync.USER}
PARENT_TIER = {'groups': 'service_providers', 'users': 'groups'}
# What the planner and the drift read of a NetSapiens user (subscriber_sync.build_tiers, drift.compute_drift).
USER_FIELDS = ('user', 'domain', 'service_code')
# tier -> the plan item's parent key (subscriber_sync.build_tiers) that clearip.apply_tier calls ``parent``.
PLAN_PARENT_KEYS = {'service_providers': None, 'groups': 'service_provider', 'users': 'group'}
# How often a long NetSapiens read looks whether the ClearIP login has failed meanwhile.
LOGIN_CHECK_SECONDS = 0.25
# The files ``keep_dir`` receives (the names the role's work directory always had).
NETSAPIENS_FILES = (('resellers', 'resellers.json'), ('domains', 'domains.json'), ('users', 'netsapiens-users.json'),
                    ('connections', 'connections.json'))


class SyncStageError(Exception):
    """A fatal error: the run stopped at ``stage`` (one of ``sync_report.STAGES``).

    ``results`` holds what the run had done by then (the same keys as ``run_sync``'s answer), so the
    report can tell which tiers finished.
    """

    def __init__(self, stage, message, results):
        super(SyncStageError, self).__init__(message)
        self.stage = stage
        self.message = message
        self.results = results


class _Background(object):
    """``work()`` in a daemon thread; ``result()`` waits for it and re-raises what it raised.

    Daemon, so that a fatal error elsewhere ends the module without waiting for a listing to finish.
    """

    def __init__(self, work, name):
        self._value = None
        self._error = None
        self._thread = threading.Thread(target=self._run, args=(work,), name=name)
        self._thread.daemon = True
        self._thread.start()

    def _run(self, work):
        try:
            self._value = work()
        except BaseException as exc:  # pylint: disable=broad-except
            self._error = exc

    def wait(self, seconds):
        """True when ``work()`` has ended (either way), after waiting at most ``seconds``."""
        self._thread.join(seconds)
        return not self._thread.is_alive()

    def result(self):
        self._thread.join()
        if self._error is not None:
            raise self._error
        return self._value


def _message(exc):
    return getattr(exc, 'message', None) or str(exc) or type(exc).__name__


class ClearIPListings(object):
    """The account's login and its three tiers' listings, made in the background while NetSapiens is read.

    The login (and the operator, and the account lock when ``lock`` is given) come first; then each tier
    is listed in a thread of its own, cut down to ``clearip.SYNC_LISTING_FIELDS``. ``get(tier)`` waits
    for one tier and returns its records, or raises ``SyncStageError`` at the stage where it failed
    (``clearip_login`` for the login, the tier's own stage for its listing, ``service_providers`` for a
    lock held too long by another run, as a Service Provider tier module would report it).
    """

    def __init__(self, client, lock=None):
        self.client = client
        # Before the login thread starts: it fills this in, and may get there before this thread runs again.
        self._tiers = {}
        self._login = _Background(lambda: self._prepare(lock), 'clearip-login')

    def _prepare(self, lock):
        self.client.ensure_login()
        if lock is not None:
            lock.acquire(self.client)
        for tier in TIERS:
            kind = KINDS[tier]
            self._tiers[tier] = _Background(
                lambda kind=kind: self.client.list(kind, fields=cip_api.SYNC_LISTING_FIELDS[kind]), 'clearip-list-%s' % tier)

    def check_login(self, results):
        """Raise the login's ``SyncStageError`` now if the login (or the lock) has already failed; never waits."""
        if self._login.wait(0):
            self._login_result(results)

    def _login_result(self, results):
        try:
            self._login.result()
        except cip_api.LockBusy as exc:
            raise SyncStageError('service_providers', _message(exc), results)
        except (cip_api.ClearIPError, HttpError) as exc:
            raise SyncStageError('clearip_login', _message(exc), results)

    def get(self, tier, results):
        self._login_result(results)
        try:
            return self._tiers[tier].result()
        except (cip_api.ClearIPError, HttpError) as exc:
            raise SyncStageError(tier, _message(exc), results)


def read_netsapiens(client, domains=None, include_domains=None, exclude_domains=None, max_workers=None):
    """``{'resellers', 'domains', 'users', 'connections'}``: normalised, sorted records (``netsapiens.normalize_record``),
    and ``unknown_domains``: the names of ``domains`` that NetSapiens does not list.

    The reseller and connection lists are read while the domains and then their users are. Users are
    read only for the domains the sync will use: ``domains`` when given (a targeted sync), else every
    well-formed domain the filters select (a malformed domain's users wait, as the planner reports it).
    Raises ``NetSapiensTokenError`` (no token), ``NetSapiensError`` or ``HttpError``.
    """
    client.prepare()   # token and API version once, before the parallel reads
    resellers = _Background(client.resellers, 'netsapiens-resellers')
    connections = _Background(client.connections, 'netsapiens-connections')
    domain_records = client.domains()
    unknown = []
    if domains is None:
        domains = [d['name'] for d in domain_records
                   if d['name'] and not d.get('problem') and select_domain(d['name'], include_domains, exclude_domains)]
    else:
        # A targeted sync may name a domain deleted since its event: reported, not asked for (its users read would 404).
        listed = set(d['name'] for d in domain_records if d['name'])
        unknown = sorted(set(name for name in domains if name not in listed))
        domains = [name for name in domains if name in listed]
    users = client.users(domains=domains, max_workers=max_workers, fields=USER_FIELDS)
    return {'resellers': resellers.result(), 'domains': domain_records, 'users': users, 'connections': connections.result(),
            'unknown_domains': unknown}


def _as_desired(tier, items):
    """The plan's items in the form ``clearip.apply_tier`` takes (``name``, ``parent``, ``comment``, ``user_id``),
    changed in place: no second copy of 100,000 Users."""
    key = PLAN_PARENT_KEYS[tier]
    for item in items:
        item['parent'] = item.pop(key) if key else None
        item['comment'] = None
    return items


def _keep(keep_dir, name, records):
    if keep_dir:
        write_records_file(os.path.join(keep_dir, name), as_dicts(records))


def run_sync(netsapiens, clearip, scheme='plain', service_provider=None, include_domains=None, exclude_domains=None,
             include_system_users=True, domains=None, check_mode=False, want_diff=False, comment_source=None,
             lock=None, progress=None, keep_dir=None, drift=True, drift_require_comment=False, max_workers=None):
    """Run the sync; return ``{'plan', 'service_providers', 'groups', 'users', 'drift', 'diff', 'changed'}``.

    - ``netsapiens``/``clearip``: clients (``NetSapiensClient``, ``ClearIPClient``), not yet used.
    - ``scheme``, ``service_provider``, the filters and ``include_system_users``: as ``build_tiers`` takes them.
    - ``domains``: None for a full sync, or the domains whose users a targeted sync reads (then no drift).
    - ``lock``: an ``AccountLock`` (not taken in check mode); ``progress``: None or ``label -> ProgressLog``.
    - ``keep_dir``: None, or an existing directory that receives the records read, each tier's plan and
      each listing, as JSON files (0600), for inspection.

    ``plan`` is ``{'errors', 'counts'}`` as ``subscriber_sync_plan`` returns them; each tier is the result
    of ``clearip.apply_tier`` (``created``, ``existing``, ``failed_items``, ``outcome_unknown``, ...), or
    ``{'skipped': True}`` when its parent tier had errors, or None when the run never got there; ``drift``
    is ``{scope, counts, tiers}`` (docs/drift.md) or None; ``diff`` one diff per tier that ran.

    Raises ``SyncStageError`` for a fatal error, with what was done so far. Item failures (a record that
    cannot be synced, a create refused) are not fatal: they are in the plan's errors and the tiers'
    ``failed_items``, and the next tiers are gated on them.
    """
    results = {'plan': None, 'service_providers': None, 'groups': None, 'users': None, 'drift': None, 'diff': [],
               'changed': False}
    try:
        sync.IdentifierScheme(scheme, service_provider)   # refuses a scheme it cannot apply, before any request
    except sync.SchemeError as exc:
        raise SyncStageError('plan', str(exc), results)
    # ClearIP is listed while NetSapiens is read: neither waits for the other.
    listings = ClearIPListings(clearip, lock=None if check_mode else lock)
    reading = _Background(lambda: read_netsapiens(netsapiens, domains=domains, include_domains=include_domains,
                                                  exclude_domains=exclude_domains, max_workers=max_workers),
                          'netsapiens-read')
    # A refused ClearIP login ends the run at once, not after a NetSapiens read that can take minutes.
    while not reading.wait(LOGIN_CHECK_SECONDS):
        listings.check_login(results)
    try:
        ns = reading.result()
    except NetSapiensTokenError as exc:
        raise SyncStageError('netsapiens_login', _message(exc), results)
    except (NetSapiensError, HttpError) as exc:
        raise SyncStageError('netsapiens_read', _message(exc), results)
    try:
        for key, name in NETSAPIENS_FILES:
            _keep(keep_dir, name, ns[key])
    except (OSError, IOError, NetSapiensError) as exc:
        raise SyncStageError('setup', 'cannot write the records to work_dir %s: %s' % (keep_dir, exc), results)

    tiers = build_tiers(ns['resellers'], ns['domains'], ns['users'], ns['connections'], scheme=scheme,
                        service_provider=service_provider, include_domains=include_domains,
                        exclude_domains=exclude_domains, include_system_users=include_system_users)
    for name in ns['unknown_domains']:
        tiers['errors']['users'].append({'name': name, 'reason': "domain '%s' was asked for (domains, subscriber_sync_domains) but "
                                                                 "NetSapiens does not list it: nothing was read or synced for it" % name})
    counts = dict(tiers['counts'])
    for tier in TIERS:
        counts['%s_wanted' % tier] = len(tiers[tier])
    results['plan'] = {'errors': tiers['errors'], 'counts': counts}

    listed = {}
    created_records = {}
    for tier in TIERS:
        kind = KINDS[tier]
        parent = PARENT_TIER.get(tier)
        if parent is not None:
            above = results[parent]
            if above is None or above.get('skipped') or tiers['errors'][parent] or above['failed_items']:
                results[tier] = {'skipped': True}
                continue
        try:
            listed[tier] = listings.get(tier, results)
        except SyncStageError as exc:
            results[tier] = {'failed': True, 'msg': exc.message}   # the report's "failed" tier
            raise
        try:
            _keep(keep_dir, '%s.json' % tier, tiers[tier])
            _keep(keep_dir, 'clearip-%s.json' % tier, [cip_api.listing_record(kind, r) for r in listed[tier]])
        except (OSError, IOError, NetSapiensError) as exc:
            raise SyncStageError('setup', 'cannot write the plan to work_dir %s: %s' % (keep_dir, exc), results)
        desired = _as_desired(tier, tiers[tier])
        parent_records = None
        pending = None
        if parent is not None:
            parent_records = listed[parent] + created_records[parent]
            pending = results[parent]['created'] if check_mode else None
        try:
            result, created_records[tier] = cip_api.apply_tier(
                clearip, kind, desired, listed[tier], parent_records, check_mode=check_mode, pending_parents=pending,
                comment_source=comment_source, return_objects=False, want_diff=want_diff,
                progress=progress('%ss' % kind) if progress else None)
        except (cip_api.ClearIPError, HttpError) as exc:
            results[tier] = {'failed': True, 'msg': _message(exc)}
            raise SyncStageError(tier, _message(exc), results)
        if 'diff' in result:
            results['diff'].append(result.pop('diff'))
        results[tier] = result
        results['changed'] = results['changed'] or result['changed']

    if drift and domains is None:
        # What ClearIP holds now: each tier's listing (made before any create) and what this run created.
        try:
            for tier in TIERS:
                if tier not in listed:
                    listed[tier] = listings.get(tier, results)
        except SyncStageError as exc:
            raise SyncStageError('drift', exc.message, results)
        desired = tiers = None   # the plan is done with; the drift needs the memory
        held = []
        for tier in TIERS:
            records = listed.pop(tier) + created_records.pop(tier, [])
            for index, record in enumerate(records):   # in place: one copy of each listing at a time
                records[index] = cip_api.listing_record(KINDS[tier], record)
            held.append(records)
        found = compute_drift(ns['resellers'], ns['domains'], ns['users'], *held,
                              scheme=scheme, service_provider=service_provider,
                              include_domains=include_domains, exclude_domains=exclude_domains,
                              require_comment=drift_require_comment)
        drift_counts = found.pop('counts')
        results['drift'] = {
            'scope': {'identifier_scheme': scheme, 'service_provider': service_provider,
                      'include_domains': list(include_domains or []), 'exclude_domains': list(exclude_domains or []),
                      'require_comment': drift_require_comment},
            'counts': drift_counts,
            'tiers': found,
        }
    return results
