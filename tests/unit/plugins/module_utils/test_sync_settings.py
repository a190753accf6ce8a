# -*- coding: utf-8 -*-
# Copyright: (c) 2026, clearip.netsapiens contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The pure settings checker: config.json and the role variables named in their own terms."""

from __future__ import absolute_import, division, print_function

from pathlib import Path

import pytest
import yaml

from ansible_collections.clearip.netsapiens.plugins.module_utils._sync_settings import (
    SECTIONS,
    check_settings,
    role_variable,
    summary,
    url_problem,
)

ROLE = Path(__file__).resolve().parents[4] / 'roles' / 'subscriber_sync'
SPECS = yaml.safe_load((ROLE / 'meta' / 'argument_specs.yml').read_text())['argument_specs']
SECRET = 'sekr1t-value'


def shape(section):
    """What the role passes for a config.json object: types, and values only of the non-secret keys."""
    out = {}
    for key, value in section.items():
        kind = ('null' if value is None else 'empty' if value == '' else 'bool' if isinstance(value, bool)
                else 'int' if isinstance(value, int) else 'str' if isinstance(value, str)
                else 'dict' if isinstance(value, dict) else 'list')
        out[key] = {'type': kind, 'value': value if key in ('host', 'url', 'apiVersion', 'tokenEndpoint', 'validateCerts') else None}
    return out


def good_config():
    return {'netsapiens': {'host': 'pbx.example.com', 'clientId': 'c', 'clientSecret': SECRET, 'username': 'u', 'password': SECRET},
            'clearip': {'url': 'https://api.clearip.com', 'email': 'api@example.com', 'password': SECRET}}


def check(config, variables=None, entry_point='main', require=True, env=(), other=()):
    shaped = dict((name, shape(value) if isinstance(value, dict) else value) for name, value in config.items())
    return check_settings(entry_point, shaped, variables or {}, SPECS, env_names=env, require_settings=require, other_names=other)


def lines(problems):
    return [str(p) for p in problems]


def test_the_vendor_config_passes():
    assert check(good_config()) == []


def test_every_config_key_has_its_role_variable_in_the_defaults_and_the_spec():
    defaults = yaml.safe_load((ROLE / 'defaults' / 'main.yml').read_text())
    for section, keys in SECTIONS.items():
        for key in keys:
            name = role_variable(section, key)
            assert '%s.%s' % (section, key.name) in defaults[name], name
            # in the main entry point, or (eventsPostUrl) in the one entry point that uses it
            assert any(name in (spec.get('options') or {}) for spec in SPECS.values()), name
            assert key.option is None or name in SPECS['main']['options'], name


def test_a_misspelt_key_is_named_with_the_key_it_resembles():
    config = good_config()
    config['netsapiens']['clientSecrets'] = config['netsapiens'].pop('clientSecret')
    found = lines(check(config))
    # Once: the misspelt key, with the one it resembles; that key's absence is the same mistake, not a second one.
    assert len(found) == 1, found
    assert found[0].startswith('netsapiens.clientSecrets: is not a key of config.json') and 'did you mean netsapiens.clientSecret?' in found[0]


def test_a_misspelt_key_still_leaves_other_missing_keys_reported():
    config = good_config()
    config['netsapiens']['clientSecrets'] = config['netsapiens'].pop('clientSecret')
    del config['netsapiens']['username']
    found = lines(check(config))
    assert [line.split(':')[0] for line in found] == ['netsapiens.clientSecrets', 'netsapiens.username'], found


def test_a_key_in_the_wrong_case_says_keys_are_case_sensitive():
    config = good_config()
    config['clearip']['Email'] = config['clearip'].pop('email')
    found = lines(check(config))
    assert len(found) == 1 and 'clearip.Email' in found[0] and 'did you mean clearip.email? keys are case-sensitive' in found[0], found


def test_a_missing_secret_names_the_key_not_the_module_options():
    config = good_config()
    del config['netsapiens']['clientSecret']
    found = check(config)
    assert [p.setting for p in found] == ['netsapiens.clientSecret']
    assert 'add "clientSecret"' in found[0].fix
    assert 'subscriber_sync_netsapiens_client_secret' in found[0].problem and 'NETSAPIENS_CLIENT_SECRET' in found[0].problem
    assert 'client_id' not in str(found[0])


