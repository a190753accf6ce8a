# -*- coding: utf-8 -*-
# Copyright: (c) 2026, clearip.netsapiens contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The plan of one tier: what to create, what exists, what cannot be done. No I/O. Internal use only.

``plan_tier`` takes what is wanted in one tier and what ClearIP holds (names and parents, as
``_sync_apply`` derives them from the listings) and decides, with a reason a person can act on for
each item that cannot be done.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

from ansible_collections.clearip.netsapiens.plugins.module_utils._kinds import GROUP, PARENT_KIND, USER
from ansible_collections.clearip.netsapiens.plugins.module_utils._sync_naming import name_problem, quote_name, validate_name


class TierPlan(object):
    """The outcome of ``plan_tier``.

    ``to_create``: desired items to create, in the order given, each a dict with ``name``,
    ``parent`` and the caller's extra fields, plus ``parent_pending`` (True when the parent is
    only pending, i.e. a dry run would create it first).
    ``existing``: desired items already in ClearIP under the wanted parent.
    ``failed``: ``{'name', 'reason'}`` dicts, one per name that cannot be done.
    """

    def __init__(self, kind):
        self.kind = kind
        self.to_create = []
        self.existing = []
        self.failed = []

    @property
    def created_names(self):
        return [item['name'] for item in self.to_create]

    @property
    def existing_names(self):
        return [item['name'] for item in self.existing]

    @property
    def failed_names(self):
        return [item['name'] for item in self.failed]

    def __repr__(self):
        return 'TierPlan(%s: create %r, existing %r, failed %r)' % (self.kind, self.created_names, self.existing_names, self.failed)


def _names_list(names):
    return ', '.join(quote_name(n) for n in names)


def _parent_label(parent):
    return quote_name(parent) if parent is not None else 'no parent'


def plan_tier(kind, desired, existing, parents=None, pending_parents=None, held_user_ids=None):
    """Decide one tier.

    ``kind``: ``SERVICE_PROVIDER``, ``GROUP`` or ``USER``.
    ``desired``: dicts with ``name``, ``parent`` (the parent's name; ignored for Service Providers)
    and any extra fields, which are carried through unchanged.
    ``existing``: ``(name, parent name)`` pairs of what ClearIP holds in this tier (parent name
    None for Service Providers; a parent ClearIP does not list can be given by any label).
    ``parents``: names of what ClearIP holds in the parent tier, repeated when a name is there
    more than once; unused for Service Providers.
    ``pending_parents``: parent names the caller will create before this tier (a dry run's
    prediction); a child of one is planned for creation with ``parent_pending`` True.
    ``held_user_ids`` (Users only): ``{user id: [(name, group name), ...]}`` of the Users ClearIP
    holds with a non-blank User ID. ClearIP attributes a call to a User by identifiers such as
    the User ID (the X-User-Id header), not by name, so a User is not created when ClearIP
    already holds its User ID on another User, nor when two requested Users share one User ID:
    either would make ClearIP's attribution of that caller ambiguous.

    Exact repeats of one desired item are merged; repeats that differ fail.
    """
    plan = TierPlan(kind)
    parent_kind = PARENT_KIND[kind]
    held, held_again = _index_held(existing)
    parent_counts = {}
    for name in parents or ():
        parent_counts[name] = parent_counts.get(name, 0) + 1
    pending = set(pending_parents or ())

    for item, variants in _by_name(desired, parent_kind):
        name = item.get('name')
        problem = _item_problem(kind, item, variants)
        if problem:
            plan.failed.append({'name': name, 'reason': problem})
        elif name in held:
            where = held_again.get(name) or [held[name]]
            if len(where) > 1:
                plan.failed.append({'name': name, 'reason': _ambiguous_reason(kind, name, where, parent_kind)})
            elif where[0] != item.get('parent'):
                plan.failed.append({'name': name, 'reason': _moved_reason(kind, name, where[0], item.get('parent'))})
            else:
                plan.existing.append(item)
        else:
            count = parent_counts.get(item.get('parent'), 0) if parent_kind is not None else 1
            pending_parent = count == 0 and item.get('parent') in pending
            problem = None if count == 1 or pending_parent else _parent_reason(kind, name, item.get('parent'), count)
            if problem:
                plan.failed.append({'name': name, 'reason': problem})
            else:
                plan.to_create.append(dict(item, parent_pending=pending_parent))
    if kind == USER:
        _refuse_shared_user_ids(plan, held_user_ids or {})
    return plan


def _index_held(existing):
    """``({name: parent}, {name: [parent, ...]})``: one entry per held name, and a list only for the rare name
    held more than once (a tier can hold 100,000 Users, and a list per name would double the plan's memory)."""
    held = {}
    held_again = {}
    for name, parent in existing:
        if name in held:
            held_again.setdefault(name, [held[name]]).append(parent)
        else:
            held[name] = parent
    return held, held_again


