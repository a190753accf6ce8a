#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, clearip.netsapiens contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r'''
module: clearip_user
short_description: Create ClearIP Users that do not exist yet
version_added: 0.1.0
description:
  - Makes sure ClearIP holds a User of each given name under the given Group, creating the missing ones with status
    V(active) and the given User ID.
  - The User ID is what NetSapiens sends in the X-User-Id header of a call, so that ClearIP can attribute the call to
    the User.
  - Create only; an existing User is left as it is (its User ID is not changed), and nothing is ever deleted or moved.
  - A User that exists under another Group fails with a reason.
  - Takes one User (O(name), O(user_id) and O(group)), a list (O(users)) or a JSON file (O(src)); for very large lists
    use O(src).
author:
  - clearip.netsapiens contributors (@clearip)
extends_documentation_fragment:
  - clearip.netsapiens.clearip
  - clearip.netsapiens.clearip.create
  - clearip.netsapiens.attributes
attributes:
  check_mode:
    description:
      - Can run in check mode and return the Users it would create, without creating any.
      - With O(pending_parents), Users in Groups that the same dry run would create are predicted too.
    support: full
  diff_mode:
    description: Returns the requested names that exist before and after the run, one a line, so the diff lists the added names.
    support: full
options:
  name:
    description:
      - Name of one User.
      - Mutually exclusive with O(users) and O(src); needs O(group).
    type: str
  user_id:
    description:
      - User ID of the User given by O(name); defaults to O(name).
    type: str
  group:
    description:
      - Name of the Group the User given by O(name) belongs to.
    type: str
  comment:
    description:
      - Comment of each created User that has no comment of its own.
      - Defaults to the comment described at O(comment_source).
    type: str
  users:
    description:
      - Users to have.
      - Mutually exclusive with O(name) and O(src).
    type: list
    elements: dict
    suboptions:
      name:
        description: Name of the User.
        type: str
        required: true
      user_id:
        description: User ID of the User; defaults to its name.
        type: str
      group:
        description: Name of the Group the User belongs to.
        type: str
        required: true
      comment:
        description: Comment of the User, when it is created.
        type: str
'''

EXAMPLES = r'''
- name: One User
  clearip.netsapiens.clearip_user:
    email: api@example.com
    password: "{{ clearip_password }}"
    name: 100@acme.example.com
    user_id: 100@acme.example.com
    group: acme.example.com

- name: A hundred thousand Users from a file written by an earlier task
  clearip.netsapiens.clearip_user:
    email: api@example.com
    password: "{{ clearip_password }}"
    src: /var/tmp/users.json
    comment_source: pbx.example.com
    max_workers: 8
    return_objects: false
  register: users
'''

RETURN = r'''
created:
  description: Names of the Users created (in check mode, that would be created).
  returned: unless the whole call failed
  type: list
  elements: str
  sample: [100@acme.example.com]
existing:
  description: How many of the requested Users already existed under the requested Group (a count).
  returned: unless the whole call failed
  type: int
  sample: 4200
outcome_unknown:
  description:
    - Names of Users whose create may or may not have taken effect (a time-out, a lost connection, a server error or an
      unreadable answer) and that a lookup, and the listing that ends the module, did not find.
      They are also in RV(failed_items); they were not sent again, so that a late commit never makes a duplicate.
      The next run finds or creates them.
  returned: unless the whole call failed
  type: list
  elements: str
failed_items:
  description:
    - Users that could not be done, each with the reason.
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
  sample: [{name: 100@b.example.com, reason: "user '100@b.example.com': its group 'b.example.com' does not exist in ClearIP"}]
proposed:
  description: The Users the module planned to create, as it would send them but with the Group by name.
  returned: when O(return_objects=true)
  type: list
  elements: dict
  sample: [{name: 100@acme.example.com, user_id: 100@acme.example.com, group: acme.example.com, status: active, comment: Created by clearip.netsapiens sync}]
end_state:
  description:
    - The Users created, as ClearIP returned them (the Group by id).
    - In check mode, the same as RV(proposed).
  returned: when O(return_objects=true)
  type: list
  elements: dict
  sample: [{id: 0b9f8e52-1c1d-4e8a-9a7e-3f6f5a1c2b3d, name: 100@acme.example.com, userId: 100@acme.example.com, group: 5d0c6f0e-8a43-4a36-9d6d-1d2f3c4b5a69}]
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
    after: "100@acme.example.com\n"
    before_header: ClearIP users (of those requested)
    after_header: ClearIP users (of those requested)
'''

from ansible_collections.clearip.netsapiens.plugins.module_utils._clearip_module import create_options, create_rules, run_create_module
from ansible_collections.clearip.netsapiens.plugins.module_utils._kinds import USER
from ansible_collections.clearip.netsapiens.plugins.module_utils._module import CollectionModule


def main():
    module = CollectionModule(argument_spec=create_options(USER), **create_rules(USER))
    run_create_module(module, USER)


if __name__ == '__main__':
    main()
