# -*- coding: utf-8 -*-
# Copyright: (c) 2026, clearip.netsapiens contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Applying one tier: plan it against ClearIP's listings, create what is missing, confirm. Internal use only.

``apply_tier`` is the step both paths share: the sync (``_sync_run``), which lists every tier once
in the background and hands the listings over, and the create modules (``run_tier``), which list
their own tier and its parent first. The decision is ``_sync_plan.plan_tier``'s (no I/O); this file
turns the ClearIP listings into its inputs, sends the creates through the client, and lists the tier
again to prove that nothing this run created exists twice.

Listings are ``_clearip_records.listed`` records: ``{id, name, comment, parent_id, user_id}``.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

from ansible_collections.clearip.netsapiens.plugins.module_utils._clearip import ACTIVE, CREATED, FOUND, STOPPED, UNKNOWN
from ansible_collections.clearip.netsapiens.plugins.module_utils._clearip_errors import ClearIPError, error_message
from ansible_collections.clearip.netsapiens.plugins.module_utils._clearip_records import create_job, listing_shape
from ansible_collections.clearip.netsapiens.plugins.module_utils._http import HttpError
from ansible_collections.clearip.netsapiens.plugins.module_utils._kinds import PARENT_KEY, PARENT_KIND, TIER_OF, USER
from ansible_collections.clearip.netsapiens.plugins.module_utils._sync_absence import AbsenceLimits, suspect_clearip_listing
from ansible_collections.clearip.netsapiens.plugins.module_utils._sync_naming import default_comment
from ansible_collections.clearip.netsapiens.plugins.module_utils._sync_plan import plan_tier

# At most this many lines of names (and their parents) in a diff, so that a dry run of 10,000 Users
# prints a screenful, not 10,000 lines; the report lists every name.
DIFF_MAX_LINES = 30


def run_tier(client, kind, desired, check_mode=False, pending_parents=None, comment_source=None,
             return_objects=True, want_diff=False, progress=None, lock=None):
    """List the parent tier and this tier, then ``apply_tier``; returns the create module's result dict.

    ``progress`` (a ``_progress.ProgressLog``, optional) gets a line when the listing starts and follows the creates.
    ``lock``: None, or an ``_clearip_lock.AccountLock`` taken after the operator is known and before
    anything is listed (not in check mode), so that what is listed stays true while this run creates.
    """
    parent_kind = PARENT_KIND[kind]
    if progress is not None:
        progress.note('%d requested; listing what ClearIP holds' % len(desired))
    client.resolve_operator()
    if lock is not None and not check_mode:
        lock.acquire(client)
    parent_records = client.list(parent_kind, shape=listing_shape(parent_kind)) if parent_kind is not None else None
    records = client.list(kind, shape=listing_shape(kind))
    result, dummy = apply_tier(client, kind, desired, records, parent_records, check_mode=check_mode,
                               pending_parents=pending_parents, comment_source=comment_source,
                               return_objects=return_objects, want_diff=want_diff, progress=progress)
    return result


