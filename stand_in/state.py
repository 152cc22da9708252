"""Server state: tokens, faults, date rules, request statistics and the data; one lock.

``begin_data`` decides what a data request gets (in the order token → forbidden → rate
limit → injected fault → limit/offset → filters/dates → page) and picks the page's records.
"""

from __future__ import annotations

import hmac
import secrets
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from http import HTTPStatus
from typing import Any

from .control import (
    MAX_ADD, ControlError, parse_backfill, parse_clock, parse_delete, parse_records, parse_reprocess,
    parse_schedule, spread,
)
from .datasets.common import DAY_MS
from .dates import Clock, DateParamError, activity_window, engagement_window, validate_date_rules
from .endpoints import ACTIVITY_ENDPOINTS, ENGAGEMENT_ENDPOINTS, OBJECT_ENDPOINTS, STREAM_PATHS
from .faults import FaultEngine, validate_faults
from .store import ActivityStore

__all__ = ["State", "Decision", "ControlError", "MAX_ADD", "DEFAULT_LIMIT", "MAX_LIMIT", "STATS_KEEP"]

DEFAULT_LIMIT = 1000
MAX_LIMIT = 100000
STATS_KEEP = 2000
ADD_SPREAD_MS = 3 * 3_600_000  # added activities default to the last three hours


@dataclass
class Token:
    client_id: str
    expires_at: float
    uses: int = 0


@dataclass
class Decision:
    kind: str  # "page", "error", "drop"
    status: int | str
    message: str = ""
    headers: list[tuple[str, str]] = field(default_factory=list)
    client: str | None = None  # set when the rate limiter accepted the request
    latency: float = 0.0
    limit: int = 0
    offset: int = 0
    shape: str = "envelope"  # "envelope", "bare_list", "wrong_shape"
    records: list[bytes] = field(default_factory=list)
    total: int = 0


def _parse_nonneg_int(text: str) -> int | None:
    if text and text.isascii() and text.isdigit():
        return int(text)
    return None


def phrase(status: int | str) -> str:
    try:
        return f"{status} {HTTPStatus(status).phrase}"
    except (ValueError, TypeError):
        return str(status)


def _retry_header(retry_after: Any) -> list[tuple[str, str]]:
    if retry_after is None:
        return []
    if isinstance(retry_after, float) and retry_after.is_integer():
        retry_after = int(retry_after)
    return [("Retry-After", str(retry_after))]


def _include_deleted(raw: str | None) -> bool:
    """``include-deleted``: "true" / "false" in any case; absent: false; anything else: 400."""
    if raw is None:
        return False
    low = raw.lower()
    if low in ("true", "false"):
        return low == "true"
    raise ValueError(f"include-deleted must be true or false, got {raw!r}")


def _unauthorized(message: str) -> Decision:
    return Decision("error", 401, message, headers=[("WWW-Authenticate", 'Bearer error="invalid_token"')])


