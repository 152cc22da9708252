"""The ceiling: the connector's job in a bare Python loop (requests + json, no CDK).

Same token call, same date windows, the same pages (`from`, `to`, `time-zone`, `limit`,
`offset`), the same per-record work (ISO timestamps to epoch ms, `subject` renamed to
`api_subject`, a record kept only inside its own window), one JSON line per record on stdout, so
that `bench.py` can compare it with the connector as a whole process. One thread, windows one
after the other: no rate budget and no retries (`bench.py` runs it without a rate limit).

    python benchmarks/bare_loop.py --config CONFIG.json [--now-ms MS]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from datetime import datetime, timedelta, timezone

import requests

STREAMS = {
    "activity": "/v0/public/activities",
    "participants": "/v0/public/activities/participants",
}
DAY_MS = 86_400_000
# As source_peopleai/fast_path.py and the manifest's window_filter_and_rename.
TIMESTAMP_FIELDS = (
    "activity_timestamp",
    "created_at",
    "ingested_at",
    "modified_at",
    "updated_at",
    "email_reply_time",
    "meeting_start_time",
    "meeting_end_time",
)


def day_ms(day: str) -> int:
    """Epoch ms of 00:00 UTC of a YYYY-MM-DD day."""
    return int(datetime.strptime(day, "%Y-%m-%d").replace(tzinfo=timezone.utc).timestamp() * 1000)


def ms_day(ms: int) -> str:
    return datetime.fromtimestamp(ms / 1000, tz=timezone.utc).strftime("%Y-%m-%d")


def default_start_date() -> str:
    """The manifest's default start_date: 730 days before today (UTC)."""
    return (datetime.now(timezone.utc).date() - timedelta(days=730)).isoformat()


def windows(start_date: str, window_days: int, now_ms: int) -> list[tuple[int, int]]:
    """(start_time, end_time) in epoch ms, as the CDK's cursor slices the manifest's windows.

    Step window_days, granularity one day: [s, s + window_days - 1 day], the next window
    starting at s + window_days; the last one ends at now.
    """
    out = []
    lower, step = day_ms(start_date), window_days * DAY_MS
    while lower <= now_ms:
        upper = lower + step
        if upper >= now_ms:
            out.append((lower, now_ms))
            break
        out.append((lower, upper - DAY_MS))
        lower = upper
    return out


def window_params(start_time: int, end_time: int) -> dict[str, str]:
    """The manifest's request range: a day before the window's first day, two after its last."""
    return {
        "from": ms_day(start_time - DAY_MS),
        "to": ms_day(end_time + 2 * DAY_MS),
        "time-zone": "UTC",
    }


def iso_to_ms(value: str) -> int:
    return int(datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp() * 1000)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--config", required=True)
    parser.add_argument("--now-ms", type=int, default=None, help="end of the last window (default: now)")
    args = parser.parse_args()
    with open(args.config) as f:
        config = json.load(f)
    base = config["base_url"].rstrip("/")
    page_size = int(config.get("page_size") or 1000)
    window_days = int(config["window_days"])  # bench.py always sets it, as the connector reads it
    start_date = config.get("start_date") or default_start_date()
    now_ms = args.now_ms or int(time.time() * 1000)
    session = requests.Session()
    token = session.post(
        f"{base}/auth/v1/tokens",
        data={
            "grant_type": "client_credentials",
            "client_id": config["api_key"],
            "client_secret": config["api_secret"],
        },
        timeout=60,
    ).json()["access_token"]
    session.headers["Authorization"] = f"Bearer {token}"
    write = sys.stdout.write
    dumps = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False).encode
    for stream, path in STREAMS.items():
        for start_time, end_time in windows(start_date, window_days, now_ms):
            params = window_params(start_time, end_time)
            end_ms = end_time + DAY_MS
            offset = 0
            while True:
                response = session.get(
                    f"{base}{path}", params={**params, "limit": page_size, "offset": offset}, timeout=120
                )
                response.raise_for_status()
                records = response.json()["data"]
                emitted_at = int(time.time() * 1000)
                for record in records:
                    for field in TIMESTAMP_FIELDS:
                        value = record.get(field)
                        if isinstance(value, str):
                            record[field] = iso_to_ms(value)
                    if "subject" in record:
                        record["api_subject"] = record.pop("subject")
                    t = record.get("activity_timestamp")
                    if t is None or start_time <= t < end_ms:
                        write(dumps({"type": "RECORD", "record": {
                            "stream": stream, "data": record, "emitted_at": emitted_at}}))
                        write("\n")
                offset += len(records)
                if len(records) < page_size:
                    break


if __name__ == "__main__":
    main()
