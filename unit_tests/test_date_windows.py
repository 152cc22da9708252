"""Date windows: the exact date range of every request, and every record exactly once."""

from __future__ import annotations

from datetime import timedelta
from typing import List

import pytest
from airbyte_cdk.models import AirbyteStreamStatus, Level
from airbyte_cdk.test.entrypoint_wrapper import EntrypointOutput
from airbyte_cdk.test.mock_http import HttpMocker

from unit_tests.config import ConfigBuilder
from unit_tests.date_windows import DAY_MS, TODAY, at, days_ago, expected_query, mock_window, ms, uids
from unit_tests.harness import read_streams, records_of
from unit_tests.request_builder import ACTIVITIES_PATH, PARTICIPANTS_PATH, RequestBuilder, sent_requests
from unit_tests.response_builder import error_response, participant, token_response


def _sorted_queries(http_mocker: HttpMocker, path: str = ACTIVITIES_PATH):
    return sorted((r.query for r in sent_requests(http_mocker, path)), key=lambda q: q["from"])


def test_given_start_date_200_days_back_when_read_then_three_90_day_windows_each_asked_wider() -> None:
    # 90 days by default: measured against a 5 requests/s API, it reads two years faster than
    # 30-day windows (fewer short last pages) and fails sooner when the API is down.
    start = days_ago(200)
    windows = [(start, start + timedelta(89)), (start + timedelta(90), start + timedelta(179)), (start + timedelta(180), TODAY)]
    with HttpMocker() as http_mocker:
        http_mocker.post(RequestBuilder.token().build(), token_response())
        for first, last in windows:
            mock_window(http_mocker, first, last, [])

        output = read_streams(ConfigBuilder().with_start_date(start.isoformat()).build())

        queries = _sorted_queries(http_mocker)
    assert not output.errors
    # A day before each window and two after it, in UTC; offset paging starts at 0 in each.
    assert queries == [expected_query(first, last) for first, last in windows]
    assert queries[0]["from"] == (start - timedelta(1)).isoformat()
    assert queries[-1]["to"] == (TODAY + timedelta(2)).isoformat()


def test_given_window_days_5_when_read_then_windows_are_5_days_long() -> None:
    start = days_ago(9)
    windows = [(start, start + timedelta(4)), (start + timedelta(5), TODAY)]
    with HttpMocker() as http_mocker:
        http_mocker.post(RequestBuilder.token().build(), token_response())
        for first, last in windows:
            mock_window(http_mocker, first, last, [])

        read_streams(ConfigBuilder().with_start_date(start.isoformat()).with_window_days(5).build())

        queries = _sorted_queries(http_mocker)
    assert queries == [expected_query(first, last) for first, last in windows]


def test_given_no_start_date_when_read_then_first_window_starts_730_days_ago() -> None:
    start = days_ago(730)
    with HttpMocker() as http_mocker:
        http_mocker.post(RequestBuilder.token().build(), token_response())
        mock_window(http_mocker, start, TODAY - timedelta(1), [])
        mock_window(http_mocker, TODAY, TODAY, [])

        output = read_streams(ConfigBuilder().without("start_date").with_window_days(730).build())

        queries = _sorted_queries(http_mocker)
    assert not output.errors
    assert queries == [expected_query(start, TODAY - timedelta(1)), expected_query(TODAY, TODAY)]


def test_given_records_at_window_edges_returned_by_both_windows_when_read_then_each_arrives_once() -> None:
    start = days_ago(9)
    second = start + timedelta(5)
    edge_records = [
        at("last-ms-of-first-window", ms(second) - 1),
        at("midnight-starting-second-window", ms(second)),
        at("first-ms-of-read", ms(start)),
        at("an-hour-into-today", ms(TODAY, 1)),
    ]
    with HttpMocker() as http_mocker:
        http_mocker.post(RequestBuilder.token().build(), token_response())
        # The wider ranges overlap: both windows' answers hold the records near their shared edge.
        mock_window(http_mocker, start, second - timedelta(1), edge_records[:3])
        mock_window(http_mocker, second, TODAY, edge_records[:2] + edge_records[3:])

        output = read_streams(ConfigBuilder().with_start_date(start.isoformat()).with_window_days(5).build())

    assert uids(records_of(output, "activity")) == sorted(r["uid"] for r in edge_records)


