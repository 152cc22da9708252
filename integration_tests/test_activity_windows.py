"""Activities and participants read in date windows, end to end, whatever People.ai's date rules.

People.ai does not document whether `to` is inclusive, which time zone applies, or what happens
beyond its 2-year limit; the stand-in switches between the possibilities, and under each the
connector must deliver the whole history exactly once. Then the other promises of the windows:
the default start (730 days), incremental syncs that read only what is new, a sync that fails
part-way and is resumed from its state without a gap, and a window too long for the API.

Each test's syncs run against a stand-in of their own (300 activities, a few seconds a read), all
of them at once in the background; the tests then check what came out.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional

import pytest
from stand_in import StandIn

from integration_tests.connector_cli import (
    ACTIVITY_STREAMS,
    Background,
    CliRun,
    Connection,
    ConnectorCli,
    clean_environment,
    key_of,
    record_mismatches,
)
from integration_tests.stand_in_session import (
    VALID_CONFIG_PATH,
    first_day,
    midnight_ms,
    private_stand_in,
    read_config,
    today,
    utc_day,
)

ACTIVITIES = 300
ACTIVITY_PATH = "/v0/public/activities"
# 7 windows per stream over the stand-in's three years, each one page.
WINDOW_DAYS = 180
HOUR_MS = 3_600_000

CREDENTIALS = read_config(VALID_CONFIG_PATH)


def make_config(api: StandIn, **changes: Any) -> Dict[str, Any]:
    """The stand-in's whole history in 180-day windows; a change to None removes that key."""
    config = {
        "api_key": CREDENTIALS["api_key"],
        "api_secret": CREDENTIALS["api_secret"],
        "base_url": api.url,
        "page_size": 1000,
        "requests_per_second": 1000,
        "start_date": first_day(api).isoformat(),
        "window_days": WINDOW_DAYS,
    }
    config.update(changes)
    return {key: value for key, value in config.items() if value is not None}


@dataclass
class Outcome:
    """What a scenario's syncs printed, and what its stand-in held and saw."""

    runs: List[CliRun]
    stats: List[Dict[str, Any]]  # the stand-in's stats after each run (zeroed before each)
    dataset: Dict[str, List[dict]]  # by stream, at the end
    notes: Dict[str, Any] = field(default_factory=dict)


def datasets(api: StandIn) -> Dict[str, List[dict]]:
    return {"activity": api.dataset("activities"), "participants": api.dataset("participants")}


def assert_every_record_once(run: CliRun, dataset: Dict[str, List[dict]]) -> None:
    assert run.returncode == 0, run.describe()
    problems = [
        record_mismatches(stream, run.records(stream), dataset[stream])
        for stream in ACTIVITY_STREAMS
    ]
    assert not any(problems), "\n".join(filter(None, problems)) + "\n" + run.describe()


def requested_days(
    stats: Dict[str, Any], path: str = ACTIVITY_PATH, status: Optional[int] = None
) -> List[tuple]:
    """(from, to) of every request for `path` (answered `status`, if given), as dates."""
    return [
        (dt.date.fromisoformat(r["query"]["from"]), dt.date.fromisoformat(r["query"]["to"]))
        for r in stats["requests"]
        if r["path"] == path and status in (None, r["status"])
    ]


# --------------------------------------------------------------------------------------------
# The scenarios, started together
# --------------------------------------------------------------------------------------------


def add_activities_at_window_edges(api: StandIn) -> None:
    """Activities on each side of every window boundary: at its first instant, a millisecond
    before, and at midnight of that day in Asia/Tokyo (UTC+9) and America/Los_Angeles (UTC-7/-8)."""
    start, end = first_day(api), today(api)
    boundary = start + dt.timedelta(days=WINDOW_DAYS)
    while boundary < end:
        edge = midnight_ms(boundary)
        for moment in (edge - 9 * HOUR_MS, edge - 1, edge, edge + 7 * HOUR_MS, edge + 8 * HOUR_MS):
            api.add_activities(1, timestamp_ms=moment)
        boundary += dt.timedelta(days=WINDOW_DAYS)


# `python main.py` runs the manifest with two per-record components swapped for exact Python
# twins (source_peopleai/fast_path.py); Airbyte's manifest-only image runs it as written, which
# PEOPLEAI_DECLARATIVE_ONLY=1 asks for. The full-history reads go through both.
AS_WRITTEN = "manifest as written"
FAST_PATH = "fast path"
PATH_ENV = {
    AS_WRITTEN: clean_environment(PEOPLEAI_DECLARATIVE_ONLY="1"),
    FAST_PATH: clean_environment(),
}


