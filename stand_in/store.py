"""Serialized records of every stream, with the indexes the endpoints filter on.

Records are serialized once; a page is a list of byte strings the HTTP layer joins with
commas. Activities and participants keep parallel sorted lists of activity times, so a
date range is two bisects; an ingestion-date range adds one pass over that slice, whose
result is cached for the following pages. Not thread-safe: ``State`` calls it under a lock.
"""

from __future__ import annotations

import bisect
import gc
import json
import random
from collections import OrderedDict
from typing import Any, Sequence

from .dates import Window, filter_between
from .datasets import ENGAGEMENT_STREAMS, OBJECT_STREAMS
from .datasets.activities import FIRST_PARTICIPANT_ID, ActivityFactory, activity_times

_JSON = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), check_circular=False)


def dumps(obj: Any) -> bytes:
    """Compact UTF-8 JSON (same bytes as json.dumps(ensure_ascii=False, separators=(",", ":")))."""
    return _JSON.encode(obj).encode("utf-8")


class Page:
    """The records a request selected: ``total`` of them, ``get(offset, limit)`` for a page."""

    __slots__ = ("records", "start", "stop", "index")

    def __init__(self, records: list[bytes], start: int = 0, stop: int | None = None,
                 index: Sequence[int] | None = None) -> None:
        self.records = records
        self.start = start
        self.stop = len(records) if stop is None else stop
        self.index = index

    @property
    def total(self) -> int:
        return len(self.index) if self.index is not None else max(0, self.stop - self.start)

    def get(self, offset: int, limit: int) -> list[bytes]:
        if self.index is not None:
            recs = self.records
            return [recs[i] for i in self.index[offset:offset + limit]]
        a = self.start + offset
        return self.records[a:min(a + limit, self.stop)] if a < self.stop else []


class TimedStream:
    """Records in activity-time order with their activity and ingestion times."""

    def __init__(self) -> None:
        self.records: list[bytes] = []
        self.ts: list[int] = []
        self.ingested: list[int] = []

    def copy(self) -> "TimedStream":
        c = TimedStream()
        c.records, c.ts, c.ingested = list(self.records), list(self.ts), list(self.ingested)
        return c

    def insert(self, ts: int, ingested: int, records: list[bytes]) -> None:
        """Insert after every record with the same or an earlier time (keeps the order)."""
        pos = bisect.bisect_right(self.ts, ts)
        if pos == len(self.ts):
            self.records.extend(records)
            self.ts.extend([ts] * len(records))
            self.ingested.extend([ingested] * len(records))
        else:
            self.records[pos:pos] = records
            self.ts[pos:pos] = [ts] * len(records)
            self.ingested[pos:pos] = [ingested] * len(records)


class ActivityStore:
    """Activities and participants (participants follow their activity's time order)."""

    CACHE_SIZE = 32

    def __init__(self, n: int, seed: int, end_ms: int, timestamps: str = "epoch_ms") -> None:
        self.n = n
        self.seed = seed
        self.end_ms = end_ms
        self.factory = ActivityFactory(seed, end_ms, timestamps)
        acts, parts = TimedStream(), TimedStream()
        times = activity_times(n, seed, end_ms)
        rng = random.Random(seed)
        make = self.factory.make
        pid = FIRST_PARTICIPANT_ID
        a_rec, a_ts, a_ing = acts.records.append, acts.ts.append, acts.ingested.append
        p_rec, p_ts, p_ing = parts.records.append, parts.ts.append, parts.ingested.append
        was_enabled = gc.isenabled()
        gc.disable()  # hundreds of thousands of new objects, nothing to collect
        try:
            for i in range(n):
                made = make(i, times[i], rng, pid)
                ts, ing = made.activity_timestamp, made.ingested_at
                a_rec(made.activity.encode("utf-8"))
                a_ts(ts)
                a_ing(ing)
                for row in made.participants:
                    p_rec(row.encode("utf-8"))
                    p_ts(ts)
                    p_ing(ing)
                pid += len(made.participants)
        finally:
            if was_enabled:
                gc.enable()
        self._base = (acts, parts, pid)
        self.reset()

    def reset(self) -> None:
        """Forget added activities."""
        self.activities, self.participants, self.next_pid = self._base
        self.next_index = self.n
        self.added = 0
        self.version = 0
        self._cache: OrderedDict = OrderedDict()

    def stream(self, name: str) -> TimedStream:
        return self.activities if name == "activities" else self.participants

    def add(self, times: list[int], ingested_ms: int) -> list[str]:
        """Add one activity (with participants) per time; returns their uids."""
        if self.activities is self._base[0]:  # copy on first write: reset restores the base
            self.activities, self.participants = self.activities.copy(), self.participants.copy()
        uids = []
        for ts in sorted(times):
            i = self.next_index
            rng = random.Random(f"added:{self.seed}:{i}")
            made = self.factory.make(i, ts, rng, self.next_pid, ingested=ingested_ms)
            self.activities.insert(ts, made.ingested_at, [made.activity.encode("utf-8")])
            self.participants.insert(ts, made.ingested_at, [r.encode("utf-8") for r in made.participants])
            self.next_pid += len(made.participants)
            self.next_index += 1
            self.added += 1
            uids.append(f"act-{i + 1:06d}")
        self.version += 1
        self._cache.clear()
        return uids

    def select(self, name: str, w: Window) -> Page:
        s = self.stream(name)
        ts = s.ts
        start = 0 if w.lo is None else bisect.bisect_left(ts, w.lo)
        stop = len(ts) if w.hi is None else bisect.bisect_left(ts, w.hi)
        stop = max(start, stop)
        if not w.ingested:
            return Page(s.records, start, stop)
        key = (name, start, stop, w.ilo, w.ihi)
        index = self._cache.get(key)
        if index is None:
            index = filter_between(s.ingested, start, stop, w.ilo, w.ihi)
            self._cache[key] = index
            if len(self._cache) > self.CACHE_SIZE:
                self._cache.popitem(last=False)
        else:
            self._cache.move_to_end(key)
        return Page(s.records, index=index)


