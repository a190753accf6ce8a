# -*- coding: utf-8 -*-
# Copyright: (c) 2026, clearip.netsapiens contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""ClearIP objects reshaped for their readers, without any I/O. Internal use only.

The client (``_clearip``) returns objects as ClearIP sends them. This file knows their field names
(contract, ClearIP "Objects": a parent by id in ``serviceProvider``/``group``, ``userId``,
``createdAt``/``updatedAt`` in Unix ms; the Group and User fields are **inferred** from the
documented conventions) and turns them into:

- *listed* records (``listed``): ``{id, name, comment, parent_id, user_id}``, slotted (``_records``),
  what the sync's planner, the tier confirmation and the drift read of 100,000 Users;
- *info* records (``info_record``): what the ``clearip_*_info`` modules return, snake_case, with the
  parent by id and by name; and the filters those modules apply (``keep``, ``parse_time_ms``);
- the count of SIP messages by the User ID ClearIP received (``classify_user_ids``).
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import calendar
import datetime
import fnmatch
import json
import re
import sys

from ansible_collections.clearip.netsapiens.plugins.module_utils._kinds import GROUP, PARENT_KEY, SERVICE_PROVIDER, USER
from ansible_collections.clearip.netsapiens.plugins.module_utils._records import record_type

# kind -> the field that holds the parent's id (a string, or an expanded object with an id)
PARENT_ID_FIELD = {SERVICE_PROVIDER: None, GROUP: 'serviceProvider', USER: 'group'}
USER_ID_FIELD = 'userId'
# ClearIP field -> info record key, for the fields every object has (createdAt/updatedAt: Unix ms).
INFO_FIELDS = (('id', 'id'), ('name', 'name'), ('status', 'status'), ('comment', 'comment'),
               ('createdAt', 'created_at'), ('updatedAt', 'updated_at'))
# GET /sipMessages (documented): the X-User-Id header ClearIP received is each message's userId.
SIP_MESSAGE_USER_ID_FIELD = 'userId'
UNKNOWN_USER_IDS_SHOWN = 50

_LISTED = record_type(('id', 'name', 'comment', 'parent_id', 'user_id'))
_JOB = record_type(('name', 'parent_id', 'comment', 'user_id'))


def ref_id(value):
    """The id of a parent reference, which is an id string or (expanded) an object with an id."""
    if isinstance(value, dict):
        return value.get('id')
    return value


def _shared(value):
    return sys.intern(value) if isinstance(value, str) else value


def listed(kind, raw):
    """``raw`` (an object of ``kind`` as ClearIP lists it) as ``{id, name, comment, parent_id, user_id}``.

    A slotted record (``_records``) read like a dict; the comment and the parent's id, which many
    objects repeat, are interned, and a User ID equal to the name is the name's string, so 100,000
    Users hold one copy of each. ``parent_id`` is None for Service Providers, ``user_id`` for all but Users.
    """
    out = _LISTED()
    out.id = raw.get('id')
    out.name = raw.get('name')
    out.comment = _shared(raw.get('comment'))
    field = PARENT_ID_FIELD[kind]
    out.parent_id = _shared(ref_id(raw.get(field))) if field else None
    user_id = raw.get(USER_ID_FIELD) if kind == USER else None
    out.user_id = out.name if user_id is not None and user_id == out.name else user_id
    return out


def listing_shape(kind):
    """The function the client applies to each object of a ``kind`` listing as its page arrives (``listed``)."""
    return lambda raw: listed(kind, raw)


def create_job(name, parent_id, comment, user_id):
    """One create for ``ClearIPClient.create_many``: a slotted record read like ``{name, parent_id, comment, user_id}``."""
    job = _JOB()
    job.name, job.parent_id, job.comment, job.user_id = name, parent_id, comment, user_id
    return job


def info_record(kind, raw, parent_names_by_id=None):
    """One ClearIP object with snake_case keys and its parent by id and by name (None when not known)."""
    record = dict((key, raw.get(wire)) for wire, key in INFO_FIELDS)
    parent_key = PARENT_KEY[kind]
    if parent_key:
        record[parent_key + '_id'] = ref_id(raw.get(PARENT_ID_FIELD[kind]))
        record[parent_key] = (parent_names_by_id or {}).get(record[parent_key + '_id'])
    if kind == USER:
        record['user_id'] = raw.get(USER_ID_FIELD)
    return record


