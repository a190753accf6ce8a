# -*- coding: utf-8 -*-
# Copyright: (c) 2026, clearip.netsapiens contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The settings' shapes the check is given, built on the controller (issue 23): each type named as the role's Jinja
macro named it, values only for settings that are not secret, never a URL's userinfo."""

from __future__ import absolute_import, division, print_function

import pytest

from ansible_collections.clearip.netsapiens.plugins.plugin_utils import _settings_shapes as shapes

try:  # ansible-core 2.19 and later
    from ansible.parsing.vault import EncryptedString

    def vaulted(text):
        return EncryptedString(ciphertext=text)
except ImportError:  # before 2.19
    from ansible.parsing.yaml.objects import AnsibleVaultEncryptedUnicode

    def vaulted(text):
        return AnsibleVaultEncryptedUnicode(text)

CIPHERTEXT = '$ANSIBLE_VAULT;1.1;AES256\n61626364\n'


class Sized(object):
    def __len__(self):
        return 1

    def __getitem__(self, index):
        return index


@pytest.mark.parametrize('value, name', [
    (None, 'null'), ('', 'empty'), ('x', 'str'), (True, 'bool'), (False, 'bool'), (0, 'int'), (1.5, 'float'),
    ({'a': 1}, 'dict'), ([1], 'list'), ((1,), 'list'), (Sized(), 'list'), (object(), 'other'), ({1}, 'other'),
])
def test_each_type_is_named_as_jinjas_tests_name_it(value, name):
    assert shapes.kind(value) == name


def test_a_vault_encrypted_value_is_a_string():
    assert shapes.kind(vaulted(CIPHERTEXT)) == 'str'


def test_config_shows_only_the_values_that_are_not_secret_and_never_userinfo():
    variables = {'netsapiens': {'host': 'https://u:Pw-9@pbx.example', 'clientSecret': 'S3cret', 'apiVersion': 'v2',
                                'validateCerts': False, 'tokenEndpoint': ['not', 'a', 'scalar']},
                 'clearip': 'not an object', 'other': 1}
    got = shapes.config_shape(list(variables), variables.get)
    assert got == {'netsapiens': {'host': {'type': 'str', 'value': 'https://pbx.example'},
                                  'clientSecret': {'type': 'str', 'value': None},
                                  'apiVersion': {'type': 'str', 'value': 'v2'},
                                  'validateCerts': {'type': 'bool', 'value': False},
                                  'tokenEndpoint': {'type': 'list', 'value': None}},
                   'clearip': 'str'}
    assert shapes.config_shape(['other'], variables.get) == {}


def test_variables_show_values_only_for_choices_booleans_integers_host_and_url():
    specs = {'main': {'options': {'subscriber_sync_identifier_scheme': {'choices': ['plain', 'unique']},
                                  'subscriber_sync_max_workers': {'type': 'int'},
                                  'subscriber_sync_clearip_password': {'type': 'str', 'no_log': True},
                                  'subscriber_sync_clearip_url': {'type': 'str'}}},
             'cron': {'options': {'subscriber_sync_max_workers': {'type': 'str'}}}}   # the first entry point's wins
    values = {'subscriber_sync_identifier_scheme': 'unique', 'subscriber_sync_max_workers': 8,
              'subscriber_sync_clearip_password': 'S3cret', 'subscriber_sync_clearip_url': 'https://u:Pw-9@cip.example',
              'subscriber_sync_unknwon': 'x', 'netsapiens': {}, 'subscriber_sync_domains': ['a.example']}
    got = shapes.variables_shape(list(values), values.get, specs)
    assert got == {'subscriber_sync_identifier_scheme': {'type': 'str', 'value': 'unique'},
                   'subscriber_sync_max_workers': {'type': 'int', 'value': 8},
                   'subscriber_sync_clearip_password': {'type': 'str', 'value': None},
                   'subscriber_sync_clearip_url': {'type': 'str', 'value': 'https://cip.example'},
                   'subscriber_sync_unknwon': {'type': 'str', 'value': None},
                   'subscriber_sync_domains': {'type': 'list', 'value': None}}


def test_other_variables_are_names_that_might_be_a_misspelt_object():
    assert shapes.other_variables(['netsapien', 'Clearip', 'ansible_connection', 'inventory_hostname', 'cleaRIP']) == [
        'netsapien', 'Clearip', 'cleaRIP']


def test_shapes_template_only_the_variables_they_describe_and_read_the_roles_specs():
    templated = []

    def template(value):
        templated.append(value)
        return value.replace('{{ x }}', 'X') if isinstance(value, str) else value
    task_vars = {'subscriber_sync_identifier_scheme': '{{ x }}', 'netsapiens': {'host': 'h'}, 'unrelated': '{{ boom }}'}
    got = shapes.shapes(task_vars, template)
    assert got['variables']['subscriber_sync_identifier_scheme'] == {'type': 'str', 'value': 'X'}
    assert '{{ boom }}' not in templated
    assert 'subscriber_sync_identifier_scheme' in got['argument_specs']['main']['options']
    assert got['other_variables'] == ['netsapiens']