def apply_tier(client, kind, desired, records, parent_records=None, check_mode=False, pending_parents=None,
               comment_source=None, return_objects=True, want_diff=False, progress=None, held_back=None, limits=None,
               held_by_name=None, hand_over=False):
    """Plan one tier against listings already made, and (unless ``check_mode``) create what is missing.

    ``desired``: items ``{name, parent, comment, user_id}`` (``parent`` the parent's name);
    ``records``: the tier's listing; ``parent_records``: the parent tier's (None for Service Providers),
    including any parent this run created, since a child's create needs its parent's id. ``held_back``:
    ``{parent name: why}`` of parents that failed, whose children fail with that reason without being
    planned (per-parent gating). ``limits``: ``_sync_absence.AbsenceLimits`` for the closing listing (None:
    the defaults). ``held_by_name``: how the creates are confirmed (``confirm_tier``; default: the tier listed
    again; a targeted run's exact lookups, ``_sync_lookups``). ``hand_over``: the caller is done with ``desired``,
    which is emptied once planned (the plan and the create jobs hold what the creates need: 100,000 desired
    Users need not be held through the creates and the closing listing). The caller holds the account lock from
    before the listings until after this returns.

    Returns ``(result, created records)``: the result dict (``changed``, ``created`` names, ``existing`` count,
    ``failed_items``, ``outcome_unknown``; ``proposed``/``end_state`` with ``return_objects``; ``operator``;
    ``diff`` with ``want_diff``; ``stopped`` when the run stopped during the creates) and the objects created
    as listed records (none in check mode, where the next tier takes ``pending_parents`` instead), for the
    next tier's ``parent_records``. Raises ``SuspectListing`` when the closing listing lacks too much.
    """
    given = desired
    desired, failed = _hold_back(kind, desired, held_back)
    plan, parent_ids_by_name = _plan(kind, desired, records, parent_records, pending_parents if check_mode else ())
    if hand_over:
        del given[:]
        desired = None
    default = default_comment(comment_source)
    proposed = [_predicted(kind, item, item.get('comment') or default) for item in plan.to_create] if return_objects else None
    failed.extend(plan.failed)
    stopped = None
    if check_mode:
        created, unknown = [], []
        created_names = plan.created_names
        end_state = proposed
    else:
        # Without return_objects (the sync of 100,000 Users) each created object is kept as a listed record,
        # what the next tier and the drift read, not as the whole answer.
        shape = None if return_objects else listing_shape(kind)
        jobs = _jobs(kind, plan, parent_ids_by_name, default, keep_plan=want_diff)
        created, unknown, create_failed, stopped = _create(client, kind, jobs, shape, progress,
                                                           len(records) if held_by_name is None else None,
                                                           limits or AbsenceLimits(), held_by_name)
        failed.extend(create_failed)
        created_names = [job['name'] for job, record in created]
        end_state = [record for job, record in created]
    result = {'changed': bool(created_names), 'created': created_names, 'existing': len(plan.existing),
              'failed_items': failed, 'outcome_unknown': [job['name'] for job, error in unknown]}
    if stopped:
        result['stopped'] = stopped
    if return_objects:
        result['proposed'] = proposed
        result['end_state'] = end_state
    if client.operator_id:
        result['operator'] = {'id': client.operator_id, 'name': client.operator_name}
    if want_diff:
        parent_of = dict((item['name'], item.get('parent')) for item in plan.to_create or ())
        result['diff'] = name_diff(kind, plan.existing_names, created_names, parent_of)
    return result, [] if check_mode else end_state


def _hold_back(kind, desired, held_back):
    """(the desired items whose parent did not fail, failed items for the others)."""
    if not held_back:
        return desired, []
    kept, failed = [], []
    for item in desired:
        why = held_back.get(item.get('parent'))
        if why is None:
            kept.append(item)
        else:
            failed.append({'name': item.get('name'), 'reason': '%s %r: held back, because its %s %r failed: %s'
                           % (kind, item.get('name'), PARENT_KIND[kind], item.get('parent'), why)})
    return kept, failed


def _plan(kind, desired, records, parent_records, pending_parents):
    """(``plan_tier``'s plan, parent ids by parent name) from the listings."""
    parent_names_by_id = {}
    parent_ids_by_name = {}
    for record in parent_records or ():
        parent_names_by_id[record.get('id')] = record.get('name')
        parent_ids_by_name.setdefault(record.get('name'), []).append(record.get('id'))

    def holding(record):
        parent_id = record.get('parent_id')
        if PARENT_KIND[kind] is None or parent_id is None:
            return record.get('name'), None
        return record.get('name'), parent_names_by_id.get(parent_id, '(unknown id %s)' % parent_id)

    held_user_ids = None
    if kind == USER:
        held_user_ids = {}
        # Only the User IDs a User to be created would take matter (plan_tier); a no-change run has none,
        # so 100,000 held Users cost no second index.
        held_names = set(record.get('name') for record in records)
        wanted_ids = set(item.get('user_id') or item.get('name') for item in desired if item.get('name') not in held_names)
        del held_names
        for record in records:
            user_id = record.get('user_id')
            if user_id in wanted_ids and isinstance(user_id, str) and user_id.strip():
                held_user_ids.setdefault(user_id, []).append(holding(record))
    plan = plan_tier(kind, desired, (holding(record) for record in records),
                     parents=[record.get('name') for record in parent_records or ()],
                     pending_parents=pending_parents or (), held_user_ids=held_user_ids)
    return plan, parent_ids_by_name


