# -*- coding: utf-8 -*-
# Copyright: (c) 2026, clearip.netsapiens contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""NetSapiens records in the collection's shape, whatever the API version, without any I/O. Internal use only.

The client (``_netsapiens``) fetches; this file knows the records' wire field names (contract,
NetSapiens "Reading" v2 and v1, dial rules and event subscriptions) and turns them into:

- reseller   ``{name, description}``
- domain     ``{name, reseller, description}``
- user       ``{user, domain, first_name, last_name, service_code}``
- connection ``{name, domain, address}``
- dial rule  ``{id, domain, dialplan, matching, from_matching, application, parameter, destination_user,
  destination_host, description, enabled}`` (API v2 only; its wire details are inferred, see DIALRULE_*)
- subscription ``{id, model, post_url, reseller, domain, user, expires, preferred_server, status,
  current_active_server, created, error_count, posts_count}`` (API v2 only; field names of the schema
  ``Subscription``, see SUBSCRIPTION_*)

A malformed record is kept, with ``problem`` saying why (``normalize_record``), so that one bad
record never stops a run. Where the v2 description is silent (fields an answer may add, fields it
may leave out or send as null) every field is optional here.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import base64
import calendar
import json
import re
import time

from ansible_collections.clearip.netsapiens.plugins.module_utils._records import cut

SECRET_FIELD = re.compile(r'pass|secret|token|pin|key|auth', re.I)


class NetSapiensError(Exception):
    """A NetSapiens problem a person can act on; the message never holds a secret."""

    def __init__(self, message, status=None):
        super(NetSapiensError, self).__init__(message)
        self.message = message
        self.status = status

    def __str__(self):
        return self.message


# normalised field -> wire field, per API version. The first field of each kind identifies a
# record and must be present (else the record is malformed, see normalize_record); the others default to ''.
FIELD_MAPS = {
    'v2': {
        'reseller': (('name', 'reseller'), ('description', 'description')),
        'domain': (('name', 'domain'), ('reseller', 'reseller'), ('description', 'description')),
        'user': (('user', 'user'), ('domain', 'domain'), ('first_name', 'name-first-name'),
                 ('last_name', 'name-last-name'), ('service_code', 'service-code')),
        'connection': (('name', 'connection-orig-match-pattern'), ('domain', 'domain'), ('address', 'connection-address')),
    },
    'v1': {
        'reseller': (('name', 'territory'), ('description', 'description')),
        'domain': (('name', 'domain'), ('reseller', 'territory'), ('description', 'description')),
        'user': (('user', 'user'), ('domain', 'domain'), ('first_name', 'first_name'),
                 ('last_name', 'last_name'), ('service_code', 'srv_code')),
        'connection': (('name', 'aor'), ('domain', 'domain'), ('address', 'address')),
    },
}
# Sort keys, so that results never depend on the server's order.
SORT_FIELDS = {
    'reseller': ('name',),
    'domain': ('name',),
    'user': ('domain', 'user'),
    'connection': ('domain', 'name', 'address'),
}

# -- dial rules: every wire detail here is INFERRED ---------------------------------------------
# From the public v2 OpenAPI spec (v45.0) only; no source shows a real exchange. When a real core
# disagrees, change it here (see docs/user_id_header.md).
# A read names each rule in this field; the same value goes in the URL of GET/PUT/DELETE of one rule.
DIALRULE_ID_FIELD = 'dialrule'
# When a server leaves DIALRULE_ID_FIELD out, the spec says the id is the base64 of these fields
# joined with '||' (its one example, c2lwOjYxMUAq, is the base64 of the to-URI alone).
DIALRULE_ID_PARTS = ('dial-rule-matching-to-uri', 'dial-rule-matching-from-uri', 'dial-rule-matching-day-of-week',
                     'dial-rule-matching-start-date', 'dial-rule-matching-end-date', 'dial-rule-matching-start-time',
                     'dial-rule-matching-end-time')
