#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, clearip.netsapiens contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r'''
---
module: netsapiens_dialrule
short_description: Manage one dial rule of a NetSapiens dial plan
version_added: 0.1.0
description:
  - Makes sure a dial plan of a NetSapiens domain holds a dial rule with the given matching patterns, application and
    parameter, or holds none (O(state=absent)).
  - A rule is identified by its domain, dial plan, O(matching) (the to-URI pattern) and O(from_matching).
    An existing rule is updated (HTTP C(PUT)) in the options that are set and differ, and in nothing else.
  - Its main use is making the rules that route calls to ClearIP send C(X-User-Id) with V(to-connection-add-header);
    see the role entry point C(clearip.netsapiens.subscriber_sync) C(user_id_header).
  - Uses the NetSapiens API v2 dial rule calls (cores v44 and later); an API v1 server is an error.
  - The exact wire format of these calls is inferred from the public v2 specification, not seen on a real core;
    the collection keeps every such detail in one place of its NetSapiens client.
author:
  - clearip.netsapiens contributors (@clearip)
extends_documentation_fragment:
  - clearip.netsapiens.netsapiens
  - clearip.netsapiens.attributes
attributes:
  check_mode:
    support: full
    description: In check mode the module reads the dial plan and returns what it would create, change or delete, writing nothing.
  diff_mode:
    support: full
    description: Returns the rule before and after (empty when it does not exist), in check mode too.
