"""Opportunities and contacts: incremental on modified_at, filtered on our side."""

from __future__ import annotations

import pytest
from airbyte_cdk.models import SyncMode
from airbyte_cdk.test.mock_http import HttpMocker
from airbyte_cdk.test.state_builder import StateBuilder

from unit_tests.config import ConfigBuilder
from unit_tests.chunks import DAY_MS, days_ago, ms
from unit_tests.harness import final_state, read_streams, records_of
from unit_tests.request_builder import OBJECT_PATHS, RequestBuilder, sent_requests
from unit_tests.response_builder import crm_object, page_response, token_response

STREAMS = ["opportunities", "contacts"]


def _mock_listing(http_mocker: HttpMocker, stream: str, modified: dict) -> None:
    http_mocker.post(RequestBuilder.token().build(), token_response())
    http_mocker.get(
        RequestBuilder.objects(stream).with_limit(1000).with_offset(0).build(),
        page_response([crm_object(stream, object_id, modified_at=at) for object_id, at in modified.items()]),
    )


@pytest.mark.parametrize("stream", STREAMS)
def test_given_first_incremental_sync_when_read_then_every_record_and_state_is_latest_modified_at(stream: str) -> None:
    modified = {1: ms(days_ago(2000)), 2: ms(days_ago(3), 9), 3: ms(days_ago(40))}
    with HttpMocker() as http_mocker:
        _mock_listing(http_mocker, stream, modified)

        output = read_streams(ConfigBuilder().build(), stream, sync_mode=SyncMode.incremental)

    # No start date applies: an object last changed years ago is part of the first sync.
    assert sorted(r["id"] for r in records_of(output, stream)) == [1, 2, 3]
    assert final_state(output, stream) == {"modified_at": str(ms(days_ago(3), 9))}


@pytest.mark.parametrize("stream", STREAMS)
def test_given_state_when_read_then_reads_everything_and_emits_only_changes_since_cursor_minus_lookback(
    stream: str,
) -> None:
    cursor = ms(days_ago(10))
    modified = {
        1: cursor - 7 * DAY_MS - 1,  # before the lookback: already delivered
        2: cursor - 7 * DAY_MS,  # at the lookback's edge: delivered again
        3: ms(days_ago(1)),  # changed since
    }
    with HttpMocker() as http_mocker:
        _mock_listing(http_mocker, stream, modified)

        output = read_streams(
            ConfigBuilder().build(),
            stream,
            sync_mode=SyncMode.incremental,
            state=StateBuilder().with_stream_state(stream, {"modified_at": str(cursor)}).build(),
        )

        queries = [r.query for r in sent_requests(http_mocker, OBJECT_PATHS[stream])]
    # The whole listing is still read: the saving is the destination's, not the API's.
    assert queries == [{"limit": "1000", "offset": "0"}]
    assert sorted(r["id"] for r in records_of(output, stream)) == [2, 3]
    assert final_state(output, stream) == {"modified_at": str(ms(days_ago(1)))}


@pytest.mark.parametrize("stream", STREAMS)
def test_given_full_refresh_when_read_then_every_record_whatever_its_modified_at(stream: str) -> None:
    modified = {1: ms(days_ago(3000)), 2: None}
    with HttpMocker() as http_mocker:
        _mock_listing(http_mocker, stream, modified)

        output = read_streams(ConfigBuilder().build(), stream)

    assert sorted(r["id"] for r in records_of(output, stream)) == [1, 2]


def test_given_iso_modified_at_when_read_from_state_then_filtered_as_epoch_milliseconds() -> None:
    cursor = ms(days_ago(10))
    with HttpMocker() as http_mocker:
        _mock_listing(
            http_mocker,
            "opportunities",
            {
                1: f"{days_ago(30).isoformat()}T12:00:00.000Z",
                2: f"{days_ago(2).isoformat()}T12:00:00.000Z",
            },
        )

        output = read_streams(
            ConfigBuilder().with_lookback_days(0).build(),
            "opportunities",
            sync_mode=SyncMode.incremental,
            state=StateBuilder().with_stream_state("opportunities", {"modified_at": str(cursor)}).build(),
        )

    assert [(r["id"], r["modified_at"]) for r in records_of(output, "opportunities")] == [(2, ms(days_ago(2), 12))]
