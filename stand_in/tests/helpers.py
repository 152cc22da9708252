"""Helpers shared by the stand-in tests: plain HTTP calls with urllib, and date arithmetic."""

from __future__ import annotations

import datetime as dt
import json
import os
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path
from zoneinfo import ZoneInfo

from stand_in import StandIn

REPO_ROOT = Path(__file__).resolve().parents[2]
TODAY = "2025-06-15"  # the tests' fixed server date (LA is on daylight time)
N_ACTIVITIES = 1000  # past activities (--activities)
N_AHEAD = N_ACTIVITIES // 50  # meetings booked ahead (the default --meetings-ahead)
N_TOTAL = N_ACTIVITIES + N_AHEAD  # every activity of the base dataset
SEED = 7
ACTS = "/v0/public/activities"
PARTS = "/v0/public/activities/participants"
DAY_MS = 86_400_000
OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))
EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.timezone.utc)
ERROR_KEYS = {"code", "id", "message", "path", "timestamp"}


class Resp:
    def __init__(self, status: int, headers, body: bytes) -> None:
        self.status = status
        self.headers = headers
        self.body = body

    def json(self):
        return json.loads(self.body)


def call(api: StandIn, method: str, path: str, data: bytes | None = None, headers: dict | None = None,
         timeout: float = 30) -> Resp:
    req = urllib.request.Request(api.url + path, data=data, method=method, headers=headers or {})
    try:
        with OPENER.open(req, timeout=timeout) as r:
            return Resp(r.status, r.headers, r.read())
    except urllib.error.HTTPError as e:
        return Resp(e.code, e.headers, e.read())


def post_json(api: StandIn, path: str, obj) -> Resp:
    return call(api, "POST", path, json.dumps(obj).encode(), {"Content-Type": "application/json"})


def token_call(api: StandIn, **fields) -> Resp:
    form = {"grant_type": "client_credentials", "client_id": api.client_id, "client_secret": api.client_secret}
    form.update(fields)
    form = {k: v for k, v in form.items() if v is not None}
    return call(api, "POST", "/auth/v1/tokens", urllib.parse.urlencode(form).encode(),
                {"Content-Type": "application/x-www-form-urlencoded"})


def get_token(api: StandIn) -> str:
    r = token_call(api)
    assert r.status == 200, r.body
    return r.json()["access_token"]


def get(api: StandIn, path: str, token: str | None, **params) -> Resp:
    """GET with query parameters (hyphenated names: ``**{"last-n-days": 5}``)."""
    qs = ("?" + urllib.parse.urlencode(params)) if params else ""
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return call(api, "GET", path + qs, headers=headers)


def fetch_all(api: StandIn, path: str, token: str, page: int = 1000, **params) -> list[dict]:
    """Every record of a listing, page by page; checks meta.total on each page."""
    out, offset, total = [], 0, None
    while True:
        r = get(api, path, token, limit=page, offset=offset, **params)
        assert r.status == 200, (r.status, r.body[:300])
        body = r.json()
        if total is None:
            total = body["meta"]["total"]
        assert body["meta"]["total"] == total
        out.extend(body["data"])
        offset += len(body["data"])
        if len(body["data"]) < page:
            break
    assert len(out) == total
    return out


def read(api: StandIn, tok: str, **params) -> tuple[list[dict], list[dict]]:
    """Every activity and participant row a query selects, all pages."""
    return fetch_all(api, ACTS, tok, **params), fetch_all(api, PARTS, tok, **params)


def uids(records: list[dict]) -> list[str]:
    return [r["uid"] for r in records]


def assert_error(r: Resp, status: int, *fragments: str) -> dict:
    assert r.status == status, (r.status, r.body[:300])
    body = r.json()
    assert set(body) == ERROR_KEYS, body
    assert body["code"] == status
    for frag in fragments:
        assert frag in body["message"], body["message"]
    return body


def local_date(ms: int, zone: str) -> dt.date:
    return (EPOCH + dt.timedelta(milliseconds=ms)).astimezone(ZoneInfo(zone)).date()


def d(s: str) -> dt.date:
    return dt.date.fromisoformat(s)


def pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # a zombie still answers kill(0); treat it as gone
    try:
        with open(f"/proc/{pid}/stat") as fh:
            return fh.read().split(")")[-1].split()[0] != "Z"
    except FileNotFoundError:
        return False
