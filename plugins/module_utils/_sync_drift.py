# -*- coding: utf-8 -*-
# Copyright: (c) 2026, clearip.netsapiens contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Drift: what ClearIP holds under the sync's scope that NetSapiens no longer backs, without any I/O. Internal use only.

``compute_drift`` takes the NetSapiens records (as the NetSapiens client normalises them) and the
ClearIP listings (``_clearip_records.listed`` records: ids, names, parent ids, comments and User IDs)
and returns, per tier, the in-scope objects that are

- ``gone``: no NetSapiens source any more (a Service Provider whose reseller is gone, a Group whose
  domain is gone, a User whose user is gone from its domain or whose domain is gone);
- ``moved``: the NetSapiens source exists but under another parent than the ClearIP object's
  (a domain now under another reseller; under ``unique`` also each User of that domain).

The scope is what this collection would have created under the identifier scheme (docs/drift.md):

- Service Providers: under ``plain`` and ``unique`` every Service Provider (any name can be a
  reseller's); with domain filters only those that hold an in-scope Group. Under ``no_resellers``
  none (the one fixed Service Provider has no NetSapiens source).
- Groups: under ``plain`` any Group, its name being the domain; under ``unique`` a Group named
  ``<domain>@<its Service Provider's name>``; under ``no_resellers`` a Group under the fixed
  Service Provider. With domain filters, only Groups whose domain the filters keep.
- Users: under an in-scope Group, named ``<user>@<the Group's name>`` (which is ``user@domain``
  under ``plain`` and ``no_resellers`` and ``user@domain@reseller`` under ``unique``) and with a
  User ID equal to the name, as the collection always creates them. So a Default User (blank User
  ID) or any User named otherwise is never in scope.
- With ``require_comment``, each object must also carry the comment the collection writes
  (``_sync_naming.default_comment``: ``Created by clearip.netsapiens sync`` optionally followed by
  `` from <source>``). Only its own comment counts: a User the sync made under a Group that was
  there before (which the sync adopts by name) is in scope; so is a Group under such a Service Provider.

Nothing here changes anything; the report is for a person to review.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

from ansible_collections.clearip.netsapiens.plugins.module_utils._kinds import TIERS
from ansible_collections.clearip.netsapiens.plugins.module_utils._sync_desired import select_domain
from ansible_collections.clearip.netsapiens.plugins.module_utils._sync_naming import IdentifierScheme, is_sync_comment

GONE = 'gone'
MOVED = 'moved'


def _entry(record, name, parent, parent_id, reason, netsapiens_parent=None, user_id=None):
    entry = {'id': record.get('id'), 'name': name, 'parent': parent, 'parent_id': parent_id, 'reason': reason}
    if netsapiens_parent is not None:
        entry['netsapiens_parent'] = netsapiens_parent
    if user_id is not None:
        entry['user_id'] = user_id
    return entry


def _sorted(entries):
    return sorted(entries, key=lambda e: (e.get('parent') or '', e.get('name') or '', e.get('id') or ''))


def compute_drift(resellers, domains, users, service_providers, groups, clearip_users, naming=None,
                  include_domains=None, exclude_domains=None, require_comment=False):
    """Return ``{'service_providers': tier, 'groups': tier, 'users': tier, 'counts': {...}}``.

    ``resellers``: ``{name}`` dicts; ``domains``: ``{name, reseller}``, plus ``problem`` for a malformed record;
    ``users``: ``{user, domain}`` (NetSapiens, normalised). The users of a domain with a ``problem`` are not
    read (``_sync_run.read_netsapiens``), so its ClearIP Users are in scope but never judged gone: they may
    all still be in NetSapiens. Likewise, while a list holds a malformed record without a name (``problem``
    and no ``name``/``user``), nothing is judged gone for an absence from that list (no reseller; no domain;
    no user of that user's domain). ``service_providers``, ``groups``, ``clearip_users``: ClearIP listings
    (``{id, name, comment, parent_id, user_id}``). ``naming``: the run's ``_sync_naming.IdentifierScheme``
    (default ``plain``).

    Each tier is ``{'gone': [entry], 'moved': [entry], 'in_scope': n}``; an entry is ``{id, name,
    parent, parent_id, reason}`` (``parent`` is the ClearIP parent's name, None for Service
    Providers), plus ``netsapiens_parent`` (the parent NetSapiens now implies) for moved ones and
    ``user_id`` for Users. Lists are sorted by parent, then name. ``counts`` has ``{tier: {gone,
    moved, in_scope}}`` and ``total`` (gone plus moved, over all tiers).
    """
    scope = _Scope(resellers, domains, users, naming or IdentifierScheme(), include_domains, exclude_domains, require_comment)
    group_drift, groups_scoped, group_domain = _group_drift(scope, service_providers, groups)
    sp_drift, sp_scoped = _service_provider_drift(scope, service_providers, group_domain)
    user_drift, users_scoped = _user_drift(scope, clearip_users, group_domain)
    result = {}
    counts = {}
    total = 0
    for tier, drift, scoped in zip(TIERS, (sp_drift, group_drift, user_drift), (sp_scoped, groups_scoped, users_scoped)):
        result[tier] = {GONE: _sorted(drift[GONE]), MOVED: _sorted(drift[MOVED]), 'in_scope': scoped}
        counts[tier] = {GONE: len(drift[GONE]), MOVED: len(drift[MOVED]), 'in_scope': scoped}
        total += len(drift[GONE]) + len(drift[MOVED])
    counts['total'] = total
    result['counts'] = counts
    return result


