"""Validation of the control API's JSON bodies (records, backfill, schedule, delete,
reprocess, clock). Each ``parse_*`` returns the normalized arguments or raises
``ControlError`` (answered 400 with its message)."""

from __future__ import annotations

import datetime as _dt
from typing import Any

__all__ = [
    "ControlError", "MAX_ADD", "MAX_DAYS", "REFUSED_SET_KEYS", "parse_records", "parse_backfill",
    "parse_schedule", "parse_delete", "parse_reprocess", "parse_clock",
]

MAX_ADD = 10000  # records a single call may add
MAX_DAYS = 10000  # days_ago / days_ahead (about 27 years)
REFUSED_SET_KEYS = ("uid", "activity_timestamp", "ingested_at")


class ControlError(ValueError):
    """A control request is invalid (answered 400)."""


def _is_int(v: Any) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


def _object(where: str, body: Any, allowed: tuple[str, ...]) -> dict:
    if not isinstance(body, dict):
        raise ControlError(f"{where}: body must be a JSON object")
    unknown = sorted(set(body) - set(allowed))
    if unknown:
        raise ControlError(f"{where}: unknown key(s) {unknown}; allowed: {list(allowed)}")
    return body


def _count(where: str, body: dict) -> int:
    count = body.get("count", 1)
    if not _is_int(count) or not 1 <= count <= MAX_ADD:
        raise ControlError(f"{where}.count must be an integer 1..{MAX_ADD}, got {count!r}")
    return count


def _bool(where: str, key: str, body: dict, default: bool) -> bool:
    v = body.get(key, default)
    if v is None:
        return default
    if not isinstance(v, bool):
        raise ControlError(f"{where}.{key} must be true or false, got {v!r}")
    return v


def _days(where: str, key: str, body: dict, far_first: bool) -> tuple[int, int]:
    """An integer 0..MAX_DAYS, or a pair; returned as (first, second) of the pair."""
    if key not in body or body[key] is None:
        raise ControlError(f"{where}.{key} is required")
    v = body[key]
    order = "older first" if far_first else "nearer first"
    shape = f"an integer 0..{MAX_DAYS} or a list [{'D_old, D_new' if far_first else 'D_near, D_far'}] ({order})"
    if _is_int(v):
        pair = (v, v)
    elif isinstance(v, list) and len(v) == 2 and all(_is_int(x) for x in v):
        pair = (v[0], v[1])
    else:
        raise ControlError(f"{where}.{key} must be {shape}, got {v!r}")
    if not all(0 <= x <= MAX_DAYS for x in pair):
        raise ControlError(f"{where}.{key} must be {shape}, got {v!r}")
    if (pair[0] < pair[1]) if far_first else (pair[0] > pair[1]):
        raise ControlError(f"{where}.{key} must list the {order}, got {v!r}")
    return pair


def spread(first_ms: int, last_ms: int, count: int) -> list[int]:
    """``count`` times evenly from ``first_ms`` to ``last_ms`` (both included; one: the first)."""
    if count == 1:
        return [first_ms]
    return [first_ms + (last_ms - first_ms) * j // (count - 1) for j in range(count)]


def parse_records(body: Any) -> tuple[int, int | None]:
    """``/_control/records`` → (count, timestamp_ms or None)."""
    _object("records", body, ("count", "timestamp_ms"))
    count = _count("records", body)
    ts = body.get("timestamp_ms")
    if ts is not None and (not _is_int(ts) or ts < 0):
        raise ControlError(f"records.timestamp_ms must be null or epoch milliseconds >= 0, got {ts!r}")
    return count, ts


def parse_backfill(body: Any) -> tuple[int, tuple[int, int], bool]:
    """``/_control/backfill`` → (count, (days_ago old, new), no_ingested_at)."""
    _object("backfill", body, ("count", "days_ago", "no_ingested_at"))
    return (_count("backfill", body), _days("backfill", "days_ago", body, far_first=True),
            _bool("backfill", "no_ingested_at", body, False))


def parse_schedule(body: Any) -> tuple[int, tuple[int, int]]:
    """``/_control/schedule`` → (count, (days_ahead near, far))."""
    _object("schedule", body, ("count", "days_ahead"))
    return _count("schedule", body), _days("schedule", "days_ahead", body, far_first=False)


def _uids(where: str, body: dict) -> list[str]:
    uids = body.get("uids")
    if not isinstance(uids, list) or not uids or not all(isinstance(u, str) for u in uids):
        raise ControlError(f"{where}.uids must be a non-empty list of activity uids, got {uids!r}")
    seen: set[str] = set()
    dupes = sorted({u for u in uids if u in seen or seen.add(u)})
    if dupes:
        raise ControlError(f"{where}.uids lists the same uid more than once: {dupes}")
    return uids


def parse_delete(body: Any) -> tuple[list[str], bool]:
    """``/_control/delete`` → (uids, moves_ingested)."""
    _object("delete", body, ("uids", "moves_ingested"))
    return _uids("delete", body), _bool("delete", "moves_ingested", body, False)


def parse_reprocess(body: Any) -> tuple[list[str], bool, int, dict]:
    """``/_control/reprocess`` → (uids, moves_ingested, shift_ms, set)."""
    _object("reprocess", body, ("uids", "moves_ingested", "shift_ms", "set"))
    uids = _uids("reprocess", body)
    moves = _bool("reprocess", "moves_ingested", body, True)
    shift = body.get("shift_ms", 0)
    if shift is None:
        shift = 0
    if not _is_int(shift):
        raise ControlError(f"reprocess.shift_ms must be an integer (milliseconds), got {shift!r}")
    fields = body.get("set") or {}
    if not isinstance(fields, dict):
        raise ControlError(f"reprocess.set must be a JSON object of top-level fields, got {fields!r}")
    refused = sorted(set(fields) & set(REFUSED_SET_KEYS))
    if refused:
        raise ControlError(f"reprocess.set may not change {refused} (use shift_ms and moves_ingested)")
    if "deleted" in fields and not isinstance(fields["deleted"], bool):
        raise ControlError(f"reprocess.set.deleted must be true or false, got {fields['deleted']!r}")
    return uids, moves, shift, fields


def parse_clock(body: Any) -> _dt.date:
    """``POST /_control/clock`` → the server's new date."""
    _object("clock", body, ("today",))
    v = body.get("today")
    if isinstance(v, str) and len(v) == 10 and v[4] == "-" and v[7] == "-" and v.replace("-", "").isdigit():
        try:
            return _dt.date.fromisoformat(v)
        except ValueError:
            pass
    raise ControlError(f"clock.today must be a date YYYY-MM-DD, got {v!r}")
