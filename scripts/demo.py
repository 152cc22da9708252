"""`make demo`: two incremental syncs of every stream, against the bundled stand-in API.

Starts the bundled stand-in on a free port and runs the connector as Airbyte would: `check`,
`discover`, a first sync of all 12 streams (incremental where a stream supports it, full refresh
otherwise), then, after People.ai (the stand-in) backfills months of history from a newly
connected mailbox, books meetings ahead, captures new activities and deletes a few, a second sync
given the state the first one saved. Prints one line per stream and sync, how many of each kind
of change the second sync delivered, and how many requests each sync sent. The raw Airbyte
messages, config, catalog and states are kept in demo-output/. Takes about a minute or less.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any, Dict, List

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from stand_in import StandIn  # noqa: E402

OUTPUT = REPO / "demo-output"
ACTIVITIES = 5000


def command() -> List[str]:
    """The installed console script next to this Python, else `python main.py`."""
    script = Path(sys.executable).parent / "source-peopleai"
    if script.exists():
        return [str(script)]
    found = shutil.which("source-peopleai")
    return [found] if found else [sys.executable, str(REPO / "main.py")]


def write(name: str, content: Any) -> str:
    (OUTPUT / name).write_text(json.dumps(content, indent=2))
    return name


def run(args: List[str], out_name: str) -> tuple[int, List[Dict[str, Any]], float]:
    """Runs the connector in demo-output/, its stdout saved as `out_name`."""
    print(f"$ source-peopleai {' '.join(args)}", flush=True)
    started = time.perf_counter()
    with open(OUTPUT / out_name, "w") as out:
        code = subprocess.call(command() + args, stdout=out, cwd=OUTPUT)
    messages = []
    for line in (OUTPUT / out_name).read_text().splitlines():
        if line.startswith("{"):
            try:
                messages.append(json.loads(line))
            except json.JSONDecodeError:
                pass
    return code, messages, time.perf_counter() - started


def traces(messages: List[Dict[str, Any]], kind: str) -> List[Dict[str, Any]]:
    return [m["trace"] for m in messages if m["type"] == "TRACE" and m["trace"]["type"] == kind]


def summarize_sync(messages: List[Dict[str, Any]], streams: List[str], modes: Dict[str, str]) -> bool:
    """One line per stream; True when every stream completed."""
    counts = Counter(m["record"]["stream"] for m in messages if m["type"] == "RECORD")
    statuses = {
        t["stream_status"]["stream_descriptor"]["name"]: t["stream_status"]["status"]
        for t in traces(messages, "STREAM_STATUS")
    }
    print(f"  {'stream':24} {'mode':12} {'records':>8}   final status")
    for stream in streams:
        print(f"  {stream:24} {modes[stream]:12} {counts[stream]:>8,}   {statuses.get(stream, '-')}")
    for error in traces(messages, "ERROR"):
        print(f"  ERROR: {error['error']['message']}")
    return all(statuses.get(stream) == "COMPLETE" for stream in streams)


def summarize_changes(messages: List[Dict[str, Any]], changes: Dict[str, set]) -> bool:
    """How many activities of each change the sync delivered (deleted ones flagged); True when all."""
    activities = {
        m["record"]["data"]["uid"]: m["record"]["data"]
        for m in messages if m["type"] == "RECORD" and m["record"]["stream"] == "activity"
    }
    complete = True
    for change, uids in changes.items():
        found = {uid for uid in uids if uid in activities}
        if change.startswith("deleted"):
            found = {uid for uid in found if activities[uid].get("deleted") is True}
        complete = complete and found == uids
        print(f"  {change:52} {len(found):>3} of {len(uids)} in the activity stream")
    return complete


def last_states(messages: List[Dict[str, Any]]) -> Dict[str, Dict[str, Any]]:
    states = {}
    for message in messages:
        if message["type"] == "STATE":
            state = message["state"]
            states[state["stream"]["stream_descriptor"]["name"]] = state
    return states


def main() -> int:
    OUTPUT.mkdir(exist_ok=True)
    print(f"Starting the stand-in People.ai API with {ACTIVITIES:,} activities ...", flush=True)
    with StandIn(activities=ACTIVITIES) as api:
        print(f"  listening on {api.url}; its date is {api.clock()['today']}\n")
        # Everything else at its default (start_date 730 days ago, 90-day chunks, lookback_days 7,
        # 5 requests/s), and deleted activities read too, flagged.
        config = {"api_key": api.client_id, "api_secret": api.client_secret, "base_url": api.url,
                  "include_deleted": True}
        write("config.json", config)

        code, messages, _ = run(["check", "--config", "config.json"], "check.jsonl")
        status = next(
            (m["connectionStatus"] for m in messages if m["type"] == "CONNECTION_STATUS"), {}
        )
        print(f"  {status.get('status', 'no CONNECTION_STATUS')} {status.get('message') or ''}\n")
        checked = code == 0 and status.get("status") == "SUCCEEDED"

        code, messages, _ = run(["discover", "--config", "config.json"], "discover.jsonl")
        catalog = next((m["catalog"] for m in messages if m["type"] == "CATALOG"), {"streams": []})
        streams = [s["name"] for s in catalog["streams"]]
        modes = {
            s["name"]: "incremental" if "incremental" in s["supported_sync_modes"] else "full_refresh"
            for s in catalog["streams"]
        }
        incremental = sum(mode == "incremental" for mode in modes.values())
        print(f"  {len(streams)} streams, {incremental} of them incremental\n")
        # As Airbyte configures them: incremental and deduplicated by primary key where possible.
        write("catalog.json", {"streams": [
            {
                "stream": s,
                "sync_mode": modes[s["name"]],
                "destination_sync_mode": (
                    "append_dedup" if modes[s["name"]] == "incremental" else "overwrite"
                ),
                "primary_key": s.get("source_defined_primary_key") or [],
            }
            for s in catalog["streams"]
        ]})

        api.reset()
        code1, messages, seconds = run(
            ["read", "--config", "config.json", "--catalog", "catalog.json"], "sync-1.jsonl"
        )
        stats = api.stats()
        print(f"  first sync, no state: exit code {code1} after {seconds:.1f} s, "
              f"{stats['data_requests']} data requests")
        complete1 = summarize_sync(messages, streams, modes)
        states = last_states(messages)
        write("state-1.json", list(states.values()))
        print(f"  saved the state of {len(states)} streams in demo-output/state-1.json\n")

        api.reset()
        now, day = api.clock()["now_ms"], 86_400_000
        # Three activities of a year ago, which the first sync read.
        old = [r["uid"] for r in api.dataset("activities") if now - 365 * day <= r["activity_timestamp"]][:3]
        changes = {
            "backfilled: a new mailbox, 45 to 200 days back": set(api.backfill(50, (200, 45))["uids"]),
            "meetings booked 10 to 60 days ahead": set(api.schedule(5, (10, 60))["uids"]),
            "new: the last three hours": set(api.add_activities(5)),
            "deleted (of those read in the first sync)": set(api.delete(old, moves_ingested=True)["uids"]),
        }
        print("People.ai (the stand-in) ingests and changes activities:")
        for change, uids in changes.items():
            print(f"  {change}: {len(uids)} ({', '.join(sorted(uids)[:3])}{', ...' if len(uids) > 3 else ''})")
        print()

        code2, messages, seconds = run(
            ["read", "--config", "config.json", "--catalog", "catalog.json", "--state", "state-1.json"],
            "sync-2.jsonl",
        )
        stats = api.stats()
        print(f"  second sync, from the saved state: exit code {code2} after {seconds:.1f} s, "
              f"{stats['data_requests']} data requests")
        complete2 = summarize_sync(messages, streams, modes)
        delivered = summarize_changes(messages, changes)
        write("state-2.json", list({**states, **last_states(messages)}.values()))
        print("  (activities and participants: each chunk of activity time asks only for what People.ai\n"
              "  ingested since its last read, minus lookback_days, however old the activity; the last\n"
              "  lookback_days and the 180 days ahead are read whole. Opportunities and contacts send only\n"
              "  what changed; the other full-refresh streams read everything each time)")

    print(f"\nRaw Airbyte messages, config, catalog and states: {OUTPUT}/")
    ok = checked and code1 == 0 and code2 == 0 and complete1 and complete2 and delivered
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
