#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, clearip.netsapiens contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r'''
---
module: subscriber_sync_drift
short_description: Find the ClearIP objects of the sync that NetSapiens no longer backs
version_added: 0.1.0
description:
  - Compares the NetSapiens resellers, domains and users (files written by the C(netsapiens_*_info) modules) with the
    ClearIP Service Providers, Groups and Users (files written by the C(clearip_*_info) modules' O(clearip.netsapiens.clearip_user_info#module:dest),
    or kept by the create modules with O(clearip.netsapiens.clearip_user#module:listing_dir)) and returns, per tier, the
    ClearIP objects under the sync's scope that are C(gone) (their reseller, domain or user is no longer in NetSapiens)
    or C(moved) (their domain now belongs to another reseller than their ClearIP parent stands for).
  - "The scope is what this collection would have created under O(identifier_scheme): Service Providers (any, under
    V(plain) and V(unique); none under V(no_resellers)); Groups named after a domain (V(domain@reseller) of their own
    Service Provider under V(unique); only under O(service_provider) with V(no_resellers)); Users under such a Group named
    V(<user>@<the Group's name>) whose User ID is their name. With O(include_domains) or O(exclude_domains), only Groups
    whose domain the filters keep (and their Users, and the Service Providers that hold such a Group). With
    O(require_comment), only objects that carry the comment the sync writes (each by its own comment). See docs/drift.md."
  - Talks to no API and changes nothing; it only reads files. Large platforms (100,000 users) pass through files.
  - For playbooks that compose the sync from the single-purpose modules. The M(clearip.netsapiens.subscriber_sync) role computes
    the same drift inside M(clearip.netsapiens.subscriber_sync_run), from the listings it already holds.
author:
  - clearip.netsapiens contributors (@clearip)
extends_documentation_fragment:
  - clearip.netsapiens.sync_scope
attributes:
  check_mode:
    description: Runs the same in check mode; it reads files and changes nothing.
    support: full
  diff_mode:
    description: Nothing to show; it changes nothing.
    support: none
options:
  resellers_src:
    description: JSON file of NetSapiens resellers (V(name)), as written by M(clearip.netsapiens.netsapiens_reseller_info).
    type: path
    required: true
  domains_src:
    description: JSON file of NetSapiens domains (V(name), V(reseller)), as written by M(clearip.netsapiens.netsapiens_domain_info).
    type: path
    required: true
  users_src:
    description: JSON file of NetSapiens users (V(user), V(domain)), as written by M(clearip.netsapiens.netsapiens_user_info).
    type: path
    required: true
  clearip_service_providers_src:
    description:
      - JSON file of ClearIP Service Providers (V(id), V(name), V(comment)), as written by
        M(clearip.netsapiens.clearip_service_provider_info).
    type: path
    required: true
  clearip_groups_src:
    description:
      - JSON file of ClearIP Groups (V(id), V(name), V(service_provider_id), V(comment)), as written by
        M(clearip.netsapiens.clearip_group_info).
    type: path
    required: true
  clearip_users_src:
    description:
      - JSON file of ClearIP Users (V(id), V(name), V(group_id), V(user_id), V(comment)), as written by
        M(clearip.netsapiens.clearip_user_info).
    type: path
    required: true
  require_comment:
    description:
      - Only objects whose comment is the one the sync writes (V(Created by clearip.netsapiens sync), optionally followed
        by V( from <source>)) are in scope, so objects made by hand are never reported whatever their names.
    type: bool
    default: false
'''

EXAMPLES = r'''
- name: Find what ClearIP holds that NetSapiens no longer has
  clearip.netsapiens.subscriber_sync_drift:
    resellers_src: /tmp/sync/resellers.json
    domains_src: /tmp/sync/domains.json
    users_src: /tmp/sync/users.json
    clearip_service_providers_src: /tmp/sync/clearip-service_providers.json
    clearip_groups_src: /tmp/sync/clearip-groups.json
    clearip_users_src: /tmp/sync/clearip-users.json
    identifier_scheme: unique
    require_comment: true
  register: drift
'''

RETURN = r'''
drift:
  description:
    - Per tier (V(service_providers), V(groups), V(users)) the lists V(gone) and V(moved) and the count V(in_scope) of
      ClearIP objects that were compared.
    - Each entry has V(id), V(name), V(parent) (the ClearIP parent's name; null for Service Providers), V(parent_id) and
      V(reason); moved ones also V(netsapiens_parent), the parent their NetSapiens source implies now; Users also V(user_id).
    - Lists are sorted by parent, then name.
  returned: success
  type: dict
  sample:
    service_providers:
      gone: [{id: 0b9f8e52-1c1d-4e8a-9a7e-3f6f5a1c2b3d, name: Old Reseller, parent: null, parent_id: null,
              reason: "NetSapiens has no reseller 'Old Reseller'"}]
      moved: []
      in_scope: 12
    groups:
      gone: []
      moved: [{id: 5d0c6f0e-8a43-4a36-9d6d-1d2f3c4b5a69, name: d1.example, parent: R1, parent_id: 1a2b3c4d-0000-4000-8000-000000000001,
               netsapiens_parent: R2, reason: "NetSapiens domain 'd1.example' belongs to reseller 'R2' now"}]
      in_scope: 300
    users:
      gone: [{id: 7e6d5c4b-0000-4000-8000-000000000001, name: 100@d2.example, user_id: 100@d2.example, parent: d2.example,
              parent_id: 2b3c4d5e-0000-4000-8000-000000000002, reason: "NetSapiens domain 'd2.example' has no user '100'"}]
      moved: []
      in_scope: 20000
counts:
  description: Per tier V(gone), V(moved) and V(in_scope) counts, and V(total) (gone plus moved over every tier).
  returned: success
  type: dict
  sample: {service_providers: {gone: 1, moved: 0, in_scope: 12}, groups: {gone: 0, moved: 1, in_scope: 300},
           users: {gone: 1, moved: 0, in_scope: 20000}, total: 3}
scope:
  description: The settings that decided the scope, as given.
  returned: success
  type: dict
  sample: {identifier_scheme: plain, service_provider: null, include_domains: [], exclude_domains: [], require_comment: false}
'''

import json

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.clearip.netsapiens.plugins.module_utils.drift import compute_drift
from ansible_collections.clearip.netsapiens.plugins.module_utils.sync import SchemeError


def load_records(module, option, required_fields):
    path = module.params[option]
    try:
        with open(path) as handle:
            records = json.load(handle)
    except (IOError, OSError, ValueError) as exc:
        module.fail_json(msg='cannot read %s %s: %s' % (option, path, exc))
    if not isinstance(records, list):
        module.fail_json(msg='%s %s does not hold a JSON list' % (option, path))
    for index, record in enumerate(records):
        missing = [field for field in required_fields if not isinstance(record, dict) or field not in record]
        if missing:
            module.fail_json(msg='record #%d of %s %s has no %s: %s' % (index, option, path, ', '.join(missing), json.dumps(record)[:200]))
    return records


def main():
    module = AnsibleModule(
        argument_spec=dict(
            resellers_src=dict(type='path', required=True),
            domains_src=dict(type='path', required=True),
            users_src=dict(type='path', required=True),
            clearip_service_providers_src=dict(type='path', required=True),
            clearip_groups_src=dict(type='path', required=True),
            clearip_users_src=dict(type='path', required=True),
            identifier_scheme=dict(type='str', default='plain', choices=['plain', 'unique', 'no_resellers']),
            service_provider=dict(type='str'),
            include_domains=dict(type='list', elements='str', default=[]),
            exclude_domains=dict(type='list', elements='str', default=[]),
            require_comment=dict(type='bool', default=False),
        ),
        required_if=[('identifier_scheme', 'no_resellers', ('service_provider',))],
        supports_check_mode=True,
    )
    params = module.params
    try:
        drift = compute_drift(
            load_records(module, 'resellers_src', ('name',)),
            load_records(module, 'domains_src', ('name', 'reseller')),
            load_records(module, 'users_src', ('user', 'domain')),
            load_records(module, 'clearip_service_providers_src', ('id', 'name')),
            load_records(module, 'clearip_groups_src', ('id', 'name', 'service_provider_id')),
            load_records(module, 'clearip_users_src', ('id', 'name', 'group_id', 'user_id')),
            scheme=params['identifier_scheme'], service_provider=params['service_provider'],
            include_domains=params['include_domains'], exclude_domains=params['exclude_domains'],
            require_comment=params['require_comment'])
    except SchemeError as exc:
        module.fail_json(msg=str(exc))
    counts = drift.pop('counts')
    scope_keys = ('identifier_scheme', 'service_provider', 'include_domains', 'exclude_domains', 'require_comment')
    scope = dict((key, params[key]) for key in scope_keys)
    module.exit_json(changed=False, drift=drift, counts=counts, scope=scope)


if __name__ == '__main__':
    main()
