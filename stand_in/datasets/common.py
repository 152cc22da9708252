"""Shared pieces of the synthetic datasets: id spaces, names, CRM ids, time helpers.

Every object dataset has a fixed size (independent of the number of activities) and a
fixed id space, so the ids that activities carry (``account_id``, ``opportunity_id``,
``lead_id``, ``user_id``) always point at records the object endpoints serve.
"""

from __future__ import annotations

import datetime as _dt
import time
from typing import Callable, Iterable

DAY_MS = 86_400_000
HOUR_MS = 3_600_000

# -- id spaces (index k of a dataset has id ID0 + k) ------------------------------------
N_ACCOUNTS, ACCOUNT_ID0 = 400, 50_000
N_OPPORTUNITIES, OPPORTUNITY_ID0 = 1_200, 700_000  # opportunity k belongs to account k % N_ACCOUNTS
N_CONTACTS, CONTACT_ID0 = 1_200, 300_000  # contact k belongs to account k % N_ACCOUNTS
N_LEADS, LEAD_ID0 = 800, 900_000
N_TEAMS, TEAM_ID0 = 13, 10
N_MEMBERS, USER_ID0 = 120, 1_000  # team members are the users that own activities
N_STAGES, STAGE_ID0 = 8, 300

FIRST_NAMES = [
    "Alice", "Bob", "Carla", "Dmitri", "Elena", "Farid", "Grace", "Hiro",
    "Ines", "Jonas", "Keiko", "Luis", "Maya", "Noah", "Olga", "Pierre",
    "Quinn", "Rosa", "Sven", "Tariq", "Uma", "Victor", "Wen", "Zoë",
]
LAST_NAMES = [
    "Anderson", "Brown", "Chen", "Dubois", "Eriksen", "Fischer", "García",
    "Hoffmann", "Ivanova", "Jensen", "Kowalski", "López", "Müller", "Nakamura",
    "O'Brien", "Patel", "Rossi", "Schmidt", "Tanaka", "Novak",
]
COMPANIES = [
    "Acme Corp", "Globex", "Initech", "Umbrella Ltd", "Stark Industries",
    "Wayne Enterprises", "Hooli", "Soylent GmbH", "Tyrell Inc", "Cyberdyne",
    "Wonka Foods", "Vandelay Industries", "Oceanic Air", "Nakatomi KK",
]
# Persons (participants, contacts, team members): index p. Domain index 3 is our own
# organisation, so p % 4 == 3 is an internal person.
DOMAINS = ["acme.example", "globex.example", "initech.example", "peopleai-demo.example"]
INTERNAL_DOMAIN = DOMAINS[3]
N_PERSONS = len(FIRST_NAMES) * len(LAST_NAMES) * 4

JOB_TITLES = [
    "CEO", "CFO", "VP Engineering", "Director of IT", "Procurement Manager",
    "Software Engineer", "Head of Sales Ops", "Security Analyst", "Product Manager", None,
]
SENIORITIES = ["C-Level", "VP", "Director", "Manager", "Individual Contributor", None]
DEPARTMENTS = ["Executive", "Finance", "Engineering", "IT", "Procurement", "Sales", "Security", None]
MEMBER_TITLES = [
    "Account Executive", "Sales Development Rep", "Sales Manager",
    "Solutions Engineer", "Customer Success Manager", "VP Sales",
]


def _person(p: int) -> tuple[str, str, str, str]:
    first = FIRST_NAMES[p % len(FIRST_NAMES)]
    last = LAST_NAMES[(p // len(FIRST_NAMES)) % len(LAST_NAMES)]
    domain = DOMAINS[p % len(DOMAINS)]
    local = (first + "." + last).lower().replace("'", "").replace("ë", "e")
    return first, last, f"{first} {last}", f"{local}{p}@{domain}"


PERSONS = [_person(p) for p in range(N_PERSONS)]  # (first, last, full name, email)


def member_person(k: int) -> int:
    """Person index of team member k (internal persons only)."""
    return 4 * k + 3


def contact_person(k: int) -> int:
    """Person index of contact k (external persons only)."""
    return (k // 3) * 4 + (k % 3)


def crm_id(prefix: str, ident: int, seed: int) -> str:
    """A Salesforce-like 15-character id, fixed for (prefix, ident, seed)."""
    x = (ident * 0x9E3779B1 + seed * 0x85EBCA77 + len(prefix) * 0xC2B2AE35) & 0xFFFFFFFFFFFF
    x = (x ^ (x >> 21)) * 0x2545F491 & 0xFFFFFFFFFFFF
    return f"{prefix}{x:012X}"


def member_crm(k: int, seed: int) -> str:
    return crm_id("005", USER_ID0 + k, seed)


# -- time ----------------------------------------------------------------------------------

TIMESTAMP_MODES = ("epoch_ms", "iso")
_CLOCK = [f"T{h:02d}:{m:02d}:{s:02d}" for h in range(24) for m in range(60) for s in range(60)]
_MILLIS = [f".{m:03d}Z" for m in range(1000)]
_DAYS: dict[int, str] = {}


def day_string(day: int) -> str:
    """``YYYY-MM-DD`` of a day number (days since 1970-01-01, UTC)."""
    s = _DAYS.get(day)
    if s is None:
        s = _DAYS[day] = time.strftime("%Y-%m-%d", time.gmtime(day * 86400))
    return s


def iso_ms(ms: int) -> str:
    """Epoch milliseconds as ``YYYY-MM-DDTHH:MM:SS.mmmZ`` (UTC)."""
    day, rest = divmod(ms, DAY_MS)
    sec, milli = divmod(rest, 1000)
    return day_string(day) + _CLOCK[sec] + _MILLIS[milli]


def to_iso(record: dict, keys: Iterable[str]) -> dict:
    """Replace the integer timestamps under ``keys`` by ISO strings, in place."""
    for key in keys:
        v = record.get(key)
        if v is not None:
            record[key] = iso_ms(v)
    return record


def timestamp_converter(mode: str, keys: Iterable[str]) -> Callable[[dict], dict] | None:
    """None for epoch milliseconds (nothing to do), else a function converting ``keys``."""
    if mode not in TIMESTAMP_MODES:
        raise ValueError(f"timestamps must be one of {TIMESTAMP_MODES}, got {mode!r}")
    if mode == "epoch_ms":
        return None
    keys = tuple(keys)
    return lambda record: to_iso(record, keys)


def midnight_ms(day: _dt.date) -> int:
    """Epoch milliseconds of 00:00 UTC on ``day``."""
    return day.toordinal() * DAY_MS - _EPOCH_ORDINAL_MS


_EPOCH_ORDINAL_MS = _dt.date(1970, 1, 1).toordinal() * DAY_MS


def utc_today() -> _dt.date:
    return _dt.datetime.now(_dt.timezone.utc).date()


def parse_today(value: "str | _dt.date | None") -> _dt.date:
    """``None`` → the real UTC date; a ``date``; or a ``YYYY-MM-DD`` string."""
    if value is None:
        return utc_today()
    if isinstance(value, _dt.datetime):
        return value.date()
    if isinstance(value, _dt.date):
        return value
    if isinstance(value, str) and len(value) == 10 and value[4] == "-" and value[7] == "-":
        try:
            return _dt.date.fromisoformat(value)
        except ValueError:
            pass
    raise ValueError(f"today must be a date YYYY-MM-DD, got {value!r}")
