# -*- coding: utf-8 -*-
# Copyright: (c) 2026, clearip.netsapiens contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function
__metaclass__ = type


class ModuleDocFragment(object):

    DOCUMENTATION = r'''
options:
  host:
    description:
      - The NetSapiens API server.
      - A host name such as C(pbx.example.com) means C(https://pbx.example.com).
      - A full base URL such as C(http://127.0.0.1:8081) is used as it is; a trailing C(/ns-api) or C(/ns-api/v2) is dropped.
      - A user name and password written into it (C(http://user:password@pbx.example)) are removed and never sent, stored or
        shown (the module warns); NetSapiens takes the credentials options. Give a proxy's login in E(HTTPS_PROXY) instead.
      - If not set, the value of the E(NETSAPIENS_HOST) environment variable is used.
    type: str
    required: true
  client_id:
    description:
      - OAuth2 client ID (the vendor binary's C(clientId)).
      - Required together with O(client_secret), O(username) and O(password); mutually exclusive with O(api_key).
      - If not set, the value of the E(NETSAPIENS_CLIENT_ID) environment variable is used.
    type: str
  client_secret:
    description:
      - OAuth2 client secret (the vendor binary's C(clientSecret)).
      - If not set, the value of the E(NETSAPIENS_CLIENT_SECRET) environment variable is used.
    type: str
  username:
    description:
      - NetSapiens API user for the OAuth2 password grant, usually C(user@domain).
      - If not set, the value of the E(NETSAPIENS_USERNAME) environment variable is used.
    type: str
  password:
    description:
      - Password of O(username).
      - If not set, the value of the E(NETSAPIENS_PASSWORD) environment variable is used.
    type: str
  api_key:
    description:
      - A NetSapiens API key (C(nss_...), C(nsr_...) or C(nsd_...)), sent as a Bearer token.
      - API keys only work with the API v2, so O(api_version=v1) with an API key is an error.
      - Mutually exclusive with O(client_id), O(client_secret), O(username) and O(password).
      - If not set, the value of the E(NETSAPIENS_API_KEY) environment variable is used.
    type: str
  api_version:
    description:
      - Which NetSapiens API to read.
      - V(auto) uses the API v2 when the server has it, and the API v1 when the v2 base answers 404 (cores older than v44).
        Only the answer of C(GET /ns-api/v2/domains/count) decides; a failure to get a token is reported as such.
      - If not set, the value of the E(NETSAPIENS_API_VERSION) environment variable is used.
    type: str
    choices: [auto, v2, v1]
    default: auto
  token_endpoint:
    description:
      - Where to ask for OAuth2 access tokens (not used with O(api_key)).
      - V(auto) tries C(POST /ns-api/v2/tokens) (JSON body, in the published API v2 description) first, and the form-encoded
        C(POST /ns-api/oauth2/token/) of older cores when the first answers 404. The endpoint that answered is used for the rest of
        the run, refreshes included.
      - V(v2) or V(legacy) asks only C(/ns-api/v2/tokens) or only C(/ns-api/oauth2/token/), for a core behind a proxy that blocks
        the other path.
      - Which token endpoint answers never decides O(api_version); only the version probe does.
      - If not set, the value of the E(NETSAPIENS_TOKEN_ENDPOINT) environment variable is used.
    type: str
    choices: [auto, v2, legacy]
    default: auto
  validate_certs:
    description:
      - Verify the server's TLS certificate. Only set V(false) on a trusted network for testing.
      - If not set, the value of the E(NETSAPIENS_VALIDATE_CERTS) environment variable is used.
    type: bool
    default: true
  ca_path:
    description:
      - A PEM CA bundle to verify the server certificate with, for servers signed by a private CA.
      - If not set, the value of the E(NETSAPIENS_CA_PATH) environment variable is used.
    type: path
  timeout:
    description:
      - Seconds a whole HTTP answer may take (connecting, sending, headers and body), not each read of it - an answer still
        arriving a second later is abandoned, as a timeout.
      - If not set, the value of the E(NETSAPIENS_TIMEOUT) environment variable is used.
    type: int
    default: 30
  page_size:
    description:
      - How many records to ask for per request (the API's C(limit)), from 1 to 1000.
      - The server may answer fewer; the module keeps reading until the server answers an empty page.
    type: int
    default: 500
notes:
  - Reads are retried with exponential backoff on HTTP 429, 500, 502, 503 and 504 and on dropped connections,
    honouring C(Retry-After).
  - An OAuth access token is renewed before it expires, and once more when the server refuses it.
requirements:
  - requests >= 2.25
'''
