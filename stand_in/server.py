"""HTTP stand-in of the People.ai API, with a fault engine and control endpoints.

Standard library only. Records are serialized once at start-up; a page is the
byte slices joined with commas, so large pages cost little more than a memcpy.
"""

from __future__ import annotations

import argparse
import gc
import hmac
import json
import os
import secrets
import signal
import socket
import socketserver
import sys
import threading
import time
import traceback
from collections import deque
from dataclasses import dataclass, field
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from .data import iter_dataset

TOKEN_PATH = "/auth/v1/tokens"
ACTIVITIES_PATH = "/v0/public/activities"
PARTICIPANTS_PATH = "/v0/public/activities/participants"
DATA_PATHS = (ACTIVITIES_PATH, PARTICIPANTS_PATH)
STREAMS = {"activities": ACTIVITIES_PATH, "participants": PARTICIPANTS_PATH}
DEFAULT_LIMIT = 1000
MAX_LIMIT = 100000
STATS_KEEP = 2000
ALLOWED_HOST = "127.0.0.1"

_JSON = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), check_circular=False)


def dumps(obj: Any) -> bytes:
    """Compact UTF-8 JSON (same bytes as json.dumps(ensure_ascii=False, separators=(",", ":")))."""
    return _JSON.encode(obj).encode("utf-8")


# ---------------------------------------------------------------------------
# Fault configuration
# ---------------------------------------------------------------------------


class FaultConfigError(ValueError):
    """The fault JSON is not valid."""


FAULT_KEYS = (
    "latency_ms",
    "bursts",
    "fail_always",
    "token_ttl_requests",
    "token_ttl_seconds",
    "expires_in",
    "token_faults",
    "rate_limit",
    "bare_list",
    "wrong_shape",
)


def _is_int(v: Any) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


