# -*- coding: utf-8 -*-
# Copyright: (c) 2026, clearip.netsapiens contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The whole tiered sync in one process: read NetSapiens while ClearIP is listed, plan, create tier by tier, drift.
Internal use only.

The role's main entry point runs this through the ``subscriber_sync_run`` module. Doing every step in
one process, with the records in memory, is what makes the hourly no-change run cost about what its
HTTP calls cost (docs/performance.md): one module process, no intermediate files, each ClearIP tier
listed once, and those listings made while NetSapiens is being read. The steps themselves are the
clients' (``_netsapiens.NetSapiensClient``, ``_clearip.ClearIPClient``) and the pure planners'
(``_sync_desired.build_tiers``, ``_sync_apply.apply_tier`` over ``_sync_plan.plan_tier``,
``_sync_drift.compute_drift``); this file only orders them, and is the one place that decides at
which stage (``_sync_report.STAGES``) a fatal error stopped the run.

The order is the vendor binary's: Service Providers; Groups only if every Service Provider succeeded;
Users only if every Group did. The ClearIP account lock (``_clearip_lock.AccountLock``) is taken before
the first listing and held until the process ends, so what was listed stays true while this run creates.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import os
import threading

from ansible_collections.clearip.netsapiens.plugins.module_utils._clearip_errors import ClearIPError, ClearIPLoginError
from ansible_collections.clearip.netsapiens.plugins.module_utils._clearip_lock import LockBusy
from ansible_collections.clearip.netsapiens.plugins.module_utils._clearip_records import listing_shape
from ansible_collections.clearip.netsapiens.plugins.module_utils._control import WAIT_SLICE, RunControl, RunStopped
from ansible_collections.clearip.netsapiens.plugins.module_utils._files import write_json
from ansible_collections.clearip.netsapiens.plugins.module_utils._http import HttpError
from ansible_collections.clearip.netsapiens.plugins.module_utils._kinds import KIND_OF, PARENT_TIER, TIERS
from ansible_collections.clearip.netsapiens.plugins.module_utils._netsapiens import NetSapiensError, NetSapiensTokenError
from ansible_collections.clearip.netsapiens.plugins.module_utils._records import as_dicts
from ansible_collections.clearip.netsapiens.plugins.module_utils._sync_absence import (
    AbsenceLimits, suspect_clearip_listing, suspect_netsapiens_read)
from ansible_collections.clearip.netsapiens.plugins.module_utils._sync_apply import SuspectListing, apply_tier
from ansible_collections.clearip.netsapiens.plugins.module_utils._sync_desired import build_tiers, select_domain
from ansible_collections.clearip.netsapiens.plugins.module_utils._sync_drift import compute_drift
from ansible_collections.clearip.netsapiens.plugins.module_utils._sync_lookups import TargetedView

# What the planner and the drift read of a NetSapiens user (_sync_desired.build_tiers, _sync_drift.compute_drift).
USER_FIELDS = ('user', 'domain', 'service_code')
# How often a long NetSapiens read looks whether the ClearIP login has failed meanwhile.
LOGIN_CHECK_SECONDS = 0.25
# The files ``keep_dir`` receives (the names the role's work directory always had).
NETSAPIENS_FILES = (('resellers', 'resellers.json'), ('domains', 'domains.json'), ('users', 'netsapiens-users.json'),
                    ('connections', 'connections.json'))


class SyncStageError(Exception):
    """A fatal error: the run stopped at ``stage`` (one of ``_sync_report.STAGES``).

    ``results`` holds what the run had done by then (the same keys as ``SyncRun.run``'s answer), so the
    report can tell which tiers finished; ``cancelled`` is True when a signal stopped the run.
    """

    def __init__(self, stage, message, results, cancelled=False):
        super(SyncStageError, self).__init__(message)
        self.stage = stage
        self.message = message
        self.results = results
        self.cancelled = cancelled


