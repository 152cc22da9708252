"""Date-parameter rules of the activity and engagement endpoints, and the server clock.

Documented mode (the defaults): ``from``/``to`` are ``YYYY-MM-DD`` local dates in
``time-zone`` (absent: the organisation's zone, "UTC"), both inclusive; no range at all
means the last 30 days; a range may span at most 730 days. The switches below model the
facts nobody has confirmed; see README.md for every rule.
"""

from __future__ import annotations

import datetime as _dt
import json
import re
import time
from dataclasses import dataclass
from functools import lru_cache
from itertools import compress
from operator import and_
from typing import Any, Mapping
from zoneinfo import ZoneInfo

from .datasets.common import DAY_MS, midnight_ms, utc_today
from .faults import check_keys

__all__ = [
    "DATE_RULE_DEFAULTS", "DateRulesError", "DateParamError", "validate_date_rules",
    "parse_date_rules_json", "Clock", "Window", "activity_window", "engagement_window",
    "get_zone", "local_midnight_ms", "DEFAULT_RANGE_DAYS", "MAX_RANGE_DAYS",
]

DEFAULT_RANGE_DAYS = 30
MAX_RANGE_DAYS = 730  # "a range may span at most 2 years"

DATE_RULE_DEFAULTS: dict[str, Any] = {
    "to_exclusive": False,  # `to` (and, unless ingested_to_exclusive says otherwise, `ingested-to`) exclusive
    "org_time_zone": "UTC",  # zone used when `time-zone` is absent (or ignored)
    "ignore_time_zone": False,  # `time-zone` is ignored; org_time_zone applies
    "ignore_dates": False,  # from/to/last-n-days ignored (and no 30-day default)
    "ingested_lifts_default": False,  # ingested-from/-to alone lift the 30-day default
    "ignore_ingested": False,  # ingested-from/-to ignored (not validated)
    "ingested_to_exclusive": None,  # null: same as to_exclusive
    "ingested_time_zone": None,  # null: the zone of from/to; else the zone that reads ingested-from/-to
    "list_future": True,  # false: activities dated after now are not listed
}

# key -> (kind, nullable): kind "bool" or "zone"
_RULE_KINDS: dict[str, tuple[str, bool]] = {
    "to_exclusive": ("bool", False),
    "org_time_zone": ("zone", False),
    "ignore_time_zone": ("bool", False),
    "ignore_dates": ("bool", False),
    "ingested_lifts_default": ("bool", False),
    "ignore_ingested": ("bool", False),
    "ingested_to_exclusive": ("bool", True),
    "ingested_time_zone": ("zone", True),
    "list_future": ("bool", False),
}

_DATE_RE = re.compile(r"\d{4}-\d{2}-\d{2}")
_EPOCH = _dt.datetime(1970, 1, 1, tzinfo=_dt.timezone.utc)
_MS = _dt.timedelta(milliseconds=1)


class DateRulesError(ValueError):
    """The date-rules JSON is not valid."""