def test_a_missing_key_given_by_its_role_variable_or_the_environment_is_not_missing():
    config = good_config()
    del config['netsapiens']['clientSecret']
    assert check(config, variables={'subscriber_sync_netsapiens_client_secret': {'type': 'str', 'value': None}}) == []
    assert check(config, env=['NETSAPIENS_CLIENT_SECRET']) == []


def test_api_key_replaces_the_oauth_keys_but_not_both():
    config = good_config()
    for name in ('clientId', 'clientSecret', 'username', 'password'):
        del config['netsapiens'][name]
    config['netsapiens']['apiKey'] = SECRET
    assert check(config) == []
    config['netsapiens']['clientId'] = 'c'
    assert [p.setting for p in check(config)] == ['netsapiens.apiKey']
    del config['netsapiens']['apiKey']
    assert [p.setting for p in check(config)] == ['netsapiens.clientSecret', 'netsapiens.username', 'netsapiens.password']
    del config['netsapiens']['clientId']
    assert [p.setting for p in check(config)] == ['netsapiens']


@pytest.mark.parametrize('key, value, words', [
    ('validateCerts', 'maybe', 'is a string, must be true or false'),
    ('validateCerts', ['yes'], 'is a list, must be true or false'),
    ('host', 8081, 'is a whole number, must be a string'),
    ('clientSecret', {'a': 1}, 'is an object, must be a string'),
    ('username', '', 'is empty'),
])
def test_wrong_types_are_named(key, value, words):
    config = good_config()
    config['netsapiens'][key] = value
    found = lines(check(config))
    assert any(line.startswith('netsapiens.%s: %s' % (key, words)) for line in found), found


def test_convertible_strings_are_accepted_as_ansible_accepts_them():
    config = good_config()
    config['netsapiens']['validateCerts'] = 'no'
    config['clearip']['validateCerts'] = False
    assert check(config) == []


def test_a_section_that_is_not_an_object():
    config = good_config()
    config['clearip'] = 'str'
    found = lines(check(config))
    assert found == ['clearip: is a string, must be an object of keys; write it as "clearip": {"url": ..., "email": ..., "password": ...}']


def test_api_version_choices():
    config = good_config()
    config['netsapiens']['apiVersion'] = 'v3'
    found = lines(check(config))
    assert len(found) == 1 and found[0].startswith('netsapiens.apiVersion: must be one of auto, v2, v1'), found


def test_token_endpoint_is_a_known_key_with_choices():
    config = good_config()
    config['netsapiens']['tokenEndpoint'] = 'legacy'
    assert lines(check(config)) == []
    config['netsapiens']['tokenEndpoint'] = 'oauth2'
    found = lines(check(config))
    assert len(found) == 1 and found[0].startswith('netsapiens.tokenEndpoint: must be one of auto, v2, legacy'), found


@pytest.mark.parametrize('section, key, value, words', [
    ('clearip', 'url', '127.0.0.1:8082', 'has no scheme'),
    ('clearip', 'url', 'cip.example.net', 'has no scheme'),
    ('clearip', 'url', 'ftp://api.clearip.com', 'the scheme is neither https:// nor http://'),
    ('clearip', 'url', 'https:/api.clearip.com', 'the scheme is malformed'),
    ('netsapiens', 'host', '127.0.0.1:8081', 'has a port but no scheme'),
    ('netsapiens', 'host', 'htps://pbx.example.com', 'the scheme is neither'),
    ('netsapiens', 'host', 'https://', 'has a scheme but no host'),
])
def test_hosts_and_urls_without_a_usable_scheme(section, key, value, words):
    config = good_config()
    config[section][key] = value
    found = check(config)
    assert [p.setting for p in found] == ['%s.%s' % (section, key)]
    assert found[0].problem.startswith(words), found
    assert 'https://' in found[0].fix
    assert value not in str(found[0]) or value in ('https://',)


@pytest.mark.parametrize('host', ['pbx.example.com', 'https://pbx.example.com:8443', 'http://127.0.0.1:8081', 'https://pbx.example.com/ns-api/v2'])
def test_usable_netsapiens_hosts(host):
    assert url_problem(host, 'netsapiens.host', bare_host_allowed=True) is None


def test_nothing_given_says_to_pass_config_json():
    found = check({}, variables={})
    assert len(found) == 1
    assert found[0].setting == 'config.json'
    assert 'run with -e @config.json' in found[0].fix
    assert 'host' not in found[0].problem


def test_a_misspelt_section_is_suggested_when_nothing_is_given():
    found = check({}, other=['netsapien', 'clearip_'])
    assert 'netsapien (did you mean netsapiens?)' in found[0].problem


