"""Activities and participants end to end, sync after sync, whatever People.ai's date rules.

People.ai does not document whether `to` and `ingested-to` are inclusive, which time zone reads
them, whether it honours `ingested-*` at all, whether `ingested-*` alone lift its 30-day default,
whether a re-processed or deleted activity gets a new `ingested_at`, nor whether it lists an
activity before its date. The stand-in switches between the possibilities; under each, the
connector must deliver the whole history once on the first sync, and on every later sync each
activity People.ai ingested since (a backfill of months-old history, late ingestion, meetings
booked ahead, re-processing, deletions with include_deleted) once, without reading history again.
What is checked is what a destination's tables hold after each sync (Warehouse: Append +
Deduped), beside what each sync printed.

Each scenario's syncs run against a stand-in of its own (300 activities over three years, a few
seconds a sync), several at once in the background; the tests then check what came out.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional, Set

import pytest
from stand_in import StandIn

from integration_tests.connector_cli import (
    ACTIVITY_STREAMS,
    Background,
    CliRun,
    Connection,
    ConnectorCli,
    Warehouse,
    as_sent,
    clean_environment,
    epoch_ms,
    expected_record,
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
)

ACTIVITIES = 300
ACTIVITY_PATH = "/v0/public/activities"
PATHS = {"activity": ACTIVITY_PATH, "participants": "/v0/public/activities/participants"}
# Chunks of 180 days: 7 history chunks per stream over the stand-in's three years, one page each.
WINDOW_DAYS = 180
LOOKBACK_DAYS = 7  # the default
AHEAD_DAYS = 180  # the current chunk's reach beyond today
DAY_MS = 86_400_000
HOUR_MS = 3_600_000

CREDENTIALS = read_config(VALID_CONFIG_PATH)

# `python main.py` runs the manifest with two per-record components swapped for exact Python
# twins (source_peopleai/fast_path.py); Airbyte's manifest-only image runs it as written, which
# PEOPLEAI_DECLARATIVE_ONLY=1 asks for.
AS_WRITTEN = "manifest as written"
FAST_PATH = "fast path"
PATH_ENV = {AS_WRITTEN: clean_environment(PEOPLEAI_DECLARATIVE_ONLY="1"), FAST_PATH: clean_environment()}


def make_config(api: StandIn, **changes: Any) -> Dict[str, Any]:
    """The stand-in's whole history in 180-day chunks, deleted activities included; a change to
    None removes that key."""
    config = {
        "api_key": CREDENTIALS["api_key"],
        "api_secret": CREDENTIALS["api_secret"],
        "base_url": api.url,
        "page_size": 1000,
        "requests_per_second": 1000,
        "start_date": first_day(api).isoformat(),
        "window_days": WINDOW_DAYS,
        "include_deleted": True,
    }
    config.update(changes)
    return {key: value for key, value in config.items() if value is not None}


def activity_uid(stream: str, record: Dict[str, Any]) -> str:
    return record["uid"] if stream == "activity" else record.get("activity_uid") or record["uid"]


def due(api: StandIn, config: Dict[str, Any], day: Optional[dt.date] = None, list_future: bool = True) -> Dict[str, List[dict]]:
    """What the stand-in holds that a sync on `day` (default: the stand-in's today) must have read:
    dated from start_date to 180 days ahead (up to now when People.ai lists nothing before its
    date), deleted ones only with include_deleted."""
    day = day or today(api)
    first = midnight_ms(dt.date.fromisoformat(config.get("start_date", (day - dt.timedelta(730)).isoformat())))
    last = api.clock()["now_ms"] if not list_future else midnight_ms(day + dt.timedelta(days=AHEAD_DAYS + 1))
    out = {}
    for stream, name in (("activity", "activities"), ("participants", "participants")):
        out[stream] = [
            r for r in api.dataset(name)
            if first <= as_epoch_ms(r["activity_timestamp"]) < last and (config.get("include_deleted") or not r.get("deleted"))
        ]
    return out


def as_epoch_ms(timestamp: Any) -> int:
    """The stand-in's time as epoch milliseconds (in `--timestamps iso` mode it sends ISO text)."""
    return epoch_ms(timestamp) if isinstance(timestamp, str) else timestamp


@dataclass
class Outcome:
    """What a scenario's syncs printed, and what its stand-in held and saw after each."""

    runs: List[CliRun]
    stats: List[Dict[str, Any]]  # the stand-in's stats of each sync (zeroed before each)
    due: List[Dict[str, List[dict]]]  # what each sync must have read, as the stand-in held it then
    tables: List[Warehouse] = field(default_factory=list)  # the destination after each sync
    notes: Dict[str, Any] = field(default_factory=dict)


def sync_all(connection: Connection, api: StandIn, outcome: Outcome, warehouse: Warehouse,
             on_day: Optional[dt.date] = None, list_future: bool = True) -> CliRun:
    """One sync: what the stand-in holds then, the sync, its stats, the destination after it."""
    outcome.due.append(due(api, connection.config, on_day, list_future))
    stats_before = len(api.stats()["requests"])
    run = connection.sync(on_day=on_day)
    stats = api.stats()
    stats["requests"] = stats["requests"][stats_before:]
    outcome.runs.append(run)
    outcome.stats.append(stats)
    warehouse.load(run)
    snapshot = Warehouse()
    snapshot.tables = {s: dict(t) for s, t in warehouse.tables.items()}
    outcome.tables.append(snapshot)
    return run


# --------------------------------------------------------------------------------------------
# What the checks compare
# --------------------------------------------------------------------------------------------


def assert_each_record_once(run: CliRun, wanted: Dict[str, List[dict]]) -> None:
    """The sync printed every wanted record exactly once, as the API sent it, and nothing else."""
    assert run.returncode == 0, run.describe()
    problems = [record_mismatches(stream, run.records(stream), wanted[stream]) for stream in ACTIVITY_STREAMS]
    assert not any(problems), "\n".join(filter(None, problems)) + "\n" + run.describe()


def assert_at_most_once(run: CliRun) -> None:
    for stream in ACTIVITY_STREAMS:
        keys = run.keys(stream)
        assert len(keys) == len(set(keys)), f"{stream}: {len(keys) - len(set(keys))} records twice in one sync"


def assert_tables_hold(warehouse: Warehouse, wanted: Dict[str, List[dict]], stale: Dict[str, Dict[tuple, dict]]) -> None:
    """The destination holds each wanted record once, as the API holds it now, except the keys in
    `stale`, which must still hold the version given there (changes the connector cannot see)."""
    for stream in ACTIVITY_STREAMS:
        rows = {key_of(stream, r): as_sent(stream, r) for r in warehouse.rows(stream)}
        expected = {key_of(stream, r): expected_record(stream, r) for r in wanted[stream]}
        expected.update(stale.get(stream, {}))
        missing = sorted(expected.keys() - rows.keys())
        unknown = sorted(rows.keys() - expected.keys())
        differing = sorted(k for k in expected.keys() & rows.keys() if rows[k] != expected[k])
        assert not (missing or unknown or differing), (
            f"{stream} table: {len(missing)} missing {missing[:3]}, {len(unknown)} not expected {unknown[:3]}, "
            f"{len(differing)} differing "
            + (f"{differing[0]}:\n  table:    {rows[differing[0]]}\n  expected: {expected[differing[0]]}" if differing else "")
        )


def first_day_of(outcome: Outcome) -> str:
    """The UTC day of the earliest activity a scenario's first sync had to read."""
    return min(dt.datetime.fromtimestamp(r["activity_timestamp"] / 1000, dt.timezone.utc).date() for r in outcome.due[0]["activity"]).isoformat()


def history_requests(stats: Dict[str, Any], path: str = ACTIVITY_PATH) -> List[Dict[str, str]]:
    """The queries of every history chunk's first page (the current chunk's reaches 180 days ahead)."""
    horizon = [r for r in stats["requests"] if r["path"] == path and r["query"].get("offset") == "0"]
    last_to = max(dt.date.fromisoformat(r["query"]["to"]) for r in horizon)
    return [r["query"] for r in horizon if dt.date.fromisoformat(r["query"]["to"]) != last_to]


# --------------------------------------------------------------------------------------------
# The scenarios
# --------------------------------------------------------------------------------------------


def chunk_edges(api: StandIn) -> List[int]:
    """Instants on each side of every chunk edge: the fixed 180-day boundaries counted from
    1970-01-01, the current chunk's first day and the day after its last, each at its first
    instant, a millisecond before, and at midnight in Asia/Tokyo and America/Los_Angeles."""
    start, end = first_day(api), today(api)
    edges = []
    boundary = dt.date(1970, 1, 1) + dt.timedelta(days=((start - dt.date(1970, 1, 1)).days // WINDOW_DAYS + 1) * WINDOW_DAYS)
    while boundary < end - dt.timedelta(LOOKBACK_DAYS):
        edges.append(boundary)
        boundary += dt.timedelta(days=WINDOW_DAYS)
    edges += [end - dt.timedelta(LOOKBACK_DAYS), end + dt.timedelta(AHEAD_DAYS + 1)]
    moments = []
    for edge in edges:
        ms = midnight_ms(edge)
        moments += [ms - 9 * HOUR_MS, ms - 1, ms, ms + 7 * HOUR_MS, ms + 8 * HOUR_MS]
    return moments


DATE_RULES: Dict[str, Dict[str, Any]] = {
    "documented": {},
    "to exclusive": {"to_exclusive": True},
    "time-zone ignored, Los Angeles": {"ignore_time_zone": True, "org_time_zone": "America/Los_Angeles"},
    "time-zone ignored, Tokyo": {"ignore_time_zone": True, "org_time_zone": "Asia/Tokyo"},
    "dates ignored": {"ignore_dates": True},
    "to exclusive, time-zone ignored, Tokyo": {"to_exclusive": True, "ignore_time_zone": True, "org_time_zone": "Asia/Tokyo"},
}


def full_history(cli: ConnectorCli, workdir: Path, path: str, **stand_in_options: Any) -> Outcome:
    with private_stand_in(ACTIVITIES, **stand_in_options) as api:
        for moment in chunk_edges(api):
            api.add_activities(1, timestamp_ms=moment)
        outcome = Outcome([], [], [])
        connection = Connection(cli, workdir, make_config(api), ACTIVITY_STREAMS, env=PATH_ENV[path])
        sync_all(connection, api, outcome, Warehouse())
        return outcome


# The changes between two syncs: history backfilled from a newly connected mailbox (45 to 200
# days back), activities of the last days ingested late, meetings booked ahead, old and recent
# activities deleted, a meeting ahead rescheduled and an old call re-processed.
@dataclass
class Changes:
    moves_ingested: bool  # whether People.ai gives a deleted or re-processed activity a new ingested_at
    added: Set[str] = field(default_factory=set)
    changed_old: Set[str] = field(default_factory=set)  # deleted or re-processed, dated before the current chunk
    changed_recent: Set[str] = field(default_factory=set)  # the same, in the current chunk

    def apply(self, api: StandIn) -> None:
        self.added |= set(api.backfill(20, (200, 45))["uids"])
        self.added |= set(api.backfill(3, 2)["uids"])
        self.added |= set(api.schedule(5, (10, 60))["uids"])
        now = api.clock()["now_ms"]
        activities = api.dataset("activities")
        old = [r["uid"] for r in activities if r["activity_timestamp"] < now - 30 * DAY_MS and not r["deleted"]]
        recent = [r["uid"] for r in activities if now - 3 * DAY_MS <= r["activity_timestamp"] < now]
        ahead = [r["uid"] for r in activities if r["activity_timestamp"] > now + 2 * DAY_MS and r["uid"] not in self.added]
        api.delete(old[10:13] + recent[:1], moves_ingested=self.moves_ingested)
        api.reprocess(old[50:51], moves_ingested=self.moves_ingested, set={"sub_type": "re-processed"})
        api.reprocess(ahead[:1], moves_ingested=self.moves_ingested, shift_ms=DAY_MS, set={"meeting_status": "rescheduled"})
        self.changed_old = set(old[10:13] + old[50:51])
        self.changed_recent = set(recent[:1] + ahead[:1])


INGESTION_RULES: Dict[str, Dict[str, Any]] = {
    "documented": {},
    "ingested-to exclusive, read in Tokyo": {
        "ingested_to_exclusive": True, "ingested_time_zone": "Asia/Tokyo",
    },
    "to and ingested-to exclusive, organisation in Los Angeles": {
        "to_exclusive": True, "ignore_time_zone": True, "org_time_zone": "America/Los_Angeles",
    },
    "ingested-* ignored": {"ignore_ingested": True},
    "ingested-* lift the 30-day default": {"ingested_lifts_default": True},
    "nothing listed before its date": {"list_future": False},
    "dates and ingested-* ignored": {"ignore_dates": True, "ignore_ingested": True},
}


def ingestion_story(cli: ConnectorCli, workdir: Path, rules: Dict[str, Any], moves_ingested: bool, path: str) -> Outcome:
    """Three syncs: the first reads everything, then the changes, then a sync, then one more with
    nothing new."""
    list_future = rules.get("list_future", True)
    with private_stand_in(ACTIVITIES, dates=rules) as api:
        outcome = Outcome([], [], [])
        warehouse = Warehouse()
        connection = Connection(cli, workdir, make_config(api), ACTIVITY_STREAMS, "incremental", env=PATH_ENV[path])
        sync_all(connection, api, outcome, warehouse, list_future=list_future)
        before = {s: {key_of(s, r): as_sent(s, r) for r in warehouse.rows(s)} for s in ACTIVITY_STREAMS}
        changes = Changes(moves_ingested)
        changes.apply(api)
        sync_all(connection, api, outcome, warehouse, list_future=list_future)
        sync_all(connection, api, outcome, warehouse, list_future=list_future)
        outcome.notes.update(changes=changes, before=before)
        return outcome


def unseen_changes(outcome: Outcome) -> Dict[str, Dict[tuple, dict]]:
    """The keys whose change the connector cannot see, with the version the destination keeps:
    deleted or re-processed activities dated before the current chunk, when People.ai gives them
    no new ingested_at (README: what an incremental sync cannot learn)."""
    changes: Changes = outcome.notes["changes"]
    if changes.moves_ingested:
        return {}
    before = outcome.notes["before"]
    return {
        stream: {key: row for key, row in before[stream].items() if activity_uid(stream, row) in changes.changed_old}
        for stream in ACTIVITY_STREAMS
    }


FAIL_AFTER_12 = {
    "bursts": [{"status": 503, "every": 12, "times": 1000, "retry_after": 0.1, "paths": [ACTIVITY_PATH]}]
}


def failed_then_resumed(cli: ConnectorCli, workdir: Path) -> Outcome:
    # 19 history chunks of 60 days and the current chunk, one page each: after 12 requests served,
    # every activity request fails (each with a Retry-After of 0.1 s, so that failing takes seconds).
    with private_stand_in(ACTIVITIES, faults=FAIL_AFTER_12) as api:
        outcome = Outcome([], [], [])
        connection = Connection(cli, workdir, make_config(api, window_days=60), ["activity"], "incremental")
        sync_all(connection, api, outcome, Warehouse())
        api.reset()  # no faults from here on
        sync_all(connection, api, outcome, Warehouse())
        return outcome


def state_of_version_0_2_0(cli: ConnectorCli, workdir: Path) -> Outcome:
    with private_stand_in(ACTIVITIES) as api:
        outcome = Outcome([], [], [])
        connection = Connection(cli, workdir, make_config(api), ACTIVITY_STREAMS, "incremental")
        latest = str(api.clock()["now_ms"] - DAY_MS)
        for stream in ACTIVITY_STREAMS:
            connection.states[stream] = {
                "type": "STREAM",
                "stream": {"stream_descriptor": {"name": stream}, "stream_state": {"activity_timestamp": latest}},
            }
        api.backfill(5, (300, 100))  # what 0.2.0 would have missed
        sync_all(connection, api, outcome, Warehouse())
        return outcome


def across_new_year(cli: ConnectorCli, workdir: Path) -> Outcome:
    """Syncs on 31 December, 1 and 2 January: the stand-in's clock and the connector's on those days."""
    days = [dt.date(2026, 12, 31), dt.date(2027, 1, 1), dt.date(2027, 1, 2)]
    with private_stand_in(ACTIVITIES, today=days[0].isoformat()) as api:
        outcome = Outcome([], [], [])
        warehouse = Warehouse()
        connection = Connection(cli, workdir, make_config(api), ACTIVITY_STREAMS, "incremental")
        sync_all(connection, api, outcome, warehouse, on_day=days[0])
        added = set(api.backfill(10, (400, 30))["uids"]) | set(api.schedule(3, (5, 40))["uids"])
        api.set_today(days[1])
        sync_all(connection, api, outcome, warehouse, on_day=days[1])
        added |= set(api.backfill(4, (2, 1))["uids"])
        api.set_today(days[2])
        sync_all(connection, api, outcome, warehouse, on_day=days[2])
        outcome.notes["added"] = added
        return outcome


def default_start(cli: ConnectorCli, workdir: Path) -> Outcome:
    with private_stand_in(ACTIVITIES) as api:
        outcome = Outcome([], [], [])
        config = make_config(api, start_date=None, window_days=None)
        sync_all(Connection(cli, workdir, config, ["activity"]), api, outcome, Warehouse())
        outcome.notes["today"] = today(api)
        return outcome


def two_year_chunks(cli: ConnectorCli, workdir: Path) -> Outcome:
    with private_stand_in(ACTIVITIES) as api:
        outcome = Outcome([], [], [])
        sync_all(Connection(cli, workdir, make_config(api, window_days=730), ACTIVITY_STREAMS), api, outcome, Warehouse())
        return outcome


def iso_history(cli: ConnectorCli, workdir: Path, path: str) -> Outcome:
    return full_history(cli, workdir, path, timestamps="iso")


# (date rules, path) of the first syncs: every rule as Airbyte runs the manifest; through the
# fast path, the rule that needs the widest margins and the API that ignores the dates (the
# fast path warns about it).
FULL_HISTORY = [
    *((rules, AS_WRITTEN) for rules in DATE_RULES),
    ("to exclusive, time-zone ignored, Tokyo", FAST_PATH),
    ("dates ignored", FAST_PATH),
]
# (ingestion rules, whether deletions and re-processing move ingested_at, path) of the stories.
STORIES = [
    ("documented", True, AS_WRITTEN),
    ("documented", False, AS_WRITTEN),
    ("documented", True, FAST_PATH),
    *((rules, True, AS_WRITTEN) for rules in list(INGESTION_RULES)[1:]),
    ("ingested-* ignored", True, FAST_PATH),
    ("nothing listed before its date", False, FAST_PATH),
]


def story_name(rules: str, moves: bool, path: str) -> str:
    return f"story, {rules}, {'changes move ingested_at' if moves else 'changes keep ingested_at'}, {path}"


SCENARIOS: Dict[str, Callable[[ConnectorCli, Path], Outcome]] = {
    # The longest first.
    "failed then resumed": failed_then_resumed,
    "across new year": across_new_year,
    **{
        story_name(rules, moves, path): (
            lambda cli, workdir, rules=rules, moves=moves, path=path: ingestion_story(cli, workdir, INGESTION_RULES[rules], moves, path)
        )
        for rules, moves, path in STORIES
    },
    **{
        f"full history, {rules}, {path}": (
            lambda cli, workdir, rules=rules, path=path: full_history(cli, workdir, path, dates=DATE_RULES[rules])
        )
        for rules, path in FULL_HISTORY
    },
    **{f"full history, ISO timestamps, {path}": (lambda cli, workdir, path=path: iso_history(cli, workdir, path)) for path in (AS_WRITTEN, FAST_PATH)},
    "0.2.0 state": state_of_version_0_2_0,
    "default start": default_start,
    "730-day chunks": two_year_chunks,
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
# The first sync: the whole history exactly once, whatever People.ai's date rules
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("rules, path", FULL_HISTORY)
def test_given_date_rules_when_read_from_the_first_day_then_every_record_arrives_once(
    rules: str, path: str, outcomes: Background
) -> None:
    outcome = outcomes.result(f"full history, {rules}, {path}")

    assert_each_record_once(outcome.runs[0], outcome.due[0])


def test_given_the_first_sync_then_it_reads_meetings_booked_up_to_180_days_ahead(outcomes: Background) -> None:
    outcome = outcomes.result(f"full history, documented, {AS_WRITTEN}")

    ahead = [r for r in outcome.runs[0].records("activity") if r["activity_timestamp"] > r["synced_at"]]
    # The stand-in's 6 meetings ahead and the 2 added just inside the horizon, 180 days ahead.
    assert len(ahead) == 8, [r["uid"] for r in ahead]


def warnings_about(run: CliRun, words: str) -> List[str]:
    return [m["log"]["message"] for m in run.of_type("LOG") if m["log"]["level"] == "WARN" and words in m["log"]["message"]]


def test_given_api_ignores_the_dates_when_read_then_the_fast_path_warns_once_per_stream(outcomes: Background) -> None:
    run = outcomes.result(f"full history, dates ignored, {FAST_PATH}").runs[0]

    warnings = warnings_about(run, "seems to ignore the date range")
    assert sorted(w.split(": the ")[1].split(" ")[0] for w in warnings) == sorted(ACTIVITY_STREAMS), run.describe()


def test_given_dates_honoured_in_the_widest_zone_when_read_then_no_warning(outcomes: Background) -> None:
    run = outcomes.result(f"full history, to exclusive, time-zone ignored, Tokyo, {FAST_PATH}").runs[0]

    assert warnings_about(run, "seems to ignore") == []


@pytest.mark.parametrize("path", [AS_WRITTEN, FAST_PATH])
def test_given_iso_timestamps_when_read_then_every_record_arrives_once_with_epoch_ms(path: str, outcomes: Background) -> None:
    outcome = outcomes.result(f"full history, ISO timestamps, {path}")

    # record_mismatches expects each ISO timestamp the API sent as epoch milliseconds.
    assert isinstance(outcome.due[0]["activity"][0]["activity_timestamp"], str)
    assert_each_record_once(outcome.runs[0], outcome.due[0])
    assert all(isinstance(r["activity_timestamp"], int) for r in outcome.runs[0].records("participants"))


def test_given_no_start_date_when_read_then_exactly_the_activities_from_730_days_ago_to_180_ahead(outcomes: Background) -> None:
    outcome = outcomes.result("default start")

    first_asked = min(dt.date.fromisoformat(r["query"]["from"]) for r in outcome.stats[0]["requests"])
    # The first chunk's first day is 730 days ago; the request asks a day before it.
    assert first_asked == outcome.notes["today"] - dt.timedelta(days=731)
    since = midnight_ms(outcome.notes["today"] - dt.timedelta(days=730))
    wanted = [r for r in outcome.due[0]["activity"] if r["activity_timestamp"] >= since]
    problems = record_mismatches("activity", outcome.runs[0].records("activity"), wanted)
    assert not problems, problems


def test_given_730_day_windows_when_read_then_chunks_of_727_days_keep_every_request_within_2_years(outcomes: Background) -> None:
    outcome = outcomes.result("730-day chunks")

    stats = outcome.stats[0]
    spans = {(dt.date.fromisoformat(r["query"]["to"]) - dt.date.fromisoformat(r["query"]["from"])).days for r in stats["requests"]}
    assert max(spans) <= 730 and "400" not in stats["by_status"], (spans, stats["by_status"])
    # The history chunks after the first start on the 727-day grid counted from 1970-01-01.
    firsts = sorted(dt.date.fromisoformat(q["from"]) + dt.timedelta(days=1) for q in history_requests(stats))
    assert len(firsts) >= 2 and all((day - dt.date(1970, 1, 1)).days % 727 == 0 for day in firsts[1:]), firsts
    assert_each_record_once(outcome.runs[0], outcome.due[0])


# --------------------------------------------------------------------------------------------
# Sync after sync: what People.ai ingested since arrives once, without reading history again
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("rules, moves, path", STORIES)
def test_given_changes_between_syncs_when_synced_again_then_the_tables_hold_every_activity_once_as_people_ai_has_it(
    rules: str, moves: bool, path: str, outcomes: Background
) -> None:
    outcome = outcomes.result(story_name(rules, moves, path))

    assert_each_record_once(outcome.runs[0], outcome.due[0])
    for number in (1, 2):
        run = outcome.runs[number]
        assert run.returncode == 0, run.describe()
        assert_at_most_once(run)
        assert_tables_hold(outcome.tables[number], outcome.due[number], unseen_changes(outcome))


@pytest.mark.parametrize("rules, moves, path", STORIES)
def test_given_changes_between_syncs_when_synced_again_then_each_added_or_changed_activity_arrives_in_that_sync(
    rules: str, moves: bool, path: str, outcomes: Background
) -> None:
    outcome = outcomes.result(story_name(rules, moves, path))

    changes: Changes = outcome.notes["changes"]
    seen = changes.added | changes.changed_recent | (changes.changed_old if moves else set())
    listed = {r["uid"] for r in outcome.due[1]["activity"]}  # without what is not listed before its date
    printed = {r["uid"] for r in outcome.runs[1].records("activity")}
    assert seen & listed and seen & listed <= printed, sorted((seen & listed) - printed)


def read_days(run: CliRun, stream: str) -> Set[dt.date]:
    """The UTC days of the reads of a sync (each record's synced_at)."""
    return {dt.datetime.fromtimestamp(r["synced_at"] / 1000, dt.timezone.utc).date() for r in run.records(stream)}


@pytest.mark.parametrize("rules, moves, path", STORIES)
def test_given_a_sync_from_state_then_every_history_chunk_asks_only_for_what_was_ingested_since(
    rules: str, moves: bool, path: str, outcomes: Background
) -> None:
    outcome = outcomes.result(story_name(rules, moves, path))

    for stream, stream_path in PATHS.items():
        chunks = len(history_requests(outcome.stats[0], stream_path))
        assert chunks >= 6 and all("ingested-from" not in q for q in history_requests(outcome.stats[0], stream_path))
        earlier_reads: Set[dt.date] = set()
        for number in (1, 2):
            earlier_reads |= read_days(outcome.runs[number - 1], stream)
            queries = history_requests(outcome.stats[number], stream_path)
            # Every history chunk once, from one of the earlier reads, minus lookback_days and a day of margin.
            assert len(queries) == chunks, queries
            allowed = {(day - dt.timedelta(days=LOOKBACK_DAYS + 1)).isoformat() for day in earlier_reads}
            assert {q.get("ingested-from") for q in queries} <= allowed, (stream, number, queries, allowed)


@pytest.mark.parametrize("rules, moves, path", STORIES)
def test_given_a_sync_with_nothing_new_then_it_reads_only_the_current_chunk_and_the_last_days_ingested(
    rules: str, moves: bool, path: str, outcomes: Background
) -> None:
    outcome = outcomes.result(story_name(rules, moves, path))

    first, third = (len(outcome.runs[n].records("activity")) for n in (0, 2))
    requests = sum(1 for r in outcome.stats[2]["requests"] if r["path"] == ACTIVITY_PATH)
    assert requests == len(history_requests(outcome.stats[0])) + 1, requests  # a page per chunk
    assert third * 5 <= first, (first, third)


def test_given_state_of_version_0_2_0_when_synced_then_the_whole_history_is_read_again(outcomes: Background) -> None:
    outcome = outcomes.result("0.2.0 state")

    run = outcome.runs[0]
    assert_each_record_once(run, outcome.due[0])
    assert all("ingested-from" not in r["query"] for r in outcome.stats[0]["requests"])
    for stream in ACTIVITY_STREAMS:
        assert set(run.stream_state(stream)) >= {"states", "state"}, run.stream_state(stream)


# --------------------------------------------------------------------------------------------
# A sync that fails part-way, then resumes from its state
# --------------------------------------------------------------------------------------------


def test_given_later_chunks_failing_when_sync_then_fails_loudly_with_the_state_reached(outcomes: Background) -> None:
    outcome = outcomes.result("failed then resumed")

    failed = outcome.runs[0]
    assert outcome.stats[0]["by_status"].get("503"), "the fault was never served"
    assert failed.returncode != 0, failed.describe()
    assert failed.trace_errors, failed.describe()
    assert failed.final_status("activity") == "INCOMPLETE", failed.stream_statuses("activity")
    read_chunks = [s for s in failed.stream_state("activity")["states"] if s["cursor"]["synced_at"] != "1262304000000"]
    assert read_chunks, f"no chunk completed before the failure\n{failed.describe()}"


def test_given_state_of_a_failed_sync_when_rerun_then_completed_chunks_are_not_read_again_and_nothing_is_missing(
    outcomes: Background,
) -> None:
    outcome = outcomes.result("failed then resumed")

    failed, resumed = outcome.runs
    assert resumed.returncode == 0, resumed.describe()
    start = dt.date.fromisoformat(first_day_of(outcome))
    completed = {
        (max(dt.date.fromisoformat(s["partition"]["chunk"]["first_day"]), start) - dt.timedelta(days=1)).isoformat()
        for s in failed.stream_state("activity")["states"]
        if s["partition"]["chunk"]["kind"] == "history" and s["cursor"]["synced_at"] != "1262304000000"
    }
    asked = {r["query"]["from"]: "ingested-from" in r["query"] for r in outcome.stats[1]["requests"] if r["query"]["offset"] == "0"}
    # Each history chunk that completed is asked only for what was ingested since; the others whole.
    assert completed and {day for day, by_ingestion in asked.items() if by_ingestion} == completed, (completed, asked)
    both = failed.records("activity") + resumed.records("activity")
    wanted = {key_of("activity", r) for r in outcome.due[1]["activity"]}
    printed = {key_of("activity", r) for r in both}
    assert printed == wanted, f"missing {sorted(wanted - printed)[:5]}, unknown {sorted(printed - wanted)[:5]}"


# --------------------------------------------------------------------------------------------
# Three syncs in a row across 1 January
# --------------------------------------------------------------------------------------------


def test_given_syncs_on_31_december_1_and_2_january_then_the_tables_hold_every_activity_once_after_each(
    outcomes: Background,
) -> None:
    outcome = outcomes.result("across new year")

    for number, run in enumerate(outcome.runs):
        assert run.returncode == 0, run.describe()
        assert_at_most_once(run)
        assert_tables_hold(outcome.tables[number], outcome.due[number], {})
    printed = {r["uid"] for run in outcome.runs[1:] for r in run.records("activity")}
    assert outcome.notes["added"] <= printed