class _Scope(object):
    """What NetSapiens holds, in the form the three tiers' checks ask it, and the scope's settings."""

    def __init__(self, resellers, domains, users, naming, include_domains, exclude_domains, require_comment):
        self.naming = naming
        self.include_domains = include_domains
        self.exclude_domains = exclude_domains
        self.filtered = bool(include_domains or exclude_domains)
        self.require_comment = require_comment
        self.reseller_names = set(r.get('name') for r in resellers)
        self.domain_reseller = dict((d.get('name'), d.get('reseller') or '') for d in domains)
        self.users = set((u.get('user'), u.get('domain')) for u in users)
        # Domains whose users were not read: their absence from ``users`` says nothing.
        self.unread = set(d.get('name') for d in domains if d.get('problem'))
        # A malformed record without a name may stand for any reseller, domain or user of its list: while
        # NetSapiens lists one, an absence from that list says nothing either (nothing is called gone for it).
        self.nameless_reseller = any(r.get('problem') and not r.get('name') for r in resellers)
        self.nameless_domain = any(d.get('problem') and not d.get('name') for d in domains)
        self.nameless_user_in = set(u.get('domain') for u in users if u.get('problem') and not u.get('user'))

    def commented(self, record):
        return not self.require_comment or is_sync_comment(record.get('comment'))

    def selects(self, domain):
        return not self.filtered or select_domain(domain, self.include_domains, self.exclude_domains)

    def group_domain(self, name, sp_name):
        """The domain a Group of this name under this Service Provider stands for, or None when out of scope."""
        scheme = self.naming.scheme
        if scheme == 'unique':
            suffix = '@%s' % sp_name
            if not name.endswith(suffix) or len(name) == len(suffix):
                return None
            return name[:-len(suffix)]
        if scheme == 'no_resellers' and sp_name != self.naming.fixed_service_provider:
            return None
        return name


def _group_drift(scope, service_providers, groups):
    """(drift, in scope, ``{group id: (domain, group, service provider name)}`` of the Groups in scope)."""
    sp_by_id = dict((sp.get('id'), sp) for sp in service_providers)
    group_domain = {}
    drift = {GONE: [], MOVED: []}
    scoped = 0
    for group in groups:
        sp = sp_by_id.get(group.get('parent_id'))
        name = group.get('name')
        if sp is None or not isinstance(name, str):
            continue
        sp_name = sp.get('name')
        domain = scope.group_domain(name, sp_name)
        if domain is None or not scope.selects(domain):
            continue
        # Its Users are judged by their own comment: a sync-made User under an adopted, hand-made Group is still the sync's.
        group_domain[group.get('id')] = (domain, group, sp_name)
        if not scope.commented(group):
            continue
        scoped += 1
        if domain not in scope.domain_reseller:
            if not scope.nameless_domain:
                drift[GONE].append(_entry(group, name, sp_name, sp.get('id'), "NetSapiens has no domain '%s'" % domain))
            continue
        ns_reseller = scope.domain_reseller[domain]
        if scope.naming.uses_resellers and ns_reseller and ns_reseller != sp_name:
            drift[MOVED].append(_entry(group, name, sp_name, sp.get('id'),
                                       "NetSapiens domain '%s' belongs to reseller '%s' now" % (domain, ns_reseller),
                                       netsapiens_parent=scope.naming.group_service_provider(domain, ns_reseller)))
    return drift, scoped, group_domain


def _service_provider_drift(scope, service_providers, group_domain):
    """(drift, in scope): only a Service Provider's reseller can be gone; it has no parent to move from."""
    drift = {GONE: [], MOVED: []}
    scoped = 0
    if not scope.naming.uses_resellers:
        return drift, scoped
    with_scoped_group = set(group.get('parent_id') for dummy, group, dummy_sp in group_domain.values())
    for sp in service_providers:
        if not scope.commented(sp) or (scope.filtered and sp.get('id') not in with_scoped_group):
            continue
        scoped += 1
        if sp.get('name') not in scope.reseller_names and not scope.nameless_reseller:
            drift[GONE].append(_entry(sp, sp.get('name'), None, None, "NetSapiens has no reseller '%s'" % sp.get('name')))
    return drift, scoped


def _user_drift(scope, clearip_users, group_domain):
    """(drift, in scope): Users under an in-scope Group, named <user>@<group name>, with that name as User ID."""
    drift = {GONE: [], MOVED: []}
    scoped = 0
    for user in clearip_users:
        in_group = group_domain.get(user.get('parent_id'))
        name = user.get('name')
        if in_group is None or not isinstance(name, str) or user.get('user_id') != name or not scope.commented(user):
            continue
        domain, group, sp_name = in_group
        suffix = '@%s' % group.get('name')
        if not name.endswith(suffix) or len(name) == len(suffix):
            continue
        scoped += 1
        ns_user = name[:-len(suffix)]
        parent, parent_id = group.get('name'), group.get('id')
        if domain in scope.unread:
            continue
        if domain not in scope.domain_reseller:
            if not scope.nameless_domain:
                drift[GONE].append(_entry(user, name, parent, parent_id, "NetSapiens has no domain '%s'" % domain, user_id=name))
        elif (ns_user, domain) not in scope.users:
            if domain not in scope.nameless_user_in:
                drift[GONE].append(_entry(user, name, parent, parent_id,
                                          "NetSapiens domain '%s' has no user '%s'" % (domain, ns_user), user_id=name))
        else:
            ns_reseller = scope.domain_reseller[domain]
            if scope.naming.scheme == 'unique' and ns_reseller and ns_reseller != sp_name:
                drift[MOVED].append(_entry(user, name, parent, parent_id,
                                           "NetSapiens domain '%s' belongs to reseller '%s' now" % (domain, ns_reseller),
                                           netsapiens_parent=scope.naming.user_group(domain, ns_reseller), user_id=name))
    return drift, scoped
