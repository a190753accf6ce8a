# -*- coding: utf-8 -*-
# Copyright: (c) 2026, clearip.netsapiens contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What to create in ClearIP, decided without any I/O.

- ``name_problem`` / ``validate_name``: the ClearIP name rule (fewer than 256 characters of ASCII
  letters, digits, space and ``# * + @ . , - _``).
- ``IdentifierScheme``: how a NetSapiens reseller, domain and user become ClearIP Service Provider,
  Group and User names (schemes ``plain``, ``unique``, ``no_resellers``).
- ``plan_tier``: given what is wanted in one tier and what ClearIP holds, what to create, what
  already exists and what cannot be done (with a reason a person can act on).
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import re

from ansible_collections.clearip.netsapiens.plugins.module_utils.userinfo import strip_userinfo

NAME_MAX_LENGTH = 255
NAME_SPECIAL_CHARACTERS = ' #*+@.,-_'
# ASCII letters only: the vendor guide says "letters" without naming an alphabet, and accepting
# a letter ClearIP then refuses would fail at write time instead of before any write.
_NAME_ALLOWED = re.compile(r'[A-Za-z0-9 #*+@.,\-_]')
_NAME_FULLY_ALLOWED = re.compile(r'[A-Za-z0-9 #*+@.,\-_]+\Z')  # \Z, not $: $ also matches before a final newline
NAME_RULE = ('fewer than 256 characters, drawn from ASCII letters, digits, space and %s'
             % ' '.join(NAME_SPECIAL_CHARACTERS.strip()))

SERVICE_PROVIDER = 'service provider'
GROUP = 'group'
USER = 'user'
# The tier each ClearIP object kind hangs under.
PARENT_KIND = {SERVICE_PROVIDER: None, GROUP: SERVICE_PROVIDER, USER: GROUP}

SCHEMES = ('plain', 'unique', 'no_resellers')


def name_problem(name):
    """Why ``name`` is not a valid ClearIP name, or None when it is."""
    if name is None or not isinstance(name, str):
        return 'name must be a string, got %s' % type(name).__name__
    if name == '':
        return 'name is empty'
    if len(name) > NAME_MAX_LENGTH:
        return 'name has %d characters; ClearIP allows at most %d' % (len(name), NAME_MAX_LENGTH)
    if not _NAME_FULLY_ALLOWED.match(name):
        bad = []
        for char in name:
            if not _NAME_ALLOWED.match(char) and char not in bad:
                bad.append(char)
        return ('name has characters that ClearIP does not allow: %s (allowed: ASCII letters, digits, space and %s)'
                % (', '.join(repr(c) for c in bad), ' '.join(NAME_SPECIAL_CHARACTERS.strip())))
    return None


def validate_name(kind, name):
    """An error message naming the object kind, the name and the rule, or None when ``name`` is valid.

    ``kind`` is what a person calls the object, e.g. ``domain`` or ``group``.
    """
    problem = name_problem(name)
    if problem is None:
        return None
    return '%s %s: %s' % (kind, _quote(name), problem)


def _quote(value):
    if isinstance(value, str):
        return "'%s'" % value
    return repr(value)


class SchemeError(ValueError):
    """An identifier scheme was asked for something it cannot do."""


class IdentifierScheme(object):
    """The names ClearIP objects get from NetSapiens records.

    =============  ================  ==================  =======================
    scheme         Service Provider  Group               User ID and User name
    =============  ================  ==================  =======================
    plain          reseller          domain              user@domain
    unique         reseller          domain@reseller     user@domain@reseller
    no_resellers   one fixed name    domain              user@domain
    =============  ================  ==================  =======================
    """

    def __init__(self, scheme='plain', service_provider=None):
        if scheme not in SCHEMES:
            raise SchemeError('unknown identifier scheme %r; expected one of %s' % (scheme, ', '.join(SCHEMES)))
        if scheme == 'no_resellers' and not service_provider:
            raise SchemeError('the no_resellers identifier scheme needs the name of its one Service Provider')
        self.scheme = scheme
        self.fixed_service_provider = service_provider if scheme == 'no_resellers' else None

    @property
    def uses_resellers(self):
        return self.scheme != 'no_resellers'

    def service_provider_name(self, reseller):
        """The Service Provider that holds the domains of ``reseller``."""
        if self.scheme == 'no_resellers':
            return self.fixed_service_provider
        return reseller

    def group_name(self, domain, reseller=None):
        if self.scheme == 'unique':
            if not reseller:
                raise SchemeError('the unique identifier scheme needs the reseller of domain %s' % _quote(domain))
            return '%s@%s' % (domain, reseller)
        return domain

    def group_service_provider(self, domain, reseller=None):
        """The name of the Service Provider the Group of ``domain`` belongs under."""
        if self.scheme == 'no_resellers':
            return self.fixed_service_provider
        if not reseller:
            raise SchemeError('domain %s has no reseller' % _quote(domain))
        return reseller

    def user_id(self, user, domain, reseller=None):
        """The User ID, which is what NetSapiens sends as X-User-Id."""
        if self.scheme == 'unique':
            if not reseller:
                raise SchemeError('the unique identifier scheme needs the reseller of domain %s' % _quote(domain))
            return '%s@%s@%s' % (user, domain, reseller)
        return '%s@%s' % (user, domain)

    def user_name(self, user, domain, reseller=None):
        return self.user_id(user, domain, reseller)

    def user_group(self, domain, reseller=None):
        """The name of the Group the Users of ``domain`` belong under."""
        return self.group_name(domain, reseller)

    def header_value_template(self):
        """The X-User-Id value as NetSapiens placeholders would spell it, for documentation."""
        if self.scheme == 'unique':
            return '<user>@<domain>@<reseller>'
        return '<user>@<domain>'


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
    return ', '.join(_quote(n) for n in names)


def _parent_label(parent):
    return _quote(parent) if parent is not None else 'no parent'


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

    # One entry per name, and a list only for the rare name held or wanted more than once: a tier can
    # hold 100,000 Users, and a list per name would double the memory of the whole plan.
    held = {}
    held_again = {}
    for name, parent in existing:
        if name in held:
            held_again.setdefault(name, [held[name]]).append(parent)
        else:
            held[name] = parent
    parent_counts = {}
    for name in parents or ():
        parent_counts[name] = parent_counts.get(name, 0) + 1
    pending = set(pending_parents or ())

    # Group desired items by name, keeping the first position, to spot conflicting repeats.
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

    for key in order:
        item = by_name[key]
        name = item.get('name')
        variants = variants_of.get(key)
        if variants is not None and len(variants) > 1:
            plan.failed.append({'name': name, 'reason': _repeat_reason(kind, name, variants, parent_kind)})
            continue
        problem = validate_name(kind, name)
        if problem is None and kind == USER and item.get('user_id') not in (None, ''):
            id_problem = name_problem(item['user_id'])
            if id_problem:
                problem = '%s %s: user ID %s: %s' % (kind, _quote(name), _quote(item['user_id']), id_problem.replace('name ', '', 1))
        if problem:
            plan.failed.append({'name': name, 'reason': problem})
            continue
        parent = item.get('parent')
        if parent_kind is not None and (parent is None or parent == ''):
            plan.failed.append({'name': name, 'reason': '%s %s: no %s given' % (kind, _quote(name), parent_kind)})
            continue

        if name in held:
            where = held_again.get(name) or [held[name]]
            if len(where) > 1:
                plan.failed.append({'name': name, 'reason': _ambiguous_reason(kind, name, where, parent_kind)})
            elif where[0] != parent:
                plan.failed.append({'name': name, 'reason': _moved_reason(kind, name, where[0], parent)})
            else:
                plan.existing.append(item)
            continue

        item = dict(item)
        item['parent_pending'] = False
        if parent_kind is not None:
            count = parent_counts.get(parent, 0)
            if count > 1:
                plan.failed.append({'name': name, 'reason': '%s %s: its %s %s exists %d times in ClearIP; cannot tell which one to use'
                                    % (kind, _quote(name), parent_kind, _quote(parent), count)})
                continue
            if count == 0:
                if parent in pending:
                    item['parent_pending'] = True
                else:
                    plan.failed.append({'name': name, 'reason': '%s %s: its %s %s does not exist in ClearIP'
                                        % (kind, _quote(name), parent_kind, _quote(parent))})
                    continue
        plan.to_create.append(item)
    if kind == USER:
        _refuse_shared_user_ids(plan, held_user_ids or {})
    return plan


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
            shown = ', '.join('user %s in group %s' % (_quote(name), _parent_label(group)) for name, group in holders)
            plan.failed.append({'name': item['name'], 'reason': (
                "user %s: its User ID %s is already held in ClearIP by %s; a second User with that User ID would make "
                "ClearIP's attribution of calls with X-User-Id %s ambiguous, so it is not created. Clear or change the User ID "
                "of the existing User in ClearIP (or remove that User) if this one should have it"
                % (_quote(item['name']), _quote(user_id), shown, user_id))})
        elif len(wanted[user_id]) > 1:
            others = [n for n in wanted[user_id] if n != item['name']]
            plan.failed.append({'name': item['name'], 'reason': (
                'user %s: its User ID %s is also requested for %s; ClearIP could not tell those Users apart, so none '
                'of them is created: give each User its own User ID' % (_quote(item['name']), _quote(user_id), _names_list(others)))})
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
                % (kind, _quote(name), parent_kind, ', '.join(_parent_label(p) for p in parents)))
    return '%s %s is requested more than once with different settings; give each name once' % (kind, _quote(name))


