#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, clearip.netsapiens contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r'''
---
module: netsapiens_connection_info
short_description: List the SIP connections of a NetSapiens platform
version_added: 0.1.0
description:
  - Reads every connection from the NetSapiens API (v2 C(GET /connections), or v1 C(object=connection) on older cores).
  - Useful to check that every domain routes to ClearIP before a sync.
  - Returns them in one shape whatever the API version, sorted by domain, name and address.
author:
  - clearip.netsapiens contributors (@clearip)
extends_documentation_fragment:
  - clearip.netsapiens.netsapiens
  - clearip.netsapiens.records_dest
  - clearip.netsapiens.attributes
  - clearip.netsapiens.attributes.info_module
'''

EXAMPLES = r'''
- name: List the connections
  clearip.netsapiens.netsapiens_connection_info:
    host: pbx.example.com
    api_key: "{{ ns_api_key }}"
  register: ns_connections

- name: Domains with a connection to the ClearIP SBC
  ansible.builtin.debug:
    msg: "{{ ns_connections.connections | selectattr('address', 'equalto', '198.51.100.7') | map(attribute='domain') | list }}"
'''

RETURN = r'''
connections:
  description: The connections, sorted by domain, name and address. Not returned when O(dest) is set.
  returned: success and O(dest) is not set
  type: list
  elements: dict
  contains:
    name:
      description: The connection's origination match pattern (v2 C(connection-orig-match-pattern), v1 C(aor)).
      type: str
      sample: sip*@198.51.100.7
    domain:
      description: The domain the connection belongs to, empty when it has none.
      type: str
      sample: d1.example
    address:
      description: The connection address (v2 C(connection-address), v1 C(address)).
      type: str
      sample: 198.51.100.7
    problem:
      description:
        - Only on a malformed record (not a JSON object, its identifying field absent, null or empty, or a field
          the sync uses not text). Says why, naming the record's position in its list and the call that returned it.
        - A malformed record never fails the module; its other fields are empty or as read, and the sync
          (M(clearip.netsapiens.subscriber_sync_run)) reports it as a failed item of its tier.
      type: str
      returned: when the record is malformed
      sample: "connection record #3 from GET /ns-api/v2/connections: no 'connection-orig-match-pattern' field (record: {}); fix the record in NetSapiens"
    position:
      description: Only on a malformed record, its 1-based position in the list NetSapiens returned.
      type: int
      returned: when the record is malformed
      sample: 3
count:
  description: How many connections were read, malformed ones included.
  returned: success
  type: int
  sample: 30
malformed:
  description: How many of the records read are malformed (carry RV(connections[].problem)).
  returned: success
  type: int
  sample: 0
dest:
  description: The absolute path of the file the records were written to.
  returned: when O(dest) is set
  type: str
  sample: /tmp/connections.json
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
    run_info_module(module, 'connections', lambda client: client.connections())


if __name__ == '__main__':
    main()
