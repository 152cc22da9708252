"""Dates and mocks for the date-window tests: epoch milliseconds of UTC days, one mocked window."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone
from typing import Any, Dict, List, Mapping

from airbyte_cdk.test.mock_http import HttpMocker

from unit_tests.config import BASE_URL, TODAY
from unit_tests.request_builder import ACTIVITIES_PATH, RequestBuilder, window_query
from unit_tests.response_builder import activity, page_response

DAY_MS = 86_400_000


def days_ago(days: int) -> date:
    return TODAY - timedelta(days=days)


def ms(day: date, hour: int = 0, minute: int = 0) -> int:
    """Epoch milliseconds of `day` at hour:minute UTC."""
    return int(datetime.combine(day, time(hour, minute), tzinfo=timezone.utc).timestamp() * 1000)


def at(uid: str, timestamp: Any, **fields: Any) -> Dict[str, Any]:
    """An activity with this uid and activity_timestamp."""
    return activity(uid, subject=f"Subject of {uid}", activity_timestamp=timestamp, **fields)


def mock_window(
    http_mocker: HttpMocker,
    first_day: date,
    last_day: date,
    answer: Any,
    path: str = ACTIVITIES_PATH,
    limit: int = 1000,
) -> None:
    """The first page of the window [first_day, last_day] answers `answer`: a list of records
    (one short page) or an HttpResponse (or a list of them, played in order)."""
    request = RequestBuilder(BASE_URL, path).with_window(first_day, last_day).with_limit(limit).with_offset(0).build()
    if isinstance(answer, list) and (not answer or isinstance(answer[0], Mapping)):
        answer = page_response(answer, limit=limit)
    http_mocker.get(request, answer)


def expected_query(first_day: date, last_day: date, offset: int = 0, limit: int = 1000) -> Dict[str, str]:
    return {**window_query(first_day, last_day), "limit": str(limit), "offset": str(offset)}


def uids(records: List[Mapping[str, Any]]) -> List[str]:
    return sorted(record["uid"] for record in records)

