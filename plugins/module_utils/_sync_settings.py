# -*- coding: utf-8 -*-
# Copyright: (c) 2026, clearip.netsapiens contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The sync's settings checked in their own terms, before any request (no I/O). Internal use only.

The vendor binary's config.json (loaded with ``-e @config.json``) has a top-level ``netsapiens``
and ``clearip`` object; the role ``subscriber_sync`` turns their keys into its
``subscriber_sync_netsapiens_*`` / ``subscriber_sync_clearip_*`` variables and those into module
options. A mistake in the file used to surface in module terms (``parameters are required
together: client_id, ...``) or as a network error. ``check_settings`` names the config.json key
(``netsapiens.clientSecret``) or the role variable, the problem, and the fix.

It never sees a secret: its input is the *shape* of the settings, built by the role on the
controller (``roles/subscriber_sync/tasks/settings_check.yml``):

- ``config``: for each config.json section that exists (``netsapiens``, ``clearip``), either the
  type name of the section when it is not an object, or ``{key: {"type": T, "value": V}}`` where
  ``V`` is given only for the keys in ``VALUE_KEYS`` (host, URL, API version, validateCerts; none
  secret) and is None otherwise;
- ``variables``: ``{name: {"type": T, "value": V}}`` for each visible ``subscriber_sync_*``
  variable, ``V`` only for variables whose value is needed (choices, bool, int, URLs);
- ``argument_specs``: the role's ``meta/argument_specs.yml`` (its ``argument_specs`` mapping), the
  one list of the role's variables, their types and choices;
- ``env_names``: the ``NETSAPIENS_*`` / ``CLEARIP_*`` environment variables set (non-empty) where
  the modules run, which the modules read as fallbacks.

Type names ``T``: ``null``, ``empty`` (the empty string), ``str``, ``bool``, ``int``, ``float``,
``dict``, ``list``, ``other``.

``check_settings`` returns a list of ``Problem`` (``setting``, ``problem``, ``fix``); no problem
means the settings can be used. Messages never carry a value, only names.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import difflib
import re

from ansible_collections.clearip.netsapiens.plugins.module_utils._options import clearip_options, netsapiens_options

ENTRY_POINTS = ('main', 'cron', 'user_id_header', 'verify', 'drift', 'events')
# Which API each entry point talks to (cron writes a settings file for the sync, so it needs both).
APIS_OF_ENTRY_POINT = {'main': ('netsapiens', 'clearip'), 'cron': ('netsapiens', 'clearip'),
                       'user_id_header': ('netsapiens',), 'verify': ('clearip',),
                       'drift': ('netsapiens', 'clearip'), 'events': ('netsapiens',)}

# The entry points that name ClearIP objects, and so apply the identifier scheme.
SCHEME_ENTRY_POINTS = ('main', 'cron', 'drift')

BOOLEAN_WORDS = ('yes', 'no', 'true', 'false', 'on', 'off', '1', '0', 'y', 'n', 't', 'f')
TYPE_WORDS = {'null': 'null', 'empty': 'an empty string', 'str': 'a string', 'bool': 'true or false',
              'int': 'a whole number', 'float': 'a number', 'dict': 'an object', 'list': 'a list', 'other': 'a value'}


class Key(object):
    """One config.json key: its role variable, the module option it becomes, and what it is."""

    def __init__(self, name, option, kind, what, choices=None, variable=None):
        self.name = name
        self.option = option        # None: a key of the role only, no module option (so no environment variable)
        self.kind = kind            # 'str', 'bool' or 'path' (a str)
        self.what = what
        self.choices = choices
        self.variable = variable    # the role variable, when it is not subscriber_sync_<section>_<option>