def _ambiguous_reason(kind, name, where, parent_kind):
    if parent_kind is None:
        return ('%s %s exists %d times in ClearIP; the sync never guesses which one is meant: '
                'rename or remove the extra ones in ClearIP' % (kind, _quote(name), len(where)))
    parents = ', '.join(_parent_label(p) for p in where)
    return ('%s %s exists %d times in ClearIP (under %ss %s); the sync never guesses which one is meant: '
            'rename or remove the extra ones in ClearIP' % (kind, _quote(name), len(where), parent_kind, parents))


def _moved_reason(kind, name, held_parent, wanted_parent):
    if kind == GROUP:
        return ('group %s exists in ClearIP under service provider %s, not under %s as requested: the domain moved to '
                'another reseller. ClearIP cannot move a group between service providers and the sync never deletes: '
                'use the unique identifier scheme (group domain@reseller), or move the domain back to reseller %s in NetSapiens'
                % (_quote(name), _parent_label(held_parent), _parent_label(wanted_parent), _parent_label(held_parent)))
    if kind == USER:
        return ('user %s exists in ClearIP under group %s, not under %s as requested. ClearIP cannot move a user '
                'between groups and the sync never deletes: move the user back in NetSapiens, or remove the user '
                'from group %s in ClearIP by hand' % (_quote(name), _parent_label(held_parent), _parent_label(wanted_parent),
                                                      _parent_label(held_parent)))
    return '%s %s exists in ClearIP under %s, not under %s as requested' % (
        kind, _quote(name), _parent_label(held_parent), _parent_label(wanted_parent))


def default_comment(source=None):
    """The comment of objects the collection creates, so operators can tell them apart."""
    # A user:password@ in the source URL must never be stored in ClearIP.
    source = strip_userinfo(source)
    if source:
        return 'Created by clearip.netsapiens sync from %s' % source
    return 'Created by clearip.netsapiens sync'
