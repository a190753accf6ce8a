# -*- coding: utf-8 -*-
# Copyright: (c) 2026, clearip.netsapiens contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function
__metaclass__ = type


class ModuleDocFragment(object):

    # Every module: where it runs.
    DOCUMENTATION = r'''
options: {}
attributes:
  platform:
    description: Runs on the host the task targets, on any POSIX system, with Python 3.8 or newer.
    support: full
    platforms: posix
'''

    # The modules that only read (clearip.netsapiens.attributes.info_module).
    INFO_MODULE = r'''
options: {}
attributes:
  check_mode:
    support: full
    description: The module only reads, so it runs normally in check mode.
  diff_mode:
    support: none
    description: The module changes nothing, so there is no difference to show.
'''