# -- the info modules' filters ------------------------------------------------------------------

_ISO = re.compile(r'^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,6}))?)?)?'
                  r'(Z|[+-]\d{2}:?\d{2})?$')


class FilterError(ValueError):
    """An info module's filter option cannot be read; the message names the option."""


def parse_time_ms(value, option):
    """Unix milliseconds from an integer (already ms) or an ISO 8601 date or date-time (UTC unless it has an offset)."""
    if value is None:
        return None
    text = str(value).strip()
    if re.match(r'^-?\d+$', text):
        return int(text)
    match = _ISO.match(text)
    if not match:
        raise FilterError('%s must be Unix milliseconds or an ISO 8601 date or date-time such as 2026-01-31 or '
                          '2026-01-31T12:00:00Z, got %r' % (option, value))
    year, month, day, hour, minute, second, fraction, zone = match.groups()
    try:
        moment = datetime.datetime(int(year), int(month), int(day), int(hour or 0), int(minute or 0), int(second or 0))
    except ValueError as exc:
        raise FilterError('%s: %r is not a valid date or time: %s' % (option, value, exc))
    seconds = calendar.timegm(moment.timetuple())
    if zone and zone != 'Z':
        sign = -1 if zone[0] == '-' else 1
        digits = zone[1:].replace(':', '')
        seconds -= sign * (int(digits[:2]) * 3600 + int(digits[2:]) * 60)
    millis = int((fraction or '0').ljust(3, '0')[:3])
    return seconds * 1000 + millis


def _ms(value):
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return int(value)
    if isinstance(value, str) and re.match(r'^-?\d+$', value.strip()):
        return int(value.strip())
    return None


def keep(record, name=None, name_pattern=None, parent_ids=None, comment_contains=None, created_after=None, created_before=None):
    """True when ``record`` (an info record) passes every filter given (times in Unix ms, ``created_before`` exclusive)."""
    if name is not None and record.get('name') != name:
        return False
    if name_pattern is not None and not (isinstance(record.get('name'), str) and fnmatch.fnmatchcase(record['name'], name_pattern)):
        return False
    if parent_ids is not None:
        parent_id = record.get('service_provider_id', record.get('group_id'))
        if parent_id not in parent_ids:
            return False
    if comment_contains is not None and comment_contains not in (record.get('comment') or ''):
        return False
    if created_after is not None or created_before is not None:
        created = _ms(record.get('created_at'))
        if created is None:
            return False
        if created_after is not None and created < created_after:
            return False
        if created_before is not None and created >= created_before:
            return False
    return True


def classify_user_ids(messages, users):
    """Count the messages whose userId is a provisioned User's, an unknown one, or none at all.

    ``users``: ClearIP Users as listed (wire objects); returns ``{messages, matched, unknown, none, matched_users,
    provisioned_user_ids, unknown_user_ids: [{user_id, count}] (the most frequent first), unknown_user_ids_total}``.
    """
    known = set(u.get(USER_ID_FIELD) for u in users if isinstance(u, dict) and u.get(USER_ID_FIELD))
    matched = 0
    without = 0
    matched_ids = set()
    unknown = {}
    for message in messages:
        user_id = message.get(SIP_MESSAGE_USER_ID_FIELD)
        if user_id is None or (isinstance(user_id, str) and not user_id.strip()):
            without += 1
        elif user_id in known:
            matched += 1
            matched_ids.add(user_id)
        else:
            key = user_id if isinstance(user_id, str) else json.dumps(user_id)
            unknown[key] = unknown.get(key, 0) + 1
    ranked = sorted(unknown.items(), key=lambda item: (-item[1], item[0]))
    return {
        'messages': len(messages),
        'matched': matched,
        'unknown': sum(unknown.values()),
        'none': without,
        'matched_users': len(matched_ids),
        'provisioned_user_ids': len(known),
        'unknown_user_ids': [{'user_id': key, 'count': count} for key, count in ranked[:UNKNOWN_USER_IDS_SHOWN]],
        'unknown_user_ids_total': len(ranked),
    }
