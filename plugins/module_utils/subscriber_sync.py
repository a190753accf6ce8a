# -*- coding: utf-8 -*-
# Copyright: (c) 2026, clearip.netsapiens contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""From NetSapiens records to the ClearIP objects each tier wants, without any I/O.

``build_tiers`` takes the normalised NetSapiens records (as the NetSapiens client returns them),
checks them the way the vendor binary does before any write, applies the identifier scheme and the
operator's filters, and returns per tier what ClearIP should hold plus the errors found. What ClearIP
already holds (and so "domain moved") is decided later, per tier, by ``sync.plan_tier``.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import fnmatch
import sys

from ansible_collections.clearip.netsapiens.plugins.module_utils.sync import IdentifierScheme, validate_name

TIERS = ('service_providers', 'groups', 'users')
SYSTEM_SERVICE_CODE_PREFIX = 'system-'


def _error(name, reason):
    return {'name': name, 'reason': reason}


def _malformed_label(kind, record):
    """The name of a malformed record in its tier's failed items: its own name when it has one, else its position."""
    if kind == 'user':
        user, domain = record.get('user') or '', record.get('domain') or ''
        if user:
            return '%s@%s' % (user, domain) if domain else user
        return 'user #%s of domain %s' % (record.get('position', '?'), domain or '(unknown)')
    return record.get('name') or '%s #%s' % (kind, record.get('position', '?'))


def _matches(name, patterns):
    return any(fnmatch.fnmatchcase(name, pattern) for pattern in patterns)


def select_domain(name, include_domains=None, exclude_domains=None):
    """True when the operator's domain filters keep ``name`` (shell-style patterns, case-sensitive)."""
    if include_domains and not _matches(name, include_domains):
        return False
    return not (exclude_domains and _matches(name, exclude_domains))


def is_system_user(user):
    return str(user.get('service_code') or '').startswith(SYSTEM_SERVICE_CODE_PREFIX)


