# -*- coding: utf-8 -*-
# Copyright: (c) 2026, clearip.netsapiens contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""A module's code run in its action plugin's process (issue 23): AnsibleModule's rules for the arguments, the result
and the secrets, the environment of the task while it runs and not after."""

from __future__ import absolute_import, division, print_function

import os

import pytest

from ansible_collections.clearip.netsapiens.plugins.module_utils._sync_module import SYNC_RULES, sync_options
from ansible_collections.clearip.netsapiens.plugins.plugin_utils import _in_process
from ansible_collections.clearip.netsapiens.plugins.plugin_utils._in_process import InProcessModule, ModuleExit

SECRET = 'Cl13nt-S3cret-77'
SPEC = dict(name=dict(type='str', required=True), password=dict(type='str', no_log=True),
            count=dict(type='int', default=3), url=dict(type='str'),
            mode=dict(type='str', choices=['a', 'b'], default='a'))


def exit_of(call, *args, **kwargs):
    with pytest.raises(ModuleExit) as raised:
        call(*args, **kwargs)
    return raised.value.result


def test_arguments_are_validated_with_defaults_and_types():
    module = InProcessModule('x.y.z', SPEC, {'name': 'n', 'count': '7'}, check_mode=True, diff=False, needs_requests=False)
    assert module.params == {'name': 'n', 'password': None, 'count': 7, 'url': None, 'mode': 'a'}
    assert module.check_mode is True and module._diff is False


@pytest.mark.parametrize('args, words', [
    ({'count': 1}, 'missing required arguments: name'),
    ({'name': 'n', 'mode': 'c'}, 'value of mode must be one of: a, b, got: c'),
    ({'name': 'n', 'colour': 'red'}, 'Unsupported parameters for (x.y.z) module: colour'),
])
def test_refused_arguments_fail_as_ansible_module_fails(args, words):
    result = exit_of(InProcessModule, 'x.y.z', SPEC, args, check_mode=False, diff=False, needs_requests=False)
    assert result['failed'] is True and words in result['msg'], result['msg']


def test_the_required_if_rule_of_the_sync_holds():
    result = exit_of(InProcessModule, 'clearip.netsapiens.subscriber_sync_run', sync_options(),
                     {'identifier_scheme': 'no_resellers'}, check_mode=False, diff=False, **SYNC_RULES)
    assert result['failed'] is True and 'service_provider' in result['msg']


def test_no_log_values_and_url_userinfo_are_masked_everywhere_in_the_result():
    module = InProcessModule('x.y.z', SPEC, {'name': 'n', 'password': SECRET, 'url': 'https://proxy:Pr0xyPw-1@pbx.example'},
                             check_mode=False, diff=True, needs_requests=False)
    assert module.params['url'] == 'https://pbx.example'
    result = exit_of(module.exit_json, changed=True, echoed='the server said %s and Pr0xyPw-1' % SECRET, ok=True, none=None)
    text = repr(result)
    assert SECRET not in text and 'Pr0xyPw-1' not in text
    assert result['invocation']['module_args']['password'] == 'VALUE_SPECIFIED_IN_NO_LOG_PARAMETER'
    assert result['changed'] is True and result['ok'] is True and result['none'] is None
    assert any('ignored the user name and password written into url' in w for w in result['warnings'])


def test_refused_arguments_never_show_a_urls_userinfo():
    result = exit_of(InProcessModule, 'x.y.z', SPEC, {'name': 'n', 'count': 'many', 'url': 'https://proxy:Pr0xyPw-2@pbx.example'},
                     check_mode=False, diff=False, needs_requests=False)
    assert result['failed'] is True and 'count' in result['msg']
    assert 'Pr0xyPw-2' not in repr(result)


class Vaulted(object):
    """What ansible-core before 2.19 hands an action plugin for a !vault value of module_defaults: text once decrypted."""
    __ENCRYPTED__ = True

    def __str__(self):
        return SECRET


def test_a_vaulted_value_reaches_the_code_decrypted_and_masked():
    args = _in_process.plain_data({'name': 'n', 'password': Vaulted(), 'nested': {'list': (Vaulted(), 1)}})
    assert args == {'name': 'n', 'password': SECRET, 'nested': {'list': [SECRET, 1]}}
    module = InProcessModule('x.y.z', SPEC, {'name': 'n', 'password': Vaulted()}, check_mode=False, diff=False, needs_requests=False)
    assert module.params['password'] == SECRET and SECRET in module.no_log_values
    assert SECRET not in repr(exit_of(module.exit_json, changed=False))


def test_python_warnings_of_the_code_do_not_reach_stderr(capsys):
    import warnings

    def main(module):
        warnings.warn('Unverified HTTPS request is being made to host pbx.example')
        module.exit_json(changed=False)
    assert _in_process.run(main, 'x.y.z', SPEC, {'name': 'n'}, check_mode=False, diff=False, needs_requests=False) == {
        'changed': False, 'invocation': {'module_args': {'name': 'n', 'password': None, 'count': 3, 'url': None, 'mode': 'a'}}}
    assert 'Unverified' not in capsys.readouterr().err


def test_fail_json_fails_with_its_message_and_warnings():
    module = InProcessModule('x.y.z', SPEC, {'name': 'n'}, check_mode=False, diff=False, needs_requests=False)
    module.warn('first')
    result = exit_of(module.fail_json, msg='it broke', stage='users', exception=ValueError('x'))
    assert result['failed'] is True and result['msg'] == 'it broke' and result['stage'] == 'users'
    assert result['warnings'] == ['first'] and 'exception' not in result


def test_module_exit_is_not_an_exception_a_module_would_catch():
    assert not issubclass(ModuleExit, Exception)

    def main(module):
        try:
            module.exit_json(changed=False, done=1)
        except Exception:   # pylint: disable=broad-except
            module.fail_json(msg='caught')   # what a module's own error handling looks like
    assert _in_process.run(main, 'x.y.z', SPEC, {'name': 'n'}, check_mode=False, diff=False, needs_requests=False)['done'] == 1


def test_signal_handlers_the_code_set_are_undone_however_it_ended():
    import signal

    def mine(signum, frame):
        pass
    before = signal.signal(signal.SIGTERM, mine)
    try:
        def main(module):
            signal.signal(signal.SIGTERM, signal.SIG_IGN)
            module.fail_json(msg='refused before the run restored its handlers')
        assert _in_process.run(main, 'x.y.z', SPEC, {'name': 'n'}, check_mode=False, diff=False, needs_requests=False)['failed']
        assert signal.getsignal(signal.SIGTERM) is mine
    finally:
        signal.signal(signal.SIGTERM, before)


def test_a_main_that_never_exits_is_a_failure():
    result = _in_process.run(lambda module: None, 'x.y.z', SPEC, {'name': 'n'}, check_mode=False, diff=False, needs_requests=False)
    assert result['failed'] is True and 'without a result' in result['msg']


def test_the_task_environment_is_set_while_the_code_runs_and_removed_after(monkeypatch):
    monkeypatch.setenv('CLEARIP_KEPT', 'kept')
    monkeypatch.delenv('NETSAPIENS_CLIENT_ID', raising=False)
    spec = dict(client_id=dict(type='str', fallback=(__import__('ansible.module_utils.basic', fromlist=['env_fallback']).env_fallback,
                                                     ['NETSAPIENS_CLIENT_ID'])))
    with _in_process.environment({'NETSAPIENS_CLIENT_ID': 'from-the-task', 'CLEARIP_KEPT': 'overridden'}):
        module = InProcessModule('x.y.z', spec, {}, check_mode=False, diff=False, needs_requests=False)
        assert os.environ['CLEARIP_KEPT'] == 'overridden'
    assert module.params['client_id'] == 'from-the-task'
    assert 'NETSAPIENS_CLIENT_ID' not in os.environ and os.environ['CLEARIP_KEPT'] == 'kept'
