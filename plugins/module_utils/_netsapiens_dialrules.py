# -*- coding: utf-8 -*-
# Copyright: (c) 2026, clearip.netsapiens contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""NetSapiens dial rules (API v2 only), read and written through a ``NetSapiensClient``. Internal use only.

Every wire detail here is INFERRED from the public v2 description (v45.0) only; no source shows a
real exchange (contract, "Configuring the X-User-Id header"). The rules' field names are in
``_netsapiens_records`` (DIALRULE_*); the paths and the create's extra field are here. When a real
core disagrees, change it in one of the two (see docs/user_id_header.md).
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

from ansible_collections.clearip.netsapiens.plugins.module_utils._http import HttpError, OutcomeUnknown
from ansible_collections.clearip.netsapiens.plugins.module_utils._netsapiens import V2_BASE, NetSapiensTokenError
from ansible_collections.clearip.netsapiens.plugins.module_utils._netsapiens_records import (
    DIALRULE_CREATE_DEFAULTS, DIALRULE_FIELDS, DIALRULE_ID_FIELD, DIALRULE_MATCH_DEFAULT, DIALRULE_UPDATE_CARRIES,
    NetSapiensError, dialrule_wire, normalize_dialrule, planned_dialrule, redacted)

try:
    from urllib.parse import quote
except ImportError:  # pragma: no cover
    from urllib import quote  # type: ignore

DIALRULES_PATH = V2_BASE + '/domains/%(domain)s/dialplans/%(dialplan)s/dialrules'
# Without synchronous=yes a create answers 202 and no record.
DIALRULE_CREATE_EXTRA = {'synchronous': 'yes'}


def dialrules_path(domain, dialplan, rule_id=None):
    path = DIALRULES_PATH % {'domain': quote(domain, safe=''), 'dialplan': quote(dialplan, safe='')}
    if rule_id is not None:
        # A base64 id may hold '/' and '+', which must not split or change the path.
        path += '/' + quote(rule_id, safe='')
    return path


