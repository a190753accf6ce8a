# -*- coding: utf-8 -*-
# Copyright: (c) 2026, clearip.netsapiens contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function
__metaclass__ = type


class ModuleDocFragment(object):

    # The dest option of the modules that read records (clearip.netsapiens.records_dest).
    DOCUMENTATION = r'''
options:
  dest:
    description:
      - Write the records as a JSON list to this file (mode C(0600), replaced atomically) instead of returning them, and
        return its path in RV(dest) and their number in RV(count).
      - For large platforms (say 100,000 users), so that the records need not pass through Ansible variables.
      - The file is written in check mode too, because it is the module's output, not a change to a managed system.
    type: path
'''
