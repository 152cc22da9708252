"""Runs the People.ai source as Airbyte does, for the tests (fixtures in conftest.py wrap these)."""

from __future__ import annotations

from typing import Any, Dict, List, Mapping, Optional

import yaml
from airbyte_cdk.models import AirbyteMessage, ConfiguredAirbyteCatalog, SyncMode
from airbyte_cdk.test.catalog_builder import CatalogBuilder
from airbyte_cdk.test.entrypoint_wrapper import EntrypointOutput, read
from airbyte_cdk.test.models.scenario import ExpectedOutcome

from source_peopleai import SourcePeopleai, manifest_path


def load_manifest() -> Dict[str, Any]:
    with open(manifest_path(), encoding="utf-8") as manifest_file:
        return yaml.safe_load(manifest_file)


def catalog_for(*stream_names: str) -> ConfiguredAirbyteCatalog:
    builder = CatalogBuilder()
    for name in stream_names:
        builder = builder.with_stream(name, SyncMode.full_refresh)
    return builder.build()


def build_source(
    config: Optional[Mapping[str, Any]] = None,
    catalog: Optional[ConfiguredAirbyteCatalog] = None,
) -> SourcePeopleai:
    # The declarative source takes config and catalog when it is built, as the CLI does.
    return SourcePeopleai(catalog=catalog, config=config, state=None)


def read_streams(
    config: Mapping[str, Any], *stream_names: str, expect_failure: bool = False
) -> EntrypointOutput:
    """`read` through the Airbyte entrypoint, for the named streams (default: activity)."""
    catalog = catalog_for(*(stream_names or ("activity",)))
    return read(
        build_source(config, catalog),
        config,
        catalog,
        expected_outcome=(
            ExpectedOutcome.EXPECT_EXCEPTION if expect_failure else ExpectedOutcome.EXPECT_SUCCESS
        ),
    )


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