DIALRULE_ID_SEPARATOR = '||'
DIALRULE_MATCH_DEFAULT = '*'
# normalised field -> wire field. matching and from_matching identify a rule; the others can be updated.
DIALRULE_FIELDS = (
    ('matching', 'dial-rule-matching-to-uri'),
    ('from_matching', 'dial-rule-matching-from-uri'),
    ('application', 'dial-rule-application'),
    ('parameter', 'dial-rule-parameter'),
    ('destination_user', 'dial-rule-translation-destination-user'),
    ('destination_host', 'dial-rule-translation-destination-host'),
    ('description', 'dial-rule-description'),
    ('enabled', 'enabled'),
)
DIALRULE_UPDATABLE = ('application', 'parameter', 'destination_user', 'destination_host', 'description', 'enabled')
# The spec requires a destination user on create; this one keeps the dialled user.
DIALRULE_CREATE_DEFAULTS = {'dial-rule-translation-destination-user': '[*]'}
# The spec marks these required in an update body, so an update repeats their current values.
DIALRULE_UPDATE_CARRIES = ('dialrule', 'dial-rule-translation-destination-user')
DIALRULE_ENABLED_WIRE = {True: 'yes', False: 'no'}

# -- event subscriptions (API v2): the field names of the schema Subscription of the published v2 description
# (v45.0; tests/contract holds it). An earlier contract gave the v1 name 'expires' and 'server_preferred', which
# appears only in one example of the description: a core does not know them. The paths, the 409 and what the
# description leaves open are in the contract notes of _netsapiens_subscriptions. Where it is silent, the least
# is assumed: fields an answer adds are ignored; a schema field may be absent or null (counters then read as
# None, text as ''); a record without an id cannot be managed (skipped).
# The field that names a subscription in a read (and in the URL of GET/PUT/DELETE of one): 'id' is the
# description's (required in Subscription); the others are INFERRED fallbacks of older cores.
SUBSCRIPTION_ID_FIELDS = ('id', 'subscription-id', 'subscription')
# normalised field -> wire field, for what a create or an update sends (and a read returns).
SUBSCRIPTION_FIELDS = (
    ('model', 'model'),
    ('post_url', 'post-url'),
    ('reseller', 'reseller'),
    ('domain', 'domain'),
    ('user', 'user'),
    ('expires', 'subscription-expires-datetime'),
    ('preferred_server', 'preferred-server'),
)
# normalised field -> wire field, for what only the server sets (never sent).
SUBSCRIPTION_READ_ONLY_FIELDS = (
    ('status', 'status'),
    ('current_active_server', 'current-active-server'),
    ('created', 'subscription-creation-datetime'),
)
SUBSCRIPTION_COUNTERS = (('error_count', 'error-count'), ('posts_count', 'posts-count'))
# The filters of a subscription: which changes it posts (the API's update takes none of them).
SUBSCRIPTION_FILTERS = ('reseller', 'domain', 'user')
SUBSCRIPTION_MODELS = ('agent', 'auditlog', 'auditlog_lite', 'call', 'call_origid', 'cdr', 'message', 'messagesession',
                       'subscriber', 'presence', 'voicemail')
SUBSCRIPTION_STATUSES = ('pending', 'active', 'error')
SUBSCRIPTION_STATUS_ERROR = 'error'
SUBSCRIPTION_FILTER_ANY = '*'
# The format of subscription-expires-datetime is documented; INFERRED: the server reads it as UTC.
SUBSCRIPTION_TIME_FORMAT = '%Y-%m-%d %H:%M:%S'


def text_value(value):
    if value is None:
        return ''
    if isinstance(value, bool):
        return 'true' if value else 'false'
    return value if isinstance(value, str) else str(value)


def redacted(record, limit=300):
    """A record as JSON for an error message, secret-looking fields masked, cut to ``limit``."""
    if isinstance(record, dict):
        record = dict((k, '********' if SECRET_FIELD.search(str(k)) else v) for k, v in record.items())
    try:
        text = json.dumps(record, sort_keys=True, default=str)
    except (TypeError, ValueError):
        text = repr(record)
    return text if len(text) <= limit else text[:limit] + '...'


