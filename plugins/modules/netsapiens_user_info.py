#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, clearip.netsapiens contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r'''
---
module: netsapiens_user_info
short_description: List the users of NetSapiens domains
version_added: 0.1.0
description:
  - Reads the users of every domain, or of the given O(domains), from the NetSapiens API
    (v2 C(GET /domains/{domain}/users), or v1 C(object=subscriber) on older cores), page by page.
  - Several domains are read at the same time (O(max_workers)); the result is sorted by domain, then user.
  - System users (a C(service_code) starting with C(system-)) are returned too; filter them out if they are not wanted.
author:
  - clearip.netsapiens contributors (@clearip)
extends_documentation_fragment:
  - clearip.netsapiens.netsapiens
  - clearip.netsapiens.records_dest
  - clearip.netsapiens.attributes
  - clearip.netsapiens.attributes.info_module
options:
  domains:
    description:
      - The domains whose users to read. Every domain of the platform when omitted.
      - A domain the server does not know fails the module.
    type: list
    elements: str
  max_workers:
    description:
      - The most domains read at the same time. A ceiling - the module starts at 4 requests in flight and grows towards it
        while NetSapiens answers fast and successfully, shrinking at once on HTTP 429, 503, timeouts or rising latency.
    type: int
    default: 16
'''

EXAMPLES = r'''
- name: List the users of two domains
  clearip.netsapiens.netsapiens_user_info:
    host: pbx.example.com
    api_key: "{{ ns_api_key }}"
    domains:
      - d1.example
      - d2.example
  register: ns_users

- name: Write every user of the platform to a file
  clearip.netsapiens.netsapiens_user_info:
    host: pbx.example.com
    client_id: "{{ ns_client_id }}"
    client_secret: "{{ ns_client_secret }}"
    username: "{{ ns_username }}"
    password: "{{ ns_password }}"
    max_workers: 8
    dest: /var/lib/clearip-sync/users.json
  register: ns_user_file

- name: Show how many were written
  ansible.builtin.debug:
    msg: "{{ ns_user_file.count }} users in {{ ns_user_file.dest }}"
'''

RETURN = r'''
users:
  description: The users, sorted by domain then user. Not returned when O(dest) is set.
  returned: success and O(dest) is not set
  type: list
  elements: dict
  contains:
    user:
      description: The user (extension) within its domain.
      type: str
      sample: "100"
    domain:
      description: The user's domain.
      type: str
      sample: d1.example
    first_name:
      description: First name (v2 C(name-first-name), v1 C(first_name)), empty when unset.
      type: str
      sample: Ann
    last_name:
      description: Last name (v2 C(name-last-name), v1 C(last_name)), empty when unset.
      type: str
      sample: Lee
    service_code:
      description: Service code (v2 C(service-code), v1 C(srv_code)); system users have one starting with C(system-).
      type: str
      sample: ""
    problem:
      description:
        - Only on a malformed record (not a JSON object, its identifying field absent, null or empty, or a field
          the sync uses not text). Says why, naming the record's position in its list (and the domain it was listed under) and the call that returned it.
        - A malformed record never fails the module; its other fields are empty or as read, and the sync
          (M(clearip.netsapiens.subscriber_sync_run)) reports it as a failed item of its tier.
      type: str
      returned: when the record is malformed
      sample: >-
        user record #3 of domain d1.example from GET /ns-api/v2/domains/d1.example/users: no 'user' field
        (record: {"domain": "d1.example"}); fix the record in NetSapiens
    position:
      description: Only on a malformed record, its 1-based position in the list NetSapiens returned for its domain.
      type: int
      returned: when the record is malformed
      sample: 3
count:
  description: How many users were read, malformed ones included.
  returned: success
  type: int
  sample: 300
malformed:
  description: How many of the records read are malformed (carry RV(users[].problem)).
  returned: success
  type: int
  sample: 0
dest:
  description: The absolute path of the file the records were written to.
  returned: when O(dest) is set
  type: str
  sample: /var/lib/clearip-sync/users.json
api_version:
  description: The NetSapiens API version that was used.
  returned: success
  type: str
  sample: v2
'''

from ansible_collections.clearip.netsapiens.plugins.module_utils._module import CollectionModule
from ansible_collections.clearip.netsapiens.plugins.module_utils._netsapiens_module import INFO_RULES, info_options, run_info_module
from ansible_collections.clearip.netsapiens.plugins.module_utils._options import DEFAULT_MAX_WORKERS


def main():
    module = CollectionModule(argument_spec=info_options(domains=dict(type='list', elements='str'),
                                                         max_workers=dict(type='int', default=DEFAULT_MAX_WORKERS)),
                              **INFO_RULES)
    run_info_module(module, 'users', lambda client: client.users(domains=module.params['domains']),
                    max_workers=module.params['max_workers'])


if __name__ == '__main__':
    main()