def _by_name(desired, parent_kind):
    """``(item, variants)`` per desired name, in the order given: exact repeats merged, and ``variants`` the
    differing repeats (None when there are none)."""
    order = []
    by_name = {}
    variants_of = {}
    for item in desired:
        entry = item
        if parent_kind is None and ('parent' not in item or item['parent'] is not None):
            entry = dict(item, parent=None)   # Service Providers are few: a copy costs nothing
        name = entry.get('name')
        key = name if isinstance(name, str) else repr(name)
        if key not in by_name:
            order.append(key)
            by_name[key] = entry
        elif entry != by_name[key] and entry not in variants_of.setdefault(key, [by_name[key]]):
            variants_of[key].append(entry)
    return [(by_name[key], variants_of.get(key) if len(variants_of.get(key) or ()) > 1 else None) for key in order]


def _item_problem(kind, item, variants):
    """Why a desired item cannot be done whatever ClearIP holds (repeats, its name, its User ID, no parent), or None."""
    name = item.get('name')
    parent_kind = PARENT_KIND[kind]
    if variants:
        return _repeat_reason(kind, name, variants, parent_kind)
    problem = validate_name(kind, name)
    if problem is None and kind == USER and item.get('user_id') not in (None, ''):
        id_problem = name_problem(item['user_id'])
        if id_problem:
            problem = '%s %s: user ID %s: %s' % (kind, quote_name(name), quote_name(item['user_id']), id_problem.replace('name ', '', 1))
    if problem is None and parent_kind is not None and item.get('parent') in (None, ''):
        problem = '%s %s: no %s given' % (kind, quote_name(name), parent_kind)
    return problem


def _parent_reason(kind, name, parent, count):
    parent_kind = PARENT_KIND[kind]
    if count > 1:
        return ('%s %s: its %s %s exists %d times in ClearIP; cannot tell which one to use'
                % (kind, quote_name(name), parent_kind, quote_name(parent), count))
    return '%s %s: its %s %s does not exist in ClearIP' % (kind, quote_name(name), parent_kind, quote_name(parent))


def _user_id_of(item):
    user_id = item.get('user_id')
    return item.get('name') if user_id in (None, '') else user_id


def _refuse_shared_user_ids(plan, held_user_ids):
    """Move to ``failed`` each planned User whose User ID ClearIP holds, or another planned User has."""
    wanted = {}
    for item in plan.to_create:
        wanted.setdefault(_user_id_of(item), []).append(item['name'])
    keep = []
    for item in plan.to_create:
        user_id = _user_id_of(item)
        holders = held_user_ids.get(user_id) or []
        if holders:
            shown = ', '.join('user %s in group %s' % (quote_name(name), _parent_label(group)) for name, group in holders)
            plan.failed.append({'name': item['name'], 'reason': (
                "user %s: its User ID %s is already held in ClearIP by %s; a second User with that User ID would make "
                "ClearIP's attribution of calls with X-User-Id %s ambiguous, so it is not created. Clear or change the User ID "
                "of the existing User in ClearIP (or remove that User) if this one should have it"
                % (quote_name(item['name']), quote_name(user_id), shown, user_id))})
        elif len(wanted[user_id]) > 1:
            others = [n for n in wanted[user_id] if n != item['name']]
            plan.failed.append({'name': item['name'], 'reason': (
                'user %s: its User ID %s is also requested for %s; ClearIP could not tell those Users apart, so none '
                'of them is created: give each User its own User ID' % (quote_name(item['name']), quote_name(user_id), _names_list(others)))})
        else:
            keep.append(item)
    plan.to_create = keep


def _repeat_reason(kind, name, variants, parent_kind):
    parents = []
    for variant in variants:
        if variant.get('parent') not in parents:
            parents.append(variant.get('parent'))
    if parent_kind is not None and len(parents) > 1:
        return ('%s %s is requested more than once, under different %ss (%s); a name can be in ClearIP only once'
                % (kind, quote_name(name), parent_kind, ', '.join(_parent_label(p) for p in parents)))
    return '%s %s is requested more than once with different settings; give each name once' % (kind, quote_name(name))


def _ambiguous_reason(kind, name, where, parent_kind):
    if parent_kind is None:
        return ('%s %s exists %d times in ClearIP; the sync never guesses which one is meant: '
                'rename or remove the extra ones in ClearIP' % (kind, quote_name(name), len(where)))
    parents = ', '.join(_parent_label(p) for p in where)
    return ('%s %s exists %d times in ClearIP (under %ss %s); the sync never guesses which one is meant: '
            'rename or remove the extra ones in ClearIP' % (kind, quote_name(name), len(where), parent_kind, parents))


def _moved_reason(kind, name, held_parent, wanted_parent):
    if kind == GROUP:
        return ('group %s exists in ClearIP under service provider %s, not under %s as requested: the domain moved to '
                'another reseller. ClearIP cannot move a group between service providers and the sync never deletes: '
                'use the unique identifier scheme (group domain@reseller), or move the domain back to reseller %s in NetSapiens'
                % (quote_name(name), _parent_label(held_parent), _parent_label(wanted_parent), _parent_label(held_parent)))
    if kind == USER:
        return ('user %s exists in ClearIP under group %s, not under %s as requested. ClearIP cannot move a user '
                'between groups and the sync never deletes: move the user back in NetSapiens, or remove the user '
                'from group %s in ClearIP by hand' % (quote_name(name), _parent_label(held_parent), _parent_label(wanted_parent),
                                                      _parent_label(held_parent)))
    return '%s %s exists in ClearIP under %s, not under %s as requested' % (
        kind, quote_name(name), _parent_label(held_parent), _parent_label(wanted_parent))
