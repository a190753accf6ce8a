#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, clearip.netsapiens contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r'''
---
module: netsapiens_event_subscription
short_description: Keep a NetSapiens event subscription registered and unexpired
version_added: 0.1.0
description:
  - Makes sure NetSapiens posts events of one O(model) to one O(post_url) (API v2
    C(/ns-api/v2/subscriptions), or C(/ns-api/v2/domains/{domain}/subscriptions) with O(scope_domain)).
  - A subscription is identified by its model and post URL (and O(scope_domain)). Its reseller, domain and user
    filters and O(server_preferred) are updated in place when they differ.
  - With O(lifetime_hours), the subscription gets an C(expires) time that many hours ahead, and is renewed (its
    C(expires) moved ahead again) when fewer than O(renew_margin_hours) are left, so running this module more often
    than the margin (the role's C(events) entry point installs a daily cron job) keeps it alive.
  - Several subscriptions with the same model and post URL would post each event more than once; all but the
    first are deleted.
  - Needs the NetSapiens API v2 (cores v44 and later).
  - The name of the id field in a subscription record, and the time zone of C(expires) (taken as UTC), are not in
    the published API description; see C(SUBSCRIPTION_*) in the collection's NetSapiens client.
author:
  - clearip.netsapiens contributors (@clearip)
extends_documentation_fragment:
  - clearip.netsapiens.netsapiens
  - clearip.netsapiens.attributes
attributes:
  check_mode:
    support: full
    description: Reads the subscriptions and reports what would change, without writing.
  diff_mode:
    support: full
    description: Shows the subscription before and after (the post URL without its last path segment and query).
options:
  post_url:
    description:
      - Where NetSapiens posts the events, for example C(https://eda.example.com:5000/netsapiens/<token>).
      - It holds the shared secret that the collection's event source checks, so it is never shown; results show
        RV(subscription.post_url) with the last path segment and the query replaced by C(********).
    type: str
    required: true
  model:
    description:
      - Which kind of change NetSapiens posts.
    type: str
    default: subscriber
    choices: [agent, auditlog, auditlog_lite, call, call_origid, cdr, message, messagesession, subscriber, presence, voicemail]
  scope_domain:
    description:
      - Register the subscription under this domain (C(/domains/{domain}/subscriptions)), which needs only a domain's
        scope. Without it, the system-wide C(/subscriptions) is used, which needs Super User scope.
    type: str
  reseller:
    description:
      - Only changes of this reseller. C(*) is any.
    type: str
    default: '*'
  domain:
    description:
      - Only changes in this domain. C(*) is any. Under O(scope_domain), the server sets it to that domain.
    type: str
    default: '*'
  user:
    description:
      - Only changes of this user. C(*) is any.
    type: str
    default: '*'
  server_preferred:
    description:
      - The server that should post the events (passed as it is); left as the server has it when omitted.
    type: str
  lifetime_hours:
    description:
      - How long a new or renewed subscription lives, in hours.
      - C(0) sends no C(expires), so the subscription lives as long as the token that made it (an API key's
        lifetime; with OAuth2 that may be only the access token's hour, so prefer O(api_key) then).
    type: float
    default: 168
  renew_margin_hours:
    description:
      - Renew the subscription when fewer than this many hours are left before it expires.
      - Must be smaller than O(lifetime_hours), and larger than the time between two runs of this module.
    type: float
    default: 72
  state:
    description:
      - V(present) registers and renews the subscription; V(absent) deletes every subscription with this model and post URL.
    type: str
    default: present
    choices: [present, absent]
'''

EXAMPLES = r'''
- name: Have NetSapiens post subscriber changes to the event source of the rulebook
  clearip.netsapiens.netsapiens_event_subscription:
    host: pbx.example.com
    api_key: "{{ ns_api_key }}"
    post_url: "https://eda.example.com:5000/netsapiens/{{ netsapiens_events_token }}"
    lifetime_hours: 168
    renew_margin_hours: 72

- name: Only the changes of one reseller, registered under a domain
  clearip.netsapiens.netsapiens_event_subscription:
    host: pbx.example.com
    client_id: "{{ ns_client_id }}"
    client_secret: "{{ ns_client_secret }}"
    username: "{{ ns_username }}"
    password: "{{ ns_password }}"
    post_url: "https://eda.example.com:5000/netsapiens/{{ netsapiens_events_token }}"
    scope_domain: d1.example
    reseller: r1

- name: Stop the events
  clearip.netsapiens.netsapiens_event_subscription:
    host: pbx.example.com
    api_key: "{{ ns_api_key }}"
    post_url: "https://eda.example.com:5000/netsapiens/{{ netsapiens_events_token }}"
    state: absent
'''

RETURN = r'''
subscription:
  description: The subscription as it is after the run (as it would be, in check mode); empty when absent.
  returned: success
  type: dict
  contains:
    id:
      description: The subscription's id on the server; empty when the server did not say (or in check mode, for a new one).
      type: str
      sample: 4f1c0d2e
    model:
      description: The model.
      type: str
      sample: subscriber
    post_url:
      description: The post URL with its last path segment and query replaced by C(********).
      type: str
      sample: https://eda.example.com:5000/netsapiens/********
    reseller:
      description: The reseller filter.
      type: str
      sample: '*'
    domain:
      description: The domain filter.
      type: str
      sample: '*'
    user:
      description: The user filter.
      type: str
      sample: '*'
    expires:
      description: When it expires (C(YYYY-MM-DD HH:MM:SS), UTC); empty when it has no expiry.
      type: str
      sample: "2026-12-07 02:00:00"
created:
  description: Whether a subscription was (or would be) created.
  returned: success
  type: bool
renewed:
  description: Whether the subscription's C(expires) was (or would be) moved ahead.
  returned: success
  type: bool
changed_fields:
  description: The fields that were (or would be) changed on an existing subscription.
  returned: success
  type: list
  elements: str
  sample: [expires]
removed:
  description: How many subscriptions with this model and post URL were (or would be) deleted.
  returned: success
  type: int
  sample: 0
'''

import time

from ansible_collections.clearip.netsapiens.plugins.module_utils._http import OutcomeUnknown
from ansible_collections.clearip.netsapiens.plugins.module_utils._module import CollectionModule
from ansible_collections.clearip.netsapiens.plugins.module_utils._netsapiens_module import run_with_client
from ansible_collections.clearip.netsapiens.plugins.module_utils._netsapiens_records import (
    SUBSCRIPTION_MODELS, format_subscription_time, subscription_expires_at)
from ansible_collections.clearip.netsapiens.plugins.module_utils._netsapiens_subscriptions import Subscriptions
from ansible_collections.clearip.netsapiens.plugins.module_utils._options import netsapiens_options, netsapiens_rules
from ansible_collections.clearip.netsapiens.plugins.module_utils._urls import shown_post_url

FILTERS = ('reseller', 'domain', 'user')


def shown(record):
    """A subscription as results and diffs show it."""
    if not record:
        return {}
    result = dict((k, v) for k, v in record.items() if k != 'post_url')
    result['post_url'] = shown_post_url(record.get('post_url'))
    return result


def find(client, p):
    return [s for s in Subscriptions(client).list(p['scope_domain'])
            if s['model'] == p['model'] and s['post_url'] == p['post_url']]


def ensure(module, client, now):
    p = module.params
    found = find(client, p)
    existing = found[0] if found else None
    created = renewed = False
    changed_fields = []
    removed = 0
    lifetime = p['lifetime_hours'] * 3600.0
    margin = p['renew_margin_hours'] * 3600.0

    if p['state'] == 'absent':
        for item in found:
            if not module.check_mode:
                Subscriptions(client).delete(item['id'], p['scope_domain'])
            removed += 1
        end_state = {}
    else:
        wanted = dict((name, p[name]) for name in FILTERS)
        if p['scope_domain']:
            wanted['domain'] = p['scope_domain']   # the server sets it under a domain
        if p['server_preferred'] is not None:
            wanted['server_preferred'] = p['server_preferred']
        expires = format_subscription_time(now + lifetime) if lifetime > 0 else None
        if existing is None:
            fields = dict(wanted, model=p['model'], post_url=p['post_url'], expires=expires)
            end_state = dict(fields, id='', expires=expires or '')
            created = True
            if not module.check_mode:
                end_state = create(client, p, fields) or end_state
        else:
            changes = dict((name, value) for name, value in wanted.items() if existing.get(name) != value)
            if lifetime > 0:
                try:
                    left = subscription_expires_at(existing)
                except ValueError:
                    left = None   # unreadable: renewing writes one the server and this module agree on
                if left is None or left - now < margin:
                    changes['expires'] = expires
                    renewed = True
            changed_fields = sorted(changes)
            if changes and not module.check_mode:
                Subscriptions(client).update(existing['id'], changes, p['scope_domain'])
            end_state = dict(existing, **changes)
        for item in found[1:]:
            if not module.check_mode:
                Subscriptions(client).delete(item['id'], p['scope_domain'])
            removed += 1

    result = dict(changed=bool(created or changed_fields or removed), subscription=shown(end_state), created=created,
                  renewed=renewed, changed_fields=changed_fields, removed=removed)
    if module._diff:
        result['diff'] = dict(before=shown(existing), after=shown(end_state))
    return result


def create(client, p, fields):
    """Create, never twice: after an unknown outcome the list is read again before a second try."""
    try:
        answer = Subscriptions(client).create(fields, p['scope_domain'])
    except OutcomeUnknown:
        again = find(client, p)
        if again:
            return again[0]
        answer = Subscriptions(client).create(fields, p['scope_domain'])
    if answer is None:
        again = find(client, p)   # 202 or no record in the answer: what the server holds decides
        answer = again[0] if again else None
    return answer


def main():
    argument_spec = netsapiens_options()
    argument_spec.update(
        post_url=dict(type='str', required=True, no_log=True),
        model=dict(type='str', default='subscriber', choices=list(SUBSCRIPTION_MODELS)),
        scope_domain=dict(type='str'),
        reseller=dict(type='str', default='*'),
        domain=dict(type='str', default='*'),
        user=dict(type='str', default='*'),
        server_preferred=dict(type='str'),
        lifetime_hours=dict(type='float', default=168),
        renew_margin_hours=dict(type='float', default=72),
        state=dict(type='str', default='present', choices=['present', 'absent']),
    )
    module = CollectionModule(argument_spec=argument_spec, supports_check_mode=True, **netsapiens_rules())
    p = module.params
    if not p['post_url'].startswith(('http://', 'https://')):
        module.fail_json(msg='post_url must be an http:// or https:// URL that NetSapiens can reach')
    if p['lifetime_hours'] < 0 or p['renew_margin_hours'] < 0:
        module.fail_json(msg='lifetime_hours and renew_margin_hours must not be negative')
    if p['lifetime_hours'] > 0 and p['renew_margin_hours'] >= p['lifetime_hours']:
        module.fail_json(msg='renew_margin_hours (%s) must be smaller than lifetime_hours (%s), else every run renews the '
                             'subscription' % (p['renew_margin_hours'], p['lifetime_hours']))
    result = run_with_client(module, lambda client: ensure(module, client, time.time()))
    module.exit_json(**result)


if __name__ == '__main__':
    main()