def test_without_require_settings_module_defaults_may_give_everything():
    assert check({}, require=False) == []
    # ...but what is partly given is still checked
    config = good_config()
    del config['clearip']['password']
    del config['netsapiens']
    assert [p.setting for p in check(config, require=False)] == ['clearip.password']


def test_entry_points_need_only_their_api():
    assert check({'clearip': good_config()['clearip']}, entry_point='verify') == []
    assert [p.setting for p in check({'clearip': good_config()['clearip']}, entry_point='main')] == ['netsapiens']
    rules = {'subscriber_sync_user_id_header_rules': {'type': 'list', 'value': None}}
    assert check({'netsapiens': good_config()['netsapiens']}, variables=rules, entry_point='user_id_header') == []


def test_cron_removal_needs_no_settings():
    state = {'subscriber_sync_cron_state': {'type': 'str', 'value': 'absent'}}
    assert check({}, variables=state, entry_point='cron') == []
    state['subscriber_sync_cron_state']['value'] = 'present'
    assert [p.setting for p in check({}, variables=state, entry_point='cron')] == ['config.json']


def test_an_unknown_role_variable_is_named_with_the_closest_known_one():
    found = lines(check(good_config(), variables={'subscriber_sync_report_pth': {'type': 'str', 'value': None}}))
    assert len(found) == 1
    assert found[0].startswith('subscriber_sync_report_pth: not a variable of the role')
    assert 'did you mean subscriber_sync_report_path?' in found[0]


def test_every_variable_of_every_entry_point_is_known():
    variables = dict((name, {'type': 'null', 'value': None}) for entry in SPECS.values() for name in entry['options'])
    variables['subscriber_sync_user_id_header_rules'] = {'type': 'list', 'value': None}
    for entry_point in SPECS:
        assert check(good_config(), variables=variables, entry_point=entry_point) == [], entry_point


def test_an_invalid_choice_is_one_line_without_the_value():
    found = check(good_config(), variables={'subscriber_sync_identifier_scheme': {'type': 'str', 'value': 'plian'}})
    assert lines(found) == ['subscriber_sync_identifier_scheme: must be one of plain, unique, no_resellers (did you mean plain?); '
                            'set it to one of those']


@pytest.mark.parametrize('name, kind, value, ok', [
    ('subscriber_sync_max_workers', 'str', '8', True),
    ('subscriber_sync_max_workers', 'str', 'many', False),
    ('subscriber_sync_max_workers', 'list', None, False),
    ('subscriber_sync_include_system_users', 'str', 'yes', True),
    ('subscriber_sync_include_system_users', 'str', 'sometimes', False),
    ('subscriber_sync_include_domains', 'str', None, True),
    ('subscriber_sync_include_domains', 'dict', None, False),
    ('subscriber_sync_service_provider', 'list', None, False),
])
def test_role_variable_types(name, kind, value, ok):
    found = check(good_config(), variables={name: {'type': kind, 'value': value}})
    assert (found == []) is ok, found
    if not ok:
        assert found[0].setting == name and found[0].problem.startswith('is ')


def test_a_role_variable_that_only_echoes_config_json_is_reported_once():
    config = good_config()
    config['netsapiens']['validateCerts'] = 'maybe'
    variables = {'subscriber_sync_netsapiens_validate_certs': {'type': 'str', 'value': 'maybe'}}
    assert [p.setting for p in check(config, variables=variables)] == ['netsapiens.validateCerts']


def test_a_role_variable_url_without_scheme():
    config = good_config()
    del config['clearip']['url']
    variables = {'subscriber_sync_clearip_url': {'type': 'str', 'value': 'api.clearip.com'}}
    assert [p.setting for p in check(config, variables=variables)] == ['subscriber_sync_clearip_url']


def test_required_variable_of_an_entry_point():
    found = check({'netsapiens': good_config()['netsapiens']}, entry_point='user_id_header')
    assert [p.setting for p in found] == ['subscriber_sync_user_id_header_rules']


def test_no_message_carries_a_value():
    config = good_config()
    config['netsapiens']['clientSecrets'] = SECRET
    config['netsapiens']['host'] = 'user:%s@127.0.0.1:8081' % SECRET
    config['clearip']['url'] = SECRET
    config['clearip']['password'] = ['x']
    text = summary(check(config))
    assert SECRET not in text
    assert text.splitlines()[0].endswith('nothing was sent to NetSapiens or ClearIP:')
