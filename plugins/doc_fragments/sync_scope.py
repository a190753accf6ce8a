# -*- coding: utf-8 -*-
# Copyright: (c) 2026, clearip.netsapiens contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function
__metaclass__ = type


class ModuleDocFragment(object):
    """What the sync covers and how it names things, shared by the planning, drift and sync modules."""

    DOCUMENTATION = r'''
options:
  identifier_scheme:
    description:
      - How NetSapiens names become ClearIP names.
      - V(plain) (the vendor binary's) Service Provider = reseller, Group = domain, User = user@domain.
      - V(unique) Group = domain@reseller and User = user@domain@reseller, so a domain that moves to another reseller gets a new Group.
      - V(no_resellers) every Group goes under the one Service Provider O(service_provider); Group = domain, User = user@domain.
    type: str
    choices: [plain, unique, no_resellers]
    default: plain
  service_provider:
    description: The one Service Provider of the V(no_resellers) scheme. Required with it, ignored otherwise.
    type: str
  include_domains:
    description:
      - Shell-style patterns (case-sensitive); when given, only domains matching one of them are synced.
      - For the drift, Groups of other domains (and their Users) are out of scope.
    type: list
    elements: str
    default: []
  exclude_domains:
    description:
      - Shell-style patterns (case-sensitive); domains matching one of them are not synced.
      - For the drift, their Groups (and their Users) are out of scope.
    type: list
    elements: str
    default: []
'''
