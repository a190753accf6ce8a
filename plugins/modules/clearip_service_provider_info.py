#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, clearip.netsapiens contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r'''
---
module: clearip_service_provider_info
short_description: List ClearIP Service Providers, with filters
version_added: 0.1.0
description:
  - Reads the ClearIP Service Providers visible to the account (of the O(operator) when set), every page, and returns those that
    pass the filters, sorted by name.
  - Filters given together must all match. O(name) and the parent filter are sent to ClearIP; the others are applied to
    what was read, so they work the same on any server.
  - Changes nothing in ClearIP.
author:
  - clearip.netsapiens contributors (@clearip)
extends_documentation_fragment:
  - clearip.netsapiens.clearip
  - clearip.netsapiens.clearip.info
  - clearip.netsapiens.records_dest
  - clearip.netsapiens.attributes
  - clearip.netsapiens.attributes.info_module
'''

EXAMPLES = r'''
- name: One Service Provider by name
  clearip.netsapiens.clearip_service_provider_info:
    email: api@example.com
    password: "{{ clearip_password }}"
    name: Acme Voice
  register: found

- name: The Service Providers created by the sync in January 2026
  clearip.netsapiens.clearip_service_provider_info:
    email: api@example.com
    password: "{{ clearip_password }}"
    comment_contains: Created by clearip.netsapiens sync
    created_after: "2026-01-01"
    created_before: "2026-02-01"
  register: new_sps
'''

RETURN = r'''
service_providers:
  description: The Service Providers that passed the filters, sorted by name. Not returned when O(dest) is set.
  returned: success and O(dest) is not set
  type: list
  elements: dict
  contains:
    id:
      description: The object's id (a UUID).
      type: str
      sample: 0b9f8e52-1c1d-4e8a-9a7e-3f6f5a1c2b3d
    name:
      description: The name.
      type: str
      sample: Acme Voice
    status:
      description: V(active) or V(inactive), as ClearIP gives it.
      type: str
      sample: active
    comment:
      description: The comment, as ClearIP gives it.
      type: str
      sample: Created by clearip.netsapiens sync from pbx.example.com
    created_at:
      description: When it was created, in Unix milliseconds (ClearIP C(createdAt)).
      type: int
      sample: 1767225600000
    updated_at:
      description: When it was last changed, in Unix milliseconds (ClearIP C(updatedAt)).
      type: int
      sample: 1767225600000
count:
  description: How many Service Provider passed the filters.
  returned: success
  type: int
  sample: 2
dest:
  description: The absolute path of the file the records were written to.
  returned: when O(dest) is set
  type: str
  sample: /var/tmp/clearip-service_providers.json
operator:
  description: The Operator acted for, when O(operator) is set.
  returned: when O(operator) is set
  type: dict
  sample: {id: 6f1c2a52-0b7e-4c53-9a0e-5c1f7e2d9a01, name: Example Operator}
'''

from ansible_collections.clearip.netsapiens.plugins.module_utils._clearip_module import INFO_RULES, info_options, run_info_module
from ansible_collections.clearip.netsapiens.plugins.module_utils._kinds import SERVICE_PROVIDER
from ansible_collections.clearip.netsapiens.plugins.module_utils._module import CollectionModule


def main():
    module = CollectionModule(argument_spec=info_options(SERVICE_PROVIDER), **INFO_RULES)
    run_info_module(module, SERVICE_PROVIDER)


if __name__ == '__main__':
    main()
