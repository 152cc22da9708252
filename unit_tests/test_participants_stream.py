"""The participants stream: its endpoint, its pages and its rows (one per participant of an activity)."""

from __future__ import annotations

from airbyte_cdk.models import AirbyteStreamStatus
from airbyte_cdk.test.mock_http import HttpMocker

from unit_tests.chunks import NOW_MS
from unit_tests.config import ConfigBuilder
from unit_tests.harness import read_streams, records_of
from unit_tests.request_builder import PARTICIPANTS_PATH, RequestBuilder, sent_requests, chunk_query
from unit_tests.response_builder import (
    fixture_response,
    load_fixture,
    page_response,
    participants,
    token_response,
)

# The one date window that the default config makes.
WINDOW = chunk_query()


def test_given_two_pages_when_read_participants_then_sends_exact_limit_and_offsets() -> None:
    with HttpMocker() as http_mocker:
        http_mocker.post(RequestBuilder.token().build(), token_response())
        http_mocker.get(
            RequestBuilder.participants().with_limit(2).with_offset(0).build(),
            page_response(participants(2)),
        )
        http_mocker.get(
            RequestBuilder.participants().with_limit(2).with_offset(2).build(),
            page_response(participants(1, start=2)),
        )

        output = read_streams(ConfigBuilder().with_page_size(2).build(), "participants")

        pages = [r.query for r in sent_requests(http_mocker, PARTICIPANTS_PATH)]
    assert pages == [{**WINDOW, "limit": "2", "offset": "0"}, {**WINDOW, "limit": "2", "offset": "2"}]
    assert [(r["uid"], r["email"]) for r in records_of(output, "participants")] == [
        ("act-00000", "person0@acme.example"),
        ("act-00000", "person1@acme.example"),
        ("act-00001", "person2@acme.example"),
    ]


def test_when_read_participants_then_rows_arrive_as_sent_including_undocumented_fields() -> None:
    sent = load_fixture("participants")["data"]
    sent[0]["role"] = "customer"  # undocumented: must survive
    with HttpMocker() as http_mocker:
        http_mocker.post(RequestBuilder.token().build(), token_response())
        http_mocker.get(
            RequestBuilder.participants().with_limit(1000).with_offset(0).build(),
            page_response(sent),
        )

        output = read_streams(ConfigBuilder().build(), "participants")

    # The CDK's record serializer drops top-level nulls; the connector adds synced_at, the time
    # of the read (now: the clock is frozen).
    expected = [{**{k: v for k, v in row.items() if v is not None}, "synced_at": NOW_MS} for row in sent]
    assert records_of(output, "participants") == expected


def test_when_read_both_streams_then_each_completes_with_its_own_records() -> None:
    with HttpMocker() as http_mocker:
        http_mocker.post(RequestBuilder.token().build(), [token_response(), token_response()])
        http_mocker.get(
            RequestBuilder.activities().with_limit(1000).with_offset(0).build(),
            fixture_response("activities"),
        )
        http_mocker.get(
            RequestBuilder.participants().with_limit(1000).with_offset(0).build(),
            fixture_response("participants"),
        )

        output = read_streams(ConfigBuilder().build(), "activity", "participants")

    assert not output.errors
    assert [r["uid"] for r in records_of(output, "activity")] == [
        "act-7f3c2a10-0001",
        "act-7f3c2a10-0002",
    ]
    assert len(records_of(output, "participants")) == 3
    assert output.get_stream_statuses("activity")[-1] == AirbyteStreamStatus.COMPLETE
    assert output.get_stream_statuses("participants")[-1] == AirbyteStreamStatus.COMPLETE
