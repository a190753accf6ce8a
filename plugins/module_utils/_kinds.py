# -*- coding: utf-8 -*-
# Copyright: (c) 2026, clearip.netsapiens contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The three ClearIP object kinds and the sync's tiers, named once. Internal use only.

A *kind* is what a message calls an object (``service provider``, ``group``, ``user``); a *tier*
is the key the sync, its results and its report use for all the objects of one kind
(``service_providers``, ``groups``, ``users``), in the order the tiers run. Wire names (paths,
envelopes, parent id fields) are the ClearIP client's, not this file's.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

SERVICE_PROVIDER = 'service provider'
GROUP = 'group'
USER = 'user'
KINDS = (SERVICE_PROVIDER, GROUP, USER)

# In the order they run: a tier's objects hang under the tier before it.
TIERS = ('service_providers', 'groups', 'users')
TIER_OF = dict(zip(KINDS, TIERS))
KIND_OF = dict(zip(TIERS, KINDS))
TIER_LABELS = {'service_providers': 'Service Providers', 'groups': 'Groups', 'users': 'Users'}

PARENT_KIND = {SERVICE_PROVIDER: None, GROUP: SERVICE_PROVIDER, USER: GROUP}
PARENT_TIER = {'groups': 'service_providers', 'users': 'groups'}
# The key that names an object's parent by name: in the create modules' options and items, the sync's
# plan items and the info modules' records (which also carry ``<key>_id``, the parent's id).
PARENT_KEY = {SERVICE_PROVIDER: None, GROUP: 'service_provider', USER: 'group'}
