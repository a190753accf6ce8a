# -*- coding: utf-8 -*-
# Copyright: (c) 2026, clearip.netsapiens contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Names: the ClearIP name rule, the identifier schemes and the sync's comment, without any I/O. Internal use only.

- ``name_problem`` / ``validate_name``: the ClearIP name rule (fewer than 256 characters of ASCII
  letters, digits, space and ``# * + @ . , - _``; the vendor's provisioning guide, contract "Names").
- ``IdentifierScheme``: how a NetSapiens reseller, domain and user become ClearIP Service Provider,
  Group and User names (schemes ``plain``, ``unique``, ``no_resellers``; contract "Identifier schemes").
- ``default_comment`` / ``is_sync_comment``: the comment the collection writes on what it creates.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import re

from ansible_collections.clearip.netsapiens.plugins.module_utils._urls import strip_userinfo

NAME_MAX_LENGTH = 255
NAME_SPECIAL_CHARACTERS = ' #*+@.,-_'
# ASCII letters only: the vendor guide says "letters" without naming an alphabet, and accepting
# a letter ClearIP then refuses would fail at write time instead of before any write.
_NAME_ALLOWED = re.compile(r'[A-Za-z0-9 #*+@.,\-_]')
_NAME_FULLY_ALLOWED = re.compile(r'[A-Za-z0-9 #*+@.,\-_]+\Z')  # \Z, not $: $ also matches before a final newline
NAME_RULE = ('fewer than 256 characters, drawn from ASCII letters, digits, space and %s'
             % ' '.join(NAME_SPECIAL_CHARACTERS.strip()))

SCHEMES = ('plain', 'unique', 'no_resellers')


def name_problem(name):
    """Why ``name`` is not a valid ClearIP name, or None when it is."""
    if name is None or not isinstance(name, str):
        return 'name must be a string, got %s' % type(name).__name__
    if name == '':
        return 'name is empty'
    if len(name) > NAME_MAX_LENGTH:
        return 'name has %d characters; ClearIP allows at most %d' % (len(name), NAME_MAX_LENGTH)
    if not _NAME_FULLY_ALLOWED.match(name):
        bad = []
        for char in name:
            if not _NAME_ALLOWED.match(char) and char not in bad:
                bad.append(char)
        return ('name has characters that ClearIP does not allow: %s (allowed: ASCII letters, digits, space and %s)'
                % (', '.join(repr(c) for c in bad), ' '.join(NAME_SPECIAL_CHARACTERS.strip())))
    return None


def validate_name(kind, name):
    """An error message naming the object kind, the name and the rule, or None when ``name`` is valid.

    ``kind`` is what a person calls the object, e.g. ``domain`` or ``group``.
    """
    problem = name_problem(name)
    if problem is None:
        return None
    return '%s %s: %s' % (kind, quote_name(name), problem)


def quote_name(value):
    if isinstance(value, str):
        return "'%s'" % value
    return repr(value)


class SchemeError(ValueError):
    """An identifier scheme was asked for something it cannot do."""


class IdentifierScheme(object):
    """The names ClearIP objects get from NetSapiens records.

    =============  ================  ==================  =======================
    scheme         Service Provider  Group               User ID and User name
    =============  ================  ==================  =======================
    plain          reseller          domain              user@domain
    unique         reseller          domain@reseller     user@domain@reseller
    no_resellers   one fixed name    domain              user@domain
    =============  ================  ==================  =======================
    """

    def __init__(self, scheme='plain', service_provider=None):
        if scheme not in SCHEMES:
            raise SchemeError('unknown identifier scheme %r; expected one of %s' % (scheme, ', '.join(SCHEMES)))
        if scheme == 'no_resellers' and not service_provider:
            raise SchemeError('the no_resellers identifier scheme needs the name of its one Service Provider')
        self.scheme = scheme
        self.fixed_service_provider = service_provider if scheme == 'no_resellers' else None

    @property
    def uses_resellers(self):
        return self.scheme != 'no_resellers'

    def service_provider_name(self, reseller):
        """The Service Provider that holds the domains of ``reseller``."""
        if self.scheme == 'no_resellers':
            return self.fixed_service_provider
        return reseller

    def group_name(self, domain, reseller=None):
        if self.scheme == 'unique':
            if not reseller:
                raise SchemeError('the unique identifier scheme needs the reseller of domain %s' % quote_name(domain))
            return '%s@%s' % (domain, reseller)
        return domain

    def group_service_provider(self, domain, reseller=None):
        """The name of the Service Provider the Group of ``domain`` belongs under."""
        if self.scheme == 'no_resellers':
            return self.fixed_service_provider
        if not reseller:
            raise SchemeError('domain %s has no reseller' % quote_name(domain))
        return reseller

    def user_id(self, user, domain, reseller=None):
        """The User ID, which is what NetSapiens sends as X-User-Id."""
        if self.scheme == 'unique':
            if not reseller:
                raise SchemeError('the unique identifier scheme needs the reseller of domain %s' % quote_name(domain))
            return '%s@%s@%s' % (user, domain, reseller)
        return '%s@%s' % (user, domain)

    def user_name(self, user, domain, reseller=None):
        return self.user_id(user, domain, reseller)

    def user_group(self, domain, reseller=None):
        """The name of the Group the Users of ``domain`` belong under."""
        return self.group_name(domain, reseller)

    def header_value_template(self):
        """The X-User-Id value as NetSapiens placeholders would spell it, for documentation."""
        if self.scheme == 'unique':
            return '<user>@<domain>@<reseller>'
        return '<user>@<domain>'


def default_comment(source=None):
    """The comment of objects the collection creates, so operators can tell them apart."""
    # A user:password@ in the source URL must never be stored in ClearIP.
    source = strip_userinfo(source)
    if source:
        return 'Created by clearip.netsapiens sync from %s' % source
    return 'Created by clearip.netsapiens sync'


def is_sync_comment(comment):
    """True when ``comment`` is one ``default_comment`` writes (with or without a source)."""
    if not isinstance(comment, str):
        return False
    return comment == SYNC_COMMENT or comment.startswith(SYNC_COMMENT_FROM)


SYNC_COMMENT = default_comment()
SYNC_COMMENT_FROM = SYNC_COMMENT + ' from '
