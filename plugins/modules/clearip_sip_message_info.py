#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, clearip.netsapiens contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r'''
---
module: clearip_sip_message_info
short_description: Read recent ClearIP SIP messages and check the X-User-Id they carried
version_added: 0.1.0
description:
  - Reads the SIP messages ClearIP received in a time window (C(GET /sipMessages)), newest first, page by page.
  - Each message's C(userId) is the X-User-Id header ClearIP received in the INVITE, so these messages show whether
    NetSapiens sends the header and whether ClearIP can attribute the calls to the provisioned Users.
  - With O(match_users=true) it also lists the ClearIP Users and counts the messages whose C(userId) is a provisioned
    User's User ID, those with an unknown one and those with none (RV(user_ids)).
author:
  - clearip.netsapiens contributors (@clearip)
extends_documentation_fragment:
  - clearip.netsapiens.clearip
  - clearip.netsapiens.records_dest
  - clearip.netsapiens.attributes
  - clearip.netsapiens.attributes.info_module
options:
  minutes:
    description:
      - The window is the last this many minutes before O(to_ms).
      - Ignored when O(from_ms) is set.
    type: int
    default: 60
  from_ms:
    description:
      - Start of the window, in Unix milliseconds (included).
    type: int
  to_ms:
    description:
      - End of the window, in Unix milliseconds (included). Defaults to now.
      - A fixed end keeps the paging stable while new calls arrive.
    type: int
  limit:
    description:
      - Read at most this many messages, the newest ones; V(0) reads every message of the window.
      - RV(truncated) says whether the window held more.
    type: int
    default: 1000
  page_size:
    description:
      - How many messages to ask for per request.
    type: int
    default: 500
  match_users:
    description:
      - Also list the ClearIP Users and classify each message's C(userId), see RV(user_ids).
    type: bool
    default: false
notes:
  - A message whose C(userId) is missing or blank counts as carrying none; a User ID matches only when it is exactly
    a ClearIP User's C(userId) (case and spaces count).
'''

EXAMPLES = r'''
- name: Read the calls of the last 15 minutes and classify their X-User-Id
  clearip.netsapiens.clearip_sip_message_info:
    email: api@example.com
    password: "{{ clearip_password }}"
    minutes: 15
    match_users: true
  register: calls

- name: Show the figures
  ansible.builtin.debug:
    msg: "{{ calls.user_ids.matched }} matched, {{ calls.user_ids.unknown }} unknown, {{ calls.user_ids.none }} without a User ID"

- name: Write one day of messages to a file
  clearip.netsapiens.clearip_sip_message_info:
    email: api@example.com
    password: "{{ clearip_password }}"
    from_ms: 1767225600000
    to_ms: 1767311999999
    limit: 0
    dest: /var/tmp/sip-messages.json
'''

RETURN = r'''
sip_messages:
  description: The messages, newest first, as ClearIP returned them. Not returned when O(dest) is set.
  returned: success and O(dest) is not set
  type: list
  elements: dict
  sample:
    - timestamp: 1767225600000
      userId: 100@d1.example
      requestedCallingNumber: "+12025550100"
      sbcIp: 198.51.100.7
      callId: 3c2d9e0a@198.51.100.7
count:
  description: How many messages were read.
  returned: success
  type: int
  sample: 42
truncated:
  description: Whether the window held more messages than O(limit); only the newest O(limit) were read.
  returned: success
  type: bool
  sample: false
window:
  description: The window that was read, in Unix milliseconds (both ends included).
  returned: success
  type: dict
  sample: {from_ms: 1767222000000, to_ms: 1767225600000}
