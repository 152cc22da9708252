"""Benchmark of `python main.py read` (activity + participants, whole process) against the stand-in.

    python benchmarks/bench.py                          # --mode all: CPU mode, then API mode
    python benchmarks/bench.py --mode cpu --activities 50000,100000     # memory at two sizes
    python benchmarks/bench.py --mode api --page-sizes 1000,5000,10000,50000   # page-size table
    python benchmarks/bench.py --mode incremental       # a day later, a sync with nothing new
    python benchmarks/bench.py --mode fail              # time for a default read of all 12 streams to fail

Every first read covers two years (start_date 730 days before today, the connector's default) of a
stand-in whose activities span three years, and the 180 days ahead (meetings booked ahead), and
every output is checked: each record expected in that range arrives exactly once, with
`api_subject` and `activity_timestamp` (epoch ms) exactly as the API holds them, and nothing else
arrives.

CPU mode: no latency, no rate limit, requests_per_second 1000, so the connector runs as fast as
its CPU allows. Its records/s is set beside bare_loop.py (requests + json, the same chunks, pages
and per-record work, one thread) in the same run; target: at least 0.25 of the bare loop. Both run
paths: the default (source_peopleai's Python twins of the extractor and the per-record filter)
and PEOPLEAI_DECLARATIVE_ONLY=1 (the manifest exactly as written).

API mode models the real service: the stand-in answers 429 above 5 requests/s or 10 in flight
(its rate_limit fault) and each page takes --latency-ms plus --latency-ms-per-record for each
record it returns; the connector runs with its defaults (requests_per_second 5). The ceiling is
the lower of 5 x page_size records/s and the connector's CPU-bound records/s (CPU mode at the same
page size). Target: a default first sync (default page size) within 1.3 x the time the fewest
possible requests (every page full) take at 5 requests/s, with no 429.

Incremental mode: API mode's stand-in; a first incremental sync, then the stand-in's clock and the
connector's (integration_tests/shifted_clock.py) move a day on, and a second sync from the saved
state with nothing new at People.ai. It prints the requests per stream and per chunk (target: at
most 2 per chunk) and the records the second sync reads again (those the lookback re-reads).

Fail mode: the stand-in answers 503 to every data request (fail_always); a default read of every
stream must end with exit code != 0 and a TRACE error; target under 10 minutes.

Peak memory is the process's maximum RSS (wait4); target at most 150 MB. Figures are whole
processes (interpreter and CDK start-up included); `read s` is the first STREAM_STATUS to the
last, i.e. without start-up. The load average is printed beside every run: on a shared 2-core
machine other work changes the figures.
"""

from __future__ import annotations

import argparse
import bisect
import json
import math
import os
import platform
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "benchmarks"))

from bare_loop import AHEAD_DAYS, DAY_MS, chunk_params, chunks, day_ms  # noqa: E402
from stand_in import StandIn  # noqa: E402

try:
    import orjson

    loads = orjson.loads
except ImportError:  # pragma: no cover - the project's venv has orjson
    loads = json.loads

STREAMS = {"activity": "activities", "participants": "activities/participants"}
KEYS = {"activity": ("uid",), "participants": ("uid", "email")}
RATE_LIMIT = {"rps": 5, "concurrent": 10}  # People.ai's documented limit, enforced by the stand-in
API_RPS = 5
CPU_TARGET = 0.25
API_TARGET = 1.3
INCREMENTAL_TARGET = 2  # requests per chunk
MEMORY_TARGET_MB = 150
FAIL_TARGET_S = 600
PATHS = {"fast": {}, "declarative": {"PEOPLEAI_DECLARATIVE_ONLY": "1"}}


def manifest_default(field: str) -> int:
    """The default the manifest's spec gives a config field (what an unset field becomes)."""
    import yaml

    spec = yaml.safe_load((REPO / "manifest.yaml").read_text(encoding="utf-8"))["spec"]
    return spec["connection_specification"]["properties"][field]["default"]

_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))
MISSING = object()


def load() -> str:
    one, five, _ = os.getloadavg()
    return f"load {one:.2f}/{five:.2f}"


def default_page_size() -> int:
    import yaml

    spec = yaml.safe_load((REPO / "manifest.yaml").read_text())["spec"]
    return spec["connection_specification"]["properties"]["page_size"]["default"]


