"""Engagement levels: date windows over the last 90 days, at least three days per request."""

from __future__ import annotations

from datetime import timedelta

import pytest
from airbyte_cdk.models import AirbyteStreamStatus, FailureType, SyncMode
from airbyte_cdk.test.mock_http import HttpMocker, HttpResponse
from airbyte_cdk.test.state_builder import StateBuilder

from unit_tests.config import TODAY, ConfigBuilder
from unit_tests.chunks import days_ago
from unit_tests.harness import final_state, first_error, read_streams, records_of
from unit_tests.request_builder import ENGAGEMENT_PATHS, RequestBuilder, sent_requests
from unit_tests.response_builder import engagement_score, page_response, token_response

STREAMS = sorted(ENGAGEMENT_PATHS)


def _windows_from(start):
    windows, first = [], start
    while first <= TODAY:
        last = min(first + timedelta(29), TODAY)
        windows.append((first, last))
        first = last + timedelta(1)
    return windows


def _mock(http_mocker, stream, first, last, answer) -> None:
    request = RequestBuilder.engagement(stream, first, last).with_limit(1000).with_offset(0).build()
    http_mocker.get(request, answer if isinstance(answer, HttpResponse) else page_response(answer))


@pytest.mark.parametrize("stream", STREAMS)
def test_given_old_start_date_when_read_then_windows_cover_the_last_90_days_a_day_wider_each_side(stream: str) -> None:
    windows = _windows_from(days_ago(90))
    with HttpMocker() as http_mocker:
        http_mocker.post(RequestBuilder.token().build(), token_response())
        for first, last in windows:
            _mock(http_mocker, stream, first, last, [])

        output = read_streams(ConfigBuilder().with_start_date(days_ago(400).isoformat()).build(), stream)

        queries = sorted((r.query for r in sent_requests(http_mocker, ENGAGEMENT_PATHS[stream])), key=lambda q: q["from"])
    assert not output.errors
    assert queries == [
        {"from": (f - timedelta(1)).isoformat(), "to": (l + timedelta(1)).isoformat(), "time-zone": "UTC",
         "limit": "1000", "offset": "0"}
        for f, l in windows
    ]
    # `from` is always strictly before `to`: the API answers 422 otherwise.
    assert all(q["from"] < q["to"] for q in queries)


def test_given_recent_start_date_when_read_then_starts_there() -> None:
    start = days_ago(5)
    with HttpMocker() as http_mocker:
        http_mocker.post(RequestBuilder.token().build(), token_response())
        _mock(http_mocker, "account_engagement", start, TODAY, [])

        output = read_streams(ConfigBuilder().with_start_date(start.isoformat()).build(), "account_engagement")

    assert not output.errors


def test_given_today_as_start_date_when_read_then_one_day_window_is_asked_as_three_days() -> None:
    with HttpMocker() as http_mocker:
        http_mocker.post(RequestBuilder.token().build(), token_response())
        _mock(http_mocker, "lead_engagement", TODAY, TODAY, [engagement_score(1, TODAY.isoformat())])

        output = read_streams(ConfigBuilder().with_start_date(TODAY.isoformat()).build(), "lead_engagement")

        (query,) = [r.query for r in sent_requests(http_mocker, ENGAGEMENT_PATHS["lead_engagement"])]
    assert (query["from"], query["to"]) == ((TODAY - timedelta(1)).isoformat(), (TODAY + timedelta(1)).isoformat())
    assert [(r["id"], r["date"]) for r in records_of(output, "lead_engagement")] == [(1, TODAY.isoformat())]


def test_given_scores_of_neighbouring_days_in_both_answers_when_read_then_each_day_arrives_once() -> None:
    windows = _windows_from(days_ago(59))
    (first_a, last_a), (first_b, last_b) = windows
    edge = [engagement_score(7, d.isoformat()) for d in (last_a, first_b, first_a, last_b)]
    with HttpMocker() as http_mocker:
        http_mocker.post(RequestBuilder.token().build(), token_response())
        _mock(http_mocker, "contact_engagement", first_a, last_a, edge)
        _mock(http_mocker, "contact_engagement", first_b, last_b, edge)

        output = read_streams(
            ConfigBuilder().with_start_date(days_ago(59).isoformat()).build(), "contact_engagement"
        )

    assert sorted(r["date"] for r in records_of(output, "contact_engagement")) == sorted(
        d.isoformat() for d in (last_a, first_b, first_a, last_b)
    )


def test_given_state_when_read_incrementally_then_starts_lookback_days_before_the_saved_date() -> None:
    saved = days_ago(3)
    with HttpMocker() as http_mocker:
        http_mocker.post(RequestBuilder.token().build(), token_response())
        _mock(
            http_mocker,
            "opportunity_engagement",
            saved - timedelta(7),
            TODAY,
            [engagement_score(5, saved.isoformat(), score=61), engagement_score(5, days_ago(1).isoformat(), score=64)],
        )

        output = read_streams(
            ConfigBuilder().with_start_date(days_ago(400).isoformat()).build(),
            "opportunity_engagement",
            sync_mode=SyncMode.incremental,
            state=StateBuilder().with_stream_state("opportunity_engagement", {"date": saved.isoformat()}).build(),
        )

    assert [r["score"] for r in records_of(output, "opportunity_engagement")] == [61, 64]
    assert final_state(output, "opportunity_engagement") == {"date": days_ago(1).isoformat()}


def test_given_422_when_read_then_fails_loudly_saying_what_to_check() -> None:
    start = days_ago(5)
    with HttpMocker() as http_mocker:
        http_mocker.post(RequestBuilder.token().build(), token_response())
        _mock(
            http_mocker,
            "account_engagement",
            start,
            TODAY,
            HttpResponse('{"code": 422, "message": "from must be before to"}', 422),
        )

        output = read_streams(
            ConfigBuilder().with_start_date(start.isoformat()).build(), "account_engagement", expect_failure=True
        )

    error = first_error(output).trace.error
    assert error.failure_type == FailureType.system_error
    assert error.message == (
        "People.ai refused the date range of the account_engagement stream (HTTP 422): from must be "
        "before to. Engagement levels go back about 90 days: check that start_date is not older than "
        "that, and if it is not, report this answer to the connector's maintainers."
    )
    assert output.get_stream_statuses("account_engagement")[-1] == AirbyteStreamStatus.INCOMPLETE


def test_given_a_score_without_date_and_an_iso_timestamp_when_read_then_both_arrive_the_timestamp_in_milliseconds() -> None:
    # A score that cannot be placed in a window is kept, never dropped; an ISO `timestamp`
    # becomes epoch milliseconds, as every timestamp of the connector.
    start = days_ago(5)
    undated = engagement_score(8, TODAY.isoformat())
    del undated["date"]
    with HttpMocker() as http_mocker:
        http_mocker.post(RequestBuilder.token().build(), token_response())
        _mock(
            http_mocker,
            "account_engagement",
            start,
            TODAY,
            [undated, engagement_score(9, TODAY.isoformat(), timestamp="2026-11-20T10:00:00.500Z")],
        )

        output = read_streams(ConfigBuilder().with_start_date(start.isoformat()).build(), "account_engagement")

    records = {r["id"]: r for r in records_of(output, "account_engagement")}
    assert sorted(records) == [8, 9]
    assert "date" not in records[8]
    assert records[9]["timestamp"] == 1795168800500
