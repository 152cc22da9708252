"""Breaks manifest.yaml on purpose, one way at a time, and checks that the unit tests notice.

Each breakage is a text replacement on a copy of manifest.yaml (the real file is never written).
The unit suite runs against the copy, pointed at by $PEOPLEAI_MANIFEST_PATH, and each breakage
is reported as
  CAUGHT    a test failed (the first one is named),
  SURVIVED  every test passed: a behaviour no test pins down,
  STALE     its old text is not in the manifest (exactly once): update the list below.
Breakages marked equivalent change nothing a user can observe; their survival is expected.

Usage:
  python scripts/mutants.py                 # every breakage, 2 suites at a time
  python scripts/mutants.py -k budget -k 408  # only breakages whose name contains a word
  python scripts/mutants.py --list          # names only, no tests run
  python scripts/mutants.py -j 1            # one suite at a time
  python scripts/mutants.py --manifest FILE # break FILE instead of manifest.yaml (e.g. a
                                            #   committed version: git show HEAD:manifest.yaml)
  python scripts/mutants.py --both-paths    # also through source_peopleai's fast path

The suites run in a snapshot of the checkout taken at the start, so edits made meanwhile do not
mix into the run. By default only the `manifest_only` run of each test is used (conftest.py runs
every test twice): the breakages are of the manifest, which that run executes as written.
The unbroken manifest runs first; tests that fail there are reported and left out of every
breakage's run. Exit status 0 only when the baseline passes, nothing is STALE, and every
breakage that is not equivalent is CAUGHT.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import List, Optional, Sequence, Tuple

ROOT = Path(__file__).resolve().parent.parent
MANIFEST = ROOT / "manifest.yaml"
MANIFEST_PATH_ENV = "PEOPLEAI_MANIFEST_PATH"  # read by source_peopleai.source.manifest_path()
SUITE_TIMEOUT_SECONDS = 900
# Selects the run of each test that executes the manifest as written (unit_tests/conftest.py).
MANIFEST_ONLY = ["-k", "manifest_only"]
NOT_COPIED = (".git", ".venv*", ".cache", ".pytest_cache", "__pycache__", "*-output", "*.egg-info")


@dataclass(frozen=True)
class Breakage:
    name: str
    old: str
    new: str
    # Why the change cannot be observed, when it cannot: such a breakage may survive.
    equivalent: str = ""


BREAKAGES: Tuple[Breakage, ...] = (
    # Requester
    Breakage("connect timeout removed", "    connect_timeout_in_seconds: 30\n", ""),
    Breakage("read timeout removed", "    read_timeout_in_seconds: 120\n", ""),
    # Error handling
    Breakage("408 not retried", "http_codes: [408, 500, 502, 503, 504]", "http_codes: [500, 502, 503, 504]"),
    Breakage("500 not retried", "http_codes: [408, 500, 502, 503, 504]", "http_codes: [408, 502, 503, 504]"),
    Breakage("502 not retried", "http_codes: [408, 500, 502, 503, 504]", "http_codes: [408, 500, 503, 504]"),
    Breakage("503 not retried", "http_codes: [408, 500, 502, 503, 504]", "http_codes: [408, 500, 502, 504]"),
    Breakage("504 not retried", "http_codes: [408, 500, 502, 503, 504]", "http_codes: [408, 500, 502, 503]"),
    Breakage("408/5xx message changed", "error_message: People.ai did not answer the request (HTTP 408 or 5xx); retrying.",
             "error_message: Server error; retrying."),
    Breakage("429 fails", "http_codes: [429]\n      action: RATE_LIMITED", "http_codes: [429]\n      action: FAIL"),
    Breakage("429 retried as a plain retry", "http_codes: [429]\n      action: RATE_LIMITED", "http_codes: [429]\n      action: RETRY"),
    Breakage("401 fails without refreshing", "action: REFRESH_TOKEN_THEN_RETRY", "action: FAIL"),
    Breakage(
        "401 failure_type removed",
        "action: REFRESH_TOKEN_THEN_RETRY\n      failure_type: config_error\n",
        "action: REFRESH_TOKEN_THEN_RETRY\n",
        equivalent="the CDK itself makes a 401 after a refreshed token a config error",
    ),
    Breakage("backoff factor 1 -> 2", "        factor: 1\n", "        factor: 2\n"),
    Breakage("Retry-After ignored", "      - type: WaitTimeFromHeader\n        header: Retry-After\n", ""),
    Breakage("max_retries 5 -> 4", "max_retries: 5", "max_retries: 4"),
    Breakage("max_retries 5 -> 6", "max_retries: 5", "max_retries: 6"),
    Breakage("403 message changed", "People.ai refused the {{ parameters.name }} stream (HTTP 403)",
             "People.ai refused access (HTTP 403)"),
    Breakage("403 retried", "http_codes: [403]\n      action: FAIL", "http_codes: [403]\n      action: RETRY"),
    Breakage("404 message changed", "Check base_url: it", "Check the URL: it"),
    Breakage("404 retried", "http_codes: [404]\n      action: FAIL", "http_codes: [404]\n      action: RETRY"),
    # A 400 on a stream without date windows (objects, teams, engagement) fails at once.
    Breakage("fail_on_400 message changed", "Check that page_size is between 1 and 100000.", "Check page_size."),
    Breakage(
        "shape check never fires",
        "{{ response is not mapping or response.get('data') is not sequence\n"
        "        or response.get('data') is string or response.get('data') is mapping }}",
        "{{ False }}",
    ),
    Breakage("shape check accepts data as an object", " or response.get('data') is mapping }}", " }}"),
    Breakage("shape check accepts data as a string", "\n        or response.get('data') is string or", "\n        or"),
    # Authentication
    Breakage("token client_id field renamed", "    client_id: \"{{ config['api_key'] }}\"\n",
             "    client_id: \"{{ config['api_key'] }}\"\n    client_id_name: api_key\n"),
    Breakage("token client_secret field renamed", "    client_secret: \"{{ config['api_secret'] }}\"\n",
             "    client_secret: \"{{ config['api_secret'] }}\"\n    client_secret_name: api_secret\n"),
    Breakage("token grant_type changed", "grant_type: client_credentials", "grant_type: refresh_token"),
    Breakage("token URL path changed", "/auth/v1/tokens", "/auth/v1/token"),
    Breakage(
        "expires_in_name removed",
        "    expires_in_name: expires_in\n",
        "",
        equivalent="expires_in is the CDK's default name",
    ),
    Breakage("token 401 not a config error", "refresh_token_error_status_codes: [400, 401, 403]", "refresh_token_error_status_codes: [400, 403]"),
    # Pagination and records
    Breakage("page_size option renamed", "field_name: limit", "field_name: page_size"),
    Breakage("offset option renamed", "field_name: offset", "field_name: skip"),
    Breakage("no offset on the first request", "inject_on_first_request: true", "inject_on_first_request: false"),
    Breakage("page size ignores config", "page_size: \"{{ config['page_size'] }}\"", "page_size: 1000"),
    Breakage("rename keeps subject", "record.pop('subject')", "record.get('subject')"),
    Breakage("rename stringifies the value", "record.pop('subject')", "(record.pop('subject') | string)"),
    Breakage("rename removed",
             "      {%- if 'subject' in record -%}\n"
             "        {{- record.update({'api_subject': record.pop('subject')}) or '' -}}\n"
             "      {%- endif -%}\n", ""),
    Breakage("extractor path changed", "field_path: [data]", "field_path: []"),
    # Rate budget and concurrency
    Breakage("budget window PT1.1S -> PT1S", "interval: PT1.1S", "interval: PT1S"),
    Breakage("budget window PT1.1S -> PT0.1S", "interval: PT1.1S", "interval: PT0.1S"),
    Breakage("budget limit off by one", "limit: \"{{ config['requests_per_second'] }}\"",
             "limit: \"{{ config['requests_per_second'] + 1 }}\""),
    Breakage("budget matches only activities",
             "      matchers: []\n",
             "      matchers:\n        - type: HttpRequestRegexMatcher\n          url_path_pattern: \"activities$\"\n"),
    Breakage("concurrency 10 -> 20", "default_concurrency: 10", "default_concurrency: 20"),
    # Activity chunks: their bounds, fixed once per run in config normalization
    Breakage("chunks not capped at 727 days", "[config['window_days'], 727] | min", "config['window_days']"),
    Breakage("chunks counted from start_date, not 1970-01-01", "{%- set lo = (first + loop.index0) * w * day -%}",
             "{%- set lo = dates['start_ms'] + loop.index0 * w * day -%}"),
    Breakage("no current chunk", "      {\"kind\": \"current\"}]", "      ]"),
    Breakage("current chunk reaches 90 days ahead, not 180", "day_delta(181, format='%Y-%m-%d')", "day_delta(91, format='%Y-%m-%d')"),
    Breakage("current chunk starts today, not lookback_days back", "{{ [today - back * 86400000, config['_sync_dates']['start_ms']] | max }}",
             "{{ [today, config['_sync_dates']['start_ms']] | max }}"),
    Breakage("current chunk does not start at start_date when that is later", "{{ [today - back * 86400000, config['_sync_dates']['start_ms']] | max }}",
             "{{ today - back * 86400000 }}"),
    # Activity requests: dates a day wider before and two after, the ingestion window, deleted ones
    Breakage("from margin -1 day removed", "'from': format_datetime(lo - day, '%Y-%m-%d', '%ms')", "'from': format_datetime(lo, '%Y-%m-%d', '%ms')"),
    Breakage("to margin +2 days -> +1 day", "'to': format_datetime(hi + day, '%Y-%m-%d', '%ms')", "'to': format_datetime(hi, '%Y-%m-%d', '%ms')"),
    Breakage("time-zone not UTC", "'time-zone': 'UTC',", "'time-zone': 'America/New_York',"),
    Breakage("requests not clipped to start_date", "request_parameters: >-\n      {%- set day, chunk, dates = 86400000, stream_partition.chunk, config['_sync_dates'] -%}\n      {%- set lo = [chunk.start_ms, dates.start_ms] | max",
             "request_parameters: >-\n      {%- set day, chunk, dates = 86400000, stream_partition.chunk, config['_sync_dates'] -%}\n      {%- set lo = chunk.start_ms"),
    Breakage("ingested-from margin -1 day removed", "format_datetime(i0 - day, '%Y-%m-%d', '%ms') if by_ingestion",
             "format_datetime(i0, '%Y-%m-%d', '%ms') if by_ingestion"),
    Breakage("ingested-to margin +2 days -> +1 day", "format_datetime(i1 + 2 * day, '%Y-%m-%d', '%ms') if by_ingestion",
             "format_datetime(i1 + day, '%Y-%m-%d', '%ms') if by_ingestion"),
    Breakage("ingested-from not sent", "'ingested-from': format_datetime(i0 - day, '%Y-%m-%d', '%ms') if by_ingestion else none,",
             "'ingested-from': none,"),
    Breakage("first read of a chunk asked by ingestion", "{%- set by_ingestion = chunk.kind == 'history' and i0 > 1262304000000 -%}\n      {{ {'from'",
             "{%- set by_ingestion = chunk.kind == 'history' and i0 >= 0 -%}\n      {{ {'from'"),
    Breakage("current chunk asked by ingestion", "{%- set by_ingestion = chunk.kind == 'history' and i0 > 1262304000000 -%}\n      {{ {'from'",
             "{%- set by_ingestion = i0 > 1262304000000 -%}\n      {{ {'from'"),
    Breakage("include-deleted not sent", "'include-deleted': 'true' if config['include_deleted'] else none", "'include-deleted': none"),
    Breakage("include_deleted on by default", "value: \"{{ config.get('include_deleted') is sameas true }}\"", "value: \"{{ true }}\""),
    # The per-record filter: each record in its own chunk and read
    Breakage("chunk filter removed", "{{ (t is none or lo <= t < hi) and (i is none or ((not by_ingestion or i0 <= i) and i <= i1)) }}", "{{ true }}"),
    Breakage("record filter removed", "        record_filter:\n          $ref: \"#/definitions/activity_filter_and_rename\"\n", ""),
    Breakage("chunk start bound <= -> <", "lo <= t < hi", "lo < t < hi"),
    Breakage("chunk end bound < -> <=", "lo <= t < hi", "lo <= t <= hi"),
    Breakage("filter keeps history chunks past the current chunk's start", "{%- set hi = [chunk.end_ms, dates.current_ms] | min if chunk.kind == 'history' else dates.horizon_ms -%}\n      {%- set i0, i1 = stream_interval.start_time | int, stream_interval.end_time | int -%}\n      {%- set by_ingestion = chunk.kind == 'history' and i0 > 1262304000000 -%}\n      {%- for field",
             "{%- set hi = chunk.end_ms if chunk.kind == 'history' else dates.horizon_ms -%}\n      {%- set i0, i1 = stream_interval.start_time | int, stream_interval.end_time | int -%}\n      {%- set by_ingestion = chunk.kind == 'history' and i0 > 1262304000000 -%}\n      {%- for field"),
    Breakage("filter drops records without a timestamp", "(t is none or lo <= t", "(t is not none and lo <= t"),
    Breakage("filter drops records without ingested_at", "(i is none or ((not by_ingestion", "(i is not none and ((not by_ingestion"),
    Breakage("ingestion window start not kept", "(not by_ingestion or i0 <= i)", "(true)"),
    Breakage("ingestion window end not kept", "i0 <= i) and i <= i1))", "i0 <= i)))"),
    Breakage("synced_at not set", "      {{- record.update({'synced_at': i1}) or '' -}}\n", ""),
    Breakage("synced_at the read's start, not its end", "record.update({'synced_at': i1})", "record.update({'synced_at': i0})"),
    Breakage("ISO timestamps not converted", "          if record.get(field) is string -%}\n        {{- record.update({field: (str_to_datetime",
             "          if false -%}\n        {{- record.update({field: (str_to_datetime"),
    Breakage("ISO conversion skips created_at", "['activity_timestamp', 'created_at', ", "['activity_timestamp', "),
    # The cursor: one per chunk, on the time of the read
    Breakage("cursor moved to activity_timestamp", "cursor_field: synced_at", "cursor_field: activity_timestamp"),
    Breakage("cursor moved to ingested_at", "cursor_field: synced_at", "cursor_field: ingested_at"),
    Breakage("never-read start 2010 -> 2000 (12 digits)", "      datetime: \"2010-01-01\"", "      datetime: \"2000-01-01\""),
    Breakage("lookback_window ignored", "    cursor_granularity: PT0.001S\n    lookback_window: \"P{{ config['lookback_days'] }}D\"",
             "    cursor_granularity: PT0.001S\n    lookback_window: \"P0D\""),
    Breakage("one read per chunk -> one per day", "step: P36500D", "step: P1D"),
    Breakage("no step and granularity: a 400 cannot be halved", "    step: P36500D\n    cursor_granularity: PT0.001S\n", ""),
    Breakage("start_date default -730 -> -729", "day_delta(-730, format='%Y-%m-%d')", "day_delta(-729, format='%Y-%m-%d')"),
    Breakage("future start_date accepted", "if day[:1] in '0123456789' and day > day_delta(0, format='%Y-%m-%d') else day }}",
             "if False else day }}"),
    Breakage("split_window_on_400 fails instead", "action: SPLIT_REQUEST_WINDOW", "action: FAIL"),
    # Engagement windows (dates as text, 90 days back at most)
    Breakage("engagement from margin removed", "str_to_datetime(stream_interval.start_time) - duration('P1D')",
             "str_to_datetime(stream_interval.start_time)"),
    Breakage("engagement to margin removed", "str_to_datetime(stream_interval.end_time) + duration('P1D')",
             "str_to_datetime(stream_interval.end_time)"),
    Breakage("engagement time-zone not UTC", "'%Y-%m-%d') }}\"\n          time-zone: UTC",
             "'%Y-%m-%d') }}\"\n          time-zone: America/New_York"),
    Breakage("engagement filter start bound <= -> <", "stream_interval.start_time <= record['date']",
             "stream_interval.start_time < record['date']"),
    Breakage("engagement filter end bound <= -> <", "record['date'] <= stream_interval.end_time",
             "record['date'] < stream_interval.end_time"),
    Breakage("engagement filter drops records without a date", "{{ record.get('date') is none\n               or",
             "{{ record.get('date') is not none\n               and"),
    Breakage("engagement timestamp not converted", "{%- if record.get('timestamp') is string -%}",
             "{%- if false -%}"),
    Breakage("engagement start -90 -> -91 days", "day_delta(-90, format='%Y-%m-%d')", "day_delta(-91, format='%Y-%m-%d')"),
    Breakage("engagement start ignores start_date", "max(config['start_date'], day_delta(-90",
             "max('1970-01-01', day_delta(-90"),
    Breakage("engagement step P30D -> P31D", "step: P30D", "step: P31D"),
    Breakage("engagement cursor_granularity P1D -> P2D", "step: P30D\n    cursor_granularity: P1D",
             "step: P30D\n    cursor_granularity: P2D"),
    Breakage("engagement lookback_window ignored",
             "    cursor_granularity: P1D\n    lookback_window: \"P{{ config['lookback_days'] }}D\"",
             "    cursor_granularity: P1D\n    lookback_window: \"P0D\""),
    # Objects, and client-side incremental on modified_at
    Breakage("object converted_date not converted", "['created_at', 'modified_at', 'converted_date']",
             "['created_at', 'modified_at']"),
    Breakage("modified_at incremental server-side", "is_client_side_incremental: true", "is_client_side_incremental: false"),
    Breakage("modified_at lookback_window ignored",
             "      datetime: \"1970-01-01\"\n      datetime_format: \"%Y-%m-%d\"\n    lookback_window: \"P{{ config['lookback_days'] }}D\"",
             "      datetime: \"1970-01-01\"\n      datetime_format: \"%Y-%m-%d\"\n    lookback_window: \"P0D\""),
    # Config defaults
    Breakage("lookback_days default 7 -> 0", "config.get('lookback_days') is not none else 7 }}", "config.get('lookback_days') is not none else 0 }}"),
    Breakage("window_days default 90 -> 91", "config.get('window_days') is not none else 90 }}", "config.get('window_days') is not none else 91 }}"),
    Breakage("page_size default 1000 -> 100", "config.get('page_size') is not none else 1000 }}", "config.get('page_size') is not none else 100 }}"),
    Breakage("requests_per_second default 5 -> 6", "config.get('requests_per_second') is not none else 5 }}", "config.get('requests_per_second') is not none else 6 }}"),
)


@dataclass
class Outcome:
    breakage: Breakage
    verdict: str  # CAUGHT, SURVIVED or STALE
    detail: str
    seconds: float = 0.0


def pytest_command(extra: Sequence[str]) -> List[str]:
    return [sys.executable, "-m", "pytest", "unit_tests", "-q", "-p", "no:warnings", "-p", "no:cacheprovider", *extra]


def snapshot(into: Path) -> Path:
    """A copy of the checkout (tests, package, metadata) that the suites run in."""
    checkout = into / "checkout"
    shutil.copytree(ROOT, checkout, ignore=shutil.ignore_patterns(*NOT_COPIED))
    return checkout


def run_suite(checkout: Path, manifest_text: str, extra: Sequence[str]) -> Tuple[int, str]:
    with tempfile.TemporaryDirectory(prefix="peopleai-mutant-") as tmp:
        copy = Path(tmp) / "manifest.yaml"
        copy.write_text(manifest_text, encoding="utf-8")
        env = dict(os.environ, **{MANIFEST_PATH_ENV: str(copy)})
        env.pop("PYTHONPATH", None)
        try:
            # `python -m pytest` puts the snapshot first on sys.path, ahead of the editable install.
            done = subprocess.run(
                pytest_command(extra), cwd=checkout, env=env, capture_output=True, text=True,
                timeout=SUITE_TIMEOUT_SECONDS,
            )
        except subprocess.TimeoutExpired:
            return -1, f"the suite ran longer than {SUITE_TIMEOUT_SECONDS} s"
        return done.returncode, done.stdout + done.stderr


def failed_tests(output: str) -> List[str]:
    return re.findall(r"^(?:FAILED|ERROR) (\S+)", output, flags=re.MULTILINE)


def apply(text: str, breakage: Breakage) -> Optional[str]:
    if text.count(breakage.old) != 1:
        return None
    return text.replace(breakage.old, breakage.new)


def judge(checkout: Path, text: str, breakage: Breakage, selection: Sequence[str]) -> Outcome:
    broken = apply(text, breakage)
    if broken is None:
        found = text.count(breakage.old)
        return Outcome(breakage, "STALE", f"old text found {found} times, expected once")
    started = time.monotonic()
    code, output = run_suite(checkout, broken, ["-x", *selection])
    seconds = time.monotonic() - started
    if code == 0:
        return Outcome(breakage, "SURVIVED", "", seconds)
    failures = failed_tests(output)
    detail = failures[0] if failures else (output.strip().splitlines() or ["(no output)"])[-1]
    return Outcome(breakage, "CAUGHT", detail, seconds)


def report(outcome: Outcome) -> str:
    tag = outcome.verdict
    if outcome.breakage.equivalent and tag == "SURVIVED":
        tag = "SURVIVED (equivalent)"
    line = f"{tag:<22} {outcome.breakage.name}"
    if outcome.detail:
        line += f"  [{outcome.detail}]"
    if outcome.breakage.equivalent:
        line += f"  ({outcome.breakage.equivalent})"
    if outcome.seconds:
        line += f"  {outcome.seconds:.0f} s"
    return line


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("-k", dest="words", action="append", default=[],
                        help="run only breakages whose name contains this text (repeatable)")
    parser.add_argument("-j", dest="jobs", type=int, default=2, help="suites run at once (default 2)")
    parser.add_argument("--list", action="store_true", help="print the breakages and exit")
    parser.add_argument("--both-paths", action="store_true",
                        help="run every test through both paths, not only manifest_only (twice as long)")
    parser.add_argument("--manifest", type=Path, default=MANIFEST,
                        help="the manifest to break (default: the checkout's manifest.yaml)")
    args = parser.parse_args(argv)

    chosen = [b for b in BREAKAGES if not args.words or any(w.lower() in b.name.lower() for w in args.words)]
    if args.list:
        for breakage in chosen:
            print(breakage.name + (f"  (equivalent: {breakage.equivalent})" if breakage.equivalent else ""))
        return 0
    text = args.manifest.read_text(encoding="utf-8")
    with tempfile.TemporaryDirectory(prefix="peopleai-mutants-") as tmp:
        checkout = snapshot(Path(tmp))
        return run_all(checkout, text, args.manifest, chosen, [] if args.both_paths else MANIFEST_ONLY, args.jobs)


def run_all(
    checkout: Path, text: str, manifest: Path, chosen: Sequence[Breakage], selection: List[str], jobs: int
) -> int:
    print(f"baseline: unit suite against an unbroken copy of {manifest} ...", flush=True)
    code, output = run_suite(checkout, text, selection)
    if code == 5 and selection:  # no test matched: conftest no longer names its runs so
        print("baseline: no test is named manifest_only; running every test")
        selection = []
        code, output = run_suite(checkout, text, selection)
    baseline_failures = failed_tests(output)
    if code != 0 and not baseline_failures:
        print(output[-3000:])
        print("baseline: the suite could not run; no breakage was tried")
        return 2
    for test in baseline_failures:
        print(f"baseline FAILED {test} (left out of every breakage's run)")
    if code == 0:
        print(f"baseline: passed ({(output.strip().splitlines() or [''])[-1].strip('= ')})")
    selection = selection + [arg for test in baseline_failures for arg in ("--deselect", test)]

    print(f"{len(chosen)} breakages, {jobs} at a time", flush=True)
    outcomes: List[Outcome] = []
    with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
        for outcome in pool.map(lambda b: judge(checkout, text, b, selection), chosen):
            outcomes.append(outcome)
            print(report(outcome), flush=True)

    counts = {verdict: sum(o.verdict == verdict for o in outcomes) for verdict in ("CAUGHT", "SURVIVED", "STALE")}
    unexplained = [o for o in outcomes if o.verdict == "SURVIVED" and not o.breakage.equivalent]
    print(
        f"\n{counts['CAUGHT']} caught, {counts['SURVIVED']} survived "
        f"({len(unexplained)} not equivalent), {counts['STALE']} stale"
    )
    for outcome in unexplained:
        print(f"  survived: {outcome.breakage.name}")
    return 1 if unexplained or counts["STALE"] or baseline_failures else 0


if __name__ == "__main__":
    sys.exit(main())
