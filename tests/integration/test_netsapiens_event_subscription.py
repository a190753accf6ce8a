# -*- coding: utf-8 -*-
# Copyright: (c) 2026, clearip.netsapiens contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""netsapiens_event_subscription through the real ansible-playbook against the NetSapiens simulator.

Claims are checked against the subscriptions the simulator holds and the writes it counted.
"""

from __future__ import absolute_import, division, print_function

import calendar
import json
import time

from tests.simulators import dataset as D

SECRET = 'tok-9f8e7d6c5b4a39281706'
POST_URL = 'https://eda.example:5000/netsapiens/' + SECRET
POST = 'POST /ns-api/v2/subscriptions'
PUT = 'PUT /ns-api/v2/subscriptions/{id}'
DELETE = 'DELETE /ns-api/v2/subscriptions/{id}'
TIME_FORMAT = '%Y-%m-%d %H:%M:%S'


def dataset(subscriptions=()):
    return {
        'netsapiens': {
            'oauth_clients': [{'client_id': D.NS_CLIENT_ID, 'client_secret': D.NS_CLIENT_SECRET}],
            'api_users': [{'username': D.NS_USERNAME, 'password': D.NS_PASSWORD}],
            'api_keys': [D.NS_API_KEY],
            'resellers': [{'reseller': 'R1', 'description': ''}],
            'domains': [{'domain': 'd1.example', 'reseller': 'R1', 'description': ''}],
            'subscriptions': [dict(s) for s in subscriptions],
        },
        'clearip': {'accounts': [{'email': 'api@clearip.example', 'password': 'unused-Passw0rd', 'state': 'active',
                                  'operator': None}]},
    }


def play(*tasks):
    lines = ['- hosts: localhost', '  gather_facts: false',
             '  module_defaults:', '    group/clearip.netsapiens.netsapiens: "{{ ns }}"', '  tasks:']
    for name, options in tasks:
        lines += ['    - name: %s' % name,
                  '      clearip.netsapiens.netsapiens_event_subscription: %s' % json.dumps(options),
                  '      register: r_%s' % name,
                  '      ignore_errors: true']
    saved = ', '.join("'%s': r_%s" % (name, name) for name, _options in tasks)
    lines += ['    - name: Save the results',
              '      ansible.builtin.copy: {content: "{{ {%s} | to_json }}", dest: "{{ out_dir }}/results.json", mode: "0600"}' % saved,
              '      check_mode: false']
    return '\n'.join(lines) + '\n'


def run(sims, playbook, *tasks, **kwargs):
    result = playbook(play(*tasks), extra_vars={'ns': sims.ns_vars()}, args=('-v',), **kwargs)
    assert result.rc == 0, result
    assert SECRET not in result.stdout + result.stderr
    return result.out['results']


def stored(sims):
    return sims.state(sims.netsapiens)['subscriptions']


def hours_left(subscription):
    return (calendar.timegm(time.strptime(subscription['subscription-expires-datetime'], TIME_FORMAT)) - time.time()) / 3600.0


def at(hours):
    return time.strftime(TIME_FORMAT, time.gmtime(time.time() + hours * 3600))


def checked(sims):
    """The distinct NetSapiens requests the simulator saw (method, template, query and body field names)."""
    return sims.netsapiens.contract_report()['checked']


def test_create_then_idempotent_then_absent(sims, playbook):
    env = sims(dataset())
    wanted = {'post_url': POST_URL, 'lifetime_hours': 48, 'renew_margin_hours': 24}
    results = run(env, playbook, ('create', wanted), ('again', wanted))
    assert results['create']['changed'] is True and results['create']['created'] is True
    assert results['again']['changed'] is False and results['again']['renewed'] is False
    [held] = stored(env)
    assert held['model'] == 'subscriber' and held['post-url'] == POST_URL
    assert (held['reseller'], held['domain'], held['user']) == ('*', '*', '*')
    assert 47.9 < hours_left(held) <= 48.0
    assert results['create']['subscription']['post_url'] == 'https://eda.example:5000/netsapiens/********'
    assert results['again']['subscription']['id'] == held['id']
    assert env.stats(env.netsapiens)['writes'] == {POST: 1}

    gone = run(env, playbook, ('absent', dict(wanted, state='absent')), ('absent_again', dict(wanted, state='absent')))
    assert gone['absent']['changed'] is True and gone['absent']['removed'] == 1
    assert gone['absent_again']['changed'] is False
    assert stored(env) == []


def test_check_and_diff_mode_write_nothing(sims, playbook):
    env = sims(dataset())
    results = run(env, playbook, ('create', {'post_url': POST_URL, 'reseller': 'R1'}), check=True, diff=True)
    assert results['create']['changed'] is True
    assert results['create']['diff']['before'] == {}
    assert results['create']['diff']['after']['reseller'] == 'R1'
    assert stored(env) == []
    assert env.stats(env.netsapiens)['writes'] == {}


def test_renewed_only_inside_the_margin_and_other_filters_make_a_new_one(sims, playbook):
    soon = at(20)
    later = at(30)
    env = sims(dataset([
        {'id': 'a1', 'model': 'subscriber', 'post-url': POST_URL, 'reseller': '*', 'domain': '*', 'user': '*',
         'subscription-expires-datetime': soon},
        {'id': 'b2', 'model': 'subscriber', 'post-url': POST_URL + 'x', 'reseller': '*', 'domain': '*', 'user': '*',
         'subscription-expires-datetime': later},
    ]))
    results = run(env, playbook,
                  ('renew', {'post_url': POST_URL, 'lifetime_hours': 48, 'renew_margin_hours': 24}),
                  ('not_yet', {'post_url': POST_URL + 'x', 'lifetime_hours': 48, 'renew_margin_hours': 24, 'reseller': 'R1'}))
    assert results['renew']['renewed'] is True and results['renew']['changed_fields'] == ['expires']
    assert results['not_yet']['renewed'] is False and results['not_yet']['changed_fields'] == ['reseller']
    assert results['not_yet']['replaced'] is True and results['not_yet']['created'] is False
    held = dict((s['post-url'], s) for s in stored(env))
    assert held[POST_URL]['id'] == 'a1' and 47.9 < hours_left(held[POST_URL]) <= 48.0
    # The update (PUT) of the description takes no filters: a new subscription with the reseller, the old one gone.
    new = held[POST_URL + 'x']
    assert new['id'] != 'b2' and new['reseller'] == 'R1' and 47.9 < hours_left(new) <= 48.0
    assert env.stats(env.netsapiens)['writes'] == {PUT: 1, POST: 1, DELETE: 1}
    # The renewal sent the schema's field, and nothing else.
    assert 'PUT /ns-api/v2/subscriptions/{id} {subscription-expires-datetime}' in checked(env)


def test_duplicates_are_removed_and_other_subscriptions_left_alone(sims, playbook):
    base = {'model': 'subscriber', 'post-url': POST_URL, 'reseller': '*', 'domain': '*', 'user': '*',
            'subscription-expires-datetime': at(100)}
    other = dict(base, id='c3', model='call')
    env = sims(dataset([dict(base, id='a1'), dict(base, id='a2'), other]))
    results = run(env, playbook, ('present', {'post_url': POST_URL, 'lifetime_hours': 168, 'renew_margin_hours': 72}))
    assert results['present']['removed'] == 1 and results['present']['changed'] is True
    assert sorted(s['id'] for s in stored(env)) == ['a1', 'c3']


def test_under_a_domain_and_bad_options(sims, playbook):
    env = sims(dataset())
    results = run(env, playbook,
                  ('scoped', {'post_url': POST_URL, 'scope_domain': 'd1.example'}),
                  ('scoped_again', {'post_url': POST_URL, 'scope_domain': 'd1.example'}),
                  ('margin', {'post_url': POST_URL, 'lifetime_hours': 72, 'renew_margin_hours': 72}),
                  ('short', {'post_url': POST_URL, 'lifetime_hours': 24, 'renew_margin_hours': 12}),
                  ('no_expiry', {'post_url': POST_URL, 'lifetime_hours': 0}),
                  ('tight', {'post_url': POST_URL, 'lifetime_hours': 48, 'renew_margin_hours': 12}),
                  ('url', {'post_url': 'eda.example/netsapiens'}))
    assert results['scoped']['changed'] is True and results['scoped_again']['changed'] is False
    assert [s['domain'] for s in stored(env)] == ['d1.example']
    assert 'must be smaller than lifetime_hours' in results['margin']['msg']
    assert 'lifetime_hours (24.0) must be at least 48' in results['short']['msg']
    assert 'lifetime_hours (0.0) must be at least 48' in results['no_expiry']['msg']
    assert 'renew_margin_hours (12.0) must be at least 24' in results['tight']['msg']
    assert 'http:// or https://' in results['url']['msg']


def test_a_create_answered_202_is_read_back(sims, playbook):
    env = sims(dataset(), netsapiens_config={'subscription_create_answer': 'accepted'})
    results = run(env, playbook, ('create', {'post_url': POST_URL}), ('again', {'post_url': POST_URL}))
    [held] = stored(env)
    assert results['create']['subscription']['id'] == held['id']
    assert results['again']['changed'] is False


def test_role_entry_point_events_registers_from_config_json(sims, collection_playbook):
    from tests.integration.conftest import vendor_config
    env = sims(dataset())
    config = vendor_config(env)
    config['netsapiens']['eventsPostUrl'] = POST_URL
    first = collection_playbook('events', config, extra_vars={'subscriber_sync_events_cron': False})
    assert first.rc == 0, first
    again = collection_playbook('events', config, extra_vars={'subscriber_sync_events_cron': False})
    assert again.rc == 0, again
    assert 'changed=0' in again.stdout
    [held] = stored(env)
    assert held['post-url'] == POST_URL and 167.9 < hours_left(held) <= 168.0
    assert SECRET not in first.stdout + first.stderr + again.stdout + again.stderr
    gone = collection_playbook('events', config, extra_vars={'subscriber_sync_events_cron': False,
                                                             'subscriber_sync_events_state': 'absent'})
    assert gone.rc == 0, gone
    assert stored(env) == []


def test_role_entry_point_events_needs_a_post_url(sims, collection_playbook):
    from tests.integration.conftest import vendor_config
    env = sims(dataset())
    result = collection_playbook('events', vendor_config(env), extra_vars={'subscriber_sync_events_cron': False})
    assert result.rc != 0
    assert 'eventsPostUrl' in result.stdout
    assert stored(env) == []


def test_role_entry_point_events_renewal_job(sims, collection_playbook, tmp_path):
    """The daily renewal job: needs the cron entry point's virtual environment; its line holds no secret, its
    settings file (mode 0600) does. This machine need not have cron: a cron_file is written, and a crontab
    that fails if called stands in."""
    import os
    import stat
    from tests.integration.conftest import vendor_config
    env = sims(dataset())
    config = vendor_config(env)
    config['netsapiens']['eventsPostUrl'] = POST_URL
    stub_dir = tmp_path / 'stub'
    stub_dir.mkdir()
    (stub_dir / 'crontab').write_text('#!/bin/sh\necho "crontab must not be called when a cron_file is used" >&2\nexit 97\n')
    (stub_dir / 'crontab').chmod(0o755)
    path_env = {'PATH': '%s:%s' % (stub_dir, os.environ.get('PATH', ''))}
    venv = tmp_path / 'venv'
    cron_file = tmp_path / 'cron.d' / 'clearip-sync'
    cron_file.parent.mkdir()
    settings = tmp_path / 'events.json'
    paths = {'subscriber_sync_cron_venv': str(venv), 'subscriber_sync_cron_file': str(cron_file),
             'subscriber_sync_cron_user': 'nobody', 'subscriber_sync_cron_group': 'nogroup',
             'subscriber_sync_events_settings_path': str(settings)}

    checked = collection_playbook('events', config, extra_vars=paths, check=True, diff=True, env=path_env)
    assert checked.rc == 0, checked.stdout[-3000:]
    assert stored(env) == [] and not settings.exists() and not cron_file.exists()
    assert SECRET not in checked.stdout + checked.stderr

    missing = collection_playbook('events', config, extra_vars=paths, env=path_env)
    assert missing.rc != 0
    assert 'install the hourly sync first' in missing.stdout
    assert not settings.exists() and not cron_file.exists()

    (venv / 'bin').mkdir(parents=True)
    (venv / 'bin' / 'ansible-playbook').write_text('#!/bin/sh\nexit 0\n')
    (venv / 'bin' / 'ansible-playbook').chmod(0o755)
    installed = collection_playbook('events', config, extra_vars=paths, env=path_env)
    assert installed.rc == 0, installed.stdout[-3000:]
    line = cron_file.read_text()
    assert 'clearip.netsapiens.events' in line and '-e @%s' % settings in line
    assert SECRET not in line
    assert stat.S_IMODE(settings.stat().st_mode) == 0o600
    held = json.loads(settings.read_text())
    assert held['subscriber_sync_events_post_url'] == POST_URL and held['subscriber_sync_events_cron'] is False
    assert held['subscriber_sync_netsapiens_password'] == D.NS_PASSWORD

    removed = collection_playbook('events', config, extra_vars=dict(paths, subscriber_sync_events_state='absent'), env=path_env)
    assert removed.rc == 0, removed.stdout[-3000:]
    assert stored(env) == [] and not settings.exists()
    assert not cron_file.exists()   # the cron module removes a cron_file left empty


def test_role_entry_point_events_refuses_a_relative_settings_path(sims, collection_playbook):
    from tests.integration.conftest import vendor_config
    env = sims(dataset())
    config = vendor_config(env)
    config['netsapiens']['eventsPostUrl'] = POST_URL
    result = collection_playbook('events', config, extra_vars={'subscriber_sync_events_settings_path': 'events.json'})
    assert result.rc != 0
    assert 'subscriber_sync_events_settings_path is a relative path' in result.stdout, result.stdout[-3000:]
    assert stored(env) == []   # refused before anything is registered
