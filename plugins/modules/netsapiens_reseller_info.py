#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, clearip.netsapiens contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r'''
---
module: netsapiens_reseller_info
short_description: List the resellers of a NetSapiens platform
version_added: 0.1.0
description:
  - Reads every reseller from the NetSapiens API (v2 C(GET /resellers), or v1 C(object=reseller) on older cores).
  - Returns them in one shape whatever the API version, sorted by name.
author:
  - clearip.netsapiens contributors (@clearip)
extends_documentation_fragment:
  - clearip.netsapiens.netsapiens
  - clearip.netsapiens.records_dest
  - clearip.netsapiens.attributes
  - clearip.netsapiens.attributes.info_module
'''

EXAMPLES = r'''
- name: List the resellers
  clearip.netsapiens.netsapiens_reseller_info:
    host: pbx.example.com
    client_id: "{{ ns_client_id }}"
    client_secret: "{{ ns_client_secret }}"
    username: "{{ ns_username }}"
    password: "{{ ns_password }}"
  register: ns_resellers

- name: Show their names
  ansible.builtin.debug:
    msg: "{{ ns_resellers.resellers | map(attribute='name') | list }}"

- name: List the resellers with an API key
  clearip.netsapiens.netsapiens_reseller_info:
    host: pbx.example.com
    api_key: "{{ ns_api_key }}"
'''

RETURN = r'''
resellers:
  description: The resellers, sorted by name. Not returned when O(dest) is set.
  returned: success and O(dest) is not set
  type: list
  elements: dict
  contains:
    name:
      description: The reseller name (v2 C(reseller), v1 C(territory)).
      type: str
      sample: Acme Voice
    description:
      description: The reseller description, empty when it has none.
      type: str
      sample: Acme Voice LLC
    problem:
      description:
        - Only on a malformed record (not a JSON object, its identifying field absent, null or empty, or a field
          the sync uses not text). Says why, naming the record's position in its list and the call that returned it.
        - A malformed record never fails the module; its other fields are empty or as read, and the sync
          (M(clearip.netsapiens.subscriber_sync_run)) reports it as a failed item of its tier.
      type: str
      returned: when the record is malformed
      sample: "reseller record #3 from GET /ns-api/v2/resellers: no 'reseller' field (record: {}); fix the record in NetSapiens"
    position:
      description: Only on a malformed record, its 1-based position in the list NetSapiens returned.
      type: int
      returned: when the record is malformed
      sample: 3
count:
  description: How many resellers were read, malformed ones included.
  returned: success
  type: int
  sample: 3
malformed:
  description: How many of the records read are malformed (carry RV(resellers[].problem)).
  returned: success
  type: int
  sample: 0
dest:
  description: The absolute path of the file the records were written to.
  returned: when O(dest) is set
  type: str
  sample: /tmp/resellers.json
api_version:
  description: The NetSapiens API version that was used.
  returned: success
  type: str
  sample: v2
'''

from ansible_collections.clearip.netsapiens.plugins.module_utils._module import CollectionModule
from ansible_collections.clearip.netsapiens.plugins.module_utils._netsapiens_module import INFO_RULES, info_options, run_info_module


def main():
    module = CollectionModule(argument_spec=info_options(), **INFO_RULES)
    run_info_module(module, 'resellers', lambda client: client.resellers())


if __name__ == '__main__':
    main()