def test_given_api_ignores_the_dates_when_read_then_each_window_keeps_only_its_own_records() -> None:
    start = days_ago(9)
    second = start + timedelta(5)
    everything = [
        at("before-start-date", ms(start) - DAY_MS),
        at("in-first", ms(start, 12)),
        at("in-second", ms(second, 12)),
    ]
    with HttpMocker() as http_mocker:
        http_mocker.post(RequestBuilder.token().build(), token_response())
        mock_window(http_mocker, start, second - timedelta(1), everything)
        mock_window(http_mocker, second, TODAY, everything)

        output = read_streams(ConfigBuilder().with_start_date(start.isoformat()).with_window_days(5).build())

    # Records older than start_date are not asked for, and not kept when they come anyway.
    assert uids(records_of(output, "activity")) == ["in-first", "in-second"]


HOUR_MS = 3_600_000
DATES_IGNORED = "People.ai seems to ignore the date range"


def dates_ignored_warnings(output: EntrypointOutput) -> List[str]:
    return [
        log.log.message
        for log in output.logs
        if log.log.level == Level.WARN and log.log.message.startswith(DATES_IGNORED)
    ]


def skip_where_nothing_can_log(run_path: str) -> None:
    if run_path == "manifest_only":
        pytest.skip("the manifest has no way to log: only source_peopleai's fast path warns (README, Limitations)")


def test_given_api_ignores_the_dates_when_read_then_warns_naming_stream_window_and_record_day(run_path: str) -> None:
    skip_where_nothing_can_log(run_path)
    start = days_ago(9)
    with HttpMocker() as http_mocker:
        http_mocker.post(RequestBuilder.token().build(), token_response())
        mock_window(http_mocker, start, TODAY, [at("four-days-early", ms(start) - 4 * DAY_MS), at("in", ms(start, 12))])

        output = read_streams(ConfigBuilder().with_start_date(start.isoformat()).build())

    assert uids(records_of(output, "activity")) == ["in"]
    assert dates_ignored_warnings(output) == [
        f"People.ai seems to ignore the date range: the activity window {start} to {TODAY} was answered "
        f"with a record of {start - timedelta(4)}. Every record is still delivered once (each window keeps "
        "only its own), but every window reads more than it needs: a larger window_days makes such syncs "
        "faster. Logged once per stream."
    ]


def test_given_api_ignores_the_dates_in_every_window_of_both_streams_then_warns_once_per_stream(run_path: str) -> None:
    skip_where_nothing_can_log(run_path)
    start = days_ago(19)
    windows = [(start + timedelta(5 * n), min(start + timedelta(5 * n + 4), TODAY)) for n in range(4)]
    long_ago = ms(start) - 100 * DAY_MS
    with HttpMocker() as http_mocker:
        http_mocker.post(RequestBuilder.token().build(), [token_response(), token_response()])
        for first, last in windows:
            mock_window(http_mocker, first, last, [at("long-ago", long_ago)])
            mock_window(http_mocker, first, last, [participant("long-ago", "a@acme.example", activity_timestamp=long_ago)], path=PARTICIPANTS_PATH)

        output = read_streams(
            ConfigBuilder().with_start_date(start.isoformat()).with_window_days(5).build(), "activity", "participants"
        )

    assert not output.records
    warnings = dates_ignored_warnings(output)
    assert len(warnings) == 2, warnings
    assert sorted(w.split(" window ")[0].rsplit(" ", 1)[1] for w in warnings) == ["activity", "participants"]


def test_given_records_an_honoured_range_can_return_in_any_zone_when_read_then_no_warning() -> None:
    # Asked from the day before the window to two days after: read in UTC+14, the range starts
    # 38 hours before the window; read in UTC-12 with `to` inclusive, it ends 60 hours after it.
    start, second = days_ago(19), days_ago(9)
    earliest, latest = ms(start) - 38 * HOUR_MS, ms(second) + 60 * HOUR_MS - 1
    answer = [at("earliest", earliest), at("first", ms(start)), at("latest", latest)]
    with HttpMocker() as http_mocker:
        http_mocker.post(RequestBuilder.token().build(), token_response())
        mock_window(http_mocker, start, second - timedelta(1), answer)
        mock_window(http_mocker, second, TODAY, [at("latest", latest)])

        output = read_streams(ConfigBuilder().with_start_date(start.isoformat()).with_window_days(10).build())

    assert uids(records_of(output, "activity")) == ["first", "latest"]
    assert dates_ignored_warnings(output) == []


def test_given_record_without_activity_timestamp_when_read_then_it_is_kept() -> None:
    record = at("no-time", None)
    del record["activity_timestamp"]
    with HttpMocker() as http_mocker:
        http_mocker.post(RequestBuilder.token().build(), token_response())
        mock_window(http_mocker, days_ago(10), TODAY, [record])

        output = read_streams(ConfigBuilder().build())

    assert uids(records_of(output, "activity")) == ["no-time"]


