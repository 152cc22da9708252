"""The client-credentials token: how it is requested, sent, reused, renewed, and refreshed on 401."""

from __future__ import annotations

from datetime import timedelta

from airbyte_cdk.models import AirbyteStreamStatus, FailureType
from airbyte_cdk.sources.streams.http.requests_native_auth import abstract_oauth
from airbyte_cdk.test.mock_http import HttpMocker
from airbyte_cdk.utils.datetime_helpers import ab_datetime_parse

from unit_tests.config import API_KEY, API_SECRET, ConfigBuilder
from unit_tests.harness import first_error, read_streams, records_of
from unit_tests.request_builder import (
    ACTIVITIES_PATH,
    TOKEN_PATH,
    RequestBuilder,
    sent_requests,
)
from unit_tests.response_builder import (
    activities,
    error_response,
    fixture_response,
    page_response,
    token_response,
)


def test_when_read_then_token_request_is_a_client_credentials_form_post() -> None:
    with HttpMocker() as http_mocker:
        http_mocker.post(RequestBuilder.token().build(), token_response())
        http_mocker.get(
            RequestBuilder.activities().with_limit(1000).with_offset(0).build(),
            page_response(activities(3)),
        )

        output = read_streams(ConfigBuilder().build())

        token_requests = sent_requests(http_mocker, TOKEN_PATH)
    assert not output.errors
    assert len(token_requests) == 1
    token_request = token_requests[0]
    assert token_request.method == "POST"
    assert token_request.url == "https://api.people.ai/auth/v1/tokens"
    assert token_request.headers["Content-Type"] == "application/x-www-form-urlencoded"
    assert token_request.form == {
        "grant_type": ["client_credentials"],
        "client_id": [API_KEY],
        "client_secret": [API_SECRET],
    }


def test_when_read_then_data_requests_carry_the_bearer_token() -> None:
    with HttpMocker() as http_mocker:
        http_mocker.post(RequestBuilder.token().build(), token_response(access_token="tok-abc-123"))
        http_mocker.get(
            RequestBuilder.activities().with_limit(2).with_offset(0).with_access_token("tok-abc-123").build(),
            page_response(activities(2)),
        )
        http_mocker.get(
            RequestBuilder.activities().with_limit(2).with_offset(2).with_access_token("tok-abc-123").build(),
            page_response(activities(1, start=2)),
        )

        output = read_streams(ConfigBuilder().with_page_size(2).build())

        data_requests = sent_requests(http_mocker, ACTIVITIES_PATH)
    assert not output.errors
    assert [r.headers.get("Authorization") for r in data_requests] == [
        "Bearer tok-abc-123",
        "Bearer tok-abc-123",
    ]


def test_given_multi_page_read_when_read_then_requests_the_token_once() -> None:
    token_request = RequestBuilder.token().build()
    with HttpMocker() as http_mocker:
        http_mocker.post(token_request, [token_response(), token_response()])
        for offset, count in ((0, 2), (2, 2), (4, 1)):
            http_mocker.get(
                RequestBuilder.activities().with_limit(2).with_offset(offset).build(),
                page_response(activities(count, start=offset)),
            )

        output = read_streams(ConfigBuilder().with_page_size(2).build())

        http_mocker.assert_number_of_calls(token_request, 1)
    assert len(records_of(output, "activity")) == 5


def test_given_base_url_with_trailing_slash_when_read_then_paths_have_a_single_slash() -> None:
    config = ConfigBuilder().with_base_url("https://api.people.ai/").build()
    with HttpMocker() as http_mocker:
        # Built from the base URL without its slash: "//auth" or "//v0" would not match.
        http_mocker.post(RequestBuilder.token("https://api.people.ai").build(), token_response())
        http_mocker.get(
            RequestBuilder.activities("https://api.people.ai").with_limit(1000).with_offset(0).build(),
            page_response(activities(1)),
        )

        output = read_streams(config)

        urls = [r.url.split("?")[0] for r in sent_requests(http_mocker)]
    assert not output.errors
    assert urls == [
        "https://api.people.ai/auth/v1/tokens",
        "https://api.people.ai/v0/public/activities",
    ]


def test_given_no_base_url_when_read_then_uses_api_people_ai() -> None:
    with HttpMocker() as http_mocker:
        http_mocker.post(RequestBuilder.token("https://api.people.ai").build(), token_response())
        http_mocker.get(
            RequestBuilder.activities("https://api.people.ai").with_limit(1000).with_offset(0).build(),
            page_response(activities(1)),
        )

        output = read_streams(ConfigBuilder().without("base_url").build())

    assert not output.errors
    assert [r["uid"] for r in records_of(output, "activity")] == ["act-00000"]


