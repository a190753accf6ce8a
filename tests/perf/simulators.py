# -*- coding: utf-8 -*-
# Copyright: (c) 2026, clearip.netsapiens contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The test simulators with the indexes a real server has, for ``make benchmark``.

The simulators in ``tests/simulators`` favour plain code over speed: ``GET /domains/{domain}/users``
scans every user of the system (5 ms a request at 100,000 users, so 100 s for the 20,000 user pages
of one sync), and a ClearIP list sorts the whole collection again for every page (200 sorts of
100,000 names for one listing of users). Such server time would be the same in every run of the
benchmark and hide the clients' own cost, which is what the benchmark measures.

These subclasses answer exactly as the simulators do (same routes, counters, faults, config and
``answer_delay``); they only remember what they computed:

- NetSapiens: the users of each domain, and the set of domain names, rebuilt when the record lists
  change length or identity (the simulators only ever replace or append to them);
- ClearIP: the sorted listing of a collection for one operator and one ``sort`` with no ``where``
  filter, kept while that collection has the same number of objects (the store is create-only).

Anything else (``where`` filters, ``order`` other than ``stored``) goes to the simulator's own code.
``tests/unit/simulators/test_perf_simulators.py`` checks that both answer alike.
"""

from __future__ import annotations

import copy

from tests.simulators.base import ApiError
from tests.simulators import clearip, netsapiens
from tests.simulators.clearip import ClearIPSimulator, _WHERE_KEY
from tests.simulators.netsapiens import NetSapiensSimulator


class IndexedNetSapiensSimulator(NetSapiensSimulator):
    name = 'netsapiens-simulator-indexed'

    def __init__(self, *args, **kwargs):
        super(IndexedNetSapiensSimulator, self).__init__(*args, **kwargs)
        self._index_key = None
        self._users_by_domain = {}
        self._domain_names = set()

    def default_config(self):
        # The benchmark measures the clients against a well-behaved server: the kind behaviours, by name.
        return dict(super(IndexedNetSapiensSimulator, self).default_config(), **netsapiens.KIND)

    def _index(self):
        key = (id(self.users), len(self.users), id(self.domains), len(self.domains))
        if key != self._index_key:
            by_domain = {}
            for user in self.users:
                by_domain.setdefault(user.get('domain'), []).append(user)
            self._users_by_domain = by_domain
            self._domain_names = set(d.get('domain') for d in self.domains)
            self._index_key = key
        return self._users_by_domain, self._domain_names

    def domain_users(self, request):
        domain = request.params['domain']
        with self.lock:
            by_domain, names = self._index()
        if domain not in names:
            raise ApiError(404, {'code': 404, 'message': 'domain %s not found' % domain})
        return list(by_domain.get(domain, ()))


class IndexedClearIPSimulator(ClearIPSimulator):
    name = 'clearip-simulator-indexed'

    def __init__(self, *args, **kwargs):
        super(IndexedClearIPSimulator, self).__init__(*args, **kwargs)
        self._sorted = {}   # (kind, operator, sort) -> (object count, sorted objects)

    def default_config(self):
        # The benchmark measures the clients against a well-behaved server: the kind behaviours, by name.
        return dict(super(IndexedClearIPSimulator, self).default_config(), **clearip.KIND)

    def _lister(self, kind):
        plain = super(IndexedClearIPSimulator, self)._lister(kind)

        def handler(request):
            sort = request.query.get('sort')
            simple = (sort and self.config['order'] == 'stored' and self.config['page_cap'] is None
                      and all(key in ('limit', 'skip', 'sort', 'operator') for key in request.query_lists))
            if not simple or any(_WHERE_KEY.match(key) for key in request.query_lists):
                return plain(request)
            account = self._authenticate(request)
            with self.lock:
                operator = self._operator(account, request.query.get('operator'))
                count = len(self.store[kind])
                cached = self._sorted.get((kind, operator, sort))
                if cached is None or cached[0] != count:
                    items = [o for o in self.store[kind] if o['operator'] == operator]
                    # the simulator's own ordering (and its validation of sort), done once; the lock
                    # is held, so lifting max_limit for this one call is seen by no other request
                    max_limit = self.config['max_limit']
                    self.config['max_limit'] = max(1, len(items))
                    try:
                        everything = self._page(_AllOf(request, len(items)), kind, items)[kind]
                    finally:
                        self.config['max_limit'] = max_limit
                    cached = (count, everything)
                    self._sorted[(kind, operator, sort)] = cached
                limit = self._integer(request.query.get('limit', self.config['default_limit']), 'limit')
                skip = self._integer(request.query.get('skip', 0), 'skip')
                if limit < 1:
                    raise ApiError(400, {'message': 'limit must be at least 1'})
                if skip < 0:
                    raise ApiError(400, {'message': 'skip must not be negative'})
                limit = min(limit, int(self.config['max_limit']))
                return {kind: copy.deepcopy(cached[1][skip:skip + limit])}
        return handler


class _AllOf(object):
    """A request for the whole sorted collection: the same query with skip 0 and a limit covering it all."""

    def __init__(self, request, size):
        self.query = dict(request.query, skip='0', limit=str(max(1, size)))
        self.query_lists = dict((k, [v]) for k, v in self.query.items())
