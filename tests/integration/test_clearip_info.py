# -*- coding: utf-8 -*-
# Copyright: (c) 2026, clearip.netsapiens contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""clearip_service_provider_info, clearip_group_info and clearip_user_info through the real ansible-playbook,
against the ClearIP simulator: filters, every page, dest files, parents by name, and no write."""

from __future__ import annotations

import json
import os
import stat

from tests.integration.conftest import assert_no_secret

OP = '11111111-1111-4111-8111-111111111111'
EMAIL = 'api@clearip.example'
PASSWORD = 'Info-Passw0rd-5521'
SYNC = 'Created by clearip.netsapiens sync from pbx.example.com'
DAY = 86400000
JAN_1 = 1767225600000   # 2026-01-01T00:00:00Z


def sp(ident, name, created, comment=SYNC):
    return {'id': 'aaaaaaaa-0000-4000-8000-%012d' % ident, 'name': name, 'operator': OP, 'comment': comment,
            'createdAt': created, 'updatedAt': created}


def dataset():
    """R1 (twice: two Service Providers share the name), R2 and a hand-made Trunks; six Groups; 25 Users."""
    sps = [sp(1, 'R1', JAN_1), sp(2, 'R2', JAN_1 + DAY), sp(3, 'Trunks', JAN_1 + 2 * DAY, comment='made by hand'),
           sp(4, 'R1', JAN_1 + 3 * DAY)]
    groups = []
    for index, (name, parent) in enumerate([('d1.example', 0), ('d2.example', 1), ('d3.test', 1), ('lab', 2),
                                            ('d4.example', 3), ('d5.test', 0)]):
        groups.append({'id': 'bbbbbbbb-0000-4000-8000-%012d' % (index + 1), 'name': name, 'serviceProvider': sps[parent]['id'],
                       'operator': OP, 'comment': SYNC, 'createdAt': JAN_1 + index * DAY, 'updatedAt': JAN_1})
    users = []
    for index in range(25):
        group = groups[index % 5]
        name = '%d@%s' % (100 + index, group['name'])
        users.append({'id': 'cccccccc-0000-4000-8000-%012d' % (index + 1), 'name': name, 'userId': name, 'group': group['id'],
                      'operator': OP, 'comment': SYNC if index % 2 == 0 else 'imported', 'createdAt': JAN_1 + index * 1000,
                      'updatedAt': JAN_1})
    users.append({'id': 'cccccccc-0000-4000-8000-000000000999', 'name': 'Default User', 'userId': '', 'group': groups[0]['id'],
                  'operator': OP, 'comment': '', 'createdAt': JAN_1, 'updatedAt': JAN_1})
    return {'clearip': {'operators': [{'id': OP, 'name': 'Op'}],
                        'accounts': [{'email': EMAIL, 'password': PASSWORD, 'state': 'active', 'operator': OP}],
                        'serviceProviders': sps, 'groups': groups, 'users': users}}


PLAYBOOK = '''
- hosts: localhost
  gather_facts: false
  module_defaults:
    group/clearip.netsapiens.clearip:
      url: "{{ cip.url }}"
      email: "{{ cip.email }}"
      password: "{{ cip.password }}"
  tasks:
    - name: Every Service Provider
      clearip.netsapiens.clearip_service_provider_info:
      register: all_sps
    - name: Service Providers the sync made in the first two days (ISO and ms bounds)
      clearip.netsapiens.clearip_service_provider_info:
        comment_contains: Created by clearip.netsapiens sync
        created_after: "2026-01-01"
        created_before: "{{ 1767225600000 + 2 * 86400000 }}"
      register: sync_sps
    - name: Groups of R1 (two Service Providers of that name) matching a pattern
      clearip.netsapiens.clearip_group_info:
        service_provider: R1
        name_pattern: "*.example"
      register: r1_groups
    - name: One Group by exact name
      clearip.netsapiens.clearip_group_info:
        name: d3.test
      register: d3
    - name: No Group of an unknown Service Provider
      clearip.netsapiens.clearip_group_info:
        service_provider: Nobody
      register: none_groups
    - name: Every User to a file
      clearip.netsapiens.clearip_user_info:
        dest: "{{ out_dir }}/../users-file.json"
      register: users_file
    - name: Users of one Group whose comment is the sync's
      clearip.netsapiens.clearip_user_info:
        group: d2.example
        comment_contains: Created by clearip.netsapiens sync
      register: d2_users
    - name: Save
      ansible.builtin.copy:
        content: "{{ {'all_sps': all_sps, 'sync_sps': sync_sps, 'r1_groups': r1_groups, 'd3': d3, 'none_groups': none_groups,
                      'users_file': users_file, 'd2_users': d2_users} | to_json }}"
        dest: "{{ out_dir }}/info.json"
        mode: "0600"
      check_mode: false
'''


def run_info(sims, playbook, check=False):
    env = sims(dataset(), clearip_config={'page_cap': 2})   # two records a page whatever the limit: paging must go on
    run = playbook(PLAYBOOK, {'cip': {'url': env.clearip.url, 'email': EMAIL, 'password': PASSWORD}}, check=check)
    assert run.rc == 0, run
    # The shared check (conftest): the password and every token the ClearIP simulator issued, in the output.
    assert_no_secret(env.secrets(), [run.stdout, run.stderr], least=2)
    assert env.total_writes(env.clearip) == 0
    return env, run.out['info'], run


def test_filters_paging_parents_by_name_and_dest(sims, playbook, tmp_path):
    env, out, run = run_info(sims, playbook)
    data = dataset()['clearip']
    assert [(r['name'], r['created_at']) for r in out['all_sps']['service_providers']] == [
        ('R1', JAN_1), ('R1', JAN_1 + 3 * DAY), ('R2', JAN_1 + DAY), ('Trunks', JAN_1 + 2 * DAY)]
    assert out['all_sps']['count'] == 4 and out['all_sps']['changed'] is False
    assert out['all_sps']['service_providers'][0] == {
        'id': data['serviceProviders'][0]['id'], 'name': 'R1', 'status': 'active', 'comment': SYNC,
        'created_at': JAN_1, 'updated_at': JAN_1}
    assert [r['name'] for r in out['sync_sps']['service_providers']] == ['R1', 'R2']   # [Jan 1, Jan 3): not Trunks, not the later R1
    assert [(r['name'], r['service_provider'], r['service_provider_id']) for r in out['r1_groups']['groups']] == [
        ('d1.example', 'R1', data['serviceProviders'][0]['id']), ('d4.example', 'R1', data['serviceProviders'][3]['id'])]
    assert [(r['name'], r['service_provider']) for r in out['d3']['groups']] == [('d3.test', 'R2')]
    assert out['none_groups']['groups'] == [] and out['none_groups']['count'] == 0

    users_file = tmp_path / 'run1' / 'users-file.json'
    assert out['users_file']['dest'] == str(users_file) and out['users_file']['count'] == 26
    assert 'users' not in out['users_file']
    assert stat.S_IMODE(os.stat(str(users_file)).st_mode) == 0o600
    records = json.loads(users_file.read_text())
    assert len(records) == 26 and len(set(r['id'] for r in records)) == 26   # every page, nothing twice
    default = [r for r in records if r['name'] == 'Default User']
    assert default == [{'id': 'cccccccc-0000-4000-8000-000000000999', 'name': 'Default User', 'user_id': '', 'group': 'd1.example',
                        'group_id': data['groups'][0]['id'], 'status': 'active', 'comment': '', 'created_at': JAN_1,
                        'updated_at': JAN_1}]
    # d2.example holds users 1, 6, 11, 16, 21; the even ones carry the sync's comment.
    assert [r['name'] for r in out['d2_users']['users']] == ['106@d2.example', '116@d2.example']
    assert all(r['group'] == 'd2.example' for r in out['d2_users']['users'])
    pages = env.stats(env.clearip)['requests']['GET /users']
    assert pages >= 26 // 2   # the listing really went page by page


def test_check_mode_gives_the_same_answers(sims, playbook):
    env, out, run = run_info(sims, playbook, check=True)
    assert [r['name'] for r in out['sync_sps']['service_providers']] == ['R1', 'R2']
    assert out['users_file']['count'] == 26


BAD_TIME = '''
- hosts: localhost
  gather_facts: false
  tasks:
    - name: A time that is neither ms nor ISO 8601
      clearip.netsapiens.clearip_user_info:
        url: "{{ cip.url }}"
        email: "{{ cip.email }}"
        password: "{{ cip.password }}"
        created_after: last tuesday
'''


def test_a_bad_time_is_a_clear_error_before_any_request(sims, playbook):
    env = sims(dataset())
    run = playbook(BAD_TIME, {'cip': {'url': env.clearip.url, 'email': EMAIL, 'password': PASSWORD}})
    assert run.rc != 0
    assert "created_after must be Unix milliseconds or an ISO 8601 date" in run.stdout
    assert env.stats(env.clearip)['requests'] == {}