def test_given_token_past_its_expires_in_when_next_page_then_requests_a_new_token(monkeypatch) -> None:
    # The clock moves three hours forward with every data request served, so the first
    # token (expires_in two hours) is still fresh for page 1 and has expired by page 2.
    start = ab_datetime_parse("2026-11-02T08:00:00Z")
    token_request = RequestBuilder.token().build()
    with HttpMocker() as http_mocker:
        def now():
            served = len(sent_requests(http_mocker, ACTIVITIES_PATH))
            return start + timedelta(hours=3 * served)

        monkeypatch.setattr(abstract_oauth, "ab_datetime_now", now)
        http_mocker.post(
            token_request,
            [token_response("tok-first", expires_in=7200), token_response("tok-second", expires_in=7200)],
        )
        http_mocker.get(
            RequestBuilder.activities().with_limit(2).with_offset(0).with_access_token("tok-first").build(),
            page_response(activities(2)),
        )
        http_mocker.get(
            RequestBuilder.activities().with_limit(2).with_offset(2).with_access_token("tok-second").build(),
            page_response(activities(1, start=2)),
        )

        output = read_streams(ConfigBuilder().with_page_size(2).build())

        http_mocker.assert_number_of_calls(token_request, 2)
    assert not output.errors
    assert len(records_of(output, "activity")) == 3


def test_given_401_when_read_then_refreshes_token_once_and_retries() -> None:
    token_request = RequestBuilder.token().build()
    with HttpMocker() as http_mocker:
        http_mocker.post(token_request, [token_response("tok-revoked"), token_response("tok-new")])
        http_mocker.get(
            RequestBuilder.activities().with_limit(1000).with_offset(0).with_access_token("tok-revoked").build(),
            error_response(401),
        )
        http_mocker.get(
            RequestBuilder.activities().with_limit(1000).with_offset(0).with_access_token("tok-new").build(),
            page_response(activities(3)),
        )

        output = read_streams(ConfigBuilder().build())

        http_mocker.assert_number_of_calls(token_request, 2)
    assert not output.errors
    assert [r["uid"] for r in records_of(output, "activity")] == ["act-00000", "act-00001", "act-00002"]
    assert output.get_stream_statuses("activity")[-1] == AirbyteStreamStatus.COMPLETE


def test_given_401_twice_when_read_then_fails_with_config_error_naming_api_key_and_secret() -> None:
    token_request = RequestBuilder.token().build()
    with HttpMocker() as http_mocker:
        # A third token would be available: the connector must not ask for it.
        http_mocker.post(token_request, [token_response("tok-1"), token_response("tok-2"), token_response("tok-3")])
        http_mocker.get(
            RequestBuilder.activities().with_limit(1000).with_offset(0).build(),
            [error_response(401), error_response(401), error_response(401)],
        )

        output = read_streams(ConfigBuilder().build(), expect_failure=True)

        http_mocker.assert_number_of_calls(token_request, 2)
        assert len(sent_requests(http_mocker, ACTIVITIES_PATH)) == 2
    error = first_error(output).trace.error
    assert error.failure_type == FailureType.config_error
    assert error.message == "Refreshed OAuth access token is rejected by the API."
    # The CDK's text ends with the manifest's message, which says what to check.
    assert error.internal_message.endswith(
        "Error handler message: 'People.ai rejected the access token (HTTP 401) even after a new one "
        "was issued. Check that api_key and api_secret belong to an active People.ai API client.'"
    ), error.internal_message
    assert records_of(output, "activity") == []
    assert output.get_stream_statuses("activity")[-1] == AirbyteStreamStatus.INCOMPLETE


def test_given_token_endpoint_500_when_read_then_retries_the_token_request() -> None:
    token_request = RequestBuilder.token().build()
    with HttpMocker() as http_mocker:
        http_mocker.post(token_request, [error_response(500), token_response()])
        http_mocker.get(
            RequestBuilder.activities().with_limit(1000).with_offset(0).build(),
            page_response(activities(2)),
        )

        output = read_streams(ConfigBuilder().build())

        http_mocker.assert_number_of_calls(token_request, 2)
    assert not output.errors
    assert len(records_of(output, "activity")) == 2


def _read_with_rejected_credentials():
    # Wrong api_key or api_secret: People.ai's token endpoint answers 401 invalid_client.
    with HttpMocker() as http_mocker:
        http_mocker.post(RequestBuilder.token().build(), fixture_response("token_error_401", 401))

        output = read_streams(ConfigBuilder().build(), expect_failure=True)

        assert sent_requests(http_mocker, ACTIVITIES_PATH) == []
    assert output.get_stream_statuses("activity")[-1] == AirbyteStreamStatus.INCOMPLETE
    return output


def test_given_token_endpoint_401_when_read_then_fails_with_config_error() -> None:
    output = _read_with_rejected_credentials()

    error = first_error(output).trace.error
    assert error.failure_type == FailureType.config_error, error.message


def test_given_token_endpoint_401_when_read_then_message_asks_to_reenter_credentials_and_quotes_people_ai() -> None:
    # The wording is the CDK's (it speaks of a refresh token); the manifest's
    # refresh_token_error_* settings are what make it a config error quoting People.ai's error.
    output = _read_with_rejected_credentials()

    error = first_error(output).trace.error
    assert error.message == (
        "Refresh token was rejected by the OAuth provider (invalid, expired, or already used). "
        "Re-authenticate this source's credentials in its connection settings. "
        "Provider error: invalid_client"
    )
    assert error.internal_message == (
        'Refresh token rejected by the OAuth token endpoint. HTTP 401: {"error": "invalid_client", '
        '"error_description": "Client authentication failed"}'
    )
