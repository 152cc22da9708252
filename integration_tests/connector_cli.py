"""Runs the connector's command line in a subprocess and reads the Airbyte messages it prints."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any, Dict, List, Mapping, Optional, Sequence

from integration_tests.stand_in_session import REPO_ROOT

# Longer than the slowest run (retries used up: about 70 s); a hung run is killed, never left.
RUN_TIMEOUT_SECONDS = 300

_PROXY_VARIABLES = ("http_proxy", "https_proxy", "all_proxy", "no_proxy")

STREAMS = ("activity", "participants")


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


def full_refresh_catalog(streams: Sequence[str] = STREAMS) -> Dict[str, Any]:
    return {
        "streams": [
            {
                "stream": {
                    "name": name,
                    "json_schema": {},
                    "supported_sync_modes": ["full_refresh"],
                },
                "sync_mode": "full_refresh",
                "destination_sync_mode": "overwrite",
            }
            for name in streams
        ]
    }


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
    """Runs `python main.py ...` (or another command) and keeps every run."""

    runs: List[CliRun] = field(default_factory=list)

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
        self.runs.append(run)
        return run