class _Background(object):
    """``work()`` in a daemon thread; ``result()`` waits for it and re-raises what it raised.

    Daemon, so that a fatal error elsewhere ends the module without waiting for a listing to finish.
    ``result()`` waits in slices and raises ``RunStopped`` as soon as the run is stopped (``control``).
    """

    def __init__(self, work, name, control=None):
        self._value = None
        self._error = None
        self._control = control or RunControl()
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
        while self._thread.is_alive():
            self._control.check()
            self._thread.join(WAIT_SLICE)
        if self._error is not None:
            raise self._error
        return self._value


def _message(exc):
    return getattr(exc, 'message', None) or str(exc) or type(exc).__name__


def clearip_stage(exc, tier):
    """The stage of a fatal ClearIP error met in ``tier``: a refused or failed login is ``clearip_login``
    wherever it happens (a token renewed in the middle of a tier logs in again), a lock held too long by
    another run is the Service Provider tier's (where a tier module would meet it), else the tier's own."""
    if isinstance(exc, LockBusy):
        return 'service_providers'
    if isinstance(exc, ClearIPLoginError):
        return 'clearip_login'
    return tier


class ClearIPListings(object):
    """The account's login and its three tiers' listings, made in the background while NetSapiens is read.

    The login (and the operator, and the account lock when ``lock`` is given) come first; then each tier
    is listed in a thread of its own, as ``_clearip_records.listed`` records. ``get(tier)`` waits for one
    tier and returns its records, or raises ``SyncStageError`` at the stage where it failed (``clearip_stage``).
    """

    def __init__(self, client, lock=None, control=None, targeted=False):
        """``targeted``: log in and take the lock only; a targeted run asks ClearIP by name (``_sync_lookups``)."""
        self.client = client
        self.control = control
        self.targeted = targeted
        # Before the login thread starts: it fills this in, and may get there before this thread runs again.
        self._tiers = {}
        self._login = _Background(lambda: self._prepare(lock), 'clearip-login', control)

    def _prepare(self, lock):
        self.client.ensure_login()
        if lock is not None:
            lock.acquire(self.client)
        if self.targeted:
            return
        for tier in TIERS:
            kind = KIND_OF[tier]
            self._tiers[tier] = _Background(lambda kind=kind: self.client.list(kind, shape=listing_shape(kind)),
                                            'clearip-list-%s' % tier, self.control)

    def check_login(self, results):
        """Raise the login's ``SyncStageError`` now if the login (or the lock) has already failed; never waits."""
        if self._login.wait(0):
            self._login_result(results)

    def _login_result(self, results):
        try:
            self._login.result()
        except (ClearIPError, HttpError) as exc:
            stage = clearip_stage(exc, 'clearip_login')
            # The first tier is where a ClearIP module would meet it, whether the NetSapiens read has ended or not.
            results['service_providers'] = {'failed': True, 'msg': _message(exc)}
            raise SyncStageError(stage, _message(exc), results)

    def logged_in(self, results):
        """Wait for the login (and the lock); raise its ``SyncStageError`` if it failed."""
        self._login_result(results)

    def get(self, tier, results):
        self._login_result(results)
        try:
            return self._tiers[tier].result()
        except (ClearIPError, HttpError) as exc:
            raise SyncStageError(clearip_stage(exc, tier), _message(exc), results)


