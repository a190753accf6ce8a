# -*- coding: utf-8 -*-
# Copyright: (c) 2026, clearip.netsapiens contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The glue between the ClearIP modules and the ClearIP client. Internal use only.

The modules are made with ``_module.CollectionModule`` from the option specs here and end in one
call: ``run_create_module`` (``clearip_service_provider``, ``clearip_group``, ``clearip_user``: the
tier engine ``_sync_apply.run_tier`` under the account lock) or ``run_info_module``
(``clearip_*_info``: a listing, filtered, shaped by ``_clearip_records.info_record``).
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import json
import os

from ansible_collections.clearip.netsapiens.plugins.module_utils._clearip import ClearIPClient
from ansible_collections.clearip.netsapiens.plugins.module_utils._clearip_errors import ClearIPError, error_message
from ansible_collections.clearip.netsapiens.plugins.module_utils._clearip_lock import DEFAULT_LOCK_TIMEOUT, AccountLock
from ansible_collections.clearip.netsapiens.plugins.module_utils._clearip_records import (
    PARENT_ID_FIELD, FilterError, info_record, keep, parse_time_ms)
from ansible_collections.clearip.netsapiens.plugins.module_utils._http import HttpError
from ansible_collections.clearip.netsapiens.plugins.module_utils._kinds import (
    PARENT_KEY, PARENT_KIND, SERVICE_PROVIDER, TIER_OF, USER)
from ansible_collections.clearip.netsapiens.plugins.module_utils._options import (
    DEFAULT_MAX_WORKERS, DEFAULT_TIMEOUT, clearip_options)
from ansible_collections.clearip.netsapiens.plugins.module_utils._progress import DEFAULT_INTERVAL, ProgressLog
from ansible_collections.clearip.netsapiens.plugins.module_utils._sync_apply import failure_message, run_tier


def client_from_options(options, **kwargs):
    """A ``ClearIPClient`` from the connection options (``_options.clearip_options``: a module's params, or
    the sync's ``clearip`` dict option), with ``max_workers`` when the options have it."""
    return ClearIPClient(options['url'], options['email'], options['password'], operator=options.get('operator'),
                         validate_certs=options.get('validate_certs', True), ca_path=options.get('ca_path'),
                         timeout=options.get('timeout') or DEFAULT_TIMEOUT,
                         max_workers=options.get('max_workers') or DEFAULT_MAX_WORKERS, **kwargs)


# -- clearip_service_provider, clearip_group, clearip_user ----------------------------------------

class InputError(ValueError):
    """The objects a create module was given cannot be read; the message names the option or file and the item."""


def creating_options():
    """The options of every module that creates ClearIP objects (the create modules and the sync): how many creates at
    once, the comment's source, progress lines, and how long to wait for the account lock."""
    return dict(
        comment_source=dict(type='str'),
        max_workers=dict(type='int', default=DEFAULT_MAX_WORKERS),
        progress_path=dict(type='path'),
        progress_interval=dict(type='float', default=DEFAULT_INTERVAL),
        lock_timeout=dict(type='int', default=DEFAULT_LOCK_TIMEOUT),
    )


def create_options(kind):
    """The options of the create module of ``kind`` (doc fragments clearip and clearip.create, and the module's own)."""
    spec = clearip_options()
    spec.update(creating_options())
    spec.update(
        state=dict(type='str', default='present', choices=['present']),
        src=dict(type='path'),
        pending_parents=dict(type='list', elements='str', default=[]),
        return_objects=dict(type='bool', default=True),
    )
    item = dict(name=dict(type='str', required=True))
    if kind == USER:
        item['user_id'] = dict(type='str')
    if PARENT_KEY[kind]:
        item[PARENT_KEY[kind]] = dict(type='str', required=True)
    item['comment'] = dict(type='str')
    spec.update((key, dict(value, required=False)) for key, value in item.items())
    if kind == SERVICE_PROVIDER:
        spec[TIER_OF[kind]] = dict(type='list', elements='raw')   # names, or dicts
    else:
        spec[TIER_OF[kind]] = dict(type='list', elements='dict', options=item)
    return spec


def create_rules(kind):
    """The AnsibleModule keyword arguments of the create module of ``kind``: one object, a list, or ``src``."""
    choices = ('name', TIER_OF[kind], 'src')
    rules = dict(supports_check_mode=True, mutually_exclusive=[choices], required_one_of=[choices])
    if PARENT_KEY[kind]:
        rules['required_by'] = {'name': PARENT_KEY[kind]}
    return rules


def normalize_items(kind, raw_items, where):
    """Module input (a list option or a src file's list) as desired items ``{name, parent, comment[, user_id]}``."""
    parent_key = PARENT_KEY[kind]
    if not isinstance(raw_items, list):
        raise InputError('%s must be a list, got %s' % (where, type(raw_items).__name__))
    allowed = set(['name', 'comment'])
    if parent_key:
        allowed.add(parent_key)
    if kind == USER:
        allowed.add('user_id')
    items = []
    for index, raw in enumerate(raw_items):
        if isinstance(raw, str) and kind == SERVICE_PROVIDER:
            raw = {'name': raw}
        if not isinstance(raw, dict):
            expected = 'name or a dict' if kind == SERVICE_PROVIDER else 'dict'
            raise InputError('%s[%d] must be a %s, got %s' % (where, index, expected, type(raw).__name__))
        unknown = sorted(set(k for k, v in raw.items() if v is not None) - allowed)
        if unknown:
            raise InputError('%s[%d] has unknown keys %s; allowed: %s' % (where, index, ', '.join(unknown), ', '.join(sorted(allowed))))
        if raw.get('name') is None:
            raise InputError('%s[%d] has no name' % (where, index))
        item = {'name': raw['name'], 'parent': raw.get(parent_key) if parent_key else None, 'comment': raw.get('comment')}
        if kind == USER:
            item['user_id'] = raw.get('user_id')
        items.append(item)
    return items


