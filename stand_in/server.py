"""HTTP layer and command line of the People.ai API stand-in.

Standard library only. Records are serialized once at start-up; a page is the byte
slices joined with commas, so large pages cost little more than a memcpy.
"""

from __future__ import annotations

import argparse
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
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from .datasets import STREAM_NAMES, TIMESTAMP_MODES, end_of_dataset, parse_today
from .dates import Clock, DateRulesError, parse_date_rules_json, validate_date_rules
from .endpoints import DATA_PATHS, ENGAGEMENT_ID_PARAMS, OBJECT_FILTERS, TOKEN_PATH
from .faults import FaultConfigError, parse_faults_json, validate_faults
from .state import ControlError, State
from .store import ActivityStore, build_object_streams, dumps

ALLOWED_HOST = "127.0.0.1"

__all__ = ["main", "build_parser", "build_state", "StandInServer", "Handler", "dumps"]


def error_body(status: int, message: str, path: str, now_ms: int | None = None) -> dict:
    """The API's error envelope; ``id`` changes on every call, ``timestamp`` is DD-MM-YYYY HH:MM:SS."""
    seconds = time.time() if now_ms is None else now_ms / 1000
    return {
        "code": status,
        "id": secrets.token_hex(16),
        "message": message,
        "path": path,
        "timestamp": time.strftime("%d-%m-%Y %H:%M:%S", time.gmtime(seconds)),
    }


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

    def _error(self, status: int, message: str, path: str, headers: list[tuple[str, str]] | None = None) -> None:
        self._json(status, error_body(status, message, path, self.server.state.clock.now_ms()), headers)

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

    ROUTES: dict[str, dict[str, str]] = {
        TOKEN_PATH: {"POST": "_token"},
        **{path: {"GET": "_data"} for path in DATA_PATHS},
        "/_control/faults": {"GET": "_get_faults", "POST": "_post_faults"},
        "/_control/dates": {"GET": "_get_dates", "POST": "_post_dates"},
        "/_control/records": {"POST": "_post_records"},
        "/_control/backfill": {"POST": "_post_backfill"},
        "/_control/schedule": {"POST": "_post_schedule"},
        "/_control/delete": {"POST": "_post_delete"},
        "/_control/reprocess": {"POST": "_post_reprocess"},
        "/_control/reset": {"POST": "_reset"},
        "/_control/stats": {"GET": "_stats"},
        "/_control/dataset": {"GET": "_dataset"},
        "/_control/clock": {"GET": "_clock", "POST": "_post_clock"},
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
                self._error(404, f"not found: {path}", path)
                return
            name = route.get(method)
            if name is None:
                self._error(405, f"method {method} not allowed on {path}", path,
                            [("Allow", ", ".join(sorted(route)))])
                return
            getattr(self, name)(path, query, body)
        except (ConnectionError, TimeoutError):
            raise
        except Exception:  # pragma: no cover - defensive
            traceback.print_exc(file=sys.stderr)
            self.close_connection = True
            try:
                self._error(500, "stand-in internal error", path)
            except OSError:
                pass

    # -- API endpoints -------------------------------------------------------
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
                self._error(d.status, d.message, path, d.headers)
            else:
                joined = b",".join(d.records)
                meta = dumps({"limit": d.limit, "offset": d.offset, "total": d.total, "message": "OK"})
                if d.shape == "bare_list":
                    chunks = [b"[", joined, b"]"]
                elif d.shape == "wrong_shape":
                    chunks = [b'{"items":[', joined, b'],"meta":' + meta + b"}"]
                else:
                    chunks = [b'{"data":[', joined, b'],"meta":' + meta + b"}"]
                self._send(200, chunks)
        finally:
            state.end_data(d)

    # -- control endpoints (no auth; errors are {"message": ...}) ----------------
    def _body_json(self, body: bytes) -> Any:
        text = body.decode("utf-8", "replace")
        return json.loads(text) if text.strip() else {}

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

    def _get_dates(self, path: str, query: dict, body: bytes) -> None:
        self._json(200, {"dates": self.server.state.date_rules})

    def _post_dates(self, path: str, query: dict, body: bytes) -> None:
        try:
            rules = parse_date_rules_json(body.decode("utf-8", "replace"))
        except DateRulesError as exc:
            self._json(400, {"message": str(exc)})
            return
        self.server.state.set_date_rules(rules)
        self._json(200, {"dates": rules})

    def _control_call(self, name: str, operation: Any, body: bytes) -> None:
        """Run a control operation on the JSON body; 400 ``{"message"}`` when it is invalid."""
        try:
            result = operation(self._body_json(body))
        except json.JSONDecodeError as exc:
            self._json(400, {"message": f"{name}: body is not valid JSON: {exc}"})
            return
        except ControlError as exc:
            self._json(400, {"message": str(exc)})
            return
        self._json(200, result)

    def _post_records(self, path: str, query: dict, body: bytes) -> None:
        self._control_call("records", self.server.state.add_activities, body)

    def _post_backfill(self, path: str, query: dict, body: bytes) -> None:
        self._control_call("backfill", self.server.state.backfill, body)

    def _post_schedule(self, path: str, query: dict, body: bytes) -> None:
        self._control_call("schedule", self.server.state.schedule, body)

    def _post_delete(self, path: str, query: dict, body: bytes) -> None:
        self._control_call("delete", self.server.state.delete, body)

    def _post_reprocess(self, path: str, query: dict, body: bytes) -> None:
        self._control_call("reprocess", self.server.state.reprocess, body)

    def _post_clock(self, path: str, query: dict, body: bytes) -> None:
        self._control_call("clock", self.server.state.move_clock, body)

    def _reset(self, path: str, query: dict, body: bytes) -> None:
        state = self.server.state
        state.reset()
        self._json(200, {"faults": state.faults, "dates": state.date_rules})

    def _stats(self, path: str, query: dict, body: bytes) -> None:
        self._json(200, self.server.state.stats())

    def _dataset(self, path: str, query: dict, body: bytes) -> None:
        stream = query.get("stream")
        if stream not in STREAM_NAMES:
            self._json(400, {"message": f"stream must be one of: {', '.join(STREAM_NAMES)}"})
            return
        self._send(200, [b"[", b",".join(self.server.state.dataset(stream)), b"]"])

    def _clock(self, path: str, query: dict, body: bytes) -> None:
        self._json(200, self.server.state.clock_info())

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


def build_state(
    activities: int = 1000,
    seed: int = 42,
    today: str | None = None,
    timestamps: str = "epoch_ms",
    client_id: str = "demo-api-key",
    client_secret: str = "demo-api-secret",
    expires_in: float = 7200,
    faults: dict | None = None,
    date_rules: dict | None = None,
    meetings_ahead: int | None = None,
) -> State:
    """Build the datasets (serialized once) and the server state."""
    day = parse_today(today)
    end_ms = end_of_dataset(day)
    store = ActivityStore(activities, seed, end_ms, timestamps, meetings_ahead)
    objects = build_object_streams(seed, end_ms, timestamps, OBJECT_FILTERS, ENGAGEMENT_ID_PARAMS)
    return State(store, objects, client_id, client_secret, expires_in, faults, date_rules,
                 Clock(day), timestamps)


# ---------------------------------------------------------------------------
# CLI
# ---------------------------------------------------------------------------


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m stand_in", description="Local stand-in of the People.ai API.")
    p.add_argument("--host", default=ALLOWED_HOST, help="must be 127.0.0.1 (the only address served)")
    p.add_argument("--port", type=int, default=0, help="0 picks a free port (default)")
    p.add_argument("--activities", type=int, default=1000, help="number of past activities (default 1000)")
    p.add_argument("--meetings-ahead", type=int, default=None,
                   help="meetings booked ahead, dated over the 60 days after today (default activities // 50)")
    p.add_argument("--seed", type=int, default=42)
    p.add_argument("--today", default=None, help="YYYY-MM-DD: the server's date (default: the real UTC date)")
    p.add_argument("--timestamps", default="epoch_ms", choices=TIMESTAMP_MODES,
                   help="epoch_ms (integers, default) or iso (strings like 2025-03-04T05:06:07.123Z)")
    p.add_argument("--client-id", default="demo-api-key")
    p.add_argument("--client-secret", default="demo-api-secret")
    p.add_argument("--expires-in", type=float, default=7200, help="token lifetime in seconds (default 7200)")
    p.add_argument("--faults", default=None, help="fault JSON object (same as POST /_control/faults)")
    p.add_argument("--dates", default=None, help="date-rules JSON object (same as POST /_control/dates)")
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
    if args.meetings_ahead is not None and args.meetings_ahead < 0:
        return fail("--meetings-ahead must be >= 0")
    if args.expires_in <= 0:
        return fail("--expires-in must be > 0")
    try:
        faults = parse_faults_json(args.faults) if args.faults is not None else validate_faults({})
    except FaultConfigError as exc:
        return fail(f"--faults: {exc}")
    try:
        date_rules = parse_date_rules_json(args.dates) if args.dates is not None else validate_date_rules({})
    except DateRulesError as exc:
        return fail(f"--dates: {exc}")
    try:
        parse_today(args.today)
    except ValueError as exc:
        return fail(f"--today: {exc}")
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
    state = build_state(args.activities, args.seed, args.today, args.timestamps, args.client_id,
                        args.client_secret, expires_in, faults, date_rules, args.meetings_ahead)
    if stop:
        return 0
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
        info = state.clock_info()
        print(
            f"stand-in: {info['activities']} activities, {info['participants']} participants"
            f" (today {info['dataset_today']}, timestamps {args.timestamps}) ready in {time.monotonic() - t0:.2f}s",
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
