"""Runs the People.ai source as Airbyte does, for the tests (fixtures in conftest.py wrap these)."""

from __future__ import annotations

from typing import Any, Dict, List, Mapping, Optional

import yaml
from airbyte_cdk.models import AirbyteMessage, AirbyteStateMessage, ConfiguredAirbyteCatalog, SyncMode
from airbyte_cdk.test.catalog_builder import CatalogBuilder
from airbyte_cdk.test.entrypoint_wrapper import EntrypointOutput, read
from airbyte_cdk.test.models.scenario import ExpectedOutcome
from airbyte_cdk.test.state_builder import StateBuilder

from source_peopleai import SourcePeopleai, manifest_path


def load_manifest() -> Dict[str, Any]:
    with open(manifest_path(), encoding="utf-8") as manifest_file:
        return yaml.safe_load(manifest_file)


def catalog_for(*stream_names: str, sync_mode: SyncMode = SyncMode.full_refresh) -> ConfiguredAirbyteCatalog:
    builder = CatalogBuilder()
    for name in stream_names:
        builder = builder.with_stream(name, sync_mode)
    return builder.build()


def state_for(stream: str, cursor_value: Any) -> List[AirbyteStateMessage]:
    """A saved state as Airbyte hands it back: {"activity_timestamp": <epoch ms as text>}."""
    return StateBuilder().with_stream_state(stream, {"activity_timestamp": cursor_value}).build()


def build_source(
    config: Optional[Mapping[str, Any]] = None,
    catalog: Optional[ConfiguredAirbyteCatalog] = None,
    state: Optional[List[AirbyteStateMessage]] = None,
) -> SourcePeopleai:
    # The declarative source takes config, catalog and state when it is built, as the CLI does.
    return SourcePeopleai(catalog=catalog, config=config, state=state)


def read_streams(
    config: Mapping[str, Any],
    *stream_names: str,
    expect_failure: bool = False,
    sync_mode: SyncMode = SyncMode.full_refresh,
    state: Optional[List[AirbyteStateMessage]] = None,
) -> EntrypointOutput:
    """`read` through the Airbyte entrypoint, for the named streams (default: activity)."""
    catalog = catalog_for(*(stream_names or ("activity",)), sync_mode=sync_mode)
    return read(
        build_source(config, catalog, state),
        config,
        catalog,
        state=state,
        expected_outcome=(
            ExpectedOutcome.EXPECT_EXCEPTION if expect_failure else ExpectedOutcome.EXPECT_SUCCESS
        ),
    )


def final_state(output: EntrypointOutput, stream: str) -> Dict[str, Any]:
    """The stream state of the last STATE message for `stream`."""
    states = [
        m.state.stream.stream_state.__dict__
        for m in output.state_messages
        if m.state.stream.stream_descriptor.name == stream
    ]
    assert states, f"expected a STATE message for {stream}"
    return states[-1]


def records_of(output: EntrypointOutput, stream: str) -> List[Dict[str, Any]]:
    return [m.record.data for m in output.records if m.record.stream == stream]


def error_texts(output: EntrypointOutput) -> List[str]:
    """Message and internal message of every ERROR trace, as a user or a log reader sees them."""
    return [f"{m.trace.error.message} {m.trace.error.internal_message}" for m in output.errors]


def first_error(output: EntrypointOutput) -> AirbyteMessage:
    assert output.errors, "expected the read to emit an ERROR trace"
    return output.errors[0]


def nonzero(waits: List[float]) -> List[float]:
    return [wait for wait in waits if wait]