user_ids:
  description: How the messages' C(userId) compare with the ClearIP Users' User IDs.
  returned: when O(match_users=true)
  type: dict
  contains:
    messages:
      description: How many messages were classified (the same as RV(count)).
      type: int
      sample: 42
    matched:
      description: Messages whose C(userId) is a provisioned User's User ID.
      type: int
      sample: 40
    unknown:
      description: Messages whose C(userId) is no ClearIP User's User ID.
      type: int
      sample: 1
    none:
      description: Messages without a C(userId) (missing or blank).
      type: int
      sample: 1
    matched_users:
      description: How many different Users the matched messages belong to.
      type: int
      sample: 12
    provisioned_user_ids:
      description: How many different non-empty User IDs the ClearIP Users have.
      type: int
      sample: 2020
    unknown_user_ids:
      description: The unknown User IDs with their message counts, most frequent first (at most 50).
      type: list
      elements: dict
      sample: [{user_id: 999@d1.example, count: 1}]
    unknown_user_ids_total:
      description: How many different unknown User IDs there were.
      type: int
      sample: 1
dest:
  description: The absolute path of the file the messages were written to.
  returned: when O(dest) is set
  type: str
  sample: /var/tmp/sip-messages.json
operator:
  description: The Operator acted for, when O(operator) is set.
  returned: when O(operator) is set
  type: dict
  sample: {id: 6f1c2a52-0b7e-4c53-9a0e-5c1f7e2d9a01, name: Example Operator}
'''

import time

from ansible_collections.clearip.netsapiens.plugins.module_utils._clearip_errors import ClearIPError, error_message
from ansible_collections.clearip.netsapiens.plugins.module_utils._clearip_module import client_from_options
from ansible_collections.clearip.netsapiens.plugins.module_utils._clearip_records import classify_user_ids
from ansible_collections.clearip.netsapiens.plugins.module_utils._http import HttpError
from ansible_collections.clearip.netsapiens.plugins.module_utils._kinds import USER
from ansible_collections.clearip.netsapiens.plugins.module_utils._module import CollectionModule
from ansible_collections.clearip.netsapiens.plugins.module_utils._options import clearip_options

MAX_PAGE_SIZE = 1000


def window_from_params(params, now_ms):
    """(from_ms, to_ms) of the options, or an error message."""
    to_ms = params['to_ms'] if params['to_ms'] is not None else now_ms
    if params['from_ms'] is not None:
        from_ms = params['from_ms']
    else:
        if params['minutes'] < 1:
            return None, 'minutes must be at least 1, got %d' % params['minutes']
        from_ms = to_ms - params['minutes'] * 60000
    if from_ms > to_ms:
        return None, 'the window starts after it ends: from_ms %d > to_ms %d' % (from_ms, to_ms)
    return (from_ms, to_ms), None


def main():
    argument_spec = clearip_options()
    argument_spec.update(
        minutes=dict(type='int', default=60),
        from_ms=dict(type='int'),
        to_ms=dict(type='int'),
        limit=dict(type='int', default=1000),
        page_size=dict(type='int', default=500),
        match_users=dict(type='bool', default=False),
        dest=dict(type='path'),
    )
    module = CollectionModule(argument_spec=argument_spec, supports_check_mode=True)
    params = module.params
    window, problem = window_from_params(params, int(time.time() * 1000))
    if problem is None and params['limit'] < 0:
        problem = 'limit must be 0 (no limit) or more, got %d' % params['limit']
    if problem is None and not 1 <= params['page_size'] <= MAX_PAGE_SIZE:
        problem = 'page_size must be between 1 and %d, got %d' % (MAX_PAGE_SIZE, params['page_size'])
    if problem is not None:
        module.fail_json(msg=problem)

    try:
        client = client_from_options(params, page_limit=params['page_size'])
        messages, truncated = client.sip_messages(window[0], window[1], limit=params['limit'] or None)
        users = client.list(USER) if params['match_users'] else None
    except (ClearIPError, HttpError) as exc:
        module.fail_json(msg='reading ClearIP SIP messages failed: %s' % error_message(exc))

    result = dict(changed=False, count=len(messages), truncated=truncated, window=dict(from_ms=window[0], to_ms=window[1]))
    if users is not None:
        result['user_ids'] = classify_user_ids(messages, users)
    if client.operator_id:
        result['operator'] = {'id': client.operator_id, 'name': client.operator_name}
    module.exit_with_records(result, 'sip_messages', messages, 'the SIP messages')


if __name__ == '__main__':
    main()