def _is_num(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def _check_keys(where: str, obj: Any, allowed: tuple[str, ...]) -> None:
    if not isinstance(obj, dict):
        raise FaultConfigError(f"{where} must be a JSON object")
    unknown = sorted(set(obj) - set(allowed))
    if unknown:
        raise FaultConfigError(f"{where}: unknown key(s) {unknown}; allowed: {list(allowed)}")


def _status(where: str, v: Any) -> int | str:
    if v == "drop":
        return "drop"
    if _is_int(v) and 400 <= v <= 599:
        return v
    raise FaultConfigError(f'{where}.status must be an HTTP status 400..599 or "drop", got {v!r}')


def _paths(where: str, v: Any) -> list[str] | None:
    if v is None:
        return None
    if not isinstance(v, list) or not all(isinstance(p, str) for p in v):
        raise FaultConfigError(f"{where}.paths must be null or a list of path strings")
    return list(v)


def _retry_after(where: str, v: Any) -> int | float | None:
    if v is None:
        return None
    if _is_num(v) and v >= 0:
        return v
    raise FaultConfigError(f"{where}.retry_after must be null or a number of seconds >= 0")


def _opt_int(name: str, v: Any, minimum: int) -> int | None:
    if v is None:
        return None
    if _is_int(v) and v >= minimum:
        return v
    raise FaultConfigError(f"{name} must be null or an integer >= {minimum}, got {v!r}")


def validate_faults(raw: Any) -> dict:
    """Check a fault object and return it normalized (every key present)."""
    if raw is None:
        raw = {}
    _check_keys("faults", raw, FAULT_KEYS)
    out: dict[str, Any] = {}

    latency = raw.get("latency_ms", 0)
    if latency is None:
        latency = 0
    if not _is_num(latency) or latency < 0:
        raise FaultConfigError("latency_ms must be a number >= 0")
    out["latency_ms"] = latency

    bursts = raw.get("bursts") or []
    if not isinstance(bursts, list):
        raise FaultConfigError("bursts must be a list of rules")
    out["bursts"] = []
    for n, rule in enumerate(bursts):
        where = f"bursts[{n}]"
        _check_keys(where, rule, ("status", "every", "times", "retry_after", "paths"))
        if "status" not in rule:
            raise FaultConfigError(f"{where}.status is required")
        every = rule.get("every", 0)
        times = rule.get("times", 1)
        if not _is_int(every) or every < 0:
            raise FaultConfigError(f"{where}.every must be an integer >= 0")
        if not _is_int(times) or times < 1:
            raise FaultConfigError(f"{where}.times must be an integer >= 1")
        out["bursts"].append(
            {
                "status": _status(where, rule["status"]),
                "every": every,
                "times": times,
                "retry_after": _retry_after(where, rule.get("retry_after")),
                "paths": _paths(where, rule.get("paths")),
            }
        )

    fa = raw.get("fail_always")
    if fa is not None:
        _check_keys("fail_always", fa, ("status", "paths", "retry_after"))
        fa = {
            "status": _status("fail_always", fa.get("status", 500)),
            "paths": _paths("fail_always", fa.get("paths")),
            "retry_after": _retry_after("fail_always", fa.get("retry_after")),
        }
    out["fail_always"] = fa

    out["token_ttl_requests"] = _opt_int("token_ttl_requests", raw.get("token_ttl_requests"), 1)
    ttl_s = raw.get("token_ttl_seconds")
    if ttl_s is not None and (not _is_num(ttl_s) or ttl_s <= 0):
        raise FaultConfigError("token_ttl_seconds must be null or a number > 0")
    out["token_ttl_seconds"] = ttl_s
    exp = raw.get("expires_in")
    if exp is not None and (not _is_num(exp) or exp < 0):
        raise FaultConfigError("expires_in must be null or a number >= 0")
    out["expires_in"] = exp

    tfs = raw.get("token_faults") or []
    if not isinstance(tfs, list):
        raise FaultConfigError("token_faults must be a list of rules")
    out["token_faults"] = []
    for n, rule in enumerate(tfs):
        where = f"token_faults[{n}]"
        _check_keys(where, rule, ("status", "times", "retry_after"))
        if "status" not in rule:
            raise FaultConfigError(f"{where}.status is required")
        times = rule.get("times", 1)
        if not _is_int(times) or times < 1:
            raise FaultConfigError(f"{where}.times must be an integer >= 1")
        out["token_faults"].append(
            {
                "status": _status(where, rule["status"]),
                "times": times,
                "retry_after": _retry_after(where, rule.get("retry_after")),
            }
        )

    rl = raw.get("rate_limit")
    if rl is not None:
        _check_keys("rate_limit", rl, ("rps", "concurrent"))
        rl = {
            "rps": _opt_int("rate_limit.rps", rl.get("rps"), 1),
            "concurrent": _opt_int("rate_limit.concurrent", rl.get("concurrent"), 1),
        }
    out["rate_limit"] = rl

    for key in ("bare_list", "wrong_shape"):
        v = raw.get(key, False)
        if v is None:
            v = False
        if not isinstance(v, bool):
            raise FaultConfigError(f"{key} must be true or false")
        out[key] = v
    if out["bare_list"] and out["wrong_shape"]:
        raise FaultConfigError("bare_list and wrong_shape cannot both be true")
    return out


def parse_faults_json(text: str) -> dict:
    try:
        raw = json.loads(text) if text.strip() else {}
    except json.JSONDecodeError as exc:
        raise FaultConfigError(f"faults are not valid JSON: {exc}") from None
    return validate_faults(raw)


# ---------------------------------------------------------------------------
# Shared state (tokens, faults, stats)
# ---------------------------------------------------------------------------


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


def _parse_nonneg_int(text: str) -> int | None:
    if text and text.isascii() and text.isdigit():
        return int(text)
    return None


class State:
    def __init__(
        self,
        records: dict[str, list[bytes]],
        client_id: str,
        client_secret: str,
        expires_in: float,
        faults: dict | None = None,
    ) -> None:
        self.lock = threading.Lock()
        self.records = records
        self.client_id = client_id
        self.client_secret = client_secret
        self.default_expires_in = expires_in
        self.tokens: dict[str, Token] = {}
        self.in_flight = 0
        self.client_in_flight: dict[str, int] = {}
        self.set_faults(faults or validate_faults({}))
        self.reset_stats()

    # -- configuration -----------------------------------------------------
    def set_faults(self, faults: dict) -> None:
        with self.lock:
            self.faults = faults
            self.burst_state = [
                {"served": 0, "pending": r["times"] if r["every"] == 0 else 0} for r in faults["bursts"]
            ]
            self.token_fault_queue = [dict(r) for r in faults["token_faults"]]
            self.windows: dict[str, deque] = {}

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
        self.set_faults(validate_faults({}))
        self.reset_stats()
        with self.lock:
            for tok in self.tokens.values():
                tok.uses = 0

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

    # -- token endpoint ----------------------------------------------------
    def token_request(self, form: list[tuple[str, str]]) -> tuple[int | str, dict, list[tuple[str, str]]]:
        """Return (status or "drop", JSON body, extra headers)."""
        fields = dict(form)
        with self.lock:
            self.token_requests += 1
            self.token_form_fields = sorted(fields)
            if self.token_fault_queue:
                rule = self.token_fault_queue[0]
                rule["times"] -= 1
                if rule["times"] <= 0:
                    self.token_fault_queue.pop(0)
                return _fault_reply(rule["status"], rule["retry_after"], "token endpoint")
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
            if f["expires_in"] is not None:
                answered = f["expires_in"]
            else:
                answered = lifetime
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
            d.latency = self.faults["latency_ms"] / 1000.0
            status = d.status
            key = str(status)
            self.data_requests += 1
            self.by_status[key] = self.by_status.get(key, 0) + 1
            self.by_path[path] = self.by_path.get(path, 0) + 1
            self.requests.append({"path": path, "query": query, "status": status, "t": now})
            return d

    def end_data(self, d: Decision) -> None:
        with self.lock:
            self.in_flight -= 1
            if d.client is not None:
                self.client_in_flight[d.client] -= 1

    def _decide(self, path: str, query: dict[str, str], authorization: str | None, now: float) -> Decision:
        f = self.faults
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
        if f["token_ttl_requests"] is not None and tok.uses >= f["token_ttl_requests"]:
            return _unauthorized("token expired (used too many times)")
        tok.uses += 1
        client = tok.client_id

        # 2. rate limit (per client): sliding 1 s window of accepted requests + concurrency
        rl = f["rate_limit"]
        if rl is not None:
            win = self.windows.get(client)
            if win is None:
                win = self.windows[client] = deque()
            cutoff = now - 1.0
            while win and win[0] <= cutoff:
                win.popleft()
            if (rl["rps"] is not None and len(win) >= rl["rps"]) or (
                rl["concurrent"] is not None and self.client_in_flight.get(client, 0) >= rl["concurrent"]
            ):
                return Decision("error", 429, "Too Many Requests: rate limit exceeded")
            win.append(now)
        self.client_in_flight[client] = self.client_in_flight.get(client, 0) + 1

        d = self._decide_accepted(path, query, f)
        d.client = client
        return d

    def _decide_accepted(self, path: str, query: dict[str, str], f: dict) -> Decision:
        # 3. injected server faults
        fa = f["fail_always"]
        if fa is not None and (fa["paths"] is None or path in fa["paths"]):
            return _fault_decision(fa["status"], fa["retry_after"])
        rules = f["bursts"]
        if rules:
            matching = [
                (rule, st)
                for rule, st in zip(rules, self.burst_state)
                if rule["paths"] is None or path in rule["paths"]
            ]
            for rule, st in matching:
                if st["pending"] > 0:
                    st["pending"] -= 1
                    return _fault_decision(rule["status"], rule["retry_after"])
            # served normally: advance every matching rule
            for rule, st in matching:
                if rule["every"] > 0:
                    st["served"] += 1
                    if st["served"] >= rule["every"]:
                        st["served"] = 0
                        st["pending"] = rule["times"]

        # 4. parameters
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
        shape = "bare_list" if f["bare_list"] else "wrong_shape" if f["wrong_shape"] else "envelope"
        return Decision("page", 200, limit=limit, offset=offset, shape=shape)


def _unauthorized(message: str) -> Decision:
    return Decision("error", 401, message, headers=[("WWW-Authenticate", 'Bearer error="invalid_token"')])


def _retry_header(retry_after: Any) -> list[tuple[str, str]]:
    if retry_after is None:
        return []
    if isinstance(retry_after, float) and retry_after.is_integer():
        retry_after = int(retry_after)
    return [("Retry-After", str(retry_after))]


def _fault_decision(status: int | str, retry_after: Any) -> Decision:
    if status == "drop":
        return Decision("drop", "drop")
    return Decision("error", status, f"stand-in injected fault: {_phrase(status)}", headers=_retry_header(retry_after))


def _fault_reply(status: int | str, retry_after: Any, what: str):
    if status == "drop":
        return "drop", {}, []
    return status, {"message": f"stand-in injected fault on {what}: {_phrase(status)}"}, _retry_header(retry_after)


def _phrase(status: int) -> str:
    try:
        return f"{status} {HTTPStatus(status).phrase}"
    except ValueError:
        return str(status)


# ---------------------------------------------------------------------------
# HTTP layer
# ---------------------------------------------------------------------------


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "PeopleAIStandIn/1.0"
    sys_version = ""
    disable_nagle_algorithm = True
    timeout = 300  # idle keep-alive connections are closed after this
    server: "StandInServer"

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib signature
        if self.server.verbose:
            super().log_message(format, *args)

    # -- response helpers --------------------------------------------------
    def _send(
        self,
        status: int,
        chunks: list[bytes],
        headers: list[tuple[str, str]] | None = None,
        content_type: str = "application/json",
    ) -> None:
        length = sum(len(c) for c in chunks)
        try:
            phrase = HTTPStatus(status).phrase
        except ValueError:
            phrase = ""
        lines = [
            f"HTTP/1.1 {status} {phrase}",
            f"Server: {self.server_version}",
            f"Date: {self.date_time_string()}",
            f"Content-Type: {content_type}",
            f"Content-Length: {length}",
        ]
        for k, v in headers or ():
            lines.append(f"{k}: {v}")
        if self.close_connection:
            lines.append("Connection: close")
        head = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")
        write = self.wfile.write
        if length <= 65536:
            write(b"".join([head, *chunks]))
        else:
            small = head
            for c in chunks:
                if len(c) <= 65536:
                    small += c
                else:
                    if small:
                        write(small)
                        small = b""
                    write(c)
            if small:
                write(small)
        if self.server.verbose:
            self.log_request(status, length)

    def _json(self, status: int, obj: Any, headers: list[tuple[str, str]] | None = None) -> None:
        self._send(status, [dumps(obj)], headers)

    def _drop(self) -> None:
        """Close the TCP connection without answering."""
        self.close_connection = True
        try:
            self.connection.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        if self.server.verbose:
            self.log_message('"%s" dropped', self.requestline)

    def _read_body(self) -> bytes:
        length = self.headers.get("Content-Length")
        if not length:
            return b""
        try:
            n = int(length)
        except ValueError:
            n = 0
        return self.rfile.read(n) if n > 0 else b""

    # -- dispatch ----------------------------------------------------------
    def do_GET(self) -> None:
        self._dispatch("GET")

    def do_POST(self) -> None:
        self._dispatch("POST")

    def do_PUT(self) -> None:
        self._dispatch("PUT")

    def do_PATCH(self) -> None:
        self._dispatch("PATCH")

    def do_DELETE(self) -> None:
        self._dispatch("DELETE")

    ROUTES = {
        TOKEN_PATH: {"POST": "_token"},
        ACTIVITIES_PATH: {"GET": "_data"},
        PARTICIPANTS_PATH: {"GET": "_data"},
        "/_control/faults": {"GET": "_get_faults", "POST": "_post_faults"},
        "/_control/reset": {"POST": "_reset"},
        "/_control/stats": {"GET": "_stats"},
        "/_control/dataset": {"GET": "_dataset"},
        "/_control/health": {"GET": "_health"},
    }

    def _dispatch(self, method: str) -> None:
        parts = urlsplit(self.path)
        path = parts.path
        query = dict(parse_qsl(parts.query, keep_blank_values=True))
        body = self._read_body() if method in ("POST", "PUT", "PATCH") else b""
        try:
            route = self.ROUTES.get(path)
            if route is None:
                self._json(404, {"message": f"not found: {path}"})
                return
            name = route.get(method)
            if name is None:
                self._json(405, {"message": f"method {method} not allowed on {path}"},
                           [("Allow", ", ".join(sorted(route)))])
                return
            getattr(self, name)(path, query, body)
        except (ConnectionError, TimeoutError):
            raise
        except Exception:  # pragma: no cover - defensive
            traceback.print_exc(file=sys.stderr)
            self.close_connection = True
            try:
                self._json(500, {"message": "stand-in internal error"})
            except OSError:
                pass

    # -- endpoints -----------------------------------------------------------
    def _token(self, path: str, query: dict, body: bytes) -> None:
        form = parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True)
        status, obj, headers = self.server.state.token_request(form)
        if status == "drop":
            self._drop()
            return
        headers = list(headers) + [("Cache-Control", "no-store")]
        self._json(status, obj, headers)

    def _data(self, path: str, query: dict, body: bytes) -> None:
        state = self.server.state
        d = state.begin_data(path, query, self.headers.get("Authorization"), time.monotonic())
        try:
            if d.latency > 0:
                time.sleep(d.latency)
            if d.kind == "drop":
                self._drop()
            elif d.kind == "error":
                self._json(d.status, {"message": d.message}, d.headers)
            else:
                records = state.records[path]
                total = len(records)
                joined = b",".join(records[d.offset:d.offset + d.limit])
                meta = dumps({"limit": d.limit, "offset": d.offset, "total": total, "message": "OK"})
                if d.shape == "bare_list":
                    chunks = [b"[", joined, b"]"]
                elif d.shape == "wrong_shape":
                    chunks = [b'{"items":[', joined, b'],"meta":' + meta + b"}"]
                else:
                    chunks = [b'{"data":[', joined, b'],"meta":' + meta + b"}"]
                self._send(200, chunks)
        finally:
            state.end_data(d)

    def _get_faults(self, path: str, query: dict, body: bytes) -> None:
        self._json(200, {"faults": self.server.state.faults})

    def _post_faults(self, path: str, query: dict, body: bytes) -> None:
        try:
            faults = parse_faults_json(body.decode("utf-8", "replace"))
        except FaultConfigError as exc:
            self._json(400, {"message": str(exc)})
            return
        self.server.state.set_faults(faults)
        self._json(200, {"faults": faults})

    def _reset(self, path: str, query: dict, body: bytes) -> None:
        self.server.state.reset()
        self._json(200, {"faults": self.server.state.faults})

    def _stats(self, path: str, query: dict, body: bytes) -> None:
        self._json(200, self.server.state.stats())

    def _dataset(self, path: str, query: dict, body: bytes) -> None:
        stream = query.get("stream")
        if stream not in STREAMS:
            self._json(400, {"message": "stream must be one of: activities, participants"})
            return
        self._send(200, [b"[", b",".join(self.server.state.records[STREAMS[stream]]), b"]"])

    def _health(self, path: str, query: dict, body: bytes) -> None:
        self._json(200, {"ok": True})