class DialRules(object):
    """The dial rules of NetSapiens through ``client`` (a ``NetSapiensClient``)."""

    def __init__(self, client):
        self.client = client

    def _dialrule_call(self, method, path, what, **kwargs):
        """A dial-rule call; 404 becomes an error that names ``what`` (the domain and dial plan, or the rule)."""
        if self.client.api_version != 'v2':
            raise NetSapiensError('dial rules need the NetSapiens API v2 (cores v44 and later), but this server answers only '
                                  'the API v1; set api_version to v2 or auto against a current core')
        try:
            return self.client.call(method, path, **kwargs)
        except OutcomeUnknown:
            raise
        except HttpError as exc:
            if exc.status == 404:
                raise NetSapiensError('NetSapiens has no %s (HTTP 404 on %s %s)' % (what, method, path), status=404)
            raise

    def list(self, domain, dialplan):
        """Every rule of one dial plan (normalised, sorted by matching, from_matching and id)."""
        path = dialrules_path(domain, dialplan)
        what = 'dial plan %s in domain %s' % (dialplan, domain)
        source = 'GET %s' % path

        def fetch(start, limit):
            resp = self._dialrule_call('GET', path, what, params={'start': start, 'limit': limit}, want_json=True)
            if resp.status == 204 or not (resp.text or '').strip():
                return [], source
            payload = resp.json()
            if not isinstance(payload, list):
                raise NetSapiensError('%s answered with %s where a list of dial rules was expected: %s'
                                      % (source, type(payload).__name__, redacted(payload)))
            return payload, source

        def count():
            try:
                return int(self._dialrule_call('GET', path + '/count', what).json().get('total'))
            except NetSapiensTokenError:
                raise
            except (HttpError, NetSapiensError, AttributeError, TypeError, ValueError):
                return None

        raw_rules, source = self.client.read_pages(fetch, count, ' for %s' % what)
        rules = [normalize_dialrule(raw, domain, dialplan, source) for raw in raw_rules]
        return sorted(rules, key=lambda r: (r['matching'], r['from_matching'], r['id']))

    def find(self, domain, dialplan, matching, from_matching=DIALRULE_MATCH_DEFAULT):
        """The one rule of the dial plan with these matching patterns, or None; several are an error."""
        from_matching = from_matching or DIALRULE_MATCH_DEFAULT
        found = [r for r in self.list(domain, dialplan) if r['matching'] == matching and r['from_matching'] == from_matching]
        if len(found) > 1:
            raise NetSapiensError('%d dial rules of dial plan %s in domain %s match to %s from %s (they differ in day, date or '
                                  'time), so which one to manage is not clear; ids: %s'
                                  % (len(found), dialplan, domain, matching, from_matching, ', '.join(r['id'] for r in found)))
        return found[0] if found else None

    def create(self, domain, dialplan, fields):
        """Create a rule from normalised ``fields``; return it as the server holds it (or as planned, after a 202).

        A 200/201 answer must be the rule asked for (same ``matching`` and ``from_matching``): another
        rule is an error; an answer without a rule is checked by reading the dial plan back.
        """
        path = dialrules_path(domain, dialplan)
        what = 'dial plan %s in domain %s' % (dialplan, domain)
        body = dict(DIALRULE_CREATE_DEFAULTS)
        body.update(dialrule_wire(fields))
        body.update(DIALRULE_CREATE_EXTRA)
        matching, from_matching = fields['matching'], fields.get('from_matching') or DIALRULE_MATCH_DEFAULT
        try:
            resp = self._dialrule_call('POST', path, what, json_body=body, idempotent=False, expect=(200, 201, 202))
        except OutcomeUnknown:
            # The create may have happened: only a fresh look can tell, so that a retry never makes a duplicate.
            existing = self.find(domain, dialplan, matching, from_matching)
            if existing is not None:
                return existing
            resp = self._dialrule_call('POST', path, what, json_body=body, idempotent=False, expect=(200, 201, 202))
        if resp.status == 202:
            # Accepted for later (the server ignored synchronous): there is no rule to check yet.
            return planned_dialrule(domain, dialplan, fields)
        source = 'POST %s' % path
        asked = 'dial rule to %s from %s in dial plan %s of domain %s' % (matching, from_matching, dialplan, domain)
        answered = [normalize_dialrule(raw, domain, dialplan, source) for raw in self._answered_rules(resp)]
        if answered:
            found = [r for r in answered if r['matching'] == matching and r['from_matching'] == from_matching]
            if len(found) == 1:
                return found[0]
            shown = '; '.join('to %s from %s (id %s)' % (r['matching'], r['from_matching'], r['id']) for r in answered)
            raise NetSapiensError(
                'NetSapiens answered the create of the %s (HTTP %d on %s) with another rule: %s. The server may have made a '
                'different rule than the one asked for: check the dial plan before running again'
                % (asked, resp.status, source, shown), status=resp.status)
        # 200 without a rule in the answer: what the server holds decides.
        created = self.find(domain, dialplan, matching, from_matching)
        if created is None:
            raise NetSapiensError('NetSapiens answered the create of the %s with HTTP %d, but the dial plan has no such rule '
                                  'when read back (GET %s)' % (asked, resp.status, path), status=resp.status)
        return created

    @staticmethod
    def _answered_rules(resp):
        """The dial-rule records in a create's answer (an object, or a list of them); [] for anything else."""
        try:
            answer = resp.json() if (resp.text or '').strip() else None
        except HttpError:
            return []
        items = answer if isinstance(answer, list) else [answer]
        return [item for item in items if isinstance(item, dict) and item.get(DIALRULE_FIELDS[0][1])]

    def update(self, rule, changes):
        """Change only the normalised ``changes`` of ``rule`` (as returned by find_dialrule).

        The body also carries every field of DIALRULE_UPDATE_CARRIES (the v2 description requires them
        on PUT): the rule's id, and its current destination user even when that is empty.
        """
        body = dialrule_wire(changes)
        current = dialrule_wire(dict((name, rule.get(name) or '') for name, _wire in DIALRULE_FIELDS if name != 'enabled'))
        for wire in DIALRULE_UPDATE_CARRIES:
            if wire == DIALRULE_ID_FIELD:
                body[wire] = rule['id']
            elif wire not in body:
                body[wire] = current[wire]
        path = dialrules_path(rule['domain'], rule['dialplan'], rule['id'])
        self._dialrule_call('PUT', path, self._rule_name(rule), json_body=body, expect=(200, 202, 204))

    def delete(self, rule):
        path = dialrules_path(rule['domain'], rule['dialplan'], rule['id'])
        self._dialrule_call('DELETE', path, self._rule_name(rule), expect=(200, 202, 204))

    @staticmethod
    def _rule_name(rule):
        return 'dial rule to %s from %s (id %s) in dial plan %s of domain %s' % (
            rule['matching'], rule['from_matching'], rule['id'], rule['dialplan'], rule['domain'])
