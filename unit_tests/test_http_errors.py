"""400, 403 and 404 end the sync at once with a config error that says what to fix."""

from __future__ import annotations

import pytest
from airbyte_cdk.models import AirbyteStreamStatus, FailureType
from airbyte_cdk.test.mock_http import HttpMocker

from unit_tests.config import ConfigBuilder
from unit_tests.harness import first_error, read_streams, records_of
from unit_tests.request_builder import ACTIVITIES_PATH, RequestBuilder, sent_requests
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


@pytest.mark.parametrize("status_code", [400, 403, 404])
def test_given_client_error_when_read_then_fails_once_without_retry(status_code: int) -> None:
    output, attempts = _read_answered_with(status_code)

    assert attempts == 1
    assert first_error(output).trace.error.failure_type == FailureType.config_error
    assert records_of(output, "activity") == []
    assert output.get_stream_statuses("activity")[-1] == AirbyteStreamStatus.INCOMPLETE


def test_given_400_when_read_then_message_quotes_people_ai_and_points_to_page_size() -> None:
    output, _ = _read_answered_with(400)

    message = first_error(output).trace.error.message
    assert message.startswith("People.ai rejected the request as invalid (HTTP 400)")
    assert "limit must be between 1 and 100000" in message
    assert "page_size" in message


def test_given_403_when_read_then_message_says_to_ask_for_access() -> None:
    output, _ = _read_answered_with(403)

    message = first_error(output).trace.error.message
    assert message.startswith("People.ai refused access (HTTP 403)")
    assert "This API client is not allowed to read activities" in message
    assert "administrator" in message and "access" in message


def test_given_404_when_read_then_message_names_the_url_and_base_url() -> None:
    output, _ = _read_answered_with(404)

    message = first_error(output).trace.error.message
    assert message.startswith("People.ai has no such endpoint (HTTP 404)")
    assert "https://api.people.ai/v0/public/activities" in message
    assert "base_url" in message
