"""Runs the connector's command line in a subprocess and reads the Airbyte messages it prints."""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import subprocess
import sys
import threading
import time
from collections import Counter
from concurrent.futures import Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any, Callable, Dict, List, Mapping, Optional, Sequence

from integration_tests.stand_in_session import REPO_ROOT

# Longer than the slowest run (retries used up: about 70 s); a hung run is killed, never left.
RUN_TIMEOUT_SECONDS = 300

_PROXY_VARIABLES = ("http_proxy", "https_proxy", "all_proxy", "no_proxy")

ACTIVITY_STREAMS = ("activity", "participants")
OBJECT_STREAMS = ("accounts", "opportunities", "contacts", "leads", "teams", "team_members")
ENGAGEMENT_STREAMS = (
    "account_engagement",
    "opportunity_engagement",
    "contact_engagement",
    "lead_engagement",
)
ALL_STREAMS = (*ACTIVITY_STREAMS, *OBJECT_STREAMS, *ENGAGEMENT_STREAMS)
# The streams most tests read (and the default of full_refresh_catalog).
STREAMS = ACTIVITY_STREAMS

PRIMARY_KEYS: Dict[str, tuple] = {
    "activity": ("uid",),
    "participants": ("uid", "email"),
    **{stream: ("id",) for stream in OBJECT_STREAMS},
    **{stream: ("id", "date") for stream in ENGAGEMENT_STREAMS},
}
# The stand-in's name (`api.dataset(name)`) of the records behind each stream.
DATASET_NAMES: Dict[str, str] = {
    "activity": "activities",
    "participants": "participants",
    **{stream: stream for stream in OBJECT_STREAMS},
    "account_engagement": "accounts_engagement",
    "opportunity_engagement": "opportunities_engagement",
    "contact_engagement": "contacts_engagement",
    "lead_engagement": "leads_engagement",
}


def clean_environment(**extra: str) -> Dict[str, str]:
    """This process's environment without proxy settings, plus `extra`.

    The stand-in is on 127.0.0.1: a proxy from the environment must not stand in between.
    """
    env = {
        name: value
        for name, value in os.environ.items()
        if name.lower() not in _PROXY_VARIABLES
    }
    env.update(extra)
    return env


def write_json(path: Path, content: Any) -> Path:
    path.write_text(json.dumps(content), encoding="utf-8")
    return path


def catalog(streams: Sequence[str] = STREAMS, sync_mode: str = "full_refresh") -> Dict[str, Any]:
    """A configured catalog selecting `streams`, all in `sync_mode` (full_refresh, incremental)."""
    return {
        "streams": [
            {
                "stream": {
                    "name": name,
                    "json_schema": {},
                    "supported_sync_modes": ["full_refresh", "incremental"],
                },
                "sync_mode": sync_mode,
                "destination_sync_mode": "overwrite" if sync_mode == "full_refresh" else "append",
            }
            for name in streams
        ]
    }


def full_refresh_catalog(streams: Sequence[str] = STREAMS) -> Dict[str, Any]:
    return catalog(streams, "full_refresh")


def key_of(stream: str, record: Mapping[str, Any]) -> tuple:
    return tuple(record.get(field) for field in PRIMARY_KEYS[stream])


