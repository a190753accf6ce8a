# -*- coding: utf-8 -*-
# Copyright: (c) 2026, clearip.netsapiens contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""A targeted sync (the event-driven path) costs the same on a platform of any size (issue 23): it reads only the named
domains, their resellers and users, and asks ClearIP only about the names they need, counted in the simulators."""

from __future__ import annotations

import requests

from tests.integration.conftest import Sims, vendor_config
from tests.simulators.dataset import make_dataset

NEW_USER = '7001'
# The event source's URL, as an event-driven deployment puts it in config.json (docs/events.md): every run, a targeted one
# too, then reads the event subscription's health (issue 20), and those requests are counted with the rest.
POST_URL = 'https://eda.example.com:5000/netsapiens/targeted-secret'


def platform(sims, domains, seed=41):
    """A platform whose ClearIP holds everything, plus one new user in NetSapiens' second domain, with the event
    subscription registered (no current-active-server, so the simulator posts nowhere)."""
    dataset = make_dataset(resellers=max(1, domains // 50), domains=domains, users=domains * 10, seed=seed,
                           clearip_existing={'service_providers': max(1, domains // 50), 'groups': domains,
                                             'users': domains * 10})
    dataset['netsapiens']['subscriptions'] = [{'model': 'subscriber', 'post-url': POST_URL, 'reseller': '*', 'domain': '*',
                                               'user': '*', 'subscription-expires-datetime': '2099-01-01 00:00:00',
                                               'current-active-server': ''}]
    s = sims(dataset)
    domain = dataset['netsapiens']['domains'][1]['domain']
    answer = requests.post(s.netsapiens.url + '/_sim/users', json={'users': [{'user': NEW_USER, 'domain': domain}]}, timeout=10)
    answer.raise_for_status()
    Sims.reset_stats(s.netsapiens)
    Sims.reset_stats(s.clearip)
    return s, domain


def requests_made(s):
    return sum(Sims.stats(s.netsapiens)['requests'].values()), sum(Sims.stats(s.clearip)['requests'].values())


def test_a_targeted_run_asks_as_much_on_a_large_platform_as_on_a_small_one(sims, sync):
    counts = {}
    for domains in (20, 400):
        s, domain = platform(sims, domains)
        config = vendor_config(s)
        config['netsapiens']['eventsPostUrl'] = POST_URL
        run = sync(config, extra_vars={'subscriber_sync_domains': [domain]})
        assert run.rc == 0, run.stdout[-3000:]
        # The subscription's health was read (one list of subscriptions) and is in the report, as it is.
        events = run.out['report']['events']
        assert events is not None and events['up'] is False and 'no current-active-server' in events['problem'], events
        assert run.out['report']['tiers']['users']['created'] == ['%s@%s' % (NEW_USER, domain)]
        ns, cip = requests_made(s)
        counts[domains] = (ns, cip)
        print('targeted run, %d domains (%d users): %d requests (NetSapiens %d, ClearIP %d)'
              % (domains, domains * 10, ns + cip, ns, cip))
        assert Sims.total_writes(s.clearip) == 1   # the new User, nothing else
        ns_read = Sims.stats(s.netsapiens)['requests']
        # No list of the whole platform: the named domain and its reseller are read one by one.
        assert 'GET /ns-api/v2/domains' not in ns_read and 'GET /ns-api/v2/resellers' not in ns_read
        assert ns_read['GET /ns-api/v2/domains/{domain}'] == 1
        assert ns_read['GET /ns-api/v2/subscriptions'] == 1
        # ClearIP asked only with filters (by name, by Group, by User ID): never a whole tier.
        held = Sims.state(s.clearip)['users']
        assert [u['name'] for u in held].count('%s@%s' % (NEW_USER, domain)) == 1
    small, large = sum(counts[20]), sum(counts[400])
    assert small <= 40 and large <= 40, counts
    assert large <= small * 1.2, counts


def test_a_targeted_run_keeps_the_tier_rules_moved_domain_and_held_user_id(sims, sync):
    """The same refusals as a full sync, from lookups: a Group held under another Service Provider (moved domain), and a
    new User whose User ID another User holds. Nothing is created twice or wrongly."""
    dataset = make_dataset(resellers=2, domains=4, users=12, seed=43,
                           clearip_existing={'service_providers': 2, 'groups': 4, 'users': 12})
    domains = dataset['netsapiens']['domains']
    moved, kept = domains[0], domains[3]
    # NetSapiens now puts the first domain under the other reseller: its Group is held under the old one.
    other = [r['reseller'] for r in dataset['netsapiens']['resellers'] if r['reseller'] != moved['reseller']][0]
    moved['reseller'] = other
    group = [g for g in dataset['clearip']['groups'] if g['name'] == kept['domain']][0]
    taken = '%s@%s' % (NEW_USER, kept['domain'])
    dataset['clearip']['users'].append({'id': 'front-desk', 'name': 'Front Desk', 'userId': taken, 'group': group['id'],
                                        'operator': group['operator']})
    s = sims(dataset)
    requests.post(s.netsapiens.url + '/_sim/users', json={'users': [{'user': NEW_USER, 'domain': kept['domain']}]},
                  timeout=10).raise_for_status()
    Sims.reset_stats(s.clearip)
    for check in (True, False):
        run = sync(vendor_config(s), extra_vars={'subscriber_sync_domains': [moved['domain'], kept['domain']]}, check=check)
        assert run.rc != 0, run
        tiers = run.out['report']['tiers']
        group_failures = dict((f['name'], f['reason']) for f in tiers['groups']['failed'])
        assert 'the domain moved to another reseller' in group_failures[moved['domain']]
        user_failures = dict((f['name'], f['reason']) for f in tiers['users']['failed'])
        assert "already held in ClearIP by user 'Front Desk'" in user_failures[taken]
        assert tiers['users']['created'] == []
    assert Sims.total_writes(s.clearip) == 0
