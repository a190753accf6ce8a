# -*- coding: utf-8 -*-
# Copyright: (c) 2026, clearip.netsapiens contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The execution environment built from execution-environment.yml, and the sync run in it the way AWX runs a job.

``make ee`` runs this file (marker ``ee``; ``make pytest`` leaves it out). The image is built with
ansible-builder and podman from the published definition with only its base image swapped for a local
Debian one (tests/ee_image.py says what that changes and why). Then ansible-runner - what AWX runs
every job with - runs the job of docs/awx.md in the image: its project playbook, its inventory's host
variables and the extra variables its credential type injects, all read from docs/awx.md itself, so the
guide is what is tested. The ClearIP simulator must then hold exactly the Service Providers, Groups and
Users of the NetSapiens simulator's data.

Without podman (or what the base image needs) the fixture fails in CI (``CI`` set) and is skipped
elsewhere; ``make ee`` says so in a banner before pytest starts.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml

from tests import ee_image
from tests.integration.conftest import BIN, Sims
from tests.integration.test_subscriber_sync import expected_plain, holdings
from tests.simulators.dataset import make_dataset

pytestmark = pytest.mark.ee

ROOT = Path(__file__).resolve().parents[2]
IMAGE = 'localhost/clearip-netsapiens-ee:make-ee'


def published_definition():
    return yaml.safe_load((ROOT / 'execution-environment.yml').read_text())


def yaml_blocks_after(text, heading):
    """The ```yaml blocks of the section of docs/awx.md that starts at ``heading``, in order."""
    start = text.index(heading)
    end = text.find('\n#', start + len(heading))
    section = text[start:end if end > 0 else len(text)]
    return [yaml.safe_load(block) for block in re.findall(r'```yaml\n(.*?)```', section, re.S)]


def awx_job():
    """(project playbook, host variables, input fields, injected extra variables) as docs/awx.md gives them."""
    guide = (ROOT / 'docs' / 'awx.md').read_text()
    (project,) = yaml_blocks_after(guide, '### Project')
    (host_vars,) = yaml_blocks_after(guide, '### Inventory')
    inputs, injectors = yaml_blocks_after(guide, '### Credential type and credential')
    return project, host_vars, inputs, injectors['extra_vars']


def elapsed(start):
    return '%.0f s' % (time.monotonic() - start)


@pytest.fixture(scope='module')
def image(tmp_path_factory):
    missing = ee_image.missing_prerequisites()
    if missing:
        message = 'the execution environment cannot be built here; missing: %s' % '; '.join(missing)
        if ee_image.in_ci():
            pytest.fail(message + ' (CI is set, so this is a failure: .ci/run installs them)')
        pytest.skip(message)
    log = ee_image.CACHE / 'build.log'
    ee_image.CACHE.mkdir(parents=True, exist_ok=True)
    log.write_text('')
    start = time.monotonic()
    base = ee_image.ensure_base_image(log)
    print('\nbase image %s ready after %s' % (base, elapsed(start)))

    # The build context as docs/awx.md makes it: the definition, requirements.txt, the tarball in dist/.
    work = tmp_path_factory.mktemp('ee')
    (work / 'dist').mkdir()
    shutil.copy(str(ROOT / 'requirements.txt'), str(work))
    ee_image.run([BIN / 'ansible-galaxy', 'collection', 'build', '--force', '--output-path', work / 'dist', ROOT], log=log,
                 env=dict(os.environ))
    definition = ee_image.local_definition(published_definition(), base)
    (work / 'execution-environment.yml').write_text(yaml.safe_dump(definition, sort_keys=False))
    start = time.monotonic()
    ee_image.run([BIN / 'ansible-builder', 'build', '--file', 'execution-environment.yml', '--context', 'context',
                  '--tag', IMAGE, '--container-runtime', 'podman', '--extra-build-cli-args=--network host', '-v', '2'],
                 log=log, env=ee_image.environment(), cwd=str(work))
    print('image %s built after %s (log: %s)' % (IMAGE, elapsed(start), log))
    return IMAGE


def test_the_image_holds_the_pinned_ansible_core_and_the_collection(image):
    pinned = published_definition()['dependencies']['ansible_core']['package_pip'].split('==')[1]
    shown = ee_image.run(['podman', 'run', '--rm', image, 'bash', '-c',
                          'ansible --version && ansible-galaxy collection list clearip.netsapiens && ansible-runner --version'
                          ' && python3 -c "import cryptography, requests; print(cryptography.__version__)"'])
    out = shown.stdout
    assert 'ansible [core %s]' % pinned in out, out
    assert re.search(r'^clearip\.netsapiens\s+%s\s*$' % re.escape(yaml.safe_load((ROOT / 'galaxy.yml').read_text())['version']),
                     out, re.M), out
    assert not re.search(r'\b[A-Z]\w*Warning: |\[WARNING\]', out), out