def load_src(kind, path):
    """The list in a JSON file: either the list itself or an object holding it under the list option's name."""
    list_option = TIER_OF[kind]
    try:
        with open(path, 'rb') as handle:
            data = json.loads(handle.read().decode('utf-8'))
    except (IOError, OSError) as exc:
        raise InputError('src %s: cannot read it: %s' % (path, exc))
    except ValueError as exc:
        raise InputError('src %s: not valid JSON: %s' % (path, exc))
    if isinstance(data, dict):
        if list_option not in data:
            raise InputError('src %s: a JSON object must hold the list under %r' % (path, list_option))
        data = data[list_option]
    return normalize_items(kind, data, 'src %s' % os.path.basename(path))


def desired_from_params(kind, params):
    """The objects the module was given: ``src``, else the one object of ``name``, else the list option."""
    if params.get('src'):
        return load_src(kind, params['src'])
    if params.get('name') is not None:
        item = {'name': params['name'], 'parent': params.get(PARENT_KEY[kind]) if PARENT_KEY[kind] else None,
                'comment': None}
        if kind == USER:
            item['user_id'] = params.get('user_id')
        return [item]
    return normalize_items(kind, params.get(TIER_OF[kind]) or [], TIER_OF[kind])


def run_create_module(module, kind):
    """The whole life of one create module: input, login, lock, plan, creates, result."""
    params = module.params
    try:
        desired = desired_from_params(kind, params)
    except InputError as exc:
        module.fail_json(msg=str(exc))
    for item in desired:
        if item.get('comment') is None:
            item['comment'] = params.get('comment')
    lock = AccountLock(timeout=params.get('lock_timeout'))
    try:
        client = client_from_options(params)
        progress = None
        if params.get('progress_path'):
            progress = ProgressLog(params['progress_path'], TIER_OF[kind].replace('_', ' '), interval=params['progress_interval'])
        result = run_tier(client, kind, desired, check_mode=module.check_mode, pending_parents=params.get('pending_parents'),
                          comment_source=params.get('comment_source'), return_objects=params.get('return_objects', True),
                          want_diff=module._diff, progress=progress, lock=lock)
    except (ClearIPError, HttpError) as exc:
        # No failed_items here: a caller tells "some items failed" from "the whole call failed" by it.
        module.fail_json(msg=error_message(exc), changed=False)
    finally:
        # Everything this module writes is written (or it failed): another run of the account may start.
        lock.release()
    if result['failed_items']:
        module.fail_json(msg=failure_message(kind, result, len(desired)), **result)
    module.exit_json(**result)


# -- clearip_service_provider_info, clearip_group_info, clearip_user_info ---------------------------

def info_options(kind):
    """The options of the info module of ``kind`` (doc fragments clearip and clearip.info, and the parent filter)."""
    spec = clearip_options()
    spec.update(
        name=dict(type='str'),
        name_pattern=dict(type='str'),
        comment_contains=dict(type='str'),
        created_after=dict(type='str'),
        created_before=dict(type='str'),
        dest=dict(type='path'),
    )
    if PARENT_KEY[kind]:
        spec[PARENT_KEY[kind]] = dict(type='str')
    return spec


INFO_RULES = dict(supports_check_mode=True, mutually_exclusive=[('name', 'name_pattern')])


def list_objects(client, kind, name=None, name_pattern=None, parent=None, comment_contains=None, created_after=None,
                 created_before=None):
    """The objects of ``kind`` that pass the filters, as info records sorted by name (then id).

    Which filter goes to the server: an exact ``name`` (``where[name]``) and a parent
    (``where[serviceProvider]`` / ``where[group]`` with the parent's id, the contract's
    ``where[field]=value`` convention). Every filter is also applied to what was read, so a server that
    ignores one (or matches more loosely) still gives the right answer. ``parent`` is the parent's name;
    when several parents share it, the objects under any of them are returned. Times are Unix ms:
    ``created_after`` keeps createdAt >= it, ``created_before`` keeps createdAt < it.
    """
    parent_kind = PARENT_KIND[kind]
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
            raws.extend(client.list(kind, where=dict(where, **{PARENT_ID_FIELD[kind]: parent_id})))
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


def run_info_module(module, kind):
    """The whole life of one info module: options, login, listing, filters, result or ``dest`` file."""
    params = module.params
    try:
        created_after = parse_time_ms(params.get('created_after'), 'created_after')
        created_before = parse_time_ms(params.get('created_before'), 'created_before')
    except FilterError as exc:
        module.fail_json(msg=str(exc))
    parent_key = PARENT_KEY[kind]
    try:
        client = client_from_options(params)
        records = list_objects(client, kind, name=params.get('name'), name_pattern=params.get('name_pattern'),
                               parent=params.get(parent_key) if parent_key else None,
                               comment_contains=params.get('comment_contains'),
                               created_after=created_after, created_before=created_before)
    except (ClearIPError, HttpError) as exc:
        module.fail_json(msg='listing ClearIP %ss failed: %s' % (kind, error_message(exc)))
    result = dict(changed=False, count=len(records))
    if client.operator_id:
        result['operator'] = {'id': client.operator_id, 'name': client.operator_name}
    module.exit_with_records(result, TIER_OF[kind], records, 'the ClearIP %ss' % kind)