@dataclass
class CliRun:
    """One finished run of the connector."""

    command: List[str]
    returncode: int
    stdout: str
    stderr: str
    seconds: float

    @cached_property
    def messages(self) -> List[Dict[str, Any]]:
        parsed = []
        for line in self.stdout.splitlines():
            if not line.startswith("{"):
                continue
            try:
                parsed.append(json.loads(line))
            except json.JSONDecodeError:
                continue
        return parsed

    def of_type(self, message_type: str) -> List[Dict[str, Any]]:
        return [message for message in self.messages if message.get("type") == message_type]

    def records(self, stream: str) -> List[Dict[str, Any]]:
        return [
            message["record"]["data"]
            for message in self.of_type("RECORD")
            if message["record"]["stream"] == stream
        ]

    def keys(self, stream: str) -> List[tuple]:
        return [key_of(stream, record) for record in self.records(stream)]

    @property
    def trace_errors(self) -> List[Dict[str, Any]]:
        return [
            message["trace"]["error"]
            for message in self.of_type("TRACE")
            if message["trace"].get("type") == "ERROR"
        ]

    def stream_statuses(self, stream: str) -> List[str]:
        return [
            message["trace"]["stream_status"]["status"]
            for message in self.of_type("TRACE")
            if message["trace"].get("type") == "STREAM_STATUS"
            and message["trace"]["stream_status"]["stream_descriptor"]["name"] == stream
        ]

    def final_status(self, stream: str) -> Optional[str]:
        statuses = self.stream_statuses(stream)
        return statuses[-1] if statuses else None

    @property
    def final_states(self) -> Dict[str, Dict[str, Any]]:
        """The last STATE message's `state` object of each stream, by stream name."""
        states = {}
        for message in self.of_type("STATE"):
            state = message["state"]
            states[state["stream"]["stream_descriptor"]["name"]] = state
        return states

    def stream_state(self, stream: str) -> Optional[Dict[str, Any]]:
        """The last `stream_state` the run printed for `stream`."""
        state = self.final_states.get(stream)
        return None if state is None else state["stream"]["stream_state"]

    @property
    def connection_status(self) -> Optional[Dict[str, Any]]:
        statuses = self.of_type("CONNECTION_STATUS")
        return statuses[-1]["connectionStatus"] if statuses else None

    def describe(self) -> str:
        """What to print when an assertion on this run fails."""
        errors = "\n".join(
            f"  [{error.get('failure_type')}] {error.get('message')}" for error in self.trace_errors
        )
        return (
            f"`{' '.join(self.command)}` exited {self.returncode} after {self.seconds:.1f} s\n"
            f"TRACE errors:\n{errors or '  (none)'}\n"
            f"stderr (last 2000 characters):\n{self.stderr[-2000:]}"
        )


@dataclass
class ConnectorCli:
    """Runs `python main.py ...` (or another command) and keeps every run.

    Safe to use from several threads at once: runs are subprocesses, kept in the order they end.
    """

    runs: List[CliRun] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def run(
        self,
        *args: str | Path,
        command: Optional[Sequence[str]] = None,
        cwd: Path = REPO_ROOT,
        env: Optional[Mapping[str, str]] = None,
    ) -> CliRun:
        full_command = [*(command or [sys.executable, "main.py"]), *map(str, args)]
        started = time.monotonic()
        completed = subprocess.run(
            full_command,
            cwd=str(cwd),
            env=dict(env) if env is not None else clean_environment(),
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=RUN_TIMEOUT_SECONDS,
        )
        run = CliRun(
            command=full_command,
            returncode=completed.returncode,
            stdout=completed.stdout,
            stderr=completed.stderr,
            seconds=time.monotonic() - started,
        )
        with self._lock:
            self.runs.append(run)
        return run


@dataclass
class Connection:
    """What Airbyte keeps for a connection (config, catalog, the state of each stream), syncing
    through `read` as Airbyte does: each sync is given the last state of every stream so far."""

    cli: ConnectorCli
    workdir: Path
    config: Dict[str, Any]
    streams: Sequence[str] = STREAMS
    sync_mode: str = "full_refresh"
    states: Dict[str, Dict[str, Any]] = field(default_factory=dict)
    env: Optional[Mapping[str, str]] = None  # the connector's environment (default: ours, no proxy)

    def sync(self, on_day: Optional[dt.date] = None, **config_changes: Any) -> CliRun:
        """One `read`; `config_changes` apply to this sync only (a change to None drops the key).

        `on_day`: the connector runs with its clock on that day (integration_tests/shifted_clock.py),
        to agree with a stand-in whose clock was moved there."""
        number = sum(1 for _ in self.workdir.glob("config-*.json")) + 1
        config = {**self.config, **config_changes}
        config = {key: value for key, value in config.items() if value is not None}
        args = [
            "read",
            "--config", write_json(self.workdir / f"config-{number}.json", config),
            "--catalog", write_json(
                self.workdir / f"catalog-{number}.json", catalog(self.streams, self.sync_mode)
            ),
        ]
        if self.states:
            state_path = self.workdir / f"state-{number}.json"
            args += ["--state", write_json(state_path, list(self.states.values()))]
        command = None if on_day is None else [sys.executable, "-m", "integration_tests.shifted_clock", str(on_day)]
        run = self.cli.run(*args, command=command, env=self.env)
        self.states.update(run.final_states)
        return run


