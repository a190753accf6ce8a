# -*- coding: utf-8 -*-
# Copyright: (c) 2026, clearip.netsapiens contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Drift: what ClearIP holds under the sync's scope that NetSapiens no longer backs, without any I/O.

``compute_drift`` takes the NetSapiens records (as the NetSapiens client normalises them) and the
ClearIP listings (as ``clearip_info.info_record`` shapes them; only the ids, names, parent ids,
comments and User IDs are used) and returns, per tier, the in-scope objects that are

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
  (``sync.default_comment``: ``Created by clearip.netsapiens sync`` optionally followed by
  `` from <source>``). Only its own comment counts: a User the sync made under a Group that was
  there before (which the sync adopts by name) is in scope; so is a Group under such a Service Provider.

Nothing here changes anything; the report is for a person to review.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

from ansible_collections.clearip.netsapiens.plugins.module_utils import sync
from ansible_collections.clearip.netsapiens.plugins.module_utils.subscriber_sync import select_domain

TIERS = ('service_providers', 'groups', 'users')
GONE = 'gone'
MOVED = 'moved'
SYNC_COMMENT = sync.default_comment()
SYNC_COMMENT_FROM = sync.default_comment('') + ' from '


def is_sync_comment(comment):
    """True when ``comment`` is one ``sync.default_comment`` writes (with or without a source)."""
    if not isinstance(comment, str):
        return False
    return comment == SYNC_COMMENT or comment.startswith(SYNC_COMMENT_FROM)


def _entry(record, name, parent, parent_id, reason, netsapiens_parent=None, user_id=None):
    entry = {'id': record.get('id'), 'name': name, 'parent': parent, 'parent_id': parent_id, 'reason': reason}
    if netsapiens_parent is not None:
        entry['netsapiens_parent'] = netsapiens_parent
    if user_id is not None:
        entry['user_id'] = user_id
    return entry


def _sorted(entries):
    return sorted(entries, key=lambda e: (e.get('parent') or '', e.get('name') or '', e.get('id') or ''))


