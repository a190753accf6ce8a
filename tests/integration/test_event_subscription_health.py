# -*- coding: utf-8 -*-
# Copyright: (c) 2026, clearip.netsapiens contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Issue 20 through the real ansible-playbook: the event subscription in the published schema's names, its health
where operators look (the module, the events entry point, every sync's report and metrics).

Each test asserts on what the NetSapiens simulator holds and the requests it saw (their shapes, checked against
the published description by the fixture too).
"""

from __future__ import absolute_import, division, print_function

import calendar
import json
import time

from prometheus_client.parser import text_string_to_metric_families

from tests.integration.conftest import vendor_config
from tests.simulators import dataset as D
from tests.integration.test_netsapiens_event_subscription import POST_URL, SECRET, dataset, run, stored

TIME_FORMAT = '%Y-%m-%d %H:%M:%S'
POST = 'POST /ns-api/v2/subscriptions'
PUT = 'PUT /ns-api/v2/subscriptions/{id}'


def at(hours):
    return time.strftime(TIME_FORMAT, time.gmtime(time.time() + hours * 3600))


def hours_left(subscription):
    return (calendar.timegm(time.strptime(subscription['subscription-expires-datetime'], TIME_FORMAT)) - time.time()) / 3600.0


def subscription(**fields):
    record = {'id': 'a1', 'model': 'subscriber', 'post-url': POST_URL, 'reseller': '*', 'domain': '*', 'user': '*',
              'subscription-expires-datetime': at(150), 'status': 'active', 'error-count': 0, 'posts-count': 12,
              'current-active-server': 'core1.sim.example'}
    record.update(fields)
    return record


def oauth_vars(env):
    """The module options of an OAuth2 password grant: the vendor's config.json, not an API key."""
    return env.ns_vars()


# -- failure 1: the schema's names, the expiry always set, 409 as present, nothing written when nothing is due ------

def test_schema_names_and_an_explicit_expiry_with_an_oauth_password_grant(sims, playbook):
    env = sims(dataset(), netsapiens_config={'token_lifetime': 3600})
    options = {'post_url': POST_URL, 'server_preferred': 'core2.sim.example'}   # the old name, as an alias
    results = run(env, playbook, ('create', options), ('again', dict(options, preferred_server='core2.sim.example')))
    assert results['create']['created'] is True and results['again']['changed'] is False
    [held] = stored(env)
    # Not the access token's hour: the module's week, in the schema's field.
    assert 167.9 < hours_left(held) <= 168.0
    assert held['preferred-server'] == 'core2.sim.example'
    seen = env.netsapiens.contract_report()['checked']
    assert 'POST /ns-api/v2/tokens {client_id, client_secret, grant_type, password, username}' in seen
    assert ('POST /ns-api/v2/subscriptions {domain, model, post-url, preferred-server, reseller, '
            'subscription-expires-datetime, user}') in seen
    assert not any('expires}' in item or 'server_preferred' in item or ' expires' in item for item in seen)
    assert env.stats(env.netsapiens)['writes'] == {POST: 1}
    # The module reads the schema's names back: the expiry, the server, the health.
    shown = results['again']['subscription']
    assert shown['expires'] == held['subscription-expires-datetime'] and shown['preferred_server'] == 'core2.sim.example'
    assert 167.5 < shown['hours_left'] <= 168.0


def test_a_second_run_with_nothing_to_renew_writes_nothing(sims, playbook):
    env = sims(dataset([subscription(**{'subscription-expires-datetime': at(100)})]))
    results = run(env, playbook, ('check', {'post_url': POST_URL}))
    assert results['check']['changed'] is False and results['check']['renewed'] is False
    assert env.stats(env.netsapiens)['writes'] == {}
    # The version probe and one list: nothing else.
    assert set(request for request in env.stats(env.netsapiens)['requests'] if not request.startswith('POST /ns-api/v2/tokens')) \
        == {'GET /ns-api/v2/domains/count', 'GET /ns-api/v2/subscriptions'}


def test_an_expiry_the_server_did_not_keep_is_set_again(sims, playbook):
    # A subscription made without an expiry (or by the old field names, which a core ignores): it has none to read.
    env = sims(dataset([subscription(**{'subscription-expires-datetime': ''})]))
    results = run(env, playbook, ('present', {'post_url': POST_URL}))
    assert results['present']['renewed'] is True and results['present']['changed_fields'] == ['expires']
    [held] = stored(env)
    assert 167.9 < hours_left(held) <= 168.0
    assert 'PUT /ns-api/v2/subscriptions/{id} {subscription-expires-datetime}' in env.netsapiens.contract_report()['checked']


def test_a_409_on_create_is_taken_as_present_and_renewed(sims, playbook):
    # The list lags behind: the first read does not show the subscription that is there, so the module creates it
    # and NetSapiens answers 409 (it exists). The module reads it again, and renews it as it is due.
    env = sims(dataset([subscription(**{'subscription-expires-datetime': at(10)})]),
               netsapiens_config={'subscription_list_lag': 1})
    results = run(env, playbook, ('present', {'post_url': POST_URL}))
    result = results['present']
    assert result['conflict'] is True and result['created'] is False and result['renewed'] is True
    assert result['subscription']['id'] == 'a1' and result['health']['up'] is True
    [held] = stored(env)
    assert held['id'] == 'a1' and 167.9 < hours_left(held) <= 168.0
    stats = env.stats(env.netsapiens)
    assert stats['requests'][POST] == 1 and stats['writes'] == {PUT: 1}   # the 409 wrote nothing


def test_a_409_for_a_subscription_never_listed_is_present_with_a_warning(sims, playbook):
    env = sims(dataset([subscription()]), netsapiens_config={'subscription_list_lag': 5})
    results = run(env, playbook, ('present', {'post_url': POST_URL}))
    result = results['present']
    assert result['conflict'] is True and result['changed'] is False and result['health']['up'] is False
    assert 'answered HTTP 409' in result['health']['problem'] and 'does not list it' in result['health']['problem']
    assert any('does not list it' in warning for warning in result['warnings'])
    assert len(stored(env)) == 1 and env.stats(env.netsapiens)['writes'] == {}


# -- failure 2: the health, from the module, the events entry point and every sync --------------------------------------

def test_the_module_returns_the_health_netsapiens_reports(sims, playbook):
    env = sims(dataset([subscription(**{'error-count': 2, 'posts-count': 40}),
                        subscription(id='b2', **{'post-url': POST_URL + 'x', 'status': 'error', 'error-count': 7,
                                                 'posts-count': 9}),
                        subscription(id='c3', **{'post-url': POST_URL + 'y', 'current-active-server': '',
                                                 'status': 'pending'})]))
    results = run(env, playbook, ('ok', {'post_url': POST_URL}), ('error', {'post_url': POST_URL + 'x'}),
                  ('idle', {'post_url': POST_URL + 'y'}))
    ok = results['ok']['health']
    assert ok['up'] is True and ok['problem'] == ''
    assert (ok['status'], ok['error_count'], ok['posts_count'], ok['current_active_server']) == ('active', 2, 40, 'core1.sim.example')
    assert 149.5 < ok['hours_left'] <= 150.0
    assert results['ok']['subscription']['status'] == 'active' and results['ok']['subscription']['posts_count'] == 40
    error = results['error']['health']
    assert error['up'] is False and error['status'] == 'error'
    assert '7 of its 9 posts failed' in error['problem'] and 'GET /ns-api/v2/subscriptions/b2' in error['problem']
    idle = results['idle']['health']
    assert idle['up'] is False and 'no current-active-server' in idle['problem']
    assert env.stats(env.netsapiens)['writes'] == {}   # reading the health wrote nothing


def events(collection_playbook, env, **extra):
    config = vendor_config(env)
    config['netsapiens']['eventsPostUrl'] = POST_URL
    variables = {'subscriber_sync_events_cron': False}
    variables.update(extra)
    result = collection_playbook('events', config, extra_vars=variables)
    assert SECRET not in result.stdout + result.stderr
    return result


def test_events_entry_point_fails_when_the_subscription_is_in_error(sims, collection_playbook):
    env = sims(dataset([subscription(**{'status': 'error', 'error-count': 3, 'posts-count': 4})]))
    result = events(collection_playbook, env)
    assert result.rc != 0, result
    assert 'in error: 3 of its 4 posts failed' in result.stdout
    assert 'GET /ns-api/v2/subscriptions/a1' in result.stdout and 'event source' in result.stdout
    # It registered and renewed what it had to before failing: the subscription is still there, unchanged.
    assert [s['id'] for s in stored(env)] == ['a1'] and env.stats(env.netsapiens)['writes'] == {}


def test_events_entry_point_fails_when_no_core_sends_the_events(sims, collection_playbook):
    env = sims(dataset(), netsapiens_config={'subscription_active_server': ''})
    result = events(collection_playbook, env, subscriber_sync_events_health_retries=1, subscriber_sync_events_health_delay=1)
    assert result.rc != 0, result
    assert 'no current-active-server' in result.stdout and 'no core sends its events' in result.stdout
    [held] = stored(env)
    assert held['current-active-server'] == '' and 167.9 < hours_left(held) <= 168.0
    stats = env.stats(env.netsapiens)
    assert stats['writes'] == {POST: 1}
    # Read once by the module, then twice by the role's wait (a read and 1 retry), all without writing.
    assert stats['requests']['GET /ns-api/v2/subscriptions'] == 1 + 2


def test_events_entry_point_passes_when_events_flow(sims, collection_playbook):
    env = sims(dataset())
    result = events(collection_playbook, env)
    assert result.rc == 0, result
    [held] = stored(env)
    assert held['current-active-server'] == 'core1.sim.example' and held['status'] == 'pending'


def sync_with_events(sync, env, tmp_path, post_url=POST_URL, **extra):
    config = vendor_config(env)
    if post_url:
        config['netsapiens']['eventsPostUrl'] = post_url
    metrics = tmp_path / ('metrics-%d.prom' % time.time_ns())
    variables = {'subscriber_sync_metrics_path': str(metrics)}
    variables.update(extra)
    run_result = sync(config, extra_vars=variables)
    assert run_result.rc == 0, run_result.stdout[-5000:]
    assert SECRET not in run_result.stdout + run_result.stderr
    samples = {}
    for family in text_string_to_metric_families(metrics.read_text()):
        for sample in family.samples:
            samples[sample.name] = sample.value
    return run_result, samples


def sync_dataset(subscriptions=()):
    found = D.make_dataset(resellers=1, domains=2, users=4, seed=20)
    found['netsapiens']['subscriptions'] = [dict(s) for s in subscriptions]
    return found


def test_every_sync_reports_the_subscription_health_in_report_and_metrics(sims, sync, tmp_path):
    env = sims(sync_dataset([subscription(**{'error-count': 1, 'posts-count': 30})]))
    result, samples = sync_with_events(sync, env, tmp_path)
    assert result.rc == 0, result
    health = result.out['report']['events']
    assert health['up'] is True and health['status'] == 'active' and health['posts_count'] == 30
    assert samples['clearip_netsapiens_events_subscription_up'] == 1
    assert samples['clearip_netsapiens_events_subscription_error_count'] == 1
    assert samples['clearip_netsapiens_events_subscription_posts_count'] == 30
    assert 149.5 < samples['clearip_netsapiens_events_subscription_hours_left'] <= 150.0
    assert 'Events: subscription up' in result.stdout
    # Read without writing: the sync never registers or renews the subscription.
    assert env.stats(env.netsapiens)['writes'] == {}


def test_a_sync_reports_a_subscription_in_error_or_missing_without_failing(sims, sync, tmp_path):
    env = sims(sync_dataset([subscription(**{'status': 'error', 'error-count': 5, 'posts-count': 5})]))
    result, samples = sync_with_events(sync, env, tmp_path)
    assert result.rc == 0, result   # the sync itself went well; the alert comes from the metrics
    assert result.out['report']['status'] == 'ok' and result.out['report']['events']['up'] is False
    assert samples['clearip_netsapiens_events_subscription_up'] == 0
    assert samples['clearip_netsapiens_events_subscription_error_count'] == 5
    assert 'Events: subscription DOWN' in result.stdout

    gone, samples = sync_with_events(sync, env, tmp_path, post_url=POST_URL + 'other')
    assert gone.rc == 0, gone
    assert gone.out['report']['events']['up'] is False
    assert 'no event subscription for' in gone.out['report']['events']['problem']
    assert samples['clearip_netsapiens_events_subscription_up'] == 0
    assert env.stats(env.netsapiens)['writes'] == {}


def test_a_sync_without_events_has_no_events_figures(sims, sync, tmp_path):
    env = sims(sync_dataset())
    result, samples = sync_with_events(sync, env, tmp_path, post_url=None)
    assert result.rc == 0, result
    assert result.out['report']['events'] is None
    assert not any(name.startswith('clearip_netsapiens_events_') for name in samples)
    assert 'GET /ns-api/v2/subscriptions' not in env.stats(env.netsapiens)['requests']


# Issue 23: the sync module reads the health itself, beside the sync, through its own NetSapiens connection (no module
# process of its own before the sync, which cost the event-driven path most of a second).
def test_the_health_is_read_by_the_sync_through_its_own_connection(sims, sync, tmp_path):
    env = sims(sync_dataset([subscription()]))
    result, samples = sync_with_events(sync, env, tmp_path)
    assert result.out['report']['events']['up'] is True and samples['clearip_netsapiens_events_subscription_up'] == 1
    seen = env.stats(env.netsapiens)['requests']
    # One list of subscriptions, and no token or version probe of its own: the sync's one token serves both.
    assert seen['GET /ns-api/v2/subscriptions'] == 1
    assert sum(count for endpoint, count in seen.items() if 'token' in endpoint) == 1, seen
    assert seen['GET /ns-api/v2/domains/count'] == 1, seen   # one version probe, whichever thread asked first
    assert "Read the event subscription's health" not in result.stdout
    assert 'netsapiens_event_subscription' not in result.stdout


def test_an_expired_subscription_is_reported_down_as_it_is_not_as_it_would_be_renewed(sims, sync, tmp_path):
    env = sims(sync_dataset([subscription(**{'subscription-expires-datetime': at(-2)})]))
    result, samples = sync_with_events(sync, env, tmp_path)
    health = result.out['report']['events']
    # The simulator, like a core, lists no expired subscription: down, saying how to register it again (a check-mode
    # read of the module would have called it up, planning its renewal).
    assert health['up'] is False and 'is registered' in health['problem'] and 'events entry point' in health['problem']
    assert samples['clearip_netsapiens_events_subscription_up'] == 0
    assert env.stats(env.netsapiens)['writes'] == {}   # the sync reports it; the events entry point renews it


def test_a_failed_health_read_is_the_subscriptions_problem_never_the_syncs(sims, sync, tmp_path):
    env = sims(sync_dataset([subscription()]))
    env.add_fault(env.netsapiens, kind='server_error', path='/ns-api/v2/subscriptions$', method='GET', times=-1, status=403)
    result, samples = sync_with_events(sync, env, tmp_path)
    stats = env.stats(env.netsapiens)
    assert stats['faults_fired'].get('server_error', 0) >= 1, stats['faults_fired']
    report = result.out['report']
    assert report['status'] == 'ok' and report['events']['up'] is False
    assert report['events']['problem'].startswith('reading the event subscription for ')
    assert '403' in report['events']['problem'] and SECRET not in report['events']['problem']
    assert samples['clearip_netsapiens_events_subscription_up'] == 0
    assert 'Events: subscription DOWN' in result.stdout
    # The sync itself went through: every user is in ClearIP.
    assert len(env.clearip.dump_state()['users']) == 4


def test_a_run_refused_before_the_sync_reads_no_subscription(sims, sync, tmp_path):
    env = sims(sync_dataset([subscription()]))
    config = vendor_config(env)
    config['netsapiens']['eventsPostUrl'] = POST_URL
    del config['netsapiens']['clientSecret']
    report_path = tmp_path / 'refused-report.json'
    result = sync(config, extra_vars={'subscriber_sync_report_path': str(report_path)})
    assert result.rc != 0, result
    assert SECRET not in result.stdout + result.stderr
    report = json.loads(report_path.read_text())
    assert report['status'] == 'failed' and report['error']['stage'] == 'settings'
    assert report['events'] is None   # not read: nothing is sent when the settings are refused
    assert sum(env.stats(env.netsapiens)['requests'].values()) == 0
