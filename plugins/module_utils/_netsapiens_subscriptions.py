# -*- coding: utf-8 -*-
# Copyright: (c) 2026, clearip.netsapiens contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""NetSapiens event subscriptions (API v2 only) through a ``NetSapiensClient``, and their health. Internal use only.

The paths, the answers and the vendor's advice on the expiry are here; the subscriptions' field names are in
``_netsapiens_records`` (SUBSCRIPTION_*).
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

from ansible_collections.clearip.netsapiens.plugins.module_utils._http import HttpError, OutcomeUnknown
from ansible_collections.clearip.netsapiens.plugins.module_utils._netsapiens import V2_BASE
from ansible_collections.clearip.netsapiens.plugins.module_utils._netsapiens_records import (
    SUBSCRIPTION_FILTERS, SUBSCRIPTION_STATUS_ERROR, NetSapiensError, normalize_subscription, redacted,
    subscription_hours_left, subscription_wire)
from ansible_collections.clearip.netsapiens.plugins.module_utils._urls import shown_post_url

try:
    from urllib.parse import quote
except ImportError:  # pragma: no cover
    from urllib import quote  # type: ignore

# -- contract notes ---------------------------------------------------------------------------------
# From the published v2 description (v45.0; tests/contract holds it, and the tests check every request
# against it): the paths; the body fields (their names are in _netsapiens_records); the models; the read-only
# fields status, error-count, posts-count and current-active-server; 409 for a subscription that already
# exists; and that a subscription without subscription-expires-datetime expires with the token that made it
# (an OAuth2 access token: about an hour; an API key: 20 years). A vendor page warns that the server may
# compute the expiry wrongly and advises setting it a couple of days ahead: so the expiry is always sent, at
# least SUBSCRIPTION_MIN_LIFETIME_HOURS ahead, and renewed at least SUBSCRIPTION_MIN_RENEW_MARGIN_HOURS before.
# Where the description is silent, the least is assumed:
# - GET /subscriptions documents no paging: one answer is the whole list;
# - the time zone of subscription-expires-datetime (INFERRED: UTC; the margins cover a core that reads it
#   in its own zone);
# - what a create or an update answers (the schema's record, or 202 and nothing: both are taken);
# - the update (PUT) takes no reseller, domain or user: a subscription with other filters is made anew;
# - the posts NetSapiens sends: "an array of objects" (the vendor's event-subscriptions guide); the
#   fields of a subscriber object are not published (INFERRED: those of GET /domains/{domain}/users),
#   and no signature or auth header is sent (the only secret is the post URL's). The event source
#   (extensions/eda/plugins/event_source/netsapiens_events.py) takes an empty array as a post of nothing.
SUBSCRIPTIONS_PATH = V2_BASE + '/subscriptions'
DOMAIN_SUBSCRIPTIONS_PATH = V2_BASE + '/domains/%(domain)s/subscriptions'
# A create of a subscription that exists (same parameters) answers this.
SUBSCRIPTION_EXISTS_STATUS = 409
# "Set it a couple of days ahead" (the vendor), and renew well before it is reached.
SUBSCRIPTION_MIN_LIFETIME_HOURS = 48
SUBSCRIPTION_MIN_RENEW_MARGIN_HOURS = 24
# What the health of a subscription carries (besides up, hours_left and problem).
HEALTH_FIELDS = ('status', 'error_count', 'posts_count', 'current_active_server', 'expires')


class NetSapiensSubscriptionExists(NetSapiensError):
    """A subscription create answered SUBSCRIPTION_EXISTS_STATUS: the same subscription is already there."""


def subscriptions_path(domain=None, subscription_id=None):
    """``/ns-api/v2/subscriptions[/{id}]``, or the same under ``/domains/{domain}`` when ``domain`` is given."""
    path = DOMAIN_SUBSCRIPTIONS_PATH % {'domain': quote(domain, safe='')} if domain else SUBSCRIPTIONS_PATH
    if subscription_id is not None:
        path += '/' + quote(str(subscription_id), safe='')
    return path


