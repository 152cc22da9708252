"""An invalid config stops the CLI before any HTTP request, with an error that names the field."""

from __future__ import annotations

from datetime import timedelta

import pytest
from airbyte_cdk.models import FailureType
from airbyte_cdk.test.mock_http import HttpMocker
from airbyte_cdk.utils.traced_exception import AirbyteTracedException

from source_peopleai.run import run
from unit_tests.cli import config_args, of_type, read_args, run_cli
from unit_tests.config import HORIZON, TODAY, ConfigBuilder
from unit_tests.request_builder import ACTIVITIES_PATH, RequestBuilder, sent_requests
from unit_tests.response_builder import page_response, token_response


def _read_rejected(tmp_path, config) -> AirbyteTracedException:
    # HttpMocker has nothing mocked: any request would be recorded and refused.
    with HttpMocker() as http_mocker:
        with pytest.raises(AirbyteTracedException) as raised:
            run(read_args(tmp_path, config))
        assert sent_requests(http_mocker) == []
    return raised.value


def test_given_config_without_api_secret_when_read_then_fails_before_any_request_naming_api_secret(
    tmp_path,
) -> None:
    error = _read_rejected(tmp_path, ConfigBuilder().without("api_secret").build())

    assert error.failure_type == FailureType.config_error
    assert "api_secret" in error.message


def test_given_plain_http_remote_base_url_when_read_then_fails_before_any_request_naming_base_url(
    tmp_path,
) -> None:
    error = _read_rejected(tmp_path, ConfigBuilder().with_base_url("http://example.com").build())

    assert error.failure_type == FailureType.config_error
    assert "base_url" in error.message, error.message


def test_given_config_without_api_secret_when_check_then_failed_naming_api_secret(tmp_path, capsys) -> None:
    with HttpMocker() as http_mocker:
        messages = run_cli(config_args("check", tmp_path, ConfigBuilder().without("api_secret").build()), capsys)
        assert sent_requests(http_mocker) == []

    (status,) = of_type(messages, "CONNECTION_STATUS")
    assert status["connectionStatus"]["status"] == "FAILED"
    assert "api_secret" in status["connectionStatus"]["message"]


def test_given_page_size_above_100000_when_read_then_fails_before_any_request_naming_the_value(tmp_path) -> None:
    error = _read_rejected(tmp_path, ConfigBuilder().with_page_size(100001).build())

    assert error.failure_type == FailureType.config_error
    assert "100001" in error.message


def test_given_non_string_api_secret_when_read_then_message_names_the_field_without_its_value(tmp_path) -> None:
    error = _read_rejected(tmp_path, ConfigBuilder().with_api_secret(987654321).build())

    assert "api_secret" in error.message
    assert "987654321" not in f"{error.message} {error.internal_message}"


@pytest.mark.parametrize("start_date", ["2024-13-45x", "01/02/2024", "yesterday"])
def test_given_malformed_start_date_when_read_then_fails_before_any_request_naming_start_date(
    tmp_path, start_date: str
) -> None:
    error = _read_rejected(tmp_path, ConfigBuilder().with_start_date(start_date).build())

    assert error.failure_type == FailureType.config_error
    assert error.message == f"Config validation error: start_date must look like YYYY-MM-DD, not {start_date!r}."


def test_given_start_date_in_the_future_when_read_then_fails_before_any_request_saying_so(tmp_path) -> None:
    tomorrow = (TODAY + timedelta(days=1)).isoformat()
    error = _read_rejected(tmp_path, ConfigBuilder().with_start_date(tomorrow).build())

    assert error.failure_type == FailureType.config_error
    assert error.message == (
        f"Config validation error: start_date {tomorrow} is in the future: it must be today (UTC) or earlier."
    )


@pytest.mark.parametrize(
    "field, value, problem",
    [
        ("lookback_days", -1, "-1 is less than the minimum of 0"),
        ("lookback_days", 366, "366 is greater than the maximum of 365"),
        ("window_days", 0, "0 is less than the minimum of 1"),
        ("window_days", 731, "731 is greater than the maximum of 730"),
        ("page_size", 0, "0 is less than the minimum of 1"),
        ("requests_per_second", 0, "0 is less than the minimum of 1"),
    ],
)
def test_given_out_of_range_window_settings_when_read_then_fails_naming_the_field(
    tmp_path, field: str, value, problem: str
) -> None:
    config = ConfigBuilder().build()
    config[field] = value
    error = _read_rejected(tmp_path, config)

    assert error.message == f"Config validation error: {field}: {problem}."


def test_given_today_as_start_date_when_read_then_it_is_accepted(tmp_path) -> None:
    config = ConfigBuilder().with_start_date(TODAY.isoformat()).build()
    with HttpMocker() as http_mocker:
        http_mocker.post(RequestBuilder.token().build(), token_response())
        http_mocker.get(
            RequestBuilder.activities().with_chunk(TODAY, HORIZON).with_limit(1000).with_offset(0).build(),
            page_response([]),
        )
        run(read_args(tmp_path, config))
        assert len(sent_requests(http_mocker, ACTIVITIES_PATH)) == 1
