"""Runs the `source-peopleai` command (source_peopleai.run.run) in process and parses what it prints."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Dict, List, Mapping, Optional

import pytest
from airbyte_cdk.models import ConfiguredAirbyteCatalogSerializer

from source_peopleai.run import run
from unit_tests.harness import catalog_for


def write_json(path: Path, content: Any) -> str:
    path.write_text(json.dumps(content), encoding="utf-8")
    return str(path)


def run_cli(
    args: List[str], capsys: pytest.CaptureFixture
) -> List[Dict[str, Any]]:
    """Runs the command and returns the Airbyte messages it printed (LOG lines included)."""
    run(args)
    return parse_messages(capsys.readouterr().out)


def parse_messages(stdout: str) -> List[Dict[str, Any]]:
    return [json.loads(line) for line in stdout.splitlines() if line.startswith("{")]


def of_type(messages: List[Dict[str, Any]], message_type: str) -> List[Dict[str, Any]]:
    return [m for m in messages if m.get("type") == message_type]


def read_args(tmp_path: Path, config: Mapping[str, Any], stream: str = "activity") -> List[str]:
    catalog = ConfiguredAirbyteCatalogSerializer.dump(catalog_for(stream))
    return [
        "read",
        "--config",
        write_json(tmp_path / "config.json", config),
        "--catalog",
        write_json(tmp_path / "catalog.json", catalog),
    ]


def config_args(command: str, tmp_path: Path, config: Optional[Mapping[str, Any]]) -> List[str]:
    return [command, "--config", write_json(tmp_path / "config.json", config)]
