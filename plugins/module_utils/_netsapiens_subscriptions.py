# -*- coding: utf-8 -*-
# Copyright: (c) 2026, clearip.netsapiens contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""NetSapiens event subscriptions (API v2 only) through a ``NetSapiensClient``. Internal use only.

Paths, body fields and models are in the published v2 description (contract, "Event
subscriptions"); the subscriptions' field names are in ``_netsapiens_records`` (SUBSCRIPTION_*).
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

from ansible_collections.clearip.netsapiens.plugins.module_utils._http import HttpError, OutcomeUnknown
from ansible_collections.clearip.netsapiens.plugins.module_utils._netsapiens import V2_BASE
from ansible_collections.clearip.netsapiens.plugins.module_utils._netsapiens_records import (
    NetSapiensError, normalize_subscription, redacted, subscription_wire)

try:
    from urllib.parse import quote
except ImportError:  # pragma: no cover
    from urllib import quote  # type: ignore

SUBSCRIPTIONS_PATH = V2_BASE + '/subscriptions'
DOMAIN_SUBSCRIPTIONS_PATH = V2_BASE + '/domains/%(domain)s/subscriptions'


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

    def create(self, fields, domain=None):
        """Create a subscription from normalised ``fields``; None when the server did not say which record.

        A create whose outcome is unknown (timeout, reset) is not retried here: the caller reads the
        list again before anything else, so that a retry never makes a second subscription.
        """
        path = subscriptions_path(domain)
        resp = self._subscription_call('POST', path, json_body=subscription_wire(fields), idempotent=False,
                                       expect=(200, 201, 202))
        try:
            answer = resp.json() if (resp.text or '').strip() else None
        except HttpError:
            answer = None
        if isinstance(answer, list):
            answer = answer[0] if answer else None
        return normalize_subscription(answer) if isinstance(answer, dict) else None

    def update(self, subscription_id, changes, domain=None):
        self._subscription_call('PUT', subscriptions_path(domain, subscription_id), json_body=subscription_wire(changes),
                                expect=(200, 202, 204))

    def delete(self, subscription_id, domain=None):
        self._subscription_call('DELETE', subscriptions_path(domain, subscription_id), expect=(200, 202, 204))