# -- what the stand-in holds ------------------------------------------------------------------


class Dataset:
    """The records a read from `start_date` must deliver, fetched through the API itself."""

    def __init__(self, api: StandIn, start_date: str) -> None:
        self.start_date = start_date
        self.start_ms = day_ms(start_date)
        # The current chunk reaches 180 days ahead: meetings booked ahead.
        self.horizon_ms = day_ms((datetime.now(timezone.utc).date() + timedelta(days=AHEAD_DAYS + 1)).isoformat())
        body = urllib.parse.urlencode({
            "grant_type": "client_credentials", "client_id": api.client_id,
            "client_secret": api.client_secret}).encode()
        token = json.load(_OPENER.open(f"{api.url}/auth/v1/tokens", data=body))["access_token"]
        self.expected: dict[str, dict[tuple, tuple]] = {}
        self.times: dict[str, list[int]] = {}  # every activity_timestamp from 3 days before start
        today = datetime.now(timezone.utc).date()
        for stream, path in STREAMS.items():
            expected, times = {}, []
            first = date.fromisoformat(start_date) - timedelta(days=3)
            while first <= today + timedelta(days=AHEAD_DAYS + 3):
                last = first + timedelta(days=364)
                offset = 0
                while True:
                    query = urllib.parse.urlencode({
                        "from": first.isoformat(), "to": last.isoformat(), "time-zone": "UTC",
                        "limit": 100000, "offset": offset})
                    request = urllib.request.Request(
                        f"{api.url}/v0/public/{path}?{query}", headers={"Authorization": f"Bearer {token}"})
                    data = loads(_OPENER.open(request).read())["data"]
                    for r in data:
                        t = r["activity_timestamp"]
                        times.append(t)
                        if self.start_ms <= t < self.horizon_ms:
                            expected[tuple(r[k] for k in KEYS[stream])] = (r.get("subject"), t)
                    offset += len(data)
                    if len(data) < 100000:
                        break
                first = last + timedelta(days=1)
            times.sort()
            self.expected[stream], self.times[stream] = expected, times
        self.counts = {s: len(e) for s, e in self.expected.items()}
        self.total = sum(self.counts.values())

    def chunk_counts(self, window_days: int, now_ms: int) -> list[int]:
        """The records the API sends for each chunk's requests (its range, a day before and two
        after: the margins are sent again by the neighbouring chunk, and filtered out)."""
        counts = []
        for lo, hi in chunks(self.start_date, window_days, 7, now_ms):
            params = chunk_params(lo, hi)
            first, end = day_ms(params["from"]), day_ms(params["to"]) + DAY_MS
            for times in self.times.values():
                counts.append(bisect.bisect_left(times, end) - bisect.bisect_left(times, first))
        return counts

    def largest_page(self, page_size: int, window_days: int, now_ms: int) -> int:
        """The most records one request of the connector gets (a chunk's range, capped)."""
        return min(max(self.chunk_counts(window_days, now_ms)), page_size)

    def sent(self, window_days: int, now_ms: int) -> int:
        return sum(self.chunk_counts(window_days, now_ms))

    def fewest_requests(self, page_size: int) -> int:
        """Requests if every page were full: ceil(records / page_size) per stream."""
        return sum(math.ceil(n / page_size) for n in self.counts.values())


# -- running and checking one process ---------------------------------------------------------


# Runs one command and reports its wall time, CPU time and peak RSS as JSON on the fd it is given. It is a
# separate small process because Linux counts the RSS of the image a process had before exec in
# its ru_maxrss: a child forked straight from this benchmark (which holds every expected record)
# would report this benchmark's own size.
_LAUNCHER = """
import json, os, signal, sys, time
fd, timeout, argv = int(sys.argv[1]), float(sys.argv[2]), sys.argv[3:]
os.set_inheritable(fd, False)
start = time.perf_counter()
pid = os.posix_spawn(argv[0], argv, os.environ)
signal.signal(signal.SIGALRM, lambda *_: os.kill(pid, signal.SIGKILL))
signal.setitimer(signal.ITIMER_REAL, timeout)
_, status, usage = os.wait4(pid, 0)
wall = time.perf_counter() - start
signal.setitimer(signal.ITIMER_REAL, 0)
os.write(fd, json.dumps({"exit": os.waitstatus_to_exitcode(status), "wall": wall,
                        "cpu": usage.ru_utime + usage.ru_stime,
                        "peak_mb": usage.ru_maxrss / 1024}).encode())
"""