def test_the_sync_runs_in_the_image_as_awx_runs_the_job(image, sims, tmp_path):
    dataset = make_dataset(resellers=3, domains=12, users=90, seed=22, system_users=3)
    s = sims(dataset)
    project, host_vars, inputs, injected = awx_job()

    # The credential of docs/awx.md filled in with the simulators' settings; AWX renders each injector
    # template with the credential's fields, an empty string for a field left empty.
    ns = dataset['netsapiens']
    account = dataset['clearip']['accounts'][0]
    credential = {'netsapiens_host': s.netsapiens.url, 'netsapiens_client_id': ns['oauth_clients'][0]['client_id'],
                  'netsapiens_client_secret': ns['oauth_clients'][0]['client_secret'],
                  'netsapiens_username': ns['api_users'][0]['username'], 'netsapiens_password': ns['api_users'][0]['password'],
                  'clearip_url': s.clearip.url, 'clearip_email': account['email'], 'clearip_password': account['password']}
    fields = [field['id'] for field in inputs['fields']]
    assert set(credential) <= set(fields) and set(inputs['required']) <= set(credential)
    extra_vars = dict((name, re.sub(r'\{\{\s*(\w+)\s*\}\}', lambda m: credential.get(m.group(1), ''), template))
                      for name, template in injected.items())
    # An extra variable of the job template (docs/awx.md: not a secret): the report, where the test can read it.
    extra_vars['subscriber_sync_report_path'] = '/runner/report.json'

    private = tmp_path / 'job'
    for folder in ('project', 'inventory', 'env'):
        (private / folder).mkdir(parents=True)
    (private / 'project' / 'sync.yml').write_text(yaml.safe_dump(project, sort_keys=False))
    (private / 'inventory' / 'hosts.yml').write_text(yaml.safe_dump({'all': {'hosts': {'localhost': host_vars}}}))
    (private / 'env' / 'extravars').write_text(yaml.safe_dump(extra_vars))

    # The job runs as the owner of the private data directory (as ansible-runner does for docker): the image's
    # user 1000 could not write the artifacts a rootful podman mounts, nor read them in a rootless one.
    command = [BIN / 'ansible-runner', 'run', private, '--playbook', 'sync.yml', '--ident', 'sync',
               '--process-isolation', '--process-isolation-executable', 'podman', '--container-image', image,
               '--container-option=--user=0']
    start = time.monotonic()
    proc = subprocess.run([str(part) for part in command], env=ee_image.environment(), stdin=subprocess.DEVNULL,
                          capture_output=True, text=True, timeout=900, check=False)
    print('\nthe job ran in %s' % elapsed(start))
    artifacts = private / 'artifacts' / 'sync'
    stdout = (artifacts / 'stdout').read_text() if (artifacts / 'stdout').is_file() else proc.stdout
    assert proc.returncode == 0, stdout[-5000:] + proc.stderr[-2000:]
    assert (artifacts / 'status').read_text().strip() == 'successful'

    sps, groups, users = expected_plain(dataset)
    assert holdings(s) == (sps, groups, users)
    assert len(users) == 93 and Sims.total_writes(s.clearip) == len(sps) + len(groups) + len(users)

    report = json.loads((private / 'report.json').read_text())
    assert report['status'] == 'ok' and report['errors'] == []
    assert [len(report['tiers'][tier]['created']) for tier in ('service_providers', 'groups', 'users')] == [3, 12, 93]
    assert report['versions']['ansible_core'] == published_definition()['dependencies']['ansible_core']['package_pip'].split('==')[1]
    # The job output AWX shows: no warning of any kind, and no secret.
    assert not re.search(r'\b[A-Z]\w*Warning: |\[WARNING\]|\[DEPRECATION WARNING\]', stdout), stdout[-5000:]
    for secret in (credential['netsapiens_client_secret'], credential['netsapiens_password'], credential['clearip_password']):
        assert secret not in stdout
    events = [json.loads(path.read_text()) for path in sorted((artifacts / 'job_events').glob('*.json'))]
    stats = [event for event in events if event.get('event') == 'playbook_on_stats']
    assert stats and stats[-1]['event_data']['failures'] == {}, stats


if __name__ == '__main__':
    sys.exit(pytest.main([__file__, '-p', 'no:xdist']))