# Fields the sync reads besides each kind's first (identifying) field. A value there that is not text
# is a malformed record; in the other fields (descriptions, names of people) it is shown as JSON text.
USED_FIELDS = {
    'reseller': ('name',),
    'domain': ('name', 'reseller'),
    'user': ('user', 'domain', 'service_code'),
    'connection': ('name', 'domain'),
}


def _fieldtext_value(value):
    """(text, problem): a wire value as text, or why it is not one.

    Null and absent are ''. Integers (not booleans) are written in decimal, since extensions are
    digits and a core may send them as numbers; booleans, fractions, objects and lists are not text.
    """
    if value is None:
        return '', None
    if isinstance(value, str):
        return value, None
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value), None
    kind = {bool: 'a boolean', float: 'a number', dict: 'an object', list: 'a list'}.get(type(value), type(value).__name__)
    return None, 'is %s, not text' % kind


def record_label(kind, index, source, domain=None):
    """How a problem names a record: its kind, 1-based position in its list, the domain it was listed under, the call."""
    where = ' of domain %s' % domain if domain else ''
    return '%s record #%d%s from %s' % (kind, index, where, source)


def normalize_record(kind, version, raw, index, source, domain=None):
    """The record in the collection's shape; a malformed one is kept, with ``problem`` saying why.

    ``index`` is 1-based over the whole list, ``source`` is the call that returned it and ``domain``
    the domain a user list was read for. A record is malformed when it is not a JSON object, when
    its identifying field (the first of ``FIELD_MAPS``) is absent, null or empty, or when a field of
    ``USED_FIELDS`` is not text (see ``_field_text``). A malformed record comes back as
    ``{<every field>: text or '', 'problem': str, 'position': index}``, so that the planner reports it
    as a failed item of its own tier (naming kind, position, domain and call) and syncs the others;
    one bad record never stops the run. Other fields that are not text become their JSON text.
    """
    fields = FIELD_MAPS[version][kind]
    key_name, key_wire = fields[0]
    label = record_label(kind, index, source, domain)
    record = dict((name, '') for name, _wire in fields)
    if kind == 'user' and domain:
        record['domain'] = domain
    if not isinstance(raw, dict):
        what = {type(None): 'null', str: 'a string', list: 'a list', bool: 'a boolean'}.get(type(raw), 'a number')
        return _with_problem(record, index, '%s: is %s, not an object (record: %s); fix the record in NetSapiens'
                             % (label, what, redacted(raw)))
    problems = []
    for name, wire in fields:
        text, problem = _fieldtext_value(raw.get(wire))
        if problem is None:
            # A user list is read per domain, so the domain is known even when a record leaves it out.
            if text or not (kind == 'user' and name == 'domain'):
                record[name] = text
        elif name in USED_FIELDS[kind]:
            problems.append("'%s' %s" % (wire, problem))
        else:
            record[name] = redacted(raw.get(wire))
    if not record[key_name] and not any(p.startswith("'%s' " % key_wire) for p in problems):
        problems.insert(0, "no '%s' field" % key_wire if raw.get(key_wire) is None else "an empty '%s' field" % key_wire)
    if problems:
        return _with_problem(record, index, '%s: %s (record: %s); fix the record in NetSapiens'
                             % (label, '; '.join(problems), redacted(raw)))
    return record


def _with_problem(record, index, problem):
    record['problem'] = problem
    record['position'] = index
    return record


def cut_user(record, fields):
    """A user record with only ``fields`` (records.cut), the domain and service code shared; a malformed one
    stays a dict with its ``problem`` and ``position``."""
    if record.get('problem'):
        out = dict((field, record.get(field, '')) for field in fields)
        out['problem'] = record['problem']
        out['position'] = record.get('position')
        return out
    return cut(record, fields, intern=('domain', 'service_code'))


def sort_records(kind, records):
    keys = SORT_FIELDS[kind]
    return sorted(records, key=lambda r: tuple(r.get(k) or '' for k in keys))


def _wire_bool(value):
    """A NetSapiens yes/no field as a bool; the spec's default for an absent one is yes."""
    if value is None or value == '':
        return True
    if isinstance(value, bool):
        return value
    return str(value).strip().lower() not in ('no', 'false', '0', 'off')