class StandInServer(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False  # do not wait for idle keep-alive connections on close
    request_queue_size = 1024
    allow_reuse_address = True

    def __init__(self, address: tuple[str, int], state: State, verbose: bool = False) -> None:
        self.state = state
        self.verbose = verbose
        super().__init__(address, Handler)

    def server_bind(self) -> None:
        # HTTPServer.server_bind does a reverse DNS lookup (getfqdn); skip it.
        socketserver.TCPServer.server_bind(self)
        host, port = self.server_address[:2]
        self.server_name = host
        self.server_port = port

    def handle_error(self, request: Any, client_address: Any) -> None:
        exc = sys.exc_info()[1]
        if isinstance(exc, (ConnectionError, TimeoutError)) and not self.verbose:
            return  # client went away mid-response
        super().handle_error(request, client_address)


def load_records(n_activities: int, seed: int) -> dict[str, list[bytes]]:
    """Build the dataset and serialize every record once."""
    activities: list[bytes] = []
    participants: list[bytes] = []
    encode = _JSON.encode
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        for activity, rows in iter_dataset(n_activities, seed):
            activities.append(encode(activity).encode("utf-8"))
            for row in rows:
                participants.append(encode(row).encode("utf-8"))
    finally:
        if was_enabled:
            gc.enable()
    return {ACTIVITIES_PATH: activities, PARTICIPANTS_PATH: participants}


# ---------------------------------------------------------------------------
# CLI
# ---------------------------------------------------------------------------


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m stand_in", description="Local stand-in of the People.ai API.")
    p.add_argument("--host", default=ALLOWED_HOST, help="must be 127.0.0.1 (the only address served)")
    p.add_argument("--port", type=int, default=0, help="0 picks a free port (default)")
    p.add_argument("--activities", type=int, default=1000, help="number of activities (default 1000)")
    p.add_argument("--seed", type=int, default=42)
    p.add_argument("--client-id", default="demo-api-key")
    p.add_argument("--client-secret", default="demo-api-secret")
    p.add_argument("--expires-in", type=float, default=7200, help="token lifetime in seconds (default 7200)")
    p.add_argument("--faults", default=None, help="fault JSON object (same as POST /_control/faults)")
    p.add_argument("--port-file", default=None, help="write the port number to this file once listening")
    p.add_argument("--verbose", action="store_true", help="log each request to stderr")
    return p


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)

    def fail(msg: str) -> int:
        print(f"stand-in: error: {msg}", file=sys.stderr, flush=True)
        return 2

    if args.host != ALLOWED_HOST:
        return fail(f"--host must be {ALLOWED_HOST} (the stand-in only listens on loopback), got {args.host!r}")
    if not 0 <= args.port <= 65535:
        return fail("--port must be 0..65535")
    if args.activities < 0:
        return fail("--activities must be >= 0")
    if args.expires_in <= 0:
        return fail("--expires-in must be > 0")
    try:
        faults = parse_faults_json(args.faults) if args.faults is not None else validate_faults({})
    except FaultConfigError as exc:
        return fail(f"--faults: {exc}")
    expires_in: float = int(args.expires_in) if float(args.expires_in).is_integer() else args.expires_in

    # A plain flag polled by the main thread: calling Event.set() from a signal
    # handler can deadlock if the signal lands while the main thread holds the
    # Event's internal lock.
    stop: list[int] = []

    def on_signal(signum: int, frame: Any) -> None:
        stop.append(signum)

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)

    t0 = time.monotonic()
    records = load_records(args.activities, args.seed)
    if stop:
        return 0
    state = State(records, args.client_id, args.client_secret, expires_in, faults)
    try:
        server = StandInServer((ALLOWED_HOST, args.port), state, verbose=args.verbose)
    except OSError as exc:
        print(f"stand-in: error: cannot listen on {ALLOWED_HOST}:{args.port}: {exc}", file=sys.stderr, flush=True)
        return 1
    port = server.server_address[1]
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.2}, daemon=True)
    thread.start()
    if args.port_file:
        tmp = f"{args.port_file}.tmp{os.getpid()}"
        with open(tmp, "w") as fh:
            fh.write(f"{port}\n")
        os.replace(tmp, args.port_file)
    if args.verbose:
        print(
            f"stand-in: {len(records[ACTIVITIES_PATH])} activities, {len(records[PARTICIPANTS_PATH])} participants"
            f" ready in {time.monotonic() - t0:.2f}s",
            file=sys.stderr,
            flush=True,
        )
    print(f"stand-in listening on http://{ALLOWED_HOST}:{port}", flush=True)
    try:
        while not stop:
            time.sleep(0.1)
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
    return 0
