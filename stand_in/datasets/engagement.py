"""Engagement levels: one score per object and day for the ``HISTORY_DAYS`` days before today.

Only a subset of each object kind is scored (every ``STRIDE``-th object), which keeps the
datasets at a few thousand rows. Records are ordered by date, then id.
"""

from __future__ import annotations

import random

from .common import (
    ACCOUNT_ID0, CONTACT_ID0, DAY_MS, HOUR_MS, LEAD_ID0, N_ACCOUNTS, N_CONTACTS, N_LEADS,
    N_OPPORTUNITIES, OPPORTUNITY_ID0, crm_id, day_string, timestamp_converter,
)

HISTORY_DAYS = 90
ENGAGEMENT_TIMESTAMPS = ("timestamp",)
# kind: (first id, number of objects, stride, CRM prefix)
KINDS = {
    "accounts": (ACCOUNT_ID0, N_ACCOUNTS, 10, "001"),
    "opportunities": (OPPORTUNITY_ID0, N_OPPORTUNITIES, 30, "006"),
    "contacts": (CONTACT_ID0, N_CONTACTS, 30, "003"),
    "leads": (LEAD_ID0, N_LEADS, 20, "00Q"),
}


def scored_ids(kind: str) -> list[int]:
    id0, n, stride, _prefix = KINDS[kind]
    return [id0 + k for k in range(0, n, stride)]


def build_engagement(kind: str, seed: int, end_ms: int, timestamps: str = "epoch_ms") -> list[dict]:
    """Scores for dates today-HISTORY_DAYS .. today-1 (``end_ms`` is 00:00 UTC of today)."""
    id0, n, stride, prefix = KINDS[kind]
    rng = random.Random(f"engagement:{kind}:{seed}")
    conv = timestamp_converter(timestamps, ENGAGEMENT_TIMESTAMPS)
    ids = scored_ids(kind)
    crm = {i: crm_id(prefix, i, seed) for i in ids}
    score = {i: int(rng.random() * 100) for i in ids}
    today = end_ms // DAY_MS
    out = []
    for day in range(today - HISTORY_DAYS, today):
        date = day_string(day)
        for i in ids:
            s = score[i] + int(rng.random() * 11) - 5
            score[i] = s = 0 if s < 0 else 100 if s > 100 else s
            rec = {
                "id": i,
                "crm_id": crm[i],
                "date": date,
                "score": s,
                "timestamp": day * DAY_MS + 2 * HOUR_MS + (i % 3600) * 1000,
            }
            if conv is not None:
                conv(rec)
            out.append(rec)
    return out