# The config.json keys the collection reads, section by section (docs/migrating.md). The role
# variable is subscriber_sync_<section>_<option> (roles/subscriber_sync/defaults/main.yml).
SECTIONS = {
    'netsapiens': [
        Key('host', 'host', 'str', 'the NetSapiens host name, such as pbx.example.com, or a base URL such as https://pbx.example.com:8443'),
        Key('clientId', 'client_id', 'str', 'the OAuth2 client id'),
        Key('clientSecret', 'client_secret', 'str', 'the OAuth2 client secret'),
        Key('username', 'username', 'str', 'the NetSapiens API user'),
        Key('password', 'password', 'str', 'that user\'s password'),
        Key('apiKey', 'api_key', 'str', 'a NetSapiens v2 API key (instead of clientId, clientSecret, username and password)'),
        Key('apiVersion', 'api_version', 'str', 'the API version', choices=('auto', 'v2', 'v1')),
        Key('tokenEndpoint', 'token_endpoint', 'str', 'the OAuth2 token endpoint', choices=('auto', 'v2', 'legacy')),
        Key('eventsPostUrl', None, 'str', 'the URL NetSapiens posts subscriber events to (entry point events, docs/events.md)',
            variable='subscriber_sync_events_post_url'),
        Key('validateCerts', 'validate_certs', 'bool', 'whether to verify the TLS certificate'),
        Key('caPath', 'ca_path', 'path', 'the CA bundle file'),
    ],
    'clearip': [
        Key('url', 'url', 'str', 'the ClearIP API base URL, such as https://api.clearip.com'),
        Key('email', 'email', 'str', 'the ClearIP API account e-mail'),
        Key('password', 'password', 'str', 'that account\'s password'),
        Key('operator', 'operator', 'str', 'the Operator name or id'),
        Key('validateCerts', 'validate_certs', 'bool', 'whether to verify the TLS certificate'),
        Key('caPath', 'ca_path', 'path', 'the CA bundle file'),
    ],
}
# The module option specs, for the environment variables the modules fall back to.
_MODULE_SPECS = {'netsapiens': netsapiens_options(), 'clearip': clearip_options()}
OAUTH_KEYS = ('clientId', 'clientSecret', 'username', 'password')
# Keys whose value the role passes (none is secret): the checker looks at them, never prints them.
VALUE_KEYS = ('host', 'url', 'apiVersion', 'tokenEndpoint', 'validateCerts')
SCHEME = re.compile(r'^([A-Za-z][A-Za-z0-9+.-]*)://')
HOST_PORT = re.compile(r'^[^/:]+:\d+(/|$)')


class Problem(object):
    """What is wrong with one setting and how to fix it."""

    def __init__(self, setting, problem, fix):
        self.setting = setting
        self.problem = problem
        self.fix = fix

    def __str__(self):
        return '%s: %s; %s' % (self.setting, self.problem, self.fix)

    def as_dict(self):
        return {'setting': self.setting, 'problem': self.problem, 'fix': self.fix}

    def __repr__(self):
        return 'Problem(%r)' % str(self)


def role_variable(section, key):
    """``('netsapiens', Key(clientSecret))`` -> ``subscriber_sync_netsapiens_client_secret``."""
    return key.variable or 'subscriber_sync_%s_%s' % (section, key.option)


def env_names_of(section, key):
    """The environment variables the modules read for ``key`` (from the modules' own argument spec)."""
    if key.option is None:
        return []
    fallback = _MODULE_SPECS[section][key.option].get('fallback')
    return list(fallback[1]) if fallback else []


def closest(name, known):
    """The one of ``known`` that ``name`` is most likely a misspelling of (the same but for case first), or None."""
    lowered = dict((k.lower(), k) for k in known)
    if name.lower() in lowered:
        return lowered[name.lower()]
    close = difflib.get_close_matches(name, list(known), n=1, cutoff=0.6)
    return close[0] if close else None


def did_you_mean(name, known, prefix=''):
    """`` did you mean X?`` for the closest of ``known`` to ``name``, or an empty string."""
    match = closest(name, known)
    if match is None:
        return ''
    if match.lower() == name.lower():
        return ' (did you mean %s%s? keys are case-sensitive)' % (prefix, match)
    return ' (did you mean %s%s?)' % (prefix, match)


