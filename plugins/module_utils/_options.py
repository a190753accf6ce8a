# -*- coding: utf-8 -*-
# Copyright: (c) 2026, clearip.netsapiens contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""How to reach each API: the connection options every module shares, in one place. Internal use only.

The doc fragments ``clearip.netsapiens.netsapiens`` and ``clearip.netsapiens.clearip`` document these
options; ``subscriber_sync_run`` takes them as its ``netsapiens`` and ``clearip`` dict options, and its
action plugin fills them from the two action groups' ``module_defaults`` (``CONNECTION_SETTINGS``).
The settings check reads the environment variables from here, so it needs neither client.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

from ansible.module_utils.basic import env_fallback

DEFAULT_TIMEOUT = 30               # seconds for a whole answer (see _http)
CLEARIP_DEFAULT_URL = 'https://api.clearip.com'
NETSAPIENS_DEFAULT_PAGE_SIZE = 500
NETSAPIENS_MAX_PAGE_SIZE = 1000    # the v2 description's maximum ``limit``
# The ceiling of the requests in flight at once per API: the adaptive limit (_concurrency) starts at 4
# and grows towards it while the server answers fast, shrinking at once on 429, 503 or rising latency.
DEFAULT_MAX_WORKERS = 16
MAX_MAX_WORKERS = 64

OAUTH_OPTIONS = ('client_id', 'client_secret', 'username', 'password')
# The options that hold a URL or a host, from which a user:password@ is stripped first (_module).
NETSAPIENS_URL_OPTIONS = ('host',)
CLEARIP_URL_OPTIONS = ('url',)


def netsapiens_options():
    """The NetSapiens connection options (doc fragment clearip.netsapiens.netsapiens)."""
    return dict(
        host=dict(type='str', required=True, fallback=(env_fallback, ['NETSAPIENS_HOST'])),
        client_id=dict(type='str', fallback=(env_fallback, ['NETSAPIENS_CLIENT_ID'])),
        client_secret=dict(type='str', no_log=True, fallback=(env_fallback, ['NETSAPIENS_CLIENT_SECRET'])),
        username=dict(type='str', fallback=(env_fallback, ['NETSAPIENS_USERNAME'])),
        password=dict(type='str', no_log=True, fallback=(env_fallback, ['NETSAPIENS_PASSWORD'])),
        api_key=dict(type='str', no_log=True, fallback=(env_fallback, ['NETSAPIENS_API_KEY'])),
        api_version=dict(type='str', default='auto', choices=['auto', 'v2', 'v1'],
                         fallback=(env_fallback, ['NETSAPIENS_API_VERSION'])),
        token_endpoint=dict(type='str', default='auto', choices=['auto', 'v2', 'legacy'],
                            fallback=(env_fallback, ['NETSAPIENS_TOKEN_ENDPOINT'])),
        validate_certs=dict(type='bool', default=True, fallback=(env_fallback, ['NETSAPIENS_VALIDATE_CERTS'])),
        ca_path=dict(type='path', fallback=(env_fallback, ['NETSAPIENS_CA_PATH'])),
        timeout=dict(type='int', default=DEFAULT_TIMEOUT, fallback=(env_fallback, ['NETSAPIENS_TIMEOUT'])),
        page_size=dict(type='int', default=NETSAPIENS_DEFAULT_PAGE_SIZE),
    )


def netsapiens_rules():
    """AnsibleModule keyword arguments for the api_key / OAuth2 rules of ``netsapiens_options``."""
    return dict(
        mutually_exclusive=[('api_key', name) for name in OAUTH_OPTIONS],
        required_together=[OAUTH_OPTIONS],
        required_one_of=[('api_key', 'client_id')],
    )


def clearip_options():
    """The ClearIP connection options (doc fragment clearip.netsapiens.clearip)."""
    return dict(
        url=dict(type='str', default=CLEARIP_DEFAULT_URL, fallback=(env_fallback, ['CLEARIP_URL'])),
        email=dict(type='str', required=True, fallback=(env_fallback, ['CLEARIP_EMAIL'])),
        password=dict(type='str', required=True, no_log=True, fallback=(env_fallback, ['CLEARIP_PASSWORD'])),
        operator=dict(type='str', fallback=(env_fallback, ['CLEARIP_OPERATOR'])),
        validate_certs=dict(type='bool', default=True, fallback=(env_fallback, ['CLEARIP_VALIDATE_CERTS'])),
        ca_path=dict(type='path', fallback=(env_fallback, ['CLEARIP_CA_PATH'])),
        timeout=dict(type='int', default=DEFAULT_TIMEOUT, fallback=(env_fallback, ['CLEARIP_TIMEOUT'])),
    )


# option of subscriber_sync_run -> (a module of the action group whose module_defaults apply, its settings)
CONNECTION_SETTINGS = {
    'netsapiens': ('clearip.netsapiens.netsapiens_user_info', tuple(netsapiens_options())),
    'clearip': ('clearip.netsapiens.clearip_user', tuple(clearip_options())),
}
