"""`make demo`: the connector's main job, a full read, against the bundled stand-in API.

Starts the stand-in on a free port, runs `source-peopleai check` and `source-peopleai read` of both
streams as a user would, stops the stand-in, and prints what happened. The raw Airbyte messages
are kept in demo-output/.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from stand_in import StandIn  # noqa: E402

OUTPUT = REPO / "demo-output"
ACTIVITIES = 5000


def command() -> list[str]:
    """The installed console script next to this Python, else `python main.py`."""
    script = Path(sys.executable).parent / "source-peopleai"
    if script.exists():
        return [str(script)]
    found = shutil.which("source-peopleai")
    return [found] if found else [sys.executable, str(REPO / "main.py")]


def run(args: list[str], out_path: Path) -> tuple[int, list[dict]]:
    with open(out_path, "w") as out:
        code = subprocess.call(command() + args, stdout=out, cwd=OUTPUT)
    messages = [json.loads(line) for line in out_path.read_text().splitlines() if line.startswith("{")]
    return code, messages


def main() -> int:
    OUTPUT.mkdir(exist_ok=True)
    print(f"Starting the stand-in People.ai API with {ACTIVITIES:,} activities ...", flush=True)
    with StandIn(activities=ACTIVITIES) as api:
        config = {"api_key": api.client_id, "api_secret": api.client_secret, "base_url": api.url}
        (OUTPUT / "config.json").write_text(json.dumps(config, indent=2))
        catalog = {"streams": [
            {"stream": {"name": name, "json_schema": {}, "supported_sync_modes": ["full_refresh"]},
             "sync_mode": "full_refresh", "destination_sync_mode": "overwrite"}
            for name in ("activity", "participants")
        ]}
        (OUTPUT / "catalog.json").write_text(json.dumps(catalog, indent=2))
        print(f"  listening on {api.url}\n")

        print("$ source-peopleai check --config demo-output/config.json")
        code, messages = run(["check", "--config", "config.json"], OUTPUT / "check.jsonl")
        status = next((m["connectionStatus"] for m in messages if m["type"] == "CONNECTION_STATUS"), {})
        print(f"  {status.get('status', 'no CONNECTION_STATUS')} {status.get('message') or ''}\n")

        print("$ source-peopleai read --config demo-output/config.json --catalog demo-output/catalog.json")
        started = time.perf_counter()
        read_code, messages = run(
            ["read", "--config", "config.json", "--catalog", "catalog.json"], OUTPUT / "messages.jsonl"
        )
        elapsed = time.perf_counter() - started
        stats = api.stats()

    records = [m["record"] for m in messages if m["type"] == "RECORD"]
    counts = Counter(r["stream"] for r in records)
    statuses = {
        m["trace"]["stream_status"]["stream_descriptor"]["name"]: m["trace"]["stream_status"]["status"]
        for m in messages
        if m["type"] == "TRACE" and m["trace"]["type"] == "STREAM_STATUS"
    }
    errors = [m["trace"]["error"]["message"] for m in messages
              if m["type"] == "TRACE" and m["trace"]["type"] == "ERROR"]
    print(f"  exit code {read_code} after {elapsed:.1f} s; the stand-in answered "
          f"{stats['data_requests']} data requests and {stats['token_requests']} token request(s)")
    for stream in ("activity", "participants"):
        print(f"  {stream:13} {counts[stream]:>6,} records   final status {statuses.get(stream, '-')}")
    for error in errors:
        print(f"  ERROR: {error}")
    sample = next((r["data"] for r in records if r["stream"] == "activity" and "api_subject" in r["data"]
                   and r["data"]["api_subject"] == "123"), None) or next(
        (r["data"] for r in records if r["stream"] == "activity"), None)
    if sample:
        print("\nA sample activity (`subject` arrives as `api_subject`, its value exactly as sent):")
        print("  " + json.dumps(sample, ensure_ascii=False, indent=2).replace("\n", "\n  "))
    print(f"\nRaw Airbyte messages: {OUTPUT / 'messages.jsonl'} (check: {OUTPUT / 'check.jsonl'})")
    ok = code == 0 and status.get("status") == "SUCCEEDED" and read_code == 0 and not errors
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