def accepts(spec_type, found):
    """Whether a value of type name ``found`` is accepted where the spec says ``spec_type``.

    As lenient as Ansible's own conversion: a string is accepted for a list, a dict, an int or a
    bool where Ansible would convert it (the caller checks bool and int strings by value)."""
    if found in ('null', 'other'):
        return True
    if spec_type in (None, 'raw'):
        return True
    if spec_type in ('str', 'path'):
        return found in ('str', 'empty', 'int', 'float', 'bool')
    if spec_type == 'bool':
        return found in ('bool', 'str', 'int')
    if spec_type == 'int':
        return found in ('int', 'str')
    if spec_type == 'float':
        return found in ('int', 'float', 'str')
    if spec_type == 'list':
        return found in ('list', 'str', 'empty', 'int', 'float')
    if spec_type == 'dict':
        return found in ('dict', 'str', 'empty')
    return True


def _value_fits(spec_type, found, value):
    """For values the role passes: a bool or int given as a string must convert."""
    if value is None:
        return True
    if spec_type == 'bool' and found == 'str':
        return str(value).strip().lower() in BOOLEAN_WORDS
    if spec_type == 'bool' and found == 'int':
        return value in (0, 1)
    if spec_type == 'int' and found == 'str':
        return re.match(r'^\s*[-+]?\d+\s*$', str(value)) is not None
    return True


def _is_set(entry):
    return isinstance(entry, dict) and entry.get('type') not in (None, 'null', 'empty')


def url_problem(value, setting, bare_host_allowed):
    """What is wrong with a host or URL setting, or None. Never quotes the value (it may hold user:password@)."""
    if not isinstance(value, str):
        return None
    text = value.strip()
    match = SCHEME.match(text)
    if match:
        if match.group(1).lower() not in ('http', 'https'):
            return Problem(setting, 'the scheme is neither https:// nor http://',
                           'write it as https://<host>[:port] (http:// only for a server without TLS)')
        if not text[match.end():].strip('/'):
            return Problem(setting, 'has a scheme but no host', 'write it as https://<host>[:port]')
        return None
    if re.match(r'^[A-Za-z]+:/*[^/]', text) and not HOST_PORT.match(text):
        return Problem(setting, 'the scheme is malformed (it needs "://")', 'write it as https://<host>[:port]')
    if not bare_host_allowed:
        return Problem(setting, 'has no scheme, so no request can be sent',
                       'write it as https://<host> (http:// only for a test server without TLS), for example https://api.clearip.com')
    if HOST_PORT.match(text):
        # A bare host name means https, as for the vendor binary; with a port it is usually a test
        # or lab server, where https-by-default ends in a TLS error whose real cause is the scheme.
        return Problem(setting, 'has a port but no scheme, so https:// would be assumed',
                       'write the scheme: https://<host>:<port>, or http://<host>:<port> for a server without TLS')
    if re.search(r'\s', text):
        return Problem(setting, 'contains white space', 'give the host name only, such as pbx.example.com')
    return None


