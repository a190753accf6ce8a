# -*- coding: utf-8 -*-
# Copyright: (c) 2026, clearip.netsapiens contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""URL hiding, in one place: what of a URL may be used, stored or shown. Internal use only.

Credentials written into a URL (the RFC 3986 *userinfo*, ``user:password@``) never go further.
An operator may paste ``http://proxyuser:PASSWORD@pbx.example:8080`` as the NetSapiens host or the
ClearIP url. Both APIs authenticate with a Bearer token, so the userinfo has no use here: requests
would not send it anyway (a session-level ``auth`` is set in ``_http``, and requests takes a
URL's userinfo only when no auth is set; it also strips it from the request line and the proxy
URL), and kept in the URL it would reach every ClearIP object's comment, messages and ``invocation``.
So every module strips it from its URL options before anything else (``_module.CollectionModule``),
treats it as a secret (``no_log_values``) and warns that it was ignored, naming the option but never the value.
Proxy credentials belong in the ``HTTPS_PROXY``/``HTTP_PROXY`` environment variables, which requests reads.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import re

try:
    from urllib.parse import unquote, urlsplit, urlunsplit
except ImportError:  # pragma: no cover - Python 2 is not supported, this keeps the sanity import test quiet
    from urllib import unquote  # type: ignore
    from urlparse import urlsplit, urlunsplit  # type: ignore

# [scheme://]userinfo@rest, where userinfo holds no '/', '?' or '#' (which would end the authority);
# the last '@' of the authority ends the userinfo, as RFC 3986 reads it.
_USERINFO = re.compile(r'^(?P<scheme>[A-Za-z][A-Za-z0-9+.\-]*://)?(?P<userinfo>[^/?#]*)@(?P<rest>.*)$', re.S)


def split_userinfo(url):
    """``(url without its userinfo, userinfo or None)``; a value that is not a string comes back unchanged.

    ``http://u:p@h:8080/x`` -> ``('http://h:8080/x', 'u:p')``; ``u:p@h`` (no scheme) -> ``('h', 'u:p')``.
    Surrounding whitespace is kept as given (the clients strip it).
    """
    if not isinstance(url, str) or '@' not in url:
        return url, None
    match = _USERINFO.match(url.strip())
    if not match:
        return url, None
    return (match.group('scheme') or '') + match.group('rest'), match.group('userinfo')


def strip_userinfo(url):
    """The URL without its userinfo (for the clients and for anything shown or stored)."""
    return split_userinfo(url)[0]


def userinfo_secrets(userinfo):
    """The strings of a userinfo to hide wherever they would appear: the whole of it and its password,
    as given and percent-decoded. The user name alone is not listed: hiding a common word such as
    ``admin`` everywhere would garble output, and without its password it opens nothing."""
    if not userinfo:
        return set()
    secrets = set([userinfo, unquote(userinfo)])
    if ':' in userinfo:
        password = userinfo.split(':', 1)[1]
        secrets.update([password, unquote(password)])
    else:
        # No colon: the whole userinfo may be a token.
        secrets.add(unquote(userinfo))
    return set(s for s in secrets if s)


def shown_url(value):
    """A host name or URL as reports, comments and lock keys show it: without userinfo, query or fragment.

    ``https://user:pw@h:8443/x?token=t`` -> ``https://h:8443/x``; a bare host name comes back as it is; None stays None.
    """
    if value is None:
        return None
    text = str(value).strip()
    match = re.match(r'^([A-Za-z][A-Za-z0-9+.-]*://)?([^/?#]*)([^?#]*)', text)
    scheme, authority, path = match.group(1) or '', match.group(2), match.group(3)
    if '@' in authority:
        authority = authority.rsplit('@', 1)[1]
    return scheme + authority + path


HIDDEN = '********'


def shown_post_url(url):
    """An event post URL as results and diffs show it: its last path segment and its query hidden, since the
    only secret a NetSapiens post can carry is in its URL (contract, Event subscriptions)."""
    parts = urlsplit(url or '')
    path = parts.path
    if path.strip('/'):
        path = path.rstrip('/').rsplit('/', 1)[0] + '/' + HIDDEN
    return urlunsplit((parts.scheme, parts.netloc, path, HIDDEN if parts.query else '', ''))
