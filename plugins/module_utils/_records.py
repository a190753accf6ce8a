# -*- coding: utf-8 -*-
# Copyright: (c) 2026, clearip.netsapiens contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Records cut down to a few fields: about the memory of a tuple, read like a dict.

A sync of 100,000 users holds every NetSapiens user and every ClearIP User at once. As dicts, each
costs some 230 bytes before its strings; as an instance of a class with ``__slots__`` for its few
fields, about 70 (docs/performance.md). The readers (the planner, ``clearip.apply_tier``, the drift)
only call ``get`` and ``[]``, which these records answer as a dict would; ``dict(record)`` makes a
plain dict again (for JSON).
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import sys

_TYPES = {}


class _Cut(object):
    __slots__ = ()
    FIELDS = ()

    def get(self, key, default=None):
        if key in self.FIELDS:
            return getattr(self, key)
        return default

    def __getitem__(self, key):
        if key not in self.FIELDS:
            raise KeyError(key)
        return getattr(self, key)

    def __contains__(self, key):
        return key in self.FIELDS

    def keys(self):
        return list(self.FIELDS)

    def items(self):
        return [(key, getattr(self, key)) for key in self.FIELDS]

    def __eq__(self, other):
        if isinstance(other, (dict, _Cut)):
            return dict(self.items()) == dict(other.items())
        return NotImplemented

    def __ne__(self, other):
        equal = self.__eq__(other)
        return equal if equal is NotImplemented else not equal

    __hash__ = None

    def __repr__(self):
        return repr(dict(self.items()))


def record_type(fields):
    """The class of records holding exactly ``fields`` (a tuple of names that are Python identifiers)."""
    fields = tuple(fields)
    found = _TYPES.get(fields)
    if found is None:
        found = _TYPES[fields] = type('Record', (_Cut,), {'__slots__': fields, 'FIELDS': frozenset(fields)})
    return found


def cut(record, fields, intern=(), same_as=None):
    """``record`` (a dict) as a record of ``fields`` (missing ones None).

    Text values of the fields in ``intern`` are interned (one copy of a comment or a parent id for
    100,000 records); ``same_as`` maps a field to another whose equal value it then shares (a User ID
    that is the name).
    """
    out = record_type(fields)()
    for field in fields:
        value = record.get(field)
        if same_as and field in same_as and value == out.get(same_as[field]):
            value = out.get(same_as[field])
        elif field in intern and isinstance(value, str):
            value = sys.intern(value)
        setattr(out, field, value)
    return out


def as_dicts(records):
    """Plain dicts of ``records`` (for JSON); dicts are kept as they are."""
    return [record if isinstance(record, dict) else dict(record.items()) for record in records]
