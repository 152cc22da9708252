"""Time full-size pages from the stand-in: ``python -m stand_in.bench [--activities N]``.

Starts a stand-in, then fetches every page of both streams over one keep-alive
connection (http.client) and prints the wall time per page: transfer only
(server build + send + client read) and JSON parsing separately.
"""

from __future__ import annotations

import argparse
import http.client
import json
import time
from urllib.parse import urlsplit

from .client import StandIn


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
        for path in ("/v0/public/activities", "/v0/public/activities/participants"):
            for rnd in range(args.rounds):
                offset, n_records, t_xfer, t_parse, n_bytes, pages = 0, 0, 0.0, 0.0, 0, []
                while True:
                    t1 = time.perf_counter()
                    conn.request("GET", f"{path}?limit={args.limit}&offset={offset}", headers=headers)
                    resp = conn.getresponse()
                    raw = resp.read()
                    t2 = time.perf_counter()
                    data = json.loads(raw)["data"]
                    t3 = time.perf_counter()
                    assert resp.status == 200, resp.status
                    t_xfer += t2 - t1
                    t_parse += t3 - t2
                    n_bytes += len(raw)
                    n_records += len(data)
                    pages.append(f"{t2 - t1:.3f}")
                    offset += len(data)
                    if len(data) < args.limit:
                        break
                print(f"{path} round {rnd + 1}: {n_records} records, {n_bytes / 1e6:.1f} MB,"
                      f" transfer {t_xfer:.3f}s (pages {', '.join(pages)}), json.loads {t_parse:.3f}s")
        conn.close()


if __name__ == "__main__":
    main()
