# -*- coding: utf-8 -*-
# Copyright: (c) 2026, clearip.netsapiens contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Decisions drawn from an absence, and when a read that lacks too much is not believed. No I/O. Internal use only.

The sync decides from absences in three places: an object ClearIP does not list is created; an
object NetSapiens does not list is reported gone (the drift); a created object the closing listing
does not hold is a failed item. A read that lost objects by a glitch (an empty page, a source that
answers nothing) would make each of those wrong at scale: thousands of duplicates, or a drift report
that tells operators to delete everything. So, as other sync tools cap their deletes, a read that
lacks more than a share of what the other side (or the last run) holds is *suspect*: nothing is
decided from it, the run says so with the numbers and exits non-zero.

A read is suspect in a tier when it lacks more than ``minimum`` objects *and* more than ``share`` of
the ``held`` objects it was compared with (``AbsenceLimits``). Small platforms, where one removed
reseller is a large share, are not flagged unless the count is large too.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

from ansible_collections.clearip.netsapiens.plugins.module_utils._kinds import TIER_LABELS, TIERS

DEFAULT_SHARE = 0.2
DEFAULT_MINIMUM = 10


class AbsenceLimits(object):
    """``shares``: {tier: share of the objects compared, 0 to 1}; ``minimum``: objects that may always be missing."""

    def __init__(self, shares=None, minimum=DEFAULT_MINIMUM):
        self.shares = dict((tier, DEFAULT_SHARE) for tier in TIERS)
        self.shares.update(shares or {})
        self.minimum = int(minimum)

    def allowed(self, tier, held):
        """How many of ``held`` objects may be missing from a read before it is suspect."""
        return max(self.minimum, int(self.shares[tier] * held))

    def suspect(self, tier, held, missing):
        """A sentence naming the numbers when ``missing`` of ``held`` is too many, else None."""
        if held <= 0 or missing <= self.allowed(tier, held):
            return None
        return ('%d of %d %s (%.0f%%) are missing, more than the limit of %d (share %s, at least %d)'
                % (missing, held, TIER_LABELS[tier], 100.0 * missing / held, self.allowed(tier, held), self.shares[tier],
                   self.minimum))


def suspect_netsapiens_read(limits, drift_counts):
    """``[{tier, held, missing, reason}]`` of the tiers whose NetSapiens read lacks too much of what ClearIP holds in
    the sync's scope (the drift's ``gone`` against its ``in_scope``)."""
    found = []
    for tier in TIERS:
        counts = drift_counts[tier]
        reason = limits.suspect(tier, counts['in_scope'], counts['gone'])
        if reason:
            found.append({'tier': tier, 'side': 'netsapiens', 'held': counts['in_scope'], 'missing': counts['gone'],
                          'reason': 'NetSapiens does not list %s that ClearIP holds in the sync\'s scope: %s' % (
                              TIER_LABELS[tier], reason)})
    return found


def suspect_clearip_listing(limits, tier, listed, before, when=None):
    """The finding when ClearIP's listing of ``tier`` (``listed`` objects) lacks too much of the ``before`` it held
    (at the end of the last run, ``when``; or at the start of this one), else None."""
    if before is None:
        return None
    reason = limits.suspect(tier, before, before - listed)
    if not reason:
        return None
    return {'tier': tier, 'side': 'clearip', 'held': before, 'missing': before - listed,
            'reason': 'ClearIP lists %d %s where it held %d%s: %s' % (
                listed, TIER_LABELS[tier], before, ' (%s)' % when if when else '', reason)}
