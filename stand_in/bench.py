"""Time the stand-in: ``python -m stand_in.bench [--activities N]``.

Starts a stand-in and prints: start-up time; the time per 1000-record page inside a
two-year date range (documented mode) and with an ingestion-date bound; an ingestion-date
bound over every record (``ignore_dates``); the same date range once 1 % of the activities
are deleted (hidden, and with ``include-deleted=true``); then every page of both streams at
``--limit`` with the date rules off (``ignore_dates``), split into transfer (server build +
send + client read) and JSON parsing.
"""

from __future__ import annotations

import argparse
import http.client
import json
import statistics
import time
from urllib.parse import urlencode, urlsplit

from .client import StandIn

ACTS = "/v0/public/activities"
PARTS = "/v0/public/activities/participants"


def main() -> None:
    ap = argparse.ArgumentParser(prog="python -m stand_in.bench")
    ap.add_argument("--activities", type=int, default=100000)
    ap.add_argument("--limit", type=int, default=100000)
    ap.add_argument("--rounds", type=int, default=3)
    args = ap.parse_args()

    t0 = time.perf_counter()
    with StandIn(activities=args.activities, startup_timeout=300) as api:
        print(f"start-up ({args.activities} activities): {time.perf_counter() - t0:.2f}s")
        u = urlsplit(api.url)
        conn = http.client.HTTPConnection(u.hostname, u.port, timeout=120)
        body = f"grant_type=client_credentials&client_id={api.client_id}&client_secret={api.client_secret}"
        conn.request("POST", "/auth/v1/tokens", body=body,
                     headers={"Content-Type": "application/x-www-form-urlencoded"})
        token = json.loads(conn.getresponse().read())["access_token"]
        headers = {"Authorization": f"Bearer {token}"}

        def fetch(path: str, **params) -> tuple[float, bytes]:
            t1 = time.perf_counter()
            conn.request("GET", f"{path}?{urlencode(params)}", headers=headers)
            resp = conn.getresponse()
            raw = resp.read()
            assert resp.status == 200, (resp.status, raw[:200])
            return time.perf_counter() - t1, raw

        clock = api.clock()
        today = clock["today"]
        year, rest = today[:4], today[4:]
        window = {"from": f"{int(year) - 2}{rest}", "to": today}

        def pages(path: str, label: str, **params) -> None:
            cold, raw = fetch(path, limit=1000, **params)  # the first request with these filters
            total = json.loads(raw)["meta"]["total"]
            times = [fetch(path, limit=1000, offset=off, **params)[0]
                     for off in range(0, total, max(1000, total // 20))]
            print(f"{path} 1000-record pages, {label} ({total} match): median {statistics.median(times) * 1000:.1f} ms,"
                  f" first {cold * 1000:.1f} ms, max {max(times) * 1000:.1f} ms")

        for path in (ACTS, PARTS):
            pages(path, "date range", **window)
            pages(path, "date range + ingested-from", **window, **{"ingested-from": window["from"]})
        api.set_dates(ignore_dates=True)
        for path in (ACTS, PARTS):
            pages(path, "no date rules + ingested-from", **{"ingested-from": "2000-01-01"})
        api.set_dates()
        t1 = time.perf_counter()
        api.delete([f"act-{k:06d}" for k in range(1, clock["activities"] + 1, 100)])
        print(f"delete 1% of the activities: {time.perf_counter() - t1:.2f}s")
        for path in (ACTS, PARTS):
            pages(path, "date range, deleted hidden", **window)
            pages(path, "date range, include-deleted=true", **window, **{"include-deleted": "true"})
        api.set_dates(ignore_dates=True)
        for path in (ACTS, PARTS):
            pages(path, "no date rules + ingested-from, deleted hidden", **{"ingested-from": "2000-01-01"})
        api.reset()

        api.set_dates(ignore_dates=True)
        for path in (ACTS, PARTS):
            for rnd in range(args.rounds):
                offset, n_records, t_xfer, t_parse, n_bytes, pages = 0, 0, 0.0, 0.0, 0, []
                while True:
                    dt, raw = fetch(path, limit=args.limit, offset=offset)
                    t3 = time.perf_counter()
                    data = json.loads(raw)["data"]
                    t_parse += time.perf_counter() - t3
                    t_xfer += dt
                    n_bytes += len(raw)
                    n_records += len(data)
                    pages.append(f"{dt:.3f}")
                    offset += len(data)
                    if len(data) < args.limit:
                        break
                print(f"{path} round {rnd + 1}: {n_records} records, {n_bytes / 1e6:.1f} MB,"
                      f" transfer {t_xfer:.3f}s (pages {', '.join(pages)}), json.loads {t_parse:.3f}s")
        conn.close()


if __name__ == "__main__":
    main()