def dialrule_id(raw):
    """The id of a dial rule computed from its matching fields, for a server that does not send it."""
    joined = DIALRULE_ID_SEPARATOR.join(text_value(raw.get(wire)) or DIALRULE_MATCH_DEFAULT for wire in DIALRULE_ID_PARTS)
    return base64.b64encode(joined.encode('utf-8')).decode('ascii')


def dialrule_wire(fields):
    """The wire body of the normalised ``fields`` that are set (None means: not managed)."""
    body = {}
    for name, wire in DIALRULE_FIELDS:
        value = fields.get(name)
        if value is None:
            continue
        body[wire] = DIALRULE_ENABLED_WIRE[bool(value)] if name == 'enabled' else text_value(value)
    return body


def normalize_dialrule(raw, domain, dialplan, source):
    """A dial rule in the collection's shape: ``{id, domain, dialplan, matching, from_matching, application, ...}``."""
    if not isinstance(raw, dict) or raw.get(DIALRULE_FIELDS[0][1]) in (None, ''):
        raise NetSapiensError("dial rule from %s has no '%s' field: %s" % (source, DIALRULE_FIELDS[0][1], redacted(raw)))
    rule = {'domain': domain, 'dialplan': dialplan}
    for name, wire in DIALRULE_FIELDS:
        value = raw.get(wire)
        if name == 'enabled':
            rule[name] = _wire_bool(value)
        elif name == 'from_matching':
            rule[name] = text_value(value) or DIALRULE_MATCH_DEFAULT
        else:
            rule[name] = text_value(value)
    rule['id'] = text_value(raw.get(DIALRULE_ID_FIELD)) or dialrule_id(raw)
    return rule


def planned_dialrule(domain, dialplan, fields):
    """The rule a create from normalised ``fields`` makes, as a read would return it."""
    body = dict(DIALRULE_CREATE_DEFAULTS)
    body.update(dialrule_wire(fields))
    return normalize_dialrule(body, domain, dialplan, 'the planned create')


def normalize_subscription(raw):
    """A wire subscription -> ``{id, model, post_url, reseller, domain, user, expires, preferred_server, status,
    current_active_server, created, error_count, posts_count}``: text fields are strings (a filter the server
    left out is ``*``, other missing ones ``''``), the counters ints or None when absent or not numbers.
    None for a record without an id."""
    sub_id = None
    for name in SUBSCRIPTION_ID_FIELDS:
        if raw.get(name) not in (None, ''):
            sub_id = text_value(raw.get(name))
            break
    if sub_id is None:
        return None
    record = {'id': sub_id}
    for name, wire in SUBSCRIPTION_FIELDS + SUBSCRIPTION_READ_ONLY_FIELDS:
        value = text_value(raw.get(wire))
        if not value and name in SUBSCRIPTION_FILTERS:
            value = SUBSCRIPTION_FILTER_ANY
        record[name] = value
    for name, wire in SUBSCRIPTION_COUNTERS:
        value = raw.get(wire)
        try:
            record[name] = None if value is None or isinstance(value, bool) else int(value)
        except (TypeError, ValueError):
            record[name] = None
    return record


def subscription_wire(fields):
    """Normalised subscription fields -> a request body (only the writable fields given; None left out)."""
    return dict((wire, fields[name]) for name, wire in SUBSCRIPTION_FIELDS if fields.get(name) is not None)


def subscription_expires_at(record):
    """The Unix time of a normalised subscription's ``expires``; None when it has none; ValueError when unreadable."""
    value = record.get('expires')
    if not value:
        return None
    return calendar.timegm(time.strptime(value, SUBSCRIPTION_TIME_FORMAT))


def subscription_hours_left(record, now):
    """Hours before a normalised subscription expires at Unix time ``now`` (negative once past, to 0.01), or None
    when its expiry is unknown or unreadable."""
    try:
        at = subscription_expires_at(record or {})
    except ValueError:
        return None
    return None if at is None else round((at - now) / 3600.0, 2)


def format_subscription_time(unix_time):
    return time.strftime(SUBSCRIPTION_TIME_FORMAT, time.gmtime(unix_time))
