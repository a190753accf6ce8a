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
  - Reads the NetSapiens resellers, domains, users and connections, checks every record and plans every tier before any
    write, then creates the missing ClearIP Service Providers, Groups only if every Service Provider succeeded, and Users only
    if every Group succeeded, as M(clearip.netsapiens.clearip_service_provider), M(clearip.netsapiens.clearip_group) and
    M(clearip.netsapiens.clearip_user) do. Create only; nothing is updated or deleted.
  - Then finds what ClearIP holds that NetSapiens no longer backs (C(docs/drift.md)), from the listings it already made.
  - The main entry point of the P(clearip.netsapiens.subscriber_sync#role) role
    runs this module. It does everything in one process, with the records in memory; the ClearIP listings are made while
    NetSapiens is read. C(docs/performance.md) has the measurements.
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
  - clearip.netsapiens.attributes
attributes:
  action:
    description:
      - An action plugin of the same name adds the C(module_defaults) of the two groups before the module runs.
      - For a targeted run (O(domains) given, the event-driven path) on a local connection without become, whose interpreter is
        the Python that runs C(ansible-playbook) (not one left to discovery, nor another one named), it runs the module's
        code itself, in the C(ansible-playbook) worker of the task, with the module's argument validation, result and hidden
        secrets, and the task's C(environment); no module process is started (it cost that path about a second before its
        first request). A full sync always runs in a module process of its own.
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
      - A targeted sync (the event-driven path, C(docs/events.md)) - read only these domains (C(GET /domains/{domain})), their
        resellers and their users, and ask ClearIP only about the objects they need, by exact lookups (by name, by Group,
        by User ID), confirmed by the same lookups after the creates. Its cost does not grow with the platform.
      - The tier rules, the moved-domain and User ID checks and the lock are those of a full sync; connections are not
        read and the drift is not computed, because only some of the platform was read.
    type: list
    elements: str
  max_workers:
    description:
      - The most requests in flight at once on each API - the NetSapiens reads (a domain each), the pages of a ClearIP
        listing and the ClearIP creates.
      - A ceiling - each API starts at 4 and grows towards it while answers stay fast and successful; it does not grow,
        and goes back to 4, while this process is busy (0.8 CPU seconds a second or more, as on a controller next to its
        servers), since more requests in flight would then only wait for the process; it shrinks at once on HTTP 429,
        503, timeouts or rising latency; a C(Retry-After) holds back every request to that API. The report's C(concurrency) says where each API's limit went.
      - At most 64 on the ClearIP side.
    type: int
    default: 16
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
    description:
      - Count as drift only objects whose comment is the one the sync writes (V(Created by clearip.netsapiens sync), optionally
        followed by V( from <source>)), each by its own comment, so objects made by hand are never reported whatever their names.
    type: bool
    default: false
  tier_gate:
    description:
      - How a failure gates the tier below. V(parent) holds back only the children of what failed (a Group that could not be
        created holds back its own Users; the others are created). V(tier) is the vendor binary's rule - any failure in a tier
        skips the whole next tier.
    type: str
    choices: [parent, tier]
    default: parent
  max_duration:
    description:
      - Seconds the run may take (at least 10). A longer run stops within seconds - the creates in flight end, nothing new
        is sent - reports status V(failed) at the stage it reached, with what it created, and releases the lock.
    type: int
    default: 21600
  absence_limits:
    description:
      - Per tier (V(service_providers), V(groups), V(users)), the share of objects (0 to 1, default 0.2) a read may lack before
        it is not believed (RV(suspect_reads)) - a NetSapiens read against what ClearIP holds in the sync's scope (the drift is
        then withheld), a ClearIP listing against what the last run left (nothing is then created in that tier), the listing
        after the creates against the one before. The run then fails, naming the numbers.
    type: dict
    default: {}
  absence_minimum:
    description: How many objects a read may always lack, whatever the share of O(absence_limits).
    type: int
    default: 10
  trust_listings:
    description: Believe ClearIP listings that lack more than O(absence_limits) allow, for this run (objects removed on purpose).
    type: bool
    default: false
  retry_refused_login:
    description:
      - Send the ClearIP login even though ClearIP refused the same email and password before. Without it a refused login is
        remembered (a salted fingerprint of the credentials, never the password, in a 0600 file under
        C($XDG_CACHE_HOME/clearip.netsapiens/state/)), and later runs with the same credentials fail at stage
        V(clearip_login) without sending one, since ten failed logins lock the account. Other credentials clear it.
    type: bool
    default: false
  report_path:
    description:
      - When set, the JSON report (C(docs/report.md)) of the run is written there (mode 0600, atomically), whatever happens -
        success, failed records, a fatal error, a cancel (SIGTERM, SIGINT or SIGHUP received by the module gives status V(cancelled); C(ansible-playbook)
        passes SIGTERM and SIGINT on to it, not SIGHUP).
    type: path
  metrics_path:
    description: When set, the run's Prometheus text file is written there (mode 0644, atomically), except in check mode.
    type: path
  started:
    description: When the run started (Unix seconds), for the report; default when the module started.
    type: float
  versions:
    description: Versions to name in the report (the role gives the collection's and ansible-core's).
    type: dict
    default: {}
  events_subscription:
    description:
      - When events are set up (C(docs/events.md)), the NetSapiens event subscription whose health the run reads and reports -
        one C(GET /ns-api/v2/subscriptions) (under C(/domains/{scope_domain}) when set) through the sync's own NetSapiens
        connection, in a thread beside the sync, so it adds no module process and no wait; nothing is written. The role sets it
        from C(subscriber_sync_events_post_url).
      - The health is that of the C(subscriber) subscription posting to O(events_subscription.post_url), as NetSapiens lists it
        now - its C(status), C(error-count), C(posts-count), C(current-active-server) and expiry; none listed, in error, without an
        active server, expired, or a read that failed make it down, with a C(problem) saying what to do.
      - Recorded in the report under C(events), summarised, and written to the metrics as
        C(clearip_netsapiens_events_subscription_up), C(_error_count), C(_posts_count) and C(_hours_left). It never changes the
        run's status. Omit it when events are not set up.
    type: dict
    suboptions:
      post_url:
        description: The subscription's post URL (a secret - the token at its end - never shown; see M(clearip.netsapiens.netsapiens_event_subscription)).
        type: str
        required: true
      scope_domain:
        description:
          - The domain the subscription was made under, as the
            O(clearip.netsapiens.netsapiens_event_subscription#module:scope_domain) of
            M(clearip.netsapiens.netsapiens_event_subscription); unset for a system-wide one.
        type: str
  events:
    description:
      - A health of the event subscription read elsewhere (the RV(clearip.netsapiens.netsapiens_event_subscription#module:health)
        of M(clearip.netsapiens.netsapiens_event_subscription)), reported as for O(events_subscription); ignored when
        O(events_subscription) is set.
    type: dict
notes:
  - Memory grows with the platform - about 1.2 MiB per 1,000 users for the module process on a no-change run, 1.5 on a first sync (C(docs/performance.md)).
requirements:
  - requests >= 2.25
seealso:
  - module: clearip.netsapiens.clearip_user
  - module: clearip.netsapiens.clearip_user_info
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
  description:
    - The plan - C(errors) (per tier and for C(connections), each a C(name) and a C(reason) that names the object and the fix)
      and C(counts) (records read, malformed, system users left out, and objects wanted per tier).
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
  description:
    - The drift (C(docs/drift.md)) - C(scope) (the scheme and filters it was computed for), C(counts) (per tier C(gone), C(moved)
      and C(in_scope), and C(total)) and C(tiers) (per tier the lists C(gone) and C(moved), each entry C(id), C(name), C(parent),
      C(parent_id), C(reason), and C(netsapiens_parent) for a moved one, C(user_id) for a User).
  returned: when computed
  type: dict
stage:
  description:
    - Where a fatal error stopped the run - C(settings) (an option out of range, such as O(netsapiens.page_size) or
      O(max_workers)), C(setup), C(netsapiens_login), C(netsapiens_read), C(plan), C(clearip_login), a tier, C(drift).
  returned: on a fatal error
  type: str
  sample: clearip_login
report:
  description:
    - The report of the run (C(docs/report.md)), also when the module fails.
    - >-
      Its C(concurrency) gives, per API (C(netsapiens), C(clearip)), the adaptive concurrency limit's C(peak_limit) and
      C(final_limit) (requests in flight; O(max_workers) is the ceiling), C(refusals) (answers 429 or 503) and C(drops)
      (timeouts, resets, 502 or 504); V(null) when the run stopped before it made its clients.
  returned: always, but when the options themselves are refused
  type: dict
status:
  description: The report's status - V(ok), V(partial), V(failed) or V(cancelled).
  returned: always, but when the options themselves are refused
  type: str
  sample: ok
summary:
  description:
    - One line per tier, the connections, the drift, any suspect read and the status, as the role prints them.
    - >-
      Then where the report and the metrics were written (C(Report: written to /abs/path), C(Metrics: written to
      /abs/path)), C(Metrics: not written in a dry run), and a C(Not written:) line for each file that could not be
      written.
  returned: always, but when the options themselves are refused
  type: list
  elements: str
suspect_reads:
  description:
    - The reads that lacked more than O(absence_limits) allow, each C(side) (V(netsapiens) or V(clearip)), C(tier), C(held),
      C(missing) and C(reason). Nothing was decided from them.
  returned: when a read was suspect
  type: list
  elements: dict
report_path:
  description: The report file written.
  returned: when O(report_path) is set and the file was written
  type: str
metrics_path:
  description: The metrics file written.
  returned: when O(metrics_path) is set and the file was written (never in check mode)
  type: str
fatal:
  description: Whether the module failed for a fatal error (true) or only for records that could not be synced (false).
  returned: when the module failed
  type: bool
'''

from ansible_collections.clearip.netsapiens.plugins.module_utils._module import CollectionModule
from ansible_collections.clearip.netsapiens.plugins.module_utils._sync_module import SYNC_RULES, run_sync_module, sync_options


def main():
    module = CollectionModule(argument_spec=sync_options(), **SYNC_RULES)
    run_sync_module(module)


if __name__ == '__main__':
    main()