def full_history(cli: ConnectorCli, workdir: Path, path: str, **stand_in_options: Any) -> Outcome:
    with private_stand_in(ACTIVITIES, **stand_in_options) as api:
        add_activities_at_window_edges(api)
        config = make_config(api)
        run = Connection(cli, workdir, config, ACTIVITY_STREAMS, env=PATH_ENV[path]).sync()
        return Outcome([run], [api.stats()], datasets(api))


DATE_RULES: Dict[str, Dict[str, Any]] = {
    "documented": {},
    "to exclusive": {"to_exclusive": True},
    "time-zone ignored, Los Angeles": {
        "ignore_time_zone": True, "org_time_zone": "America/Los_Angeles"
    },
    "time-zone ignored, Tokyo": {"ignore_time_zone": True, "org_time_zone": "Asia/Tokyo"},
    "dates ignored": {"ignore_dates": True},
    "to exclusive, time-zone ignored, Tokyo": {
        "to_exclusive": True, "ignore_time_zone": True, "org_time_zone": "Asia/Tokyo"
    },
}


def default_start(cli: ConnectorCli, workdir: Path) -> Outcome:
    with private_stand_in(ACTIVITIES) as api:
        config = make_config(api, start_date=None, window_days=None)
        run = Connection(cli, workdir, config, ["activity"]).sync()
        return Outcome([run], [api.stats()], datasets(api), {"today": today(api)})


def two_incremental_syncs(cli: ConnectorCli, workdir: Path) -> Outcome:
    with private_stand_in(ACTIVITIES) as api:
        connection = Connection(cli, workdir, make_config(api), ACTIVITY_STREAMS, "incremental")
        first = connection.sync()
        first_stats, first_dataset = api.stats(), datasets(api)
        api.reset()  # zeroes the stats only: no fault or date rule was set
        added = api.add_activities(5)
        second = connection.sync()
        return Outcome(
            [first, second],
            [first_stats, api.stats()],
            datasets(api),
            {"first_dataset": first_dataset, "added": added},
        )


# After 12 activity requests served, every later one fails, each with a Retry-After of 0.1 s (so
# that failing takes seconds, not the minute of the backoff schedule). The connector reads 10
# windows at a time, roughly in order: the first window is always among the 12 served, so the
# state moves, and some later ones always fail.
FAIL_AFTER_12 = {
    "bursts": [
        {"status": 503, "every": 12, "times": 1000, "retry_after": 0.1, "paths": [ACTIVITY_PATH]}
    ]
}


def failed_then_resumed(cli: ConnectorCli, workdir: Path) -> Outcome:
    with private_stand_in(ACTIVITIES, faults=FAIL_AFTER_12) as api:
        # 19 windows of 60 days, one page each: 12 are read, 7 fail.
        config = make_config(api, window_days=60)
        connection = Connection(cli, workdir, config, ["activity"], "incremental")
        failed = connection.sync()
        failed_stats = api.stats()
        api.reset()  # no faults from here on
        resumed = connection.sync()
        return Outcome([failed, resumed], [failed_stats, api.stats()], datasets(api))


def two_year_window(cli: ConnectorCli, workdir: Path) -> Outcome:
    with private_stand_in(ACTIVITIES) as api:
        config = make_config(api, window_days=730)
        run = Connection(cli, workdir, config, ACTIVITY_STREAMS).sync()
        return Outcome([run], [api.stats()], datasets(api))


# (date rules, path) of the full-history reads: every rule as Airbyte runs the manifest; through
# the fast path, the rule that needs the widest margins and the API that ignores the dates (the
# fast path warns about it). test_cli.py reads through the fast path under the documented rules.
FULL_HISTORY = [
    *((rules, AS_WRITTEN) for rules in DATE_RULES),
    ("to exclusive, time-zone ignored, Tokyo", FAST_PATH),
    ("dates ignored", FAST_PATH),
]


def full_history_job(rules: str, path: str) -> Callable[[ConnectorCli, Path], Outcome]:
    return lambda cli, workdir: full_history(cli, workdir, path, dates=DATE_RULES[rules])


def iso_job(path: str) -> Callable[[ConnectorCli, Path], Outcome]:
    return lambda cli, workdir: full_history(cli, workdir, path, timestamps="iso")


