# -*- coding: utf-8 -*-
# Copyright: (c) 2026, clearip.netsapiens contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The sync (``ansible-playbook clearip.netsapiens.sync -e @config.json``) against NetSapiens cores that offer
only one token endpoint, with OAuth credentials and ``api_version`` auto, and ``netsapiens.tokenEndpoint``."""

from __future__ import annotations

from tests.integration.conftest import Sims, vendor_config
from tests.integration.test_subscriber_sync import expected_plain, holdings
from tests.simulators.dataset import make_dataset

V2_TOKENS = 'POST /ns-api/v2/tokens'
LEGACY_TOKEN = 'POST /ns-api/oauth2/token/'


def test_the_sync_works_against_a_core_with_only_the_v2_token_endpoint(sims, sync):
    dataset = make_dataset(resellers=2, domains=6, users=30, seed=21)
    s = sims(dataset, netsapiens_config={'token_endpoints': ['v2']})
    run = sync(vendor_config(s))
    assert run.rc == 0, run
    assert holdings(s) == expected_plain(dataset)
    seen = Sims.stats(s.netsapiens)['requests']
    assert seen[V2_TOKENS] == 1   # one token for the whole run (one module process reads everything)
    assert LEGACY_TOKEN not in seen
    assert 'POST /ns-api/' not in seen   # the API v2 was used, not v1


def test_the_sync_works_against_a_core_with_only_the_legacy_token_endpoint_and_token_endpoint_forces_it(sims, sync):
    dataset = make_dataset(resellers=2, domains=6, users=30, seed=22)
    s = sims(dataset, netsapiens_config={'token_endpoints': ['legacy']})
    config = vendor_config(s)
    run = sync(config)
    assert run.rc == 0, run
    assert holdings(s) == expected_plain(dataset)
    seen = Sims.stats(s.netsapiens)['requests']
    # the run asks the v2 token endpoint once (404), then only the legacy one; the probe still finds v2
    assert seen[V2_TOKENS] == 1
    assert seen[LEGACY_TOKEN] == seen[V2_TOKENS]
    assert seen['GET /ns-api/v2/domains/count'] == seen[V2_TOKENS]
    assert 'POST /ns-api/' not in seen

    # config.json's netsapiens.tokenEndpoint reaches every module: the v2 token endpoint is never asked
    Sims.reset_stats(s.netsapiens)
    Sims.reset_stats(s.clearip)
    config['netsapiens']['tokenEndpoint'] = 'legacy'
    again = sync(config)
    assert again.rc == 0, again
    seen = Sims.stats(s.netsapiens)['requests']
    assert V2_TOKENS not in seen
    assert seen[LEGACY_TOKEN] == 1
    assert Sims.total_writes(s.clearip) == 0
    assert holdings(s) == expected_plain(dataset)
