# -*- coding: utf-8 -*-
# Copyright: (c) 2026, clearip.netsapiens contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""URL hiding (issue 9, item 2): credentials written into the NetSapiens host or the ClearIP url go nowhere."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import pytest

from ansible_collections.clearip.netsapiens.plugins.module_utils._clearip import ClearIPClient
from ansible_collections.clearip.netsapiens.plugins.module_utils._netsapiens import NetSapiensClient, normalize_base_url
from ansible_collections.clearip.netsapiens.plugins.module_utils._sync_naming import default_comment
from ansible_collections.clearip.netsapiens.plugins.module_utils._urls import (
    shown_post_url,
    shown_url,
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


def test_the_netsapiens_client_never_holds_the_userinfo():
    assert normalize_base_url('http://proxyuser:%s@pbx.example:8080/ns-api/v2' % PASSWORD) == 'http://pbx.example:8080'
    assert normalize_base_url('proxyuser:%s@pbx.example' % PASSWORD) == 'https://pbx.example'
    client = NetSapiensClient('http://proxyuser:%s@pbx.example:8080' % PASSWORD, api_key='nss_x')
    assert client.base_url == 'http://pbx.example:8080' and client.http.base_url == 'http://pbx.example:8080'
    client.close()


def test_the_clearip_client_never_holds_the_userinfo():
    client = ClearIPClient('https://proxyuser:%s@cip.example/' % PASSWORD, 'a@b.example', 'pw')
    assert client.url == 'https://cip.example' and client.session.base_url == 'https://cip.example'


def test_the_comment_never_holds_the_userinfo():
    assert default_comment('http://proxyuser:%s@pbx.example:8080' % PASSWORD) == \
        'Created by clearip.netsapiens sync from http://pbx.example:8080'
    assert default_comment('pbx.example') == 'Created by clearip.netsapiens sync from pbx.example'
    assert default_comment(None) == 'Created by clearip.netsapiens sync'


@pytest.mark.parametrize('value,expected', [
    ('https://user:secret@ns.example.com:8443/base?token=t#x', 'https://ns.example.com:8443/base'),
    ('ns.example.com', 'ns.example.com'),
    ('http://127.0.0.1:8080', 'http://127.0.0.1:8080'),
    ('a:b@host', 'host'),
    (None, None),
])
def test_urls_lose_credentials(value, expected):
    assert shown_url(value) == expected


@pytest.mark.parametrize('url, shown', [
    ('https://eda.example:5000/netsapiens/s3cret', 'https://eda.example:5000/netsapiens/********'),
    ('https://eda.example/hook?token=s3cret', 'https://eda.example/********?********'),
    ('http://eda.example/s3cret/', 'http://eda.example/********'),
    ('http://eda.example', 'http://eda.example'),
])
def test_a_post_url_is_shown_without_its_last_segment_and_query(url, shown):
    assert shown_post_url(url) == shown
    assert 's3cret' not in shown_post_url(url)
