"""``StandIn``: start the stand-in server as a subprocess and drive its control API."""

from __future__ import annotations

import atexit
import datetime
import json
import os
import queue
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parent.parent
_LISTEN_PREFIX = "stand-in listening on "

# Never send loopback traffic through an HTTP proxy from the environment.
_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))


class StandInError(RuntimeError):
    """The stand-in failed to start or a control call failed."""


class StandIn:
    """A running stand-in server (``python -m stand_in`` in a subprocess).

    >>> with StandIn(activities=100) as api:
    ...     api.set_faults(latency_ms=10)
    ...     api.url   # "http://127.0.0.1:PORT"
    """

    def __init__(
        self,
        activities: int = 1000,
        seed: int = 42,
        client_id: str = "demo-api-key",
        client_secret: str = "demo-api-secret",
        faults: dict | None = None,
        python: str = sys.executable,
        startup_timeout: float = 60,
        expires_in: float | None = None,
        verbose: bool = False,
        today: "str | datetime.date | None" = None,
        timestamps: str = "epoch_ms",
        dates: dict | None = None,
        meetings_ahead: int | None = None,
    ) -> None:
        self.activities = activities  # past activities
        self.meetings_ahead = meetings_ahead  # None: activities // 50
        self.seed = seed
        self.client_id = client_id
        self.client_secret = client_secret
        self.faults = faults
        self.python = python
        self.startup_timeout = startup_timeout
        self.expires_in = expires_in
        self.verbose = verbose
        self.today = None if today is None else str(today)  # YYYY-MM-DD; None: the real UTC date
        self.timestamps = timestamps
        self.dates = dates  # date rules at start-up (see set_dates)
        self.url: str = ""
        self.pid: int = 0
        self._proc: subprocess.Popen | None = None
        self._stderr_file: Any = None

    # -- lifecycle -----------------------------------------------------------
    def command(self) -> list[str]:
        cmd = [
            self.python, "-m", "stand_in",
            "--port", "0",
            "--activities", str(self.activities),
            "--seed", str(self.seed),
            "--client-id", self.client_id,
            "--client-secret", self.client_secret,
        ]
        if self.expires_in is not None:
            cmd += ["--expires-in", str(self.expires_in)]
        if self.faults:
            cmd += ["--faults", json.dumps(self.faults)]
        if self.today is not None:
            cmd += ["--today", self.today]
        if self.timestamps != "epoch_ms":
            cmd += ["--timestamps", self.timestamps]
        if self.dates:
            cmd += ["--dates", json.dumps(self.dates)]
        if self.meetings_ahead is not None:
            cmd += ["--meetings-ahead", str(self.meetings_ahead)]
        if self.verbose:
            cmd.append("--verbose")
        return cmd

    def start(self) -> "StandIn":
        if self._proc is not None:
            raise StandInError("stand-in already started")
        # stderr goes to a file: a pipe nobody reads could fill up and block the server.
        self._stderr_file = tempfile.TemporaryFile(mode="w+b")
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO_ROOT), env.get("PYTHONPATH")]))
        self._proc = subprocess.Popen(
            self.command(),
            cwd=str(REPO_ROOT),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=self._stderr_file,
            env=env,
        )
        self.pid = self._proc.pid
        atexit.register(self.stop)
        lines: queue.Queue = queue.Queue()
        threading.Thread(target=_pump_stdout, args=(self._proc.stdout, lines), daemon=True).start()
        deadline = time.monotonic() + self.startup_timeout
        line = None
        while time.monotonic() < deadline:
            try:
                line = lines.get(timeout=0.05)
                break
            except queue.Empty:
                if self._proc.poll() is not None:
                    try:  # the line may have arrived just before exit
                        line = lines.get(timeout=0.5)
                    except queue.Empty:
                        line = None
                    break
        if line is None or not line.startswith(_LISTEN_PREFIX):
            code = self._proc.poll()
            err = self._read_stderr()
            self.stop()
            if code is None and line is None:
                why = f"did not report listening within {self.startup_timeout}s"
            elif line:
                why = f"printed an unexpected line {line!r}"
            else:
                why = f"exited with code {code}"
            raise StandInError(f"stand-in {why}; command: {self.command()}; stderr:\n{err}")
        self.url = line[len(_LISTEN_PREFIX):].strip()
        return self

    def stop(self) -> None:
        """SIGTERM, wait up to 10 s, then SIGKILL. Safe to call more than once."""
        proc = self._proc
        if proc is None:
            return
        try:
            if proc.poll() is None:
                try:
                    os.kill(proc.pid, signal.SIGTERM)
                except ProcessLookupError:
                    pass
                try:
                    proc.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    try:
                        os.kill(proc.pid, signal.SIGKILL)
                    except ProcessLookupError:
                        pass
                    proc.wait(timeout=10)
        finally:
            if proc.stdout is not None:
                proc.stdout.close()
            if self._stderr_file is not None:
                self._stderr_file.close()
                self._stderr_file = None
            self._proc = None
            atexit.unregister(self.stop)

    @property
    def returncode(self) -> int | None:
        return None if self._proc is None else self._proc.poll()

    def _read_stderr(self) -> str:
        f = self._stderr_file
        if f is None:
            return ""
        try:
            f.seek(0)
            return f.read().decode("utf-8", "replace")
        except (OSError, ValueError):
            return ""

    def stderr(self) -> str:
        """What the server wrote to stderr so far (tracebacks, --verbose logs)."""
        return self._read_stderr()

    def __enter__(self) -> "StandIn":
        return self.start()

    def __exit__(self, *exc: Any) -> None:
        self.stop()

    # -- control API -----------------------------------------------------------
    def _call(self, method: str, path: str, body: Any = None) -> Any:
        if not self.url:
            raise StandInError("stand-in is not running")
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(self.url + path, data=data, method=method)
        if data is not None:
            req.add_header("Content-Type", "application/json")
        try:
            with _OPENER.open(req, timeout=60) as resp:
                return json.loads(resp.read())
        except urllib.error.HTTPError as exc:
            detail = exc.read().decode("utf-8", "replace")
            raise StandInError(f"{method} {path} -> {exc.code}: {detail}") from None

    def set_faults(self, **faults: Any) -> None:
        """Replace the whole fault config (no arguments: no faults) and reset fault counters."""
        self._call("POST", "/_control/faults", faults)

    def set_dates(self, **rules: Any) -> dict:
        """Replace the date rules (no arguments: documented mode); returns them normalized.

        Keys: to_exclusive, org_time_zone, ignore_time_zone, ignore_dates, ingested_lifts_default,
        ignore_ingested, ingested_to_exclusive, ingested_time_zone, list_future.
        """
        return self._call("POST", "/_control/dates", rules)["dates"]

    def get_dates(self) -> dict:
        return self._call("GET", "/_control/dates")["dates"]

    def add_activities(self, count: int = 1, timestamp_ms: int | None = None) -> list[str]:
        """Add ``count`` activities (with participants) at ``timestamp_ms`` (default: spread
        over the three hours before now), ingested now; returns their uids."""
        body: dict[str, Any] = {"count": count}
        if timestamp_ms is not None:
            body["timestamp_ms"] = timestamp_ms
        return self._call("POST", "/_control/records", body)["uids"]

    def backfill(self, count: int, days_ago: "int | tuple[int, int] | list[int]", no_ingested_at: bool = False) -> dict:
        """History ingested now: ``count`` activities dated ``days_ago`` days before now, or
        spread evenly over ``(D_old, D_new)`` days ago; ``no_ingested_at``: ``ingested_at`` null.
        Returns the answer (``uids``, ``activity_timestamps``, ``ingested_at``, counts)."""
        days = list(days_ago) if isinstance(days_ago, (tuple, list)) else days_ago
        return self._call("POST", "/_control/backfill",
                          {"count": count, "days_ago": days, "no_ingested_at": no_ingested_at})

    def schedule(self, count: int, days_ahead: "int | tuple[int, int] | list[int]") -> dict:
        """Meetings booked now: ``count`` MEETING activities dated ``days_ahead`` days after now,
        or spread evenly over ``(D_near, D_far)`` days ahead. Returns the answer."""
        days = list(days_ahead) if isinstance(days_ahead, (tuple, list)) else days_ahead
        return self._call("POST", "/_control/schedule", {"count": count, "days_ahead": days})

    def delete(self, uids: "list[str]", moves_ingested: bool = False) -> dict:
        """Mark activities and all their participant rows deleted (modified now; ingested now
        too with ``moves_ingested``). Returns the answer."""
        return self._call("POST", "/_control/delete", {"uids": list(uids), "moves_ingested": moves_ingested})

    def reprocess(self, uids: "list[str]", moves_ingested: bool = True, shift_ms: int = 0,
                  set: dict | None = None) -> dict:  # noqa: A002 - the control API's key
        """People.ai processes activities again: modified now, ingested now (``moves_ingested``),
        dated ``shift_ms`` later (meeting times too), ``set`` top-level fields. Returns the answer."""
        return self._call("POST", "/_control/reprocess", {
            "uids": list(uids), "moves_ingested": moves_ingested, "shift_ms": shift_ms, "set": set or {},
        })

    def set_today(self, day: "str | datetime.date") -> dict:
        """Move the server's clock to ``day`` (the dataset does not change); returns clock()."""
        if isinstance(day, datetime.datetime):
            day = day.date()
        return self._call("POST", "/_control/clock", {"today": str(day)})

    def clock(self) -> dict:
        """The server's ``today``, ``now_ms`` and the dataset's time span and counts."""
        return self._call("GET", "/_control/clock")

    def reset(self) -> None:
        """No faults, documented date rules, empty stats, the base dataset (added, deleted and
        re-processed activities undone) and the clock back at start-up's today."""
        self._call("POST", "/_control/reset", {})

    def stats(self) -> dict:
        return self._call("GET", "/_control/stats")

    def dataset(self, stream: str) -> list:
        """Every record of a stream (activities, participants, accounts, ..., leads_engagement),
        deleted ones included."""
        return self._call("GET", f"/_control/dataset?stream={stream}")


def _pump_stdout(stream: Any, lines: queue.Queue) -> None:
    """Hand the first stdout line to start(), then keep draining so the pipe never fills."""
    try:
        for raw in iter(stream.readline, b""):
            lines.put(raw.decode("utf-8", "replace").rstrip("\r\n"))
    except (OSError, ValueError):
        pass
