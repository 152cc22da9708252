"""Serialized records of every stream, with the indexes the endpoints filter on.

Records are serialized once; a page is a list of byte strings the HTTP layer joins with
commas. Activities and participants keep parallel sorted lists of activity times, so a
date range is two bisects; an ingestion-date range or hidden deleted records add one pass
over that slice, whose result is cached for the following pages. Control operations
(added, deleted, re-processed activities) rewrite the few records they touch and clear the
cache. Not thread-safe: ``State`` calls it under a lock.
"""

from __future__ import annotations

import bisect
import datetime as _dt
import gc
import json
import random
from collections import OrderedDict
from typing import Any, Sequence

from .dates import Window, filter_between
from .datasets import ENGAGEMENT_STREAMS, OBJECT_STREAMS
from .datasets.activities import FIRST_PARTICIPANT_ID, ActivityFactory, default_meetings_ahead, iter_made
from .datasets.common import iso_ms

_JSON = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), check_circular=False)
NO_TIME = float("nan")  # ingestion time of a record whose ingested_at is null: matches no bound


def dumps(obj: Any) -> bytes:
    """Compact UTF-8 JSON (same bytes as json.dumps(ensure_ascii=False, separators=(",", ":")))."""
    return _JSON.encode(obj).encode("utf-8")


def _ms(value: Any) -> int:
    """A record's timestamp (epoch ms or ISO string) as epoch ms."""
    if isinstance(value, str):
        t = _dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
        return (t - _dt.datetime(1970, 1, 1, tzinfo=_dt.timezone.utc)) // _dt.timedelta(milliseconds=1)
    return int(value)


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
    """Records in activity-time order with their activity and ingestion times.

    ``ingested`` holds NaN for a null ``ingested_at``; ``live`` is False for a record marked
    deleted (``dead`` of them).
    """

    def __init__(self) -> None:
        self.records: list[bytes] = []
        self.ts: list[int] = []
        self.ingested: list[float] = []
        self.live: list[bool] = []
        self.dead = 0

    def copy(self) -> "TimedStream":
        c = TimedStream()
        c.records, c.ts, c.ingested, c.live = list(self.records), list(self.ts), list(self.ingested), list(self.live)
        c.dead = self.dead
        return c

    def insert(self, ts: int, ingested: float, records: list[bytes], live: list[bool] | None = None) -> None:
        """Insert after every record with the same or an earlier time (keeps the order)."""
        k = len(records)
        flags = [True] * k if live is None else live
        pos = bisect.bisect_right(self.ts, ts)
        if pos == len(self.ts):
            self.records.extend(records)
            self.ts.extend([ts] * k)
            self.ingested.extend([ingested] * k)
            self.live.extend(flags)
        else:
            self.records[pos:pos] = records
            self.ts[pos:pos] = [ts] * k
            self.ingested[pos:pos] = [ingested] * k
            self.live[pos:pos] = flags
        self.dead += k - sum(flags)

    def remove(self, pos: int) -> tuple[bytes, float, bool]:
        rec, ing, live = self.records.pop(pos), self.ingested.pop(pos), self.live.pop(pos)
        del self.ts[pos]
        if not live:
            self.dead -= 1
        return rec, ing, live

    def set_live(self, pos: int, live: bool) -> None:
        if self.live[pos] != live:
            self.live[pos] = live
            self.dead += -1 if live else 1