class _Checker(object):
    def __init__(self, entry_point, config, variables, argument_specs, env_names, require_settings, other_names):
        self.entry_point = entry_point
        self.config = config or {}
        self.variables = variables or {}
        self.specs = (argument_specs or {})
        self.env_names = set(env_names or ())
        self.require_settings = require_settings
        self.other_names = list(other_names or ())
        self.problems = []
        # (section, key) that an unknown key of config.json looks like a misspelling of: that key's absence is the
        # same mistake, already reported with the unknown key, so check_completeness does not report it again.
        self.misspelled = set()

    def add(self, setting, problem, fix):
        self.problems.append(Problem(setting, problem, fix))

    # -- the role's own variables ------------------------------------------------------------
    def known_variables(self):
        """Every variable of every entry point: name -> option spec (the first entry point's wins)."""
        known = {}
        for entry in self.specs.values():
            for name, spec in ((entry or {}).get('options') or {}).items():
                known.setdefault(name, spec or {})
        return known

    def entry_options(self):
        return ((self.specs.get(self.entry_point) or {}).get('options') or {})

    def check_variables(self):
        known = self.known_variables()
        from_config = self.config_backed_variables()
        for name in sorted(self.variables):
            entry = self.variables[name] or {}
            if name not in known:
                self.add(name, 'not a variable of the role clearip.netsapiens.subscriber_sync%s' % did_you_mean(name, known),
                         'rename or remove it (ansible-doc -t role clearip.netsapiens.subscriber_sync lists them)')
                continue
            spec = known[name]
            found = entry.get('type')
            if name in from_config and from_config[name] == found:
                continue   # the value comes from config.json, whose own check names the key
            spec_type = spec.get('type', 'str')
            if not accepts(spec_type, found) or not _value_fits(spec_type, found, entry.get('value')):
                self.add(name, 'is %s, must be %s' % (TYPE_WORDS.get(found, found), TYPE_WORDS.get(spec_type, spec_type)),
                         'give it as %s' % TYPE_WORDS.get(spec_type, spec_type))
                continue
            choices = spec.get('choices')
            value = entry.get('value')
            if choices and value is not None and found not in ('null',) and value not in choices \
                    and str(value) not in [str(c) for c in choices]:
                self.add(name, 'must be one of %s%s' % (', '.join(str(c) for c in choices),
                                                        did_you_mean(str(value), [str(c) for c in choices])),
                         'set it to one of those')
        for name, spec in sorted(self.entry_options().items()):
            if (spec or {}).get('required') and not _is_set(self.variables.get(name)):
                self.add(name, 'is required by the %s entry point' % self.entry_point,
                         'set it (ansible-doc -t role clearip.netsapiens.subscriber_sync describes it)')

    def config_backed_variables(self):
        """Role variables whose value the defaults take from config.json: name -> type of that key."""
        backed = {}
        for section, keys in SECTIONS.items():
            given = self.config.get(section)
            if not isinstance(given, dict):
                continue
            for key in keys:
                if key.name in given:
                    backed[role_variable(section, key)] = (given[key.name] or {}).get('type')
        return backed

    # -- config.json ---------------------------------------------------------------------------
    def needed_apis(self):
        apis = APIS_OF_ENTRY_POINT.get(self.entry_point, ())
        if self.entry_point == 'cron':
            state = (self.variables.get('subscriber_sync_cron_state') or {}).get('value')
            if state == 'absent':
                return ()
        return apis

    def section_given(self, section):
        """Whether any source (config.json, role variables, environment) gives a setting of ``section``."""
        if section in self.config:
            return True
        for key in SECTIONS[section]:
            if _is_set(self.variables.get(role_variable(section, key))):
                return True
            if any(name in self.env_names for name in env_names_of(section, key)):
                return True
        return False

    def key_given(self, section, key):
        """Whether ``key`` is set in config.json, by its role variable, or in the environment."""
        given = self.config.get(section)
        if isinstance(given, dict) and _is_set(given.get(key.name)):
            return True
        if _is_set(self.variables.get(role_variable(section, key))):
            return True
        return any(name in self.env_names for name in env_names_of(section, key))

    def alternatives(self, section, key):
        others = [role_variable(section, key)] + env_names_of(section, key)
        return ' (or set %s)' % ' or '.join(others)

    def check_section_shape(self, section):
        given = self.config[section]
        if not isinstance(given, dict):
            self.add(section, 'is %s, must be an object of keys' % TYPE_WORDS.get(given, given),
                     'write it as "%s": {%s}' % (section, ', '.join('"%s": ...' % k.name for k in SECTIONS[section][:3])))
            return
        known = dict((k.name, k) for k in SECTIONS[section])
        for name in sorted(given):
            entry = given[name] or {}
            setting = '%s.%s' % (section, name)
            if name not in known:
                other = [s for s in SECTIONS if s != section and name in [k.name for k in SECTIONS[s]]]
                hint = did_you_mean(name, known, section + '.')
                if hint:
                    self.misspelled.add((section, closest(name, known)))
                if not hint and other:
                    hint = ' (%s.%s is a key of the %s section)' % (other[0], name, other[0])
                self.add(setting, 'is not a key of config.json that this collection reads%s' % hint,
                         'rename or remove it; the keys of %s are %s' % (section, ', '.join(k.name for k in SECTIONS[section])))
                continue
            key = known[name]
            found = entry.get('type')
            if found == 'null':
                continue
            if found == 'empty':
                self.add(setting, 'is empty', 'give %s, or remove the key' % key.what)
                continue
            # config.json is JSON: a string setting must be a JSON string (a number would reach the API converted).
            strict = found != 'str' if key.kind in ('str', 'path') else not accepts(key.kind, found) or found in ('list', 'dict')
            if strict or not _value_fits(key.kind, found, entry.get('value')):
                self.add(setting, 'is %s, must be %s' % (TYPE_WORDS.get(found, found), TYPE_WORDS[key.kind if key.kind != 'path' else 'str']),
                         'write it as %s (%s)' % ('true or false' if key.kind == 'bool' else 'a string in quotes', key.what))
                continue
            value = entry.get('value')
            if key.choices and value is not None and str(value) not in key.choices:
                self.add(setting, 'must be one of %s%s' % (', '.join(key.choices), did_you_mean(str(value), key.choices)),
                         'set it to one of those, or remove it (default auto)')
            if name in ('host', 'url'):
                problem = url_problem(value, setting, bare_host_allowed=(section == 'netsapiens'))
                if problem:
                    self.problems.append(problem)

    def check_urls_of_variables(self):
        for section, name in (('netsapiens', 'host'), ('clearip', 'url')):
            variable = 'subscriber_sync_%s_%s' % (section, name)
            entry = self.variables.get(variable) or {}
            backed = self.config_backed_variables()
            if variable in backed or not _is_set(entry):
                continue
            problem = url_problem(entry.get('value'), variable, bare_host_allowed=(section == 'netsapiens'))
            if problem:
                self.problems.append(problem)

    def check_completeness(self, section):
        """The keys a section needs, across config.json, role variables and the environment."""
        keys = dict((k.name, k) for k in SECTIONS[section])

        def missing(name):
            if (section, name) in self.misspelled:
                return   # reported as the misspelled key
            key = keys[name]
            self.add('%s.%s' % (section, name), 'is missing from config.json%s' % self.alternatives(section, key),
                     'add "%s": <%s> to the %s object of config.json' % (name, key.what, section))

        if section == 'netsapiens':
            if not self.key_given(section, keys['host']):
                missing('host')
            oauth = [name for name in OAUTH_KEYS if self.key_given(section, keys[name])]
            api_key = self.key_given(section, keys['apiKey'])
            if api_key and oauth:
                self.add('netsapiens.apiKey', 'is given together with %s' % ', '.join('netsapiens.' + n for n in oauth),
                         'keep either apiKey, or clientId, clientSecret, username and password')
            elif not api_key:
                if not oauth:
                    self.add('netsapiens', 'has neither clientId, clientSecret, username and password nor apiKey',
                             'add "clientId", "clientSecret", "username" and "password" (OAuth2), or "apiKey", to the netsapiens '
                             'object of config.json')
                for name in OAUTH_KEYS:
                    if oauth and name not in oauth:
                        missing(name)
        else:
            for name in ('email', 'password'):
                if not self.key_given(section, keys[name]):
                    missing(name)

    def check_config(self):
        for section in SECTIONS:
            if section in self.config:
                self.check_section_shape(section)
        self.check_urls_of_variables()
        needed = self.needed_apis()
        given = [section for section in needed if self.section_given(section)]
        if needed and not given and self.require_settings:
            close = []
            for section in needed:
                close.extend('%s (did you mean %s?)' % (m, section)
                             for m in difflib.get_close_matches(section, self.other_names, n=1, cutoff=0.7))
            self.add('config.json', 'no settings were given: no %s object, no %s variables, no %s environment variables%s'
                     % (' or '.join(needed), ' or '.join('subscriber_sync_%s_*' % s for s in needed),
                        ' or '.join('%s_*' % s.upper() for s in needed),
                        '; found %s' % ', '.join(close) if close else ''),
                     'run with -e @config.json, the vendor binary\'s settings file (see docs/migrating.md)')
            return
        for section in needed:
            if section in self.config and not isinstance(self.config[section], dict):
                continue   # already reported
            if section in given or self.require_settings:
                if section not in given:
                    self.add(section, 'config.json has no %s object, and no %s variable or %s environment variable is set'
                             % (section, 'subscriber_sync_%s_*' % section, '%s_*' % section.upper()),
                             'add "%s": {...} to config.json (see docs/migrating.md)' % section)
                    continue
                self.check_completeness(section)

    def run(self):
        if self.entry_point not in ENTRY_POINTS:
            self.add('entry point', 'unknown entry point', 'use one of %s' % ', '.join(ENTRY_POINTS))
            return self.problems
        self.check_config()
        self.check_variables()
        self.check_scheme()
        return self.problems

    def check_scheme(self):
        """The role's layer of the identifier scheme's check: ``no_resellers`` needs its one Service Provider.

        (Its choices are checked with the other variables; the module and the run check the scheme in their own terms.)
        """
        if self.entry_point not in SCHEME_ENTRY_POINTS:
            return
        scheme = (self.variables.get('subscriber_sync_identifier_scheme') or {}).get('value')
        if scheme == 'no_resellers' and not _is_set(self.variables.get('subscriber_sync_service_provider')):
            self.add('subscriber_sync_service_provider', 'is required when subscriber_sync_identifier_scheme is no_resellers',
                     'set it to the name of the one Service Provider every Group goes under, or use another scheme')