def _jobs(kind, plan, parent_ids_by_name, default, keep_plan):
    jobs = []
    for item in plan.to_create:
        parent_id = parent_ids_by_name[item['parent']][0] if PARENT_KIND[kind] is not None else None
        jobs.append(create_job(item['name'], parent_id, item.get('comment') or default, item.get('user_id')))
    if not keep_plan:
        plan.to_create = None   # the jobs say it all; 100,000 Users need not be held twice
    return jobs


def _create(client, kind, jobs, shape, progress, opening, limits, held_by_name=None):
    """Send the creates, resolve the unknown ones, confirm by a fresh listing: ``(created, unknown, failed, stopped)``.

    ``created``: ``(job, record)`` pairs ClearIP lists once under their parent after the creates; ``unknown``:
    ``(job, message)`` of creates whose outcome stayed unknown; ``failed``: failed items; ``stopped``: why the run
    stopped during the creates (then nothing is resolved or confirmed: what ClearIP acknowledged is reported as
    created, and the next run's listing tells the rest), or None.
    """
    acknowledged, unknown, failed, stopped = _sort(kind, client.create_many(kind, jobs, progress=progress, shape=shape))
    if stopped is None and unknown:
        found, resend, lookup_failed = _resolve_unknown(client, kind, unknown)
        acknowledged.extend(found)
        failed.extend(lookup_failed)
        again = []
        if resend:
            more, again, resend_failed, stopped = _sort(kind, client.create_many(kind, resend, shape=shape))
            acknowledged.extend(more)
            failed.extend(resend_failed)
        unknown = again
    if stopped is not None:
        return acknowledged, unknown, failed, stopped
    listed_records = shape is not None
    if listed_records:
        # The closing listing's records (the same shape) stand for the answers', which go before it is read: else a
        # first sync holds every created User twice while the tier is listed again, its peak of memory
        # (docs/performance.md). Only the id stays, for a failure message.
        acknowledged = [(job, _id(record)) for job, record in acknowledged]
    created, confirm_failed, unknown = confirm_tier(client, kind, acknowledged, unknown, opening=opening, limits=limits,
                                                    held_by_name=held_by_name, listed_records=listed_records)
    return created, unknown, failed + confirm_failed, None


def _sort(kind, results):
    """``create_many``'s results as (acknowledged ``(job, record)``, unknown ``(job, message)``, failed items, why the run
    stopped or None)."""
    acknowledged, unknown, failed, stopped = [], [], [], None
    for job, outcome, record, message in results:
        if outcome in (CREATED, FOUND):
            acknowledged.append((job, record))
        elif outcome == UNKNOWN:
            unknown.append((job, message))
        elif outcome == STOPPED:
            stopped = stopped or message
            failed.append({'name': job['name'], 'reason': '%s %r: %s' % (kind, job['name'], message)})
        else:
            failed.append({'name': job['name'], 'reason': '%s %r: create failed: %s' % (kind, job['name'], message)})
    return acknowledged, unknown, failed, stopped


