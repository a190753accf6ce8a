# -*- coding: utf-8 -*-
# Copyright: (c) 2026, clearip.netsapiens contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What a failed ClearIP call is and how it reads: the client's exceptions, why a login was refused
(by the server's words and status, docs.clearip.com/api/user-authentication and the vendor's
provisioning guide) and the server's own message. Internal use only; no I/O.

Kept apart from the client (``_clearip``) because the sync's steps and the modules catch and word these
without needing the client itself.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import json

# Why a login was refused, by words of the server's message, most specific first: the IP message
# also says "password" (one-time password), so it must be tried before the temporary password.
LOGIN_REFUSALS = (
    ('account_locked', ('locked', 'too many'), (423,),
     'the account is locked after too many failed logins: an administrator must unlock it in the ClearIP portal. '
     'This collection never retries a refused login, so it does not add to the count'),
    ('ip_not_whitelisted', ('whitelist', 'white list', 'allowlist', 'ip address', 'one-time', 'one time'), (),
     "this machine's IP address is not in the account's IP whitelist: add it in the ClearIP portal "
     '(the whitelist is the only way past the one-time password for an API account)'),
    ('eula_not_accepted', ('eula', 'license agreement', 'licence agreement', 'terms of'), (),
     'the account has not accepted the EULA: log in to the ClearIP portal once with this account and accept it'),
    ('temporary_password', ('temporary', 'change your password', 'password change', 'new password', 'expired password'), (),
     'the account still has its temporary password: log in to the ClearIP portal with this account and set a permanent password'),
    ('wrong_credentials', ('invalid email', 'invalid password', 'wrong', 'incorrect', 'credentials', 'unknown user',
                           'invalid username', 'email or password'), (401,),
     'wrong email or password: check the email and password options (or CLEARIP_EMAIL and CLEARIP_PASSWORD)'),
)
LOGIN_REFUSAL_FALLBACK = ('refused', 'check that the machine IP is whitelisted, the EULA is accepted and the temporary password was replaced '
                          '(all in the ClearIP portal), and that email and password are right')
OPERATOR_REQUIRED_WORDS = ('operator is required', 'operator required', 'must name the operator')


class ClearIPError(Exception):
    """A ClearIP call failed; ``message`` says what and what to do, never a secret."""

    def __init__(self, message):
        super(ClearIPError, self).__init__(message)
        self.message = message

    def __str__(self):
        return self.message


class ClearIPLoginError(ClearIPError):
    """Logging in to ClearIP failed (refused, or no usable answer): the run cannot go on with this account."""


class LoginRefused(ClearIPLoginError):
    """ClearIP refused the login; ``reason`` is one of the LOGIN_REFUSALS keys or ``refused``."""

    def __init__(self, message, reason, status=None):
        super(LoginRefused, self).__init__(message)
        self.reason = reason
        self.status = status


def explain_login_refusal(status, server_message):
    """(reason key, what to fix) for a refused login, from its status and the server's words."""
    text = (server_message or '').lower()
    for key, words, statuses, fix in LOGIN_REFUSALS:
        if any(word in text for word in words):
            return key, fix
    for key, words, statuses, fix in LOGIN_REFUSALS:
        if status in statuses:
            return key, fix
    return LOGIN_REFUSAL_FALLBACK


def server_message(text):
    """The ``message`` (or ``error``) of a JSON error body, else the body itself, shortened."""
    try:
        body = json.loads(text or '')
    except ValueError:
        body = None
    if isinstance(body, dict):
        for key in ('message', 'error', 'detail', 'msg'):
            value = body.get(key)
            if isinstance(value, str) and value:
                return value[:500]
    return ' '.join((text or '').split())[:300]


def error_message(exc):
    """The message of a ClearIP failure, with the fix when the server asks for an operator."""
    excerpt = getattr(exc, 'body_excerpt', None)   # an _http.HttpError's start of the answer's body
    if excerpt:
        message = server_message(excerpt)
        if message and any(word in message.lower() for word in OPERATOR_REQUIRED_WORDS):
            return '%s; this ClearIP account is not tied to one operator: set the operator option (name or id)' % exc.message
    return str(exc)