def check_settings(entry_point, config=None, variables=None, argument_specs=None, env_names=None,
                   require_settings=False, other_names=None):
    """The problems of the settings of one entry point of the role (see the module docstring).

    ``require_settings``: when true, giving no NetSapiens (or ClearIP) setting at all is a problem
    (the collection's playbooks); when false, such settings may come from ``module_defaults``,
    which the role cannot see, so only settings that are partly given are checked for completeness.
    ``other_names``: other variable names, to suggest one close to ``netsapiens`` or ``clearip``
    when that section is missing.
    """
    return _Checker(entry_point, config, variables, argument_specs, env_names, require_settings, other_names).run()


def summary(problems):
    """One line per problem, after a line that says nothing was sent."""
    if not problems:
        return 'the settings are complete'
    lines = ['%d problem(s) in config.json or the role variables; nothing was sent to NetSapiens or ClearIP:' % len(problems)]
    lines.extend('- %s' % p for p in problems)
    return '\n'.join(lines)


def argument_spec():
    """The options of the subscriber_sync_settings_check module (and its action plugin)."""
    return dict(
        entry_point=dict(type='str', default='main', choices=list(ENTRY_POINTS)),
        config=dict(type='dict'),
        variables=dict(type='dict'),
        argument_specs=dict(type='dict'),
        require_settings=dict(type='bool', default=False),
        other_variables=dict(type='list', elements='str'),
    )


def run_check(params, environ):
    """The module's result for ``params`` (validated options): ``{changed, problems, entry_point}``, plus ``msg``
    when there are problems. ``environ`` is where the sync's modules will run; only its names are used."""
    env_names = [name for name, value in environ.items() if name.startswith(('NETSAPIENS_', 'CLEARIP_')) and value]
    problems = check_settings(params['entry_point'], config=params['config'] or {}, variables=params['variables'] or {},
                              argument_specs=params['argument_specs'] or {}, env_names=env_names,
                              require_settings=params['require_settings'], other_names=params['other_variables'] or [])
    result = dict(changed=False, problems=[p.as_dict() for p in problems], entry_point=params['entry_point'])
    if problems:
        result['msg'] = summary(problems)
    return result
