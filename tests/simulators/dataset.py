# -*- coding: utf-8 -*-
# Copyright: (c) 2026, clearip.netsapiens contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Deterministic test datasets for the NetSapiens and ClearIP simulators.

``make_dataset`` builds the whole dataset dict both simulators take (see the common layout in
``tests/simulators/netsapiens.py`` and ``tests/simulators/clearip.py``). The same arguments and
seed always give the same dataset, byte for byte once written with ``write_dataset``.

Shape of what it makes:

- resellers get ``domains`` spread over them in contiguous blocks (domain i belongs to reseller
  ``i * resellers // domains``), and users are spread over domains the same way, so "the first k"
  resellers, domains and users of the dataset always form a consistent subtree;
- ``users`` ordinary users plus ``system_users`` system users (``service-code`` starting with
  ``system-``), the latter appended after the ordinary ones;
- one connection per domain by default (``connections=None``); an integer gives that many,
  dealt round-robin over the domains;
- every name is valid under the contract's name rules (``is_valid_name``);
- every domain has a dial plan named after the domain (as NetSapiens names a domain's default plan)
  with one rule that routes US numbers to its ClearIP connection (``clearip_dialrule``), so that the
  ``user_id_header`` entry point has a rule to configure: list them with ``user_id_header_rules``;
- the default credentials below, and one active ClearIP account tied to one Operator
  (``multi_operator=True`` gives an account with a blank Operator instead);
- ``clearip_existing={"service_providers": k, "groups": k, "users": k}`` pre-creates ClearIP
  objects for the first k resellers / domains / users under the ``plain`` scheme
  (Service Provider name = reseller, Group name = domain, User name and userId = user@domain).
"""

from __future__ import annotations

import json
import random
import re
import uuid

# Default credentials every generated dataset carries (test values, not secrets).
NS_CLIENT_ID = 'sim-client'
NS_CLIENT_SECRET = 'sim-client-secret'
NS_USERNAME = 'api@sim.example'
NS_PASSWORD = 'sim-api-password'
NS_API_KEY = 'nss_simulatorapikey0000000000000000'
CIP_EMAIL = 'api@clearip.example'
CIP_PASSWORD = 'sim-clearip-password'
CIP_OPERATOR_NAME = 'Sim Operator'

CONNECTION_ADDRESS = '198.51.100.7'       # TEST-NET-2: the ClearIP SBC every domain routes to
EXTRA_CONNECTION_PREFIX = '203.0.113.'   # TEST-NET-3: other connections, when more than one per domain
BASE_TIMESTAMP_MS = 1767225600000         # 2026-01-01T00:00:00Z, so createdAt never depends on the clock

# The dial rule each domain routes calls to ClearIP with; the fields are those a v2 create needs
# (dial-rule-matching-to-uri, dial-rule-translation-destination-user) plus the usual routing ones.
DIALRULE_TO_URI = 'sip:1??????????@*'
DIALRULE_APPLICATION = 'to-connection'

NAME_PATTERN = re.compile(r'^[A-Za-z0-9 #*+@.,\-_]{1,255}\Z')

_WORDS = ('alpha', 'bravo', 'cedar', 'delta', 'ember', 'falcon', 'granite', 'harbor', 'iris', 'juniper',
          'kestrel', 'lumen', 'maple', 'nimbus', 'onyx', 'pioneer', 'quartz', 'raven', 'summit', 'tundra',
          'umber', 'vertex', 'willow', 'xenon', 'yarrow', 'zephyr')
_FIRST_NAMES = ('Ann', 'Ben', 'Chloe', 'Dev', 'Elena', 'Farid', 'Grace', 'Hiro', 'Ines', 'Jamal', 'Kira', 'Liam',
                'Mei', 'Noah', 'Olga', 'Pedro', 'Quinn', 'Rosa', 'Sami', 'Tara')
_LAST_NAMES = ('Lee', 'Smith', 'Garcia', 'Okafor', 'Novak', 'Chen', 'Haddad', 'Kowalski', 'Silva', 'Mori',
               'Brown', 'Dubois', 'Ivanova', 'Khan', 'Murphy', 'Nguyen', 'Rossi', 'Sato', 'Weber', 'Young')
_SYSTEM_CODES = ('system-aa', 'system-vmail', 'system-queue', 'system-conference')
_RESELLER_SUFFIXES = ('Voice', 'Telecom', 'Networks', 'Comms', 'Cloud PBX')


def is_valid_name(name):
    """True when ``name`` obeys the contract: < 256 characters of letters, digits, space and ``# * + @ . , - _``."""
    return isinstance(name, str) and bool(NAME_PATTERN.match(name))


def _uuid(rng):
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def _block_owner(index, owners, items):
    """Index of the owner of item ``index`` when ``items`` are split in contiguous blocks over ``owners``."""
    return index * owners // items


def make_dataset(resellers=3, domains=30, users=300, connections=None, seed=0, system_users=0,
                 clearip_existing=None, multi_operator=False):
    """Return a dataset dict for both simulators; see the module docstring."""
    if resellers < 1 and domains > 0:
        raise ValueError('domains need at least one reseller')
    if domains < 1 and users + system_users > 0:
        raise ValueError('users need at least one domain')
    rng = random.Random(seed)
    prefix = rng.choice(_WORDS)

    reseller_names = []
    for index in range(resellers):
        reseller_names.append('%s %s %s %03d' % (prefix.capitalize(), rng.choice(_WORDS).capitalize(),
                                                 rng.choice(_RESELLER_SUFFIXES), index + 1))
    ns_resellers = [{'reseller': name, 'description': 'Reseller %d of seed %d' % (i + 1, seed)}
                    for i, name in enumerate(reseller_names)]

    ns_domains = []
    for index in range(domains):
        name = '%s-%s%03d.example' % (rng.choice(_WORDS), prefix, index + 1)
        ns_domains.append({'domain': name, 'reseller': reseller_names[_block_owner(index, resellers, domains)],
                           'description': 'Domain %d' % (index + 1)})

    ns_users = []
    next_extension = {}
    for index in range(users):
        domain = ns_domains[_block_owner(index, domains, users)]['domain']
        extension = next_extension.get(domain, 100)
        next_extension[domain] = extension + 1
        ns_users.append(_ns_user(str(extension), domain, rng.choice(_FIRST_NAMES), rng.choice(_LAST_NAMES), ''))
    for index in range(system_users):
        domain = ns_domains[index % domains]['domain']
        code = _SYSTEM_CODES[index % len(_SYSTEM_CODES)]
        ns_users.append(_ns_user('8%03d' % index, domain, code.split('-', 1)[1].capitalize(), 'System', code))

    ns_connections = []
    count = domains if connections is None else connections
    for index in range(count):
        domain = ns_domains[index % domains]['domain']
        if index < domains:
            address, description = CONNECTION_ADDRESS, 'ClearIP'
        else:
            address, description = EXTRA_CONNECTION_PREFIX + str(1 + (index // domains - 1) % 254), 'Carrier'
        ns_connections.append({'connection-orig-match-pattern': 'sip*@%s' % address, 'domain': domain,
                               'connection-address': address, 'description': description})

    ns_dialrules = [clearip_dialrule(d['domain']) for d in ns_domains]

    operator_id = _uuid(rng)
    dataset = {
        'netsapiens': {
            'resellers': ns_resellers,
            'domains': ns_domains,
            'users': ns_users,
            'connections': ns_connections,
            'dialrules': ns_dialrules,
            'oauth_clients': [{'client_id': NS_CLIENT_ID, 'client_secret': NS_CLIENT_SECRET}],
            'api_users': [{'username': NS_USERNAME, 'password': NS_PASSWORD}],
            'api_keys': [NS_API_KEY],
        },
        'clearip': {
            'operators': [{'id': operator_id, 'name': CIP_OPERATOR_NAME}],
            'accounts': [{'email': CIP_EMAIL, 'password': CIP_PASSWORD, 'state': 'active',
                          'operator': None if multi_operator else operator_id}],
            'serviceProviders': [],
            'groups': [],
            'users': [],
        },
    }
    if clearip_existing:
        _add_existing(dataset, rng, operator_id, clearip_existing)
    return dataset


def clearip_dialrule(domain):
    """The rule of ``domain``'s dial plan (named after the domain) that routes US numbers to the ClearIP connection,
    as the NetSapiens simulator stores it (v2 field names plus ``domain`` and ``dialplan``)."""
    return {'domain': domain, 'dialplan': domain, 'dial-rule-matching-to-uri': DIALRULE_TO_URI,
            'dial-rule-matching-from-uri': '*', 'dial-rule-application': DIALRULE_APPLICATION, 'dial-rule-parameter': '',
            'dial-rule-translation-destination-user': '[*]',
            'dial-rule-translation-destination-host': CONNECTION_ADDRESS, 'dial-rule-description': 'Route to ClearIP',
            'enabled': 'yes'}


def user_id_header_rules(dataset, limit=None):
    """``subscriber_sync_user_id_header_rules`` for the ClearIP rules of ``dataset`` (the first ``limit`` domains)."""
    rules = [r for r in dataset['netsapiens'].get('dialrules', []) if r.get('dial-rule-translation-destination-host') == CONNECTION_ADDRESS]
    return [{'domain': r['domain'], 'dialplan': r['dialplan'], 'matching': r['dial-rule-matching-to-uri']} for r in rules[:limit]]


def _ns_user(user, domain, first, last, service_code):
    return {'user': user, 'domain': domain, 'name-first-name': first, 'name-last-name': last,
            'service-code': service_code, 'login-username': '%s@%s' % (user, domain)}


def _add_existing(dataset, rng, operator_id, existing):
    unknown = sorted(set(existing) - set(('service_providers', 'groups', 'users')))
    if unknown:
        raise ValueError('unknown clearip_existing keys: %s' % ', '.join(unknown))
    ns = dataset['netsapiens']
    cip = dataset['clearip']
    stamp = [BASE_TIMESTAMP_MS]

    def record(**fields):
        stamp[0] += 1000
        fields.update({'id': _uuid(rng), 'status': 'active', 'comment': 'pre-existing', 'operator': operator_id,
                       'createdAt': stamp[0], 'updatedAt': stamp[0]})
        return fields

    sp_ids = {}
    for item in ns['resellers'][:existing.get('service_providers', 0)]:
        sp = record(name=item['reseller'])
        sp_ids[item['reseller']] = sp['id']
        cip['serviceProviders'].append(sp)

    group_ids = {}
    for item in ns['domains'][:existing.get('groups', 0)]:
        if item['reseller'] not in sp_ids:
            raise ValueError('clearip_existing: group %r needs the service provider of reseller %r; '
                             'pre-create more service providers' % (item['domain'], item['reseller']))
        group = record(name=item['domain'], serviceProvider=sp_ids[item['reseller']])
        group_ids[item['domain']] = group['id']
        cip['groups'].append(group)

    for item in ns['users'][:existing.get('users', 0)]:
        if item['domain'] not in group_ids:
            raise ValueError('clearip_existing: user %s@%s needs the group of its domain; pre-create more groups'
                             % (item['user'], item['domain']))
        user_id = '%s@%s' % (item['user'], item['domain'])
        cip['users'].append(record(name=user_id, userId=user_id, group=group_ids[item['domain']]))


def vendor_config(dataset, netsapiens_url, clearip_url):
    """The vendor binary's config.json for simulators serving ``dataset`` (plus ``clearip.url``, which the
    vendor's file lacks, pointing at the ClearIP simulator)."""
    client = dataset['netsapiens']['oauth_clients'][0]
    api_user = dataset['netsapiens']['api_users'][0]
    account = dataset['clearip']['accounts'][0]
    return {
        'netsapiens': {'host': netsapiens_url, 'clientId': client['client_id'], 'clientSecret': client['client_secret'],
                       'username': api_user['username'], 'password': api_user['password']},
        'clearip': {'url': clearip_url, 'email': account['email'], 'password': account['password']},
    }


def write_dataset(path, dataset):
    """Write ``dataset`` as JSON (stable key order, so equal datasets give equal files)."""
    with open(path, 'w', encoding='utf-8') as handle:
        json.dump(dataset, handle, indent=1, sort_keys=True)
        handle.write('\n')


def load_dataset(path):
    """Read a dataset written by ``write_dataset``."""
    with open(path, 'r', encoding='utf-8') as handle:
        return json.load(handle)
