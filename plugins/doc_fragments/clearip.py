# -*- coding: utf-8 -*-
# Copyright: (c) 2026, clearip.netsapiens contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function
__metaclass__ = type


class ModuleDocFragment(object):

    # How to reach and log in to ClearIP (clearip.netsapiens.clearip).
    DOCUMENTATION = r'''
options:
  url:
    description:
      - Base URL of the ClearIP API.
      - A user name and password written into it (C(https://user:password@api.clearip.com)) are removed and never sent,
        stored or shown (the module warns); ClearIP takes O(email) and O(password). Give a proxy's login in E(HTTPS_PROXY) instead.
      - If not set, the environment variable E(CLEARIP_URL) is used.
    type: str
    default: https://api.clearip.com
  email:
    description:
      - Email address of the ClearIP API account.
      - The account must have this machine's IP address in its IP whitelist, must have accepted the EULA and must have
        replaced its temporary password; a login refused for one of these reasons fails with the server's message and
        the likely fix.
      - A refused login is never retried, because ten failed logins lock the account.
      - If not set, the environment variable E(CLEARIP_EMAIL) is used.
    type: str
    required: true
  password:
    description:
      - Password of the ClearIP API account.
      - If not set, the environment variable E(CLEARIP_PASSWORD) is used.
    type: str
    required: true
  operator:
    description:
      - The ClearIP Operator to act for, by name or id.
      - Needed only for an account that is not tied to one Operator (a blank Operator); it is resolved once and then
        sent with every request.
      - Leave it unset for an account tied to one Operator.
      - If not set, the environment variable E(CLEARIP_OPERATOR) is used.
    type: str
  validate_certs:
    description:
      - Whether to check the TLS certificate of the ClearIP API.
      - If not set, the environment variable E(CLEARIP_VALIDATE_CERTS) is used.
    type: bool
    default: true
  ca_path:
    description:
      - Path of a CA bundle to check the ClearIP API certificate against, for a private CA.
      - If not set, the environment variable E(CLEARIP_CA_PATH) is used.
    type: path
  timeout:
    description:
      - Seconds a whole answer from ClearIP may take (connecting, sending, headers and body), not each read of it - an answer
        still arriving a second later is abandoned, as a timeout.
      - If not set, the environment variable E(CLEARIP_TIMEOUT) is used.
    type: int
    default: 30
notes:
  - ClearIP tokens last five minutes; the modules refresh them before they expire and log in again once when a
    request is answered 401.
requirements:
  - requests
'''

    # The create-only behaviour shared by the service provider, group and user modules (clearip.netsapiens.clearip.create).
    CREATE = r'''
options:
  state:
    description:
      - V(present) creates every listed object that ClearIP does not hold yet.
      - Objects are only ever added; nothing is updated or deleted.
    type: str
    choices: [present]
    default: present
  src:
    description:
      - Path of a JSON file on the managed host that holds the list of objects, in the same form as the list option,
        either as a bare JSON list or as an object with the list under the list option's name.
      - Meant for very large lists, which then need not pass through Ansible variables.
      - Mutually exclusive with the single-object options and the list option.
    type: path
  pending_parents:
    description:
      - Names of parent objects that an earlier task of the same check mode run would create.
      - In check mode, an object whose parent is missing from ClearIP but listed here is predicted as created, so a
        dry run of a whole sync predicts exactly what a real run would do.
      - Ignored outside check mode, where the parent must exist.
    type: list
    elements: str
    default: []
  comment_source:
    description:
      - Where the objects come from, for example the NetSapiens host name.
      - The default comment of created objects is V(Created by clearip.netsapiens sync), followed by
        V( from <comment_source>) when this is set, so that operators can tell these objects apart.
      - A user name and password written into it (V(user:password@)) are removed first; they never reach ClearIP or the output.
    type: str
  max_workers:
    description:
      - The most requests in flight at once (the creates, the pages of a listing). A ceiling - the module starts at 4 and
        grows towards it while ClearIP answers fast and successfully, and shrinks at once on HTTP 429, 503, timeouts or
        rising latency.
      - When ClearIP answers 429 with C(Retry-After), no worker sends anything before that time.
      - At most 64.
    type: int
    default: 16
  return_objects:
    description:
      - Whether to return RV(proposed) and RV(end_state).
      - Set to V(false) for very large runs, to keep the result small.
    type: bool
    default: true
  progress_path:
    description:
      - File on the managed host to which a progress line is appended when the listing starts, when the creates start,
        at most every O(progress_interval) seconds while they run (objects done, created and failed, rate, time left),
        and when they end.
      - Meant for a cron log (the P(clearip.netsapiens.subscriber_sync#role) role's C(cron) entry point sets it), or V(/dev/tty)
        in a terminal; a module's own output reaches the play only when the module ends.
      - A file that cannot be written is ignored; the result holds everything anyway.
    type: path
  progress_interval:
    description:
      - Seconds between two progress lines in O(progress_path).
    type: float
    default: 10
  lock_timeout:
    description:
      - Seconds to wait for another run that creates objects for the same ClearIP account (same URL and operator, or
        same email for an account tied to one operator) on this machine, before failing with a message naming the
        process that holds the lock.
      - The lock is held from before ClearIP is listed until the module ends, so two runs never both see an object
        missing and both create it. It is an C(flock) on a file under C($XDG_CACHE_HOME/clearip.netsapiens/locks/)
        (default C(~/.cache)), mode 0600, holding only the holder's pid and start time; the system releases it when
        the process ends, however it ends.
      - It protects runs on one machine only, not runs from two control nodes.
      - Not taken in check mode, which writes nothing.
    type: int
    default: 900
notes:
  - "A name is valid when it has fewer than 256 characters, all of them ASCII letters (V(A-Z), V(a-z)), digits,
    space or one of C(# * + @ . , - _). Letters outside ASCII, such as C(é), are refused. An invalid name fails
    for that object before any write."
  - "One run logs in once, lists each needed ClearIP collection once (paged), and then only creates."
  - "A create ClearIP refused without handling it (429, 503, a connection that never carried it) is sent again in the same
    run - after a lookup of the name, so one the server took all the same is not sent twice - with the usual backoff."
  - "A create whose outcome is unknown (time-out, a connection lost after sending, 500/502/504, an unreadable answer) is
    looked up after a grace period of one and a half request timeouts, and sent once more only when ClearIP does not hold
    it; unknown twice, it is a failed item marked C(outcome unknown) (listed in RV(outcome_unknown)), and the next run finds
    or creates it."
  - "Only ClearIP's own listing proves a create: after creating, the module lists its tier again; a created name held
    twice fails naming the duplicate (a run that leaves one never succeeds), and one ClearIP acknowledged but does not list
    is a failed item that says so. Names are compared exactly, whatever the server's name filter matches."
  - "Objects that cannot be done (invalid name, missing or ambiguous parent, a name that exists under another
    parent or more than once) fail one by one with a reason in RV(failed_items); the others are still created, and the
    task then fails."
'''

    # The filters of the ClearIP info modules (clearip.netsapiens.clearip.info).
    INFO = r'''
options:
  name:
    description:
      - Return only the objects of exactly this name.
      - Sent to ClearIP as the filter C(where[name]), so only matching objects are read; checked again on what was read,
        with an exact, case-sensitive compare.
      - Mutually exclusive with O(name_pattern).
    type: str
  name_pattern:
    description:
      - Return only the objects whose name matches this shell-style pattern (C(*), C(?), C([seq])), case-sensitive.
      - Applied to what was read (the API has no pattern filter), so every object of the kind is read.
      - Mutually exclusive with O(name).
    type: str
  comment_contains:
    description:
      - Return only the objects whose comment contains this text (case-sensitive), for example
        V(Created by clearip.netsapiens sync) for the objects this collection created.
      - Applied to what was read.
    type: str
  created_after:
    description:
      - Return only the objects created at or after this time.
      - Unix milliseconds (as ClearIP gives C(createdAt)), or an ISO 8601 date or date-time such as V(2026-01-31) or
        V(2026-01-31T12:00:00Z); without an offset it is UTC.
      - Applied to what was read. An object without C(createdAt) is left out when this or O(created_before) is set.
    type: str
  created_before:
    description:
      - Return only the objects created before this time (strictly), in the same forms as O(created_after).
      - Applied to what was read.
    type: str
'''