class Subscriptions(object):
    """The event subscriptions of NetSapiens through ``client`` (a ``NetSapiensClient``)."""

    def __init__(self, client):
        self.client = client

    def _subscription_call(self, method, path, **kwargs):
        if self.client.api_version != 'v2':
            raise NetSapiensError('event subscriptions need the NetSapiens API v2 (cores v44 and later), but this server '
                                  'answers only the API v1; set api_version to v2 or auto against a current core')
        try:
            return self.client.call(method, path, **kwargs)
        except OutcomeUnknown:
            raise
        except HttpError as exc:
            if exc.status == 404 and method == 'GET' and path.endswith('/subscriptions'):
                raise NetSapiensError('NetSapiens has no %s (HTTP 404 on GET %s): check the domain, or that the core has '
                                      'event subscriptions' % (path.rsplit('/', 1)[0], path), status=404)
            raise

    def list(self, domain=None):
        """The live subscriptions (normalised), of the whole system or of one domain.

        No paging is documented for this list, so one GET is taken as the whole list. Records
        without an id (SUBSCRIPTION_ID_FIELDS) are skipped, since they cannot be updated or deleted.
        """
        path = subscriptions_path(domain)
        resp = self._subscription_call('GET', path)
        if resp.status == 204 or not (resp.text or '').strip():
            return []
        payload = resp.json()
        if not isinstance(payload, list):
            raise NetSapiensError('GET %s answered with %s where a list of subscriptions was expected: %s'
                                  % (path, type(payload).__name__, redacted(payload)))
        found = [normalize_subscription(item) for item in payload if isinstance(item, dict)]
        return [item for item in found if item is not None]

    def find(self, domain, model, post_url, filters=None):
        """The live subscriptions with this ``model`` and ``post_url`` (and, given ``filters``, these reseller,
        domain and user), in the server's order."""
        return [s for s in self.list(domain)
                if s['model'] == model and s['post_url'] == post_url
                and all(s.get(name) == value for name, value in (filters or {}).items())]

    def create(self, fields, domain=None):
        """Create a subscription from normalised ``fields``; None when the server did not say which record.

        Raises NetSapiensSubscriptionExists when the server answers SUBSCRIPTION_EXISTS_STATUS (the same
        subscription is already there). A create whose outcome is unknown (timeout, reset) is not retried
        here (see ``create_once``).
        """
        path = subscriptions_path(domain)
        resp = self._subscription_call('POST', path, json_body=subscription_wire(fields), idempotent=False,
                                       expect=(200, 201, 202, SUBSCRIPTION_EXISTS_STATUS))
        if resp.status == SUBSCRIPTION_EXISTS_STATUS:
            raise NetSapiensSubscriptionExists('NetSapiens answered HTTP %d on POST %s: a subscription with these parameters '
                                               'already exists%s' % (resp.status, path, self.client.error_detail(resp)),
                                               status=resp.status)
        try:
            answer = resp.json() if (resp.text or '').strip() else None
        except HttpError:
            answer = None
        if isinstance(answer, list):
            answer = answer[0] if answer else None
        return normalize_subscription(answer) if isinstance(answer, dict) else None

    def create_once(self, fields, domain=None):
        """``(the subscription created, or None; whether NetSapiens answered SUBSCRIPTION_EXISTS_STATUS)``.

        Never creates twice: after an unknown outcome (timeout, reset) the list is read again, for one with
        ``fields``' model, post URL and filters, before a second try. A create answered without a record
        (202, or an empty body) is read back the same way.
        """
        filters = dict((name, fields[name]) for name in SUBSCRIPTION_FILTERS if fields.get(name) is not None)

        def again():
            found = self.find(domain, fields['model'], fields['post_url'], filters)
            return found[0] if found else None
        try:
            try:
                answer = self.create(fields, domain)
            except OutcomeUnknown:
                answer = again()
                if answer is not None:
                    return answer, False
                answer = self.create(fields, domain)
        except NetSapiensSubscriptionExists:
            return None, True
        return (answer if answer is not None else again()), False

    def update(self, subscription_id, changes, domain=None):
        self._subscription_call('PUT', subscriptions_path(domain, subscription_id), json_body=subscription_wire(changes),
                                expect=(200, 202, 204))

    def delete(self, subscription_id, domain=None):
        self._subscription_call('DELETE', subscriptions_path(domain, subscription_id), expect=(200, 202, 204))