class ObjectStream:
    """A small stream (hundreds to thousands of records) with exact-match filters.

    ``filters``: query parameter -> (record field, "int" | "str"); string matches ignore case.
    """

    def __init__(self, records: list[dict], filters: dict[str, tuple[str, str]]) -> None:
        self.records = [dumps(r) for r in records]
        self.filters = filters
        self.index: dict[str, dict[Any, list[int]]] = {}
        for param, (fld, kind) in filters.items():
            by: dict[Any, list[int]] = {}
            for i, r in enumerate(records):
                v = r.get(fld)
                if v is None:
                    continue
                by.setdefault(v.casefold() if kind == "str" else v, []).append(i)
            self.index[param] = by

    def select(self, query: dict[str, str]) -> Page:
        """Raises ValueError(message) for a malformed integer filter."""
        chosen: list[int] | None = None
        for param, (_fld, kind) in self.filters.items():
            raw = query.get(param)
            if raw is None:
                continue
            if kind == "int":
                if not (raw.isascii() and raw.lstrip("-").isdigit()):
                    raise ValueError(f"{param} must be an integer, got {raw!r}")
                key: Any = int(raw)
            else:
                key = raw.casefold()
            hits = self.index[param].get(key, [])
            chosen = hits if chosen is None else sorted(set(chosen) & set(hits))
        if chosen is None:
            return Page(self.records)
        return Page(self.records, index=chosen)


class EngagementStream:
    """Scores ordered by date then id; ``id_param`` (e.g. ``account-id``) filters on one id."""

    def __init__(self, records: list[dict], id_param: str) -> None:
        self.records = [dumps(r) for r in records]
        self.dates = [r["date"] for r in records]
        self.id_param = id_param
        self.by_id: dict[int, list[int]] = {}
        for i, r in enumerate(records):
            self.by_id.setdefault(r["id"], []).append(i)

    def select(self, query: dict[str, str], lo: str | None, hi: str | None) -> Page:
        raw = query.get(self.id_param)
        dates = self.dates
        if raw is None:
            start = 0 if lo is None else bisect.bisect_left(dates, lo)
            stop = len(dates) if hi is None else bisect.bisect_left(dates, hi)
            return Page(self.records, start, max(start, stop))
        if not (raw.isascii() and raw.lstrip("-").isdigit()):
            raise ValueError(f"{self.id_param} must be an integer, got {raw!r}")
        index = self.by_id.get(int(raw), [])
        keep = [i for i in index if (lo is None or dates[i] >= lo) and (hi is None or dates[i] < hi)]
        return Page(self.records, index=keep)


def build_object_streams(
    seed: int, end_ms: int, timestamps: str, specs: dict[str, dict[str, tuple[str, str]]],
    engagement_ids: dict[str, str],
) -> dict[str, Any]:
    """Every object and engagement stream, keyed by stream name."""
    out: dict[str, Any] = {}
    for name, build in OBJECT_STREAMS.items():
        out[name] = ObjectStream(build(seed, end_ms, timestamps), specs.get(name, {}))
    for name, build in ENGAGEMENT_STREAMS.items():
        out[name] = EngagementStream(build(seed, end_ms, timestamps), engagement_ids[name])
    return out

