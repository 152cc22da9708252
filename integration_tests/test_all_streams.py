"""Every stream of the connector in one read, end to end, against the stand-in's whole dataset.

The stand-in serves every People.ai resource the connector reads, with ids that join: a read of
all 12 streams must hold each record exactly once, with the values the API sent, and the ids an
activity refers to must exist in the streams of those objects. A key of another API type (403 on
one endpoint) must fail that stream, naming it, and leave the others complete.

Both reads get a stand-in of their own and run at once, in the background.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Dict, List, Sequence

import pytest
from stand_in import StandIn

from integration_tests.connector_cli import (
    ALL_STREAMS,
    DATASET_NAMES,
    ENGAGEMENT_STREAMS,
    Background,
    CliRun,
    Connection,
    ConnectorCli,
    record_mismatches,
)
from integration_tests.stand_in_session import (
    VALID_CONFIG_PATH,
    first_day,
    private_stand_in,
    read_config,
    today,
)

ACTIVITIES = 300
ACCOUNTS_PATH = "/v0/public/accounts"
# Engagement levels reach back 90 days; the connector asks no further back than that.
ENGAGEMENT_DAYS = 90

CREDENTIALS = read_config(VALID_CONFIG_PATH)


@dataclass
class Read:
    run: CliRun
    expected: Dict[str, List[dict]]  # by stream: the stand-in's records the read should hold


def expected_records(
    api: StandIn, streams: Sequence[str], start_date: dt.date
) -> Dict[str, List[dict]]:
    expected = {stream: api.dataset(DATASET_NAMES[stream]) for stream in streams}
    since = max(start_date, today(api) - dt.timedelta(days=ENGAGEMENT_DAYS)).isoformat()
    for stream in set(streams) & set(ENGAGEMENT_STREAMS):
        expected[stream] = [record for record in expected[stream] if record["date"] >= since]
    return expected


def read_streams(
    cli: ConnectorCli, workdir: Path, streams: Sequence[str], faults: Dict[str, Any]
) -> Read:
    with private_stand_in(ACTIVITIES, faults=faults) as api:
        start_date = first_day(api)
        config = {
            "api_key": CREDENTIALS["api_key"],
            "api_secret": CREDENTIALS["api_secret"],
            "base_url": api.url,
            "page_size": 1000,
            "requests_per_second": 1000,
            "start_date": start_date.isoformat(),
            "window_days": 365,
        }
        run = Connection(cli, workdir, config, streams).sync()
        return Read(run, expected_records(api, streams, start_date))


# With accounts refused: streams of every kind besides.
BESIDE_ACCOUNTS = ("activity", "opportunities", "teams", "account_engagement")


@pytest.fixture(scope="module")
def reads(cli: ConnectorCli, tmp_path_factory: pytest.TempPathFactory):
    jobs = Background(workers=2)
    jobs.start("all", read_streams, cli, tmp_path_factory.mktemp("all"), ALL_STREAMS, {})
    jobs.start(
        "accounts forbidden", read_streams, cli, tmp_path_factory.mktemp("forbidden"),
        ("accounts", *BESIDE_ACCOUNTS), {"forbidden_paths": [ACCOUNTS_PATH]},
    )
    yield jobs
    jobs.close()


@pytest.fixture(scope="module")
def full_read(reads: Background) -> Read:
    read = reads.result("all")
    assert read.run.returncode == 0, read.run.describe()
    return read


# --------------------------------------------------------------------------------------------
# Every record of every stream, exactly once
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("stream", ALL_STREAMS)
def test_given_all_streams_selected_when_read_then_each_record_arrives_once_as_the_api_holds_it(
    stream: str, full_read: Read
) -> None:
    assert full_read.expected[stream], f"the stand-in holds no {stream} records"
    problems = record_mismatches(stream, full_read.run.records(stream), full_read.expected[stream])
    assert not problems, problems


def test_given_all_streams_selected_when_read_then_each_ends_complete(full_read: Read) -> None:
    statuses = {stream: full_read.run.final_status(stream) for stream in ALL_STREAMS}
    assert statuses == {stream: "COMPLETE" for stream in ALL_STREAMS}


def test_given_all_streams_selected_when_read_then_engagement_covers_the_last_90_days(
    full_read: Read,
) -> None:
    for stream in ENGAGEMENT_STREAMS:
        dates = {record["date"] for record in full_read.run.records(stream)}
        assert len(dates) == ENGAGEMENT_DAYS, (stream, min(dates), max(dates), len(dates))


# --------------------------------------------------------------------------------------------
# The ids join
# --------------------------------------------------------------------------------------------


def ids(run: CliRun, stream: str) -> set:
    return {record["id"] for record in run.records(stream)}


def dangling(run: CliRun, stream: str, field: str, target: str) -> List[tuple]:
    """(key, id) of each record of `stream` whose `field` (an id, or a list of ids) is set and
    not the id of a record of `target`."""
    known = ids(run, target)
    missing = []
    for record in run.records(stream):
        value = record.get(field)
        for each in value if isinstance(value, list) else [value]:
            if each is not None and each not in known:
                missing.append((record.get("uid") or record.get("id"), each))
    return missing


@pytest.mark.parametrize(
    "stream, field, target",
    [
        ("activity", "account_id", "accounts"),
        ("activity", "opportunity_id", "opportunities"),
        ("activity", "opportunity_ids", "opportunities"),
        ("activity", "lead_id", "leads"),
        ("activity", "user_id", "team_members"),
        ("participants", "account_id", "accounts"),
        ("participants", "user_id", "team_members"),
        ("opportunities", "account_id", "accounts"),
        ("contacts", "account_id", "accounts"),
        ("team_members", "team_id", "teams"),
    ],
)
def test_given_all_streams_read_then_every_id_set_on_a_record_exists_in_its_stream(
    stream: str, field: str, target: str, full_read: Read
) -> None:
    run = full_read.run
    set_somewhere = [
        record for record in run.records(stream) if record.get(field) not in (None, [])
    ]
    assert set_somewhere, f"no {stream} record has {field} set: nothing to join"
    missing = dangling(run, stream, field, target)
    assert not missing, f"{len(missing)} {stream}.{field} not in {target}: {missing[:5]}"


# --------------------------------------------------------------------------------------------
# A key of another API type
# --------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def forbidden_read(reads: Background) -> Read:
    return reads.result("accounts forbidden")


def test_given_key_refused_on_accounts_when_read_then_fails_with_a_config_error_naming_accounts(
    forbidden_read: Read,
) -> None:
    run = forbidden_read.run
    assert run.returncode != 0, run.describe()
    config_errors = [e for e in run.trace_errors if e.get("failure_type") == "config_error"]
    assert any(
        "accounts" in e["message"] and "403" in e["message"] and "deselect" in e["message"]
        for e in config_errors
    ), run.describe()
    assert run.final_status("accounts") == "INCOMPLETE", run.stream_statuses("accounts")
    assert not run.records("accounts")


def test_given_key_refused_on_accounts_when_read_then_the_other_streams_complete(
    forbidden_read: Read,
) -> None:
    run = forbidden_read.run
    for stream in BESIDE_ACCOUNTS:
        assert run.final_status(stream) == "COMPLETE", (stream, run.stream_statuses(stream))
        problems = record_mismatches(stream, run.records(stream), forbidden_read.expected[stream])
        assert not problems, problems
