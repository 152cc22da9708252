"""Benchmark: the connector against the bare-loop ceiling, both as whole processes.

    python benchmarks/bench.py                      # 100,000 activities, full speed
    python benchmarks/bench.py --latency-ms 50 ...  # wall time against the latency floor

Starts the local stand-in API, runs `python main.py read` over both streams, checks that every
record arrived exactly once, and prints records/s, wall time, CPU time and peak memory; then the
same for `bare_loop.py` (requests + json, same pages, same rename). Figures only: nothing here
passes or fails on time.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from stand_in import StandIn  # noqa: E402

KEYS = {"activity": ("uid",), "participants": ("uid", "email")}
_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def totals(api: StandIn) -> dict[str, int]:
    """Records the stand-in holds per stream, from `meta.total` of a one-record page."""
    body = urllib.parse.urlencode(
        {"grant_type": "client_credentials", "client_id": api.client_id, "client_secret": api.client_secret}
    ).encode()
    token = json.load(_OPENER.open(f"{api.url}/auth/v1/tokens", data=body))["access_token"]
    result = {}
    for stream, path in (("activity", "activities"), ("participants", "activities/participants")):
        request = urllib.request.Request(
            f"{api.url}/v0/public/{path}?limit=1", headers={"Authorization": f"Bearer {token}"}
        )
        result[stream] = json.load(_OPENER.open(request))["meta"]["total"]
    return result


def run_process(cmd: list[str], out_path: Path) -> dict:
    """Runs one whole process with stdout to a file; wall, CPU and peak RSS from wait4."""
    with open(out_path, "wb") as out, open(out_path.with_suffix(".stderr"), "wb") as err:
        start = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=out, stderr=err, cwd=REPO)
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    return {
        "exit": proc.returncode,
        "wall": wall,
        "cpu": usage.ru_utime + usage.ru_stime,
        "peak_mb": usage.ru_maxrss / 1024,
    }


def check_output(out_path: Path, expected: dict[str, int]) -> tuple[int, list[str]]:
    """Counts records and returns the problems: duplicates, missing records, a kept `subject`."""
    seen = {stream: set() for stream in KEYS}
    count = {stream: 0 for stream in KEYS}
    problems = []
    errors = 0
    stamps = []
    with open(out_path, "rb") as f:
        for line in f:
            if b'"STREAM_STATUS"' in line:
                stamps.append(json.loads(line)["trace"]["emitted_at"] / 1000)
            if line.startswith(b'{"type":"RECORD"') or line.startswith(b'{"type": "RECORD"'):
                record = json.loads(line)["record"]
                stream, data = record["stream"], record["data"]
                count[stream] += 1
                seen[stream].add(tuple(data[k] for k in KEYS[stream]))
                if "subject" in data:
                    problems.append(f"{stream}: a record kept `subject`")
            elif b'"failure_type"' in line or b'"type":"ERROR"' in line:
                errors += 1
    for stream, n in expected.items():
        if count[stream] != n or len(seen[stream]) != n:
            problems.append(
                f"{stream}: {count[stream]} records, {len(seen[stream])} distinct keys, expected {n}"
            )
    if errors:
        problems.append(f"{errors} error TRACE message(s)")
    read_phase = max(stamps) - min(stamps) if stamps else None
    return sum(count.values()), problems[:5], read_phase


def pages(n: int, page_size: int) -> int:
    """Requests for one stream: pages until a short one (an exact multiple needs an empty page)."""
    return n // page_size + 1


def bench(args: argparse.Namespace, activities: int, workdir: Path) -> dict:
    faults = {}
    if args.latency_ms:
        faults["latency_ms"] = args.latency_ms
    if args.rate_limit:
        # The documented limit, enforced: a request over it gets 429.
        faults["rate_limit"] = {"rps": 5, "concurrent": 10}
    print(f"\n== {activities:,} activities, page_size {args.page_size}, "
          f"requests_per_second {args.requests_per_second}, latency {args.latency_ms} ms", flush=True)
    started = time.perf_counter()
    with StandIn(activities=activities, faults=faults, startup_timeout=900) as api:
        print(f"stand-in ready in {time.perf_counter() - started:.1f} s at {api.url}", flush=True)
        expected = totals(api)
        config = {
            "api_key": api.client_id,
            "api_secret": api.client_secret,
            "base_url": api.url,
            "page_size": args.page_size,
            "requests_per_second": args.requests_per_second,
        }
        (workdir / "config.json").write_text(json.dumps(config))
        catalog = {"streams": [
            {"stream": {"name": s, "json_schema": {}, "supported_sync_modes": ["full_refresh"]},
             "sync_mode": "full_refresh", "destination_sync_mode": "overwrite"} for s in KEYS
        ]}
        (workdir / "catalog.json").write_text(json.dumps(catalog))
        runs = {}
        commands = {
            "connector": [args.python, "main.py", "read", "--config", str(workdir / "config.json"),
                          "--catalog", str(workdir / "catalog.json")],
            "bare loop": [args.python, str(REPO / "benchmarks" / "bare_loop.py"),
                          "--config", str(workdir / "config.json")],
        }
        if args.skip_bare or args.rate_limit:
            del commands["bare loop"]  # the bare loop has no rate budget and no retries
        for name, cmd in commands.items():
            api.reset()
            if faults:
                api.set_faults(**faults)
            out_path = workdir / f"{name.replace(' ', '_')}-{activities}.jsonl"
            result = run_process(cmd, out_path)
            result["records"], result["problems"], result["read_phase"] = check_output(out_path, expected)
            stats = api.stats()
            result["requests"] = stats["data_requests"]
            result["429"] = stats["by_status"].get("429", 0)
            result["out"] = out_path
            runs[name] = result
    n_total = sum(expected.values())
    print(f"records held: {expected} ({n_total:,} in all). "
          "read s: first stream STARTED to last COMPLETE (connector only)")
    print(f"{'':12}{'exit':>5}{'records':>10}{'wall s':>9}{'rec/s':>10}{'CPU s':>8}"
          f"{'peak MB':>9}{'requests':>10}{'429s':>6}{'read s':>8}  check")
    for name, r in runs.items():
        rate = r["records"] / r["wall"] if r["wall"] else 0
        check = "every record exactly once" if not r["problems"] and r["exit"] == 0 else "; ".join(r["problems"]) or "exit != 0"
        print(f"{name:12}{r['exit']:>5}{r['records']:>10,}{r['wall']:>9.2f}{rate:>10,.0f}{r['cpu']:>8.2f}"
              f"{r['peak_mb']:>9.0f}{r['requests']:>10}{r['429']:>6}"
              f"{r['read_phase'] if r['read_phase'] is not None else float('nan'):>8.2f}  {check}")
    if "bare loop" in runs:
        c, b = runs["connector"], runs["bare loop"]
        print(f"connector / bare loop, records per second: "
              f"{(c['records'] / c['wall']) / (b['records'] / b['wall']):.2f}")
    if args.latency_ms:
        per_stream = [pages(n, args.page_size) for n in expected.values()]
        latency = args.latency_ms / 1000
        sequential, concurrent = sum(per_stream) * latency, max(per_stream) * latency
        rate_floor = (sum(per_stream) - 1) / args.requests_per_second
        wall = runs["connector"]["wall"]
        print(f"latency floor: sequential {sequential:.2f} s, concurrent {concurrent:.2f} s "
              f"({per_stream} pages x {args.latency_ms} ms); rate floor {rate_floor:.2f} s")
        read = runs["connector"]["read_phase"]
        print(f"connector wall / concurrent floor: {wall / concurrent:.2f} (whole process); "
              f"{read / concurrent:.2f} (read phase, {read:.2f} s: first stream STARTED to last "
              f"COMPLETE, without the interpreter's and CDK's start-up)")
        print(f"connector wall / sequential floor: {wall / sequential:.2f}")
    return runs


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--activities", default="100000",
                        help="activities in the stand-in; a comma-separated list runs each size")
    parser.add_argument("--page-size", type=int, default=None,
                        help="page_size in the config (default: the manifest's default)")
    parser.add_argument("--requests-per-second", type=int, default=1000,
                        help="requests_per_second in the config (default 1000: the engine at full "
                             "speed; the connector's own default is 5)")
    parser.add_argument("--rate-limit", action="store_true",
                        help="the stand-in enforces 5 requests/s and 10 at once, answering 429 above")
    parser.add_argument("--latency-ms", type=int, default=0, help="stand-in latency per page")
    parser.add_argument("--skip-bare", action="store_true", help="only run the connector")
    parser.add_argument("--python", default=sys.executable)
    parser.add_argument("--output", default=str(REPO / "bench-output"),
                        help="where the raw Airbyte messages of each run are kept")
    args = parser.parse_args()
    if args.page_size is None:
        import yaml

        spec = yaml.safe_load((REPO / "manifest.yaml").read_text())["spec"]
        args.page_size = spec["connection_specification"]["properties"]["page_size"]["default"]
    workdir = Path(args.output)
    workdir.mkdir(parents=True, exist_ok=True)
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, "
          f"{platform.platform()}")
    for activities in [int(a) for a in args.activities.split(",")]:
        bench(args, activities, workdir)
    print(f"\nraw output kept in {workdir}")


if __name__ == "__main__":
    main()
