#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, clearip.netsapiens contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r'''
module: clearip_service_provider
short_description: Create ClearIP Service Providers that do not exist yet
version_added: 0.1.0
description:
  - Makes sure ClearIP holds a Service Provider of each given name, creating the missing ones with status V(active).
  - Create only; an existing Service Provider is left as it is, and nothing is ever deleted.
  - Takes one Service Provider (O(name)), a list (O(service_providers)) or a JSON file (O(src)).
author:
  - clearip.netsapiens contributors (@clearip)
extends_documentation_fragment:
  - clearip.netsapiens.clearip
  - clearip.netsapiens.clearip.create
  - clearip.netsapiens.attributes
attributes:
  check_mode:
    description: Can run in check mode and return the Service Providers it would create, without creating any.
    support: full
  diff_mode:
    description: Returns the requested names that exist before and after the run, one a line, so the diff lists the added names.
    support: full
options:
  name:
    description:
      - Name of one Service Provider.
      - Mutually exclusive with O(service_providers) and O(src).
    type: str
  comment:
    description:
      - Comment of each created Service Provider that has no comment of its own.
      - Defaults to the comment described at O(comment_source).
    type: str
  service_providers:
    description:
      - Service Providers to have, each a name or a dictionary with the keys C(name) (required) and C(comment).
      - Mutually exclusive with O(name) and O(src).
    type: list
    elements: raw
'''

EXAMPLES = r'''
- name: One Service Provider
  clearip.netsapiens.clearip_service_provider:
    url: https://api.clearip.com
    email: api@example.com
    password: "{{ clearip_password }}"
    name: Acme Voice

- name: Every NetSapiens reseller as a Service Provider
  clearip.netsapiens.clearip_service_provider:
    email: api@example.com
    password: "{{ clearip_password }}"
    service_providers: "{{ netsapiens_resellers | map(attribute='reseller') | list }}"
    comment_source: pbx.example.com
  register: service_providers

- name: An account with a blank Operator names the Operator
  clearip.netsapiens.clearip_service_provider:
    email: multi@example.com
    password: "{{ clearip_password }}"
    operator: Example Operator
    service_providers:
      - name: Acme Voice
        comment: Main reseller
'''

RETURN = r'''
created:
  description: Names of the Service Providers created (in check mode, that would be created).
  returned: unless the whole call failed
  type: list
  elements: str
  sample: [Acme Voice]
existing:
  description: How many of the requested Service Providers already existed (a count, so large runs stay small).
  returned: unless the whole call failed
  type: int
  sample: 3
outcome_unknown:
  description:
    - Names of Service Providers whose create may or may not have taken effect (a time-out, a lost connection, a server error or an
      unreadable answer) and that a lookup, and the listing that ends the module, did not find.
      They are also in RV(failed_items); they were not sent again, so that a late commit never makes a duplicate.
      The next run finds or creates them.
  returned: unless the whole call failed
  type: list
  elements: str
failed_items:
  description:
    - Service Providers that could not be done, each with the reason.
    - The task fails when this is not empty. (It is not called C(failed) because Ansible reserves that name.)
    - Absent when the whole call failed (login refused, ClearIP unreachable, bad input), so a caller can tell the two apart.
  returned: unless the whole call failed
  type: list
  elements: dict
  contains:
    name:
      description: The requested name.
      type: str
    reason:
      description: What is wrong and how to fix it.
      type: str
  sample: [{name: "A/B", reason: "service provider 'A/B': name has characters that ClearIP does not allow: '/' ..."}]
proposed:
  description: The Service Providers the module planned to create, as it would send them.
  returned: when O(return_objects=true)
  type: list
  elements: dict
  sample: [{name: Acme Voice, status: active, comment: Created by clearip.netsapiens sync}]
end_state:
  description:
    - The Service Providers created, as ClearIP returned them (with V(id), V(createdAt), and so on).
    - In check mode, the same as RV(proposed).
  returned: when O(return_objects=true)
  type: list
  elements: dict
  sample: [{id: 0b9f8e52-1c1d-4e8a-9a7e-3f6f5a1c2b3d, name: Acme Voice, status: active, comment: Created by clearip.netsapiens sync}]
operator:
  description: The Operator acted for, when O(operator) is set.
  returned: when O(operator) is set
  type: dict
  sample: {id: 6f1c2a52-0b7e-4c53-9a0e-5c1f7e2d9a01, name: Example Operator}
diff:
  description: The requested names that exist before and after the run, one a line.
  returned: in diff mode
  type: dict
  sample:
    before: ""
    after: "Acme Voice\n"
    before_header: ClearIP service providers (of those requested)
    after_header: ClearIP service providers (of those requested)
'''

from ansible_collections.clearip.netsapiens.plugins.module_utils._clearip_module import create_options, create_rules, run_create_module
from ansible_collections.clearip.netsapiens.plugins.module_utils._kinds import SERVICE_PROVIDER
from ansible_collections.clearip.netsapiens.plugins.module_utils._module import CollectionModule


def main():
    module = CollectionModule(argument_spec=create_options(SERVICE_PROVIDER), **create_rules(SERVICE_PROVIDER))
    run_create_module(module, SERVICE_PROVIDER)


if __name__ == '__main__':
    main()