SCENARIOS: Dict[str, Callable[[ConnectorCli, Path], Outcome]] = {
    # The longest first.
    "failed then resumed": failed_then_resumed,
    "incremental": two_incremental_syncs,
    **{
        f"full history, {rules}, {path}": full_history_job(rules, path)
        for rules, path in FULL_HISTORY
    },
    **{f"full history, ISO timestamps, {path}": iso_job(path) for path in (AS_WRITTEN, FAST_PATH)},
    "default start": default_start,
    "730-day windows": two_year_window,
}


@pytest.fixture(scope="module")
def outcomes(cli: ConnectorCli, tmp_path_factory: pytest.TempPathFactory):
    """Starts every scenario in the background; `.result(name)` waits for one."""
    jobs = Background(workers=3)
    for number, (name, scenario) in enumerate(SCENARIOS.items()):
        jobs.start(name, scenario, cli, tmp_path_factory.mktemp(f"scenario{number}"))
    yield jobs
    jobs.close()


# --------------------------------------------------------------------------------------------
# The whole history exactly once, whatever People.ai's date rules
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("rules, path", FULL_HISTORY)
def test_given_date_rules_when_read_from_the_first_day_then_every_record_arrives_once(
    rules: str, path: str, outcomes: Background
) -> None:
    outcome = outcomes.result(f"full history, {rules}, {path}")

    assert_every_record_once(outcome.runs[0], outcome.dataset)


def dates_ignored_warnings(run: CliRun) -> List[str]:
    return [
        m["log"]["message"]
        for m in run.of_type("LOG")
        if m["log"]["level"] == "WARN" and "seems to ignore the date range" in m["log"]["message"]
    ]


def test_given_api_ignores_the_dates_when_read_then_the_fast_path_warns_once_per_stream(
    outcomes: Background,
) -> None:
    run = outcomes.result("full history, dates ignored, fast path").runs[0]

    warnings = dates_ignored_warnings(run)
    assert sorted(w.split(" window ")[0] for w in warnings) == [
        f"People.ai seems to ignore the date range: the {stream}" for stream in sorted(ACTIVITY_STREAMS)
    ], run.describe()


def test_given_dates_honoured_in_the_widest_zone_when_read_then_no_warning(outcomes: Background) -> None:
    run = outcomes.result(f"full history, to exclusive, time-zone ignored, Tokyo, {FAST_PATH}").runs[0]

    assert dates_ignored_warnings(run) == []


@pytest.mark.parametrize("path", [AS_WRITTEN, FAST_PATH])
def test_given_iso_timestamps_when_read_then_every_record_arrives_once_with_epoch_ms(
    path: str, outcomes: Background
) -> None:
    outcome = outcomes.result(f"full history, ISO timestamps, {path}")

    run = outcome.runs[0]
    # record_mismatches expects each ISO timestamp the API sent as epoch milliseconds.
    assert isinstance(outcome.dataset["activity"][0]["activity_timestamp"], str)
    assert_every_record_once(run, outcome.dataset)
    assert all(isinstance(r["activity_timestamp"], int) for r in run.records("participants"))


# --------------------------------------------------------------------------------------------
# Without start_date: the last 730 days
# --------------------------------------------------------------------------------------------


def test_given_no_start_date_when_read_then_asks_from_731_days_ago(outcomes: Background) -> None:
    outcome = outcomes.result("default start")

    first_asked = min(start for start, _ in requested_days(outcome.stats[0]))
    # The window's first day is 730 days ago; the request asks a day before it.
    assert first_asked == outcome.notes["today"] - dt.timedelta(days=731)


def test_given_no_start_date_when_read_then_returns_exactly_the_activities_of_the_last_730_days(
    outcomes: Background,
) -> None:
    outcome = outcomes.result("default start")

    run = outcome.runs[0]
    assert run.returncode == 0, run.describe()
    since = midnight_ms(outcome.notes["today"] - dt.timedelta(days=730))
    recent = [r for r in outcome.dataset["activity"] if r["activity_timestamp"] >= since]
    assert 0 < len(recent) < len(outcome.dataset["activity"])
    problems = record_mismatches("activity", run.records("activity"), recent)
    assert not problems, problems


# --------------------------------------------------------------------------------------------
# Incremental: the first sync reads everything, the next only what is new
# --------------------------------------------------------------------------------------------


def test_given_no_state_when_incremental_sync_then_every_record_arrives_once(
    outcomes: Background,
) -> None:
    outcome = outcomes.result("incremental")

    assert_every_record_once(outcome.runs[0], outcome.notes["first_dataset"])


