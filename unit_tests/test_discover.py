"""`discover`: the streams with their keys, sync modes, cursors and schemas."""

from __future__ import annotations

from typing import Any, Dict

import pytest
from airbyte_cdk.models import SyncMode
from airbyte_cdk.test.entrypoint_wrapper import discover
from airbyte_cdk.test.mock_http import HttpMocker

from unit_tests.config import STREAMS, ConfigBuilder
from unit_tests.request_builder import sent_requests


@pytest.fixture(scope="module")
def catalog_streams(source_factory) -> Dict[str, Any]:
    config = ConfigBuilder().build()
    with HttpMocker() as http_mocker:
        output = discover(source_factory(config), config)
        assert sent_requests(http_mocker) == [], "discover should not call the API"
    assert not output.errors
    return {stream.name: stream for stream in output.catalog.catalog.streams}


def test_discover_lists_every_stream(catalog_streams) -> None:
    # Whatever type of API key the config holds: a stream it may not read fails when selected.
    assert sorted(catalog_streams) == sorted(STREAMS)


@pytest.mark.parametrize(
    "stream, primary_key", [("activity", [["uid"]]), ("participants", [["uid"], ["email"]])]
)
def test_discover_declares_primary_keys(catalog_streams, stream: str, primary_key) -> None:
    assert catalog_streams[stream].source_defined_primary_key == primary_key


@pytest.mark.parametrize("stream", ["activity", "participants"])
def test_discover_offers_full_refresh_and_incremental_on_synced_at(catalog_streams, stream: str) -> None:
    # The cursor is the time each record was read, which the connector adds: for Append + Deduped
    # the destination keeps the latest read of each key, whatever happened to its dates.
    airbyte_stream = catalog_streams[stream]
    assert airbyte_stream.supported_sync_modes == [SyncMode.full_refresh, SyncMode.incremental]
    assert airbyte_stream.source_defined_cursor is True
    assert airbyte_stream.default_cursor_field == ["synced_at"]
    assert airbyte_stream.json_schema["properties"]["synced_at"]["type"] == "integer"


def test_discover_activity_schema_has_api_subject_and_no_subject(catalog_streams) -> None:
    properties = catalog_streams["activity"].json_schema["properties"]
    assert "api_subject" in properties
    assert "subject" not in properties
    assert "null" in properties["api_subject"]["type"] and "string" in properties["api_subject"]["type"]


def test_discover_participants_schema_has_no_subject(catalog_streams) -> None:
    assert "subject" not in catalog_streams["participants"].json_schema["properties"]


@pytest.mark.parametrize("stream", ["activity", "participants"])
def test_discover_schemas_accept_additional_properties(catalog_streams, stream: str) -> None:
    assert catalog_streams[stream].json_schema["additionalProperties"] is True


@pytest.mark.parametrize(
    "stream, key_fields", [("activity", ["uid"]), ("participants", ["uid", "email"])]
)
def test_discover_schemas_require_the_primary_key_fields(catalog_streams, stream: str, key_fields) -> None:
    schema = catalog_streams[stream].json_schema
    assert sorted(schema["required"]) == sorted(key_fields)
    for field in key_fields:
        assert "null" not in schema["properties"][field]["type"]


@pytest.mark.parametrize(
    "stream, modes, cursor, primary_key",
    [
        ("accounts", [SyncMode.full_refresh], None, [["id"]]),
        ("opportunities", [SyncMode.full_refresh, SyncMode.incremental], ["modified_at"], [["id"]]),
        ("contacts", [SyncMode.full_refresh, SyncMode.incremental], ["modified_at"], [["id"]]),
        ("leads", [SyncMode.full_refresh], None, [["id"]]),
        ("teams", [SyncMode.full_refresh], None, [["id"]]),
        ("team_members", [SyncMode.full_refresh], None, [["id"]]),
        ("account_engagement", [SyncMode.full_refresh, SyncMode.incremental], ["date"], [["id"], ["date"]]),
        ("opportunity_engagement", [SyncMode.full_refresh, SyncMode.incremental], ["date"], [["id"], ["date"]]),
        ("contact_engagement", [SyncMode.full_refresh, SyncMode.incremental], ["date"], [["id"], ["date"]]),
        ("lead_engagement", [SyncMode.full_refresh, SyncMode.incremental], ["date"], [["id"], ["date"]]),
    ],
)
def test_discover_declares_sync_modes_cursor_and_key_of_each_object_stream(
    catalog_streams, stream: str, modes, cursor, primary_key
) -> None:
    airbyte_stream = catalog_streams[stream]
    assert airbyte_stream.supported_sync_modes == modes
    assert airbyte_stream.default_cursor_field == cursor
    assert airbyte_stream.source_defined_primary_key == primary_key
    schema = airbyte_stream.json_schema
    assert schema["additionalProperties"] is True
    assert sorted(schema["required"]) == sorted(key[0] for key in primary_key)