class Warehouse:
    """The destination's tables of activities and participants as Airbyte's Incremental | Append +
    Deduped leaves them: for each primary key, the last record read (the highest synced_at, the
    connector's cursor; on a tie, the later one)."""

    def __init__(self) -> None:
        self.tables: Dict[str, Dict[tuple, Dict[str, Any]]] = {stream: {} for stream in ACTIVITY_STREAMS}

    def load(self, run: CliRun) -> None:
        for stream, table in self.tables.items():
            for record in run.records(stream):
                key = key_of(stream, record)
                if key not in table or record["synced_at"] >= table[key]["synced_at"]:
                    table[key] = record

    def rows(self, stream: str) -> List[Dict[str, Any]]:
        return list(self.tables[stream].values())


class Background:
    """Jobs that start now and are awaited later, each in a thread of its own pool.

    A CLI run spends most of its time waiting (for backoffs, for the stand-in), so a module's runs
    that need a stand-in of their own go here and overlap each other and the module's other tests.
    `result(name)` waits for one job and returns what it returned, or raises what it raised.
    """

    def __init__(self, workers: int) -> None:
        self._pool = ThreadPoolExecutor(max_workers=workers)
        self._jobs: Dict[str, Future] = {}

    def start(self, name: str, job: Callable[..., Any], *args: Any, **kwargs: Any) -> None:
        if name not in self._jobs:
            self._jobs[name] = self._pool.submit(job, *args, **kwargs)

    def started(self, name: str) -> bool:
        return name in self._jobs

    def result(self, name: str) -> Any:
        return self._jobs[name].result()

    def wait_all(self) -> None:
        """Waits until every job started so far has ended (whether it failed or not)."""
        wait(list(self._jobs.values()))

    def close(self) -> None:
        self._pool.shutdown(wait=True)


# --------------------------------------------------------------------------------------------
# What the connector should print for the records the API holds
# --------------------------------------------------------------------------------------------

# How the stand-in's `--timestamps iso` mode writes a timestamp.
_ISO_TIMESTAMP = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z")


def epoch_ms(iso: str) -> int:
    moment = dt.datetime.strptime(iso, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=dt.timezone.utc)
    return round(moment.timestamp() * 1000)


def expected_record(stream: str, api_record: Mapping[str, Any]) -> Dict[str, Any]:
    """The record the connector should print for a record the API sent."""
    record = dict(api_record)
    if stream in ACTIVITY_STREAMS and "subject" in record:
        record["api_subject"] = record.pop("subject")
    # Timestamps sent as ISO text come out as epoch milliseconds, the API's documented form.
    for name, value in record.items():
        if isinstance(value, str) and _ISO_TIMESTAMP.fullmatch(value):
            record[name] = epoch_ms(value)
    # The CDK leaves top-level nulls out of the RECORD messages it prints.
    return {name: value for name, value in record.items() if value is not None}


def as_sent(stream: str, printed: Mapping[str, Any]) -> Dict[str, Any]:
    """A printed record without `synced_at`, which the connector adds to activities and
    participants (the time of its read: an integer of epoch milliseconds, checked here)."""
    record = dict(printed)
    if stream in ACTIVITY_STREAMS:
        synced_at = record.pop("synced_at", None)
        if not isinstance(synced_at, int):
            record["synced_at (missing or not epoch ms)"] = synced_at
    return record


def record_mismatches(
    stream: str, printed: Sequence[Mapping[str, Any]], api_records: Sequence[Mapping[str, Any]]
) -> str:
    """What is wrong with `printed` as the records of `api_records`, each exactly once and with
    the values the API sent; an empty string when nothing is."""
    counts = Counter(key_of(stream, record) for record in printed)
    wanted = {key_of(stream, record): record for record in api_records}
    twice = sorted(key for key, count in counts.items() if count > 1)
    missing = sorted(wanted.keys() - counts.keys())
    unknown = sorted(counts.keys() - wanted.keys())
    by_key = {key_of(stream, record): as_sent(stream, record) for record in printed}
    differing = [
        (by_key[key], expected_record(stream, wanted[key]))
        for key in sorted(by_key.keys() & wanted.keys())
        if by_key[key] != expected_record(stream, wanted[key])
    ]
    if not (twice or missing or unknown or differing):
        return ""
    text = (
        f"{stream}: {len(printed)} records printed for {len(wanted)}; {len(twice)} keys more than "
        f"once {twice[:5]}, {len(missing)} missing {missing[:5]}, {len(unknown)} not expected "
        f"{unknown[:5]}, {len(differing)} with other values"
    )
    if differing:
        text += f"; the first:\n  printed:  {differing[0][0]}\n  expected: {differing[0][1]}"
    return text