def read_netsapiens(client, domains=None, include_domains=None, exclude_domains=None, max_workers=None, control=None):
    """``{'resellers', 'domains', 'users', 'connections'}``: normalised, sorted records (``_netsapiens_records``),
    and ``unknown_domains``: the names of ``domains`` that NetSapiens does not have.

    A full sync (``domains`` None) reads the reseller and connection lists while the domains and then their users
    are, the users only of every well-formed domain the filters select (a malformed domain's users wait, as the
    planner reports it). A targeted sync (``domains`` given) reads only what those domains need, whatever the size
    of the platform (``read_targeted``). Raises ``NetSapiensTokenError`` (no token), ``NetSapiensError`` or ``HttpError``.
    """
    client.prepare()   # token and API version once, before the parallel reads
    if domains is not None:
        return read_targeted(client, domains, max_workers=max_workers)
    resellers = _Background(client.resellers, 'netsapiens-resellers', control)
    connections = _Background(client.connections, 'netsapiens-connections', control)
    domain_records = client.domains()
    domains = [d['name'] for d in domain_records
               if d['name'] and not d.get('problem') and select_domain(d['name'], include_domains, exclude_domains)]
    users = client.users(domains=domains, max_workers=max_workers, fields=USER_FIELDS)
    return {'resellers': resellers.result(), 'domains': domain_records, 'users': users, 'connections': connections.result(),
            'unknown_domains': []}


def read_targeted(client, domains, max_workers=None):
    """What a targeted sync reads: each named domain (``GET /domains/{domain}``), the reseller of each
    (``GET /resellers/{reseller}``), and the users of the domains NetSapiens has. No list of the whole platform:
    the requests grow with the domains named, not with the platform. Connections are not read (their check is
    of the whole platform's, which the hourly sync makes). A domain deleted since its event is reported, not read.
    """
    names = sorted(set(domains))
    found = _each(lambda name: client.read_one('domain', name), names)
    domain_records = [record for record in found if record is not None]
    unknown = [name for name, record in zip(names, found) if record is None]
    wanted_resellers = sorted(set(d['reseller'] for d in domain_records if d.get('reseller') and not d.get('problem')))
    resellers = [record for record in _each(lambda name: client.read_one('reseller', name), wanted_resellers)
                 if record is not None]
    users = client.users(domains=[d['name'] for d in domain_records if not d.get('problem')], max_workers=max_workers,
                         fields=USER_FIELDS)
    return {'resellers': resellers, 'domains': domain_records, 'users': users, 'connections': [], 'unknown_domains': unknown}


def _each(read, names):
    """``[read(name)]`` for ``names``, at the same time (the client's concurrency limit decides how many are in flight)."""
    results = [None] * len(names)
    errors = []

    def run(index, name):
        try:
            results[index] = read(name)
        except Exception as exc:  # pylint: disable=broad-except
            errors.append(exc)
    threads = [threading.Thread(target=run, args=(index, name), name='netsapiens-read-%d' % index)
               for index, name in enumerate(names)]
    for thread in threads:
        thread.daemon = True
        thread.start()
    for thread in threads:
        thread.join()
    if errors:
        raise errors[0]
    return results