def run_process(cmd: list[str], out_path: Path, env: dict | None = None, timeout: float = 1800) -> dict:
    """Runs one whole process with stdout to a file; wall, CPU and peak RSS from wait4."""
    read_end, write_end = os.pipe()
    with open(out_path, "wb") as out, open(out_path.with_suffix(".stderr"), "wb") as err:
        launcher = subprocess.Popen(
            [sys.executable, "-c", _LAUNCHER, str(write_end), str(timeout), *cmd], stdout=out, stderr=err,
            cwd=REPO, env={**os.environ, **(env or {})}, pass_fds=(write_end,))
        os.close(write_end)
        with os.fdopen(read_end, "rb") as report:
            text = report.read()
        launcher.wait()
    if not text:
        raise RuntimeError(f"the launcher of {cmd} reported nothing; see {out_path.with_suffix('.stderr')}")
    return {**json.loads(text), "out": out_path}


def check_output(out_path: Path, dataset: Dataset, complete: bool = True) -> dict:
    """Every expected record exactly once (with `complete`; else each at most once), exact
    api_subject and activity_timestamp, nothing else."""
    seen = {s: set() for s in KEYS}
    count = {s: 0 for s in KEYS}
    dup = unexpected = wrong_subject = wrong_time = kept_subject = errors = 0
    stamps = []
    example = []
    with open(out_path, "rb") as f:
        for line in f:
            if line.startswith(b'{"type":"RECORD"'):
                record = loads(line)["record"]
                stream, data = record["stream"], record["data"]
                key = tuple(data.get(k) for k in KEYS[stream])
                count[stream] += 1
                if key in seen[stream]:
                    dup += 1
                seen[stream].add(key)
                want = dataset.expected[stream].get(key, MISSING)
                if want is MISSING:
                    unexpected += 1
                    continue
                subject, t = want
                if data.get("api_subject") != subject:
                    wrong_subject += 1
                    if len(example) < 2:
                        example.append(f"{stream} {key}: api_subject {data.get('api_subject')!r} != {subject!r}")
                got_t = data.get("activity_timestamp")
                if got_t != t or type(got_t) is not int:
                    wrong_time += 1
                if "subject" in data:
                    kept_subject += 1
            elif b'"STREAM_STATUS"' in line:
                stamps.append(loads(line)["trace"]["emitted_at"] / 1000)
            elif line.startswith(b'{"type":"TRACE"') and b'"type":"ERROR"' in line:
                errors += 1
    missing = sum(len(set(dataset.expected[s]) - seen[s]) for s in KEYS) if complete else 0
    problems = [f"{n} {what}" for n, what in (
        (missing, "missing"), (dup, "duplicates"), (unexpected, "unexpected"),
        (wrong_subject, "wrong api_subject"), (wrong_time, "wrong activity_timestamp"),
        (kept_subject, "kept subject"), (errors, "TRACE errors")) if n] + example
    return {
        "records": sum(count.values()),
        "by_stream": count,
        "problems": problems,
        "read_phase": max(stamps) - min(stamps) if stamps else float("nan"),
    }


def config_file(workdir: Path, api: StandIn, name: str, **settings) -> Path:
    path = workdir / f"config-{name}.json"
    path.write_text(json.dumps({
        "api_key": api.client_id, "api_secret": api.client_secret, "base_url": api.url, **settings}))
    return path


def catalog_file(workdir: Path, streams: list[str], name: str, sync_mode: str = "full_refresh") -> Path:
    path = workdir / f"catalog-{name}.json"
    destination = "append_dedup" if sync_mode == "incremental" else "overwrite"
    path.write_text(json.dumps({"streams": [
        {"stream": {"name": s, "json_schema": {}, "supported_sync_modes": ["full_refresh", "incremental"]},
         "sync_mode": sync_mode, "destination_sync_mode": destination} for s in streams]}))
    return path


