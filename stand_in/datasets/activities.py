"""Activities and their participants.

Deterministic given (n, seed, today, timestamps mode): no global random state. Activities
are spread evenly over ``SPAN_DAYS`` days ending at 00:00 UTC of ``today`` and sorted by
``activity_timestamp``, so index order (= ``uid`` order) is time order. About 6 % of them
sit on or near a midnight (see ``activity_times``). After them come the meetings booked
ahead (``meetings_ahead``, default n // 50): dated over the ``AHEAD_DAYS`` days after
``today`` and already ingested (see ``ahead_times`` and ``ActivityFactory.make``).

For start-up speed the factory writes each record directly as JSON text from pre-encoded
fragments (about five times faster than building a dict and calling ``json.dumps``). The
Python-object view (``iter_activities``) parses that same text, so what the server sends
and what ``build_dataset`` returns cannot differ.
"""

from __future__ import annotations

import datetime as _dt
import json
import random
from json.encoder import encode_basestring as _js
from typing import Callable, Iterator, NamedTuple
from zoneinfo import ZoneInfo

from .accounts import opportunity_stage
from .common import (
    ACCOUNT_ID0, COMPANIES, DAY_MS, DEPARTMENTS, HOUR_MS, JOB_TITLES, LEAD_ID0, N_ACCOUNTS,
    N_LEADS, N_MEMBERS, N_PERSONS, OPPORTUNITY_ID0, PERSONS, SENIORITIES, STAGE_ID0,
    TIMESTAMP_MODES, USER_ID0, crm_id, iso_ms, midnight_ms,
)

__all__ = [
    "SPAN_DAYS", "SPECIAL_SUBJECTS", "MISSING", "CYCLE", "ActivityFactory", "Made", "activity_times",
    "iter_made", "iter_activities", "end_of_dataset", "ACTIVITY_TIMESTAMPS", "PARTICIPANT_TIMESTAMPS",
    "FIRST_PARTICIPANT_ID", "AHEAD_DAYS", "ahead_times", "default_meetings_ahead", "is_booked_ahead",
    "LATE_EVERY", "BOOKED_AHEAD_EVERY",
]

SPAN_DAYS = 1095  # about three years
AHEAD_DAYS = 60  # meetings booked ahead are dated over the 60 days after today
FIRST_PARTICIPANT_ID = 5_000_001
LATE_EVERY = 37  # past activity i with i % 37 == 5 was ingested 1..45 days late
BOOKED_AHEAD_EVERY = 20  # past activity i with i % 20 == 10 is a meeting ingested 7..42 days before it
BOOKED_MIN_DAYS, BOOKED_MAX_DAYS = 7, 42


def is_booked_ahead(i: int) -> bool:
    """Past activity ``i`` is a meeting that People.ai ingested weeks before it happened."""
    return i % BOOKED_AHEAD_EVERY == 10


def default_meetings_ahead(n: int) -> int:
    return n // 50


class _Missing:
    """Marker: the record has no ``subject`` key at all."""

    def __repr__(self) -> str:  # pragma: no cover - cosmetic
        return "MISSING"


MISSING = _Missing()

LONG_SUBJECT = (
    "Very long subject: "
    + " ".join(
        f"agenda item {k} - pricing, legal review, security questionnaire and rollout plan;"
        for k in range(1, 25)
    )
)

# Tricky values for ``subject``. Record i uses SPECIAL_SUBJECTS[(i % CYCLE) - 1]
# when 1 <= i % CYCLE <= len(SPECIAL_SUBJECTS); every other record gets an
# ordinary sentence. So any dataset of >= 17 activities holds every case.
SPECIAL_SUBJECTS = [
    MISSING,  # key absent
    None,
    "",
    "123",
    "1e3",
    "[1, 2]",
    "None",
    "null",
    "{{ x }}",
    "True",
    "{'a': 1}",
    "Café ☕ 会議 🚀",
    "Line one\nline two",
    " leading space",
    LONG_SUBJECT,
    'Tab\tand "quotes" and \\backslash',
]
CYCLE = 32
# JSON text of the `"subject":...,` member for each special case ("" when the key is absent)
_SPECIAL_MEMBER = ["" if s is MISSING else f'"subject":{"null" if s is None else _js(s)},' for s in SPECIAL_SUBJECTS]
_SPECIAL_VALUE = [None if s is MISSING else "null" if s is None else _js(s) for s in SPECIAL_SUBJECTS]