def _resolve_unknown(client, kind, unknown):
    """The creates whose outcome is unknown, resolved: ``(found (job, record), jobs to send once more, failed items)``.

    After ``client.unknown_outcome_grace`` seconds (longer than a request may take, so a commit still in flight
    has landed), each name is looked up: found under its parent, the create happened; found elsewhere or twice,
    it fails naming them; absent, it did not happen, and is sent once more (``_create``).
    """
    client.wait(client.unknown_outcome_grace)
    found, resend, failed = [], [], []
    for job, message in unknown:
        try:
            record = client.lookup(kind, job['name'], job.get('parent_id'), 'after an unknown outcome (%s)' % message)
        except (ClearIPError, HttpError) as exc:
            failed.append({'name': job['name'], 'reason': error_message(exc)})
            continue
        if record is None:
            resend.append(job)
        else:
            found.append((job, record))
    return found, resend, failed


def _predicted(kind, item, comment):
    parent_key = PARENT_KEY[kind]
    out = {'name': item['name'], 'status': ACTIVE, 'comment': comment}
    if parent_key:
        out[parent_key] = item['parent']
    if kind == USER:
        out['user_id'] = item.get('user_id') if item.get('user_id') is not None else item['name']
    return out


class SuspectListing(ClearIPError):
    """A listing lacked too much of what ClearIP held (``_sync_absence``): nothing was decided from it."""

    def __init__(self, finding):
        super(SuspectListing, self).__init__(finding['reason'] + '; nothing was judged from that listing')
        self.finding = finding


def confirm_tier(client, kind, created, unknown, opening=None, limits=None, held_by_name=None, listed_records=False):
    """Check, by listing the tier again, that each object this run created is held once, under its parent.

    Only ClearIP's own listing proves a create. ``created``: ``(job, record)`` pairs ClearIP acknowledged (or a
    lookup found); ``unknown``: ``(job, message)`` pairs of creates whose outcome stayed unknown. Returns
    ``(created, failed items, still unknown)``: listed once under its parent (names compared exactly), it is
    created; listed twice, a failed item names the duplicate (the run never ends successfully with one);
    listed under another parent, a failed item; acknowledged but not listed, a failed item that says so (the
    next run creates it, once); unknown and not listed, still unknown. ``opening``: how many objects the
    tier's listing before the creates held: a closing listing that lacks more than ``limits`` allow of them
    raises ``SuspectListing`` instead, since then its absences prove nothing. ``held_by_name(client, kind, asked)``:
    ``(name -> records, how many objects the tier holds or None)``; default ``_held_by_name``, a fresh listing.
    ``listed_records``: each confirmed pair carries the record as listed, not as acknowledged (then the acknowledged
    "record" may be only its id).
    """
    if not created and not unknown:
        return created, [], unknown
    asked = set(job['name'] for job, dummy in created) | set(job['name'] for job, dummy in unknown)
    held, listed = (held_by_name or _held_by_name)(client, kind, asked)
    if opening is not None and listed is not None:
        finding = suspect_clearip_listing(limits or AbsenceLimits(), TIER_OF[kind], listed, opening + len(created),
                                          '%d before this run\'s creates, and %d it acknowledged' % (opening, len(created)))
        if finding:
            raise SuspectListing(finding)
    failed, confirmed, still_unknown = [], [], []
    for job, record in created:
        records = held(job['name'])
        problem = _held_problem(kind, job, records)
        if problem:
            failed.append(problem)
        elif records:
            confirmed.append((job, records[0] if listed_records else record))
        else:
            failed.append({'name': job['name'], 'reason': (
                '%s %r: ClearIP acknowledged the create%s but does not list it after the creates, so it is not counted '
                'as created; the next run creates it (once)' % (kind, job['name'], _id_of(record)))})
    for job, message in unknown:
        records = held(job['name'])
        problem = _held_problem(kind, job, records)
        if problem:
            failed.append(problem)
        elif records:
            confirmed.append((job, records[0]))
        else:
            still_unknown.append((job, message))
            failed.append({'name': job['name'], 'reason': '%s; not listed after the creates: the next run finds or '
                                                          'creates it' % message})
    return confirmed, failed, still_unknown


def _id(record):
    """The id of an acknowledged record (a record, or already its id)."""
    return record.get('id') if hasattr(record, 'get') else record


