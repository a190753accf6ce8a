# -*- coding: utf-8 -*-
# Copyright: (c) 2026, clearip.netsapiens contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The connection options of both APIs, in one place."""

from __future__ import absolute_import, division, print_function

from ansible_collections.clearip.netsapiens.plugins.module_utils._options import (
    CONNECTION_SETTINGS, clearip_options, netsapiens_options, netsapiens_rules)


# -- module plumbing -----------------------------------------------------------------------------
def test_argument_spec_marks_secrets_no_log_and_reads_the_environment():
    spec = netsapiens_options()
    assert sorted(k for k, v in spec.items() if v.get('no_log')) == ['api_key', 'client_secret', 'password']
    assert spec['host']['fallback'][1] == ['NETSAPIENS_HOST']
    assert spec['api_version']['default'] == 'auto'
    assert spec['token_endpoint'] == dict(type='str', default='auto', choices=['auto', 'v2', 'legacy'],
                                          fallback=spec['token_endpoint']['fallback'])
    assert spec['token_endpoint']['fallback'][1] == ['NETSAPIENS_TOKEN_ENDPOINT']
    assert spec['page_size']['default'] == 500
    kwargs = netsapiens_rules()
    assert kwargs['required_together'] == [('client_id', 'client_secret', 'username', 'password')]
    assert ('api_key', 'password') in kwargs['mutually_exclusive']


def test_clearip_options_mark_the_password_no_log_and_read_the_environment():
    spec = clearip_options()
    assert sorted(k for k, v in spec.items() if v.get('no_log')) == ['password']
    assert spec['url']['default'] == 'https://api.clearip.com'
    assert dict((k, v['fallback'][1]) for k, v in spec.items()) == dict(
        (k, ['CLEARIP_%s' % k.upper()]) for k in ('url', 'email', 'password', 'operator', 'validate_certs', 'ca_path', 'timeout'))


def test_the_action_plugin_takes_every_connection_option_from_module_defaults():
    assert CONNECTION_SETTINGS['netsapiens'][1] == tuple(netsapiens_options())
    assert CONNECTION_SETTINGS['clearip'][1] == tuple(clearip_options())