ACTIVITY_TIMESTAMPS = (
    "activity_timestamp", "created_at", "ingested_at", "modified_at", "email_reply_time",
    "meeting_start_time", "meeting_end_time",
)
PARTICIPANT_TIMESTAMPS = ("activity_timestamp", "created_at", "ingested_at")

_TYPES = ["EMAIL", "EMAIL", "EMAIL", "CALL", "MEETING", "MEETING"]
_SUB_TYPES = {
    "EMAIL": ["inbound", "outbound", "internal", None],
    "CALL": ["inbound", "outbound", "missed", None],
    "MEETING": ["scheduled", "completed", "canceled", None],
}
_SUB_JS = {t: ["null" if s is None else _js(s) for s in subs] for t, subs in _SUB_TYPES.items()}
_DIRECTIONS = {
    "EMAIL": ["inbound", "outbound", "outbound", "internal"],
    "CALL": ["inbound", "outbound", "outbound"],
    "MEETING": ["external", "external", "internal"],
}
_MEETING_STATUS_JS = ['"completed"', '"completed"', '"canceled"', '"rescheduled"', "null"]
_UPCOMING_STATUS_JS = ['"scheduled"', '"scheduled"', '"scheduled"', '"rescheduled"', "null"]  # not happened yet
_SOURCES = ["gmail", "exchange", "zoom", "salesforce", "dialpad", "outlook"]
_VERBS = [
    "Re: Follow-up on", "Intro call about", "Demo of", "Pricing discussion for",
    "Fwd: Contract draft for", "Kick-off meeting for", "Quarterly review of",
    "Next steps on", "Question about", "Workshop on", "Renewal of", "Sync on",
]
_TOPICS = [
    "the Q3 renewal", "onboarding", "the security review", "API access",
    "the pilot project", "license expansion", "the reporting dashboard",
    "the integration roadmap", "support escalation", "the executive briefing",
    "data migration", "the procurement process",
]
_STATUS_JS = ['"accepted"', '"accepted"', '"declined"', '"tentative"', "null"]
_ROLES = ["organizer", "attendee", "attendee", "from", "to", "cc"]
_B = ("false", "true")
_THIRD = N_PERSONS // 3


def _jn(v: str | None) -> str:
    return "null" if v is None else _js(v)


# A person's fixed attributes, pre-encoded: (`"email":..,"name":..`, `"job_title":..,...,"external":..`)
_EMAILS = [email for _f, _l, _n, email in PERSONS]
_PERSON_A = [f'"email":{_js(email)},"name":{_js(name)}' for _f, _l, name, email in PERSONS]
_PERSON_B = [
    f'"job_title":{_jn(JOB_TITLES[(p * 7) % len(JOB_TITLES)])},'
    f'"seniority":{_jn(SENIORITIES[(p * 5) % len(SENIORITIES)])},'
    f'"department":{_jn(DEPARTMENTS[(p * 3) % len(DEPARTMENTS)])},'
    f'"external":{_B[p % 4 != 3]}'
    for p in range(N_PERSONS)
]

_TOKYO = ZoneInfo("Asia/Tokyo")
_LOS_ANGELES = ZoneInfo("America/Los_Angeles")
_EPOCH = _dt.datetime(1970, 1, 1, tzinfo=_dt.timezone.utc)


