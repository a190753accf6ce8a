#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, clearip.netsapiens contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r'''
module: clearip_group
short_description: Create ClearIP Groups that do not exist yet
version_added: 0.1.0
description:
  - Makes sure ClearIP holds a Group of each given name under the given Service Provider, creating the missing ones
    with status V(active).
  - Create only; an existing Group is left as it is, and nothing is ever deleted or moved.
  - A Group that exists under another Service Provider fails with a reason (a NetSapiens domain that moved to another
    reseller); ClearIP cannot move a Group.
  - Takes one Group (O(name) and O(service_provider)), a list (O(groups)) or a JSON file (O(src)).
author:
  - clearip.netsapiens contributors (@clearip)
extends_documentation_fragment:
  - clearip.netsapiens.clearip
  - clearip.netsapiens.clearip.create
  - clearip.netsapiens.attributes
attributes:
  check_mode:
    description:
      - Can run in check mode and return the Groups it would create, without creating any.
      - With O(pending_parents), Groups under Service Providers that the same dry run would create are predicted too.
    support: full
  diff_mode:
    description: Returns the requested names that exist before and after the run, one a line, so the diff lists the added names.
    support: full
options:
  name:
    description:
      - Name of one Group.
      - Mutually exclusive with O(groups) and O(src); needs O(service_provider).
    type: str
  service_provider:
    description:
      - Name of the Service Provider the Group given by O(name) belongs to.
    type: str
  comment:
    description:
      - Comment of each created Group that has no comment of its own.
      - Defaults to the comment described at O(comment_source).
    type: str
  groups:
    description:
      - Groups to have.
      - Mutually exclusive with O(name) and O(src).
    type: list
    elements: dict
    suboptions:
      name:
        description: Name of the Group.
        type: str
        required: true
      service_provider:
        description: Name of the Service Provider the Group belongs to.
        type: str
        required: true
      comment:
        description: Comment of the Group, when it is created.
        type: str
'''

EXAMPLES = r'''
- name: One Group
  clearip.netsapiens.clearip_group:
    email: api@example.com
    password: "{{ clearip_password }}"
    name: acme.example.com
    service_provider: Acme Voice

- name: Several Groups
  clearip.netsapiens.clearip_group:
    email: api@example.com
    password: "{{ clearip_password }}"
    groups:
      - name: acme.example.com
        service_provider: Acme Voice
      - name: beta.example.com
        service_provider: Acme Voice
        comment: Moved from the old platform
    comment_source: pbx.example.com

- name: Dry run that also predicts Groups under Service Providers an earlier dry-run task would create
  clearip.netsapiens.clearip_group:
    email: api@example.com
    password: "{{ clearip_password }}"
    src: /var/tmp/groups.json
    pending_parents: "{{ service_providers.created }}"
  check_mode: true
'''

RETURN = r'''
created:
  description: Names of the Groups created (in check mode, that would be created).
  returned: unless the whole call failed
  type: list
  elements: str
  sample: [acme.example.com]
existing:
  description: How many of the requested Groups already existed under the requested Service Provider (a count).
  returned: unless the whole call failed
  type: int
  sample: 12
outcome_unknown:
  description:
    - Names of Groups whose create may or may not have taken effect (a time-out, a lost connection, a server error or an
      unreadable answer) and that a lookup, and the listing that ends the module, did not find.
      They are also in RV(failed_items); they were not sent again, so that a late commit never makes a duplicate.
      The next run finds or creates them.
  returned: unless the whole call failed
  type: list
  elements: str
failed_items:
  description:
    - Groups that could not be done, each with the reason.
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
  sample: [{name: b.example.com, reason: "group 'b.example.com' exists in ClearIP under service provider 'R1', not under 'R2' ..."}]
proposed:
  description: The Groups the module planned to create, as it would send them but with the Service Provider by name.
  returned: when O(return_objects=true)
  type: list
  elements: dict
  sample: [{name: acme.example.com, service_provider: Acme Voice, status: active, comment: Created by clearip.netsapiens sync}]
end_state:
  description:
    - The Groups created, as ClearIP returned them (the Service Provider by id).
    - In check mode, the same as RV(proposed).
  returned: when O(return_objects=true)
  type: list
  elements: dict
  sample: [{id: 0b9f8e52-1c1d-4e8a-9a7e-3f6f5a1c2b3d, name: acme.example.com, serviceProvider: 5d0c6f0e-8a43-4a36-9d6d-1d2f3c4b5a69}]
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
    after: "acme.example.com\n"
    before_header: ClearIP groups (of those requested)
    after_header: ClearIP groups (of those requested)
'''

from ansible_collections.clearip.netsapiens.plugins.module_utils._clearip_module import create_options, create_rules, run_create_module
from ansible_collections.clearip.netsapiens.plugins.module_utils._kinds import GROUP
from ansible_collections.clearip.netsapiens.plugins.module_utils._module import CollectionModule


def main():
    module = CollectionModule(argument_spec=create_options(GROUP), **create_rules(GROUP))
    run_create_module(module, GROUP)


if __name__ == '__main__':
    main()
