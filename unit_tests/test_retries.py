"""408, 5xx, 429 and connection errors are retried with the manifest's waits; exhausted retries fail loudly."""

from __future__ import annotations

from urllib.parse import urlencode

import pytest
import requests
import requests_mock
from airbyte_cdk.models import AirbyteStreamStatus, FailureType
from airbyte_cdk.test.mock_http import HttpMocker

from unit_tests.cli import of_type, read_args, run_cli
from unit_tests.config import ConfigBuilder
from unit_tests.harness import first_error, nonzero, read_streams, records_of
from unit_tests.request_builder import ACTIVITIES_PATH, RequestBuilder, sent_requests, chunk_query
from unit_tests.response_builder import (
    ACCESS_TOKEN,
    activities,
    error_response,
    page_response,
    raw_response,
    token_response,
)

# People.ai's "did not answer" statuses: a request timeout and the server errors.
RETRIED_STATUSES = [408, 500, 502, 503, 504]


def _did_not_answer(status_code: int):
    return raw_response('{"message": "upstream failed"}', status_code)


@pytest.mark.parametrize("status_code", RETRIED_STATUSES)
def test_given_408_or_5xx_when_read_then_retries_and_returns_every_record(status_code: int) -> None:
    with HttpMocker() as http_mocker:
        http_mocker.post(RequestBuilder.token().build(), token_response())
        http_mocker.get(
            RequestBuilder.activities().with_limit(2).with_offset(0).build(),
            page_response(activities(2)),
        )
        http_mocker.get(
            RequestBuilder.activities().with_limit(2).with_offset(2).build(),
            [_did_not_answer(status_code), page_response(activities(1, start=2))],
        )

        output = read_streams(ConfigBuilder().with_page_size(2).build())

        offsets = [r.query["offset"] for r in sent_requests(http_mocker, ACTIVITIES_PATH)]
    assert offsets == ["0", "2", "2"]
    assert not output.errors
    assert [r["uid"] for r in records_of(output, "activity")] == ["act-00000", "act-00001", "act-00002"]
    assert output.get_stream_statuses("activity")[-1] == AirbyteStreamStatus.COMPLETE


@pytest.mark.parametrize("status_code", RETRIED_STATUSES)
def test_given_408_or_5xx_on_every_attempt_when_read_then_fails_after_6_attempts_and_stream_is_incomplete(
    status_code: int,
) -> None:
    with HttpMocker() as http_mocker:
        http_mocker.post(RequestBuilder.token().build(), token_response())
        http_mocker.get(
            RequestBuilder.activities().with_limit(1000).with_offset(0).build(),
            [_did_not_answer(status_code)] * 7,
        )

        output = read_streams(ConfigBuilder().build(), expect_failure=True)

        attempts = len(sent_requests(http_mocker, ACTIVITIES_PATH))
    assert attempts == 6
    assert output.get_stream_statuses("activity")[-1] == AirbyteStreamStatus.INCOMPLETE
    error = first_error(output).trace.error
    assert error.failure_type == FailureType.transient_error
    # The CDK's wording around the manifest's message (whose "retrying" is the CDK's to say).
    assert error.message == (
        "Exhausted available request attempts. Please see logs for more details. "
        "Exception: People.ai did not answer the request (HTTP 408 or 5xx); retrying."
    )
    assert records_of(output, "activity") == []


@pytest.mark.parametrize("status_code", RETRIED_STATUSES)
def test_given_408_or_5xx_on_every_attempt_when_read_then_waits_3_5_9_17_33_seconds(
    requested_waits, status_code: int
) -> None:
    with HttpMocker() as http_mocker:
        http_mocker.post(RequestBuilder.token().build(), token_response())
        http_mocker.get(
            RequestBuilder.activities().with_limit(1000).with_offset(0).build(),
            [_did_not_answer(status_code)] * 6,
        )

        read_streams(ConfigBuilder().build(), expect_failure=True)

    # ExponentialBackoffStrategy factor 1: 2**attempt, plus the second the CDK adds to every wait.
    assert nonzero(requested_waits) == [3.0, 5.0, 9.0, 17.0, 33.0]


def test_given_connection_error_when_read_then_retries_and_returns_every_record() -> None:
    # HttpMocker answers only with HTTP responses; requests_mock itself can raise.
    with requests_mock.Mocker() as mocker:
        token = mocker.post("https://api.people.ai/auth/v1/tokens", text=token_response().body)
        page = mocker.get(
            "https://api.people.ai/v0/public/activities?"
            + urlencode({**chunk_query(), "limit": 1000, "offset": 0}),
            complete_qs=True,
            response_list=[
                {"exc": requests.exceptions.ConnectionError("Connection reset by peer")},
                {"text": page_response(activities(2)).body},
            ],
        )

        output = read_streams(ConfigBuilder().build())

        assert token.call_count == 1
        assert page.call_count == 2
    assert not output.errors
    assert [r["uid"] for r in records_of(output, "activity")] == ["act-00000", "act-00001"]
    assert page.request_history[1].headers["Authorization"] == f"Bearer {ACCESS_TOKEN}"


def test_given_429_with_retry_after_when_read_then_waits_that_long_and_succeeds(requested_waits) -> None:
    with HttpMocker() as http_mocker:
        http_mocker.post(RequestBuilder.token().build(), token_response())
        http_mocker.get(
            RequestBuilder.activities().with_limit(1000).with_offset(0).build(),
            [error_response(429, headers={"Retry-After": "7"}), page_response(activities(2))],
        )

        output = read_streams(ConfigBuilder().build())

        attempts = len(sent_requests(http_mocker, ACTIVITIES_PATH))
    assert attempts == 2
    assert not output.errors
    assert len(records_of(output, "activity")) == 2
    # Retry-After: 7, plus the second the CDK adds to every wait.
    assert nonzero(requested_waits) == [8.0]


def test_given_429_without_retry_after_when_read_then_waits_exponentially_and_succeeds(requested_waits) -> None:
    with HttpMocker() as http_mocker:
        http_mocker.post(RequestBuilder.token().build(), token_response())
        http_mocker.get(
            RequestBuilder.activities().with_limit(1000).with_offset(0).build(),
            [error_response(429), error_response(429), page_response(activities(2))],
        )

        output = read_streams(ConfigBuilder().build())

        attempts = len(sent_requests(http_mocker, ACTIVITIES_PATH))
    assert attempts == 3
    assert not output.errors
    assert len(records_of(output, "activity")) == 2
    assert nonzero(requested_waits) == [3.0, 5.0]


def test_given_429_when_read_then_reports_the_stream_as_rate_limited(tmp_path, capsys) -> None:
    # RATE_LIMITED, not a plain RETRY: Airbyte shows the sync as rate limited while it waits.
    # The CDK prints that status itself, so it is seen in what the command prints.
    with HttpMocker() as http_mocker:
        http_mocker.post(RequestBuilder.token().build(), token_response())
        http_mocker.get(
            RequestBuilder.activities().with_limit(1000).with_offset(0).build(),
            [error_response(429), page_response(activities(2))],
        )

        messages = run_cli(read_args(tmp_path, ConfigBuilder().build()), capsys)

    statuses = [
        message["trace"]["stream_status"]
        for message in of_type(messages, "TRACE")
        if message["trace"]["type"] == "STREAM_STATUS"
    ]
    rate_limited = [s for s in statuses if {"type": "RATE_LIMITED"} in (s.get("reasons") or [])]
    assert [(s["stream_descriptor"]["name"], s["status"]) for s in rate_limited] == [("activity", "RUNNING")]
    assert statuses[-1]["status"] == "COMPLETE"
