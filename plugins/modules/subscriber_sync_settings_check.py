#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, clearip.netsapiens contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r'''
---
module: subscriber_sync_settings_check
short_description: Check config.json and the subscriber_sync role variables in their own terms, before any request
version_added: 0.1.0
description:
  - Checks the shape of the vendor binary's config.json (its C(netsapiens) and C(clearip) objects, loaded with
    C(-e @config.json)) and of the C(subscriber_sync_*) variables against the role's C(meta/argument_specs.yml), and fails
    with one line per problem naming the config.json key (such as C(netsapiens.clientSecret)) or the variable, what is
    wrong and the fix - unknown keys and variables (with the closest known name), missing keys, wrong types, invalid
    choices, and a host or URL without a usable scheme.
  - Never sees a secret and never prints a value - it receives the type of each setting, and the value only of the
    settings that are not secret (host, URL, API version, choices, booleans, numbers).
  - The role's tasks give only O(entry_point) and O(require_settings); the action plugin builds the shapes on the controller
    from the play's variables (each templated as the lookup C(ansible.builtin.vars) would), so no Jinja of the role's does it.
  - Talks to no API. The first task of each entry point of the P(clearip.netsapiens.subscriber_sync#role) role, and of the
    collection's playbooks before the role's argument validation, is this module.
  - On a local connection without become (the sync on the control node, as the collection's playbooks and the event-driven
    path run it) its action plugin runs the check on the controller itself, with the environment the module would get, and
    starts no module process; on any other connection the module runs on the host, where the sync will run. The result is the same.
author:
  - clearip.netsapiens contributors (@clearip)
extends_documentation_fragment:
  - clearip.netsapiens.attributes
attributes:
  check_mode:
    description: Runs the same in check mode; it reads nothing but its options and the names of the environment variables.
    support: full
  diff_mode:
    description: Nothing to show; it changes nothing.
    support: none
options:
  entry_point:
    description:
      - The entry point of the role whose settings are checked; it decides which API settings are needed (V(main) and
        V(cron) both, V(user_id_header) NetSapiens, V(verify) ClearIP) and which variables are required.
    type: str
    choices: [main, cron, user_id_header, verify, drift, events]
    default: main
  config:
    description:
      - The shape of config.json - for each of its objects C(netsapiens) and C(clearip) that exists, either the type name of
        that value when it is not an object, or a mapping of each key to C({type, value}).
      - Type names are V(null), V(empty) (an empty string), V(str), V(bool), V(int), V(float), V(dict), V(list) and V(other).
      - C(value) only for the keys C(host), C(url), C(apiVersion), C(tokenEndpoint) and C(validateCerts); null for every other key.
      - Default (when O(argument_specs) is not given either) - built by the action plugin from the play's variables
        C(netsapiens) and C(clearip), each templated, URL userinfo left out.
    type: dict
  variables:
    description:
      - The shape of every visible C(subscriber_sync_*) variable, a mapping of each name to C({type, value}); C(value) only for variables
        whose value is checked (choices, booleans, numbers, the NetSapiens host and the ClearIP URL), null otherwise.
      - Default (when O(argument_specs) is not given either) - built by the action plugin from the play's variables.
    type: dict
  argument_specs:
    description:
      - The C(argument_specs) mapping of the role's C(meta/argument_specs.yml) - the variables each entry point knows.
      - When not given, the action plugin reads the role's own file and builds O(config), O(variables) and
        O(other_variables) from the play's variables where they are not given; the role's tasks give none of the four.
    type: dict
  require_settings:
    description:
      - Fail when no setting of an API the entry point needs is given at all (by config.json, a role variable or a
        C(NETSAPIENS_*) or C(CLEARIP_*) environment variable).
      - The collection's playbooks set it. Leave it false where C(module_defaults) may give the settings, which this module
        cannot see.
    type: bool
    default: false
  other_variables:
    description:
      - Names of other variables, to suggest one close to C(netsapiens) or C(clearip) when that object is missing.
      - Default (when O(argument_specs) is not given either) - the play's variables whose names start with n, N, c or C.
    type: list
    elements: str
notes:
  - Environment variables count as given when they are set and not empty where this module runs, which is where the
    sync's modules run.
'''

EXAMPLES = r'''
- name: Check config.json and the role variables before any request
  clearip.netsapiens.subscriber_sync_settings_check:
    entry_point: main
    require_settings: true
    config:
      netsapiens:
        host: {type: str, value: pbx.example.com}
        clientId: {type: str, value: null}
        clientSecrets: {type: str, value: null}
    variables:
      subscriber_sync_report_pth: {type: str, value: null}
    argument_specs: "{{ (lookup('ansible.builtin.file', role_path ~ '/meta/argument_specs.yml') | from_yaml).argument_specs }}"

- name: The same for the play's own variables, as the role runs it (the action plugin builds the shapes)
  clearip.netsapiens.subscriber_sync_settings_check:
    entry_point: main
    require_settings: true
'''

RETURN = r'''
problems:
  description: One entry per problem, each naming the setting, what is wrong and the fix; empty when the settings are usable.
  returned: always
  type: list
  elements: dict
  sample:
    - {setting: netsapiens.clientSecrets, problem: "is not a key of config.json that this collection reads (did you mean netsapiens.clientSecret?)",
       fix: "rename or remove it; the keys of netsapiens are host, clientId, clientSecret, ..."}
    - {setting: subscriber_sync_report_pth, problem: "not a variable of the role ... (did you mean subscriber_sync_report_path?)",
       fix: "rename or remove it (ansible-doc -t role clearip.netsapiens.subscriber_sync lists them)"}
entry_point:
  description: The entry point whose settings were checked (the role runs the check once per entry point).
  returned: always
  type: str
  sample: main
'''

import os

from ansible_collections.clearip.netsapiens.plugins.module_utils._module import CollectionModule
from ansible_collections.clearip.netsapiens.plugins.module_utils._sync_settings import argument_spec, run_check


def main():
    module = CollectionModule(argument_spec=argument_spec(), needs_requests=False, supports_check_mode=True)
    if module.params['argument_specs'] is None:
        # The action plugin always gives them (it reads the role's file); only a module run without it lacks them.
        module.fail_json(msg='argument_specs is required when the module runs without its action plugin')
    result = run_check(module.params, os.environ)
    if result['problems']:
        module.fail_json(**result)
    module.exit_json(**result)


if __name__ == '__main__':
    main()
