"""403 and 404 end the sync at once with a config error that says what to fix; a 400 splits the
ingestion window (People.ai's answer to a range over 2 years) up to 10 times, then fails."""

from __future__ import annotations

import pytest
from airbyte_cdk.models import AirbyteStreamStatus, FailureType
from airbyte_cdk.test.mock_http import HttpMocker, HttpRequest
from airbyte_cdk.test.mock_http.request import ANY_QUERY_PARAMS

from unit_tests.config import BASE_URL, ConfigBuilder
from unit_tests.harness import first_error, read_streams, records_of
from unit_tests.request_builder import ACTIVITIES_PATH, RequestBuilder, chunk_query, sent_requests
from unit_tests.response_builder import error_response, token_response


def _read_answered_with(status_code: int):
    with HttpMocker() as http_mocker:
        http_mocker.post(RequestBuilder.token().build(), token_response())
        http_mocker.get(
            RequestBuilder.activities().with_limit(1000).with_offset(0).build(),
            [error_response(status_code), error_response(status_code)],
        )
        output = read_streams(ConfigBuilder().build(), expect_failure=True)
        attempts = len(sent_requests(http_mocker, ACTIVITIES_PATH))
    return output, attempts


@pytest.mark.parametrize("status_code", [403, 404])
def test_given_client_error_when_read_then_fails_once_without_retry(status_code: int) -> None:
    output, attempts = _read_answered_with(status_code)

    assert attempts == 1
    assert first_error(output).trace.error.failure_type == FailureType.config_error
    assert records_of(output, "activity") == []
    assert output.get_stream_statuses("activity")[-1] == AirbyteStreamStatus.INCOMPLETE


def test_given_400_on_every_request_when_read_then_asks_again_at_most_10_times_then_fails_naming_page_size() -> None:
    with HttpMocker() as http_mocker:
        http_mocker.post(RequestBuilder.token().build(), token_response())
        # Any activities request, whatever it asks, is refused.
        http_mocker.get(
            HttpRequest(url=f"{BASE_URL}{ACTIVITIES_PATH}", query_params=ANY_QUERY_PARAMS),
            [error_response(400)] * 20,
        )
        output = read_streams(ConfigBuilder().build(), expect_failure=True)
        queries = [r.query for r in sent_requests(http_mocker, ACTIVITIES_PATH)]

    # The current chunk's read sends no ingestion window: halving the read changes no request,
    # so the same request is asked 11 times (the first and 10 halvings), with no wait, and fails.
    assert queries == [{**chunk_query(), "limit": "1000", "offset": "0"}] * 11
    error = first_error(output).trace.error
    assert error.message == (
        "Stream activity could not split its request window to a size the API accepts within 10 "
        "splits. People.ai kept answering 400 while the connector asked for ever smaller ingestion "
        "windows, so the problem is not the length of a date range: check page_size (1 to 100000) "
        "and start_date, and see the log for People.ai's message."
    )
    assert "limit must be between 1 and 100000" in error.internal_message
    assert records_of(output, "activity") == []
    assert output.get_stream_statuses("activity")[-1] == AirbyteStreamStatus.INCOMPLETE


def test_given_403_when_read_then_message_names_the_stream_and_the_key_type() -> None:
    output, _ = _read_answered_with(403)

    assert first_error(output).trace.error.message == (
        "People.ai refused the activity stream (HTTP 403): This API client is not allowed to read "
        "activities. A People.ai API key is limited to one API type (Activity, Insight or Object), "
        "and this key may be of another type. Use a key that may read activity, or deselect the "
        "activity stream in the connection."
    )


def test_given_404_when_read_then_message_names_the_url_and_base_url() -> None:
    output, _ = _read_answered_with(404)

    message = first_error(output).trace.error.message
    assert message.startswith("People.ai has no such endpoint (HTTP 404)")
    assert "https://api.people.ai/v0/public/activities" in message
    assert "base_url" in message
