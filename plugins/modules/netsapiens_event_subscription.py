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
    C(/ns-api/v2/subscriptions), or C(/ns-api/v2/domains/{domain}/subscriptions) with O(scope_domain)), with the
    field names of the published API description (schema C(Subscription)), and reports whether events flow.
  - A subscription is identified by its model and post URL (and O(scope_domain)). O(preferred_server) is updated in
    place when it differs; other reseller, domain or user filters make a new subscription (the API's update takes
    none of them), and the old one is deleted once the new one exists.
  - The expiry (C(subscription-expires-datetime)) is always set, O(lifetime_hours) ahead, and renewed (moved ahead
    again) when fewer than O(renew_margin_hours) are left; a run with nothing to renew or change writes nothing.
    Without an expiry NetSapiens would let the subscription expire with the token that made it (with an OAuth2
    password grant, as the vendor's config.json has it, about an hour later), and the vendor advises setting it a
    couple of days ahead, because the server may compute it wrongly. The role's C(events) entry point runs this
    module daily from cron.
  - When NetSapiens answers HTTP 409 to the create (the same subscription already exists, for example made by
    another run meanwhile), the subscription is taken as present; it is read again, and renewed when it needs it.
  - Several subscriptions with the same model and post URL would post each event more than once; all but the
    first are deleted.
  - Returns the subscription's health as NetSapiens reports it (RV(health)) - its C(status), C(error-count),
    C(posts-count), C(current-active-server) and the hours left before it expires - with what to look into when
    events do not flow. The module does not fail for that; the role's C(events) entry point does.
  - Needs the NetSapiens API v2 (cores v44 and later).
  - The time zone of C(subscription-expires-datetime) (taken as UTC) is not in the published API description; see
    the contract notes in the collection's C(plugins/module_utils/_netsapiens_subscriptions.py).
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
  preferred_server:
    description:
      - The host name of the NetSapiens core that should send the events while it is up (C(preferred-server));
        left as the server has it when omitted.
    type: str
    aliases: [server_preferred]
  lifetime_hours:
    description:
      - How far ahead a new or renewed subscription's expiry is set, in hours; at least 48 (the vendor advises
        setting the expiry a couple of days ahead).
    type: float
    default: 168
  renew_margin_hours:
    description:
      - Renew the subscription when fewer than this many hours are left before it expires; at least 24.
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
      description: When it expires (C(subscription-expires-datetime), C(YYYY-MM-DD HH:MM:SS), UTC); empty when unknown.
      type: str
      sample: "2026-12-07 02:00:00"
    preferred_server:
      description: The preferred server (C(preferred-server)); empty when none is set.
      type: str
      sample: core1.example.com
    status:
      description: What NetSapiens reports (C(pending), C(active), C(error)); empty when unknown.
      type: str
      sample: active
    current_active_server:
      description: The core that sends the events now (C(current-active-server)); empty when none does.
      type: str
      sample: core1.example.com
    error_count:
      description: Posts that failed (no answer, or an answer above 302), as NetSapiens counts them; null when unknown.
      type: int
      sample: 0
    posts_count:
      description: Posts attempted, as NetSapiens counts them; null when unknown.
      type: int
      sample: 42
    created:
      description: When NetSapiens made it (C(subscription-creation-datetime)).
      type: str
      sample: "2026-11-30 02:00:00"
    hours_left:
      description: Hours left before it expires (negative once past); null when the expiry is unknown.
      type: float
      sample: 160.5
