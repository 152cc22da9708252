"""Python twins of the manifest's two per-record steps, for the runs this package serves.

The manifest stays the one description of the connector, and the Connector Builder and Airbyte's
manifest-only image run it as written. `source-peopleai`, `python main.py` and PyAirbyte through
the installed command run the same manifest with two components swapped at load time for these
exact equivalents, because the declarative forms spend most of a read's CPU (README, Performance):

- `DataExtractor` for `definitions.extractor` (a `DpathExtractor` on `[data]`, which walks every
  value of the page to find one key);
- `ActivityFilterAndRename` for `definitions.activity_filter_and_rename` (one Jinja template
  per record, about 50 us each).

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
# The ingestion cursor's start (2010-01-01): a chunk whose read starts there has never been read,
# and is asked for whole (manifest: ingestion_cursor, activity_requester).
NEVER_READ_MS = 1_262_304_000_000
# How far outside its range a record can be when People.ai honours the dates: the manifest's
# activity_requester asks from a day before the range to two days after, and People.ai may read
# those dates in any zone from UTC-12 to UTC+14. A record further out than this means the API
# answered with something other than the range asked for.
FAR_OUTSIDE_MS = 3 * DAY_MS

logger = logging.getLogger("airbyte")
# The same list, in the same order, as the template of activity_filter_and_rename.
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
    definitions["activity_filter_and_rename"] = {
        "type": "CustomRecordFilter",
        "class_name": f"{__name__}.ActivityFilterAndRename",
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


def _day(ms: int) -> str:
    return dt.datetime.fromtimestamp(ms / 1000, dt.timezone.utc).date().isoformat()


@dataclass
class ActivityFilterAndRename(RecordFilter):
    """activity_filter_and_rename's template, statement for statement; and what the manifest
    cannot do (it has no way to log): a warning, once per stream, when People.ai answers with
    records far outside the activity range asked, or far outside the ingestion window asked, as
    it would if it ignored those dates. The records kept are the same either way."""

    def __post_init__(self, parameters: Mapping[str, Any]) -> None:
        super().__post_init__(parameters)
        self._stream = parameters.get("name", "")
        self._warned: Dict[str, bool] = {"dates": False, "ingestion": False}
        self._warning_lock = threading.Lock()

    def filter_records(
        self,
        records: Iterable[Mapping[str, Any]],
        stream_state: StreamState,
        stream_slice: Optional[StreamSlice] = None,
        next_page_token: Optional[Mapping[str, Any]] = None,
    ) -> Iterable[Mapping[str, Any]]:
        assert stream_slice is not None, "activity_filter_and_rename runs inside a chunk's read"
        chunk, dates = stream_slice["chunk"], self.config["_sync_dates"]
        if chunk["kind"] == "history":
            lo = max(chunk["start_ms"], dates["start_ms"])
            hi = min(chunk["end_ms"], dates["current_ms"])
        else:
            lo, hi = dates["current_ms"], dates["horizon_ms"]
        i0, i1 = int(stream_slice["start_time"]), int(stream_slice["end_time"])
        by_ingestion = chunk["kind"] == "history" and i0 > NEVER_READ_MS
        for record in records:
            for field in TIMESTAMP_FIELDS:
                value = record.get(field)
                if isinstance(value, str):
                    record[field] = int(str_to_datetime(value).timestamp() * 1000)  # type: ignore[index]
            if "subject" in record:
                record["api_subject"] = record.pop("subject")  # type: ignore[attr-defined,index]
            record["synced_at"] = i1  # type: ignore[index]
            timestamp, ingested = record.get("activity_timestamp"), record.get("ingested_at")
            in_range = timestamp is None or lo <= timestamp < hi
            in_window = ingested is None or ((not by_ingestion or i0 <= ingested) and ingested <= i1)
            if in_range and in_window:
                yield record
                continue
            if not in_range and not (lo - FAR_OUTSIDE_MS <= timestamp < hi + FAR_OUTSIDE_MS):
                self._warn_once("dates", lo, hi, timestamp)
            if (
                by_ingestion
                and ingested is not None
                and not (i0 - FAR_OUTSIDE_MS <= ingested <= i1 + FAR_OUTSIDE_MS)
            ):
                self._warn_once("ingestion", i0, i1 + 1, ingested)

    def _warn_once(self, kind: str, first_ms: int, end_ms: int, found_ms: int) -> None:
        with self._warning_lock:
            if self._warned[kind]:
                return
            self._warned[kind] = True
        asked = f"{_day(first_ms)} to {_day(end_ms - 1)}"
        if kind == "dates":
            logger.warning(
                f"People.ai seems to ignore the date range: the {self._stream} range {asked} was "
                f"answered with a record of {_day(found_ms)}. Every record is still delivered once "
                f"(each chunk keeps only its own), but every read asks for more than it needs: a "
                f"larger window_days makes such syncs faster. Logged once per stream."
            )
        else:
            logger.warning(
                f"People.ai seems to ignore ingested-from/ingested-to: the {self._stream} read of "
                f"what was ingested from {asked} was answered with a record ingested on "
                f"{_day(found_ms)}. Every record is still delivered once (each read keeps only "
                f"what was ingested in its window), but every incremental sync reads every chunk "
                f"whole. Logged once per stream."
            )
