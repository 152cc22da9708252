"""Deterministic synthetic dataset for the People.ai API stand-in.

Everything is derived from ``random.Random(seed)`` and the record index: no
global random state and no wall-clock time, so ``build_dataset(n, seed)``
always returns the same records.
"""

from __future__ import annotations

import gc
import random
import time
from typing import Iterator

__all__ = ["build_dataset", "iter_dataset", "SPECIAL_SUBJECTS", "MISSING", "CYCLE"]


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

_TYPES = ["email", "email", "email", "call", "meeting", "meeting"]
_SUB_TYPES = {
    "email": ["inbound", "outbound", "internal", None],
    "call": ["inbound", "outbound", "missed", None],
    "meeting": ["scheduled", "completed", "canceled", None],
}
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
_COMPANIES = [
    "Acme Corp", "Globex", "Initech", "Umbrella Ltd", "Stark Industries",
    "Wayne Enterprises", "Hooli", "Soylent GmbH", "Tyrell Inc", "Cyberdyne",
    "Wonka Foods", "Vandelay Industries", "Oceanic Air", "Nakatomi KK",
]
_FIRST = [
    "Alice", "Bob", "Carla", "Dmitri", "Elena", "Farid", "Grace", "Hiro",
    "Ines", "Jonas", "Keiko", "Luis", "Maya", "Noah", "Olga", "Pierre",
    "Quinn", "Rosa", "Sven", "Tariq", "Uma", "Victor", "Wen", "Zoë",
]
_LAST = [
    "Anderson", "Brown", "Chen", "Dubois", "Eriksen", "Fischer", "García",
    "Hoffmann", "Ivanova", "Jensen", "Kowalski", "López", "Müller", "Nakamura",
    "O'Brien", "Patel", "Rossi", "Schmidt", "Tanaka", "Novak",
]
_DOMAINS = ["acme.example", "globex.example", "initech.example", "peopleai-demo.example"]
_STATUSES = ["accepted", "accepted", "declined", "tentative", None]
_ROLES = ["organizer", "attendee", "attendee", "from", "to", "cc"]
_MATCH_TYPES = ["account", "opportunity", "lead"]
_PEOPLE = len(_FIRST) * len(_LAST) * 4  # distinct participant identities
_THIRD = _PEOPLE // 3

_BASE_EPOCH = 1735689600  # 2025-01-01T00:00:00Z
_MONTH = 30 * 24 * 3600


_CLOCK = [f"T{h:02d}:{m:02d}:{s:02d}Z" for h in range(24) for m in range(60) for s in range(60)]
_DAYS: dict[int, str] = {}


def _iso(seconds: int) -> str:
    """Format epoch seconds as ``YYYY-MM-DDTHH:MM:SSZ`` (UTC), cached per day."""
    day, rest = divmod(seconds, 86400)
    date = _DAYS.get(day)
    if date is None:
        date = _DAYS[day] = time.strftime("%Y-%m-%d", time.gmtime(day * 86400))
    return date + _CLOCK[rest]


