"""Accounts, opportunities, contacts, leads, teams and team members: whole listings, no dates."""

from __future__ import annotations

from typing import Any, Dict

import jsonschema
import pytest
from airbyte_cdk.models import AirbyteStreamStatus, FailureType
from airbyte_cdk.test.mock_http import HttpMocker

from unit_tests.config import ConfigBuilder
from unit_tests.harness import first_error, load_manifest, read_streams, records_of
from unit_tests.request_builder import OBJECT_PATHS, RequestBuilder, sent_requests
from unit_tests.response_builder import crm_object, error_response, page_response, token_response

OBJECT_STREAMS = sorted(OBJECT_PATHS)
SCHEMA_OF = {stream: stream for stream in OBJECT_STREAMS}


def _schema(stream: str) -> Dict[str, Any]:
    return load_manifest()["schemas"][SCHEMA_OF[stream]]


@pytest.mark.parametrize("stream", OBJECT_STREAMS)
def test_given_two_pages_when_read_then_sends_only_limit_and_offset_and_returns_every_record(stream: str) -> None:
    with HttpMocker() as http_mocker:
        http_mocker.post(RequestBuilder.token().build(), token_response())
        http_mocker.get(
            RequestBuilder.objects(stream).with_limit(2).with_offset(0).build(),
            page_response([crm_object(stream, 1), crm_object(stream, 2)], limit=2),
        )
        http_mocker.get(
            RequestBuilder.objects(stream).with_limit(2).with_offset(2).build(),
            page_response([crm_object(stream, 3)], limit=2, offset=2),
        )

        output = read_streams(ConfigBuilder().with_page_size(2).build(), stream)

        queries = [r.query for r in sent_requests(http_mocker, OBJECT_PATHS[stream])]
    # No date filter exists on these endpoints: the requests carry none.
    assert queries == [{"limit": "2", "offset": "0"}, {"limit": "2", "offset": "2"}]
    records = records_of(output, stream)
    assert [r["id"] for r in records] == [1, 2, 3]
    for record in records:
        jsonschema.validate(record, _schema(stream))
    assert output.get_stream_statuses(stream)[-1] == AirbyteStreamStatus.COMPLETE


def test_given_custom_fields_on_accounts_when_read_then_they_pass_through() -> None:
    with HttpMocker() as http_mocker:
        http_mocker.post(RequestBuilder.token().build(), token_response())
        http_mocker.get(
            RequestBuilder.objects("accounts").with_limit(1000).with_offset(0).build(),
            page_response([crm_object("accounts", 7, custom_region="EMEA", custom_tier={"level": 2})]),
        )

        output = read_streams(ConfigBuilder().build(), "accounts")

    (record,) = records_of(output, "accounts")
    assert record["custom_region"] == "EMEA" and record["custom_tier"] == {"level": 2}
    assert record["custom_segment"] == "Enterprise"


@pytest.mark.parametrize("stream", ["opportunities", "contacts"])
def test_given_iso_timestamps_on_objects_when_read_then_they_become_epoch_milliseconds(stream: str) -> None:
    # A month before the frozen today: opportunities and contacts drop what was modified after now.
    with HttpMocker() as http_mocker:
        http_mocker.post(RequestBuilder.token().build(), token_response())
        http_mocker.get(
            RequestBuilder.objects(stream).with_limit(1000).with_offset(0).build(),
            page_response([crm_object(stream, 1, created_at="2026-05-20T10:00:00Z", modified_at="2026-05-20T10:00:01.500Z")]),
        )

        output = read_streams(ConfigBuilder().build(), stream)

    (record,) = records_of(output, stream)
    assert (record["created_at"], record["modified_at"]) == (1779271200000, 1779271201500)


def test_given_iso_converted_date_on_a_lead_when_read_then_it_becomes_epoch_milliseconds() -> None:
    with HttpMocker() as http_mocker:
        http_mocker.post(RequestBuilder.token().build(), token_response())
        http_mocker.get(
            RequestBuilder.objects("leads").with_limit(1000).with_offset(0).build(),
            page_response([crm_object("leads", 1, converted_date="2026-11-20T10:00:00Z")]),
        )

        output = read_streams(ConfigBuilder().build(), "leads")

    (record,) = records_of(output, "leads")
    assert record["converted_date"] == 1795168800000
    jsonschema.validate(record, _schema("leads"))


def test_given_400_on_accounts_when_read_then_fails_at_once_naming_page_size() -> None:
    # Streams without date windows have no window to split: a 400 is a config error at once.
    with HttpMocker() as http_mocker:
        http_mocker.post(RequestBuilder.token().build(), token_response())
        http_mocker.get(
            RequestBuilder.objects("accounts").with_limit(1000).with_offset(0).build(),
            [error_response(400), error_response(400)],
        )

        output = read_streams(ConfigBuilder().build(), "accounts", expect_failure=True)

        attempts = len(sent_requests(http_mocker, OBJECT_PATHS["accounts"]))
    assert attempts == 1
    error = first_error(output).trace.error
    assert error.failure_type == FailureType.config_error
    assert error.message == (
        "People.ai rejected the request as invalid (HTTP 400): limit must be between 1 and 100000. "
        "Check that page_size is between 1 and 100000."
    )
    assert records_of(output, "accounts") == []


def test_given_403_on_accounts_when_read_then_config_error_names_the_stream_and_the_key_type() -> None:
    with HttpMocker() as http_mocker:
        http_mocker.post(RequestBuilder.token().build(), token_response())
        http_mocker.get(
            RequestBuilder.objects("accounts").with_limit(1000).with_offset(0).build(), error_response(403)
        )

        output = read_streams(ConfigBuilder().build(), "accounts", expect_failure=True)

    error = first_error(output).trace.error
    assert error.failure_type == FailureType.config_error
    assert error.message == (
        "People.ai refused the accounts stream (HTTP 403): This API client is not allowed to read "
        "activities. A People.ai API key is limited to one API type (Activity, Insight or Object), "
        "and this key may be of another type. Use a key that may read accounts, or deselect the "
        "accounts stream in the connection."
    )
    assert output.get_stream_statuses("accounts")[-1] == AirbyteStreamStatus.INCOMPLETE


def test_given_403_on_one_selected_stream_when_read_then_others_complete_and_the_sync_fails() -> None:
    with HttpMocker() as http_mocker:
        http_mocker.post(RequestBuilder.token().build(), [token_response(), token_response()])
        http_mocker.get(
            RequestBuilder.objects("teams").with_limit(1000).with_offset(0).build(),
            page_response([crm_object("teams", 31)]),
        )
        http_mocker.get(
            RequestBuilder.objects("leads").with_limit(1000).with_offset(0).build(), error_response(403)
        )

        output = read_streams(ConfigBuilder().build(), "teams", "leads", expect_failure=True)

    # Never a silent skip: the sync ends in an error that names the refused stream.
    assert [r["id"] for r in records_of(output, "teams")] == [31]
    assert output.get_stream_statuses("teams")[-1] == AirbyteStreamStatus.COMPLETE
    assert output.get_stream_statuses("leads")[-1] == AirbyteStreamStatus.INCOMPLETE
    assert "refused the leads stream" in first_error(output).trace.error.message
