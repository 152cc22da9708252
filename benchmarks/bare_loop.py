"""The ceiling: the connector's first sync in a bare Python loop (requests + json, no CDK).

Same token call, the same chunks of activity time, the same pages (`from`, `to`, `time-zone`,
`limit`, `offset`), the same per-record work (ISO timestamps to epoch ms, `subject` renamed to
`api_subject`, `synced_at` set, a record kept only inside its own chunk and ingested before the
read), one JSON line per record on stdout, so that `bench.py` can compare it with the connector
as a whole process. One thread, chunks one after the other: no rate budget and no retries
(`bench.py` runs it without a rate limit).

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
AHEAD_DAYS = 180  # the current chunk's reach, as the manifest's _sync_dates
# As source_peopleai/fast_path.py and the manifest's activity_filter_and_rename.
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


def chunks(start_date: str, window_days: int, lookback_days: int, now_ms: int) -> list[tuple[int, int]]:
    """[lo, hi) in epoch ms of every chunk a first sync reads, as the manifest's activity_chunks:
    window_days-long history chunks counted from 1970-01-01 (at most 727 days), clipped to
    start_date and to the current chunk, then the current chunk, from lookback_days before
    today to 180 days ahead."""
    today = now_ms // DAY_MS * DAY_MS
    start = day_ms(start_date)
    current = max(start, today - lookback_days * DAY_MS)
    step = min(window_days, 727) * DAY_MS
    out = []
    lower = start // step * step
    while lower < current:
        out.append((max(lower, start), min(lower + step, current)))
        lower += step
    out.append((current, today + (AHEAD_DAYS + 1) * DAY_MS))
    return out


def chunk_params(lo: int, hi: int) -> dict[str, str]:
    """The manifest's request range: a day before the chunk's first day, two after its last."""
    return {"from": ms_day(lo - DAY_MS), "to": ms_day(hi + DAY_MS), "time-zone": "UTC"}


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
    lookback_days = int(config.get("lookback_days", 7))
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
        for lo, hi in chunks(start_date, window_days, lookback_days, now_ms):
            params = chunk_params(lo, hi)
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
                    record["synced_at"] = now_ms
                    t, i = record.get("activity_timestamp"), record.get("ingested_at")
                    if (t is None or lo <= t < hi) and (i is None or i <= now_ms):
                        write(dumps({"type": "RECORD", "record": {
                            "stream": stream, "data": record, "emitted_at": emitted_at}}))
                        write("\n")
                offset += len(records)
                if len(records) < page_size:
                    break


if __name__ == "__main__":
    main()