def compute_drift(resellers, domains, users, service_providers, groups, clearip_users, scheme='plain',
                  service_provider=None, include_domains=None, exclude_domains=None, require_comment=False):
    """Return ``{'service_providers': tier, 'groups': tier, 'users': tier, 'counts': {...}}``.

    ``resellers``: ``{name}`` dicts; ``domains``: ``{name, reseller}``, plus ``problem`` for a malformed record;
    ``users``: ``{user, domain}`` (NetSapiens, normalised). The users of a domain with a ``problem`` are not
    read (``netsapiens.NetSapiensClient.users``, ``sync_run.read_netsapiens``), so its ClearIP Users are in
    scope but never judged gone: they may all still be in NetSapiens. Likewise, while a list holds a
    malformed record without a name (``problem`` and no ``name``/``user``), nothing is judged gone for
    an absence from that list (no reseller; no domain; no user of that user's domain). ``service_providers``: ``{id, name, comment}``; ``groups``: the same plus
    ``service_provider_id``; ``clearip_users``: the same plus ``group_id`` and ``user_id`` (ClearIP).

    Each tier is ``{'gone': [entry], 'moved': [entry], 'in_scope': n}``; an entry is ``{id, name,
    parent, parent_id, reason}`` (``parent`` is the ClearIP parent's name, None for Service
    Providers), plus ``netsapiens_parent`` (the parent NetSapiens now implies) for moved ones and
    ``user_id`` for Users. Lists are sorted by parent, then name. ``counts`` has ``{tier: {gone,
    moved, in_scope}}`` and ``total`` (gone plus moved, over all tiers).

    Raises ``sync.SchemeError`` for an unknown scheme or ``no_resellers`` without its Service Provider.
    """
    naming = sync.IdentifierScheme(scheme, service_provider)
    filtered = bool(include_domains or exclude_domains)

    def commented(record):
        return not require_comment or is_sync_comment(record.get('comment'))

    reseller_names = set(r.get('name') for r in resellers)
    domain_reseller = dict((d.get('name'), d.get('reseller') or '') for d in domains)
    ns_users = set((u.get('user'), u.get('domain')) for u in users)
    # Domains whose users were not read: their absence from ``users`` says nothing.
    unread = set(d.get('name') for d in domains if d.get('problem'))
    # A malformed record without a name may stand for any reseller, domain or user of its list: while
    # NetSapiens lists one, an absence from that list says nothing either (nothing is called gone for it).
    nameless_reseller = any(r.get('problem') and not r.get('name') for r in resellers)
    nameless_domain = any(d.get('problem') and not d.get('name') for d in domains)
    nameless_user_in = set(u.get('domain') for u in users if u.get('problem') and not u.get('user'))
    sp_by_id = dict((sp.get('id'), sp) for sp in service_providers)

    # Groups: scope, and the domain each in-scope Group stands for.
    group_domain = {}     # in-scope group id -> (domain, group record, service provider name)
    group_drift = {GONE: [], MOVED: []}
    groups_scoped = 0
    sp_with_scoped_group = set()
    for group in groups:
        sp = sp_by_id.get(group.get('service_provider_id'))
        name = group.get('name')
        if sp is None or not isinstance(name, str):
            continue
        sp_name = sp.get('name')
        if scheme == 'unique':
            suffix = '@%s' % sp_name
            if not name.endswith(suffix) or len(name) == len(suffix):
                continue
            domain = name[:-len(suffix)]
        elif scheme == 'no_resellers':
            if sp_name != naming.fixed_service_provider:
                continue
            domain = name
        else:
            domain = name
        if filtered and not select_domain(domain, include_domains, exclude_domains):
            continue
        # Its Users are judged by their own comment: a sync-made User under an adopted, hand-made Group is still the sync's.
        group_domain[group.get('id')] = (domain, group, sp_name)
        sp_with_scoped_group.add(sp.get('id'))
        if not commented(group):
            continue
        groups_scoped += 1
        if domain not in domain_reseller:
            if not nameless_domain:
                group_drift[GONE].append(_entry(group, name, sp_name, sp.get('id'), "NetSapiens has no domain '%s'" % domain))
            continue
        ns_reseller = domain_reseller[domain]
        if naming.uses_resellers and ns_reseller and ns_reseller != sp_name:
            group_drift[MOVED].append(_entry(group, name, sp_name, sp.get('id'),
                                             "NetSapiens domain '%s' belongs to reseller '%s' now" % (domain, ns_reseller),
                                             netsapiens_parent=naming.group_service_provider(domain, ns_reseller)))

    # Service Providers: only their reseller can be gone; they have no parent to move from.
    sp_drift = {GONE: [], MOVED: []}
    sp_scoped = 0
    if naming.uses_resellers:
        for sp in service_providers:
            if not commented(sp) or (filtered and sp.get('id') not in sp_with_scoped_group):
                continue
            sp_scoped += 1
            if sp.get('name') not in reseller_names and not nameless_reseller:
                sp_drift[GONE].append(_entry(sp, sp.get('name'), None, None, "NetSapiens has no reseller '%s'" % sp.get('name')))

    # Users: under an in-scope Group, named <user>@<group name>, with that name as User ID.
    user_drift = {GONE: [], MOVED: []}
    users_scoped = 0
    for user in clearip_users:
        scoped = group_domain.get(user.get('group_id'))
        name = user.get('name')
        if scoped is None or not isinstance(name, str) or user.get('user_id') != name or not commented(user):
            continue
        domain, group, sp_name = scoped
        suffix = '@%s' % group.get('name')
        if not name.endswith(suffix) or len(name) == len(suffix):
            continue
        users_scoped += 1
        ns_user = name[:-len(suffix)]
        parent, parent_id = group.get('name'), group.get('id')
        if domain in unread:
            continue
        if domain not in domain_reseller:
            if not nameless_domain:
                user_drift[GONE].append(_entry(user, name, parent, parent_id, "NetSapiens has no domain '%s'" % domain, user_id=name))
        elif (ns_user, domain) not in ns_users:
            if domain in nameless_user_in:
                continue
            user_drift[GONE].append(_entry(user, name, parent, parent_id,
                                           "NetSapiens domain '%s' has no user '%s'" % (domain, ns_user), user_id=name))
        else:
            ns_reseller = domain_reseller[domain]
            if scheme == 'unique' and ns_reseller and ns_reseller != sp_name:
                user_drift[MOVED].append(_entry(user, name, parent, parent_id,
                                                "NetSapiens domain '%s' belongs to reseller '%s' now" % (domain, ns_reseller),
                                                netsapiens_parent=naming.user_group(domain, ns_reseller), user_id=name))

    result = {}
    counts = {}
    total = 0
    for tier, drift, scoped in (('service_providers', sp_drift, sp_scoped), ('groups', group_drift, groups_scoped),
                                ('users', user_drift, users_scoped)):
        result[tier] = {GONE: _sorted(drift[GONE]), MOVED: _sorted(drift[MOVED]), 'in_scope': scoped}
        counts[tier] = {GONE: len(drift[GONE]), MOVED: len(drift[MOVED]), 'in_scope': scoped}
        total += len(drift[GONE]) + len(drift[MOVED])
    counts['total'] = total
    result['counts'] = counts
    return result
