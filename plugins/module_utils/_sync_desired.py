# -*- coding: utf-8 -*-
# Copyright: (c) 2026, clearip.netsapiens contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What NetSapiens wants in ClearIP, tier by tier, without any I/O. Internal use only.

``build_tiers`` takes the normalised NetSapiens records (as the NetSapiens client returns them),
checks them the way the vendor binary does before any write, applies the identifier scheme and the
operator's filters, and returns per tier what ClearIP should hold plus the errors found. What ClearIP
already holds (and so "domain moved") is decided later, per tier, by ``_sync_plan.plan_tier``.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import fnmatch
import sys

from ansible_collections.clearip.netsapiens.plugins.module_utils._kinds import TIERS
from ansible_collections.clearip.netsapiens.plugins.module_utils._sync_naming import IdentifierScheme, validate_name

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


def build_tiers(resellers, domains, users, connections, naming=None, include_domains=None, exclude_domains=None,
                include_system_users=True):
    """Return ``{'service_providers': [...], 'groups': [...], 'users': [...], 'errors': {...}, 'counts': {...}}``.

    ``naming``: the run's ``_sync_naming.IdentifierScheme`` (default ``plain``). Items are what
    ``_sync_apply.apply_tier`` takes: Service Providers ``{name}``, Groups ``{name, parent}`` (the
    Service Provider's name), Users ``{name, user_id, parent}`` (the Group's name). ``errors`` has a list of
    ``{name, reason}`` per tier and for ``connections``. Each reason names the object and the rule it
    breaks. A record with an error is left out of its tier, and so are its children.

    A record carrying ``problem`` (a malformed NetSapiens record, see ``_netsapiens_records.normalize_record``)
    is an error of its own tier with ``problem`` as the reason: a reseller's is a Service Provider
    error (so its domains wait; under ``no_resellers``, which makes nothing of resellers, it is
    ignored), a domain's a Group error (its users wait), a user's a User error, a connection's a
    connection error. The others are planned as usual.
    """
    naming = naming or IdentifierScheme()
    errors = dict((tier, []) for tier in TIERS + ('connections',))
    reseller_names, bad_resellers = _check_resellers(resellers, naming, errors['service_providers'])
    domain_reseller, groups, wanted_resellers = _groups(domains, naming, reseller_names, bad_resellers, include_domains,
                                                        exclude_domains, errors['groups'])
    filtered = bool(include_domains or exclude_domains)
    service_providers = _service_providers(resellers, naming, bad_resellers, wanted_resellers if filtered else None,
                                           errors['service_providers'])
    wanted_users, skipped_system = _users(users, naming, domain_reseller, include_domains, exclude_domains,
                                          include_system_users, errors['users'])
    _check_connections(connections, domain_reseller, errors['connections'])
    return {
        'service_providers': service_providers,
        'groups': groups,
        'users': wanted_users,
        'errors': errors,
        'counts': {'resellers': len(resellers), 'domains': len(domains), 'users': len(users),
                   'connections': len(connections), 'system_users_skipped': skipped_system,
                   'malformed': sum(1 for records in (resellers, domains, users, connections)
                                    for record in records if record.get('problem'))},
    }


def _check_resellers(resellers, naming, errors):
    """(every reseller name listed, the names of those with an error), adding the errors to ``errors``."""
    reseller_names = set()
    bad_resellers = set()
    for record in resellers:
        name = record.get('name') or ''
        if record.get('problem'):
            if naming.uses_resellers:
                errors.append(_error(_malformed_label('reseller', record), record['problem']))
            if name:
                reseller_names.add(name)
                bad_resellers.add(name)
            continue
        reseller_names.add(name)
        problem = validate_name('reseller', name) if naming.uses_resellers else None
        if problem:
            bad_resellers.add(name)
            errors.append(_error(name, problem))
    return reseller_names, bad_resellers


