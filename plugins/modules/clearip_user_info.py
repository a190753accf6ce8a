#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, clearip.netsapiens contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r'''
---
module: clearip_user_info
short_description: List ClearIP Users, with filters
version_added: 0.1.0
description:
  - Reads the ClearIP Users visible to the account (of the O(operator) when set), every page, and returns those that
    pass the filters, sorted by name.
  - Each User comes with its Group by id and by name (the Groups are listed once for that) and its User ID, which is
    what NetSapiens sends as X-User-Id.
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
options:
  group:
    description:
      - Return only the Users under the Group of this name (under each of them, if several have it).
      - Sent to ClearIP as the filter C(where[group]) with that Group's id; checked again on what was read.
    type: str
'''

EXAMPLES = r'''
- name: One User by name
  clearip.netsapiens.clearip_user_info:
    email: api@example.com
    password: "{{ clearip_password }}"
    name: 100@acme.example.com
  register: found

- name: Every User, to a file (large platforms)
  clearip.netsapiens.clearip_user_info:
    email: api@example.com
    password: "{{ clearip_password }}"
    dest: /var/tmp/clearip-users.json
  register: users_file

- name: The Users of one Group
  clearip.netsapiens.clearip_user_info:
    email: api@example.com
    password: "{{ clearip_password }}"
    group: acme.example.com
  register: acme_users
'''

RETURN = r'''
users:
  description: The Users that passed the filters, sorted by name. Not returned when O(dest) is set.
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
      sample: 100@acme.example.com
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
    group_id:
      description: The id of the User's Group.
      type: str
      sample: 5d0c6f0e-8a43-4a36-9d6d-1d2f3c4b5a69
    group:
      description: The name of the User's Group; null when ClearIP does not list that id.
      type: str
      sample: acme.example.com
    user_id:
      description: The User ID (what the X-User-Id header of a call must carry); empty for a Default User.
      type: str
      sample: 100@acme.example.com
count:
  description: How many User passed the filters.
  returned: success
  type: int
  sample: 2
dest:
  description: The absolute path of the file the records were written to.
  returned: when O(dest) is set
  type: str
  sample: /var/tmp/clearip-users.json
operator:
  description: The Operator acted for, when O(operator) is set.
  returned: when O(operator) is set
  type: dict
  sample: {id: 6f1c2a52-0b7e-4c53-9a0e-5c1f7e2d9a01, name: Example Operator}
'''

from ansible_collections.clearip.netsapiens.plugins.module_utils._clearip_module import INFO_RULES, info_options, run_info_module
from ansible_collections.clearip.netsapiens.plugins.module_utils._kinds import USER
from ansible_collections.clearip.netsapiens.plugins.module_utils._module import CollectionModule


def main():
    module = CollectionModule(argument_spec=info_options(USER), **INFO_RULES)
    run_info_module(module, USER)


if __name__ == '__main__':
    main()
