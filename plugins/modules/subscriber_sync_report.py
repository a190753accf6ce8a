#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, clearip.netsapiens contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r'''
---
module: subscriber_sync_report
short_description: Write the report and the monitoring figures of one sync run
version_added: 0.1.0
description:
  - Turns what the tasks of a sync registered (the plan, each tier's result, a fatal error) into the JSON report described in
    C(docs/report.md) (schema version 1) with the run's status (V(ok), V(partial) or V(failed)), times, versions, hosts and
    per-tier counts and items, and returns it.
  - Writes the report to O(path) (mode 0600) and the run's figures to O(metrics_path) in the Prometheus text exposition format
    for node_exporter's textfile collector (mode 0644), each through a temporary file and a rename, so that a reader never
    sees half a file.
  - Talks to no API and takes no credentials.
  - The P(clearip.netsapiens.subscriber_sync#role) role runs it at the end of every sync, whether the sync succeeded or failed.
author:
  - clearip.netsapiens contributors (@clearip)
extends_documentation_fragment:
  - clearip.netsapiens.attributes
attributes:
  check_mode:
    description:
      - The report is written in check mode too, with C(check_mode) V(true), as the report of a dry run is its point.
      - The metrics file is not written in check mode, so that a dry run never looks like a sync to monitoring.
    support: full
  diff_mode:
    description: Nothing to show; the files it writes are outputs of the run, not managed objects.
    support: none
options:
  path:
    description:
      - Where the JSON report is written (mode 0600; its directory must exist). Not written when unset.
    type: path
  metrics_path:
    description:
      - Where the Prometheus text file is written (mode 0644, as it holds no secret; its directory must exist). Not written
        when unset, nor in check mode.
      - For node_exporter's textfile collector, a C(.prom) file in the directory given by its C(--collector.textfile.directory).
      - The last-success time is carried over from the file already there when this run's status is not V(ok).
    type: path
  started:
    description: When the run started, Unix time in seconds.
    type: float
    required: true
  ended:
    description: When the run ended, Unix time in seconds. Default now.
    type: float
  plan:
    description:
      - The plan (its C(errors) and C(counts)) - the C(plan) of M(clearip.netsapiens.subscriber_sync_run).
    type: dict
  service_providers:
    description:
      - The Service Provider tier - the C(service_providers) of M(clearip.netsapiens.subscriber_sync_run), or the registered
        result of M(clearip.netsapiens.clearip_service_provider), when it ran or was skipped.
    type: dict
  groups:
    description:
      - The Group tier - the C(groups) of M(clearip.netsapiens.subscriber_sync_run), or the registered result of
        M(clearip.netsapiens.clearip_group), when it ran or was skipped.
    type: dict
  users:
    description:
      - The User tier - the C(users) of M(clearip.netsapiens.subscriber_sync_run), or the registered result of
        M(clearip.netsapiens.clearip_user), when it ran or was skipped.
    type: dict
  error:
    description:
      - The fatal error that stopped the run, if any; the status is then V(failed).
      - A NetSapiens read or a ClearIP tier whose message shows a refused or failed login is reported at the login stage.
    type: dict
    suboptions:
      stage:
        description: The stage of the failed task.
        type: str
        choices: [settings, setup, netsapiens_login, netsapiens_read, plan, clearip_login, service_providers, groups, users, drift, report]
        required: true
      msg:
        description: What went wrong (the failed task's C(msg)); the report calls it C(message).
        type: str
        required: true
      task:
        description: The name of the failed task.
        type: str
  versions:
    description: Versions to record, such as C(collection) and C(ansible_core).
    type: dict
    default: {}
  netsapiens_host:
    description: The NetSapiens host or URL; recorded without user info, query or fragment.
    type: str
  clearip_url:
    description: The ClearIP URL; recorded without user info, query or fragment.
    type: str
  drift:
    description:
      - The drift of the run (C(scope), C(counts), C(tiers)) as M(clearip.netsapiens.subscriber_sync_run) found it (see docs/drift.md);
        recorded under C(drift), counted in the summary and, per tier, in the metrics. Omitted when not computed.
    type: dict
  events:
    description:
      - The health of the NetSapiens event subscription (the RV(clearip.netsapiens.netsapiens_event_subscription#module:health)
        of M(clearip.netsapiens.netsapiens_event_subscription), read in check mode), when events are set up (docs/events.md).
      - Recorded under C(events), summarised, and written to the metrics as C(clearip_netsapiens_events_subscription_up),
        C(_error_count), C(_posts_count) and C(_hours_left). It never changes the run's status. Omitted when events are not set up.
    type: dict
'''

EXAMPLES = r'''
- name: Report the run, whatever happened
  clearip.netsapiens.subscriber_sync_report:
    path: /var/lib/clearip-sync/report.json
    metrics_path: /var/lib/node_exporter/textfile/clearip_sync.prom
    started: "{{ sync_started }}"
    plan: "{{ plan_result | default(omit) }}"
    service_providers: "{{ sp_result | default(omit) }}"
    groups: "{{ group_result | default(omit) }}"
    users: "{{ user_result | default(omit) }}"
    error: "{{ sync_error | default(omit) }}"
    versions:
      collection: 0.2.0
      ansible_core: "{{ ansible_version.full }}"
    netsapiens_host: ns.example.com
    clearip_url: https://api.clearip.com
  register: report

- name: Say how it went
  ansible.builtin.debug:
    msg: "{{ report.summary }}"
'''

RETURN = r'''
report:
  description: The report, as written to O(path); see C(docs/report.md) for every field.
  returned: always
  type: dict
  sample:
    schema_version: 1
    status: failed
    check_mode: false
    started: "2026-11-30T01:00:00.120Z"
    ended: "2026-11-30T01:00:03.410Z"
    duration_seconds: 3.29
    versions: {collection: 0.2.0, ansible_core: 2.19.14}
    netsapiens: {host: https://ns.example.com}
    clearip: {url: https://api.clearip.com}
    error: {stage: clearip_login, task: "Sync NetSapiens subscribers into ClearIP, tier by tier", message: "ClearIP refused the login of ..."}
    tiers:
      service_providers: {status: failed, created: [], existing: 0, failed: [], skipped: false, skipped_reason: "",
                          counts: {wanted: 3, created: 0, existing: 0, failed: 0}}
    connections: {failed: []}
    errors: ["ClearIP refused the login of ..."]
status:
  description:
    - The run's status - V(ok) (nothing failed), V(partial) (it ran to the end but some records failed or a tier was
      skipped), V(failed) (a fatal error).
  returned: always
  type: str
  sample: partial
summary:
  description:
    - One line per tier, one for the connections and one with the status, for the play output.
    - >-
      Then where the report and the metrics were written (C(Report: written to /abs/path), C(Metrics: written to
      /abs/path)), or C(Metrics: not written in a dry run).
  returned: always
  type: list
  elements: str
  sample: ["Service Providers: 0 created, 3 existing, 0 failed", "Status: ok"]
path:
  description: The report file written, when O(path) is set.
  returned: when O(path) is set
  type: str
metrics_path:
  description: The metrics file written, when O(metrics_path) is set outside check mode.
  returned: when a metrics file was written
  type: str
'''

from ansible_collections.clearip.netsapiens.plugins.module_utils._module import CollectionModule
from ansible_collections.clearip.netsapiens.plugins.module_utils._sync_module import report_options, run_report_module


def main():
    module = CollectionModule(argument_spec=report_options(), needs_requests=False, supports_check_mode=True)
    run_report_module(module)


if __name__ == '__main__':
    main()
