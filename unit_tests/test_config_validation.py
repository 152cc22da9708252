"""An invalid config stops the CLI before any HTTP request, with an error that names the field."""

from __future__ import annotations

import pytest
from airbyte_cdk.models import FailureType
from airbyte_cdk.test.mock_http import HttpMocker
from airbyte_cdk.utils.traced_exception import AirbyteTracedException

from source_peopleai.run import run
from unit_tests.cli import config_args, of_type, read_args, run_cli
from unit_tests.config import ConfigBuilder
from unit_tests.request_builder import sent_requests


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