def test_given_iso_8601_activity_timestamps_when_read_then_windows_place_them_exactly_once() -> None:
    start = days_ago(9)
    second = start + timedelta(5)
    records = [
        at("iso-edge", f"{second.isoformat()}T00:00:00.000Z"),
        at("iso-before-edge", f"{(second - timedelta(1)).isoformat()}T23:59:59.999Z"),
    ]
    with HttpMocker() as http_mocker:
        http_mocker.post(RequestBuilder.token().build(), token_response())
        mock_window(http_mocker, start, second - timedelta(1), records)
        mock_window(http_mocker, second, TODAY, records)

        output = read_streams(ConfigBuilder().with_start_date(start.isoformat()).with_window_days(5).build())

    assert uids(records_of(output, "activity")) == ["iso-before-edge", "iso-edge"]
    # They come out in the API's documented form, epoch milliseconds, like every other record.
    assert {r["uid"]: r["activity_timestamp"] for r in records_of(output, "activity")} == {
        "iso-edge": ms(second),
        "iso-before-edge": ms(second) - 1,
    }


def test_given_iso_8601_timestamps_in_any_field_when_read_then_all_become_epoch_milliseconds() -> None:
    record = at(
        "iso-everywhere",
        "2026-11-20T10:00:00Z",
        created_at="2026-11-20T10:00:01.500+00:00",
        ingested_at="2026-11-20T12:00:00+02:00",
        modified_at=ms(days_ago(1)),
        meeting_start_time="2026-11-20T10:00:00Z",
        meeting_end_time=None,
    )
    record["activity_timestamp"] = f"{days_ago(3).isoformat()}T10:00:00Z"
    with HttpMocker() as http_mocker:
        http_mocker.post(RequestBuilder.token().build(), token_response())
        mock_window(http_mocker, days_ago(10), TODAY, [record])

        output = read_streams(ConfigBuilder().build())

    (emitted,) = records_of(output, "activity")
    assert emitted["activity_timestamp"] == ms(days_ago(3), 10)
    assert emitted["created_at"] == 1795168801500
    assert emitted["ingested_at"] == 1795168800000
    assert emitted["modified_at"] == ms(days_ago(1))
    assert emitted["meeting_start_time"] == 1795168800000
    assert "meeting_end_time" not in emitted  # null, and the CDK leaves top-level nulls out


def test_given_400_for_a_window_when_read_then_it_is_split_in_two_and_both_halves_are_read() -> None:
    start = days_ago(59)
    middle = start + timedelta(30)
    with HttpMocker() as http_mocker:
        http_mocker.post(RequestBuilder.token().build(), token_response())
        mock_window(http_mocker, start, TODAY, error_response(400))
        mock_window(http_mocker, start, middle - timedelta(1), [at("first-half", ms(start, 8))])
        mock_window(http_mocker, middle, TODAY, [at("second-half", ms(middle, 8))])

        output = read_streams(ConfigBuilder().with_start_date(start.isoformat()).with_window_days(60).build())

        queries = [r.query for r in sent_requests(http_mocker, ACTIVITIES_PATH)]
    assert not output.errors
    assert queries == [
        expected_query(start, TODAY),
        expected_query(start, middle - timedelta(1)),
        expected_query(middle, TODAY),
    ]
    assert uids(records_of(output, "activity")) == ["first-half", "second-half"]
    assert output.get_stream_statuses("activity")[-1] == AirbyteStreamStatus.COMPLETE


def test_given_participants_when_read_then_they_are_windowed_on_their_activity_timestamp() -> None:
    start = days_ago(9)
    second = start + timedelta(5)
    rows = [
        participant("act-1", "a@acme.example", activity_timestamp=ms(second) - 1),
        participant("act-2", "b@acme.example", activity_timestamp=ms(second)),
    ]
    with HttpMocker() as http_mocker:
        http_mocker.post(RequestBuilder.token().build(), token_response())
        mock_window(http_mocker, start, second - timedelta(1), rows, path=PARTICIPANTS_PATH)
        mock_window(http_mocker, second, TODAY, rows, path=PARTICIPANTS_PATH)

        output = read_streams(
            ConfigBuilder().with_start_date(start.isoformat()).with_window_days(5).build(), "participants"
        )

        queries = _sorted_queries(http_mocker, PARTICIPANTS_PATH)
    assert queries == [expected_query(start, second - timedelta(1)), expected_query(second, TODAY)]
    assert sorted((r["uid"], r["email"]) for r in records_of(output, "participants")) == [
        ("act-1", "a@acme.example"),
        ("act-2", "b@acme.example"),
    ]
