"""HTTP answers built from the JSON fixtures in resource/http/response/."""

from __future__ import annotations

import copy
import json
from datetime import datetime, time, timezone
from pathlib import Path
from typing import Any, Dict, List, Mapping, Optional

from airbyte_cdk.test.mock_http import HttpResponse

from unit_tests.config import START_DATE

RESPONSE_DIR = Path(__file__).parent / "resource" / "http" / "response"
DAY_MS = 86_400_000
# Epoch milliseconds of START_DATE 00:00 UTC: the first instant of the default config's window.
START_MS = int(datetime.combine(START_DATE, time(0), tzinfo=timezone.utc).timestamp() * 1000)
# The fixtures were captured with their first activity at this time; they are moved so that it
# falls on the second day of the default window (09:00 UTC), keeping every other time relative.
_FIXTURE_FIRST_ACTIVITY_MS = 1790950800000
_SHIFT_MS = START_MS + DAY_MS + 9 * 3_600_000 - _FIXTURE_FIRST_ACTIVITY_MS
_TIMESTAMP_FIELDS = (
    "activity_timestamp", "created_at", "ingested_at", "modified_at", "email_reply_time",
    "meeting_start_time", "meeting_end_time",
)


def load_fixture(name: str) -> Any:
    body = json.loads((RESPONSE_DIR / f"{name}.json").read_text(encoding="utf-8"))
    for record in body.get("data", []) if isinstance(body, dict) else []:
        for field in _TIMESTAMP_FIELDS:
            if isinstance(record.get(field), int):
                record[field] += _SHIFT_MS
    return body


ACCESS_TOKEN: str = load_fixture("token")["access_token"]


def token_response(access_token: str = ACCESS_TOKEN, expires_in: Optional[int] = 7200) -> HttpResponse:
    body = load_fixture("token")
    body["access_token"] = access_token
    if expires_in is None:
        del body["expires_in"]
    else:
        body["expires_in"] = expires_in
    return HttpResponse(json.dumps(body), 200, {"Content-Type": "application/json"})


def activity(uid: str, **fields: Any) -> Dict[str, Any]:
    """The first fixture activity with another uid; keyword fields override or add keys."""
    record = copy.deepcopy(load_fixture("activities")["data"][0])
    record["uid"] = uid
    record.update(fields)
    return record


def activities(count: int, start: int = 0) -> List[Dict[str, Any]]:
    """`count` distinct activities, numbered from `start` (uids act-00000, act-00001, ...),
    a minute apart from the first day of the default window on."""
    return [
        activity(
            f"act-{index:05d}",
            subject=f"Subject of activity {index}",
            activity_timestamp=START_MS + index * 60_000,
        )
        for index in range(start, start + count)
    ]


def participant(uid: str, email: str, **fields: Any) -> Dict[str, Any]:
    record = copy.deepcopy(load_fixture("participants")["data"][0])
    record["uid"] = uid
    record["email"] = email
    record.update(fields)
    return record


def participants(count: int, start: int = 0) -> List[Dict[str, Any]]:
    """Two participants per activity, carrying their activity's time as the API does."""
    return [
        participant(
            f"act-{index // 2:05d}",
            f"person{index}@acme.example",
            activity_uid=f"act-{index // 2:05d}",
            activity_timestamp=START_MS + (index // 2) * 60_000,
        )
        for index in range(start, start + count)
    ]


def page_response(records: List[Mapping[str, Any]], limit: int = 1000, offset: int = 0) -> HttpResponse:
    """The documented envelope: {"data": [...], "meta": {...}}."""
    body = {
        "data": list(records),
        "meta": {"limit": limit, "offset": offset, "total": None, "message": "OK"},
    }
    return HttpResponse(json.dumps(body), 200, {"Content-Type": "application/json"})


def fixture_response(name: str, status_code: int = 200, headers: Optional[Dict[str, str]] = None) -> HttpResponse:
    """A fixture file as it is, e.g. fixture_response("activities") or fixture_response("error_403", 403)."""
    all_headers = {"Content-Type": "application/json"}
    all_headers.update(headers or {})
    return HttpResponse(json.dumps(load_fixture(name)), status_code, all_headers)


def error_response(status_code: int, headers: Optional[Dict[str, str]] = None) -> HttpResponse:
    """People.ai's JSON error body for a status (error_<status>.json)."""
    return fixture_response(f"error_{status_code}", status_code, headers)


def raw_response(body: str, status_code: int = 200, content_type: str = "application/json") -> HttpResponse:
    return HttpResponse(body, status_code, {"Content-Type": content_type})


def crm_object(stream: str, object_id: int, **fields: Any) -> Dict[str, Any]:
    """A record of an object stream, as the API describes it (fixtures <stream>.json)."""
    record = copy.deepcopy(load_fixture(stream)["data"][0])
    record["id"] = object_id
    record.update(fields)
    return record


def engagement_score(object_id: int, day: str, score: int = 42, **fields: Any) -> Dict[str, Any]:
    record = {"id": object_id, "crm_id": f"001{object_id:012d}", "date": day, "score": score,
              "timestamp": START_MS}
    record.update(fields)
    return record
