#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, clearip.netsapiens contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r'''
module: subscriber_sync_run
short_description: Run the whole tiered sync of NetSapiens subscribers into ClearIP in one process
version_added: 0.1.0
description:
  - Reads the NetSapiens resellers, domains, users and connections, checks and plans every tier as
    M(clearip.netsapiens.subscriber_sync_plan) does, then creates the missing ClearIP Service Providers, Groups only if every
    Service Provider succeeded, and Users only if every Group succeeded, as M(clearip.netsapiens.clearip_service_provider),
    M(clearip.netsapiens.clearip_group) and M(clearip.netsapiens.clearip_user) do. Create only; nothing is updated or deleted.
  - Then finds what ClearIP holds that NetSapiens no longer backs, as M(clearip.netsapiens.subscriber_sync_drift) does
    (C(docs/drift.md)), from the listings it already made.
  - The main entry point of the M(clearip.netsapiens.subscriber_sync) role runs this module. It does in one process, with the
    records in memory, what the modules named above do one task each with files between them; the ClearIP listings are
    made while NetSapiens is read. C(docs/performance.md) has the measurements.
  - Users are read only for the domains the sync uses - those O(include_domains) and O(exclude_domains) select, or O(domains).
  - The ClearIP account lock (see O(lock_timeout)) is taken before the first listing and held until the module ends.
  - Errors of single records (a bad name, an orphan, a moved domain, a refused create) are reported in RV(plan) and in
    the C(failed_items) of each tier (RV(service_providers), RV(groups), RV(users)), and the module fails after doing all it
    can, with RV(fatal) false; a fatal error (a refused login, an API down) stops it, and RV(stage) says where.
  - Also takes the connection settings a play gives through C(module_defaults) for C(group/clearip.netsapiens.netsapiens) and
    C(group/clearip.netsapiens.clearip), for each setting O(netsapiens) or O(clearip) does not give, and the same environment
    variables as those modules.
author:
  - clearip.netsapiens contributors (@clearip)
extends_documentation_fragment:
  - clearip.netsapiens.sync_scope
attributes:
  action:
    description: An action plugin of the same name adds the C(module_defaults) of the two groups before the module runs.
    support: full
  async:
    description: Cannot run asynchronously.
    support: none
  check_mode:
    description:
      - Reads and lists as usual, creates nothing and takes no lock, and returns exactly what would be created in each tier
        (Groups under Service Providers the same dry run would create included).
    support: full
  diff_mode:
    description: One diff per tier that ran - how many requested objects exist, then the new names by parent (at most 30 lines).
    support: full
  platform:
    description: Runs where the sync's modules run, on any POSIX system.
    support: full
    platforms: posix
