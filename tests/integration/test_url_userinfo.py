# -*- coding: utf-8 -*-
# Copyright: (c) 2026, clearip.netsapiens contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Issue 9, item 2, end to end: ``user:password@`` written into the NetSapiens host and the ClearIP url
(``http://proxyuser:PASSWORD@127.0.0.1:port``) is never stored, shown or written, even at ``-vvv``."""

from __future__ import annotations

import json

from tests.integration.conftest import Sims, assert_no_secret, vendor_config, written_files
from tests.integration.test_subscriber_sync import expected_plain, holdings
from tests.simulators.dataset import make_dataset

NS_PROXY_PASSWORD = 'NsPr0xyPw-7f3a'
CIP_PROXY_PASSWORD = 'CipPr0xyPw-2b9c'


def with_userinfo(url, user, password):
    scheme, rest = url.split('://', 1)
    return '%s://%s:%s@%s' % (scheme, user, password, rest)


def test_userinfo_in_host_and_url_is_used_nowhere_and_never_shown(sims, collection_playbook, tmp_path):
    dataset = make_dataset(resellers=2, domains=3, users=9, seed=12)
    s = sims(dataset)
    config = vendor_config(s)
    config['netsapiens']['host'] = with_userinfo(s.netsapiens.url, 'proxyuser', NS_PROXY_PASSWORD)
    config['clearip']['url'] = with_userinfo(s.clearip.url, 'cipproxy', CIP_PROXY_PASSWORD)

    run = collection_playbook('sync', config, report_var='subscriber_sync_report_path', args=('-vvv',))
    assert run.rc == 0, run
    assert holdings(s) == expected_plain(dataset)

    state = Sims.state(s.clearip)
    comments = [o['comment'] for kind in ('serviceProviders', 'groups', 'users') for o in state[kind]]
    assert len(comments) == 2 + 3 + 9
    assert set(comments) == set(['Created by clearip.netsapiens sync from %s' % s.netsapiens.url])

    # The warning names the option, never the value.
    assert 'ignored the user name and password written into netsapiens.host and clearip.url' in run.stdout + run.stderr
    # The shared check: every password, client secret, URL userinfo and token both simulators issued, in the output
    # and every file the run wrote (the report among them).
    secrets = s.secrets(config)
    assert {NS_PROXY_PASSWORD, CIP_PROXY_PASSWORD, 'proxyuser:%s@' % NS_PROXY_PASSWORD} <= set(secrets)
    assert len(Sims.issued(s.netsapiens)) >= 1 and len(Sims.issued(s.clearip)) >= 1
    files = written_files(tmp_path / 'sync1')
    assert tmp_path / 'sync1' / 'report.json' in files
    assert_no_secret(secrets, [run.stdout, run.stderr], files)


def test_userinfo_in_the_verify_and_user_id_header_entry_points_is_never_shown(sims, collection_playbook, tmp_path):
    from tests.integration.test_user_id_header import LISTED, dataset

    s = sims(dataset())
    config = vendor_config(s)
    config['netsapiens']['host'] = with_userinfo(s.netsapiens.url, 'proxyuser', NS_PROXY_PASSWORD)
    config['clearip']['url'] = with_userinfo(s.clearip.url, 'cipproxy', CIP_PROXY_PASSWORD)
    header_config = json.loads(json.dumps(config))

    header = collection_playbook('user_id_header', config, extra_vars={'subscriber_sync_user_id_header_rules': LISTED},
                                 check=True, diff=True, args=('-vvv',))
    assert header.rc == 0, header
    assert 'Would change 1 dial rule(s)' in header.stdout
    # A ClearIP account tied to one Operator, as verify needs (the header dataset's has none).
    other = sims(make_dataset(resellers=1, domains=1, users=1, seed=13))
    config['clearip'] = vendor_config(other)['clearip']
    config['clearip']['url'] = with_userinfo(other.clearip.url, 'cipproxy', CIP_PROXY_PASSWORD)
    verify = collection_playbook('verify', config, report_var='subscriber_sync_verify_report_path', args=('-vvv',))
    assert verify.rc == 0, verify.stdout[-3000:]
    assert verify.out['report']['messages'] == 0

    # The shared check, over both simulator pairs: their credentials, the URL userinfo of both configs and every
    # token they issued, in every output and every file written under the test's directory.
    secrets = sorted(set(s.secrets(header_config)) | set(other.secrets(config)))
    assert {NS_PROXY_PASSWORD, CIP_PROXY_PASSWORD} <= set(secrets)
    assert Sims.issued(s.netsapiens) and Sims.issued(other.clearip)
    assert_no_secret(secrets, [header.stdout, header.stderr, verify.stdout, verify.stderr],
                     written_files(tmp_path, exclude=('config.json', 'vars.json')))


def test_every_module_hides_userinfo_in_its_url_at_v(sims, playbook):
    """Issue 19, item 5: the three ClearIP info modules showed it in their invocation; every module goes through one
    base (plugins/module_utils/_module.py) now, so this runs every module that takes a host or a URL."""
    dataset = make_dataset(resellers=1, domains=1, users=2, seed=14)
    s = sims(dataset)
    cip = dict(s.cip_vars(), url=with_userinfo(s.clearip.url, 'cipproxy', CIP_PROXY_PASSWORD))
    ns = dict(s.ns_vars(), host=with_userinfo(s.netsapiens.url, 'proxyuser', NS_PROXY_PASSWORD))
    modules = [('clearip_service_provider_info', cip), ('clearip_group_info', cip), ('clearip_user_info', cip),
               ('clearip_sip_message_info', cip), ('clearip_service_provider', dict(cip, name='SP One')),
               ('clearip_group', dict(cip, name='g.example', service_provider='SP One')),
               ('clearip_user', dict(cip, name='1@g.example', group='g.example')),
               ('netsapiens_reseller_info', ns), ('netsapiens_domain_info', ns), ('netsapiens_user_info', ns),
               ('netsapiens_connection_info', ns)]
    tasks = ''.join('    - clearip.netsapiens.%s: %s\n' % (name, json.dumps(args)) for name, args in modules)
    run = playbook('- hosts: localhost\n  gather_facts: false\n  tasks:\n' + tasks, args=('-v',))
    assert run.rc == 0, run
    # ansible-core shows a repeated warning once: one for the modules' url, one for their host.
    for option in ('url', 'host'):
        assert 'ignored the user name and password written into %s (user:password@' % option in run.stdout + run.stderr
    secrets = s.secrets({'netsapiens': ns, 'clearip': cip})
    assert {NS_PROXY_PASSWORD, CIP_PROXY_PASSWORD} <= set(secrets) and Sims.issued(s.netsapiens) and Sims.issued(s.clearip)
    assert_no_secret(secrets, [run.stdout, run.stderr])
