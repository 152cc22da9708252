"""Contacts and leads (fixed sizes; lead ids match the activities' ``lead_id``)."""

from __future__ import annotations

import random

from .common import (
    ACCOUNT_ID0, CONTACT_ID0, DAY_MS, DEPARTMENTS, JOB_TITLES, LEAD_ID0, N_ACCOUNTS, N_CONTACTS,
    N_LEADS, N_MEMBERS, OPPORTUNITY_ID0, PERSONS, SENIORITIES, contact_person, crm_id, member_crm,
    timestamp_converter,
)

CONTACT_TIMESTAMPS = ("created_at", "modified_at")
LEAD_TIMESTAMPS = ("created_at", "converted_date")
_COUNTRIES = [
    ("United States", "California"), ("United States", "New York"), ("Germany", "Bavaria"),
    ("United Kingdom", None), ("Japan", "Tokyo"), ("France", None), ("Brazil", "São Paulo"),
]
_MIDDLE = [None, None, None, "J.", "Marie", "A."]
_LEAD_STATUSES = ["Open", "Working", "Nurturing", "Qualified", "Unqualified", "Converted"]
_RECORD_TYPES = [("012000000000AAA", "Standard"), ("012000000000BBB", "Partner"), (None, None)]


def build_contacts(seed: int, end_ms: int, timestamps: str = "epoch_ms") -> list[dict]:
    """Contact k belongs to account k % N_ACCOUNTS; its email is an external participant's."""
    rng = random.Random(f"contacts:{seed}")
    rnd = rng.random
    conv = timestamp_converter(timestamps, CONTACT_TIMESTAMPS)
    out = []
    for k in range(N_CONTACTS):
        ident = CONTACT_ID0 + k
        first, last, _name, email = PERSONS[contact_person(k)]
        created = end_ms - DAY_MS * (10 + int(rnd() * 1400)) + int(rnd() * DAY_MS)
        if k % 9 == 2:  # modified in the last two days
            modified = end_ms - int(rnd() * 2 * DAY_MS)
        else:
            modified = created + int(rnd() * (end_ms - created))
        country, state = _COUNTRIES[int(rnd() * len(_COUNTRIES))]
        rt_id, rt_name = _RECORD_TYPES[k % 3]
        rec = {
            "id": ident,
            "crm_id": None if k % 17 == 8 else crm_id("003", ident, seed),
            "account_id": ACCOUNT_ID0 + k % N_ACCOUNTS,
            "first_name": first,
            "middle_name": _MIDDLE[int(rnd() * len(_MIDDLE))],
            "last_name": last,
            "email": email,
            "phone_number": None if rnd() < 0.3 else f"+1-650-555-{int(rnd() * 10000):04d}",
            "job_title": JOB_TITLES[int(rnd() * len(JOB_TITLES))],
            "department": DEPARTMENTS[int(rnd() * len(DEPARTMENTS))],
            "seniority": SENIORITIES[int(rnd() * len(SENIORITIES))],
            "country_name": country,
            "state_name": state,
            "active": rnd() < 0.95,
            "deleted": k % 89 == 13,
            "created_at": created,
            "modified_at": modified,
            "created_by_peopleai": rnd() < 0.35,
            "owner_crm_id": member_crm(int(rnd() * N_MEMBERS), seed),
            "record_type_crm_id": rt_id,
            "record_type_name": rt_name,
        }
        if conv is not None:
            conv(rec)
        out.append(rec)
    return out


def build_leads(seed: int, end_ms: int, timestamps: str = "epoch_ms") -> list[dict]:
    rng = random.Random(f"leads:{seed}")
    rnd = rng.random
    conv = timestamp_converter(timestamps, LEAD_TIMESTAMPS)
    out = []
    for k in range(N_LEADS):
        ident = LEAD_ID0 + k
        first, last, _name, _email = PERSONS[(k * 7 + 1) % len(PERSONS)]
        created = end_ms - DAY_MS * (5 + int(rnd() * 1000)) + int(rnd() * DAY_MS)
        status = _LEAD_STATUSES[int(rnd() * len(_LEAD_STATUSES))]
        converted = status == "Converted"
        a = int(rnd() * N_ACCOUNTS)
        rt_id, rt_name = _RECORD_TYPES[k % 3]
        rec = {
            "id": ident,
            "crm_id": crm_id("00Q", ident, seed),
            "first_name": first,
            "last_name": last,
            "email": f"{first.lower()}.{last.lower().replace(chr(39), '')}.lead{k}@prospect{k % 5}.example",
            "phone_number": None if rnd() < 0.3 else f"+44-20-7946-{int(rnd() * 10000):04d}",
            "job_title": JOB_TITLES[int(rnd() * len(JOB_TITLES))],
            "status": status,
            "active": not converted,
            "deleted": k % 83 == 29,
            "created_at": created,
            "owner_crm_id": member_crm(int(rnd() * N_MEMBERS), seed),
            "record_type_crm_id": rt_id,
            "record_type_name": rt_name,
            "converted_account_id": ACCOUNT_ID0 + a if converted else None,
            "converted_contact_id": CONTACT_ID0 + a if converted else None,
            "converted_opportunity_id": OPPORTUNITY_ID0 + a if converted and k % 2 else None,
            "converted_date": min(end_ms, created + int(rnd() * 90 * DAY_MS)) if converted else None,
        }
        if conv is not None:
            conv(rec)
        out.append(rec)
    return out
