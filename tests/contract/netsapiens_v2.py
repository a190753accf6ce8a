# -*- coding: utf-8 -*-
# Copyright: (c) 2026, clearip.netsapiens contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Every NetSapiens request checked against the published API v2 description (v45.0), with openapi-core.

``check(method, path, query, headers, body)`` -> ``Checked``: the request's shape (``key``: method, the
description's path template, the query parameter names and the body's field names) and what the
description refuses in it (``errors``, empty when it allows the request). The NetSapiens simulator calls
it for every request it gets (config ``contract_validation``); the integration fixtures fail the test
that made a refused request (tests/integration/conftest.py), and ``tests/conftest.py`` prints how many
distinct requests were checked and refused in the run.

What the description says is decided by openapi-core (path, method, path and query parameter values
and types, required fields, body field types and enumerations, security), configured once:

- ``additional_properties_default_policy='forbid'``: a body field that the description does not name is
  refused. The description never says ``additionalProperties``; without this a body such as
  ``{"expires": ...}`` would pass although no NetSapiens API v2 field has that name (issue 20).
- formats are annotations, not assertions, as JSON Schema 2020-12 (OpenAPI 3.1) has them by default:
  the description marks ``subscription-expires-datetime`` ``format: date-time`` (RFC 3339) while its
  text and examples give ``YYYY-MM-DD HH:MM:SS``, and it uses formats no validator knows (``url``, ``int``).

What openapi-core cannot know, done here in one place each:

