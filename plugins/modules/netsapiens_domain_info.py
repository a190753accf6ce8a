#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, clearip.netsapiens contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r'''
---
module: netsapiens_domain_info
short_description: List the domains of a NetSapiens platform
version_added: 0.1.0
description:
  - Reads every domain from the NetSapiens API (v2 C(GET /domains), or v1 C(object=domain) on older cores), page by page.
  - Returns them in one shape whatever the API version, sorted by name.
author:
  - clearip.netsapiens contributors (@clearip)
extends_documentation_fragment:
  - clearip.netsapiens.netsapiens
  - clearip.netsapiens.records_dest
  - clearip.netsapiens.attributes
  - clearip.netsapiens.attributes.info_module
options:
  reseller:
    description:
      - Return only the domains of this reseller.
      - Every domain is still read; the filter runs on the result, so it works the same on every API version.
    type: str
'''

EXAMPLES = r'''
- name: List every domain
  clearip.netsapiens.netsapiens_domain_info:
    host: pbx.example.com
    client_id: "{{ ns_client_id }}"
    client_secret: "{{ ns_client_secret }}"
    username: "{{ ns_username }}"
    password: "{{ ns_password }}"
  register: ns_domains

- name: List the domains of one reseller
  clearip.netsapiens.netsapiens_domain_info:
    host: pbx.example.com
    api_key: "{{ ns_api_key }}"
    reseller: Acme Voice
  register: acme_domains
'''

RETURN = r'''
domains:
  description: The domains, sorted by name. Not returned when O(dest) is set.
  returned: success and O(dest) is not set
  type: list
  elements: dict
  contains:
    name:
      description: The domain name.
      type: str
      sample: d1.example
    reseller:
      description: The domain's reseller (v2 C(reseller), v1 C(territory)), empty when it has none.
      type: str
      sample: Acme Voice
    description:
      description: The domain description, empty when it has none.
      type: str
      sample: Main office
    problem:
      description:
        - Only on a malformed record (not a JSON object, its identifying field absent, null or empty, or a field
          the sync uses not text). Says why, naming the record's position in its list and the call that returned it.
        - A malformed record never fails the module; its other fields are empty or as read, and the sync
          (M(clearip.netsapiens.subscriber_sync_run)) reports it as a failed item of its tier.
      type: str
      returned: when the record is malformed
      sample: "domain record #3 from GET /ns-api/v2/domains: no 'domain' field (record: {}); fix the record in NetSapiens"
    position:
      description: Only on a malformed record, its 1-based position in the list NetSapiens returned.
      type: int
      returned: when the record is malformed
      sample: 3
count:
  description: How many domains were read, malformed ones included.
  returned: success
  type: int
  sample: 30
malformed:
  description: How many of the records read are malformed (carry RV(domains[].problem)).
  returned: success
  type: int
  sample: 0
dest:
  description: The absolute path of the file the records were written to.
  returned: when O(dest) is set
  type: str
  sample: /tmp/domains.json
api_version:
  description: The NetSapiens API version that was used.
  returned: success
  type: str
  sample: v2
'''

from ansible_collections.clearip.netsapiens.plugins.module_utils._module import CollectionModule
from ansible_collections.clearip.netsapiens.plugins.module_utils._netsapiens_module import INFO_RULES, info_options, run_info_module


def main():
    module = CollectionModule(argument_spec=info_options(reseller=dict(type='str')), **INFO_RULES)
    run_info_module(module, 'domains', lambda client: client.domains(reseller=module.params['reseller']))


if __name__ == '__main__':
    main()
