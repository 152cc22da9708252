"""Incremental syncs: the state after a read, and where a read from state starts."""

from __future__ import annotations

from datetime import timedelta

from airbyte_cdk.models import AirbyteStreamStatus, SyncMode
from airbyte_cdk.test.mock_http import HttpMocker

from unit_tests.config import ConfigBuilder
from unit_tests.date_windows import DAY_MS, TODAY, at, days_ago, expected_query, mock_window, ms, uids
from unit_tests.harness import final_state, read_streams, records_of, state_for
from unit_tests.request_builder import ACTIVITIES_PATH, RequestBuilder, sent_requests
from unit_tests.response_builder import error_response, token_response

INCREMENTAL = SyncMode.incremental


def test_given_first_incremental_read_when_done_then_state_is_the_latest_activity_timestamp() -> None:
    start = days_ago(9)
    latest = ms(days_ago(2), 15, 30)
    with HttpMocker() as http_mocker:
        http_mocker.post(RequestBuilder.token().build(), token_response())
        mock_window(http_mocker, start, TODAY, [at("a", ms(start, 9)), at("b", latest), at("c", ms(days_ago(5)))])

        output = read_streams(ConfigBuilder().with_start_date(start.isoformat()).build(), sync_mode=INCREMENTAL)

    assert uids(records_of(output, "activity")) == ["a", "b", "c"]
    # Epoch milliseconds, as the API sends activity_timestamp.
    assert final_state(output, "activity") == {"activity_timestamp": str(latest)}


def test_given_state_when_read_then_starts_lookback_days_before_the_cursor() -> None:
    cursor = ms(days_ago(20), 15)
    resume = cursor - 7 * DAY_MS  # the default lookback_days, 7
    with HttpMocker() as http_mocker:
        http_mocker.post(RequestBuilder.token().build(), token_response())
        mock_window(
            http_mocker,
            days_ago(27),
            TODAY,
            [at("older-than-lookback", resume - 1), at("in-lookback", resume), at("new", ms(days_ago(1)))],
        )

        output = read_streams(
            ConfigBuilder().with_start_date(days_ago(100).isoformat()).build(),
            sync_mode=INCREMENTAL,
            state=state_for("activity", str(cursor)),
        )

        queries = [r.query for r in sent_requests(http_mocker, ACTIVITIES_PATH)]
    # One window from cursor - 7 days to now: from is the day before it, as for any window.
    assert queries == [expected_query(days_ago(27), TODAY)]
    assert uids(records_of(output, "activity")) == ["in-lookback", "new"]
    assert final_state(output, "activity") == {"activity_timestamp": str(ms(days_ago(1)))}


def test_given_lookback_days_0_when_read_from_state_then_starts_at_the_cursor() -> None:
    cursor = ms(days_ago(3), 6)
    with HttpMocker() as http_mocker:
        http_mocker.post(RequestBuilder.token().build(), token_response())
        mock_window(http_mocker, days_ago(3), TODAY, [at("at-cursor", cursor), at("before", cursor - 1)])

        output = read_streams(
            ConfigBuilder().with_start_date(days_ago(100).isoformat()).with_lookback_days(0).build(),
            sync_mode=INCREMENTAL,
            state=state_for("activity", str(cursor)),
        )

        queries = [r.query for r in sent_requests(http_mocker, ACTIVITIES_PATH)]
    assert queries == [expected_query(days_ago(3), TODAY)]
    assert uids(records_of(output, "activity")) == ["at-cursor"]


def test_given_second_window_fails_when_read_then_state_stops_at_the_first_and_a_rerun_resumes_there() -> None:
    start = days_ago(9)
    second = start + timedelta(5)
    last_of_first = ms(second - timedelta(1), 18)
    config = ConfigBuilder().with_start_date(start.isoformat()).with_window_days(5).with_lookback_days(0).build()
    with HttpMocker() as http_mocker:
        http_mocker.post(RequestBuilder.token().build(), token_response())
        mock_window(http_mocker, start, second - timedelta(1), [at("first", last_of_first)])
        mock_window(http_mocker, second, TODAY, [error_response(500)] * 6)

        failed = read_streams(config, sync_mode=INCREMENTAL, expect_failure=True)

    assert failed.get_stream_statuses("activity")[-1] == AirbyteStreamStatus.INCOMPLETE
    saved = final_state(failed, "activity")
    assert saved == {"activity_timestamp": str(last_of_first)}

    with HttpMocker() as http_mocker:
        http_mocker.post(RequestBuilder.token().build(), token_response())
        mock_window(http_mocker, second - timedelta(1), TODAY, [at("first", last_of_first), at("second", ms(second, 1))])

        # Windows of 10 days here: a 5-day window from the cursor's 18:00 would end before now
        # after 18:00 UTC, and this test is about where the rerun starts, not about windows.
        rerun = read_streams(
            ConfigBuilder().with_start_date(start.isoformat()).with_window_days(10).with_lookback_days(0).build(),
            sync_mode=INCREMENTAL,
            state=state_for("activity", saved["activity_timestamp"]),
        )

        queries = [r.query for r in sent_requests(http_mocker, ACTIVITIES_PATH)]
    # The completed window is not asked again: the rerun starts at the saved cursor's day.
    assert queries == [expected_query(second - timedelta(1), TODAY)]
    assert not rerun.errors
    assert uids(records_of(rerun, "activity")) == ["first", "second"]



def test_given_state_saved_as_iso_8601_when_read_then_starts_lookback_days_before_it() -> None:
    # A state written by hand, or by a version that kept the API's ISO form, is read as well as
    # the epoch milliseconds the connector writes.
    cursor = ms(days_ago(20), 15)
    iso = f"{days_ago(20).isoformat()}T15:00:00.000000+0000"
    with HttpMocker() as http_mocker:
        http_mocker.post(RequestBuilder.token().build(), token_response())
        mock_window(http_mocker, days_ago(27), TODAY, [at("in-lookback", cursor - 7 * DAY_MS), at("new", ms(days_ago(1)))])

        output = read_streams(
            ConfigBuilder().with_start_date(days_ago(100).isoformat()).build(),
            sync_mode=INCREMENTAL,
            state=state_for("activity", iso),
        )

        queries = [r.query for r in sent_requests(http_mocker, ACTIVITIES_PATH)]
    assert not output.errors
    assert queries == [expected_query(days_ago(27), TODAY)]
    assert uids(records_of(output, "activity")) == ["in-lookback", "new"]
    assert final_state(output, "activity") == {"activity_timestamp": str(ms(days_ago(1)))}