- ``OUTSIDE_DESCRIPTION``: the two endpoints the collection calls that the description does not have,
  allowed by name (their method and path), nothing else. The simulator's own ``/_sim/`` calls never get
  here (they are not the collection's requests).
- ``fold_variants``: the description is an export (apidog) that gives a second or third operation on one
  path as another path ``/tokens#1``, ``/tokens#2``; a request is allowed when one of them allows it.
- ``ERRATA``: what the description gets wrong about itself, each with its evidence.
- query parameters the operation does not declare: openapi-core ignores them (OpenAPI does not forbid
  them); they are reported as ``undeclared`` (see ``Checked``), and refused only with ``strict_query``.

Where the description is silent (fields of answers it does not list, the event posts' shape) is said in
the client's contract notes (plugins/module_utils/_netsapiens_subscriptions.py and _netsapiens_records.py), not
here.
"""

from __future__ import annotations

import copy
import functools
import json
import lzma
import threading
import time
from pathlib import Path
from urllib.parse import parse_qsl

DESCRIPTION_FILE = Path(__file__).with_name('netsapiens-api-v2-v45.0.json.xz')
# The description's only server is https://{server}/ns-api/v2 (default server ns-api.com); requests are
# checked as if sent there, since scheme and host are not what is checked.
V2_PREFIX = '/ns-api/v2'
CHECK_HOST_URL = 'https://ns-api.com'

# method, path -> why the collection may call it although the description does not have it.
OUTSIDE_DESCRIPTION = {
    ('POST', '/ns-api/oauth2/token/'): 'the legacy token endpoint of cores v41 to v43 (api-contract.md, Authentication)',
    ('POST', '/ns-api/'): 'the API v1, POST /ns-api/?object=... (api-contract.md, Reading (v1))',
}

# What the v45.0 description gets wrong about itself. Each entry: (method, path template, the schema of
# one more request body the operation takes, evidence).
ERRATA = (
    ('post', '/tokens', {'$ref': '#/components/schemas/AuthRequest'},
     'The password grant. The export has three POST /tokens operations: the MFA grant twice (one titled "Get Access '
     'Token after MFA request Copy", schema AuthRequestMFA, which requires the MFA fields) and the refresh grant; the '
     'copy took the place of the password grant. The description still has that grant\'s schema, AuthRequest '
     '(grant_type password, client_id, client_secret, username, password), used by POST /jwt, and every grant_type '
     'enumeration of /tokens lists "password"; open-source clients (api-contract.md) send this body to /ns-api/v2/tokens.'),
)


class Checked(object):
    """One request as the description sees it.

    ``key``: ``(METHOD, template, query names, body field names)`` (template is the description's path, under
    /ns-api/v2, or the path allowed by name); ``errors``: why the description refuses it ([] when it allows it);
    ``outside``: the reason from OUTSIDE_DESCRIPTION when the request is allowed by name, else None;
    ``undeclared``: query parameter names the operation does not declare.
    """

    __slots__ = ('key', 'errors', 'outside', 'undeclared')

    def __init__(self, key, errors=(), outside=None, undeclared=()):
        self.key = key
        self.errors = list(errors)
        self.outside = outside
        self.undeclared = tuple(undeclared)

    @property
    def refused(self):
        return bool(self.errors)

    def describe(self):
        method, template, query, fields = self.key
        text = '%s %s' % (method, template)
        if query:
            text += ' ?' + '&'.join(query)
        if fields:
            text += ' {' + ', '.join(fields) + '}'
        return text

    def as_dict(self):
        return {'request': self.describe(), 'errors': list(self.errors), 'outside': self.outside,
                'undeclared_query': list(self.undeclared)}


@functools.lru_cache(maxsize=1)
def description():
    """The published description (a dict), read once per process."""
    with lzma.open(str(DESCRIPTION_FILE), 'rb') as handle:
        return json.loads(handle.read().decode('utf-8'))


def fold_variants(spec):
    """A copy of ``spec`` whose ``/x#1``, ``/x#2`` paths are folded into ``/x``: where several carry the same
    method, its parameters are the union (required where every variant requires them) and its body any of theirs."""
    spec = copy.deepcopy(spec)
    grouped = {}
    for name, item in spec['paths'].items():
        grouped.setdefault(name.split('#', 1)[0], []).append(item)
    paths = {}
    for name, items in grouped.items():
        merged = {}
        for item in items:
            shared = item.get('parameters', [])
            for method, operation in item.items():
                if method == 'parameters' or not isinstance(operation, dict):
                    continue
                operation = dict(operation, parameters=list(shared) + list(operation.get('parameters', [])))
                merged.setdefault(method, []).append(operation)
        paths[name] = dict((method, _merge_operations(ops)) for method, ops in merged.items())
    spec['paths'] = paths
    return spec


def _merge_operations(operations):
    if len(operations) == 1:
        return operations[0]
    merged = dict(operations[0])
    parameters, seen = [], {}
    for operation in operations:
        for parameter in operation.get('parameters', []):
            ident = (parameter.get('name'), parameter.get('in')) if 'name' in parameter else json.dumps(parameter, sort_keys=True)
            if ident not in seen:
                seen[ident] = dict(parameter)
                parameters.append(seen[ident])
    for parameter in parameters:
        if parameter.get('required') and parameter.get('in') != 'path':
            parameter['required'] = all(any(p.get('name') == parameter.get('name') and p.get('in') == parameter.get('in')
                                            and p.get('required') for p in op.get('parameters', [])) for op in operations)
    merged['parameters'] = parameters
    bodies = [op['requestBody'] for op in operations if op.get('requestBody')]
    if bodies:
        content = {}
        for body in bodies:
            for media, value in body.get('content', {}).items():
                content.setdefault(media, []).append(value.get('schema', {}))
        merged['requestBody'] = {
            'required': all(op.get('requestBody', {}).get('required') for op in operations),
            'content': dict((media, {'schema': schemas[0] if len(schemas) == 1 else {'anyOf': schemas}})
                            for media, schemas in content.items())}
    return merged


def apply_errata(spec):
    for method, template, schema, _evidence in ERRATA:
        media = spec['paths'][template][method]['requestBody']['content']['application/json']
        current = media['schema']
        media['schema'] = {'anyOf': (current['anyOf'] if 'anyOf' in current else [current]) + [schema]}
    return spec


def _cached_factory_class():
    """openapi-core's schema validator factory, remembering the validator it made for each schema of the (fixed)
    description: making one costs most of a check (resolving the schema, building a jsonschema class)."""
    from openapi_core.validation.schemas.factories import DialectSchemaValidatorsFactory

    class CachedSchemaValidatorsFactory(DialectSchemaValidatorsFactory):
        def __init__(self, *args, **kwargs):
            super(CachedSchemaValidatorsFactory, self).__init__(*args, **kwargs)
            self._made = {}
            self._made_lock = threading.Lock()

        def create(self, spec, schema, format_validators=None, extra_format_validators=None,
                   forbid_unspecified_additional_properties=False, enforce_properties_required=False):
            key = (schema.as_posix(), forbid_unspecified_additional_properties, enforce_properties_required,
                   id(format_validators), id(extra_format_validators))
            with self._made_lock:
                made = self._made.get(key)
            if made is None:
                made = super(CachedSchemaValidatorsFactory, self).create(
                    spec, schema, format_validators, extra_format_validators, forbid_unspecified_additional_properties,
                    enforce_properties_required)
                with self._made_lock:
                    self._made[key] = made
            return made

    return CachedSchemaValidatorsFactory


@functools.lru_cache(maxsize=1)
def _validator():
    """(openapi-core OpenAPI object, the folded spec), built once per process (about a second)."""
    from jsonschema import FormatChecker
    from openapi_core import Config, OpenAPI
    from openapi_schema_validator import OAS31_BASE_DIALECT_ID, OAS31Validator

    spec = apply_errata(fold_variants(description()))
    factory = _cached_factory_class()(OAS31Validator, OAS31_BASE_DIALECT_ID, format_checker=FormatChecker([]))
    config = Config(spec_validator_cls=None, additional_properties_default_policy='forbid',
                    schema_validators_factory=factory)
    return OpenAPI.from_dict(spec, config=config), spec


class _Request(object):
    """The openapi-core request protocol over one simulator request."""

    def __init__(self, method, path, query_pairs, headers, body, content_type):
        from openapi_core.datatypes import RequestParameters
        from werkzeug.datastructures import Headers, ImmutableMultiDict

        self.host_url = CHECK_HOST_URL
        self.path = path
        self.method = method.lower()
        self.body = body or b''
        self.content_type = content_type
        self.parameters = RequestParameters(path={}, query=ImmutableMultiDict(query_pairs), header=Headers(headers),
                                            cookie=ImmutableMultiDict())


def _explain(exc):
    """One line per problem openapi-core found, in the schema's words; never a value of the body (it may hold a
    password or a token)."""
    cause = exc.__cause__
    schema_errors = getattr(exc, 'schema_errors', None) or getattr(cause, 'schema_errors', None) or ()
    head = 'request body' if 'Body' in type(exc).__name__ else str(exc)
    found = []
    for error in schema_errors:
        found.extend(_schema_messages(error))
    if not found and cause is not None and 'Body' not in type(exc).__name__:
        found.append(type(cause).__name__)
    return ['%s: %s' % (head, '; '.join(found)) if found else head]


def _schema_messages(error):
    if error.validator in ('anyOf', 'oneOf') and error.context:
        groups = {}
        for sub in error.context:
            groups.setdefault(sub.schema_path[0] if sub.schema_path else 0, []).append(sub)
        return ['matches none of its %d alternatives (%s)' % (
            len(groups), ' | '.join('; '.join(_schema_message(sub) for sub in subs) for subs in groups.values()))]
    return [_schema_message(error)]


def _schema_message(error):
    where = '/'.join(str(part) for part in error.absolute_path)
    # jsonschema's messages quote the value they judge: leave it out.
    text = error.message.replace(repr(error.instance), 'the value')
    return '%s%s' % (where + ': ' if where else '', text)


def body_fields(content_type, body):
    """The top-level field names of a JSON object or form body, sorted; ('<not an object>',) for another JSON value."""
    if not body:
        return ()
    if 'json' in content_type:
        try:
            value = json.loads(body.decode('utf-8'))
        except ValueError:
            return ('<not JSON>',)
        return tuple(sorted(value)) if isinstance(value, dict) else ('<%s>' % type(value).__name__,)
    if 'x-www-form-urlencoded' in content_type:
        return tuple(sorted(set(name for name, _value in parse_qsl(body.decode('utf-8'), keep_blank_values=True))))
    return ('<%s body>' % (content_type or 'untyped'),)


_LOCK = threading.Lock()
# Seconds this process spent reading the description and checking requests (the cost of the check; the run's
# summary prints it).
SPENT = {'seconds': 0.0, 'calls': 0}


def check(method, path, query_pairs=(), headers=None, body=b'', strict_query=False):
    """What the description says of one request (``Checked``). ``query_pairs``: [(name, value)] as sent;
    ``path``: the path as sent (without the query); ``headers``: a mapping (Content-Type, Authorization)."""
    started = time.perf_counter()
    try:
        return _check(method, path, query_pairs, headers, body, strict_query)
    finally:
        with _LOCK:
            SPENT['seconds'] += time.perf_counter() - started
            SPENT['calls'] += 1


def _check(method, path, query_pairs, headers, body, strict_query):
    headers = dict(headers or {})
    content_type = (headers.get('Content-Type') or headers.get('content-type') or '').split(';', 1)[0].strip().lower()
    query_pairs = list(query_pairs)
    query_names = tuple(sorted(set(name for name, _value in query_pairs)))
    fields = body_fields(content_type, body)
    method = method.upper()
    outside = OUTSIDE_DESCRIPTION.get((method, path)) or OUTSIDE_DESCRIPTION.get((method, path.rstrip('/') + '/'))
    if outside is not None:
        return Checked((method, path, query_names, fields), outside=outside)
    if not path.startswith(V2_PREFIX + '/'):
        return Checked((method, path, query_names, fields),
                       ['%s %s is neither in the API v2 description nor allowed by name (OUTSIDE_DESCRIPTION)' % (method, path)])
    return _check_v2(method, path, tuple(query_pairs), tuple(sorted(headers.items())), body or b'', content_type,
                     query_names, fields, strict_query)


@functools.lru_cache(maxsize=8192)
def _check_v2(method, path, query_pairs, headers, body, content_type, query_names, fields, strict_query):
    from openapi_core.templating.paths.exceptions import PathError

    api, spec = _validator()
    request = _Request(method, path, list(query_pairs), dict(headers), body, content_type)
    validator = api.request_validator
    with _LOCK:
        # What APICallRequestValidator.iter_errors does, with the path found once and its template kept.
        try:
            found_path, operation, _server, path_result, _server_result = validator._find_path(request)
        except PathError as exc:
            return Checked((method, path, query_names, fields), _explain(exc))
        template = found_path.parts[-1]
        request.parameters.path = path_result.variables
        errors = []
        for exc in validator._iter_errors(request, operation, found_path):
            errors.extend(_explain(exc))
    operation = spec['paths'][template][method.lower()]
    declared = set(p.get('name') for p in operation.get('parameters', []) if p.get('in') == 'query')
    undeclared = tuple(name for name in query_names if name not in declared)
    if strict_query and undeclared:
        errors.append('query parameters the description does not declare for %s %s: %s'
                      % (method, template, ', '.join(undeclared)))
    return Checked((method, V2_PREFIX + template, query_names, fields), errors, undeclared=undeclared)


class Registry(object):
    """Every distinct request checked in this process: ``key`` -> ``{"count", "errors", "outside", "undeclared"}``.

    The integration fixtures add what their simulators checked to ``REGISTRY``; ``tests/conftest.py`` merges the registries of the test processes and
    prints the totals at the end of the run.
    """

    def __init__(self):
        self.lock = threading.Lock()
        self.seen = {}
        self.spent = {'seconds': 0.0, 'calls': 0, 'processes': 0}

    def add(self, checked, count=1):
        with self.lock:
            entry = self.seen.setdefault(checked.key, {'count': 0, 'errors': [], 'outside': checked.outside,
                                                       'undeclared': list(checked.undeclared)})
            entry['count'] += count
            for error in checked.errors:
                if error not in entry['errors']:
                    entry['errors'].append(error)

    def export(self):
        """A JSON-able copy: ``{"requests": [{"key": [...], ...}], "spent": {...}}`` (with this process's SPENT)."""
        with self.lock:
            requests = [dict(value, key=[key[0], key[1], list(key[2]), list(key[3])]) for key, value in self.seen.items()]
        return {'requests': requests, 'spent': dict(SPENT)}

    def merge(self, exported):
        for item in exported['requests']:
            key = (item['key'][0], item['key'][1], tuple(item['key'][2]), tuple(item['key'][3]))
            self.add(Checked(key, item['errors'], item['outside'], item['undeclared']), item['count'])
        with self.lock:
            self.spent['seconds'] += exported['spent']['seconds']
            self.spent['calls'] += exported['spent']['calls']
            self.spent['processes'] += 1

    def summary(self):
        """(lines, totals) for the end of a test run."""
        with self.lock:
            items = sorted(self.seen.items())
        described = [(key, v) for key, v in items if not v['outside']]
        refused = [(key, v) for key, v in described if v['errors']]
        undeclared = [(key, v) for key, v in described if v['undeclared'] and not v['errors']]
        totals = {'distinct': len(items), 'checked': len(described), 'refused': len(refused),
                  'outside': len(items) - len(described), 'undeclared_query': len(undeclared),
                  'requests': sum(v['count'] for _key, v in items)}
        spent = self.spent if self.spent['processes'] else dict(SPENT, processes=1)
        totals['check_seconds'] = round(spent['seconds'], 2)
        totals['check_calls'] = spent['calls']
        lines = ['NetSapiens API v2 description (tests/contract): %(requests)d requests, %(distinct)d distinct; '
                 '%(checked)d checked against the description, %(refused)d refused; %(outside)d allowed by name outside '
                 'it; %(undeclared_query)d allowed with query parameters it does not declare; checking took '
                 '%(check_seconds).1f s in all' % totals]
        for key, value in refused:
            lines.append('  REFUSED   %s: %s' % (Checked(key).describe(), ' / '.join(value['errors'])))
        for key, value in undeclared:
            lines.append('  UNDECLARED %s: %s' % (Checked(key).describe(), ', '.join(value['undeclared'])))
        return lines, totals


REGISTRY = Registry()
