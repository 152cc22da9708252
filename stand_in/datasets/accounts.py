"""Accounts and opportunities (fixed sizes; ids match the activities' ``account_id`` etc.)."""

from __future__ import annotations

import random

from .common import (
    ACCOUNT_ID0, COMPANIES, DAY_MS, N_ACCOUNTS, N_MEMBERS, N_OPPORTUNITIES, OPPORTUNITY_ID0,
    crm_id, day_string, member_crm, timestamp_converter,
)

ACCOUNT_TYPES = ["Customer", "Prospect", "Partner", "Competitor", "Other"]
OPPORTUNITY_TYPES = ["New Business", "Renewal", "Upsell", "Expansion"]
STAGES = [
    ("Prospecting", "Pipeline"), ("Qualification", "Pipeline"), ("Needs Analysis", "Pipeline"),
    ("Proposal", "Best Case"), ("Negotiation", "Commit"), ("Verbal Commit", "Commit"),
    ("Closed Won", "Closed"), ("Closed Lost", "Omitted"),
]
_SUFFIXES = ["", " Holdings", " Labs", " EMEA", " APAC", " North America", " Group", " Digital"]
_SEGMENTS = ["Enterprise", "Mid-Market", "SMB", "Strategic", None]
_SOURCES = ["Salesforce", "Salesforce", "HubSpot", "People.ai"]
_LEAD_SOURCES = ["Web", "Partner Referral", "Outbound", "Event", "Inbound Call", None]
_CURRENCIES = [("USD", 1.0), ("USD", 1.0), ("EUR", 1.08), ("GBP", 1.27)]
ACCOUNT_TIMESTAMPS: tuple[str, ...] = ()
OPPORTUNITY_TIMESTAMPS = ("created_at", "modified_at")


def opportunity_stage(o: int, seed: int) -> int:
    """Stage index of opportunity o (shared with the activities' ``opportunity_stage_id``)."""
    return (o * 5 + seed * 3 + o // 7) % len(STAGES)


def build_accounts(seed: int, end_ms: int, timestamps: str = "epoch_ms") -> list[dict]:
    rng = random.Random(f"accounts:{seed}")
    rnd = rng.random
    out = []
    for a in range(N_ACCOUNTS):
        ident = ACCOUNT_ID0 + a
        owner = int(rnd() * N_MEMBERS)
        rec = {
            "id": ident,
            "crm_id": crm_id("001", ident, seed),
            "name": COMPANIES[a % len(COMPANIES)] + _SUFFIXES[(a // len(COMPANIES)) % len(_SUFFIXES)]
            + (f" #{a // (len(COMPANIES) * len(_SUFFIXES)) + 1}" if a >= len(COMPANIES) * len(_SUFFIXES) else ""),
            "type": ACCOUNT_TYPES[int(rnd() * len(ACCOUNT_TYPES))],
            "source": _SOURCES[int(rnd() * len(_SOURCES))],
            "active": rnd() < 0.92,
            "deleted": a % 97 == 41,
            "owner_crm_id": member_crm(owner, seed),
            "created_by_crm_id": member_crm(int(rnd() * N_MEMBERS), seed),
            "modified_by_crm_id": member_crm(int(rnd() * N_MEMBERS), seed),
            "external_parent_id": crm_id("001", ACCOUNT_ID0 + a // 8, seed) if a % 8 and a % 3 == 0 else None,
            # organisation-specific custom fields
            "custom_account_team": f"Team {'ABCDEFGH'[owner % 8]}",
            "custom_owner": f"owner-{owner:03d}",
            "custom_segment": _SEGMENTS[int(rnd() * len(_SEGMENTS))],
        }
        if a % 4 == 1:
            rec["custom_renewal_quarter"] = f"Q{1 + a % 4} FY{24 + a % 3}"
        out.append(rec)
    return out


def build_opportunities(seed: int, end_ms: int, timestamps: str = "epoch_ms") -> list[dict]:
    """Opportunity o belongs to account o % N_ACCOUNTS (three per account)."""
    rng = random.Random(f"opportunities:{seed}")
    rnd = rng.random
    conv = timestamp_converter(timestamps, OPPORTUNITY_TIMESTAMPS)
    out = []
    for o in range(N_OPPORTUNITIES):
        ident = OPPORTUNITY_ID0 + o
        a = o % N_ACCOUNTS
        stage = opportunity_stage(o, seed)
        stage_name, forecast = STAGES[stage]
        closed = stage_name.startswith("Closed")
        created = end_ms - DAY_MS * (20 + int(rnd() * 1300)) + int(rnd() * DAY_MS)
        if o % 7 == 3:  # modified in the last three days
            modified = end_ms - int(rnd() * 3 * DAY_MS)
        else:
            modified = created + int(rnd() * (end_ms - created))
        currency, rate = _CURRENCIES[int(rnd() * len(_CURRENCIES))]
        amount = None if o % 23 == 5 else round(1000 + rnd() * 250_000, 2) if o % 2 else 5000 * (1 + int(rnd() * 40))
        close_day = (created // DAY_MS) + 30 + int(rnd() * 300)
        rec = {
            "id": ident,
            "crm_id": crm_id("006", ident, seed),
            "name": f"{COMPANIES[a % len(COMPANIES)]} - {OPPORTUNITY_TYPES[o % 4]} {2023 + o % 4}",
            "type": OPPORTUNITY_TYPES[int(rnd() * len(OPPORTUNITY_TYPES))],
            "amount": amount,
            "converted_amount": None if amount is None else round(amount * rate, 2),
            "currency_iso_code": currency,
            "close_date": day_string(close_day),
            "stage_name": stage_name,
            "forecast_category": forecast,
            "lead_source": _LEAD_SOURCES[int(rnd() * len(_LEAD_SOURCES))],
            "account_id": ACCOUNT_ID0 + a,
            "account_crm_id": crm_id("001", ACCOUNT_ID0 + a, seed),
            "owner_crm_id": member_crm(int(rnd() * N_MEMBERS), seed),
            "created_by_crm_id": member_crm(int(rnd() * N_MEMBERS), seed),
            "modified_by_crm_id": member_crm(int(rnd() * N_MEMBERS), seed),
            "created_at": created,
            "modified_at": modified,
            "active": not closed,
            "closed": closed,
            "won": stage_name == "Closed Won",
            "deleted": o % 101 == 17,
        }
        if conv is not None:
            conv(rec)
        out.append(rec)
    return out