class State:
    def __init__(
        self,
        store: ActivityStore,
        objects: dict[str, Any],
        client_id: str,
        client_secret: str,
        expires_in: float,
        faults: dict | None = None,
        date_rules: dict | None = None,
        clock: Clock | None = None,
        timestamps: str = "epoch_ms",
    ) -> None:
        self.lock = threading.Lock()
        self.store = store
        self.objects = objects
        self.client_id = client_id
        self.client_secret = client_secret
        self.default_expires_in = expires_in
        self.clock = clock or Clock()
        self.timestamps = timestamps
        self.tokens: dict[str, Token] = {}
        self.in_flight = 0
        self.client_in_flight: dict[str, int] = {}
        self.set_faults(faults or validate_faults({}))
        self.set_date_rules(date_rules or validate_date_rules({}))
        self.reset_stats()

    # -- configuration -----------------------------------------------------
    @property
    def faults(self) -> dict:
        return self.engine.config

    def set_faults(self, faults: dict) -> None:
        with self.lock:
            self.engine = FaultEngine(faults)

    def set_date_rules(self, rules: dict) -> None:
        with self.lock:
            self.date_rules = rules

    def reset_stats(self) -> None:
        with self.lock:
            self.token_requests = 0
            self.token_form_fields: list[str] = []
            self.data_requests = 0
            self.by_status: dict[str, int] = {}
            self.by_path: dict[str, int] = {}
            self.max_in_flight = self.in_flight
            self.requests: deque = deque(maxlen=STATS_KEEP)

    def reset(self) -> None:
        """No faults, documented date rules, empty stats, token usage 0, the base dataset back
        (no added, deleted or re-processed activities) and the clock back to --today."""
        self.set_faults(validate_faults({}))
        self.set_date_rules(validate_date_rules({}))
        self.reset_stats()
        with self.lock:
            for tok in self.tokens.values():
                tok.uses = 0
            self.store.reset()
            self.clock.reset()

    def stats(self) -> dict:
        with self.lock:
            return {
                "token_requests": self.token_requests,
                "token_form_fields": list(self.token_form_fields),
                "data_requests": self.data_requests,
                "by_status": dict(self.by_status),
                "by_path": dict(self.by_path),
                "max_in_flight": self.max_in_flight,
                "in_flight": self.in_flight,
                "tokens_issued": len(self.tokens),
                "requests": list(self.requests),
            }

    def clock_info(self) -> dict:
        with self.lock:
            return self._clock_info()

    def _clock_info(self) -> dict:
        store = self.store
        ts = store.activities.ts
        return {
            "today": self.clock.today().isoformat(),
            "now_ms": self.clock.now_ms(),
            "dataset_today": self.clock.start_date.isoformat(),
            "dataset_end_ms": store.end_ms,
            "first_activity_ms": ts[0] if ts else None,
            "last_activity_ms": ts[-1] if ts else None,
            "timestamps": self.timestamps,
            "activities": len(store.activities.records),
            "participants": len(store.participants.records),
            "meetings_ahead": store.meetings_ahead,
            "added_activities": store.added,
            "deleted_activities": store.activities.dead,
            "deleted_participants": store.participants.dead,
        }

    def move_clock(self, body: Any) -> dict:
        """``POST /_control/clock``: the server's date becomes ``today`` (the dataset stays)."""
        day = parse_clock(body)
        with self.lock:
            self.clock.move_to(day)
            return self._clock_info()

    # -- control: records ----------------------------------------------------
    def _counts(self) -> dict:
        return {"activities": len(self.store.activities.records),
                "participants": len(self.store.participants.records)}

    def _add(self, times: list[int], now: int, meeting: bool = False, no_ingested_at: bool = False) -> dict:
        uids = self.store.add(times, now, meeting=meeting, no_ingested_at=no_ingested_at)
        return {"uids": uids, "activity_timestamps": sorted(times),
                "ingested_at": None if no_ingested_at else now, **self._counts()}

    def add_activities(self, body: Any) -> dict:
        """``/_control/records``: ``count`` activities at ``timestamp_ms`` or over the last 3 hours."""
        count, ts = parse_records(body)
        with self.lock:
            now = self.clock.now_ms()
            if ts is None:
                times = [now - ADD_SPREAD_MS + (2 * j + 1) * ADD_SPREAD_MS // (2 * count) for j in range(count)]
            else:
                times = [ts] * count
            return self._add(times, now)

    def backfill(self, body: Any) -> dict:
        """``/_control/backfill``: history captured now (a newly connected mailbox)."""
        count, (old, new), no_ingested_at = parse_backfill(body)
        with self.lock:
            now = self.clock.now_ms()
            return self._add(spread(now - old * DAY_MS, now - new * DAY_MS, count), now,
                             no_ingested_at=no_ingested_at)

    def schedule(self, body: Any) -> dict:
        """``/_control/schedule``: meetings booked now for the days ahead."""
        count, (near, far) = parse_schedule(body)
        with self.lock:
            now = self.clock.now_ms()
            return self._add(spread(now + near * DAY_MS, now + far * DAY_MS, count), now, meeting=True)

    def _indices(self, where: str, uids: list[str]) -> list[int]:
        out = [self.store.index_of(uid) for uid in uids]
        unknown = [uid for uid, i in zip(uids, out) if i is None]
        if unknown:
            raise ControlError(f"{where}.uids: unknown activity uid(s) {unknown}")
        return out

    def delete(self, body: Any) -> dict:
        """``/_control/delete``: activities (and all their rows) marked deleted."""
        uids, moves = parse_delete(body)
        with self.lock:
            indices = self._indices("delete", uids)
            now = self.clock.now_ms()
            rows = self.store.delete(indices, now, moves)
            return {"uids": uids, "ingested_at": now if moves else None, "modified_at": now,
                    "participants_deleted": rows, "deleted_activities": self.store.activities.dead,
                    **self._counts()}

    def reprocess(self, body: Any) -> dict:
        """``/_control/reprocess``: People.ai processes activities again (an updated event)."""
        uids, moves, shift, fields = parse_reprocess(body)
        with self.lock:
            indices = self._indices("reprocess", uids)
            bad = [u for u, i in zip(uids, indices) if self.store.activity_time(i) + shift < 0]
            if bad:
                raise ControlError(f"reprocess.shift_ms would date {bad} before 1970-01-01")
            now = self.clock.now_ms()
            times = self.store.reprocess(indices, now, moves, shift, fields)
            return {"uids": uids, "activity_timestamps": times, "ingested_at": now if moves else None,
                    "modified_at": now, **self._counts()}

    def dataset(self, stream: str) -> list[bytes]:
        with self.lock:
            if stream in ("activities", "participants"):
                return list(self.store.stream(stream).records)
            return self.objects[stream].records

    # -- token endpoint ----------------------------------------------------
    def token_request(self, form: list[tuple[str, str]]) -> tuple[int | str, dict, list[tuple[str, str]]]:
        """Return (status or "drop", JSON body, extra headers)."""
        fields = dict(form)
        with self.lock:
            self.token_requests += 1
            self.token_form_fields = sorted(fields)
            rule = self.engine.token_fault()
            if rule is not None:
                if rule["status"] == "drop":
                    return "drop", {}, []
                body = {"message": f"stand-in injected fault on token endpoint: {phrase(rule['status'])}"}
                return rule["status"], body, _retry_header(rule["retry_after"])
            if fields.get("grant_type") != "client_credentials":
                return 401, {
                    "error": "invalid_client",
                    "error_description": "grant_type must be client_credentials",
                }, []
            cid = fields.get("client_id", "")
            secret = fields.get("client_secret", "")
            ok_id = hmac.compare_digest(cid.encode(), self.client_id.encode())
            ok_secret = hmac.compare_digest(secret.encode(), self.client_secret.encode())
            if not (cid and secret and ok_id and ok_secret):
                return 401, {
                    "error": "invalid_client",
                    "error_description": "unknown client_id or wrong client_secret",
                }, []
            f = self.faults
            lifetime = f["token_ttl_seconds"] if f["token_ttl_seconds"] is not None else self.default_expires_in
            answered = f["expires_in"] if f["expires_in"] is not None else lifetime
            token = secrets.token_urlsafe(32)
            self.tokens[token] = Token(client_id=cid, expires_at=time.monotonic() + lifetime)
            return 200, {"access_token": token, "token_type": "bearer", "expires_in": answered}, []

    # -- data endpoints ----------------------------------------------------
    def begin_data(self, path: str, query: dict[str, str], authorization: str | None, now: float) -> Decision:
        with self.lock:
            self.in_flight += 1
            if self.in_flight > self.max_in_flight:
                self.max_in_flight = self.in_flight
            d = self._decide(path, query, authorization, now)
            f = self.faults
            # A page takes latency_ms plus latency_ms_per_record for each record it returns.
            d.latency = (f["latency_ms"] + f["latency_ms_per_record"] * len(d.records)) / 1000.0
            status = d.status
            key = str(status)
            self.data_requests += 1
            self.by_status[key] = self.by_status.get(key, 0) + 1
            self.by_path[path] = self.by_path.get(path, 0) + 1
            self.requests.append({"path": path, "query": query, "status": status, "t": now,
                                  "latency_s": d.latency})
            return d

    def end_data(self, d: Decision) -> None:
        with self.lock:
            self.in_flight -= 1
            if d.client is not None:
                self.client_in_flight[d.client] -= 1

    def _decide(self, path: str, query: dict[str, str], authorization: str | None, now: float) -> Decision:
        engine = self.engine
        # 1. authentication
        token = None
        if authorization:
            scheme, _, value = authorization.strip().partition(" ")
            if scheme.lower() == "bearer" and value.strip():
                token = value.strip()
        if token is None:
            return _unauthorized("missing bearer token")
        tok = self.tokens.get(token)
        if tok is None:
            return _unauthorized("invalid token")
        if now >= tok.expires_at:
            return _unauthorized("token expired")
        ttl = engine.config["token_ttl_requests"]
        if ttl is not None and tok.uses >= ttl:
            return _unauthorized("token expired (used too many times)")
        tok.uses += 1
        client = tok.client_id

        # 2. the key's API type does not cover this endpoint
        if engine.forbidden(path):
            return Decision("error", 403, f"Forbidden: this API key's type does not allow access to {path}")

        # 3. rate limit (per client): sliding 1 s window of accepted requests + concurrency
        if engine.rate_limited(client, now, self.client_in_flight.get(client, 0)):
            return Decision("error", 429, "Too Many Requests: rate limit exceeded")
        self.client_in_flight[client] = self.client_in_flight.get(client, 0) + 1

        d = self._decide_accepted(path, query, engine)
        d.client = client
        return d

    def _decide_accepted(self, path: str, query: dict[str, str], engine: FaultEngine) -> Decision:
        # 4. injected server faults
        fault = engine.server_fault(path)
        if fault is not None:
            status, retry_after = fault
            if status == "drop":
                return Decision("drop", "drop")
            return Decision("error", status, f"stand-in injected fault: {phrase(status)}",
                            headers=_retry_header(retry_after))

        # 5. paging parameters
        raw_limit = query.get("limit")
        if raw_limit is None:
            limit = DEFAULT_LIMIT
        else:
            limit = _parse_nonneg_int(raw_limit)
            if limit is None or not 1 <= limit <= MAX_LIMIT:
                return Decision("error", 400, f"limit must be between 1 and {MAX_LIMIT}")
        raw_offset = query.get("offset")
        if raw_offset is None:
            offset = 0
        else:
            offset = _parse_nonneg_int(raw_offset)
            if offset is None:
                return Decision("error", 400, "offset must be an integer >= 0")

        # 6. filters and dates
        try:
            page = self._select(path, query)
        except DateParamError as exc:
            return Decision("error", exc.status, exc.message)
        except ValueError as exc:
            return Decision("error", 400, str(exc))
        shape = "bare_list" if engine.config["bare_list"] else "wrong_shape" if engine.config["wrong_shape"] else "envelope"
        return Decision("page", 200, limit=limit, offset=offset, shape=shape,
                        records=page.get(offset, limit), total=page.total)

    def _select(self, path: str, query: dict[str, str]):
        stream = ACTIVITY_ENDPOINTS.get(path)
        if stream is not None:
            window = activity_window(query, self.date_rules, self.clock.now_ms())
            return self.store.select(stream, window, _include_deleted(query.get("include-deleted")))
        spec = OBJECT_ENDPOINTS.get(path)
        if spec is not None:
            return self.objects[spec[0]].select(query)
        stream, _param = ENGAGEMENT_ENDPOINTS[path]
        lo, hi = engagement_window(query, self.date_rules, self.clock.now_ms())
        return self.objects[stream].select(query, lo, hi)


STREAMS = tuple(STREAM_PATHS)
