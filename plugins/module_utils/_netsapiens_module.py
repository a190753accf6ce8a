# -*- coding: utf-8 -*-
# Copyright: (c) 2026, clearip.netsapiens contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The glue between the NetSapiens modules and the NetSapiens client. Internal use only.

The modules are made with ``_module.CollectionModule`` and end in one call here: ``run_with_client``
(any NetSapiens module) or ``run_info_module`` (the ``netsapiens_*_info`` modules).
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

from ansible_collections.clearip.netsapiens.plugins.module_utils._http import HttpError
from ansible_collections.clearip.netsapiens.plugins.module_utils._netsapiens import NetSapiensClient, NetSapiensError
from ansible_collections.clearip.netsapiens.plugins.module_utils._options import (
    DEFAULT_TIMEOUT, NETSAPIENS_DEFAULT_PAGE_SIZE, netsapiens_options, netsapiens_rules)


def client_from_options(options, **kwargs):
    """A ``NetSapiensClient`` from the connection options (``_options.netsapiens_options``: a module's
    params, or the sync's ``netsapiens`` dict option). Raises ``NetSapiensError`` for settings it refuses."""
    return NetSapiensClient(options['host'], client_id=options.get('client_id'), client_secret=options.get('client_secret'),
                            username=options.get('username'), password=options.get('password'),
                            api_key=options.get('api_key'), api_version=options.get('api_version') or 'auto',
                            token_endpoint=options.get('token_endpoint') or 'auto',
                            validate_certs=options.get('validate_certs', True), ca_path=options.get('ca_path'),
                            timeout=options.get('timeout') or DEFAULT_TIMEOUT,
                            page_size=options.get('page_size') or NETSAPIENS_DEFAULT_PAGE_SIZE, **kwargs)


def run_with_client(module, work, **client_kwargs):
    """``work(client)`` with a client made from the module's options, closed afterwards; its result.

    The one place where a NetSapiens module fails for a NetSapiens error (with the HTTP ``status`` when known).
    """
    client = None
    try:
        client = client_from_options(module.params, **client_kwargs)
        return work(client)
    except NetSapiensError as exc:
        module.fail_json(msg=exc.message, status=exc.status)
    except HttpError as exc:
        module.fail_json(msg='NetSapiens request failed: %s' % exc.message, status=exc.status)
    finally:
        if client is not None:
            client.close()


def run_info_module(module, result_key, fetch, **client_kwargs):
    """The body of every ``netsapiens_*_info`` module: read, then return the records or write them to ``dest``.

    ``fetch(client)`` returns the normalised records; malformed ones (with ``problem``) are returned like the
    others and counted in ``malformed``. Reads change nothing, so they run in check mode too, and ``dest``
    (the module's output, not a managed object) is written in check mode as well (mode 0600, atomically).
    ``client_kwargs`` go to the client (``max_workers``).
    """
    records, version = run_with_client(module, lambda client: (fetch(client), client.api_version), **client_kwargs)
    result = dict(changed=False, count=len(records), api_version=version,
                  malformed=sum(1 for record in records if record.get('problem')))
    module.exit_with_records(result, result_key, records, 'the %s records' % result_key)


def info_options(**extra):
    """The options of a ``netsapiens_*_info`` module: the connection, ``dest`` and the module's own ``extra``."""
    spec = netsapiens_options()
    spec.update(extra)
    spec['dest'] = dict(type='path')
    return spec


INFO_RULES = dict(supports_check_mode=True, **netsapiens_rules())