class DateParamError(Exception):
    """A request's date parameters are invalid: answer ``status`` with ``message``."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


@lru_cache(maxsize=256)
def get_zone(name: str) -> ZoneInfo | None:
    """The IANA zone called ``name``, or None when there is no such zone."""
    if not name or len(name) > 64 or not name.isascii():
        return None
    try:
        return ZoneInfo(name)
    except Exception:  # ZoneInfoNotFoundError, ValueError, OSError for odd names
        return None


def validate_date_rules(raw: Any) -> dict:
    """Check a date-rules object and return it normalized (every key present; null = default)."""
    if raw is None:
        raw = {}
    check_keys("dates", raw, tuple(DATE_RULE_DEFAULTS), DateRulesError)
    out = dict(DATE_RULE_DEFAULTS)
    for key, (kind, nullable) in _RULE_KINDS.items():
        if key not in raw or raw[key] is None:
            continue
        v = raw[key]
        null = " or null" if nullable else ""
        if kind == "bool":
            if not isinstance(v, bool):
                raise DateRulesError(f"dates.{key} must be true or false{null}, got {v!r}")
        elif not isinstance(v, str) or get_zone(v) is None:
            raise DateRulesError(f"dates.{key} must be an IANA time zone name{null}, got {v!r}")
        out[key] = v
    return out


def parse_date_rules_json(text: str) -> dict:
    try:
        raw = json.loads(text) if text.strip() else {}
    except json.JSONDecodeError as exc:
        raise DateRulesError(f"dates are not valid JSON: {exc}") from None
    return validate_date_rules(raw)


class Clock:
    """The server's clock: real time, shifted by whole days so that the date is ``today``.

    ``start_date`` stays the date the dataset was built for; ``move_to`` shifts the clock to
    another date (the dataset does not change), ``reset`` goes back to ``start_date``.
    """

    def __init__(self, today: _dt.date | None = None) -> None:
        self.start_date = today or utc_today()
        self.move_to(self.start_date)

    def move_to(self, day: _dt.date) -> None:
        self.offset_ms = midnight_ms(day) - midnight_ms(utc_today())

    def reset(self) -> None:
        self.move_to(self.start_date)

    def now_ms(self) -> int:
        return time.time_ns() // 1_000_000 + self.offset_ms

    def today(self) -> _dt.date:
        return _dt.date(1970, 1, 1) + _dt.timedelta(days=self.now_ms() // DAY_MS)


def local_midnight_ms(day: _dt.date, zone: ZoneInfo) -> int:
    """Epoch ms of 00:00 on ``day`` in ``zone``."""
    return (_dt.datetime(day.year, day.month, day.day, tzinfo=zone) - _EPOCH) // _MS


def _parse_date(name: str, value: str) -> _dt.date:
    if _DATE_RE.fullmatch(value):
        try:
            return _dt.date.fromisoformat(value)
        except ValueError:
            pass
    raise DateParamError(400, f"{name} must be a date YYYY-MM-DD, got {value!r}")


def _parse_days(value: str) -> int:
    if value.isascii() and value.isdigit() and int(value) >= 1:
        days = int(value)
        if days > MAX_RANGE_DAYS:
            raise DateParamError(400, f"date range cannot exceed 2 years ({MAX_RANGE_DAYS} days): last-n-days={days}")
        return days
    raise DateParamError(400, f"last-n-days must be an integer >= 1, got {value!r}")


def _zone(query: Mapping[str, str], rules: dict) -> ZoneInfo:
    name = rules["org_time_zone"]
    if not rules["ignore_time_zone"]:
        asked = query.get("time-zone")
        if asked:  # an empty value counts as absent
            name = asked
    zone = get_zone(name)
    if zone is None:
        raise DateParamError(400, f"time-zone must be an IANA time zone name, got {name!r}")
    return zone


def _check_span(d0: _dt.date, d1: _dt.date, names: str) -> None:
    if (d1 - d0).days > MAX_RANGE_DAYS:
        raise DateParamError(
            400, f"date range cannot exceed 2 years ({MAX_RANGE_DAYS} days): {names} span {(d1 - d0).days} days"
        )


@dataclass(frozen=True)
class Window:
    """Half-open bounds in epoch ms (None: unbounded) on activity time and ingestion time."""

    lo: int | None = None
    hi: int | None = None
    ilo: int | None = None
    ihi: int | None = None

    @property
    def ingested(self) -> bool:
        return self.ilo is not None or self.ihi is not None


def activity_window(query: Mapping[str, str], rules: dict, now_ms: int) -> Window:
    """The records a GET on activities or participants asks for; raises DateParamError (400)."""
    zone = _zone(query, rules)
    exclusive = rules["to_exclusive"]
    if rules["ignore_ingested"]:
        ifrom = ito = None
    else:
        ifrom, ito = query.get("ingested-from"), query.get("ingested-to")
    has_ingested = ifrom is not None or ito is not None
    lo = hi = None
    if not rules["ignore_dates"]:
        f, t, n = query.get("from"), query.get("to"), query.get("last-n-days")
        if n is not None:
            if f is not None or t is not None:
                raise DateParamError(400, "use either last-n-days or from/to, not both")
            lo, hi = now_ms - _parse_days(n) * DAY_MS, now_ms + 1
        elif f is None and t is None:
            if not (has_ingested and rules["ingested_lifts_default"]):
                lo, hi = now_ms - DEFAULT_RANGE_DAYS * DAY_MS, now_ms + 1
        else:
            fd = _parse_date("from", f) if f is not None else None
            td = _parse_date("to", t) if t is not None else None
            if fd is not None and td is not None:
                if td < fd:
                    raise DateParamError(400, f"from ({f}) must not be after to ({t})")
                _check_span(fd, td, "from..to")
                d0, d1 = fd, td if exclusive else td + _dt.timedelta(days=1)
            elif fd is not None:  # only `from`: the 30 days starting there
                d0, d1 = fd, fd + _dt.timedelta(days=DEFAULT_RANGE_DAYS)
            else:  # only `to`: the 30 days ending there
                d1 = td if exclusive else td + _dt.timedelta(days=1)
                d0 = d1 - _dt.timedelta(days=DEFAULT_RANGE_DAYS)
            lo, hi = local_midnight_ms(d0, zone), local_midnight_ms(d1, zone)
    if not rules["list_future"] and (hi is None or hi > now_ms + 1):
        hi = now_ms + 1  # activities dated after now are not listed
    ilo = ihi = None
    if has_ingested:  # one-sided ingested bounds stay open on the other side
        fd = _parse_date("ingested-from", ifrom) if ifrom is not None else None
        td = _parse_date("ingested-to", ito) if ito is not None else None
        if fd is not None and td is not None and td < fd:
            raise DateParamError(400, f"ingested-from ({ifrom}) must not be after ingested-to ({ito})")
        izone = zone if rules["ingested_time_zone"] is None else get_zone(rules["ingested_time_zone"])
        iexclusive = exclusive if rules["ingested_to_exclusive"] is None else rules["ingested_to_exclusive"]
        if fd is not None:
            ilo = local_midnight_ms(fd, izone)
        if td is not None:
            ihi = local_midnight_ms(td if iexclusive else td + _dt.timedelta(days=1), izone)
    return Window(lo, hi, ilo, ihi)


def engagement_window(query: Mapping[str, str], rules: dict, now_ms: int) -> tuple[str | None, str | None]:
    """Half-open ``[lo, hi)`` bounds on the ``date`` of engagement records (ISO date strings).

    400 for malformed values, 422 unless ``from`` is strictly before ``to``.
    """
    zone = _zone(query, rules)
    if rules["ignore_dates"]:
        return None, None
    today = _dt.datetime.fromtimestamp(now_ms / 1000, zone).date()
    day = _dt.timedelta(days=1)
    f, t, n = query.get("from"), query.get("to"), query.get("last-n-days")
    if n is not None:
        if f is not None or t is not None:
            raise DateParamError(400, "use either last-n-days or from/to, not both")
        return (today - _parse_days(n) * day).isoformat(), today.isoformat()
    if f is None and t is None:
        return (today - DEFAULT_RANGE_DAYS * day).isoformat(), today.isoformat()
    td = _parse_date("to", t) if t is not None else today
    fd = _parse_date("from", f) if f is not None else td - DEFAULT_RANGE_DAYS * day
    if not fd < td:
        raise DateParamError(422, f"from ({fd.isoformat()}) must be before to ({td.isoformat()})")
    _check_span(fd, td, "from..to")
    return fd.isoformat(), (td if rules["to_exclusive"] else td + day).isoformat()


def filter_between(values: list, start: int, stop: int, lo: int | None, hi: int | None,
                   keep: list[bool] | None = None) -> list[int]:
    """Indices i in [start, stop) with lo <= values[i] < hi (None: unbounded) and keep[i].

    ``values`` holds NaN for a missing time: NaN compares false, so it never matches a bound.
    ``keep`` (None: every index) drops the indices whose flag is false.
    """
    idx = range(start, stop)
    part = values[start:stop]
    if lo is None and hi is None:
        mask = None
    elif lo is None:
        mask = [v < hi for v in part]
    elif hi is None:
        mask = [v >= lo for v in part]
    else:
        mask = [lo <= v < hi for v in part]
    if keep is not None:
        flags = keep[start:stop]
        mask = flags if mask is None else list(map(and_, mask, flags))
    return list(idx) if mask is None else list(compress(idx, mask))