health:
  description:
    - Whether events flow, from what NetSapiens reports of the subscription after the run (in check mode nothing is
      written, so as it reports it now; for one that would be created, not up).
  returned: success, with O(state=present)
  type: dict
  contains:
    up:
      description: True when the subscription exists, is not in C(error), has a C(current-active-server) and has not expired.
      type: bool
      sample: true
    status:
      description: As in RV(subscription.status).
      type: str
      sample: active
    error_count:
      description: As in RV(subscription.error_count).
      type: int
      sample: 0
    posts_count:
      description: As in RV(subscription.posts_count).
      type: int
      sample: 42
    current_active_server:
      description: As in RV(subscription.current_active_server).
      type: str
      sample: core1.example.com
    expires:
      description: As in RV(subscription.expires).
      type: str
      sample: "2026-12-07 02:00:00"
    hours_left:
      description: Hours left before it expires (negative once past); null when the expiry is unknown.
      type: float
      sample: 160.5
    problem:
      description: Empty when RV(health.up); else what is wrong and how to look into it.
      type: str
      sample: ""
created:
  description: Whether a subscription was (or would be) created.
  returned: success
  type: bool
renewed:
  description: Whether the subscription's expiry was (or would be) moved ahead.
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
replaced:
  description: Whether the subscription was (or would be) made anew because its reseller, domain or user filter differed.
  returned: success
  type: bool
conflict:
  description: Whether NetSapiens answered the create with HTTP 409 (the subscription already existed), which is taken as present.
  returned: success
  type: bool
