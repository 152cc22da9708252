"""Envelope, limit/offset paging, error envelope, routing and keep-alive."""

from __future__ import annotations

import http.client
import json
import re

import pytest

from stand_in import build_dataset
from stand_in.tests.helpers import (
    ACTS, N_ACTIVITIES, N_TOTAL, PARTS, SEED, TODAY, assert_error, call, fetch_all, get,
)


@pytest.fixture
def all_dates(api):
    api.set_dates(ignore_dates=True)


def test_envelope_and_meta(api, tok, all_dates):
    r = get(api, ACTS, tok, limit=5, offset=2)
    assert r.status == 200
    assert r.headers["Content-Type"] == "application/json"
    assert int(r.headers["Content-Length"]) == len(r.body)
    body = r.json()
    assert set(body) == {"data", "meta"}
    assert body["meta"] == {"limit": 5, "offset": 2, "total": N_TOTAL, "message": "OK"}
    assert [a["uid"] for a in body["data"]] == ["act-000003", "act-000004", "act-000005", "act-000006", "act-000007"]


def test_defaults(api, tok, all_dates):
    body = get(api, ACTS, tok).json()
    assert body["meta"]["limit"] == 1000 and body["meta"]["offset"] == 0
    assert len(body["data"]) == 1000 and body["meta"]["total"] == N_TOTAL


@pytest.mark.parametrize("limit", ["100001", "0", "-1", "abc", "1.5", "", "1e3", " 5"])
def test_limit_out_of_range(api, tok, limit):
    r = get(api, ACTS, tok, limit=limit)
    assert_error(r, 400)
    assert r.json()["message"] == "limit must be between 1 and 100000"


def test_limit_max_accepted(api, tok):
    r = get(api, PARTS, tok, limit=100000)
    assert r.status == 200
    assert r.json()["meta"]["limit"] == 100000


@pytest.mark.parametrize("offset", ["-1", "x", "2.0", ""])
def test_offset_invalid(api, tok, offset):
    assert_error(get(api, ACTS, tok, offset=offset), 400, "offset")


def test_offset_past_end(api, tok, all_dates):
    body = get(api, ACTS, tok, limit=10, offset=N_TOTAL + 5).json()
    assert body["data"] == []
    assert body["meta"]["total"] == N_TOTAL
    body = get(api, ACTS, tok, limit=10, offset=N_TOTAL).json()
    assert body["data"] == []


@pytest.mark.parametrize("stream,path", [("activities", ACTS), ("participants", PARTS)])
def test_pages_concatenate_to_dataset(api, tok, all_dates, stream, path):
    expected = json.loads(json.dumps(build_dataset(N_ACTIVITIES, SEED, TODAY, objects=False)[stream]))
    assert api.dataset(stream) == expected
    assert fetch_all(api, path, tok, page=7) == expected


@pytest.mark.parametrize("stream,path", [("activities", ACTS), ("participants", PARTS)])
def test_two_windows_cover_everything_once(api, tok, full, stream, path):
    """Documented mode: two adjacent inclusive ranges of <= 2 years hold every record once
    (the second reaches past the meetings booked ahead, 60 days after today)."""
    first = full["activities"][0]["activity_timestamp"]
    assert first > 1640995200000  # 2022-01-01: the first window reaches back far enough
    assert full["activities"][-1]["activity_timestamp"] < 1756684800000  # 2025-09-01
    got = fetch_all(api, path, tok, page=100, **{"from": "2022-01-01", "to": "2023-12-31"})
    got += fetch_all(api, path, tok, page=100, **{"from": "2024-01-01", "to": "2025-08-31"})
    assert got == full[stream]


def test_error_envelope(api, tok):
    a = get(api, ACTS, tok, limit="0")
    b = get(api, ACTS, tok, limit="0")
    ea, eb = assert_error(a, 400), assert_error(b, 400)
    assert ea["id"] != eb["id"] and re.fullmatch(r"[0-9a-f]{32}", ea["id"])
    assert ea["path"] == ACTS
    assert re.fullmatch(r"\d\d-\d\d-\d{4} \d\d:\d\d:\d\d", ea["timestamp"])
    assert ea["timestamp"][6:10] == TODAY[:4]  # the server's (shifted) clock


def test_unknown_query_parameters_are_ignored(api, tok):
    plain = get(api, ACTS, tok).json()
    misspelt = get(api, ACTS, tok, **{"form": "2020-01-01", "too": TODAY, "timezone": "Asia/Tokyo"}).json()
    assert misspelt == plain
    assert 0 < plain["meta"]["total"] < N_ACTIVITIES  # the 30-day default applied to both


def test_unknown_path_and_method(api, tok):
    assert_error(get(api, "/v0/public/nothing", tok), 404)
    assert_error(get(api, "/v0/public/activities/", tok), 404)
    r = call(api, "POST", ACTS, b"{}", {"Authorization": f"Bearer {tok}"})
    assert_error(r, 405)
    assert r.headers["Allow"] == "GET"
    r = call(api, "GET", "/_control/dataset?stream=nope")
    assert r.status == 400 and "accounts" in r.json()["message"]


def test_keep_alive_survives_errors(api, tok):
    api.set_faults(bursts=[{"status": 503, "every": 1, "times": 1}])
    host, port = api.url.rsplit("/", 1)[1].split(":")
    conn = http.client.HTTPConnection(host, int(port), timeout=10)
    statuses = []
    for path, auth in [(ACTS, tok), (ACTS, tok), (ACTS, "bad"), ("/nope", tok), (PARTS, tok), (PARTS, tok)]:
        conn.request("GET", path + "?limit=3", headers={"Authorization": f"Bearer {auth}"})
        resp = conn.getresponse()
        resp.read()
        assert resp.getheader("Connection") != "close"
        statuses.append(resp.status)
    conn.close()
    assert statuses == [200, 503, 401, 404, 200, 503]
