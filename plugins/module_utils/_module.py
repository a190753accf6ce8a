# -*- coding: utf-8 -*-
# Copyright: (c) 2026, clearip.netsapiens contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The base every module of this collection goes through. Internal use only.

``CollectionModule`` is an ``AnsibleModule`` that, before the module's own code runs:

- strips credentials written into a URL (``user:password@``) from every option named in
  ``URL_OPTIONS``, at the top level or inside a dict option, so that no result, message, ClearIP
  comment or ``invocation`` holds them; adds them to ``no_log_values`` (any copy left, such as a
  server's echo, is masked); and warns once, naming the options but never the value;
- fails with Ansible's own message when ``requests`` is missing (unless the module makes no request).

A new module made with it cannot forget either. It is the only file, with the ``_*_module.py``
glue, that touches the AnsibleModule; the clients and the sync's steps never do.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

from ansible.module_utils.basic import AnsibleModule, missing_required_lib

from ansible_collections.clearip.netsapiens.plugins.module_utils._files import write_json
from ansible_collections.clearip.netsapiens.plugins.module_utils._http import HAS_REQUESTS, REQUESTS_IMPORT_ERROR
from ansible_collections.clearip.netsapiens.plugins.module_utils._urls import split_userinfo, userinfo_secrets

# Options that hold a URL or a host name, wherever they appear: the APIs' (``host``, ``url``), the
# report's copies of them, and ``comment_source``, which is written into every ClearIP object created.
URL_OPTIONS = ('host', 'url', 'comment_source', 'netsapiens_host', 'clearip_url')


class CollectionModule(AnsibleModule):
    """``AnsibleModule(argument_spec, **kwargs)`` plus the protections above; ``needs_requests=False`` for a
    module that sends no request (the report, the settings check)."""

    def __init__(self, argument_spec, needs_requests=True, **kwargs):
        super(CollectionModule, self).__init__(argument_spec=argument_spec, **kwargs)
        self.stripped_url_options = protect_url_options(self)
        if needs_requests and not HAS_REQUESTS:
            self.fail_json(msg=missing_required_lib('requests'), exception=REQUESTS_IMPORT_ERROR)

    def _load_params(self):
        # Before the arguments are validated: a refusal shows them (invocation), and must not show a URL's userinfo.
        super(CollectionModule, self)._load_params()
        self.no_log_values.update(raw_userinfo_secrets(self.params))

    def exit_with_records(self, result, key, records, what):
        """Exit with ``records`` in ``result[key]``, or, when the module has a ``dest``, written there as a JSON list
        (``_files.write_json``: mode 0600, atomically; in check mode too, as it is the module's output) and its path
        in ``result['dest']``. ``what`` names the records in an error (``the ClearIP users``)."""
        dest = self.params.get('dest')
        if dest:
            try:
                result['dest'] = write_json(dest, records)
            except (OSError, IOError) as exc:
                self.fail_json(msg='cannot write %s to %s: %s' % (what, dest, exc))
        else:
            result[key] = records
        self.exit_json(**result)


def raw_userinfo_secrets(params):
    """The userinfo secrets of every ``URL_OPTIONS`` value in unvalidated ``params`` (top level or one dict down)."""
    secrets = set()
    for name, value in (params or {}).items():
        places = [value] if name in URL_OPTIONS else (
            [item for key, item in value.items() if key in URL_OPTIONS] if isinstance(value, dict) else [])
        for place in places:
            if isinstance(place, str):
                userinfo = split_userinfo(place)[1]
                if userinfo is not None:
                    secrets.update(userinfo_secrets(userinfo))
    return secrets


def protect_url_options(module):
    """Strip the userinfo of every ``URL_OPTIONS`` value in ``module.params`` (and in its dict options' values).

    Each value is replaced by the URL without userinfo, the userinfo is added to ``module.no_log_values``,
    and one warning names the options, in the order of the argument spec. Returns their names
    (``parent.option`` inside a dict option).
    """
    stripped = []
    for name, spec in module.argument_spec.items():
        value = module.params.get(name)
        if name in URL_OPTIONS:
            places = [(name, module.params, name)]
        elif isinstance(value, dict):
            places = [('%s.%s' % (name, key), value, key) for key in (spec.get('options') or value) if key in URL_OPTIONS]
        else:
            continue
        for shown, holder, key in places:
            clean, userinfo = split_userinfo(holder.get(key))
            if userinfo is None:
                continue
            module.no_log_values.update(userinfo_secrets(userinfo))
            holder[key] = clean
            stripped.append(shown)
    if stripped:
        module.warn('ignored the user name and password written into %s (user:password@ before the host): the APIs '
                    'authenticate with their own credentials options, and the URL is used, stored and shown without '
                    'them. For a proxy that needs a login, set HTTPS_PROXY instead.' % ' and '.join(stripped))
    return stripped