options:
  netsapiens:
    description:
      - How to reach NetSapiens; the options of M(clearip.netsapiens.netsapiens_user_info), with the same environment variables
        (E(NETSAPIENS_HOST), ...).
    type: dict
    default: {}
    suboptions:
      host:
        description: The NetSapiens API server (see O(clearip.netsapiens.netsapiens_user_info#module:host)). E(NETSAPIENS_HOST).
        type: str
        required: true
      client_id:
        description: OAuth2 client ID. E(NETSAPIENS_CLIENT_ID).
        type: str
      client_secret:
        description: OAuth2 client secret. E(NETSAPIENS_CLIENT_SECRET).
        type: str
      username:
        description: API user for the OAuth2 password grant. E(NETSAPIENS_USERNAME).
        type: str
      password:
        description: Password of O(netsapiens.username). E(NETSAPIENS_PASSWORD).
        type: str
      api_key:
        description: A NetSapiens API key, instead of the four OAuth2 options. E(NETSAPIENS_API_KEY).
        type: str
      api_version:
        description: Which NetSapiens API to read (see O(clearip.netsapiens.netsapiens_user_info#module:api_version)). E(NETSAPIENS_API_VERSION).
        type: str
        choices: [auto, v2, v1]
        default: auto
      token_endpoint:
        description: Where to ask for OAuth2 tokens (see O(clearip.netsapiens.netsapiens_user_info#module:token_endpoint)). E(NETSAPIENS_TOKEN_ENDPOINT).
        type: str
        choices: [auto, v2, legacy]
        default: auto
      validate_certs:
        description: Verify the server's TLS certificate. E(NETSAPIENS_VALIDATE_CERTS).
        type: bool
        default: true
      ca_path:
        description: A PEM CA bundle to verify the server certificate with. E(NETSAPIENS_CA_PATH).
        type: path
      timeout:
        description: Seconds to wait for each HTTP answer. E(NETSAPIENS_TIMEOUT).
        type: int
        default: 30
      page_size:
        description: Records asked for per request, from 1 to 1000.
        type: int
        default: 500
  clearip:
    description:
      - How to reach ClearIP; the options of M(clearip.netsapiens.clearip_user), with the same environment variables
        (E(CLEARIP_URL), ...).
    type: dict
    default: {}
    suboptions:
      url:
        description: Base URL of the ClearIP API. E(CLEARIP_URL).
        type: str
        default: https://api.clearip.com
      email:
        description: Email of the ClearIP API account. E(CLEARIP_EMAIL).
        type: str
        required: true
      password:
        description: Password of the ClearIP API account. E(CLEARIP_PASSWORD).
        type: str
        required: true
      operator:
        description: Name or id of the operator to act for (see O(clearip.netsapiens.clearip_user#module:operator)). E(CLEARIP_OPERATOR).
        type: str
      validate_certs:
        description: Verify the server's TLS certificate. E(CLEARIP_VALIDATE_CERTS).
        type: bool
        default: true
      ca_path:
        description: A PEM CA bundle to verify the server certificate with. E(CLEARIP_CA_PATH).
        type: path
      timeout:
        description: Seconds to wait for each HTTP answer. E(CLEARIP_TIMEOUT).
        type: int
        default: 30
  include_system_users:
    description: Whether users whose service code starts with C(system-) are synced, as the vendor binary does.
    type: bool
    default: true
  domains:
    description:
      - A targeted sync (the event-driven path, C(docs/events.md)) - read only these domains' users. The tier rules and the lock
        are those of a full sync; the drift is not computed, because only some users were read.
    type: list
    elements: str
  max_workers:
    description: Requests in flight at once on each API - the NetSapiens user reads (a domain each) and the ClearIP creates.
    type: int
    default: 4
  comment_source:
    description:
      - Named in the comment of each ClearIP object created (C(Created by clearip.netsapiens sync from <comment_source>)).
      - Defaults to O(netsapiens.host) without any user name or password written into it.
    type: str
  progress_path:
    description: When set, each tier appends progress lines (objects done, rate, time left) to this file.
    type: path
  progress_interval:
    description: Seconds between two progress lines of a tier.
    type: float
    default: 10
  lock_timeout:
    description:
      - Seconds to wait for another sync of the same ClearIP account on this machine to end (see
        O(clearip.netsapiens.clearip_user#module:lock_timeout)) before failing with nothing listed or created.
    type: int
    default: 900
  work_dir:
    description:
      - When set, an existing directory that receives, for inspection, the records read (C(resellers.json), C(domains.json),
        C(netsapiens-users.json), C(connections.json)), each tier's plan (C(service_providers.json), C(groups.json),
        C(users.json)) and each ClearIP listing (C(clearip-<tier>.json)), mode 0600. By default nothing is written.
    type: path
  drift:
    description: Whether to compute the drift (always off for a targeted sync).
    type: bool
    default: true
  drift_require_comment:
    description: Count as drift only objects whose comment says this sync created them (see O(clearip.netsapiens.subscriber_sync_drift#module:require_comment)).
    type: bool
    default: false
notes:
  - Memory grows with the platform - about 1.2 MiB per 1,000 users for the module process on a no-change run, 1.5 on a first sync (C(docs/performance.md)).
requirements:
  - requests >= 2.25
seealso:
  - module: clearip.netsapiens.subscriber_sync_plan
  - module: clearip.netsapiens.clearip_user
  - module: clearip.netsapiens.subscriber_sync_drift
'''

EXAMPLES = r'''
- name: Sync NetSapiens subscribers into ClearIP
  clearip.netsapiens.subscriber_sync_run:
    netsapiens:
      host: pbx.example.com
      api_key: "{{ vault_netsapiens_api_key }}"
    clearip:
      email: sync@example.com
      password: "{{ vault_clearip_password }}"
    identifier_scheme: unique
  register: sync

- name: The same, with the connections from module_defaults, for two domains only
  clearip.netsapiens.subscriber_sync_run:
    domains: [shop.example.com, office.example.com]
  module_defaults:
    group/clearip.netsapiens.netsapiens: {host: pbx.example.com, api_key: "{{ vault_netsapiens_api_key }}"}
    group/clearip.netsapiens.clearip: {email: sync@example.com, password: "{{ vault_clearip_password }}"}
'''

RETURN = r'''
plan:
  description: The plan's errors per tier (and for C(connections)) and its counts, as M(clearip.netsapiens.subscriber_sync_plan) returns them.
  returned: when NetSapiens was read
  type: dict
  sample: {errors: {service_providers: [], groups: [], users: [], connections: []},
           counts: {resellers: 3, domains: 30, users: 300, connections: 30, system_users_skipped: 0, malformed: 0,
                    service_providers_wanted: 3, groups_wanted: 30, users_wanted: 300}}
service_providers:
  description:
    - The Service Provider tier - C(created) (names), C(existing) (a count), C(failed_items) (each C(name) and C(reason)),
      C(outcome_unknown) (names), and C(operator) when one was resolved.
    - Only C(skipped) (true) when the tier above had errors; only C(failed) (true) and C(msg) when a fatal error
      stopped the run in this tier (its listing or creates, or the ClearIP login, RV(stage) C(clearip_login));
      absent when the run stopped before it.
  returned: when the tier was reached
  type: dict
  sample: {changed: true, created: [Acme], existing: 2, failed_items: [], outcome_unknown: []}
groups:
  description: The Group tier, as RV(service_providers).
  returned: when the tier was reached
  type: dict
users:
  description: The User tier, as RV(service_providers).
  returned: when the tier was reached
  type: dict
drift:
  description: The drift (C(docs/drift.md)) - C(scope), C(counts) and C(tiers) as M(clearip.netsapiens.subscriber_sync_drift) returns them.
  returned: when computed
  type: dict
stage:
  description:
    - Where a fatal error stopped the run - C(settings) (an option out of range, such as O(netsapiens.page_size) or
      O(max_workers)), C(setup), C(netsapiens_login), C(netsapiens_read), C(plan), C(clearip_login), a tier, C(drift).
  returned: on a fatal error
  type: str
  sample: clearip_login
fatal:
  description: Whether the module failed for a fatal error (true) or only for records that could not be synced (false).
  returned: when the module failed
  type: bool
'''

import os

from ansible.module_utils.basic import AnsibleModule, missing_required_lib
from ansible_collections.clearip.netsapiens.plugins.module_utils import clearip as cip_api
from ansible_collections.clearip.netsapiens.plugins.module_utils.http_session import HAS_REQUESTS, REQUESTS_IMPORT_ERROR
from ansible_collections.clearip.netsapiens.plugins.module_utils.netsapiens import (
    NetSapiensClient, NetSapiensError, netsapiens_argument_spec, netsapiens_module_kwargs)
from ansible_collections.clearip.netsapiens.plugins.module_utils.progress import DEFAULT_INTERVAL, ProgressLog
from ansible_collections.clearip.netsapiens.plugins.module_utils.sync_report import redact_url
from ansible_collections.clearip.netsapiens.plugins.module_utils.sync_run import SyncStageError, run_sync
from ansible_collections.clearip.netsapiens.plugins.module_utils.userinfo import protect_url_options

TIERS = ('service_providers', 'groups', 'users')


def argument_spec():
    return dict(
        netsapiens=dict(type='dict', default={}, options=netsapiens_argument_spec(), apply_defaults=True,
                        **netsapiens_module_kwargs()),
        clearip=dict(type='dict', default={}, options=cip_api.clearip_argument_spec(), apply_defaults=True),
        identifier_scheme=dict(type='str', default='plain', choices=['plain', 'unique', 'no_resellers']),
        service_provider=dict(type='str'),
        include_domains=dict(type='list', elements='str', default=[]),
        exclude_domains=dict(type='list', elements='str', default=[]),
        include_system_users=dict(type='bool', default=True),
        domains=dict(type='list', elements='str'),
        max_workers=dict(type='int', default=cip_api.DEFAULT_MAX_WORKERS),
        comment_source=dict(type='str'),
        progress_path=dict(type='path'),
        progress_interval=dict(type='float', default=DEFAULT_INTERVAL),
        lock_timeout=dict(type='int', default=cip_api.DEFAULT_LOCK_TIMEOUT),
        work_dir=dict(type='path'),
        drift=dict(type='bool', default=True),
        drift_require_comment=dict(type='bool', default=False),
    )


def fail(module, results, msg, stage=None):
    out = dict((key, value) for key, value in results.items() if value is not None and value != [])
    if stage is not None:
        out['stage'] = stage
    module.fail_json(msg=msg, fatal=stage is not None, **out)


def item_failure_message(results):
    plan_errors = (results.get('plan') or {}).get('errors') or {}
    reasons = [item.get('reason') for tier in TIERS + ('connections',) for item in plan_errors.get(tier) or []]
    reasons += [item.get('reason') for tier in TIERS for item in (results.get(tier) or {}).get('failed_items') or []]
    shown = '; '.join(str(reason) for reason in reasons[:5])
    more = ' (and %d more; the tiers and the plan list them all)' % (len(reasons) - 5) if len(reasons) > 5 else ''
    return '%d record(s) could not be synced: %s%s' % (len(reasons), shown, more)


def main():
    module = AnsibleModule(
        argument_spec=argument_spec(),
        required_if=[('identifier_scheme', 'no_resellers', ('service_provider',))],
        supports_check_mode=True,
    )
    # First of all, so that no result, message, comment or invocation holds credentials written into a URL.
    protect_url_options(module, ('netsapiens.host', 'clearip.url', 'comment_source'))
    if not HAS_REQUESTS:
        module.fail_json(msg=missing_required_lib('requests'), exception=REQUESTS_IMPORT_ERROR)
    params = module.params
    ns_params, cip_params = params['netsapiens'], params['clearip']
    if params['work_dir'] and not os.path.isdir(params['work_dir']):
        fail(module, {}, 'work_dir (the role\'s subscriber_sync_work_dir) %s is not a directory: make it first, or leave it '
             'unset (nothing is written then)' % params['work_dir'], stage='setup')
    for option, least, role_variable in (('max_workers', 1, 'subscriber_sync_max_workers'), ('lock_timeout', 0, None),
                                         ('progress_interval', 0, 'subscriber_sync_progress_interval')):
        if params[option] < least:
            fail(module, {}, '%s%s must be at least %d, not %s' % (
                option, " (the role's %s)" % role_variable if role_variable else '', least, params[option]), stage='settings')
    try:
        netsapiens = NetSapiensClient(
            ns_params['host'], client_id=ns_params['client_id'], client_secret=ns_params['client_secret'],
            username=ns_params['username'], password=ns_params['password'], api_key=ns_params['api_key'],
            api_version=ns_params['api_version'], token_endpoint=ns_params['token_endpoint'],
            validate_certs=ns_params['validate_certs'], ca_path=ns_params['ca_path'], timeout=ns_params['timeout'],
            page_size=ns_params['page_size'], max_workers=params['max_workers'])
    except NetSapiensError as exc:
        fail(module, {}, exc.message, stage='settings')
    clearip = cip_api.client_from_params(dict(cip_params, max_workers=params['max_workers']))
    progress = None
    if params['progress_path']:
        def progress(label):
            return ProgressLog(params['progress_path'], label, interval=params['progress_interval'])
    comment_source = params['comment_source']
    if comment_source is None:
        comment_source = redact_url(ns_params['host'])
    lock = cip_api.AccountLock(timeout=params['lock_timeout'])
    try:
        results = run_sync(
            netsapiens, clearip, scheme=params['identifier_scheme'], service_provider=params['service_provider'],
            include_domains=params['include_domains'], exclude_domains=params['exclude_domains'],
            include_system_users=params['include_system_users'], domains=params['domains'],
            check_mode=module.check_mode, want_diff=module._diff, comment_source=comment_source, lock=lock,
            progress=progress, keep_dir=params['work_dir'], drift=params['drift'],
            drift_require_comment=params['drift_require_comment'], max_workers=params['max_workers'])
    except SyncStageError as exc:
        fail(module, exc.results, exc.message, stage=exc.stage)
    finally:
        # Everything this run writes is written (or it failed): another run of the account may start.
        lock.release()
        netsapiens.close()
    diff = results.pop('diff')
    if diff:
        results['diff'] = diff
    plan_errors = results['plan']['errors']
    if any(plan_errors[tier] for tier in TIERS + ('connections',)) or any(
            (results[tier] or {}).get('failed_items') for tier in TIERS):
        fail(module, results, item_failure_message(results))
    module.exit_json(**dict((key, value) for key, value in results.items() if value is not None))


if __name__ == '__main__':
    main()