def _id_of(record):
    record_id = _id(record)
    return ' (id %s)' % record_id if record_id else ''


def _held_problem(kind, job, records):
    """A failed item when the listing holds ``job``'s name twice or under another parent, else None."""
    if len(records) > 1:
        return _duplicate(kind, job, records)
    if records and PARENT_KIND[kind] is not None and records[0].get('parent_id') != job.get('parent_id'):
        return {'name': job['name'], 'reason': '%s %r: it exists under another %s (id %s), not the one this run asked for'
                                               % (kind, job['name'], PARENT_KIND[kind], records[0].get('parent_id'))}
    return None


def _held_by_name(client, kind, asked):
    """(``name -> [listed records of that name]`` for the names ``asked``, how many objects the listing held),
    from a fresh listing of the tier; names compared exactly."""
    # One record per name, and a list only for a name held more than once (100,000 names may be asked).
    first = {}
    again = {}
    listed = 0
    for record in client.list(kind, shape=listing_shape(kind)):
        listed += 1
        name = record.get('name')
        if name not in asked:
            continue
        if name in first:
            again.setdefault(name, [first[name]]).append(record)
        else:
            first[name] = record
    return (lambda name: again.get(name) or ([first[name]] if name in first else [])), listed


def _duplicate(kind, job, records):
    ids = ', '.join(str(r.get('id')) for r in records)
    return {'name': job['name'], 'reason': '%s %r exists %d times in ClearIP after this run (ids %s): a duplicate. Keep one '
                                           'and delete the others in ClearIP; another sync of the same ClearIP account '
                                           'from another machine is the likely cause' % (kind, job['name'], len(records), ids)}


def name_diff(kind, existing_names, created_names, parent_of=None, max_lines=DIFF_MAX_LINES):
    """The diff of one tier: how many requested objects exist, then the new names grouped by parent.

    ``parent_of`` maps a created name to its parent's name (None for Service Providers). Parents
    are sorted and so are the names under each. After ``max_lines`` lines (names and parent
    headings) the rest is one line that says how many names (and parents) are not shown.
    Returns ``{'before', 'after', 'before_header', 'after_header'}`` as Ansible's diff wants it.
    """
    parent_of = parent_of or {}
    parent_kind = PARENT_KIND[kind]
    by_parent = {}
    for name in created_names:
        by_parent.setdefault(parent_of.get(name), []).append(name)
    parents = sorted(by_parent, key=lambda parent: (parent is not None, parent or ''))
    lines = []
    shown = 0
    shown_parents = 0
    for parent in parents:
        if len(lines) >= max_lines - (1 if parent_kind is not None else 0):
            break   # room for a heading and at least one name under it
        if parent_kind is not None:
            lines.append('in %s %s:' % (parent_kind, parent))
        shown_parents += 1
        for name in sorted(by_parent[parent]):
            if len(lines) >= max_lines:
                break
            lines.append('  %s' % name if parent_kind is not None else name)
            shown += 1
    left = len(created_names) - shown
    if left:
        more_parents = len(parents) - shown_parents
        lines.append('... and %d more new %ss%s not shown; the result (and the sync\'s report) lists them all'
                     % (left, kind, ' (under %d more %ss)' % (more_parents, parent_kind) if more_parents and parent_kind else ''))
    count = '%d requested %ss exist' % (len(existing_names), kind)
    header = 'ClearIP %ss (of those requested)' % kind
    return {'before': count + '\n', 'after': ''.join('%s\n' % line for line in [count] + lines),
            'before_header': header, 'after_header': header}


def failure_message(kind, result, total):
    """The create module's message when items failed: how many, and the first five reasons."""
    failed = result['failed_items']
    shown = '; '.join(item['reason'] for item in failed[:5])
    more = ' (and %d more, see failed_items)' % (len(failed) - 5) if len(failed) > 5 else ''
    return '%d of %d %ss could not be done: %s%s' % (len(failed), total, kind, shown, more)
