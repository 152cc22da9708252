"""The Airbyte UI's Connector Builder path: resolve_manifest and test_read on the imported manifest."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Dict, List, Mapping

from airbyte_cdk.connector_builder.main import handle_request
from airbyte_cdk.models import ConfiguredAirbyteCatalogSerializer
import pytest
from airbyte_cdk.test.mock_http import HttpMocker

from unit_tests.cli import write_json
from unit_tests.config import START_DATE, STREAMS, TODAY, ConfigBuilder
from unit_tests.harness import catalog_for
from unit_tests.request_builder import ENGAGEMENT_PATHS, OBJECT_PATHS, RequestBuilder, sent_requests
from unit_tests.response_builder import (
    activity,
    crm_object,
    engagement_score,
    error_response,
    page_response,
    participant,
    token_response,
)


def _builder_config(manifest: Mapping[str, Any], command: str, **extra: Any) -> Dict[str, Any]:
    config = ConfigBuilder().with_page_size(2).build()
    config.update({"__command": command, "__injected_declarative_manifest": manifest, **extra})
    return config


def _builder_request(tmp_path: Path, config: Mapping[str, Any], stream: str = "") -> Dict[str, Any]:
    # As the Builder backend runs it: `read --config CFG --catalog CAT` (CAT empty for resolve).
    catalog = (
        write_json(tmp_path / "catalog.json", ConfiguredAirbyteCatalogSerializer.dump(catalog_for(stream)))
        if stream
        else ""
    )
    return json.loads(handle_request(["read", "--config", write_json(tmp_path / "config.json", config), "--catalog", catalog]))


def _test_read(tmp_path: Path, manifest: Mapping[str, Any], stream: str) -> Dict[str, Any]:
    limits = {"max_records": 50, "max_pages_per_slice": 5, "max_slices": 1}
    return _builder_request(tmp_path, _builder_config(manifest, "test_read", __test_read_config=limits), stream)


def _page_records(stream_read: Mapping[str, Any]) -> List[Dict[str, Any]]:
    return [record for s in stream_read["slices"] for page in s["pages"] for record in page["records"]]


def test_resolve_manifest_returns_the_manifest_with_references_resolved(tmp_path, manifest) -> None:
    message = _builder_request(tmp_path, _builder_config(manifest, "resolve_manifest"))

    assert message["type"] == "RECORD", message
    resolved = message["record"]["data"]["manifest"]
    assert [s["name"] for s in resolved["streams"]] == list(STREAMS)
    requester = resolved["streams"][0]["retriever"]["requester"]
    assert requester["authenticator"]["type"] == "OAuthAuthenticator"
    assert "$ref" not in json.dumps(resolved)


def test_given_activity_when_builder_test_read_then_records_have_api_subject_and_no_subject(
    tmp_path, manifest
) -> None:
    with HttpMocker() as http_mocker:
        http_mocker.post(RequestBuilder.token().build(), token_response())
        http_mocker.get(
            RequestBuilder.activities().with_limit(2).with_offset(0).build(),
            page_response([activity("act-1", subject="123"), activity("act-2", subject="Demo of onboarding")]),
        )
        http_mocker.get(
            RequestBuilder.activities().with_limit(2).with_offset(2).build(),
            page_response([activity("act-3", subject="[1, 2]")]),
        )

        message = _test_read(tmp_path, manifest, "activity")

        offsets = [r.query["offset"] for r in sent_requests(http_mocker, "/v0/public/activities")]
    assert message["type"] == "RECORD", message
    records = _page_records(message["record"]["data"])
    assert [(r["uid"], r["api_subject"]) for r in records] == [
        ("act-1", "123"),
        ("act-2", "Demo of onboarding"),
        ("act-3", "[1, 2]"),
    ]
    assert all("subject" not in r for r in records)
    assert offsets == ["0", "2"]


def test_given_participants_when_builder_test_read_then_records_have_api_subject_and_no_subject(
    tmp_path, manifest
) -> None:
    with HttpMocker() as http_mocker:
        http_mocker.post(RequestBuilder.token().build(), token_response())
        http_mocker.get(
            RequestBuilder.participants().with_limit(2).with_offset(0).build(),
            page_response([participant("act-1", "jane@acme.example", subject="1e3")]),
        )

        message = _test_read(tmp_path, manifest, "participants")

    assert message["type"] == "RECORD", message
    records = _page_records(message["record"]["data"])
    assert [(r["uid"], r["email"], r["api_subject"]) for r in records] == [("act-1", "jane@acme.example", "1e3")]
    assert all("subject" not in r for r in records)


def test_given_500_when_builder_test_read_then_fails_without_retrying(tmp_path, manifest) -> None:
    # The Builder turns retries off: one 5xx ends the test read (a platform limitation to document).
    with HttpMocker() as http_mocker:
        http_mocker.post(RequestBuilder.token().build(), token_response())
        http_mocker.get(
            RequestBuilder.activities().with_limit(2).with_offset(0).build(),
            [error_response(500), page_response([activity("act-1")])],
        )

        message = _test_read(tmp_path, manifest, "activity")

        attempts = len(sent_requests(http_mocker, "/v0/public/activities"))
    assert attempts == 1
    assert message["type"] == "RECORD", message
    stream_read = message["record"]["data"]
    assert _page_records(stream_read) == []
    assert [log["level"] for log in stream_read["logs"]] == ["ERROR"]
    assert "People.ai did not answer the request" in stream_read["logs"][0]["message"]


@pytest.mark.parametrize("stream", sorted(OBJECT_PATHS))
def test_given_object_stream_when_builder_test_read_then_records_come_back(tmp_path, manifest, stream: str) -> None:
    with HttpMocker() as http_mocker:
        http_mocker.post(RequestBuilder.token().build(), token_response())
        http_mocker.get(
            RequestBuilder.objects(stream).with_limit(2).with_offset(0).build(),
            page_response([crm_object(stream, 1)], limit=2),
        )

        message = _test_read(tmp_path, manifest, stream)

    assert message["type"] == "RECORD", message
    assert [r["id"] for r in _page_records(message["record"]["data"])] == [1]


@pytest.mark.parametrize("stream", sorted(ENGAGEMENT_PATHS))
def test_given_engagement_stream_when_builder_test_read_then_records_come_back(tmp_path, manifest, stream: str) -> None:
    # The testing values' start_date is ten days back: one window, up to today.
    first, last = START_DATE, TODAY
    with HttpMocker() as http_mocker:
        http_mocker.post(RequestBuilder.token().build(), token_response())
        http_mocker.get(
            RequestBuilder.engagement(stream, first, last).with_limit(2).with_offset(0).build(),
            page_response([engagement_score(3, first.isoformat())], limit=2),
        )

        message = _test_read(tmp_path, manifest, stream)

    assert message["type"] == "RECORD", message
    assert [(r["id"], r["date"]) for r in _page_records(message["record"]["data"])] == [(3, first.isoformat())]
