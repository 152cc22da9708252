"""HTTP answers built from the JSON fixtures in resource/http/response/."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any, Dict, List, Mapping, Optional

from airbyte_cdk.test.mock_http import HttpResponse

RESPONSE_DIR = Path(__file__).parent / "resource" / "http" / "response"


def load_fixture(name: str) -> Any:
    return json.loads((RESPONSE_DIR / f"{name}.json").read_text(encoding="utf-8"))


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
    """`count` distinct activities, numbered from `start` (uids act-00000, act-00001, ...)."""
    return [
        activity(f"act-{index:05d}", subject=f"Subject of activity {index}")
        for index in range(start, start + count)
    ]


def participant(uid: str, email: str, **fields: Any) -> Dict[str, Any]:
    record = copy.deepcopy(load_fixture("participants")["data"][0])
    record["uid"] = uid
    record["email"] = email
    record.update(fields)
    return record


def participants(count: int, start: int = 0) -> List[Dict[str, Any]]:
    return [
        participant(f"act-{index // 2:05d}", f"person{index}@acme.example")
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
    return HttpResponse((RESPONSE_DIR / f"{name}.json").read_text(encoding="utf-8"), status_code, all_headers)


def error_response(status_code: int, headers: Optional[Dict[str, str]] = None) -> HttpResponse:
    """People.ai's JSON error body for a status (error_<status>.json)."""
    return fixture_response(f"error_{status_code}", status_code, headers)


def raw_response(body: str, status_code: int = 200, content_type: str = "application/json") -> HttpResponse:
    return HttpResponse(body, status_code, {"Content-Type": content_type})