def _local_midnight(day: int, zone: ZoneInfo) -> int:
    """Epoch ms of 00:00 local time in ``zone`` on the calendar date of UTC day number ``day``."""
    d = _dt.date(1970, 1, 1) + _dt.timedelta(days=day)
    local = _dt.datetime(d.year, d.month, d.day, tzinfo=zone)
    return (local - _EPOCH) // _dt.timedelta(milliseconds=1)


def activity_times(n: int, seed: int, end_ms: int) -> list[int]:
    """Sorted ``activity_timestamp`` values of the ``n`` activities, all <= ``end_ms``.

    Evenly spread over the ``SPAN_DAYS`` days before ``end_ms`` (one slot per activity,
    random position in its slot). Activity i with i % 100 ==
      13: exactly 00:00:00.000 UTC           37: 23:59:59.999 UTC (midnight - 1 ms)
      61: within the hour after midnight UTC  89: within the hour before midnight UTC
      71: 00:00 in Asia/Tokyo (15:00 UTC)     79: 00:00 in America/Los_Angeles (07:00/08:00 UTC)
    (the nearest such instant to its slot; moved a day earlier if it would pass ``end_ms``).
    """
    span = SPAN_DAYS * DAY_MS
    start = end_ms - span
    rnd = random.Random(f"activity-times:{seed}").random
    out = []
    append = out.append
    for i in range(n):
        base = start + (i * span) // n
        step = start + ((i + 1) * span) // n - base
        t = base + int(rnd() * step)
        k = i % 100
        if k in (13, 37, 61, 71, 79, 89):
            day = (t + DAY_MS // 2) // DAY_MS
            m = day * DAY_MS
            if k == 13:
                t = m
            elif k == 37:
                t = m - 1
            elif k == 61:
                t = m + 1 + int(rnd() * (HOUR_MS - 1))
            elif k == 89:
                t = m - 1 - int(rnd() * (HOUR_MS - 1))
            elif k == 71:
                t = _local_midnight(day, _TOKYO)
            else:
                t = _local_midnight(day, _LOS_ANGELES)
            while t > end_ms:
                t -= DAY_MS
        append(t)
    out.sort()
    return out


def ahead_times(m: int, seed: int, end_ms: int) -> list[int]:
    """Sorted times of the ``m`` meetings booked ahead: evenly over the ``AHEAD_DAYS`` days
    after ``end_ms`` (one slot each, random position in its slot), all strictly after it."""
    span = AHEAD_DAYS * DAY_MS
    rnd = random.Random(f"meetings-ahead:{seed}").random
    out = []
    for j in range(m):
        base = end_ms + (j * span) // m
        step = end_ms + ((j + 1) * span) // m - base
        out.append(base + 1 + int(rnd() * (step - 1)))
    out.sort()
    return out


class Made(NamedTuple):
    """One generated activity: JSON texts plus the times the server indexes."""

    activity: str
    participants: list[str]
    activity_timestamp: int
    ingested_at: int


def _timestamp_text(mode: str) -> Callable[[int], str]:
    if mode not in TIMESTAMP_MODES:
        raise ValueError(f"timestamps must be one of {TIMESTAMP_MODES}, got {mode!r}")
    if mode == "iso":
        return lambda ms: f'"{iso_ms(ms)}"'
    return str


class ActivityFactory:
    """Builds one activity and its participant rows from an index, a time and an RNG."""

    def __init__(self, seed: int, end_ms: int, timestamps: str = "epoch_ms") -> None:
        self.seed = seed
        self.end_ms = end_ms
        self.ts_text = _timestamp_text(timestamps)
        self.account = [
            f'"account_id":{ACCOUNT_ID0 + a},"account_crm_id":"{crm_id("001", ACCOUNT_ID0 + a, seed)}"'
            for a in range(N_ACCOUNTS)
        ]
        n_opps = 3 * N_ACCOUNTS  # opportunity o belongs to account o % N_ACCOUNTS
        self.opp_crm = [crm_id("006", OPPORTUNITY_ID0 + o, seed) for o in range(n_opps)]
        self.opp_stage = [STAGE_ID0 + opportunity_stage(o, seed) for o in range(n_opps)]
        self.lead_crm = [crm_id("00Q", LEAD_ID0 + k, seed) for k in range(N_LEADS)]

    def make(self, i: int, ts: int, rng: random.Random, next_pid: int, ingested: int | None = None,
             meeting: bool = False, ahead: bool = False, no_ingested_at: bool = False) -> Made:
        """Activity ``i`` (uid ``act-{i+1:06d}``) at ``ts``, participant ids from ``next_pid``.

        ``ingested``: force ``ingested_at`` (and ``created_at``/``modified_at``) to this time;
        with ``no_ingested_at`` the record says ``"ingested_at": null`` (created and modified
        stay at ``ingested``). Otherwise the dataset's rules: ``ahead`` (a meeting booked ahead,
        dated after the dataset end) is ingested 7..42 days before ``ts`` but not after the end;
        a past activity is ingested minutes after it happened, 1..45 days late
        (i % 37 == 5), or 7..42 days before it for the meetings of ``is_booked_ahead``.
        ``meeting``: a MEETING whatever the draw (``ahead`` and booked-ahead ones are too).
        """
        rnd = rng.random
        getbits = rng.getrandbits
        T = self.ts_text
        end = self.end_ms if ingested is None else max(self.end_ms, ingested)
        uid = f"act-{i + 1:06d}"
        atype = _TYPES[int(rnd() * 6)]
        booked = ingested is None and not ahead and is_booked_ahead(i)
        if meeting or ahead or booked:
            atype = "MEETING"
        sub_js = _SUB_JS[atype][int(rnd() * 4)]
        dirs = _DIRECTIONS[atype]
        direction = dirs[int(rnd() * len(dirs))]

        if ingested is None:
            if ahead or booked:  # booked 7..42 days ahead, but nothing is ingested after the end
                shortest = max(BOOKED_MIN_DAYS * DAY_MS, ts - end)
                longest = BOOKED_MAX_DAYS * DAY_MS
                lead = shortest + int(rnd() * (longest - shortest)) if shortest < longest else ts - end
                ingested = min(end, ts - lead)  # more than 42 days ahead: ingested at the end
                created = ingested
                modified = ingested if rnd() < 0.6 else min(end, ingested + int(rnd() * 30 * DAY_MS))
            else:
                if i % LATE_EVERY == 5:  # arrived late: ingested 1..45 days after it happened
                    ingested = ts + DAY_MS + int(rnd() * 44 * DAY_MS)
                else:
                    ingested = ts + 60_000 + int(rnd() * 1_740_000)
                if ingested > end:
                    ingested = max(end, ts)
                created = max(ts, ingested - int(rnd() * 5000))
                modified = ingested if rnd() < 0.6 else min(end, ingested + int(rnd() * 30 * DAY_MS))
        else:
            created = modified = ingested
        upcoming = ts > modified  # a meeting that had not happened when last processed

        k = i % CYCLE
        if 1 <= k <= 16:
            subject_member = _SPECIAL_MEMBER[k - 1]
            subject_value = _SPECIAL_VALUE[k - 1]
            subject_len = len(SPECIAL_SUBJECTS[k - 1]) if isinstance(SPECIAL_SUBJECTS[k - 1], str) else None
        else:
            subject = f"{_VERBS[int(rnd() * 12)]} {_TOPICS[int(rnd() * 12)]} with {COMPANIES[int(rnd() * 14)]}"
            if i % 5 == 2:
                subject += f" (ref #{getbits(20)})"
            subject_value = _js(subject)
            subject_member = f'"subject":{subject_value},'
            subject_len = len(subject)

        if atype == "EMAIL":
            duration = "null"
        elif atype == "CALL":
            duration = str(30 + int(rnd() * 3570))
        else:
            duration = str(900 * (1 + int(rnd() * 8)))

        has_account = i % 13 != 6
        a = int(rnd() * N_ACCOUNTS)
        if has_account:
            n_opps = int(rnd() * 3)
            first = int(rnd() * 3)
            opps = [a + N_ACCOUNTS * ((first + j) % 3) for j in range(n_opps)]
            account = self.account[a]
        else:
            opps = []
            account = '"account_id":null,"account_crm_id":null'
        has_lead = i % 6 == 4
        lead = int(rnd() * N_LEADS)
        matched_to = "opportunity" if opps else "lead" if has_lead else "account" if has_account else "none"
        if opps:
            opp_id = str(OPPORTUNITY_ID0 + opps[0])
            opp_crm = f'"{self.opp_crm[opps[0]]}"'
            stage = str(self.opp_stage[opps[0]])
        else:
            opp_id = opp_crm = stage = "null"
        opp_ids = ",".join([str(OPPORTUNITY_ID0 + o) for o in opps])
        opp_crms = ",".join([f'"{self.opp_crm[o]}"' for o in opps])
        lead_id = str(LEAD_ID0 + lead) if has_lead else "null"
        lead_crm = f'"{self.lead_crm[lead]}"' if has_lead else "null"
        user_id = USER_ID0 + int(rnd() * N_MEMBERS)
        source_id = f"{_SOURCES[i % 6]}-{getbits(40):010x}"
        crm = "null" if i % 9 == 3 else f'"00U{getbits(48):012X}"'
        ts_t, created_t = T(ts), T(created)
        ingested_t = "null" if no_ingested_at else T(ingested)

        if atype == "EMAIL":
            reply = T(min(end, ts + 60_000 + int(rnd() * 2 * DAY_MS))) if rnd() < 0.3 else "null"
            in_reply = f'"gmail-{getbits(40):010x}"' if i % 5 == 1 else "null"
            followed = f'"zoom-{getbits(40):010x}"' if i % 7 == 2 else "null"
            specific = f'"email_reply_time":{reply},"in_reply_to_source_id":{in_reply},"followed_meeting_source_id":{followed},'
        elif atype == "CALL":
            phone = f'"+1-212-555-{getbits(13) % 10000:04d}"' if direction == "outbound" else "null"
            specific = f'"outbound_phone_number":{phone},'
        else:
            specific = (
                f'"meeting_start_time":{ts_t},"meeting_end_time":{T(ts + int(duration) * 1000)},'
                f'"meeting_status":{(_UPCOMING_STATUS_JS if upcoming else _MEETING_STATUS_JS)[int(rnd() * 5)]},'
            )
        # A nested object with its own `subject` (must not be renamed) and undeclared extras.
        if i % 11 == 4:
            details = "null"
        else:
            details = f'{{"thread_position":{int(rnd() * 6)},"score":{(500 + int(rnd() * 501)) / 1000!r}'
            details += ',"subject":"nested subject stays"}' if i % 3 == 0 else "}"
        extras = f'"source_system":"{_SOURCES[int(rnd() * 6)]}"'
        if i % 2 == 0 and subject_len is not None:
            extras += f',"subject_length":{subject_len}'

        # Participants: 1..3 distinct people (disjoint thirds of the identity ring), by email.
        n_part = 1 + int(rnd() * 3)
        p0 = int(rnd() * N_PERSONS)
        people = [p0, (p0 + 1 + int(rnd() * _THIRD)) % N_PERSONS,
                  (p0 + 1 + _THIRD + int(rnd() * _THIRD)) % N_PERSONS][:n_part]
        if n_part > 1:
            people.sort(key=_EMAILS.__getitem__)

        activity = (
            f'{{"uid":"{uid}","crm_id":{crm},"activity_type":"{atype}","sub_type":{sub_js},{subject_member}'
            f'"activity_timestamp":{ts_t},"created_at":{created_t},"ingested_at":{ingested_t},'
            f'"modified_at":{T(modified)},"direction":"{direction}","duration":{duration},'
            f'"original_duration":{duration},"external":{_B[direction != "internal"]},'
            f'"is_partner":{_B[rnd() < 0.15]},"with_partner":{_B[rnd() < 0.3]},'
            f'"is_blast":{_B[atype == "EMAIL" and rnd() < 0.05]},"is_cold":{_B[rnd() < 0.1]},'
            f'"matched_to":"{matched_to}","number_of_participants":{n_part},{account},'
            f'"opportunity_id":{opp_id},"opportunity_crm_id":{opp_crm},"opportunity_ids":[{opp_ids}],'
            f'"opportunity_crm_ids":[{opp_crms}],"opportunity_stage_id":{stage},"lead_id":{lead_id},'
            f'"lead_crm_id":{lead_crm},"user_id":{user_id},"source_id":"{source_id}","deleted":false,'
            f'{specific}"details":{details},{extras}}}'
        )
        # Fields every row of this activity shares, encoded once.
        tail = (
            f',{account},"activity_crm_id":{crm},"activity_timestamp":{ts_t},"created_at":{created_t},'
            f'"ingested_at":{ingested_t},"duration":{duration},"lead_id":{lead_id},"lead_crm_id":{lead_crm},'
            f'"opportunity_id":{opp_id},"opportunity_crm_id":{opp_crm},"source_id":"{source_id}",'
            f'"user_id":{user_id}}}'
        )
        if i % 4 == 0 and subject_value is not None:
            tail = f',"subject":{subject_value}' + tail
        head = f'"activity_uid":"{uid}","uid":"{uid}",'
        rows = []
        for p in people:
            phone = "null" if rnd() < 0.4 else f'"+1-415-555-{getbits(13) % 10000:04d}"'
            rows.append(
                f'{{"id":{next_pid},{head}{_PERSON_A[p]},"phone_number":{phone},{_PERSON_B[p]},'
                f'"status":{_STATUS_JS[int(rnd() * 5)]},"original":{_B[rnd() < 0.9]},'
                f'"is_originator":{_B[p == p0]},"is_partner":{_B[rnd() < 0.05]},"deleted":false,'
                f'"role":"{_ROLES[int(rnd() * 6)]}"{tail}'
            )
            next_pid += 1
        return Made(activity, rows, ts, None if no_ingested_at else ingested)


def iter_made(n: int, seed: int, end_ms: int, timestamps: str = "epoch_ms",
              meetings_ahead: int | None = None) -> Iterator[Made]:
    """The dataset in time order, as JSON texts: ``n`` past activities, then the meetings booked
    ahead (``meetings_ahead``, default n // 50) dated after ``end_ms``."""
    if n < 0:
        raise ValueError("n_activities must be >= 0")
    m = default_meetings_ahead(n) if meetings_ahead is None else meetings_ahead
    if m < 0:
        raise ValueError("meetings_ahead must be >= 0")
    times = activity_times(n, seed, end_ms)
    make = ActivityFactory(seed, end_ms, timestamps).make
    rng = random.Random(seed)
    pid = FIRST_PARTICIPANT_ID
    for i in range(n):
        made = make(i, times[i], rng, pid)
        pid += len(made.participants)
        yield made
    for j, ts in enumerate(ahead_times(m, seed, end_ms)):
        made = make(n + j, ts, rng, pid, ahead=True)
        pid += len(made.participants)
        yield made


def iter_activities(
    n: int, seed: int, end_ms: int, timestamps: str = "epoch_ms", meetings_ahead: int | None = None,
) -> Iterator[tuple[dict, list[dict]]]:
    """Yield ``(activity, participant_rows)`` as Python objects, in time order."""
    loads = json.loads
    for made in iter_made(n, seed, end_ms, timestamps, meetings_ahead):
        yield loads(made.activity), [loads(r) for r in made.participants]


def end_of_dataset(today: _dt.date) -> int:
    """The dataset ends at 00:00 UTC of ``today`` (epoch ms)."""
    return midnight_ms(today)
