# -*- coding: utf-8 -*-
# Copyright: (c) 2026, clearip.netsapiens contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Issue 9, item 2: credentials written into the NetSapiens host or the ClearIP url go nowhere."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import pytest

from ansible_collections.clearip.netsapiens.plugins.module_utils import clearip, netsapiens, sync
from ansible_collections.clearip.netsapiens.plugins.module_utils.userinfo import (
    protect_url_options,
    split_userinfo,
    strip_userinfo,
    userinfo_secrets,
)

PASSWORD = 'S3cr3t-pw'


@pytest.mark.parametrize('url, clean, userinfo', [
    ('http://proxyuser:%s@pbx.example:8080' % PASSWORD, 'http://pbx.example:8080', 'proxyuser:' + PASSWORD),
    ('https://u:p@pbx.example/ns-api/v2', 'https://pbx.example/ns-api/v2', 'u:p'),
    ('proxyuser:%s@pbx.example' % PASSWORD, 'pbx.example', 'proxyuser:' + PASSWORD),
    ('http://token@[2001:db8::1]:8443/x', 'http://[2001:db8::1]:8443/x', 'token'),
    ('http://u:p@ss@host', 'http://host', 'u:p@ss'),          # the last @ of the authority ends the userinfo
    ('http://u:p%40ss@host', 'http://host', 'u:p%40ss'),
    ('https://pbx.example', 'https://pbx.example', None),
    ('https://pbx.example/path@x', 'https://pbx.example/path@x', None),   # an @ after the authority is not userinfo
    ('https://pbx.example/?q=a@b', 'https://pbx.example/?q=a@b', None),
    ('pbx.example', 'pbx.example', None),
    (None, None, None),
])
def test_split_userinfo(url, clean, userinfo):
    assert split_userinfo(url) == (clean, userinfo)
    assert strip_userinfo(url) == clean


def test_userinfo_secrets_are_the_whole_userinfo_and_its_password_also_decoded():
    assert userinfo_secrets('proxyuser:p%40ss') == set(['proxyuser:p%40ss', 'proxyuser:p@ss', 'p%40ss', 'p@ss'])
    assert userinfo_secrets('tok%2Ben') == set(['tok%2Ben', 'tok+en'])
    assert userinfo_secrets(None) == set()


class FakeModule(object):
    def __init__(self, **params):
        self.params = params
        self.no_log_values = set()
        self.warnings = []

    def warn(self, text):
        self.warnings.append(text)


def test_protect_url_options_strips_hides_and_warns_without_the_value():
    module = FakeModule(url='http://proxyuser:%s@cip.example:8443' % PASSWORD, comment_source='pbx.example', email='a@b.example')
    assert protect_url_options(module, ('url', 'comment_source')) == ['url']
    assert module.params == {'url': 'http://cip.example:8443', 'comment_source': 'pbx.example', 'email': 'a@b.example'}
    assert module.no_log_values == set([PASSWORD, 'proxyuser:' + PASSWORD])
    assert len(module.warnings) == 1 and 'url' in module.warnings[0]
    assert PASSWORD not in module.warnings[0] and 'proxyuser' not in module.warnings[0]


def test_protect_url_options_leaves_clean_urls_alone():
    module = FakeModule(host='https://pbx.example')
    assert protect_url_options(module, ('host',)) == []
    assert module.params == {'host': 'https://pbx.example'} and module.no_log_values == set() and module.warnings == []


def test_the_netsapiens_client_never_holds_the_userinfo():
    assert netsapiens.normalize_base_url('http://proxyuser:%s@pbx.example:8080/ns-api/v2' % PASSWORD) == 'http://pbx.example:8080'
    assert netsapiens.normalize_base_url('proxyuser:%s@pbx.example' % PASSWORD) == 'https://pbx.example'
    client = netsapiens.NetSapiensClient('http://proxyuser:%s@pbx.example:8080' % PASSWORD, api_key='nss_x')
    assert client.base_url == 'http://pbx.example:8080' and client.http.base_url == 'http://pbx.example:8080'
    client.close()


def test_the_clearip_client_never_holds_the_userinfo():
    client = clearip.ClearIPClient('https://proxyuser:%s@cip.example/' % PASSWORD, 'a@b.example', 'pw')
    assert client.url == 'https://cip.example' and client.session.base_url == 'https://cip.example'


def test_the_comment_never_holds_the_userinfo():
    assert sync.default_comment('http://proxyuser:%s@pbx.example:8080' % PASSWORD) == \
        'Created by clearip.netsapiens sync from http://pbx.example:8080'
    assert sync.default_comment('pbx.example') == 'Created by clearip.netsapiens sync from pbx.example'
    assert sync.default_comment(None) == 'Created by clearip.netsapiens sync'


class Failed(Exception):
    pass


class FakeAnsibleModule(FakeModule):
    check_mode = False
    _diff = False

    def fail_json(self, **kwargs):
        raise Failed(kwargs)


def test_run_with_client_strips_the_host_before_anything_else():
    module = FakeAnsibleModule(host='http://proxyuser:%s@pbx.example:8080' % PASSWORD, api_key='nss_x', api_version='v2')
    seen = []
    netsapiens.run_with_client(module, lambda client: seen.append(client.base_url))
    assert seen == ['http://pbx.example:8080']
    assert module.params['host'] == 'http://pbx.example:8080'
    assert PASSWORD in module.no_log_values


def test_clearip_run_module_strips_url_and_comment_source_before_anything_else(tmp_path):
    module = FakeAnsibleModule(url='https://u:%s@cip.example' % PASSWORD, comment_source='http://u:%s@pbx.example' % PASSWORD,
                               src=str(tmp_path / 'missing.json'), email='a@b.example', password='pw')
    with pytest.raises(Failed) as info:
        clearip.run_module(module, sync.USER, lambda params: [])
    assert 'cannot read it' in info.value.args[0]['msg']
    assert (module.params['url'], module.params['comment_source']) == ('https://cip.example', 'http://pbx.example')
    assert set([PASSWORD, 'u:' + PASSWORD]) <= module.no_log_values