def _groups(domains, naming, reseller_names, bad_resellers, include_domains, exclude_domains, errors):
    """(reseller of each listed domain, None when its users cannot be placed; the Groups; the resellers they use)."""
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
            errors.append(_error(_malformed_label('domain', record), record['problem']))
            continue
        domain_reseller[name] = reseller
        if not select_domain(name, include_domains, exclude_domains):
            continue
        problem = _domain_problem(name, reseller, naming, reseller_names, bad_resellers)
        group = None
        if not problem:
            group = naming.group_name(name, reseller)
            problem = validate_name('group', group) if group != name else None
        if problem:
            errors.append(_error(name, problem))
            domain_reseller[name] = None     # its users cannot be placed either
            continue
        wanted_resellers.add(reseller)
        groups.append({'name': group, 'parent': naming.group_service_provider(name, reseller)})
    return domain_reseller, groups, wanted_resellers


def _domain_problem(name, reseller, naming, reseller_names, bad_resellers):
    problem = validate_name('domain', name)
    if problem or not naming.uses_resellers:
        return problem
    if not reseller:
        return "domain '%s' has no reseller: give it one in NetSapiens" % name
    if reseller not in reseller_names:
        return ("domain '%s' belongs to reseller '%s', which NetSapiens does not list: "
                "fix the domain's reseller in NetSapiens" % (name, reseller))
    if reseller in bad_resellers:
        return "domain '%s': its reseller '%s' has an error (see the service provider errors)" % (name, reseller)
    return None


def _service_providers(resellers, naming, bad_resellers, wanted_resellers, errors):
    """The Service Providers: one per good reseller (only those ``wanted_resellers`` names, when not None), or the fixed one."""
    if not naming.uses_resellers:
        problem = validate_name('service provider', naming.fixed_service_provider)
        if problem:
            errors.append(_error(naming.fixed_service_provider, problem))
            return []
        return [{'name': naming.fixed_service_provider}]
    service_providers = []
    for record in resellers:
        name = record.get('name') or ''
        if record.get('problem') or name in bad_resellers or (wanted_resellers is not None and name not in wanted_resellers):
            continue
        service_providers.append({'name': name})
    return service_providers


def _users(users, naming, domain_reseller, include_domains, exclude_domains, include_system_users, errors):
    """(the Users wanted, how many system users were left out), adding each user's error to ``errors``."""
    wanted_users = []
    skipped_system = 0
    for record in users:
        user, domain = record.get('user') or '', record.get('domain') or ''
        if domain and domain in domain_reseller and not select_domain(domain, include_domains, exclude_domains):
            continue
        if record.get('problem'):
            errors.append(_error(_malformed_label('user', record), record['problem']))
            continue
        if not include_system_users and is_system_user(record):
            skipped_system += 1
            continue
        label = '%s@%s' % (user, domain) if domain else str(user)
        problem = _user_problem(user, domain, label, domain_reseller)
        name = None
        if not problem:
            name = naming.user_name(user, domain, domain_reseller[domain])
            problem = validate_name('user', name)
        if problem:
            errors.append(_error(label, problem))
            continue
        user_id = naming.user_id(user, domain, domain_reseller[domain])
        # One string object where two are equal, and one per Group: a plan of 100,000 Users stays small.
        wanted_users.append({'name': name, 'user_id': name if user_id == name else user_id,
                             'parent': sys.intern(naming.user_group(domain, domain_reseller[domain]))})
    return wanted_users, skipped_system


def _user_problem(user, domain, label, domain_reseller):
    if not domain:
        return "user '%s' has no domain: NetSapiens lists it without one" % user
    if domain not in domain_reseller:
        return "user '%s' belongs to domain '%s', which NetSapiens does not list" % (user, domain)
    if domain_reseller[domain] is None:
        return "user '%s': its domain '%s' has an error (see the group errors)" % (label, domain)
    return validate_name('user', user)


def _check_connections(connections, domain_reseller, errors):
    for record in connections:
        name, domain = record.get('name') or '', record.get('domain') or ''
        if record.get('problem'):
            errors.append(_error(_malformed_label('connection', record), record['problem']))
        elif not domain:
            errors.append(_error(name, "connection '%s' has no domain: give it one in NetSapiens" % name))
        elif domain not in domain_reseller:
            errors.append(_error(name, "connection '%s' belongs to domain '%s', which NetSapiens does not list" % (name, domain)))
