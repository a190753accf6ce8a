# -*- coding: utf-8 -*-
# Copyright: (c) 2026, clearip.netsapiens contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The benchmark's yardstick (run C): the sync with only the HTTP calls the job needs.

Written for ``make benchmark`` alone, with plain ``requests`` and none of the collection's code, so
that the collection's cost can be put over the cost of the calls themselves:

- NetSapiens: one token (the v2 token endpoint, then the legacy one if that answers 404, as the
  contract advises), then paged reads (``start``/``limit`` until an empty page) of resellers,
  domains and connections, and of each domain's users with ``workers`` threads;
- ClearIP: one login, one paged listing per tier (``skip``/``limit``, ``sort=name ASC``, until an
  empty page), then one POST per missing Service Provider, Group and User, ``workers`` at a time,
  tier after tier, each tier only if the one before had no failure;
- nothing else: no validation, no count calls, no files, no second listing. The token is refreshed
  only when it is about to expire (ClearIP tokens live five minutes; a large first sync over a slow
  link lasts longer).

Usage: ``python minimal_client.py CONFIG.json [--workers 4] [--page-size 500]`` where CONFIG.json is
the vendor config.json plus ``clearip.url`` (``tests.simulators.dataset.vendor_config``). It prints
one JSON line ``{"created": {tier: n}, "existing": {tier: n}, "netsapiens": {kind: n}}`` and exits 1
when any create failed.
"""

from __future__ import annotations

import argparse
import json
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import quote

import requests

CLEARIP_TOKEN_REFRESH_AFTER = 240.0   # seconds; ClearIP tokens live 300 s (api-contract.md)
TIMEOUT = 60
TIERS = (('serviceProviders', 'serviceProvider', None), ('groups', 'group', 'serviceProvider'), ('users', 'user', 'group'))


class Http(object):
    """One keep-alive ``requests.Session`` per thread, as a worker pool of a real client would hold."""

    def __init__(self):
        self._local = threading.local()

    def session(self):
        if not hasattr(self._local, 'session'):
            self._local.session = requests.Session()
        return self._local.session

    def call(self, method, url, **kwargs):
        answer = self.session().request(method, url, timeout=TIMEOUT, **kwargs)
        answer.raise_for_status()
        return answer


class NetSapiens(object):
    def __init__(self, http, conf, page_size):
        host = conf['host'].rstrip('/')
        self.base = host if '://' in host else 'https://' + host
        self.http = http
        self.page_size = page_size
        grant = {'grant_type': 'password', 'client_id': conf['clientId'], 'client_secret': conf['clientSecret'],
                 'username': conf['username'], 'password': conf['password']}
        answer = http.session().post(self.base + '/ns-api/v2/tokens', json=grant, timeout=TIMEOUT)
        if answer.status_code == 404:
            answer = http.session().post(self.base + '/ns-api/oauth2/token/', data=grant, timeout=TIMEOUT)
        answer.raise_for_status()
        self.headers = {'Authorization': 'Bearer %s' % answer.json()['access_token']}

    def read(self, path):
        records = []
        while True:
            page = self.http.call('GET', self.base + '/ns-api/v2' + path, headers=self.headers,
                                  params={'start': len(records), 'limit': self.page_size}).json()
            if not page:
                return records
            records.extend(page)


class ClearIP(object):
    def __init__(self, http, conf, page_size):
        self.base = conf['url'].rstrip('/')
        self.http = http
        self.page_size = page_size
        self._email, self._password = conf['email'], conf['password']
        self._lock = threading.Lock()
        token = http.call('POST', self.base + '/auth/login', json={'email': self._email, 'password': self._password})
        self._token, self._issued = token.json()['token'], time.monotonic()

    def headers(self):
        with self._lock:
            if time.monotonic() - self._issued > CLEARIP_TOKEN_REFRESH_AFTER:
                answer = self.http.call('POST', self.base + '/auth/refresh', json={},
                                        headers={'Authorization': 'Bearer %s' % self._token})
                self._token, self._issued = answer.json()['token'], time.monotonic()
            return {'Authorization': 'Bearer %s' % self._token}

    def list(self, plural):
        records = []
        while True:
            answer = self.http.call('GET', self.base + '/' + plural, headers=self.headers(),
                                    params={'limit': self.page_size, 'skip': len(records), 'sort': 'name ASC'})
            page = answer.json()[plural]
            if not page:
                return records
            records.extend(page)

    def create(self, plural, singular, fields):
        answer = self.http.call('POST', self.base + '/' + plural, headers=self.headers(), json={singular: fields})
        return answer.json()[plural][0]


def sync(config, workers, page_size):
    http = Http()
    ns = NetSapiens(http, config['netsapiens'], page_size)
    resellers = ns.read('/resellers')
    domains = ns.read('/domains')
    ns.read('/connections')   # the job reads them (the vendor binary validates them); nothing here uses them
    with ThreadPoolExecutor(workers) as pool:
        users = [user for page in pool.map(lambda d: ns.read('/domains/%s/users' % quote(d['domain'], safe='')), domains) for user in page]

    cip = ClearIP(http, config['clearip'], page_size)
    held = dict((plural, cip.list(plural)) for plural, dummy, dummy in TIERS)
    ids = dict((plural, dict((o['name'], o['id']) for o in held[plural])) for plural, dummy, dummy in TIERS)
    wanted = {
        'serviceProviders': [(r['reseller'], None, {}) for r in resellers],
        'groups': [(d['domain'], d['reseller'], {}) for d in domains],
        'users': [('%s@%s' % (u['user'], u['domain']), u['domain'], {'userId': '%s@%s' % (u['user'], u['domain'])})
                  for u in users],
    }
    created, existing = {}, {}
    parent_ids = {}
    for plural, singular, parent_field in TIERS:
        missing = [item for item in wanted[plural] if item[0] not in ids[plural]]
        existing[plural] = len(wanted[plural]) - len(missing)
        jobs = []
        for name, parent, extra in missing:
            fields = dict(extra, name=name, status='active')
            if parent_field:
                fields[parent_field] = parent_ids[parent]
            jobs.append(fields)
        with ThreadPoolExecutor(workers) as pool:
            made = list(pool.map(lambda fields, p=plural, s=singular: cip.create(p, s, fields), jobs))
        created[plural] = len(made)
        ids[plural].update((o['name'], o['id']) for o in made)
        parent_ids = ids[plural]
    return {'created': created, 'existing': existing,
            'netsapiens': {'resellers': len(resellers), 'domains': len(domains), 'users': len(users)}}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n', maxsplit=1)[0])
    parser.add_argument('config')
    parser.add_argument('--workers', type=int, default=4)
    parser.add_argument('--page-size', type=int, default=500)
    args = parser.parse_args(argv)
    with open(args.config, encoding='utf-8') as handle:
        config = json.load(handle)
    print(json.dumps(sync(config, args.workers, args.page_size)))
    return 0


if __name__ == '__main__':
    sys.exit(main())
