#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, clearip.netsapiens contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r'''
---
module: subscriber_sync_plan
short_description: Turn NetSapiens records into the ClearIP items of each sync tier
version_added: 0.1.0
description:
  - Reads the NetSapiens resellers, domains, users and connections that the C(netsapiens_*_info) modules
    wrote with their O(clearip.netsapiens.netsapiens_user_info#module:dest) option, checks them as the vendor's
    sync binary does, applies the identifier scheme and the domain filters, and writes one JSON file per
    ClearIP tier (Service Providers, Groups, Users) for the C(clearip_*) modules' O(clearip.netsapiens.clearip_user#module:src) option.
  - Errors name the object and the rule it breaks; a record with an error is left out of its tier, and so are its
    children.
  - A malformed record (one the info modules returned with a V(problem), or one in a source file that is not an object
    or lacks text in a field the sync needs) is an error of its own tier, never a failure of the whole module. A reseller's
    is a Service Provider error, a domain's a Group error (its users wait), a user's a User error, a connection's a
    connection error. The other records are planned as usual. Whether a Group exists under another Service Provider (a moved domain) is decided by
    M(clearip.netsapiens.clearip_group), which sees ClearIP.
  - Talks to no API. Large platforms (100,000 users) pass through files, not Ansible variables.
  - For playbooks that compose the sync from the single-purpose modules (read, plan, create each tier). The
    M(clearip.netsapiens.subscriber_sync) role does the same planning inside M(clearip.netsapiens.subscriber_sync_run), in memory.
author:
  - clearip.netsapiens contributors (@clearip)
extends_documentation_fragment:
  - clearip.netsapiens.sync_scope
attributes:
  check_mode:
    description:
      - Runs the same in check mode. It reads files and writes only the plan files under O(dest_dir), which change nothing
        anywhere, so that a dry run of the sync can predict every tier.
    support: full
  diff_mode:
    description: Nothing to show; it changes nothing.
    support: none
options:
  resellers_src:
    description: JSON file of resellers (V(name), V(description)), as written by M(clearip.netsapiens.netsapiens_reseller_info).
    type: path
    required: true
  domains_src:
    description: JSON file of domains (V(name), V(reseller)), as written by M(clearip.netsapiens.netsapiens_domain_info).
    type: path
    required: true
  users_src:
    description: JSON file of users (V(user), V(domain), V(service_code)), as written by M(clearip.netsapiens.netsapiens_user_info).
    type: path
    required: true
  connections_src:
    description: JSON file of connections (V(name), V(domain)), as written by M(clearip.netsapiens.netsapiens_connection_info).
    type: path
    required: true
  dest_dir:
    description:
      - Existing directory where C(service_providers.json), C(groups.json) and C(users.json) are written (mode 0600).
    type: path
    required: true
  include_system_users:
    description: Whether users whose service code starts with C(system-) are synced, as the vendor binary does.
    type: bool
    default: true
'''

EXAMPLES = r'''
- name: Plan the tiers from the files the info modules wrote
  clearip.netsapiens.subscriber_sync_plan:
    resellers_src: /tmp/sync/resellers.json
    domains_src: /tmp/sync/domains.json
    users_src: /tmp/sync/users.json
    connections_src: /tmp/sync/connections.json
    dest_dir: /tmp/sync
    identifier_scheme: unique
    exclude_domains:
      - "*.test"
  register: plan
'''

RETURN = r'''
files:
  description: The plan file of each tier, for the C(clearip_*) modules' O(clearip.netsapiens.clearip_user#module:src).
  returned: success
  type: dict
  sample: {service_providers: /tmp/sync/service_providers.json, groups: /tmp/sync/groups.json, users: /tmp/sync/users.json}
errors:
  description: Per tier (and for C(connections)), the records that cannot be synced, each with the reason.
  returned: always
  type: dict
  sample: {service_providers: [], groups: [{name: "a/b.example", reason: "domain 'a/b.example': name has characters ..."}], users: [], connections: []}
counts:
  description: How many NetSapiens records were read and how many items each tier wants.
  returned: success
  type: dict
  sample: {resellers: 3, domains: 30, users: 300, connections: 30, system_users_skipped: 0, malformed: 0,
           service_providers_wanted: 3, groups_wanted: 30, users_wanted: 300}
'''

import json
import os

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.clearip.netsapiens.plugins.module_utils.netsapiens import write_records_file
from ansible_collections.clearip.netsapiens.plugins.module_utils.subscriber_sync import TIERS, build_tiers
from ansible_collections.clearip.netsapiens.plugins.module_utils.sync import SchemeError


def load_records(module, option, required_fields):
    """The records of one file; a record that is not an object or whose ``required_fields`` are not text
    (absent, null, a number, ...) is kept with a ``problem``, so that it fails alone, in its own tier.
    Records the info modules marked malformed already carry their ``problem``."""
    path = module.params[option]
    try:
        with open(path) as handle:
            records = json.load(handle)
    except (IOError, OSError, ValueError) as exc:
        module.fail_json(msg='cannot read %s %s: %s' % (option, path, exc), errors={})
    if not isinstance(records, list):
        module.fail_json(msg='%s %s does not hold a JSON list' % (option, path), errors={})
    checked = []
    for index, record in enumerate(records, 1):
        # The info modules' position is the record's place in its NetSapiens list; a problem found here, its place in the file.
        position = record.get('position') if isinstance(record, dict) and record.get('problem') else index
        if not isinstance(record, dict):
            record = {'problem': 'record #%d of %s %s is not an object: %s' % (index, option, path, json.dumps(record)[:200])}
        elif not record.get('problem'):
            bad = [field for field in required_fields if not isinstance(record.get(field), str)]
            if bad:
                record = dict(record, problem='record #%d of %s %s has no text in %s: %s'
                              % (index, option, path, ', '.join(bad), json.dumps(record, sort_keys=True)[:200]))
        if record.get('problem'):
            # Only text reaches the planner, whatever the file held.
            record = dict((key, value if isinstance(value, str) else '') for key, value in record.items() if key != 'position')
            record['position'] = position
        checked.append(record)
    return checked


def main():
    module = AnsibleModule(
        argument_spec=dict(
            resellers_src=dict(type='path', required=True),
            domains_src=dict(type='path', required=True),
            users_src=dict(type='path', required=True),
            connections_src=dict(type='path', required=True),
            dest_dir=dict(type='path', required=True),
            identifier_scheme=dict(type='str', default='plain', choices=['plain', 'unique', 'no_resellers']),
            service_provider=dict(type='str'),
            include_domains=dict(type='list', elements='str', default=[]),
            exclude_domains=dict(type='list', elements='str', default=[]),
            include_system_users=dict(type='bool', default=True),
        ),
        required_if=[('identifier_scheme', 'no_resellers', ('service_provider',))],
        supports_check_mode=True,
    )
    params = module.params
    if not os.path.isdir(params['dest_dir']):
        module.fail_json(msg='dest_dir %s is not a directory' % params['dest_dir'], errors={})
    try:
        tiers = build_tiers(
            load_records(module, 'resellers_src', ('name',)),
            load_records(module, 'domains_src', ('name', 'reseller')),
            load_records(module, 'users_src', ('user', 'domain')),
            load_records(module, 'connections_src', ('name', 'domain')),
            scheme=params['identifier_scheme'], service_provider=params['service_provider'],
            include_domains=params['include_domains'], exclude_domains=params['exclude_domains'],
            include_system_users=params['include_system_users'])
    except SchemeError as exc:
        module.fail_json(msg=str(exc), errors={})

    files = {}
    counts = dict(tiers['counts'])
    for tier in TIERS:
        files[tier] = write_records_file(os.path.join(params['dest_dir'], '%s.json' % tier), tiers[tier])
        counts['%s_wanted' % tier] = len(tiers[tier])
    module.exit_json(changed=False, files=files, errors=tiers['errors'], counts=counts)


if __name__ == '__main__':
    main()