def last_states(out_path: Path) -> list[dict]:
    """The last STATE message of each stream a run printed, as Airbyte hands them back."""
    states = {}
    with open(out_path, "rb") as f:
        for line in f:
            if line.startswith(b'{"type":"STATE"'):
                state = loads(line)["state"]
                states[state["stream"]["stream_descriptor"]["name"]] = state
    return list(states.values())


def page_requests(stats: dict) -> list[tuple]:
    keys = ("from", "to", "time-zone", "limit", "offset")
    return sorted((r["path"],) + tuple(r["query"].get(k) for k in keys) for r in stats["requests"])


class Bench:
    def __init__(self, args: argparse.Namespace, activities: int, workdir: Path) -> None:
        self.args = args
        self.activities = activities
        self.workdir = workdir
        self.start_date = (datetime.now(timezone.utc).date() - timedelta(days=730)).isoformat()
        self.cpu_rate: dict[tuple[str, int], float] = {}  # (path, page_size) -> records/s
        self.window = {"window_days": args.window_days} if args.window_days else {}
        self.window_days = args.window_days or manifest_default("window_days")

    def __enter__(self) -> "Bench":
        started = time.perf_counter()
        self.api = StandIn(activities=self.activities, startup_timeout=900).start()
        self.dataset = Dataset(self.api, self.start_date)
        d = self.dataset
        print(f"\n== stand-in: {self.activities:,} activities over 1095 days; ready with the expected "
              f"records in {time.perf_counter() - started:.1f} s. Two years (start_date {self.start_date}, "
              f"the default): {d.counts['activity']:,} activities + {d.counts['participants']:,} "
              f"participants = {d.total:,} records", flush=True)
        return self

    def __exit__(self, *exc) -> None:
        self.api.stop()

    def connector(self, name: str, path: str, page_size: int, rps: int, faults: dict) -> dict:
        self.api.reset()
        if faults:
            self.api.set_faults(**faults)
        config = config_file(self.workdir, self.api, name, page_size=page_size,
                             requests_per_second=rps, start_date=self.start_date, **self.window)
        catalog = catalog_file(self.workdir, list(KEYS), "two-streams")
        before = load()
        result = run_process(
            [self.args.python, "main.py", "read", "--config", str(config), "--catalog", str(catalog)],
            self.workdir / f"{name}.jsonl", env=PATHS[path], timeout=self.args.timeout)
        result.update(check_output(result["out"], self.dataset))
        stats = self.api.stats()
        result.update(requests=stats["data_requests"], r429=stats["by_status"].get("429", 0),
                      in_flight=stats["max_in_flight"], pages=page_requests(stats), load=f"{before}, {load()}")
        return result

    def bare(self, name: str, page_size: int) -> dict:
        self.api.reset()
        # The connector's chunks, whether set or its default: the bare loop reads the same pages.
        config = config_file(self.workdir, self.api, name, page_size=page_size, start_date=self.start_date,
                             window_days=self.window_days)
        before = load()
        result = run_process([self.args.python, str(REPO / "benchmarks" / "bare_loop.py"), "--config", str(config)],
                             self.workdir / f"{name}.jsonl", timeout=self.args.timeout)
        result.update(check_output(result["out"], self.dataset))
        stats = self.api.stats()
        result.update(requests=stats["data_requests"], r429=stats["by_status"].get("429", 0),
                      in_flight=stats["max_in_flight"], pages=page_requests(stats), load=f"{before}, {load()}")
        return result

    # -- CPU mode -------------------------------------------------------------------------------
    def cpu_mode(self) -> list[dict]:
        args, ps = self.args, self.args.cpu_page_size
        print(f"\n-- CPU mode: no latency, no rate limit, requests_per_second 1000, page_size {ps}, "
              f"window_days {self.window_days} ({self.activities:,} activities)", flush=True)
        runs = []
        for path in args.cpu_paths:
            runs.append((f"connector, {path} path", self.connector(f"cpu-{path}-{self.activities}", path, ps, 1000, {})))
            self.cpu_rate[(path, ps)] = rate(runs[-1][1])
        if not args.skip_bare:
            runs.append(("bare loop", self.bare(f"cpu-bare-{self.activities}", ps)))
        print_table(runs, self.dataset)
        bare = dict(runs).get("bare loop")
        if bare:
            for name, r in runs[:-1]:
                same = "the same pages" if r["pages"] == bare["pages"] else "DIFFERENT pages (see stats)"
                ratio = rate(r) / rate(bare)
                cpu_ratio = bare["cpu"] / r["cpu"] if r["cpu"] else float("nan")
                print(f"{name} / bare loop, records/s: {ratio:.2f} (target >= {CPU_TARGET}: "
                      f"{'met' if ratio >= CPU_TARGET else 'MISSED'}); records per CPU second: {cpu_ratio:.2f} "
                      f"(the same ratio by CPU time, less sensitive to other load); {same} as the bare loop "
                      f"({r['requests']} requests)")
        for name, r in runs:
            if name.startswith("connector"):
                print(f"{name}: peak {r['peak_mb']:.0f} MB (target <= {MEMORY_TARGET_MB} MB: "
                      f"{'met' if r['peak_mb'] <= MEMORY_TARGET_MB else 'MISSED'})")
        return runs

    # -- API mode -------------------------------------------------------------------------------
    def api_mode(self) -> list[dict]:
        args = self.args
        faults = {"rate_limit": RATE_LIMIT, "latency_ms": args.latency_ms,
                  "latency_ms_per_record": args.latency_ms_per_record}
        default_ps = default_page_size()
        print(f"\n-- API mode: stand-in enforces {RATE_LIMIT['rps']} requests/s and {RATE_LIMIT['concurrent']} "
              f"in flight (429 beyond); each page takes {args.latency_ms:g} ms + {args.latency_ms_per_record:g} ms "
              f"per record returned; connector defaults (requests_per_second {API_RPS}, window_days {self.window_days}, "
              f"concurrency 10); {self.activities:,} activities", flush=True)
        rows = []
        for path in args.api_paths:
            for ps in args.page_sizes:
                if (path, ps) not in self.cpu_rate and not args.no_cpu_ceiling:
                    r = self.connector(f"ceiling-{path}-{ps}-{self.activities}", path, ps, 1000, {})
                    if r["problems"] or r["exit"]:
                        print(f"CPU-bound run at page_size {ps} ({path}): exit {r['exit']}, {r['problems']}")
                    self.cpu_rate[(path, ps)] = rate(r)
                    print(f"   CPU-bound speed, {path} path, page_size {ps}: {rate(r):,.0f} records/s "
                          f"({r['wall']:.1f} s, {r['load']})", flush=True)
                r = self.connector(f"api-{path}-{ps}-{self.activities}", path, ps, API_RPS, faults)
                r.update(path=path, page_size=ps)
                rows.append(r)
                print(f"   API mode, {path} path, page_size {ps}: {r['wall']:.1f} s, {r['requests']} requests, "
                      f"{r['r429']} 429s ({r['load']})", flush=True)
        d = self.dataset
        now_ms = int(time.time() * 1000)
        print(f"\nAPI mode, {d.total:,} records (two years); rate ceiling = {API_RPS} x page_size records/s; "
              f"CPU ceiling = the connector's records/s without latency or limit, same page size and path")
        head = (f"{'path':12}{'page':>7}{'exit':>5}{'records':>9}{'requests':>9}{'fewest':>7}{'429s':>6}"
                f"{'max in flight':>14}{'largest page':>13}{'wall s':>8}{'read s':>8}{'rec/s':>8}{'5 x page':>9}"
                f"{'CPU rec/s':>10}{'ceiling':>8}{'ratio':>6}{'peak MB':>8}  check")
        print(head)
        for r in rows:
            ps = r["page_size"]
            cpu = self.cpu_rate.get((r["path"], ps), float("nan"))
            ceiling = min(API_RPS * ps, cpu) if not math.isnan(cpu) else API_RPS * ps
            print(f"{r['path']:12}{ps:>7}{r['exit']:>5}{r['records']:>9,}{r['requests']:>9}"
                  f"{d.fewest_requests(ps):>7}{r['r429']:>6}{r['in_flight']:>14}"
                  f"{d.largest_page(ps, self.window_days, now_ms):>13,}{r['wall']:>8.1f}{r['read_phase']:>8.1f}"
                  f"{rate(r):>8,.0f}{API_RPS * ps:>9,}{cpu:>10,.0f}{ceiling:>8,.0f}{rate(r) / ceiling:>6.2f}"
                  f"{r['peak_mb']:>8.0f}  {verdict(r)}")
        for r in rows:
            if r["page_size"] != default_ps:
                continue
            fewest = d.fewest_requests(default_ps)
            sent = d.sent(self.window_days, now_ms)
            floor = fewest / API_RPS
            target = API_TARGET * floor
            print(f"target ({r['path']} path, default page_size {default_ps}): fewest requests {fewest} "
                  f"(every page full) take {floor:.1f} s at {API_RPS}/s; a read within {API_TARGET} x that = "
                  f"{target:.1f} s. Took {r['wall']:.1f} s whole process ({r['wall'] / floor:.2f} x): "
                  f"{'met' if r['wall'] <= target else 'MISSED'}; read phase {r['read_phase']:.1f} s "
                  f"({r['read_phase'] / floor:.2f} x). Requests sent: {r['requests']} "
                  f"({r['requests'] / fewest:.2f} x the fewest); at the budget's {API_RPS} per 1.1 s they need "
                  f"{r['requests'] * 1.1 / API_RPS:.1f} s. The API sent {sent:,} records for "
                  f"{d.total:,} kept ({sent / d.total:.2f} x: each chunk is asked a day wider before and two "
                  f"after) in {len(chunks(d.start_date, self.window_days, 7, now_ms))} chunks per stream, each "
                  f"ending on a short page; 429s: {r['r429']} (target 0: {'met' if r['r429'] == 0 else 'MISSED'}).")
        worst = max(rows, key=lambda r: r["peak_mb"])
        print(f"peak memory: at most {worst['peak_mb']:.0f} MB (page_size {worst['page_size']}; target <= "
              f"{MEMORY_TARGET_MB} MB: {'met' if worst['peak_mb'] <= MEMORY_TARGET_MB else 'MISSED'})")
        fits = [r for r in rows if r["peak_mb"] <= MEMORY_TARGET_MB and not r["problems"] and r["exit"] == 0]
        if len(rows) > 1 and fits:
            best = min(fits, key=lambda r: r["wall"])
            print(f"fastest within {MEMORY_TARGET_MB} MB: page_size {best['page_size']} ({best['wall']:.1f} s, "
                  f"{best['path']} path); the manifest's default is {default_ps}")
        elif len(rows) > 1:
            print(f"no page size read within {MEMORY_TARGET_MB} MB (smallest peak: "
                  f"{min(r['peak_mb'] for r in rows):.0f} MB); the manifest's default is {default_ps}")
        return rows

    # -- incremental mode -----------------------------------------------------------------------
    def incremental_mode(self) -> dict:
        args = self.args
        faults = {"rate_limit": RATE_LIMIT, "latency_ms": args.latency_ms,
                  "latency_ms_per_record": args.latency_ms_per_record}
        api, workdir = self.api, self.workdir
        config = config_file(workdir, api, "incremental", start_date=self.start_date, **self.window)
        catalog = catalog_file(workdir, list(KEYS), "two-streams-incremental", sync_mode="incremental")
        print(f"\n-- incremental mode: API mode's stand-in ({RATE_LIMIT['rps']} requests/s, {args.latency_ms:g} ms + "
              f"{args.latency_ms_per_record:g} ms per record); a first incremental sync, then a day later a sync "
              f"from its state with nothing new; connector defaults", flush=True)
        api.reset()
        api.set_faults(**faults)
        first = run_process([args.python, "main.py", "read", "--config", str(config), "--catalog", str(catalog)],
                            workdir / "incremental-1.jsonl", timeout=args.timeout)
        first.update(check_output(first["out"], self.dataset))
        first_requests = api.stats()["data_requests"]
        state = workdir / "incremental-state.json"
        state.write_text(json.dumps(last_states(first["out"])))
        tomorrow = datetime.now(timezone.utc).date() + timedelta(days=1)
        api.reset()
        api.set_faults(**faults)
        api.set_today(tomorrow)
        before = load()
        second = run_process(
            [args.python, "-m", "integration_tests.shifted_clock", tomorrow.isoformat(), "read",
             "--config", str(config), "--catalog", str(catalog), "--state", str(state)],
            workdir / "incremental-2.jsonl", timeout=args.timeout)
        second.update(check_output(second["out"], self.dataset, complete=False))
        stats = api.stats()
        n_chunks = len(chunks(self.start_date, self.window_days, 7, int(time.time() * 1000) + DAY_MS))
        current_ms = day_ms(tomorrow.isoformat()) - 7 * DAY_MS
        history_reread = {s: 0 for s in KEYS}
        with open(second["out"], "rb") as f:
            for line in f:
                if line.startswith(b'{"type":"RECORD"'):
                    record = loads(line)["record"]
                    if record["data"].get("activity_timestamp", 0) < current_ms:
                        history_reread[record["stream"]] += 1
        print(f"first sync: exit {first['exit']}, {first['records']:,} records, {first_requests} requests, "
              f"{first['wall']:.1f} s; {verdict(first)}")
        print(f"second sync, a day later, nothing new: exit {second['exit']}, {second['wall']:.1f} s "
              f"(read phase {second['read_phase']:.1f} s), {stats['data_requests']} requests, "
              f"{stats['by_status'].get('429', 0)} 429s; {verdict(second)}; {before}, {load()}")
        ok = second["exit"] == 0 and not second["problems"]
        for stream, path in STREAMS.items():
            requests = stats["by_path"].get(f"/v0/public/{path}", 0)
            per_chunk = requests / n_chunks
            ok = ok and per_chunk <= INCREMENTAL_TARGET
            print(f"  {stream:13} {requests:>3} requests for {n_chunks} chunks = {per_chunk:.2f} per chunk (target <= "
                  f"{INCREMENTAL_TARGET}: {'met' if per_chunk <= INCREMENTAL_TARGET else 'MISSED'}); "
                  f"{second['by_stream'][stream]:,} records read again of {first['by_stream'][stream]:,} "
                  f"({second['by_stream'][stream] / max(1, first['by_stream'][stream]):.1%}): "
                  f"{second['by_stream'][stream] - history_reread[stream]:,} of the current chunk (the last 7 days "
                  f"and 180 ahead, read whole), {history_reread[stream]:,} of history chunks (ingested within "
                  f"lookback_days of the first sync)")
        return second

    # -- fail mode ------------------------------------------------------------------------------
    def fail_mode(self) -> dict:
        api = self.api
        config = config_file(self.workdir, api, "fail")  # defaults for everything else
        discover = subprocess.run([self.args.python, "main.py", "discover", "--config", str(config)],
                                  cwd=REPO, capture_output=True, check=True)
        streams = [s["name"] for line in discover.stdout.splitlines() if line.startswith(b'{"type":"CATALOG"')
                   for s in loads(line)["catalog"]["streams"]]
        catalog = catalog_file(self.workdir, streams, "all-streams")
        api.reset()
        api.set_faults(fail_always={"status": 503})
        print(f"\n-- fail mode: every data request answered 503; a default read of all {len(streams)} streams "
              f"({', '.join(streams)}) started at {datetime.now().strftime('%H:%M:%S')}, {load()}", flush=True)
        r = run_process([self.args.python, "main.py", "read", "--config", str(config), "--catalog", str(catalog)],
                        self.workdir / "fail-all-streams.jsonl", timeout=self.args.timeout)
        stats = api.stats()
        errors, incomplete, first = 0, 0, None
        with open(r["out"], "rb") as f:
            for line in f:
                if line.startswith(b'{"type":"TRACE"'):
                    trace = loads(line)["trace"]
                    if trace["type"] == "ERROR":
                        errors += 1
                        first = first or trace["error"]["message"]
                    elif trace["type"] == "STREAM_STATUS" and trace["stream_status"]["status"] == "INCOMPLETE":
                        incomplete += 1
        ok = r["exit"] != 0 and errors > 0
        print(f"exit {r['exit']}, {errors} TRACE error(s), {incomplete} stream(s) INCOMPLETE, "
              f"{stats['data_requests']} data requests ({stats['by_status']}), max in flight {stats['max_in_flight']}")
        print(f"first error: {first!r}")
        print(f"time to fail: {r['wall']:.0f} s (target < {FAIL_TARGET_S} s: "
              f"{'met' if r['wall'] < FAIL_TARGET_S and ok else 'MISSED'}); ended {load()}")
        return r