options:
  domain:
    description: The NetSapiens domain that owns the dial plan.
    type: str
    required: true
  dialplan:
    description: Name of the dial plan (often the domain's name).
    type: str
    required: true
  matching:
    description:
      - The to-URI pattern of the rule (C(dial-rule-matching-to-uri)), such as C(sip:1??????????@*). With O(from_matching) it identifies the rule.
    type: str
    required: true
  from_matching:
    description:
      - The from-URI pattern of the rule (C(dial-rule-matching-from-uri)).
    type: str
    default: '*'
  application:
    description:
      - The rule's application (C(dial-rule-application)), such as V(to-connection) or V(to-connection-add-header).
      - Required to create a rule; when not set, an existing rule keeps its application.
    type: str
  parameter:
    description:
      - The application's parameter (C(dial-rule-parameter)); for V(to-connection-add-header) the header to add.
      - When not set, an existing rule keeps its parameter; V('') empties it.
    type: str
  destination_user:
    description:
      - The destination user (C(dial-rule-translation-destination-user)). A created rule without it gets V([*]), the dialled user.
      - When not set, an existing rule keeps its value.
    type: str
  destination_host:
    description:
      - The destination host (C(dial-rule-translation-destination-host)); for the C(to-connection) applications, the connection.
      - When not set, an existing rule keeps its value.
    type: str
  description:
    description:
      - The rule's description (C(dial-rule-description)). When not set, an existing rule keeps its description.
    type: str
  enabled:
    description:
      - Whether the rule is enabled. When not set, an existing rule stays as it is and a created rule is enabled.
    type: bool
  allow_create:
    description:
      - Create the rule when the dial plan does not hold it.
      - V(false) makes a missing rule an error, for changing only rules that already route calls.
    type: bool
    default: true
  state:
    description:
      - V(present) creates or updates the rule; V(absent) deletes it when it exists.
    type: str
    choices: [present, absent]
    default: present
notes:
  - A dial plan with several rules of the same O(matching) and O(from_matching) (differing in day, date or time) is an
    error, because which one to manage is not clear.
  - A create whose outcome is unknown (a dropped connection, an HTTP 5xx) is looked up before it is tried again, so a
    fault never makes a duplicate rule.
seealso:
  - module: clearip.netsapiens.netsapiens_connection_info
'''

EXAMPLES = r'''
- name: Send X-User-Id to ClearIP from the rule that routes calls to it
  clearip.netsapiens.netsapiens_dialrule:
    host: pbx.example.com
    api_key: "{{ ns_api_key }}"
    domain: d1.example
    dialplan: d1.example
    matching: sip:1??????????@*
    application: to-connection-add-header
    parameter: "X-User-Id: <OwnUser>@<OwnDomain>"
    allow_create: false

- name: A new rule routing 9-prefixed calls to the ClearIP connection
  clearip.netsapiens.netsapiens_dialrule:
    host: pbx.example.com
    client_id: "{{ ns_client_id }}"
    client_secret: "{{ ns_client_secret }}"
    username: api@example.com
    password: "{{ ns_password }}"
    domain: d1.example
    dialplan: d1.example
    matching: sip:9*@*
    application: to-connection-add-header
    parameter: "X-User-Id: <OwnUser>@<OwnDomain>"
    destination_host: clearip-sbc
    description: Outbound through ClearIP

- name: Remove it again
  clearip.netsapiens.netsapiens_dialrule:
    host: pbx.example.com
    api_key: "{{ ns_api_key }}"
    domain: d1.example
    dialplan: d1.example
    matching: sip:9*@*
    state: absent
'''

RETURN = r'''
existing:
  description: The rule before the run; empty when the dial plan did not hold it.
  returned: success
  type: dict
  sample:
    id: c2lwOjE/Pz8/Pz8/Pz8/QCp8fCp8fCp8fCp8fCp8fCp8fCo=
    domain: d1.example
    dialplan: d1.example
    matching: sip:1??????????@*
    from_matching: '*'
    application: to-connection
    parameter: ''
    destination_user: '[*]'
    destination_host: clearip-sbc
    description: Outbound
    enabled: true
  contains:
    id:
      description: The rule's id in the API (the C(dialrule) field, or computed from the matching fields when the server does not send it).
      type: str
    domain:
      description: The domain.
      type: str
    dialplan:
      description: The dial plan.
      type: str
    matching:
      description: The to-URI pattern.
      type: str
    from_matching:
      description: The from-URI pattern.
      type: str
    application:
      description: The application.
      type: str
    parameter:
      description: The application's parameter.
      type: str
    destination_user:
      description: The destination user.
      type: str
    destination_host:
      description: The destination host.
      type: str
    description:
      description: The description.
      type: str
    enabled:
      description: Whether the rule is enabled.
      type: bool
proposed:
  description:
    - What the task asks for - the identifying fields and every option that is set; empty for O(state=absent).
  returned: success
  type: dict
  sample:
    domain: d1.example
    dialplan: d1.example
    matching: sip:1??????????@*
    from_matching: '*'
    application: to-connection-add-header
    parameter: "X-User-Id: <OwnUser>@<OwnDomain>"
end_state:
  description:
    - The rule as NetSapiens holds it after the run (in check mode, would hold it), in the shape of RV(existing); empty when it does not exist.
    - After a create, the server's answer when it returns the rule (it must be the rule asked for, else the module fails),
      or the rule as read back.
  returned: success
  type: dict
  sample:
    id: c2lwOjE/Pz8/Pz8/Pz8/QCp8fCp8fCp8fCp8fCp8fCp8fCo=
    domain: d1.example
    dialplan: d1.example
    matching: sip:1??????????@*
    from_matching: '*'
    application: to-connection-add-header
    parameter: "X-User-Id: <OwnUser>@<OwnDomain>"
    destination_user: '[*]'
    destination_host: clearip-sbc
    description: Outbound
    enabled: true
changed_fields:
  description: The options that were (in check mode, would be) changed on an existing rule.
  returned: success
  type: list
  elements: str
  sample: [application, parameter]
api_version:
  description: The NetSapiens API version that was used (always V(v2)).
  returned: success
  type: str
  sample: v2
diff:
  description: The rule before and after, without its id; empty when it does not exist.
  returned: in diff mode
  type: dict
  sample:
    before: {application: to-connection, parameter: ''}
    after: {application: to-connection-add-header, parameter: "X-User-Id: <OwnUser>@<OwnDomain>"}
'''

from ansible_collections.clearip.netsapiens.plugins.module_utils._module import CollectionModule
from ansible_collections.clearip.netsapiens.plugins.module_utils._netsapiens_dialrules import DialRules
from ansible_collections.clearip.netsapiens.plugins.module_utils._netsapiens_module import run_with_client
from ansible_collections.clearip.netsapiens.plugins.module_utils._netsapiens_records import DIALRULE_UPDATABLE, planned_dialrule
from ansible_collections.clearip.netsapiens.plugins.module_utils._options import netsapiens_options, netsapiens_rules


def without_id(rule):
    return dict((k, v) for k, v in (rule or {}).items() if k != 'id')


def ensure(module, client):
    """The module's result; writes only outside check mode."""
    p = module.params
    rules = DialRules(client)
    identity = dict(domain=p['domain'], dialplan=p['dialplan'], matching=p['matching'], from_matching=p['from_matching'] or '*')
    wanted = dict((name, p[name]) for name in DIALRULE_UPDATABLE if p[name] is not None)
    existing = rules.find(identity['domain'], identity['dialplan'], identity['matching'], identity['from_matching'])
    changed_fields = []

    if p['state'] == 'absent':
        proposed = {}
        end_state = {}
        if existing is not None and not module.check_mode:
            rules.delete(existing)
    elif existing is None:
        what = 'dial rule to %s from %s in dial plan %s of domain %s' % (
            identity['matching'], identity['from_matching'], identity['dialplan'], identity['domain'])
        if not p['allow_create']:
            module.fail_json(msg='NetSapiens has no %s, and allow_create is false: check domain, dialplan, matching and '
                                 'from_matching against the dial plan' % what, existing={})
        if p['application'] is None:
            module.fail_json(msg='application is required to create the %s' % what, existing={})
        proposed = dict(identity, **wanted)
        if module.check_mode:
            end_state = planned_dialrule(identity['domain'], identity['dialplan'], proposed)
        else:
            end_state = rules.create(identity['domain'], identity['dialplan'], proposed)
    else:
        proposed = dict(identity, **wanted)
        changes = dict((name, value) for name, value in wanted.items() if existing.get(name) != value)
        changed_fields = sorted(changes)
        if changes and not module.check_mode:
            rules.update(existing, changes)
        end_state = dict(existing, **changes)

    result = dict(
        changed=(existing or {}) != end_state,
        existing=existing or {},
        proposed=proposed,
        end_state=end_state,
        changed_fields=changed_fields,
        api_version=client.api_version,
    )
    if module._diff:
        result['diff'] = dict(before=without_id(existing), after=without_id(end_state))
    return result


def main():
    argument_spec = netsapiens_options()
    argument_spec.update(
        domain=dict(type='str', required=True),
        dialplan=dict(type='str', required=True),
        matching=dict(type='str', required=True),
        from_matching=dict(type='str', default='*'),
        application=dict(type='str'),
        parameter=dict(type='str'),
        destination_user=dict(type='str'),
        destination_host=dict(type='str'),
        description=dict(type='str'),
        enabled=dict(type='bool'),
        allow_create=dict(type='bool', default=True),
        state=dict(type='str', default='present', choices=['present', 'absent']),
    )
    module = CollectionModule(argument_spec=argument_spec, supports_check_mode=True, **netsapiens_rules())
    result = run_with_client(module, lambda client: ensure(module, client))
    module.exit_json(**result)


if __name__ == '__main__':
    main()
