"""The `source-peopleai` command: spec, check, discover and read, as every Airbyte source has."""

from __future__ import annotations

import sys
import traceback
from typing import List, Optional

import orjson
from airbyte_cdk.entrypoint import AirbyteEntrypoint, launch
from airbyte_cdk.models import (
    AirbyteErrorTraceMessage,
    AirbyteMessage,
    AirbyteMessageSerializer,
    AirbyteTraceMessage,
    FailureType,
    TraceType,
    Type,
)
from airbyte_cdk.utils.datetime_helpers import ab_datetime_now

from source_peopleai.source import SourcePeopleai


def _source_from_args(args: List[str]) -> SourcePeopleai:
    """Builds the source from the files named on the command line.

    The CDK's declarative source takes config, catalog and state when it is built, so they are
    read here, before `launch` parses the same arguments again.
    """
    parsed = AirbyteEntrypoint.parse_args(args)
    config_path = getattr(parsed, "config", None)
    catalog_path = getattr(parsed, "catalog", None)
    state_path = getattr(parsed, "state", None)
    return SourcePeopleai(
        config=SourcePeopleai.read_config(config_path) if config_path else None,
        catalog=SourcePeopleai.read_catalog(catalog_path) if catalog_path else None,
        state=SourcePeopleai.read_state(state_path) if state_path else None,
        config_path=config_path,
    )


def _print_startup_error(error: Exception) -> None:
    message = AirbyteMessage(
        type=Type.TRACE,
        trace=AirbyteTraceMessage(
            type=TraceType.ERROR,
            emitted_at=ab_datetime_now().to_epoch_millis(),
            error=AirbyteErrorTraceMessage(
                message=(
                    "source-peopleai could not start: a file given with --config, --catalog or "
                    f"--state is missing or is not valid JSON. {error}"
                ),
                internal_message=str(error),
                stack_trace=traceback.format_exc(),
                failure_type=FailureType.config_error,
            ),
        ),
    )
    print(orjson.dumps(AirbyteMessageSerializer.dump(message)).decode(), flush=True)


def run(args: Optional[List[str]] = None) -> None:
    args = sys.argv[1:] if args is None else args
    try:
        source = _source_from_args(args)
    except (OSError, ValueError) as error:
        _print_startup_error(error)
        sys.exit(1)
    launch(source, args)


if __name__ == "__main__":
    run()
