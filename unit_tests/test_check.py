"""`check`: SUCCEEDED with working credentials, FAILED with a message a user can act on."""

from __future__ import annotations

from airbyte_cdk.test.mock_http import HttpMocker

from unit_tests.cli import config_args, of_type, run_cli
from unit_tests.config import ConfigBuilder
from unit_tests.request_builder import RequestBuilder, sent_requests
from unit_tests.response_builder import activities, fixture_response, page_response, token_response


def test_given_valid_credentials_when_check_then_succeeded(tmp_path, capsys) -> None:
    with HttpMocker() as http_mocker:
        http_mocker.post(RequestBuilder.token().build(), token_response())
        http_mocker.get(
            RequestBuilder.activities().with_limit(1000).with_offset(0).build(),
            page_response(activities(1)),
        )

        messages = run_cli(config_args("check", tmp_path, ConfigBuilder().build()), capsys)

        paths = [r.path for r in sent_requests(http_mocker)]
    (status,) = of_type(messages, "CONNECTION_STATUS")
    assert status["connectionStatus"]["status"] == "SUCCEEDED"
    assert paths == ["/auth/v1/tokens", "/v0/public/activities"]


def test_given_token_endpoint_401_when_check_then_failed_asking_to_reenter_credentials_quoting_people_ai(
    tmp_path, capsys
) -> None:
    with HttpMocker() as http_mocker:
        http_mocker.post(RequestBuilder.token().build(), fixture_response("token_error_401", 401))

        messages = run_cli(config_args("check", tmp_path, ConfigBuilder().build()), capsys)

    (status,) = of_type(messages, "CONNECTION_STATUS")
    assert status["connectionStatus"]["status"] == "FAILED"
    # The CDK's wording (it speaks of a refresh token, and quotes the whole text), made a config
    # error quoting People.ai's error code by the manifest's refresh_token_error_* settings.
    assert status["connectionStatus"]["message"] == (
        '"Stream activity is not available: Refresh token was rejected by the OAuth provider '
        "(invalid, expired, or already used). Re-authenticate this source's credentials in its "
        'connection settings. Provider error: invalid_client"'
    )
