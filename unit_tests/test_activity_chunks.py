"""Activity chunks on a first read: the exact dates of every request, and every record exactly once.

History chunks are window_days long, counted from 1970-01-01, clipped to start_date and to the
current chunk; the current chunk runs from lookback_days before today to 180 days ahead. The
clock is frozen at 2026-06-15 12:00 UTC (clock.py) unless a test sets another.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import List

import pytest
from airbyte_cdk.models import AirbyteStreamStatus, Level, SyncMode
from airbyte_cdk.test.entrypoint_wrapper import EntrypointOutput, read
from airbyte_cdk.test.mock_http import HttpMocker

from unit_tests.chunks import (
    DAY_MS,
    HOUR_MS,
    NOW_MS,
    at,
    days_ago,
    expected_query,
    mock_chunk,
    mock_current,
    ms,
    uids,
)
from unit_tests.clock import set_clock
from unit_tests.config import HORIZON, TODAY, ConfigBuilder
from unit_tests.harness import build_source, catalog_for, read_streams, records_of
from unit_tests.request_builder import ACTIVITIES_PATH, PARTICIPANTS_PATH, RequestBuilder, sent_requests
from unit_tests.response_builder import participant, token_response

CURRENT = days_ago(7)  # the current chunk's first day, with the default lookback_days


def _queries(http_mocker: HttpMocker, path: str = ACTIVITIES_PATH):
    return sorted((r.query for r in sent_requests(http_mocker, path)), key=lambda q: q["from"])


def test_given_start_date_200_days_back_when_read_then_asks_each_fixed_chunk_clipped_and_the_current_chunk() -> None:
    # 2026-06-15 minus 200 days is 2025-11-27, inside the fixed chunk 2025-09-09..2025-12-07
    # (90-day chunks from 1970-01-01); the last history chunk ends where the current one starts.
    chunks = [
        (date(2025, 11, 27), date(2025, 12, 7)),
        (date(2025, 12, 8), date(2026, 3, 7)),
        (date(2026, 3, 8), date(2026, 6, 5)),
        (date(2026, 6, 6), date(2026, 6, 7)),
        (date(2026, 6, 8), date(2026, 12, 12)),  # the current chunk: 7 days back to 180 ahead
    ]
    with HttpMocker() as http_mocker:
        http_mocker.post(RequestBuilder.token().build(), token_response())
        for first, last in chunks:
            mock_chunk(http_mocker, first, last, [])

        output = read_streams(ConfigBuilder().with_start_date("2025-11-27").build())

        queries = _queries(http_mocker)
    assert not output.errors
    # A day before each range and two after it, in UTC; no ingestion window on a first read.
    assert queries == [expected_query(first, last) for first, last in chunks]
    assert queries[0]["from"] == "2025-11-26"
    assert queries[-1]["to"] == "2026-12-14"


def test_given_window_days_5_when_read_then_history_chunks_are_5_days_long() -> None:
    # 5-day chunks from 1970-01-01: one runs 2026-05-27..31, so start_date 2026-05-30 clips it.
    start = days_ago(16)  # 2026-05-30
    chunks = [
        (date(2026, 5, 30), date(2026, 5, 31)),
        (date(2026, 6, 1), date(2026, 6, 5)),
        (date(2026, 6, 6), date(2026, 6, 7)),
        (CURRENT, HORIZON),
    ]
    with HttpMocker() as http_mocker:
        http_mocker.post(RequestBuilder.token().build(), token_response())
        for first, last in chunks:
            mock_chunk(http_mocker, first, last, [])

        read_streams(ConfigBuilder().with_start_date(start.isoformat()).with_window_days(5).build())

        queries = _queries(http_mocker)
    assert queries == [expected_query(first, last) for first, last in chunks]


def test_given_no_start_date_and_730_day_windows_when_read_then_chunks_of_727_days_start_730_days_ago() -> None:
    # window_days 730 counts as 727: with the day before and the two after, a request then asks
    # 730 days, People.ai's limit.
    chunks = [(date(2024, 6, 15), date(2025, 9, 24)), (date(2025, 9, 25), date(2026, 6, 7)), (CURRENT, HORIZON)]
    with HttpMocker() as http_mocker:
        http_mocker.post(RequestBuilder.token().build(), token_response())
        for first, last in chunks:
            mock_chunk(http_mocker, first, last, [])

        output = read_streams(ConfigBuilder().without("start_date").with_window_days(730).build())

        queries = _queries(http_mocker)
    assert not output.errors
    assert queries == [expected_query(first, last) for first, last in chunks]
    assert TODAY - timedelta(days=730) == date(2024, 6, 15)


def test_given_1_january_when_read_then_chunks_are_the_same_fixed_ranges_as_any_other_day(monkeypatch) -> None:
    set_clock(monkeypatch, "2027-01-01T00:30:00Z")
    chunks = [
        (date(2026, 10, 1), date(2026, 12, 2)),
        (date(2026, 12, 3), date(2026, 12, 24)),
        (date(2026, 12, 25), date(2027, 6, 30)),  # the current chunk
    ]
    with HttpMocker() as http_mocker:
        http_mocker.post(RequestBuilder.token().build(), token_response())
        for first, last in chunks:
            mock_chunk(http_mocker, first, last, [])

        output = read_streams(ConfigBuilder().with_start_date("2026-10-01").build())

        queries = _queries(http_mocker)
    assert not output.errors
    assert queries == [expected_query(first, last) for first, last in chunks]


def test_given_start_date_within_lookback_days_when_read_then_only_the_current_chunk_from_start_date() -> None:
    with HttpMocker() as http_mocker:
        http_mocker.post(RequestBuilder.token().build(), token_response())
        mock_current(http_mocker, TODAY, [])

        output = read_streams(ConfigBuilder().with_start_date(TODAY.isoformat()).build())

        queries = _queries(http_mocker)
    assert not output.errors
    assert queries == [expected_query(TODAY, HORIZON)]


def test_given_the_clock_passing_midnight_after_start_up_when_read_then_every_chunk_keeps_the_start_up_dates(
    monkeypatch,
) -> None:
    # The bounds are fixed when the connector starts (config normalization), so a sync that runs
    # across midnight cannot leave a day between the last history chunk and the current one.
    config = ConfigBuilder().with_start_date(days_ago(9).isoformat()).build()
    catalog = catalog_for("activity")
    source = build_source(config, catalog)
    set_clock(monkeypatch, "2026-06-16T00:00:01Z")
    with HttpMocker() as http_mocker:
        http_mocker.post(RequestBuilder.token().build(), token_response())
        mock_chunk(http_mocker, days_ago(9), days_ago(8), [])
        mock_current(http_mocker, CURRENT, [])

        output = read(source, config, catalog)

        queries = _queries(http_mocker)
    assert not output.errors
    assert queries == [expected_query(days_ago(9), days_ago(8)), expected_query(CURRENT, HORIZON)]


def test_given_records_at_every_edge_returned_by_both_neighbours_when_read_then_each_arrives_once() -> None:
    # Each request asks for more than its range, so a record near an edge comes in two answers.
    start = date(2026, 3, 1)  # in the chunk 2025-12-08..2026-03-07
    edge = date(2026, 3, 8)  # the first day of the next fixed chunk, 2026-03-08..06-05
    edge_records = [
        at("before-start-date", ms(start) - 1),
        at("start-date", ms(start)),
        at("last-ms-before-chunk-edge", ms(edge) - 1),
        at("chunk-edge", ms(edge)),
        at("last-ms-of-history", ms(CURRENT) - 1),
        at("first-ms-of-current", ms(CURRENT)),
        at("meeting-on-the-last-day-ahead", ms(HORIZON, 23, 59)),
        at("meeting-beyond-the-horizon", ms(HORIZON + timedelta(1)), ingested_at=NOW_MS - HOUR_MS),
    ]
    with HttpMocker() as http_mocker:
        http_mocker.post(RequestBuilder.token().build(), token_response())
        mock_chunk(http_mocker, start, edge - timedelta(1), edge_records[:4])
        mock_chunk(http_mocker, edge, date(2026, 6, 5), edge_records[2:4])
        mock_chunk(http_mocker, date(2026, 6, 6), days_ago(8), edge_records[4:6])
        mock_current(http_mocker, CURRENT, edge_records[4:])

        output = read_streams(ConfigBuilder().with_start_date(start.isoformat()).build())

    assert uids(records_of(output, "activity")) == sorted(
        ["start-date", "last-ms-before-chunk-edge", "chunk-edge", "last-ms-of-history", "first-ms-of-current",
         "meeting-on-the-last-day-ahead"]
    )


def test_given_meetings_booked_ahead_when_read_then_the_current_chunk_delivers_them() -> None:
    ahead = [
        at("meeting-next-week", ms(TODAY + timedelta(7), 15), ingested_at=NOW_MS - 30 * DAY_MS),
        at("meeting-in-five-months", ms(TODAY + timedelta(150), 9), ingested_at=NOW_MS - HOUR_MS),
    ]
    with HttpMocker() as http_mocker:
        http_mocker.post(RequestBuilder.token().build(), token_response())
        mock_current(http_mocker, days_ago(5), ahead)

        output = read_streams(ConfigBuilder().build(), sync_mode=SyncMode.incremental)

    assert uids(records_of(output, "activity")) == ["meeting-in-five-months", "meeting-next-week"]


def test_given_api_ignores_the_dates_when_read_then_each_chunk_keeps_only_its_own_records() -> None:
    start = days_ago(9)
    everything = [
        at("before-start-date", ms(start) - DAY_MS),
        at("in-history", ms(start, 12)),
        at("in-current", ms(days_ago(2), 12)),
    ]
    with HttpMocker() as http_mocker:
        http_mocker.post(RequestBuilder.token().build(), token_response())
        mock_chunk(http_mocker, start, days_ago(8), everything)
        mock_current(http_mocker, CURRENT, everything)

        output = read_streams(ConfigBuilder().with_start_date(start.isoformat()).build())

    # Records older than start_date are not asked for, and not kept when they come anyway.
    assert uids(records_of(output, "activity")) == ["in-current", "in-history"]


def test_given_a_record_ingested_after_the_read_started_when_read_then_it_is_left_for_the_next_sync() -> None:
    # The read's ingestion window ends when the read starts (now): the cursor says so, and the
    # next sync starts its ingestion window before it.
    with HttpMocker() as http_mocker:
        http_mocker.post(RequestBuilder.token().build(), token_response())
        mock_current(
            http_mocker,
            days_ago(5),
            [at("ingested-at-the-read", ms(days_ago(1)), ingested_at=NOW_MS),
             at("ingested-after-it", ms(days_ago(1)), ingested_at=NOW_MS + 1)],
        )

        output = read_streams(ConfigBuilder().build())

    assert uids(records_of(output, "activity")) == ["ingested-at-the-read"]


def test_given_records_without_activity_timestamp_or_ingested_at_when_read_then_they_are_kept() -> None:
    no_time = at("no-time", None)
    del no_time["activity_timestamp"]
    no_ingestion = at("no-ingestion", ms(days_ago(3)))
    del no_ingestion["ingested_at"]
    with HttpMocker() as http_mocker:
        http_mocker.post(RequestBuilder.token().build(), token_response())
        mock_current(http_mocker, days_ago(5), [no_time, no_ingestion])

        output = read_streams(ConfigBuilder().build())

    assert uids(records_of(output, "activity")) == ["no-ingestion", "no-time"]


def test_when_read_then_every_record_carries_synced_at_the_start_of_its_read() -> None:
    with HttpMocker() as http_mocker:
        http_mocker.post(RequestBuilder.token().build(), token_response())
        mock_current(http_mocker, days_ago(5), [at("a", ms(days_ago(2))), at("b", ms(TODAY + timedelta(30)))])

        output = read_streams(ConfigBuilder().build())

    assert {r["uid"]: r["synced_at"] for r in records_of(output, "activity")} == {"a": NOW_MS, "b": NOW_MS}


@pytest.mark.parametrize("stream, path", [("activity", ACTIVITIES_PATH), ("participants", PARTICIPANTS_PATH)])
def test_given_include_deleted_when_read_then_every_request_asks_for_deleted_records_too(stream: str, path: str) -> None:
    deleted = (
        at("deleted", ms(days_ago(9), 10), deleted=True)
        if stream == "activity"
        else participant("deleted", "a@acme.example", activity_timestamp=ms(days_ago(9), 10), deleted=True)
    )
    with HttpMocker() as http_mocker:
        http_mocker.post(RequestBuilder.token().build(), token_response())
        mock_chunk(http_mocker, days_ago(9), days_ago(8), [deleted], path=path, include_deleted=True)
        mock_chunk(http_mocker, CURRENT, HORIZON, [], path=path, include_deleted=True)

        output = read_streams(ConfigBuilder().with_start_date(days_ago(9).isoformat()).with_include_deleted().build(), stream)

        queries = [r.query for r in sent_requests(http_mocker, path)]
    assert not output.errors
    assert len(queries) == 2 and all(q["include-deleted"] == "true" for q in queries)
    (record,) = records_of(output, stream)
    assert record["deleted"] is True


def test_given_include_deleted_off_when_read_then_no_request_names_it() -> None:
    with HttpMocker() as http_mocker:
        http_mocker.post(RequestBuilder.token().build(), token_response())
        mock_current(http_mocker, days_ago(5), [])

        read_streams(ConfigBuilder().with_include_deleted(False).build())

        (query,) = [r.query for r in sent_requests(http_mocker, ACTIVITIES_PATH)]
    assert "include-deleted" not in query


def test_given_participants_when_read_then_they_are_chunked_on_their_activity_timestamp() -> None:
    rows = [
        participant("act-1", "a@acme.example", activity_timestamp=ms(CURRENT) - 1),
        participant("act-2", "b@acme.example", activity_timestamp=ms(CURRENT)),
    ]
    with HttpMocker() as http_mocker:
        http_mocker.post(RequestBuilder.token().build(), token_response())
        mock_chunk(http_mocker, days_ago(9), days_ago(8), rows, path=PARTICIPANTS_PATH)
        mock_current(http_mocker, CURRENT, rows, path=PARTICIPANTS_PATH)

        output = read_streams(ConfigBuilder().with_start_date(days_ago(9).isoformat()).build(), "participants")

        queries = _queries(http_mocker, PARTICIPANTS_PATH)
    assert queries == [expected_query(days_ago(9), days_ago(8)), expected_query(CURRENT, HORIZON)]
    assert sorted((r["uid"], r["email"]) for r in records_of(output, "participants")) == [
        ("act-1", "a@acme.example"),
        ("act-2", "b@acme.example"),
    ]
    assert output.get_stream_statuses("participants")[-1] == AirbyteStreamStatus.COMPLETE


def test_given_iso_8601_activity_timestamps_when_read_then_chunks_place_them_exactly_once() -> None:
    records = [
        at("iso-first-of-current", f"{CURRENT.isoformat()}T00:00:00.000Z"),
        at("iso-last-of-history", f"{(CURRENT - timedelta(1)).isoformat()}T23:59:59.999Z"),
    ]
    with HttpMocker() as http_mocker:
        http_mocker.post(RequestBuilder.token().build(), token_response())
        mock_chunk(http_mocker, days_ago(9), days_ago(8), records)
        mock_current(http_mocker, CURRENT, records)

        output = read_streams(ConfigBuilder().with_start_date(days_ago(9).isoformat()).build())

    # They come out in the API's documented form, epoch milliseconds, like every other record.
    assert {r["uid"]: r["activity_timestamp"] for r in records_of(output, "activity")} == {
        "iso-first-of-current": ms(CURRENT),
        "iso-last-of-history": ms(CURRENT) - 1,
    }


def test_given_iso_8601_timestamps_in_any_field_when_read_then_all_become_epoch_milliseconds() -> None:
    record = at(
        "iso-everywhere",
        f"{days_ago(3).isoformat()}T10:00:00Z",
        created_at="2026-06-12T10:00:01.500+00:00",
        ingested_at="2026-06-12T12:00:00+02:00",
        modified_at=ms(days_ago(1)),
        meeting_start_time="2026-06-12T10:00:00Z",
        meeting_end_time=None,
    )
    with HttpMocker() as http_mocker:
        http_mocker.post(RequestBuilder.token().build(), token_response())
        mock_current(http_mocker, days_ago(5), [record])

        output = read_streams(ConfigBuilder().build())

    (emitted,) = records_of(output, "activity")
    assert emitted["activity_timestamp"] == ms(days_ago(3), 10)
    assert emitted["created_at"] == ms(days_ago(3), 10) + 1500
    assert emitted["ingested_at"] == ms(days_ago(3), 10)
    assert emitted["modified_at"] == ms(days_ago(1))
    assert emitted["meeting_start_time"] == ms(days_ago(3), 10)
    assert "meeting_end_time" not in emitted  # null, and the CDK leaves top-level nulls out


# --------------------------------------------------------------------------------------------
# Warnings when People.ai seems to ignore the dates (source_peopleai's fast path only)
# --------------------------------------------------------------------------------------------

DATES_IGNORED = "People.ai seems to ignore the date range"


def warnings_starting(output: EntrypointOutput, prefix: str) -> List[str]:
    return [
        log.log.message
        for log in output.logs
        if log.log.level == Level.WARN and log.log.message.startswith(prefix)
    ]


def skip_where_nothing_can_log(run_path: str) -> None:
    if run_path == "manifest_only":
        pytest.skip("the manifest has no way to log: only source_peopleai's fast path warns (README, Limitations)")


def test_given_api_ignores_the_dates_when_read_then_warns_naming_stream_range_and_record_day(run_path: str) -> None:
    skip_where_nothing_can_log(run_path)
    start = days_ago(9)
    with HttpMocker() as http_mocker:
        http_mocker.post(RequestBuilder.token().build(), token_response())
        mock_chunk(http_mocker, start, days_ago(8), [at("four-days-early", ms(start) - 4 * DAY_MS), at("in", ms(start, 12))])
        mock_current(http_mocker, CURRENT, [])

        output = read_streams(ConfigBuilder().with_start_date(start.isoformat()).build())

    assert uids(records_of(output, "activity")) == ["in"]
    assert warnings_starting(output, DATES_IGNORED) == [
        f"People.ai seems to ignore the date range: the activity range {start} to {days_ago(8)} was "
        f"answered with a record of {start - timedelta(4)}. Every record is still delivered once (each "
        "chunk keeps only its own), but every read asks for more than it needs: a larger window_days "
        "makes such syncs faster. Logged once per stream."
    ]


def test_given_api_ignores_the_dates_in_every_chunk_of_both_streams_then_warns_once_per_stream(run_path: str) -> None:
    skip_where_nothing_can_log(run_path)
    start = days_ago(19)
    chunks = [(start, date(2026, 5, 31)), (date(2026, 6, 1), date(2026, 6, 5)), (date(2026, 6, 6), days_ago(8))]
    long_ago = ms(start) - 100 * DAY_MS
    with HttpMocker() as http_mocker:
        http_mocker.post(RequestBuilder.token().build(), [token_response(), token_response()])
        for first, last in [*chunks, (CURRENT, HORIZON)]:
            mock_chunk(http_mocker, first, last, [at("long-ago", long_ago)])
            mock_chunk(
                http_mocker, first, last,
                [participant("long-ago", "a@acme.example", activity_timestamp=long_ago)], path=PARTICIPANTS_PATH,
            )

        output = read_streams(
            ConfigBuilder().with_start_date(start.isoformat()).with_window_days(5).build(), "activity", "participants"
        )

    assert not output.records
    warnings = warnings_starting(output, DATES_IGNORED)
    assert len(warnings) == 2, warnings
    assert sorted(w.split(": the ")[1].split(" ")[0] for w in warnings) == ["activity", "participants"], warnings


def test_given_records_an_honoured_range_can_return_in_any_zone_when_read_then_no_warning() -> None:
    # Asked from the day before the range to two days after: read in UTC+14, the range starts
    # 38 hours before the chunk; read in UTC-12 with `to` inclusive, it ends 60 hours after it.
    start = days_ago(9)
    earliest, latest = ms(start) - 38 * HOUR_MS, ms(CURRENT) + 60 * HOUR_MS - 1
    with HttpMocker() as http_mocker:
        http_mocker.post(RequestBuilder.token().build(), token_response())
        mock_chunk(http_mocker, start, days_ago(8), [at("earliest", earliest), at("first", ms(start)), at("latest", latest)])
        mock_current(http_mocker, CURRENT, [at("latest", latest)])

        output = read_streams(ConfigBuilder().with_start_date(start.isoformat()).build())

    assert uids(records_of(output, "activity")) == ["first", "latest"]
    assert warnings_starting(output, "People.ai seems to ignore") == []
