# -*- coding: utf-8 -*-
# Copyright: (c) 2026, clearip.netsapiens contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The base every module goes through: credentials written into URL options never go further, requests is checked."""

from __future__ import absolute_import, division, print_function

import ast
import json
import os

import pytest

from ansible.module_utils import basic
from ansible_collections.clearip.netsapiens.plugins.module_utils import _module
from ansible_collections.clearip.netsapiens.plugins.module_utils._clearip_module import create_options, create_rules
from ansible_collections.clearip.netsapiens.plugins.module_utils._kinds import USER
from ansible_collections.clearip.netsapiens.plugins.module_utils._module import CollectionModule, protect_url_options
from ansible_collections.clearip.netsapiens.plugins.module_utils._sync_module import SYNC_RULES, sync_options

PASSWORD = 'S3cr3t-pw'
MODULES = os.path.join(os.path.dirname(__file__), '..', '..', '..', '..', 'plugins', 'modules')

try:
    from ansible.module_utils.testing import patch_module_args
except ImportError:  # ansible-core before 2.19
    import contextlib

    @contextlib.contextmanager
    def patch_module_args(args):
        saved = basic._ANSIBLE_ARGS
        basic._ANSIBLE_ARGS = json.dumps({'ANSIBLE_MODULE_ARGS': args}).encode('utf-8')
        try:
            yield
        finally:
            basic._ANSIBLE_ARGS = saved


def make(spec, rules, args):
    with patch_module_args(dict(args, _ansible_remote_tmp='/tmp', _ansible_keep_remote_files=False)):
        return CollectionModule(argument_spec=spec, **rules)


def test_a_create_module_strips_url_and_comment_source_before_anything_else():
    module = make(create_options(USER), create_rules(USER),
                  {'url': 'https://u:%s@cip.example' % PASSWORD, 'comment_source': 'http://u:%s@pbx.example' % PASSWORD,
                   'email': 'a@b.example', 'password': 'pw', 'name': 'x', 'group': 'g'})
    assert (module.params['url'], module.params['comment_source']) == ('https://cip.example', 'http://pbx.example')
    assert set([PASSWORD, 'u:' + PASSWORD]) <= module.no_log_values
    assert module.stripped_url_options == ['url', 'comment_source']


def test_the_sync_module_strips_the_url_options_inside_its_connection_dicts():
    module = make(sync_options(), SYNC_RULES,
                  {'netsapiens': {'host': 'http://proxyuser:%s@pbx.example:8080' % PASSWORD, 'api_key': 'nss_x'},
                   'clearip': {'url': 'https://u:%s@cip.example' % PASSWORD, 'email': 'a@b.example', 'password': 'pw'}})
    assert module.params['netsapiens']['host'] == 'http://pbx.example:8080'
    assert module.params['clearip']['url'] == 'https://cip.example'
    assert module.stripped_url_options == ['netsapiens.host', 'clearip.url']
    assert PASSWORD in module.no_log_values


def test_a_module_without_requests_fails_with_ansibles_message(monkeypatch, capsys):
    monkeypatch.setattr(_module, 'HAS_REQUESTS', False)
    with pytest.raises(SystemExit):
        make(create_options(USER), create_rules(USER), {'email': 'a@b.example', 'password': 'pw', 'name': 'x', 'group': 'g'})
    result = json.loads(capsys.readouterr().out)
    assert result['failed'] is True and 'requests' in result['msg']


def test_refused_arguments_never_show_a_urls_userinfo(capsys):
    """The arguments are refused before the URL options are stripped; the refusal shows them (invocation)."""
    with pytest.raises(SystemExit):
        make(sync_options(), SYNC_RULES,
             {'netsapiens': {'host': 'http://proxyuser:%s@pbx.example:8080' % PASSWORD, 'api_key': 'nss_x'},
              'max_workers': 'many'})
    out = capsys.readouterr().out
    result = json.loads(out)
    assert result['failed'] is True and 'max_workers' in result['msg']
    assert PASSWORD not in out


def test_raw_userinfo_secrets_are_found_at_the_top_and_one_dict_down():
    found = _module.raw_userinfo_secrets({'url': 'https://u:%s@a.example' % PASSWORD, 'netsapiens': {'host': 'http://v:w2@b'},
                                          'other': {'url': 3}, 'name': 'x:y@z'})
    assert {PASSWORD, 'u:' + PASSWORD, 'w2', 'v:w2'} <= found and 'y' not in found


class FakeModule(object):
    def __init__(self, spec, **params):
        self.argument_spec = spec
        self.params = params
        self.no_log_values = set()
        self.warnings = []

    def warn(self, text):
        self.warnings.append(text)


def test_protect_url_options_strips_hides_and_warns_without_the_value():
    module = FakeModule({'url': {}, 'comment_source': {}, 'email': {}},
                        url='http://proxyuser:%s@cip.example:8443' % PASSWORD, comment_source='pbx.example', email='a@b.example')
    assert protect_url_options(module) == ['url']
    assert module.params == {'url': 'http://cip.example:8443', 'comment_source': 'pbx.example', 'email': 'a@b.example'}
    assert module.no_log_values == set([PASSWORD, 'proxyuser:' + PASSWORD])
    assert len(module.warnings) == 1 and 'url' in module.warnings[0]
    assert PASSWORD not in module.warnings[0] and 'proxyuser' not in module.warnings[0]


def test_protect_url_options_leaves_clean_urls_alone():
    module = FakeModule({'host': {}}, host='https://pbx.example')
    assert protect_url_options(module) == []
    assert module.params == {'host': 'https://pbx.example'} and module.no_log_values == set() and module.warnings == []


def test_every_module_is_made_with_the_base():
    """A module made with AnsibleModule itself would skip the URL protection and the requests check."""
    names = sorted(name for name in os.listdir(MODULES) if name.endswith('.py'))
    assert len(names) == 16
    for name in names:
        with open(os.path.join(MODULES, name)) as handle:
            tree = ast.parse(handle.read())
        called = set(node.func.id for node in ast.walk(tree) if isinstance(node, ast.Call) and isinstance(node.func, ast.Name))
        assert 'CollectionModule' in called, name
        assert 'AnsibleModule' not in called, name
