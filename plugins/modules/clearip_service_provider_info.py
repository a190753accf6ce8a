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
attributes:
  check_mode:
    support: full
    description: The module only reads, so it runs normally in check mode.
  diff_mode:
    support: none
    description: The module changes nothing, so there is no difference to show.
options:
  name:
    description:
      - Return only the objects of exactly this name.
      - Sent to ClearIP as the filter C(where[name]), so only matching objects are read; checked again on what was read.
      - Mutually exclusive with O(name_pattern).
    type: str
  name_pattern:
    description:
      - Return only the objects whose name matches this shell-style pattern (C(*), C(?), C([seq])), case-sensitive.
      - Applied to what was read (the API has no pattern filter), so every Service Provider is read.
      - Mutually exclusive with O(name).
    type: str
  comment_contains:
    description:
      - Return only the objects whose comment contains this text (case-sensitive), for example
        V(Created by clearip.netsapiens sync) for the objects this collection created.
      - Applied to what was read.
    type: str
  created_after:
    description:
      - Return only the objects created at or after this time.
      - Unix milliseconds (as ClearIP gives C(createdAt)), or an ISO 8601 date or date-time such as V(2026-01-31) or
        V(2026-01-31T12:00:00Z); without an offset it is UTC.
      - Applied to what was read. An object without C(createdAt) is left out when this or O(created_before) is set.
    type: str
  created_before:
    description:
      - Return only the objects created before this time (strictly), in the same forms as O(created_after).
      - Applied to what was read.
    type: str
  dest:
    description:
      - Write the records as a JSON list to this file (mode C(0600), replaced atomically) and return only RV(count).
      - For large listings, so that the records need not pass through Ansible variables.
      - The file is written in check mode too, because it is the module's output, not a change to a managed system.
    type: path
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

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.clearip.netsapiens.plugins.module_utils import clearip_info
from ansible_collections.clearip.netsapiens.plugins.module_utils import sync


def main():
    module = AnsibleModule(argument_spec=clearip_info.info_argument_spec(sync.SERVICE_PROVIDER), supports_check_mode=True,
                           mutually_exclusive=clearip_info.INFO_MUTUALLY_EXCLUSIVE)
    clearip_info.run_info_module(module, sync.SERVICE_PROVIDER)


if __name__ == '__main__':
    main()