'''

import time

from ansible_collections.clearip.netsapiens.plugins.module_utils._module import CollectionModule
from ansible_collections.clearip.netsapiens.plugins.module_utils._netsapiens_module import run_with_client
from ansible_collections.clearip.netsapiens.plugins.module_utils._netsapiens_records import (
    SUBSCRIPTION_FILTERS, SUBSCRIPTION_MODELS, format_subscription_time, subscription_hours_left)
from ansible_collections.clearip.netsapiens.plugins.module_utils._netsapiens_subscriptions import (
    SUBSCRIPTION_MIN_LIFETIME_HOURS, SUBSCRIPTION_MIN_RENEW_MARGIN_HOURS, Subscriptions, subscription_health)
from ansible_collections.clearip.netsapiens.plugins.module_utils._options import netsapiens_options, netsapiens_rules
from ansible_collections.clearip.netsapiens.plugins.module_utils._urls import shown_post_url


def shown(record, now):
    """A subscription as results and diffs show it."""
    if not record:
        return {}
    result = dict((k, v) for k, v in record.items() if k != 'post_url')
    result['post_url'] = shown_post_url(record.get('post_url'))
    result['hours_left'] = subscription_hours_left(record, now)
    return result


def ensure(module, client, now):
    """The module's result; writes only outside check mode."""
    p = module.params
    subscriptions = Subscriptions(client)
    found = subscriptions.find(p['scope_domain'], p['model'], p['post_url'])
    existing = found[0] if found else None
    created = renewed = replaced = conflict = unlisted = False
    changed_fields = []
    removed = 0
    expires = format_subscription_time(now + p['lifetime_hours'] * 3600.0)

    if p['state'] == 'absent':
        for item in found:
            if not module.check_mode:
                subscriptions.delete(item['id'], p['scope_domain'])
            removed += 1
        end_state = {}
    else:
        filters = dict((name, p[name]) for name in SUBSCRIPTION_FILTERS)
        if p['scope_domain']:
            filters['domain'] = p['scope_domain']   # the server sets it under a domain
        wanted = {} if p['preferred_server'] is None else {'preferred_server': p['preferred_server']}
        refilter = sorted(name for name in SUBSCRIPTION_FILTERS if existing is not None and existing.get(name) != filters[name])
        target = existing if existing is not None and not refilter else None   # the subscription to keep
        end_state = {}
        if existing is None or refilter:
            # New, or with other filters: the update (PUT) takes no reseller, domain or user, so a subscription
            # with other filters is made anew; the old one is deleted once the new one exists.
            fields = dict(filters, model=p['model'], post_url=p['post_url'], expires=expires, **wanted)
            end_state = dict(fields, id='')
            if not module.check_mode:
                answer, conflict = subscriptions.create_once(fields, p['scope_domain'])
                if conflict:
                    # It exists after all (another run made it meanwhile, or the list lags): take it as present,
                    # and check its expiry like any other.
                    again = subscriptions.find(p['scope_domain'], p['model'], p['post_url'], filters)
                    target = again[0] if again else None
                    unlisted = target is None
                else:
                    end_state = answer or end_state
            created = existing is None and not conflict
            replaced = bool(refilter)
            changed_fields = refilter
        if target is not None:
            changes = dict((name, value) for name, value in wanted.items() if target.get(name) != value)
            if (subscription_hours_left(target, now) or 0) < p['renew_margin_hours']:
                changes['expires'] = expires   # none, unreadable or too close: set one the server and this module agree on
                renewed = True
            changed_fields = sorted(set(changed_fields) | set(changes))
            if changes and not module.check_mode:
                subscriptions.update(target['id'], changes, p['scope_domain'])
            end_state = dict(target, **changes)
        # Several with this model and post URL would post each event more than once: only the kept one stays.
        for item in found:
            if item is target or (end_state.get('id') and item.get('id') == end_state['id']):
                continue
            if not module.check_mode:
                subscriptions.delete(item['id'], p['scope_domain'])
            removed += 1

    result = dict(changed=bool(created or replaced or changed_fields or removed), subscription=shown(end_state, now),
                  created=created, replaced=replaced, renewed=renewed, changed_fields=changed_fields, removed=removed,
                  conflict=conflict)
    if p['state'] == 'present':
        planned = module.check_mode and (created or replaced)
        result['health'] = subscription_health(end_state, now, p['post_url'], p['scope_domain'], planned=planned,
                                               unlisted=unlisted)
        if unlisted:
            module.warn(result['health']['problem'])
    if module._diff:
        result['diff'] = dict(before=shown(existing, now), after=shown(end_state, now))
    return result


def main():
    argument_spec = netsapiens_options()
    argument_spec.update(
        post_url=dict(type='str', required=True, no_log=True),
        model=dict(type='str', default='subscriber', choices=list(SUBSCRIPTION_MODELS)),
        scope_domain=dict(type='str'),
        reseller=dict(type='str', default='*'),
        domain=dict(type='str', default='*'),
        user=dict(type='str', default='*'),
        preferred_server=dict(type='str', aliases=['server_preferred']),
        lifetime_hours=dict(type='float', default=168),
        renew_margin_hours=dict(type='float', default=72),
        state=dict(type='str', default='present', choices=['present', 'absent']),
    )
    module = CollectionModule(argument_spec=argument_spec, supports_check_mode=True, **netsapiens_rules())
    p = module.params
    if not p['post_url'].startswith(('http://', 'https://')):
        module.fail_json(msg='post_url must be an http:// or https:// URL that NetSapiens can reach')
    if p['lifetime_hours'] < SUBSCRIPTION_MIN_LIFETIME_HOURS:
        module.fail_json(msg='lifetime_hours (%s) must be at least %d: the subscription always gets an expiry, and the vendor '
                             'advises setting it a couple of days ahead, since the server may compute it wrongly (without one it '
                             'would expire with the token that made it)' % (p['lifetime_hours'], SUBSCRIPTION_MIN_LIFETIME_HOURS))
    if p['renew_margin_hours'] < SUBSCRIPTION_MIN_RENEW_MARGIN_HOURS:
        module.fail_json(msg='renew_margin_hours (%s) must be at least %d, so that a daily renewal that fails once still has a day '
                             'to try again' % (p['renew_margin_hours'], SUBSCRIPTION_MIN_RENEW_MARGIN_HOURS))
    if p['renew_margin_hours'] >= p['lifetime_hours']:
        module.fail_json(msg='renew_margin_hours (%s) must be smaller than lifetime_hours (%s), else every run renews the '
                             'subscription' % (p['renew_margin_hours'], p['lifetime_hours']))
    result = run_with_client(module, lambda client: ensure(module, client, time.time()))
    module.exit_json(**result)


if __name__ == '__main__':
    main()
