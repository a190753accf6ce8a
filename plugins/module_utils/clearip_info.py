# -*- coding: utf-8 -*-
# Copyright: (c) 2026, clearip.netsapiens contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The shared body of clearip_service_provider_info, clearip_group_info and clearip_user_info.

Reading goes through ``clearip.ClearIPClient.list`` (paging, tokens, operator); this file only
shapes the records (parents by name as well as by id) and applies the filters. Which filter goes
to the server: an exact ``name`` (``where[name]``) and a parent (``where[serviceProvider]`` /
``where[group]`` with the parent's id, the contract's ``where[field]=value`` convention). Every
filter is also applied to what was read, so a server that ignores one still gives the right answer.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import calendar
import datetime
import fnmatch
import re

from ansible.module_utils.basic import missing_required_lib
from ansible_collections.clearip.netsapiens.plugins.module_utils import clearip, sync
from ansible_collections.clearip.netsapiens.plugins.module_utils.http_session import HAS_REQUESTS, REQUESTS_IMPORT_ERROR, HttpError
from ansible_collections.clearip.netsapiens.plugins.module_utils.netsapiens import NetSapiensError, write_records_file

INFO_KINDS = clearip.INFO_KINDS
info_record = clearip.info_record

_ISO = re.compile(r'^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,6}))?)?)?'
                  r'(Z|[+-]\d{2}:?\d{2})?$')


class FilterError(ValueError):
    pass


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
    """True when ``record`` (an info record) passes every filter given."""
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


def list_objects(client, kind, name=None, name_pattern=None, parent=None, comment_contains=None, created_after=None,
                 created_before=None):
    """The objects of ``kind`` that pass the filters, as info records sorted by name (then id).

    ``parent`` is the parent's name; when several parents share it, the objects under any of them
    are returned. Times are Unix ms: ``created_after`` keeps createdAt >= it, ``created_before``
    keeps createdAt < it.
    """
    parent_kind = sync.PARENT_KIND[kind]
    parent_field = clearip.COLLECTIONS[kind][3]
    parent_names_by_id = {}
    if parent_kind is not None:
        parent_names_by_id = dict((p.get('id'), p.get('name')) for p in client.list(parent_kind))
    where = {}
    if name is not None:
        where['name'] = name
    parent_ids = None
    if parent is not None:
        parent_ids = set(pid for pid, pname in parent_names_by_id.items() if pname == parent)
        if not parent_ids:
            return []
    raws = []
    if parent_ids is not None:
        for parent_id in sorted(parent_ids):
            raws.extend(client.list(kind, where=dict(where, **{parent_field: parent_id})))
    else:
        raws = client.list(kind, where=where or None)
    records = []
    seen = set()
    for raw in raws:
        if not isinstance(raw, dict):
            continue
        record = info_record(kind, raw, parent_names_by_id)
        if record.get('id') is not None:
            if record['id'] in seen:
                continue
            seen.add(record['id'])
        if keep(record, name, name_pattern, parent_ids, comment_contains, created_after, created_before):
            records.append(record)
    records.sort(key=lambda r: (r.get('name') or '', r.get('id') or ''))
    return records


def info_argument_spec(kind):
    spec = clearip.clearip_argument_spec()
    spec.update(
        name=dict(type='str'),
        name_pattern=dict(type='str'),
        comment_contains=dict(type='str'),
        created_after=dict(type='str'),
        created_before=dict(type='str'),
        dest=dict(type='path'),
    )
    parent_option = INFO_KINDS[kind][1]
    if parent_option:
        spec[parent_option] = dict(type='str')
    return spec


INFO_MUTUALLY_EXCLUSIVE = [('name', 'name_pattern')]


def run_info_module(module, kind):
    """The whole life of one info module: options, login, listing, filters, result or ``dest`` file."""
    if not HAS_REQUESTS:
        module.fail_json(msg=missing_required_lib('requests'), exception=REQUESTS_IMPORT_ERROR)
    params = module.params
    result_key, parent_option = INFO_KINDS[kind][0], INFO_KINDS[kind][1]
    try:
        created_after = parse_time_ms(params.get('created_after'), 'created_after')
        created_before = parse_time_ms(params.get('created_before'), 'created_before')
    except FilterError as exc:
        module.fail_json(msg=str(exc))
    try:
        client = clearip.client_from_params(params)
        records = list_objects(client, kind, name=params.get('name'), name_pattern=params.get('name_pattern'),
                               parent=params.get(parent_option) if parent_option else None,
                               comment_contains=params.get('comment_contains'),
                               created_after=created_after, created_before=created_before)
    except (clearip.ClearIPError, HttpError) as exc:
        module.fail_json(msg='listing ClearIP %ss failed: %s' % (kind, exc))
    result = dict(changed=False, count=len(records))
    if client.operator_id:
        result['operator'] = {'id': client.operator_id, 'name': client.operator_name}
    if params.get('dest'):
        try:
            result['dest'] = write_records_file(params['dest'], records)
        except (NetSapiensError, OSError, IOError) as exc:
            module.fail_json(msg='cannot write the ClearIP %ss to %s: %s' % (kind, params['dest'], exc))
    else:
        result[result_key] = records
    module.exit_json(**result)