class ActivityStore:
    """Activities and participants (participants follow their activity's time order).

    ``n`` past activities, then ``meetings_ahead`` meetings dated after ``end_ms``; uid
    ``act-{i+1:06d}`` is activity index ``i``, whose current time is ``act_ts[i]``.
    """

    CACHE_SIZE = 32

    def __init__(self, n: int, seed: int, end_ms: int, timestamps: str = "epoch_ms",
                 meetings_ahead: int | None = None) -> None:
        self.n = n
        self.meetings_ahead = default_meetings_ahead(n) if meetings_ahead is None else meetings_ahead
        self.seed = seed
        self.end_ms = end_ms
        self.factory = ActivityFactory(seed, end_ms, timestamps)
        self.value = iso_ms if timestamps == "iso" else int  # a timestamp as the records write it
        acts, parts = TimedStream(), TimedStream()
        act_ts: list[int] = []
        pid = FIRST_PARTICIPANT_ID
        a_rec, a_ts, a_ing = acts.records.append, acts.ts.append, acts.ingested.append
        p_rec, p_ts, p_ing = parts.records.append, parts.ts.append, parts.ingested.append
        was_enabled = gc.isenabled()
        gc.disable()  # hundreds of thousands of new objects, nothing to collect
        try:
            for made in iter_made(n, seed, end_ms, timestamps, self.meetings_ahead):
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
        acts.live = [True] * len(acts.records)
        parts.live = [True] * len(parts.records)
        act_ts = list(acts.ts)  # the base dataset is in index order
        self._base = (acts, parts, pid, act_ts)
        self.reset()

    def reset(self) -> None:
        """Forget added, deleted and re-processed activities."""
        self.activities, self.participants, self.next_pid, self.act_ts = self._base
        self.next_index = len(self.act_ts)
        self.added = 0
        self.version = 0
        self._cache: OrderedDict = OrderedDict()

    def stream(self, name: str) -> TimedStream:
        return self.activities if name == "activities" else self.participants

    def _write(self) -> None:
        """Copy on first write (reset restores the base); every write clears the page cache."""
        if self.activities is self._base[0]:
            self.activities, self.participants = self.activities.copy(), self.participants.copy()
            self.act_ts = list(self.act_ts)
        self.version += 1
        self._cache.clear()

    # -- added activities --------------------------------------------------------------
    def add(self, times: list[int], ingested_ms: int, meeting: bool = False,
            no_ingested_at: bool = False) -> list[str]:
        """Add one activity (with participants) per time, ingested (created, modified) at
        ``ingested_ms``; returns their uids, in time order."""
        self._write()
        uids = []
        ing = NO_TIME if no_ingested_at else ingested_ms
        for ts in sorted(times):
            i = self.next_index
            rng = random.Random(f"added:{self.seed}:{i}")
            made = self.factory.make(i, ts, rng, self.next_pid, ingested=ingested_ms, meeting=meeting,
                                     no_ingested_at=no_ingested_at)
            self.activities.insert(ts, ing, [made.activity.encode("utf-8")])
            self.participants.insert(ts, ing, [r.encode("utf-8") for r in made.participants])
            self.act_ts.append(ts)
            self.next_pid += len(made.participants)
            self.next_index += 1
            self.added += 1
            uids.append(f"act-{i + 1:06d}")
        return uids

    # -- lookups ---------------------------------------------------------------------------
    def index_of(self, uid: Any) -> int | None:
        """Activity index of ``uid``, or None when there is no such activity."""
        if not isinstance(uid, str) or not uid.startswith("act-") or not uid[4:].isascii() or not uid[4:].isdigit():
            return None
        i = int(uid[4:]) - 1
        if not 0 <= i < len(self.act_ts) or f"act-{i + 1:06d}" != uid:
            return None
        return i

    def _activity_pos(self, i: int) -> int:
        s, t = self.activities, self.act_ts[i]
        prefix = f'{{"uid":"act-{i + 1:06d}"'.encode()
        p = bisect.bisect_left(s.ts, t)
        while p < len(s.ts) and s.ts[p] == t:
            if s.records[p].startswith(prefix):
                return p
            p += 1
        raise LookupError(i)  # pragma: no cover - act_ts and the stream always agree

    def _row_positions(self, i: int) -> list[int]:
        s, t = self.participants, self.act_ts[i]
        needle = f'"activity_uid":"act-{i + 1:06d}"'.encode()
        p = bisect.bisect_left(s.ts, t)
        out = []
        n = len(s.ts)
        while p < n and s.ts[p] == t:
            if needle in s.records[p][:100]:
                out.append(p)
            p += 1
        return out

    def activity_time(self, i: int) -> int:
        return self.act_ts[i]

    # -- deleted and re-processed activities --------------------------------------------
    def delete(self, indices: list[int], now_ms: int, moves_ingested: bool) -> int:
        """Mark activities and all their participant rows deleted; returns the rows marked."""
        self._write()
        acts, parts, v = self.activities, self.participants, self.value
        rows = 0
        for i in indices:
            p = self._activity_pos(i)
            obj = json.loads(acts.records[p])
            obj["deleted"] = True
            obj["modified_at"] = v(now_ms)
            if moves_ingested:
                obj["ingested_at"] = v(now_ms)
                acts.ingested[p] = now_ms
            acts.records[p] = dumps(obj)
            acts.set_live(p, False)
            for q in self._row_positions(i):
                row = json.loads(parts.records[q])
                row["deleted"] = True
                if moves_ingested:
                    row["ingested_at"] = v(now_ms)
                    parts.ingested[q] = now_ms
                parts.records[q] = dumps(row)
                parts.set_live(q, False)
                rows += 1
        return rows

    def reprocess(self, indices: list[int], now_ms: int, moves_ingested: bool, shift_ms: int,
                  fields: dict) -> list[int]:
        """Re-process activities: modified now, ingested now (``moves_ingested``), moved by
        ``shift_ms`` (to their new place in time order), ``fields`` set on the activity
        (``deleted`` on its rows too). Returns the new activity times."""
        self._write()
        acts, parts, v = self.activities, self.participants, self.value
        out = []
        for i in indices:
            old = self.act_ts[i]
            new = old + shift_ms
            p = self._activity_pos(i)
            obj = json.loads(acts.records[p])
            obj["modified_at"] = v(now_ms)
            ing = acts.ingested[p]
            if moves_ingested:
                obj["ingested_at"] = v(now_ms)
                ing = now_ms
            if shift_ms:
                obj["activity_timestamp"] = v(new)
                for key in ("meeting_start_time", "meeting_end_time"):
                    if obj.get(key) is not None:
                        obj[key] = v(_ms(obj[key]) + shift_ms)
            obj.update(fields)
            live = obj.get("deleted") is not True
            rec = dumps(obj)
            row_pos = self._row_positions(i)
            rows, row_live = [], []
            for q in row_pos:
                row = json.loads(parts.records[q])
                if moves_ingested:
                    row["ingested_at"] = v(now_ms)
                if shift_ms:
                    row["activity_timestamp"] = v(new)
                if "deleted" in fields:
                    row["deleted"] = fields["deleted"]
                rows.append(dumps(row))
                row_live.append(row.get("deleted") is not True)
            if shift_ms:
                acts.remove(p)
                acts.insert(new, ing, [rec], [live])
                row_ing = [parts.ingested[q] for q in row_pos]
                for q in reversed(row_pos):
                    parts.remove(q)
                if rows:  # rows of one activity share its ingestion time unless moved apart
                    parts.insert(new, ing if moves_ingested else row_ing[0], rows, row_live)
                self.act_ts[i] = new
            else:
                acts.records[p] = rec
                acts.ingested[p] = ing
                acts.set_live(p, live)
                for q, row, flag in zip(row_pos, rows, row_live):
                    parts.records[q] = row
                    if moves_ingested:
                        parts.ingested[q] = now_ms
                    parts.set_live(q, flag)
            out.append(new)
        return out

    # -- listing ------------------------------------------------------------------------------
    def select(self, name: str, w: Window, include_deleted: bool = False) -> Page:
        s = self.stream(name)
        ts = s.ts
        start = 0 if w.lo is None else bisect.bisect_left(ts, w.lo)
        stop = len(ts) if w.hi is None else bisect.bisect_left(ts, w.hi)
        stop = max(start, stop)
        hide = s.dead > 0 and not include_deleted
        if not w.ingested and not hide:
            return Page(s.records, start, stop)
        key = (name, start, stop, w.ilo, w.ihi, hide)
        index = self._cache.get(key)
        if index is None:
            index = filter_between(s.ingested, start, stop, w.ilo, w.ihi, s.live if hide else None)
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