def rate(r: dict) -> float:
    return r["records"] / r["wall"] if r["wall"] else 0.0


def verdict(r: dict) -> str:
    if r["exit"] == 0 and not r["problems"]:
        return "every record exactly once, exact"
    return f"exit {r['exit']}: " + "; ".join(r["problems"][:4])


def print_table(runs: list[tuple[str, dict]], dataset: Dataset) -> None:
    print(f"{'':28}{'exit':>5}{'records':>10}{'wall s':>8}{'read s':>8}{'rec/s':>9}{'CPU s':>8}{'peak MB':>8}"
          f"{'requests':>9}{'429s':>5}  check; load 1/5 min before, after")
    for name, r in runs:
        print(f"{name:28}{r['exit']:>5}{r['records']:>10,}{r['wall']:>8.1f}{r['read_phase']:>8.1f}{rate(r):>9,.0f}"
              f"{r['cpu']:>8.1f}{r['peak_mb']:>8.0f}{r['requests']:>9}{r['r429']:>5}  {verdict(r)}; {r['load']}")


def csv(kind):
    return lambda text: [kind(x) for x in text.split(",") if x]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--mode", choices=("all", "cpu", "api", "incremental", "fail"), default="all",
                        help="all (default) = cpu, api, incremental; fail runs only when asked (about 5 minutes)")
    parser.add_argument("--activities", type=csv(int), default=None,
                        help="activities in the stand-in (over 1095 days; two years read = 2/3 of them "
                             "plus about twice as many participants); a list runs each size (default 100000; fail mode 1000)")
    parser.add_argument("--page-sizes", type=csv(int), default=[1000, 10000], help="API mode (default 1000,10000)")
    parser.add_argument("--cpu-page-size", type=int, default=None, help="CPU mode (default: the manifest's)")
    parser.add_argument("--cpu-paths", type=csv(str), default=["fast", "declarative"],
                        help="run paths in CPU mode: fast (default path), declarative (PEOPLEAI_DECLARATIVE_ONLY=1)")
    parser.add_argument("--api-paths", type=csv(str), default=["fast"], help="run paths in API mode (default fast)")
    parser.add_argument("--latency-ms", type=float, default=300, help="API mode: latency of every page (default 300)")
    parser.add_argument("--latency-ms-per-record", type=float, default=0.5,
                        help="API mode: latency per record a page returns (default 0.5)")
    parser.add_argument("--no-cpu-ceiling", action="store_true",
                        help="API mode: skip the CPU-bound run at each page size (no CPU ceiling printed)")
    parser.add_argument("--window-days", type=int, default=None,
                        help="window_days in the config (default: unset, the manifest's default)")
    parser.add_argument("--skip-bare", action="store_true", help="CPU mode: only run the connector")
    parser.add_argument("--timeout", type=float, default=1800, help="seconds before a run is killed")
    parser.add_argument("--python", default=sys.executable)
    parser.add_argument("--output", default=str(REPO / "bench-output"),
                        help="where the raw Airbyte messages of each run are kept")
    args = parser.parse_args()
    for p in args.cpu_paths + args.api_paths:
        if p not in PATHS:
            parser.error(f"unknown run path {p!r}: fast or declarative")
    args.cpu_page_size = args.cpu_page_size or default_page_size()
    args.activities = args.activities or [1000 if args.mode == "fail" else 100000]
    workdir = Path(args.output)
    workdir.mkdir(parents=True, exist_ok=True)
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, "
          f"{platform.platform()}; {load()}")
    peaks = []
    for n, activities in enumerate(args.activities):
        with Bench(args, activities, workdir) as bench:
            if args.mode == "fail":
                bench.fail_mode()
                break
            if args.mode in ("all", "cpu"):
                for name, r in bench.cpu_mode():
                    peaks.append((activities, bench.dataset.total, name, r["peak_mb"]))
            if args.mode == "api" or (args.mode == "all" and n == 0):
                bench.api_mode()
            if args.mode == "incremental" or (args.mode == "all" and n == 0):
                bench.incremental_mode()
    if len({p[0] for p in peaks}) > 1:
        print("\npeak memory by dataset size (CPU mode):")
        for activities, total, name, mb in peaks:
            print(f"  {activities:>8,} activities, {total:>8,} records read: {name:28} {mb:5.0f} MB")
    print(f"\nraw output kept in {workdir}; {load()}")


if __name__ == "__main__":
    main()
