# -*- coding: utf-8 -*-
# Copyright: (c) 2026, clearip.netsapiens contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The filter ``clearip.netsapiens.without_userinfo``: a URL or host without a ``user:password@``.

The role passes hosts and URLs through it wherever they leave the controller as data (the settings
check, the report), with the same function the modules use (``module_utils/_urls.py``).
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

from ansible_collections.clearip.netsapiens.plugins.module_utils._urls import strip_userinfo


def without_userinfo(value):
    """``value`` without its userinfo when it is a string; anything else comes back unchanged."""
    return strip_userinfo(value)


class FilterModule(object):

    def filters(self):
        return {'without_userinfo': without_userinfo}