class SyncRun(object):
    """One run of the sync; ``run()`` returns ``{'plan', 'service_providers', 'groups', 'users', 'drift', 'diff', 'changed',
    'suspect_reads'}``.

    - ``netsapiens``/``clearip``: clients (``NetSapiensClient``, ``ClearIPClient``), not yet used, made with ``control``.
    - ``naming``: the run's ``_sync_naming.IdentifierScheme``; the filters and ``include_system_users``: as
      ``build_tiers`` takes them.
    - ``domains``: None for a full sync, or the domains whose users a targeted sync reads (then no drift).
    - ``lock``: an ``AccountLock`` (not taken in check mode); ``progress``: None or ``label -> ProgressLog``.
    - ``keep_dir``: None, or an existing directory that receives the records read, each tier's plan and
      each listing, as JSON files (0600), for inspection.
    - ``tier_gate``: ``parent`` (a failed object holds back only its own children) or ``tier`` (the vendor
      binary's: any failure in a tier skips the whole next tier).
    - ``control``: the run's ``_control.RunControl`` (cancellation, maximum duration).
    - ``limits``: ``_sync_absence.AbsenceLimits``; ``state``: None, or the account's ``_sync_state.AccountState``,
      whose last listing counts a new listing is compared with (and which a creating run updates);
      ``trust_listings``: believe a listing that lacks more than the limits allow (once, after removing objects on purpose).

    ``plan`` is ``{'errors', 'counts'}``; each tier is the result of ``_sync_apply.apply_tier`` (``created``,
    ``existing``, ``failed_items``, ``outcome_unknown``, ...), or ``{'skipped': True}`` when the tier gate skipped
    it, or ``{'failed': True, 'msg'}`` when a fatal error stopped the run in it, or None when the run never got
    there; ``drift`` is ``{scope, counts, tiers}`` (docs/drift.md) or None; ``diff`` one diff per tier that ran;
    ``suspect_reads`` the reads that lacked too much (``_sync_absence``).

    ``run()`` raises ``SyncStageError`` for a fatal error, with what was done so far: at the stage it happened,
    ``cancelled`` when a signal stopped the run. Item failures (a record that cannot be synced, a create refused)
    are not fatal: they are in the plan's errors and the tiers' ``failed_items``, and the children of each are held back.
    """

    def __init__(self, netsapiens, clearip, naming, include_domains=None, exclude_domains=None, include_system_users=True,
                 domains=None, check_mode=False, want_diff=False, comment_source=None, lock=None, progress=None,
                 keep_dir=None, drift=True, drift_require_comment=False, max_workers=None, tier_gate='parent',
                 control=None, limits=None, state=None, trust_listings=False):
        self.netsapiens = netsapiens
        self.clearip = clearip
        self.naming = naming
        self.include_domains = include_domains
        self.exclude_domains = exclude_domains
        self.include_system_users = include_system_users
        self.domains = domains
        self.check_mode = check_mode
        self.want_diff = want_diff
        self.comment_source = comment_source
        self.lock = lock
        self.progress = progress
        self.keep_dir = keep_dir
        self.drift = drift and domains is None
        self.drift_require_comment = drift_require_comment
        self.max_workers = max_workers
        self.tier_gate = tier_gate
        self.control = control or RunControl()
        self.limits = limits or AbsenceLimits()
        self.state = state
        self.trust_listings = trust_listings
        # A targeted run asks ClearIP by name (exact lookups) instead of listing whole tiers.
        self.targeted = TargetedView(clearip) if domains is not None else None
        self.stage = 'netsapiens_read'
        self.results = {'plan': None, 'service_providers': None, 'groups': None, 'users': None, 'drift': None, 'diff': [],
                        'changed': False, 'suspect_reads': []}

    def run(self):
        try:
            return self._run()
        except RunStopped as exc:
            if self.stage in TIERS and self.results.get(self.stage) is None:
                self.results[self.stage] = {'failed': True, 'msg': exc.reason}   # cut while listing
            raise SyncStageError(self.stage, '%s; it stopped at stage %s' % (exc.reason, self.stage), self.results,
                                 cancelled=exc.cancelled)

    def _run(self):
        # ClearIP is listed while NetSapiens is read: neither waits for the other.
        listings = ClearIPListings(self.clearip, lock=None if self.check_mode else self.lock, control=self.control,
                                   targeted=self.targeted is not None)
        ns = self._read(listings)
        self.stage = 'plan'
        tiers = self._plan(ns)
        listed, created = self._apply(tiers, listings)
        if not self.check_mode:
            self._remember(listed, created)
        if self.drift:
            del tiers   # the plan is done with; the drift needs the memory
            self.stage = 'drift'
            self._drift(ns, listed, created, listings)
        return self.results

    def _read(self, listings):
        """NetSapiens' records; a refused ClearIP login ends the run at once, not after a read that can take minutes."""
        reading = _Background(lambda: read_netsapiens(self.netsapiens, domains=self.domains, include_domains=self.include_domains,
                                                      exclude_domains=self.exclude_domains, max_workers=self.max_workers,
                                                      control=self.control),
                              'netsapiens-read', self.control)
        while not reading.wait(LOGIN_CHECK_SECONDS):
            self.control.check()
            listings.check_login(self.results)
        try:
            ns = reading.result()
        except NetSapiensTokenError as exc:
            raise SyncStageError('netsapiens_login', _message(exc), self.results)
        except (NetSapiensError, HttpError) as exc:
            raise SyncStageError('netsapiens_read', _message(exc), self.results)
        for key, name in NETSAPIENS_FILES:
            self._keep(name, ns[key])
        return ns

    def _plan(self, ns):
        tiers = build_tiers(ns['resellers'], ns['domains'], ns['users'], ns['connections'], self.naming,
                            include_domains=self.include_domains, exclude_domains=self.exclude_domains,
                            include_system_users=self.include_system_users)
        for name in ns['unknown_domains']:
            tiers['errors']['users'].append({'name': name, 'reason': "domain '%s' was asked for (domains, subscriber_sync_domains) "
                                                                     "but NetSapiens does not list it: nothing was read or synced "
                                                                     "for it" % name})
        counts = dict(tiers['counts'])
        for tier in TIERS:
            counts['%s_wanted' % tier] = len(tiers[tier])
        self.results['plan'] = {'errors': tiers['errors'], 'counts': counts}
        return tiers

    def _apply(self, tiers, listings):
        """Each tier in turn, gated on the one above: ``(listings by tier, records created by tier)``."""
        results = self.results
        listed = {}
        created = {}
        for tier in TIERS:
            self.stage = tier
            parent = PARENT_TIER.get(tier)
            held_back = self._held_back(tier, tiers) if parent is not None else {}
            if held_back is None:
                results[tier] = {'skipped': True}
                continue
            parent_records = listed[parent] + created[parent] if parent is not None else None
            try:
                listed[tier] = self._listed(tier, tiers, parent_records, listings)
            except SyncStageError as exc:
                results[tier] = {'failed': True, 'msg': exc.message}   # the report's "failed" tier
                raise
            if self.targeted is None:
                self._check_listing(tier, listed[tier])
            self._keep('%s.json' % tier, tiers[tier])
            self._keep('clearip-%s.json' % tier, listed[tier])
            pending = results[parent]['created'] if parent is not None and self.check_mode else None
            try:
                result, created[tier] = apply_tier(
                    self.clearip, KIND_OF[tier], tiers[tier], listed[tier], parent_records, check_mode=self.check_mode,
                    pending_parents=pending, comment_source=self.comment_source, return_objects=False,
                    want_diff=self.want_diff, progress=self.progress('%s' % tier.replace('_', ' ')) if self.progress else None,
                    held_back=held_back, limits=None if self.trust_listings else self.limits,
                    held_by_name=self.targeted.held_by_name if self.targeted is not None else None,
                    hand_over=True)   # the desired items of a tier are not read again once it is planned
            except SuspectListing as exc:
                results['suspect_reads'].append(exc.finding)
                results[tier] = {'failed': True, 'msg': exc.message}
                raise SyncStageError(tier, exc.message, results)
            except (ClearIPError, HttpError) as exc:
                results[tier] = {'failed': True, 'msg': _message(exc)}
                raise SyncStageError(clearip_stage(exc, tier), _message(exc), results)
            if 'diff' in result:
                results['diff'].append(result.pop('diff'))
            results[tier] = result
            results['changed'] = results['changed'] or result['changed']
            if result.get('stopped'):
                self.control.check()   # the run stopped during this tier's creates: RunStopped, with the tier as it is
        return listed, created

    def _listed(self, tier, tiers, parent_records, listings):
        """What ClearIP holds of ``tier``: the background listing (a full sync), or the exact lookups of the names the
        targeted domains need (``_sync_lookups``), which no count of the last run describes: no suspect check then."""
        if self.targeted is None:
            return listings.get(tier, self.results)
        listings.logged_in(self.results)
        try:
            return self.targeted.tier_records(tier, tiers[tier], parent_records)
        except (ClearIPError, HttpError) as exc:
            raise SyncStageError(clearip_stage(exc, tier), _message(exc), self.results)

    def _held_back(self, tier, tiers):
        """``{parent name: why}`` of the parents whose children must wait, or None to skip the whole tier.

        Under ``tier_gate: tier`` (the vendor binary's rule) any error in the tier above skips this one; under
        ``parent`` only the children of what failed wait. Plan errors above need nothing here: ``build_tiers``
        already failed their children (a domain of a bad reseller, a user of a bad domain).
        """
        parent = PARENT_TIER[tier]
        above = self.results[parent]
        if above is None or above.get('skipped') or above.get('failed'):
            return None
        if self.tier_gate == 'tier':
            return None if tiers['errors'][parent] or above['failed_items'] else {}
        return dict((item.get('name'), item.get('reason')) for item in above['failed_items'])

    def _check_listing(self, tier, records):
        """A ClearIP listing that lacks too much of what the last run left is not believed: nothing is created from it."""
        if self.state is None or self.trust_listings:
            return
        counts, when = self.state.listed()
        finding = suspect_clearip_listing(self.limits, tier, len(records), counts.get(tier), 'at the end of the run of %s' % when)
        if finding is None:
            return
        self.results['suspect_reads'].append(finding)
        message = ('%s; nothing was created in this tier, since an object missing from a listing that lost objects '
                   'by a glitch would be created twice. If objects were removed in ClearIP on purpose, run once with '
                   '-e subscriber_sync_trust_listings=true' % finding['reason'])
        self.results[tier] = {'failed': True, 'msg': message}
        raise SyncStageError(tier, message, self.results)

    def _remember(self, listed, created):
        """How many objects each tier that ran holds now, for the next run's ``_check_listing`` (not after a targeted
        run, which saw only the objects of its domains)."""
        if self.state is None or self.targeted is not None:
            return
        counts = dict(self.state.listed()[0])
        for tier in listed:
            result = self.results.get(tier) or {}
            if not result.get('failed') and not result.get('stopped'):
                counts[tier] = len(listed[tier]) + len(created.get(tier) or ())
        try:
            self.state.record_listed(counts)
        except (IOError, OSError):
            pass   # the next run then compares with an older count, or none

    def _drift(self, ns, listed, created, listings):
        """What ClearIP holds now (each tier's listing, made before any create, and what this run created) against NetSapiens."""
        try:
            for tier in TIERS:
                if tier not in listed:
                    listed[tier] = listings.get(tier, self.results)
        except SyncStageError as exc:
            raise SyncStageError('drift', exc.message, self.results)
        held = []
        for tier in TIERS:
            held.append(listed.pop(tier) + created.pop(tier, []))   # one copy of each listing at a time
        found = compute_drift(ns['resellers'], ns['domains'], ns['users'], *held, naming=self.naming,
                              include_domains=self.include_domains, exclude_domains=self.exclude_domains,
                              require_comment=self.drift_require_comment)
        drift_counts = found.pop('counts')
        suspects = suspect_netsapiens_read(self.limits, drift_counts)
        if suspects:
            # An absence NetSapiens may not mean: the drift is withheld rather than reported, and the run fails.
            self.results['suspect_reads'].extend(suspects)
            raise SyncStageError('drift', '%s; the drift is withheld: nothing is reported gone from a read that may have '
                                          'lost records. Check NetSapiens, and run again' % '; '.join(s['reason'] for s in suspects),
                                 self.results)
        self.results['drift'] = {
            'scope': {'identifier_scheme': self.naming.scheme, 'service_provider': self.naming.fixed_service_provider,
                      'include_domains': list(self.include_domains or []), 'exclude_domains': list(self.exclude_domains or []),
                      'require_comment': self.drift_require_comment},
            'counts': drift_counts,
            'tiers': found,
        }

    def _keep(self, name, records):
        if not self.keep_dir:
            return
        try:
            write_json(os.path.join(self.keep_dir, name), as_dicts(records))
        except (OSError, IOError) as exc:
            raise SyncStageError('setup', 'cannot write %s to work_dir %s: %s' % (name, self.keep_dir, exc), self.results)
