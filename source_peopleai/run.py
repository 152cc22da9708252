"""The `source-peopleai` command: spec, check, discover and read, as every Airbyte source has."""

from __future__ import annotations

import ctypes
import logging
import os
import sys
import traceback
from typing import List, Optional

import jsonschema
import orjson
from airbyte_cdk.entrypoint import AirbyteEntrypoint
from airbyte_cdk.logger import PRINT_BUFFER
from airbyte_cdk.models import (
    AirbyteErrorTraceMessage,
    AirbyteMessage,
    AirbyteMessageSerializer,
    AirbyteTraceMessage,
    FailureType,
    TraceType,
    Type,
)
from airbyte_cdk.sources.utils.schema_helpers import split_config
from airbyte_cdk.utils import AirbyteTracedException
from airbyte_cdk.utils.datetime_helpers import ab_datetime_now

from source_peopleai.source import SourcePeopleai

logger = logging.getLogger("airbyte")


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


def _unreadable_state_error(source: SourcePeopleai, error: Exception) -> Optional[AirbyteTracedException]:
    """When the read failed because a saved state cannot be read, an error that names the stream
    and says how to recover; None when no single stream's state explains the failure.

    The CDK reads each stream's state when it builds the streams, and a value it cannot parse
    ends the whole read with "Something went wrong in the connector". Only on that failure path,
    each stream is built again with its own state alone, to find which.
    """
    config, catalog = source.given["config"], source.given["catalog"]
    for message in source.given["state"] or []:
        stream = getattr(getattr(message, "stream", None), "stream_descriptor", None)
        if stream is None:
            continue
        try:
            # discover builds every stream from the normalized config, as read does.
            SourcePeopleai(config=config, catalog=catalog, state=[message]).discover(logger, config)
        except Exception as cause:  # noqa: BLE001 - any failure to read this state is the answer
            return AirbyteTracedException(
                message=(
                    f"The saved state of the {stream.name} stream cannot be read by this version of "
                    f"source-peopleai ({cause}). Reset that stream (in Airbyte: refresh or clear its "
                    "data) so that its next sync starts again from start_date; its records are read "
                    "again, and Append + Deduped keeps each one once."
                ),
                internal_message=f"state of {stream.name} not understood: {cause!r}; the read failed with {error!r}",
                failure_type=FailureType.config_error,
            )
    return None


def describe_config_error(error: jsonschema.ValidationError, schema: dict) -> str:
    """The spec violation in words that name the field, never echoing a secret's value."""
    if not error.path:
        return error.message  # e.g. "'api_secret' is a required property"
    field = str(error.path[0])
    prop = schema.get("properties", {}).get(field, {})
    if prop.get("airbyte_secret"):
        return f"{field} is not valid: it must be a {prop.get('type', 'value')}."
    if error.validator == "pattern" and " is in the future: " in str(error.instance):
        # The manifest's config normalization turns a future start_date into this sentence.
        return f"{error.instance}."
    if error.validator == "pattern" and prop.get("pattern_descriptor"):
        return f"{field} must look like {prop['pattern_descriptor']}, not {error.instance!r}."
    return f"{field}: {error.message}."


class PeopleaiEntrypoint(AirbyteEntrypoint):
    @staticmethod
    def validate_connection(source_spec, config) -> None:  # type: ignore[no-untyped-def]
        """The CDK's check of the config against the spec, with messages that name the field."""
        connector_config, _ = split_config(config)
        schema = source_spec.connectionSpecification
        error = jsonschema.exceptions.best_match(
            jsonschema.Draft7Validator(schema).iter_errors(connector_config)
        )
        if error is not None:
            message = describe_config_error(error, schema)
            raise AirbyteTracedException(
                message=f"Config validation error: {message}",
                internal_message=message,
                failure_type=FailureType.config_error,
            ) from None


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


def _cap_malloc_arenas(arenas: int = 2) -> None:
    """Lets glibc's malloc keep at most `arenas` arenas, as MALLOC_ARENA_MAX=2 would.

    Each of the CDK's worker threads otherwise gets an arena of its own, and pages of decoded
    JSON freed in one thread's arena are rarely handed back. Measured with `benchmarks/bench.py
    --mode cpu`: peak memory 266 MB without the cap, 171 MB with it, at the same speed. It must happen before the workers start. A
    no-op where the C library has no mallopt (not glibc) or where the user set MALLOC_ARENA_MAX.
    """
    M_ARENA_MAX = -8  # glibc's malloc.h
    if os.environ.get("MALLOC_ARENA_MAX"):
        return
    try:
        ctypes.CDLL(None).mallopt(M_ARENA_MAX, arenas)
    except (OSError, AttributeError):
        pass


def run(args: Optional[List[str]] = None) -> None:
    args = sys.argv[1:] if args is None else args
    _cap_malloc_arenas()
    try:
        source = _source_from_args(args)
    except (OSError, ValueError) as error:
        _print_startup_error(error)
        sys.exit(1)
    entrypoint = PeopleaiEntrypoint(source)
    # As airbyte_cdk.entrypoint.launch does: one print per message, so that the messages of
    # concurrent streams never interleave.
    with PRINT_BUFFER:
        try:
            for message in entrypoint.run(entrypoint.parse_args(args)):
                print(f"{message}\n", end="")
        except AirbyteTracedException:
            raise
        except Exception as error:
            unreadable = _unreadable_state_error(source, error)
            if unreadable is None:
                raise
            raise unreadable from error


if __name__ == "__main__":
    run()