def _person(p: int) -> tuple[str, str]:
    first = _FIRST[p % len(_FIRST)]
    last = _LAST[(p // len(_FIRST)) % len(_LAST)]
    domain = _DOMAINS[p % len(_DOMAINS)]
    local = (first + "." + last).lower().replace("'", "").replace("ë", "e")
    return f"{first} {last}", f"{local}{p}@{domain}"


_PERSONS = [_person(p) for p in range(_PEOPLE)]


def iter_dataset(n_activities: int, seed: int = 42) -> Iterator[tuple[dict, list[dict]]]:
    """Yield ``(activity, participant_rows)`` for each activity index in order.

    Participant rows are sorted by email. Iterating is cheaper in memory than
    :func:`build_dataset`, which the server relies on for large datasets.
    """
    if n_activities < 0:
        raise ValueError("n_activities must be >= 0")
    rng = random.Random(seed)
    rnd = rng.random
    getbits = rng.getrandbits
    n_special = len(SPECIAL_SUBJECTS)
    for i in range(n_activities):
        uid = f"act-{i + 1:06d}"
        atype = _TYPES[int(rnd() * len(_TYPES))]
        subs = _SUB_TYPES[atype]
        sub_type = subs[int(rnd() * len(subs))]

        created = _BASE_EPOCH + i * 180 + int(rnd() * 170)
        updated = created + int(rnd() * _MONTH)
        if i % 10 == 7:  # epoch milliseconds instead of ISO strings
            created_at = created * 1000 + int(rnd() * 1000)
            updated_at = updated * 1000
        else:
            created_at = _iso(created)
            updated_at = _iso(updated)
        if i % 29 == 11:
            updated_at = None

        k = i % CYCLE
        if 1 <= k <= n_special:
            subject = SPECIAL_SUBJECTS[k - 1]
        else:
            company = _COMPANIES[int(rnd() * len(_COMPANIES))]
            subject = (
                f"{_VERBS[int(rnd() * len(_VERBS))]} {_TOPICS[int(rnd() * len(_TOPICS))]}"
                f" with {company}"
            )
            if i % 5 == 2:
                subject += f" (ref #{getbits(20)})"

        user_id = 1000 + int(rnd() * 120)
        account_id = 50000 + int(rnd() * 4000)
        account_crm_id = f"001{getbits(48):012X}"
        n_opps = int(rnd() * 3)  # 0..2
        opportunity_ids = [700000 + int(rnd() * 90000) for _ in range(n_opps)]
        opportunity_crm_ids = [f"006{getbits(48):012X}" for _ in range(n_opps)]
        has_lead = i % 6 == 4

        activity: dict = {
            "uid": uid,
            "activity_type": atype,
            "sub_type": sub_type,
            "created_at": created_at,
            "updated_at": updated_at,
            "subject": subject,
            "crm_id": None if i % 9 == 3 else f"00U{getbits(48):012X}",
            "user_id": user_id,
            "is_partner": rnd() < 0.15,
            "with_partner": rnd() < 0.3,
            "opportunity_id": opportunity_ids[0] if opportunity_ids else None,
            "opportunity_ids": opportunity_ids,
            "opportunity_crm_id": opportunity_crm_ids[0] if opportunity_crm_ids else None,
            "opportunity_crm_ids": opportunity_crm_ids,
            "opportunity_stage_id": (300 + int(rnd() * 8)) if opportunity_ids else None,
            "account_id": None if i % 13 == 6 else account_id,
            "account_crm_id": None if i % 13 == 6 else account_crm_id,
        }
        if subject is MISSING:
            del activity["subject"]
        if i % 11 == 4:
            matched_to = None
        else:
            mtype = _MATCH_TYPES[i % 3]
            if mtype == "opportunity" and opportunity_ids:
                mid = opportunity_ids[0]
            elif mtype == "lead":
                mid = 900000 + int(rnd() * 50000)
            else:
                mtype, mid = "account", account_id
            matched_to = {"type": mtype, "id": mid, "score": round(0.5 + rnd() / 2, 3)}
            if i % 3 == 0:
                matched_to["subject"] = "nested subject stays"
        activity["matched_to"] = matched_to
        activity["lead_id"] = (900000 + int(rnd() * 50000)) if has_lead else None
        activity["lead_crm_id"] = f"00Q{getbits(48):012X}" if has_lead else None
        # Undocumented extras: the connector must keep them.
        activity["source_system"] = _SOURCES[int(rnd() * len(_SOURCES))]
        if i % 2 == 0 and isinstance(subject, str):
            activity["subject_length"] = len(subject)
        if atype != "email":
            activity["duration_seconds"] = 60 * (1 + int(rnd() * 60))

        # Participants: 1..3 distinct people, sorted by email.
        n_part = 1 + int(rnd() * 3)
        # Distinct people: offsets fall in disjoint ranges of the identity ring.
        p0 = int(rnd() * _PEOPLE)
        people = [p0, (p0 + 1 + int(rnd() * _THIRD)) % _PEOPLE,
                  (p0 + 1 + _THIRD + int(rnd() * _THIRD)) % _PEOPLE][:n_part]
        rows = []
        for p in people:
            name, email = _PERSONS[p]
            ingested = created + 60 + int(rnd() * 3600)
            row = {
                "uid": uid,
                "email": email,
                "name": name,
                "status": _STATUSES[int(rnd() * len(_STATUSES))],
                "phone_number": None if rnd() < 0.4 else f"+1-415-555-{getbits(13) % 10000:04d}",
                "ingested_at": ingested * 1000 if i % 10 == 7 else _iso(ingested),
                "role": _ROLES[int(rnd() * len(_ROLES))],
                "is_internal": p % 4 == 3,
            }
            if i % 4 == 0 and subject is not MISSING:
                row["subject"] = subject
            rows.append(row)
        rows.sort(key=_email_key)
        yield activity, rows


def _email_key(row: dict) -> str:
    return row["email"]


def build_dataset(n_activities: int, seed: int = 42) -> dict:
    """Return ``{"activities": [...], "participants": [...]}`` (Python objects).

    Participants are ordered by activity, then email.
    """
    activities: list[dict] = []
    participants: list[dict] = []
    # Hundreds of thousands of new containers would trigger many full GC
    # passes that find nothing to free; pause the collector while building.
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        for activity, rows in iter_dataset(n_activities, seed):
            activities.append(activity)
            participants.extend(rows)
    finally:
        if was_enabled:
            gc.enable()
    return {"activities": activities, "participants": participants}
