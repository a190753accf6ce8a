# -*- coding: utf-8 -*-
# Copyright: (c) 2026, clearip.netsapiens contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What a targeted sync asks ClearIP: exact lookups of the names it needs, never a whole tier. Internal use only.

A full sync lists every tier and plans against the listings. A targeted sync (the event-driven path,
``subscriber_sync_domains``) must cost the same on a platform of any size, so it asks ClearIP only about
the objects its domains need, and hands ``_sync_apply.apply_tier`` the records found as if they were the
tier's listing (``listed`` records, each once by id). What it asks, per tier:

- Service Providers and Groups: each wanted name (``where[name]``, compared exactly here), so a Group held
  under another Service Provider (a moved domain) or held twice is seen as in a full sync;
- Users: the Users of each wanted Group (``where[group]``), then each wanted User not found there by name
  (held under another Group, or twice), then the User ID of each User that would be created (``where[userId]``):
  the User ID rule of the full sync, for exactly the IDs that matter;
- after the creates, the same name lookups confirm them (``held_by_name``): only ClearIP's answer proves a create.

What this does not see, and the hourly full sync reports: a User already in its Group that also exists,
under the same name, in another Group.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

from ansible_collections.clearip.netsapiens.plugins.module_utils._clearip_records import listing_shape
from ansible_collections.clearip.netsapiens.plugins.module_utils._kinds import KIND_OF, USER


class TargetedView(object):
    """The lookups of one targeted run against ``client`` (a logged-in ``ClearIPClient``)."""

    def __init__(self, client):
        self.client = client
        self.lookups = 0

    def _all(self, calls):
        """The records found by ``calls`` (made at the same time), each once by id; the first error is raised."""
        self.lookups += len(calls)
        found = []
        seen = set()
        for records, error in self.client.concurrently(calls):
            if error is not None:
                raise error
            for record in records:
                if record.get('id') not in seen:
                    seen.add(record.get('id'))
                    found.append(record)
        return found

    def tier_records(self, tier, desired, parent_records=None):
        """The records of ``tier`` that matter to ``desired`` (the tier's wanted items), as ``listed`` records.

        ``parent_records``: the parent tier's records (what was found and what this run created): the Users
        of the wanted Groups are asked by the Groups' ids.
        """
        kind = KIND_OF[tier]
        shape = listing_shape(kind)
        names = sorted(set(item['name'] for item in desired if isinstance(item.get('name'), str)))
        if kind != USER:
            return self._all([lambda name=name: self.client.find_exact(kind, name, shape=shape) for name in names])
        group_ids = {}
        for record in parent_records or ():
            group_ids.setdefault(record.get('name'), []).append(record.get('id'))
        wanted_groups = sorted(set(item.get('parent') for item in desired if item.get('parent') in group_ids))
        ids = sorted(set(gid for group in wanted_groups for gid in group_ids[group] if gid))
        records = self._all([lambda gid=gid: self.client.find_children(kind, gid, shape=shape) for gid in ids])
        held = set((record.get('name'), record.get('parent_id')) for record in records)
        wanted_parent = dict((item.get('name'), set(group_ids.get(item.get('parent')) or ())) for item in desired)
        missing = [name for name in names if not any((name, gid) in held for gid in wanted_parent.get(name) or ())]
        records = _merge(records, self._all([lambda name=name: self.client.find_exact(kind, name, shape=shape)
                                             for name in missing]))
        held_names = set(record.get('name') for record in records)
        user_ids = sorted(set(item.get('user_id') or item['name'] for item in desired
                              if item.get('name') not in held_names and isinstance(item.get('name'), str)))
        return _merge(records, self._all([lambda user_id=user_id: self.client.find_user_id(user_id, shape=shape)
                                          for user_id in user_ids if isinstance(user_id, str) and user_id.strip()]))

    def held_by_name(self, client, kind, asked):
        """``(name -> [records of that name], None)`` for the names ``asked``, by the same exact lookups
        (``_sync_apply.confirm_tier``'s ``held_by_name``; no count of the whole tier, so no suspect check)."""
        shape = listing_shape(kind)
        names = sorted(asked)
        self.lookups += len(names)
        answers = client.concurrently([lambda name=name: client.find_exact(kind, name, shape=shape) for name in names])
        by_name = {}
        for name, (records, error) in zip(names, answers):
            if error is not None:
                raise error
            by_name[name] = records
        return (lambda name: by_name.get(name) or []), None


def _merge(records, more):
    seen = set(record.get('id') for record in records)
    return records + [record for record in more if record.get('id') not in seen]
