"""Dates and mocks for the tests of activity chunks: epoch milliseconds of UTC days, one mocked read."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone
from typing import Any, Dict, List, Mapping, Optional, Tuple

from airbyte_cdk.test.mock_http import HttpMocker

from unit_tests.clock import FROZEN_NOW
from unit_tests.config import BASE_URL, HORIZON, TODAY
from unit_tests.request_builder import ACTIVITIES_PATH, RequestBuilder, chunk_query
from unit_tests.response_builder import activity, page_response

DAY_MS = 86_400_000
HOUR_MS = 3_600_000
# The ingestion cursor's start: a chunk whose cursor is here has never been read.
NEVER_READ_MS = 1_262_304_000_000
NOW_MS = int(FROZEN_NOW.timestamp() * 1000)


def days_ago(days: int) -> date:
    return TODAY - timedelta(days=days)


def ms(day: date, hour: int = 0, minute: int = 0) -> int:
    """Epoch milliseconds of `day` at hour:minute UTC."""
    return int(datetime.combine(day, time(hour, minute), tzinfo=timezone.utc).timestamp() * 1000)


def at(uid: str, timestamp: Any, **fields: Any) -> Dict[str, Any]:
    """An activity with this uid and activity_timestamp (ingested as the fixture is, minutes later,
    unless `ingested_at` is given)."""
    return activity(uid, subject=f"Subject of {uid}", activity_timestamp=timestamp, **fields)


def mock_chunk(
    http_mocker: HttpMocker,
    first_day: date,
    last_day: date,
    answer: Any,
    path: str = ACTIVITIES_PATH,
    limit: int = 1000,
    ingested: Optional[Tuple[int, int]] = None,
    include_deleted: bool = False,
) -> None:
    """The first page of the read of activities dated [first_day, last_day] (ingested in
    `ingested`, when given) answers `answer`: a list of records (one short page) or an
    HttpResponse (or a list of them, played in order)."""
    request = (
        RequestBuilder(BASE_URL, path)
        .with_chunk(first_day, last_day, ingested, include_deleted)
        .with_limit(limit)
        .with_offset(0)
        .build()
    )
    if isinstance(answer, list) and (not answer or isinstance(answer[0], Mapping)):
        answer = page_response(answer, limit=limit)
    http_mocker.get(request, answer)


def mock_current(http_mocker: HttpMocker, first_day: date, answer: Any, **kwargs: Any) -> None:
    """The current chunk: from `first_day` to 180 days ahead, read whole."""
    mock_chunk(http_mocker, first_day, HORIZON, answer, **kwargs)


def expected_query(
    first_day: date,
    last_day: date,
    ingested: Optional[Tuple[int, int]] = None,
    offset: int = 0,
    limit: int = 1000,
) -> Dict[str, str]:
    return {**chunk_query(first_day, last_day, ingested), "limit": str(limit), "offset": str(offset)}


def uids(records: List[Mapping[str, Any]]) -> List[str]:
    return sorted(record["uid"] for record in records)
