#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, clearip.netsapiens contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r'''
---
module: subscriber_sync_work_dir
short_description: Make the sync's private work directory and remove those that killed runs left behind
version_added: 0.1.0
description:
  - Makes a new private (mode 0700) directory named C(clearip-netsapiens-sync.*) under O(parent) for one sync run, with an
    owner record (C(.owner.json)) naming the run's C(ansible-playbook) process (boot id, process id and start time; no secret).
  - Removes the directories of earlier runs of the same user under O(parent) that nothing can still be using, so that a run
    killed before it could remove its own (SIGKILL, an OOM kill, a reboot) leaves nothing behind for long.
  - A directory is in use, and kept, while its C(ansible-playbook) process runs, or while any process of the user has
    C(CLEARIP_NETSAPIENS_SYNC_WORK_DIR=<the directory>) in its environment (the M(clearip.netsapiens.subscriber_sync) role sets
    it for every task that uses the directory, so a module still running after its C(ansible-playbook) was killed keeps it too).
  - When the owner is unknown (no C(ansible-playbook) among the module's parents, as when the play reaches the host over SSH;
    or a directory without an owner record) the directory is removed only when nothing in it changed for O(max_unknown_age) seconds.
  - Reads C(/proc) (Linux). Directories of other users, links and other names are never touched.
author:
  - clearip.netsapiens contributors (@clearip)
attributes:
  check_mode:
    description:
      - Runs the same in check mode, because a dry run of the sync needs its work directory too; the removal of stale
        directories is scratch-space housekeeping, not a change to a managed system.
    support: full
  diff_mode:
    description: Nothing to show.
    support: none
options:
  parent:
    description: Directory to make the work directory in, and to look for stale ones. The system's temporary directory by default.
    type: path
  max_unknown_age:
    description: Seconds since the last change after which a directory whose owner is unknown counts as stale.
    type: int
    default: 86400
'''

EXAMPLES = r'''
- name: Make a private work directory and remove those of killed runs
  clearip.netsapiens.subscriber_sync_work_dir:
  register: work_dir

- name: Use it
  clearip.netsapiens.netsapiens_user_info:
    dest: "{{ work_dir.path }}/users.json"
  environment:
    CLEARIP_NETSAPIENS_SYNC_WORK_DIR: "{{ work_dir.path }}"
'''

RETURN = r'''
path:
  description: The new work directory.
  returned: success
  type: str
  sample: /tmp/clearip-netsapiens-sync.k2j4x9_a
owner:
  description: The C(ansible-playbook) process recorded as the owner, or null when none was found among the module's parents.
  returned: success
  type: dict
  sample: {pid: 4242, start_time: 987654}
removed:
  description: The stale work directories of earlier runs that were removed.
  returned: success
  type: list
  elements: str
  sample: [/tmp/clearip-netsapiens-sync.a1b2c3d4]
kept:
  description: Work directories of other runs that are still in use and were left alone.
  returned: success
  type: list
  elements: str
  sample: []
'''

import os

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.clearip.netsapiens.plugins.module_utils import work_dir


def main():
    module = AnsibleModule(
        argument_spec=dict(
            parent=dict(type='path'),
            max_unknown_age=dict(type='int', default=work_dir.DEFAULT_MAX_UNKNOWN_AGE),
        ),
        supports_check_mode=True,
    )
    parent = module.params['parent']
    if parent and not os.path.isdir(parent):
        module.fail_json(msg='parent %s is not a directory' % parent)
    if module.params['max_unknown_age'] < 0:
        module.fail_json(msg='max_unknown_age must be 0 or more seconds, got %d' % module.params['max_unknown_age'])
    try:
        path = work_dir.create(parent)
    except (IOError, OSError) as exc:
        module.fail_json(msg='cannot make a work directory in %s: %s' % (parent or 'the temporary directory', exc))
    removed, kept = work_dir.remove_stale(os.path.dirname(path), keep=[path], max_unknown_age=module.params['max_unknown_age'])
    owner = work_dir.find_run_owner()
    module.exit_json(changed=True, path=path, owner=owner, removed=removed, kept=kept)


if __name__ == '__main__':
    main()
