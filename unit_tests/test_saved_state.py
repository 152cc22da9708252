"""A saved state the connector cannot read: source-peopleai names the stream and how to recover."""

from __future__ import annotations

from typing import Any, Dict

import pytest
from airbyte_cdk.models import FailureType, SyncMode
from airbyte_cdk.models import ConfiguredAirbyteCatalogSerializer
from airbyte_cdk.test.mock_http import HttpMocker
from airbyte_cdk.utils import AirbyteTracedException

from source_peopleai.run import run
from unit_tests.cli import write_json
from unit_tests.config import ConfigBuilder
from unit_tests.harness import catalog_for
from unit_tests.request_builder import sent_requests


def _read_with_state(tmp_path, stream: str, stream_state: Any) -> AirbyteTracedException:
    catalog = ConfiguredAirbyteCatalogSerializer.dump(catalog_for(stream, sync_mode=SyncMode.incremental))
    state = [{"type": "STREAM", "stream": {"stream_descriptor": {"name": stream}, "stream_state": stream_state}}]
    args = [
        "read",
        "--config", write_json(tmp_path / "config.json", ConfigBuilder().build()),
        "--catalog", write_json(tmp_path / "catalog.json", catalog),
        "--state", write_json(tmp_path / "state.json", state),
    ]
    with HttpMocker() as http_mocker:
        with pytest.raises(AirbyteTracedException) as raised:
            run(args)
        assert sent_requests(http_mocker) == []
    return raised.value


CORRUPT: Dict[str, Any] = {
    "activity": {
        "use_global_cursor": False,
        "states": [{"partition": {"chunk": {"kind": "current"}}, "cursor": {"synced_at": "garbage"}}],
    },
    "account_engagement": {"date": "garbage"},
    "opportunities": {"modified_at": "not a time"},
}


@pytest.mark.parametrize("stream", sorted(CORRUPT))
def test_given_a_saved_state_that_cannot_be_read_when_read_then_config_error_names_the_stream_and_the_reset(
    tmp_path, stream: str
) -> None:
    error = _read_with_state(tmp_path, stream, CORRUPT[stream])

    assert error.failure_type == FailureType.config_error
    assert error.message.startswith(f"The saved state of the {stream} stream cannot be read by this version of source-peopleai (")
    assert error.message.endswith(
        "). Reset that stream (in Airbyte: refresh or clear its data) so that its next sync starts again "
        "from start_date; its records are read again, and Append + Deduped keeps each one once."
    )
    assert "garbage" in error.message or "not a time" in error.message


def test_given_a_saved_state_that_is_not_an_object_when_read_then_it_is_named_too(tmp_path) -> None:
    error = _read_with_state(tmp_path, "activity", {"use_global_cursor": False, "states": "everything"})

    assert error.failure_type == FailureType.config_error
    assert "The saved state of the activity stream cannot be read" in error.message
