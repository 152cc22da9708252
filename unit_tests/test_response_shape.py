"""An answer that is not the {"data": [...]} envelope stops the sync loudly instead of reading as empty."""

from __future__ import annotations

import pytest
from airbyte_cdk.models import AirbyteStreamStatus, FailureType
from airbyte_cdk.test.mock_http import HttpMocker

from unit_tests.config import ConfigBuilder
from unit_tests.harness import first_error, read_streams, records_of
from unit_tests.request_builder import RequestBuilder
from unit_tests.response_builder import raw_response, token_response

UNEXPECTED_BODIES = {
    "bare_list": ('[{"uid": "act-1", "subject": "Hello"}]', "a bare JSON list"),
    "object_without_data": ('{"items": [{"uid": "act-1"}], "meta": {}}', "['items', 'meta']"),
    "null_data": ('{"data": null, "meta": {}}', "data is not a list but null"),
    "data_is_object": ('{"data": {"uid": "act-1"}, "meta": {}}', 'data is not a list but {"uid": "act-1"}'),
    # A string is a sequence to Jinja, as a list is: the shape check must say so itself.
    "data_is_string": ('{"data": "act-1", "meta": {}}', 'data is not a list but "act-1"'),
    "html": ("<html><body>Service moved</body></html>", "non-JSON body"),
    "empty_body": ("", "empty or non-JSON body"),
}


def _read_answered_with(body: str):
    with HttpMocker() as http_mocker:
        http_mocker.post(RequestBuilder.token().build(), token_response())
        http_mocker.get(RequestBuilder.activities().with_limit(1000).with_offset(0).build(), raw_response(body))
        return read_streams(ConfigBuilder().build(), expect_failure=True)


@pytest.mark.parametrize("body", [b for b, _ in UNEXPECTED_BODIES.values()], ids=list(UNEXPECTED_BODIES))
def test_given_non_envelope_answer_when_read_then_stream_fails_instead_of_ending_empty(body: str) -> None:
    output = _read_answered_with(body)

    assert records_of(output, "activity") == []
    assert output.get_stream_statuses("activity")[-1] == AirbyteStreamStatus.INCOMPLETE
    assert first_error(output).trace.error.failure_type == FailureType.system_error


@pytest.mark.parametrize(
    "body, what_was_received", list(UNEXPECTED_BODIES.values()), ids=list(UNEXPECTED_BODIES)
)
def test_given_non_envelope_answer_when_read_then_message_names_what_was_received(
    body: str, what_was_received: str
) -> None:
    output = _read_answered_with(body)

    message = first_error(output).trace.error.message
    assert what_was_received in message
    assert "https://api.people.ai/v0/public/activities" in message
    assert '{"data": [...], "meta": {...}}' in message
