"""The stand-in's synthetic datasets, one module per resource.

``build_dataset(n, seed, today, timestamps, meetings_ahead=...)`` returns every stream as Python
objects, exactly what the server serves (the server serializes the same records once at start-up).
"""

from __future__ import annotations

import datetime as _dt
import gc
from typing import Callable, Iterator

from .accounts import build_accounts, build_opportunities
from .activities import (
    CYCLE, MISSING, SPAN_DAYS, SPECIAL_SUBJECTS, ActivityFactory, activity_times, end_of_dataset,
    iter_activities,
)
from .common import TIMESTAMP_MODES, parse_today
from .engagement import build_engagement
from .people import build_contacts, build_leads
from .teams import build_team_members, build_teams

__all__ = [
    "build_dataset", "build_objects", "iter_dataset", "OBJECT_STREAMS", "ENGAGEMENT_STREAMS",
    "STREAM_NAMES", "SPECIAL_SUBJECTS", "MISSING", "CYCLE", "SPAN_DAYS", "TIMESTAMP_MODES",
    "ActivityFactory", "activity_times", "end_of_dataset", "parse_today",
]


def _engagement(kind: str) -> Callable[[int, int, str], list[dict]]:
    return lambda seed, end_ms, timestamps="epoch_ms": build_engagement(kind, seed, end_ms, timestamps)


OBJECT_STREAMS: dict[str, Callable[..., list[dict]]] = {
    "accounts": build_accounts,
    "opportunities": build_opportunities,
    "contacts": build_contacts,
    "leads": build_leads,
    "teams": build_teams,
    "team_members": build_team_members,
}
ENGAGEMENT_STREAMS: dict[str, Callable[..., list[dict]]] = {
    f"{kind}_engagement": _engagement(kind) for kind in ("accounts", "opportunities", "contacts", "leads")
}
STREAM_NAMES = ("activities", "participants", *OBJECT_STREAMS, *ENGAGEMENT_STREAMS)


def iter_dataset(
    n_activities: int, seed: int = 42, today: "str | _dt.date | None" = None, timestamps: str = "epoch_ms",
    meetings_ahead: int | None = None,
) -> Iterator[tuple[dict, list[dict]]]:
    """Yield ``(activity, participant_rows)`` in time order; rows sorted by email.

    ``n_activities`` past activities, then ``meetings_ahead`` (default n // 50) meetings dated
    over the 60 days after today."""
    return iter_activities(n_activities, seed, end_of_dataset(parse_today(today)), timestamps, meetings_ahead)


def build_objects(seed: int = 42, today: "str | _dt.date | None" = None, timestamps: str = "epoch_ms") -> dict:
    """Every stream except activities and participants."""
    end_ms = end_of_dataset(parse_today(today))
    out = {name: build(seed, end_ms, timestamps) for name, build in OBJECT_STREAMS.items()}
    out.update({name: build(seed, end_ms, timestamps) for name, build in ENGAGEMENT_STREAMS.items()})
    return out


def build_dataset(
    n_activities: int,
    seed: int = 42,
    today: "str | _dt.date | None" = None,
    timestamps: str = "epoch_ms",
    objects: bool = True,
    meetings_ahead: int | None = None,
) -> dict:
    """``{"activities": [...], "participants": [...], "accounts": [...], ...}``.

    ``today``: a date or ``YYYY-MM-DD`` (default: the real UTC date). ``objects=False``
    leaves out everything but activities and participants. ``meetings_ahead``: meetings booked
    ahead, dated after today (default ``n_activities // 50``), after the past activities.
    """
    activities: list[dict] = []
    participants: list[dict] = []
    was_enabled = gc.isenabled()
    gc.disable()  # hundreds of thousands of new containers; nothing to collect
    try:
        for activity, rows in iter_dataset(n_activities, seed, today, timestamps, meetings_ahead):
            activities.append(activity)
            participants.extend(rows)
    finally:
        if was_enabled:
            gc.enable()
    out = {"activities": activities, "participants": participants}
    if objects:
        out.update(build_objects(seed, today, timestamps))
    return out
