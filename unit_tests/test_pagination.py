"""limit/offset pagination: exact parameters of every page and where the read stops."""

from __future__ import annotations

from airbyte_cdk.models import AirbyteStreamStatus
from airbyte_cdk.test.mock_http import HttpMocker

from unit_tests.config import ConfigBuilder
from unit_tests.harness import records_of, read_streams
from unit_tests.request_builder import ACTIVITIES_PATH, RequestBuilder, sent_requests, chunk_query
from unit_tests.response_builder import activities, page_response, token_response

# The one date window that the default config makes.
WINDOW = chunk_query()


def _mock_activity_pages(http_mocker: HttpMocker, limit: int, page_counts: list) -> None:
    offset = 0
    for count in page_counts:
        http_mocker.get(
            RequestBuilder.activities().with_limit(limit).with_offset(offset).build(),
            page_response(activities(count, start=offset), limit=limit, offset=offset),
        )
        offset += count


def test_given_three_pages_when_read_then_sends_limit_and_offsets_0_2_4() -> None:
    with HttpMocker() as http_mocker:
        http_mocker.post(RequestBuilder.token().build(), token_response())
        _mock_activity_pages(http_mocker, limit=2, page_counts=[2, 2, 1])

        output = read_streams(ConfigBuilder().with_page_size(2).build())

        pages = [r.query for r in sent_requests(http_mocker, ACTIVITIES_PATH)]
    assert pages == [
        {**WINDOW, "limit": "2", "offset": "0"},
        {**WINDOW, "limit": "2", "offset": "2"},
        {**WINDOW, "limit": "2", "offset": "4"},
    ]
    assert [r["uid"] for r in records_of(output, "activity")] == [f"act-{i:05d}" for i in range(5)]


def test_given_short_page_when_read_then_sends_no_further_request() -> None:
    with HttpMocker() as http_mocker:
        http_mocker.post(RequestBuilder.token().build(), token_response())
        _mock_activity_pages(http_mocker, limit=3, page_counts=[3, 2])

        output = read_streams(ConfigBuilder().with_page_size(3).build())

        offsets = [r.query["offset"] for r in sent_requests(http_mocker, ACTIVITIES_PATH)]
    assert offsets == ["0", "3"]
    assert not output.errors
    assert output.get_stream_statuses("activity")[-1] == AirbyteStreamStatus.COMPLETE


def test_given_exactly_full_last_page_when_read_then_asks_once_more_and_stops_on_empty_page() -> None:
    with HttpMocker() as http_mocker:
        http_mocker.post(RequestBuilder.token().build(), token_response())
        _mock_activity_pages(http_mocker, limit=2, page_counts=[2, 2, 0])

        output = read_streams(ConfigBuilder().with_page_size(2).build())

        pages = [r.query for r in sent_requests(http_mocker, ACTIVITIES_PATH)]
    assert pages == [
        {**WINDOW, "limit": "2", "offset": "0"},
        {**WINDOW, "limit": "2", "offset": "2"},
        {**WINDOW, "limit": "2", "offset": "4"},
    ]
    assert len(records_of(output, "activity")) == 4
    assert output.get_stream_statuses("activity")[-1] == AirbyteStreamStatus.COMPLETE


def test_given_page_size_in_config_when_read_then_it_is_the_limit() -> None:
    with HttpMocker() as http_mocker:
        http_mocker.post(RequestBuilder.token().build(), token_response())
        _mock_activity_pages(http_mocker, limit=37, page_counts=[5])

        output = read_streams(ConfigBuilder().with_page_size(37).build())

        pages = [r.query for r in sent_requests(http_mocker, ACTIVITIES_PATH)]
    assert pages == [{**WINDOW, "limit": "37", "offset": "0"}]
    assert len(records_of(output, "activity")) == 5


def test_given_no_page_size_when_read_then_limit_is_the_spec_default(manifest) -> None:
    default_page_size = manifest["spec"]["connection_specification"]["properties"]["page_size"]["default"]
    with HttpMocker() as http_mocker:
        http_mocker.post(RequestBuilder.token().build(), token_response())
        _mock_activity_pages(http_mocker, limit=default_page_size, page_counts=[3])

        output = read_streams(ConfigBuilder().without("page_size").build())

        pages = [r.query for r in sent_requests(http_mocker, ACTIVITIES_PATH)]
    assert pages == [{**WINDOW, "limit": str(default_page_size), "offset": "0"}]
    assert len(records_of(output, "activity")) == 3


def test_given_empty_first_page_when_read_then_stream_completes_with_no_records() -> None:
    with HttpMocker() as http_mocker:
        http_mocker.post(RequestBuilder.token().build(), token_response())
        _mock_activity_pages(http_mocker, limit=2, page_counts=[0])

        output = read_streams(ConfigBuilder().with_page_size(2).build())

        pages = [r.query for r in sent_requests(http_mocker, ACTIVITIES_PATH)]
    assert pages == [{**WINDOW, "limit": "2", "offset": "0"}]
    assert records_of(output, "activity") == []
    assert not output.errors
    assert output.get_stream_statuses("activity")[-1] == AirbyteStreamStatus.COMPLETE
