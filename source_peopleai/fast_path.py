"""Python twins of the manifest's two per-record steps, for the runs this package serves.

The manifest stays the one description of the connector, and the Connector Builder and Airbyte's
manifest-only image run it as written. `source-peopleai`, `python main.py` and PyAirbyte through
the installed command run the same manifest with two components swapped at load time for these
exact equivalents, because the declarative forms spend most of a read's CPU (README, Performance):

- `DataExtractor` for `definitions.extractor` (a `DpathExtractor` on `[data]`, which walks every
  value of the page to find one key);
- `WindowFilterAndRename` for `definitions.window_filter_and_rename` (one Jinja template per
  record, about 50 us each).

The unit suite runs through both (unit_tests/conftest.py), so the two cannot drift apart.
Set PEOPLEAI_DECLARATIVE_ONLY=1 to run the manifest exactly as written.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import threading
from dataclasses import InitVar, dataclass
from typing import Any, Dict, Iterable, Mapping, MutableMapping, Optional

import orjson
import requests
from airbyte_cdk.sources.declarative.extractors.record_extractor import RecordExtractor
from airbyte_cdk.sources.declarative.extractors.record_filter import RecordFilter
from airbyte_cdk.sources.declarative.interpolation.macros import str_to_datetime
from airbyte_cdk.sources.types import Config, StreamSlice, StreamState

DECLARATIVE_ONLY_ENV = "PEOPLEAI_DECLARATIVE_ONLY"

DAY_MS = 86_400_000
# How far outside its window a record can be when People.ai honours the dates: the manifest's
# windowed_requester asks from a day before the window to two days after, and People.ai may read
# those dates in any zone from UTC-12 to UTC+14. A record further out than this means the API
# answered with something other than the range asked for.
FAR_OUTSIDE_MS = 3 * DAY_MS

logger = logging.getLogger("airbyte")
# The same list, in the same order, as the template of window_filter_and_rename.
TIMESTAMP_FIELDS = (
    "activity_timestamp",
    "created_at",
    "ingested_at",
    "modified_at",
    "updated_at",
    "email_reply_time",
    "meeting_start_time",
    "meeting_end_time",
)


def enabled() -> bool:
    return os.environ.get(DECLARATIVE_ONLY_ENV, "") not in ("1", "true", "yes")


def with_fast_path(manifest: Dict[str, Any]) -> Dict[str, Any]:
    """The manifest with its two per-record components replaced by their Python twins."""
    definitions = dict(manifest["definitions"])
    definitions["extractor"] = {
        "type": "CustomRecordExtractor",
        "class_name": f"{__name__}.DataExtractor",
    }
    definitions["window_filter_and_rename"] = {
        "type": "CustomRecordFilter",
        "class_name": f"{__name__}.WindowFilterAndRename",
    }
    return {**manifest, "definitions": definitions}


@dataclass
class DataExtractor(RecordExtractor):
    """DpathExtractor(field_path=[data]) with the JsonDecoder: the records of `body["data"]`."""

    config: Config
    parameters: InitVar[Mapping[str, Any]]

    def __post_init__(self, parameters: Mapping[str, Any]) -> None:
        pass

    def extract_records(self, response: requests.Response) -> Iterable[MutableMapping[Any, Any]]:
        try:
            body = orjson.loads(response.content)
        except orjson.JSONDecodeError:
            return  # the JsonDecoder reads an undecodable body as {}: no records
        if not isinstance(body, dict):
            return  # the error handler's shape check fails such answers before this runs
        data = body.get("data")
        if isinstance(data, list):
            yield from data
        elif data:
            yield data  # as dpath: a single object is one record


@dataclass
class WindowFilterAndRename(RecordFilter):
    """window_filter_and_rename's template, statement for statement; and one thing the manifest
    cannot do (it has no way to log): a warning, once per stream, when People.ai answers a window
    with records far outside the range asked, as it would if it ignored the dates. The records
    kept are the same either way."""

    def __post_init__(self, parameters: Mapping[str, Any]) -> None:
        super().__post_init__(parameters)
        self._stream = parameters.get("name", "")
        self._warned = False
        self._warning_lock = threading.Lock()

    def filter_records(
        self,
        records: Iterable[Mapping[str, Any]],
        stream_state: StreamState,
        stream_slice: Optional[StreamSlice] = None,
        next_page_token: Optional[Mapping[str, Any]] = None,
    ) -> Iterable[Mapping[str, Any]]:
        assert stream_slice is not None, "window_filter_and_rename runs inside a date window"
        first_ms = int(stream_slice["start_time"])
        end_ms = int(stream_slice["end_time"]) + DAY_MS
        for record in records:
            for field in TIMESTAMP_FIELDS:
                value = record.get(field)
                if isinstance(value, str):
                    record[field] = int(str_to_datetime(value).timestamp() * 1000)  # type: ignore[index]
            if "subject" in record:
                record["api_subject"] = record.pop("subject")  # type: ignore[attr-defined,index]
            timestamp = record.get("activity_timestamp")
            if timestamp is None or first_ms <= timestamp < end_ms:
                yield record
            elif not self._warned and not (
                first_ms - FAR_OUTSIDE_MS <= timestamp < end_ms + FAR_OUTSIDE_MS
            ):
                self._warn_dates_ignored(first_ms, end_ms, timestamp)

    def _warn_dates_ignored(self, first_ms: int, end_ms: int, timestamp: int) -> None:
        with self._warning_lock:
            if self._warned:
                return
            self._warned = True

        def day(ms: int) -> str:
            return dt.datetime.fromtimestamp(ms / 1000, dt.timezone.utc).date().isoformat()

        logger.warning(
            f"People.ai seems to ignore the date range: the {self._stream} window "
            f"{day(first_ms)} to {day(end_ms - DAY_MS)} was answered with a record of "
            f"{day(timestamp)}. Every record is still delivered once (each window keeps only its "
            f"own), but every window reads more than it needs: a larger window_days makes such "
            f"syncs faster. Logged once per stream."
        )