def build_tiers(resellers, domains, users, connections, scheme='plain', service_provider=None,
                include_domains=None, exclude_domains=None, include_system_users=True):
    """Return ``{'service_providers': [...], 'groups': [...], 'users': [...], 'errors': {...}, 'counts': {...}}``.

    Items are what the ClearIP modules take: Service Providers ``{name}``, Groups
    ``{name, service_provider}``, Users ``{name, user_id, group}``. ``errors`` has a
    list of ``{name, reason}`` per tier and for ``connections``. Each reason names the object and
    the rule it breaks. A record with an error is left out of its tier, and so are its children.

    A record carrying ``problem`` (a malformed NetSapiens record, see ``netsapiens.normalize_record``)
    is an error of its own tier with ``problem`` as the reason: a reseller's is a Service Provider
    error (so the Groups tier waits, as for any Service Provider error; under ``no_resellers``, which
    makes nothing of resellers, it is ignored), a domain's a Group error (its users wait), a user's a
    User error, a connection's a connection error. The others are planned as usual.
    """
    naming = IdentifierScheme(scheme, service_provider)
    filtered = bool(include_domains or exclude_domains)
    errors = dict((tier, []) for tier in TIERS + ('connections',))

    reseller_names = set()
    bad_resellers = set()
    for record in resellers:
        name = record.get('name') or ''
        if record.get('problem'):
            if naming.uses_resellers:
                errors['service_providers'].append(_error(_malformed_label('reseller', record), record['problem']))
            if name:
                reseller_names.add(name)
                bad_resellers.add(name)
            continue
        reseller_names.add(name)
        problem = validate_name('reseller', name) if naming.uses_resellers else None
        if problem:
            bad_resellers.add(name)
            errors['service_providers'].append(_error(name, problem))

    domain_reseller = {}
    groups = []
    wanted_resellers = set()
    for record in domains:
        name = record.get('name') or ''
        reseller = record.get('reseller') or ''
        if record.get('problem'):
            if name:
                domain_reseller[name] = None     # its users cannot be placed either
                if not select_domain(name, include_domains, exclude_domains):
                    continue
            errors['groups'].append(_error(_malformed_label('domain', record), record['problem']))
            continue
        domain_reseller[name] = reseller
        if not select_domain(name, include_domains, exclude_domains):
            continue
        problem = validate_name('domain', name)
        if naming.uses_resellers and not problem:
            if not reseller:
                problem = "domain '%s' has no reseller: give it one in NetSapiens" % name
            elif reseller not in reseller_names:
                problem = ("domain '%s' belongs to reseller '%s', which NetSapiens does not list: "
                           "fix the domain's reseller in NetSapiens" % (name, reseller))
            elif reseller in bad_resellers:
                problem = "domain '%s': its reseller '%s' has an error (see the service provider errors)" % (name, reseller)
        group = None
        if not problem:
            group = naming.group_name(name, reseller)
            problem = validate_name('group', group) if group != name else None
        if problem:
            errors['groups'].append(_error(name, problem))
            domain_reseller[name] = None     # its users cannot be placed either
            continue
        wanted_resellers.add(reseller)
        groups.append({'name': group, 'service_provider': naming.group_service_provider(name, reseller)})

    service_providers = []
    if naming.uses_resellers:
        for record in resellers:
            name = record.get('name') or ''
            if record.get('problem') or name in bad_resellers or (filtered and name not in wanted_resellers):
                continue
            service_providers.append({'name': name})
    else:
        problem = validate_name('service provider', service_provider)
        if problem:
            errors['service_providers'].append(_error(service_provider, problem))
        else:
            service_providers.append({'name': service_provider})

    wanted_users = []
    skipped_system = 0
    for record in users:
        user, domain = record.get('user') or '', record.get('domain') or ''
        if domain and domain in domain_reseller and not select_domain(domain, include_domains, exclude_domains):
            continue
        if record.get('problem'):
            errors['users'].append(_error(_malformed_label('user', record), record['problem']))
            continue
        if not include_system_users and is_system_user(record):
            skipped_system += 1
            continue
        label = '%s@%s' % (user, domain) if domain else str(user)
        if not domain:
            errors['users'].append(_error(label, "user '%s' has no domain: NetSapiens lists it without one" % user))
            continue
        if domain not in domain_reseller:
            errors['users'].append(_error(label, "user '%s' belongs to domain '%s', which NetSapiens does not list" % (user, domain)))
            continue
        reseller = domain_reseller[domain]
        if reseller is None:
            errors['users'].append(_error(label, "user '%s': its domain '%s' has an error (see the group errors)" % (label, domain)))
            continue
        problem = validate_name('user', user)
        name = naming.user_name(user, domain, reseller) if not problem else None
        if not problem:
            problem = validate_name('user', name)
        if problem:
            errors['users'].append(_error(label, problem))
            continue
        user_id = naming.user_id(user, domain, reseller)
        # One string object where two are equal, and one per Group: a plan of 100,000 Users stays small.
        wanted_users.append({'name': name, 'user_id': name if user_id == name else user_id,
                             'group': sys.intern(naming.user_group(domain, reseller))})

    for record in connections:
        name, domain = record.get('name') or '', record.get('domain') or ''
        if record.get('problem'):
            errors['connections'].append(_error(_malformed_label('connection', record), record['problem']))
        elif not domain:
            errors['connections'].append(_error(name, "connection '%s' has no domain: give it one in NetSapiens" % name))
        elif domain not in domain_reseller:
            errors['connections'].append(_error(name, "connection '%s' belongs to domain '%s', which NetSapiens does not list"
                                                % (name, domain)))

    return {
        'service_providers': service_providers,
        'groups': groups,
        'users': wanted_users,
        'errors': errors,
        'counts': {'resellers': len(resellers), 'domains': len(domains), 'users': len(users),
                   'connections': len(connections), 'system_users_skipped': skipped_system,
                   'malformed': sum(1 for r in list(resellers) + list(domains) + list(users) + list(connections) if r.get('problem'))},
    }