def subscription_health(record, now, post_url, domain=None, planned=False, unlisted=False, missing=False):
    """Whether events flow, from what NetSapiens reports of the normalised subscription ``record`` at Unix time
    ``now``: ``{up, status, error_count, posts_count, current_active_server, expires, hours_left, problem}``.

    ``up`` is True when the subscription exists, is not in error, has a current-active-server and has not
    expired; else ``problem`` says what is wrong and how to look into it (the post URL shown without its
    secret). ``domain`` is the scope of the subscription (None: system-wide); ``planned``: it would be created
    (check mode), so it does not exist yet; ``unlisted``: its create answered SUBSCRIPTION_EXISTS_STATUS but
    the list does not show it; ``missing``: the list has none for the post URL (``read_health``).
    """
    record = record or {}
    found = dict((name, record.get(name)) for name in HEALTH_FIELDS)
    found['hours_left'] = subscription_hours_left(record, now)
    where = shown_post_url(post_url)
    sub_id = record.get('id') or ''
    read_it = ('GET %s (as the same user) shows it, and NetSapiens\' event-subscription log on the cores says more'
               % subscriptions_path(domain, sub_id or None))
    if planned:
        problem = 'no event subscription for %s with these filters is registered yet (check mode)' % where
    elif missing:
        problem = ('no event subscription for %s is registered (GET %s lists none with this post URL): run the events entry '
                   'point (playbooks/events.yml, or the role with tasks_from: events) to register it'
                   % (where, subscriptions_path(domain)))
    elif unlisted:
        problem = ('NetSapiens answered HTTP %d to the create of the event subscription for %s (it exists) but does not list '
                   'it at GET %s, so its status and expiry cannot be read or renewed: check the scope of the NetSapiens user '
                   'or API key (system-wide subscriptions need Super User scope; set scope_domain otherwise)'
                   % (SUBSCRIPTION_EXISTS_STATUS, where, subscriptions_path(domain)))
    elif found['status'] == SUBSCRIPTION_STATUS_ERROR:
        problem = ('NetSapiens reports the event subscription %s for %s in error: %s of its %s posts failed (no answer, or an '
                   'answer above 302). Check that the rulebook with the event source netsapiens_events runs, that the cores '
                   'reach the post URL (firewall, DNS, the TLS certificate, the token at its end) and the event source\'s log; '
                   '%s. Events resume, and the status turns active, after clean posts; the hourly sync covers what was missed'
                   % (sub_id, where, _count(found['error_count']), _count(found['posts_count']), read_it))
    elif not found['current_active_server']:
        problem = ('NetSapiens names no current-active-server for the event subscription %s for %s: no core sends its events '
                   '(status %s). Check the event-subscription service of the NetSapiens cores%s; %s'
                   % (sub_id, where, found['status'] or 'unknown',
                      ', and the preferred server %s' % record['preferred_server'] if record.get('preferred_server') else '',
                      read_it))
    elif found['hours_left'] is not None and found['hours_left'] <= 0:
        problem = ('the event subscription %s for %s expired at %s UTC: run the events entry point (or this module) to renew '
                   'it, and check that its daily renewal runs' % (sub_id, where, found['expires']))
    else:
        problem = ''
    found['up'] = not problem
    found['problem'] = problem
    return found


def read_health(client, post_url, now, scope_domain=None, model='subscriber'):
    """The health (``subscription_health``) of the ``model`` subscription posting to ``post_url`` as NetSapiens lists it
    at Unix time ``now``: one ``GET /subscriptions`` (under ``/domains/{scope_domain}`` when given) through ``client``,
    nothing written. Unlike the module in check mode, it reports the subscription as it is (an expired one is down,
    not "would be renewed"); one with other filters than the events entry point's still posts, so it counts.

    Never raises for NetSapiens' answers: a read that fails is reported in ``problem`` (``up`` False), since the
    subscription's health must never fail the sync that reads it. A stopped run (``RunStopped``) is let through.
    """
    try:
        found = Subscriptions(client).find(scope_domain, model, post_url)
    except (NetSapiensError, HttpError) as exc:
        failed = dict((name, None) for name in HEALTH_FIELDS)
        failed.update(hours_left=None, up=False, problem='reading the event subscription for %s failed: %s'
                      % (shown_post_url(post_url), exc))
        return failed
    return subscription_health(found[0] if found else None, now, post_url, scope_domain, missing=not found)


def _count(value):
    return 'an unknown number' if value is None else str(value)