def test_given_no_state_when_incremental_sync_then_state_is_the_latest_activity_timestamp(
    outcomes: Background,
) -> None:
    outcome = outcomes.result("incremental")

    latest = max(r["activity_timestamp"] for r in outcome.notes["first_dataset"]["activity"])
    for stream in ACTIVITY_STREAMS:
        assert outcome.runs[0].stream_state(stream) == {"activity_timestamp": str(latest)}


def test_given_state_and_new_activities_when_incremental_sync_then_reads_them_and_only_the_lookback(
    outcomes: Background,
) -> None:
    outcome = outcomes.result("incremental")

    second = outcome.runs[1]
    assert second.returncode == 0, second.describe()
    added = set(outcome.notes["added"])
    for stream in ACTIVITY_STREAMS:
        state = int(outcome.runs[0].stream_state(stream)["activity_timestamp"])
        # lookback_days defaults to 7: the second sync starts 7 days before the state's day.
        since = midnight_ms(utc_day(state) - dt.timedelta(days=7))
        new = [r for r in outcome.dataset[stream] if (r.get("activity_uid") or r["uid"]) in added]
        in_lookback = [r for r in outcome.dataset[stream] if r["activity_timestamp"] >= since]
        printed = {key_of(stream, r) for r in second.records(stream)}
        assert new and {key_of(stream, r) for r in new} <= printed, (stream, len(new), len(printed))
        assert printed <= {key_of(stream, r) for r in in_lookback}, stream


def test_given_state_when_incremental_sync_then_sends_far_fewer_requests(
    outcomes: Background,
) -> None:
    outcome = outcomes.result("incremental")

    first, second = (stats["data_requests"] for stats in outcome.stats)
    assert second * 5 <= first, f"first sync: {first} requests, second: {second}"


def test_given_new_activities_when_incremental_sync_then_state_moves_to_the_newest(
    outcomes: Background,
) -> None:
    outcome = outcomes.result("incremental")

    newest = max(r["activity_timestamp"] for r in outcome.dataset["activity"])
    for stream in ACTIVITY_STREAMS:
        assert outcome.runs[1].stream_state(stream) == {"activity_timestamp": str(newest)}


# --------------------------------------------------------------------------------------------
# A sync that fails part-way, then resumes from its state
# --------------------------------------------------------------------------------------------


def test_given_later_windows_failing_when_sync_then_fails_loudly_with_the_state_reached(
    outcomes: Background,
) -> None:
    outcome = outcomes.result("failed then resumed")

    failed = outcome.runs[0]
    assert outcome.stats[0]["by_status"].get("503"), "the fault was never served"
    assert failed.returncode != 0, failed.describe()
    assert failed.trace_errors, failed.describe()
    assert failed.final_status("activity") == "INCOMPLETE", failed.stream_statuses("activity")
    assert failed.stream_state("activity"), f"no state before the failure\n{failed.describe()}"


def test_given_state_of_a_failed_sync_when_rerun_then_resumes_there_and_leaves_no_gap(
    outcomes: Background,
) -> None:
    outcome = outcomes.result("failed then resumed")

    failed, resumed = outcome.runs
    assert resumed.returncode == 0, resumed.describe()
    # Resumed, not restarted: the first window it asks for starts after the start_date.
    state_day = utc_day(int(failed.stream_state("activity")["activity_timestamp"]))
    first_asked = min(start for start, _ in requested_days(outcome.stats[1]))
    assert first_asked == state_day - dt.timedelta(days=7 + 1)
    # Together, the two syncs hold every activity.
    both = failed.records("activity") + resumed.records("activity")
    wanted = {key_of("activity", r) for r in outcome.dataset["activity"]}
    printed = {key_of("activity", r) for r in both}
    assert printed == wanted, (
        f"missing {sorted(wanted - printed)[:5]}, unknown {sorted(printed - wanted)[:5]}"
    )


# --------------------------------------------------------------------------------------------
# Windows longer than the API allows
# --------------------------------------------------------------------------------------------


def test_given_730_day_windows_when_api_refuses_2_years_then_splits_and_reads_every_record_once(
    outcomes: Background,
) -> None:
    outcome = outcomes.result("730-day windows")

    stats = outcome.stats[0]
    spans = {
        status: sorted({(to - start).days for start, to in requested_days(stats, status=status)})
        for status in (400, 200)
    }
    # 733 days asked (730 and the margins) answered 400; the halves it was split into, 200.
    assert spans[400] and min(spans[400]) > 730, spans
    assert spans[200] and max(spans[200]) <= 730, spans
    assert_every_record_once(outcome.runs[0], outcome.dataset)
