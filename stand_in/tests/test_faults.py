"""The fault engine: bursts, drops, fail_always, token faults, rate limit, shapes, 403s."""

from __future__ import annotations

import http.client
import json
import threading
import time
import urllib.error

import pytest

from stand_in.tests.helpers import ACTS, PARTS, assert_error, call, get, get_token, token_call

ACCOUNTS = "/v0/public/accounts"


def test_burst_then_success(api, tok):
    api.set_faults(bursts=[{"status": 503, "every": 2, "times": 2}])
    statuses = [get(api, ACTS, tok, limit=1).status for _ in range(8)]
    assert statuses == [200, 200, 503, 503, 200, 200, 503, 503]
    api.set_faults(bursts=[{"status": 500, "every": 0, "times": 3}])  # one-off burst at the start
    statuses = [get(api, ACTS, tok, limit=1).status for _ in range(6)]
    assert statuses == [500, 500, 500, 200, 200, 200]


def test_burst_body_and_retry_after(api, tok):
    api.set_faults(bursts=[{"status": 429, "every": 0, "times": 1, "retry_after": 2}])
    r = get(api, ACTS, tok)
    assert r.headers["Retry-After"] == "2"
    assert_error(r, 429, "injected")
    api.set_faults(bursts=[{"status": 429, "every": 0, "times": 1, "retry_after": None}])
    r = get(api, ACTS, tok)
    assert r.status == 429 and r.headers.get("Retry-After") is None
    api.set_faults(bursts=[{"status": 503, "every": 0, "times": 1, "retry_after": 0.5}])
    assert get(api, ACTS, tok).headers["Retry-After"] == "0.5"


def test_burst_paths(api, tok):
    api.set_faults(bursts=[{"status": 502, "every": 0, "times": 2, "paths": [PARTS]}])
    assert get(api, ACTS, tok, limit=1).status == 200
    assert get(api, PARTS, tok, limit=1).status == 502
    assert get(api, ACTS, tok, limit=1).status == 200
    assert get(api, PARTS, tok, limit=1).status == 502
    assert get(api, PARTS, tok, limit=1).status == 200


def test_null_paths_cover_every_data_endpoint(api, tok):
    api.set_faults(fail_always={"status": 500})
    for path in (ACTS, PARTS, ACCOUNTS, "/v0/public/team-members", "/v0/public/leads/insights/engagement"):
        assert get(api, path, tok, limit=1).status == 500, path


def test_drop_gives_connection_error(api, tok):
    api.set_faults(bursts=[{"status": "drop", "every": 1, "times": 1}])
    assert get(api, ACTS, tok, limit=1).status == 200
    with pytest.raises((OSError, http.client.HTTPException)) as info:
        get(api, ACTS, tok, limit=1)
    assert not isinstance(info.value, urllib.error.HTTPError)
    assert get(api, ACTS, tok, limit=1).status == 200
    assert api.stats()["by_status"] == {"200": 2, "drop": 1}


def test_fail_always(api, tok):
    api.set_faults(fail_always={"status": 500})
    assert [get(api, p, tok).status for p in (ACTS, PARTS, ACTS)] == [500, 500, 500]
    api.set_faults(fail_always={"status": "drop", "paths": [ACTS]})
    with pytest.raises((OSError, http.client.HTTPException)):
        get(api, ACTS, tok)
    assert get(api, PARTS, tok).status == 200


def test_forbidden_paths(api, tok):
    api.set_faults(forbidden_paths=[ACCOUNTS, "/v0/public/accounts/insights/engagement"])
    body = assert_error(get(api, ACCOUNTS, tok), 403, "API key", "does not allow access to /v0/public/accounts")
    assert body["path"] == ACCOUNTS
    assert get(api, "/v0/public/accounts/insights/engagement", tok).status == 403
    assert get(api, ACTS, tok).status == 200
    assert get(api, "/v0/public/opportunities", tok).status == 200
    # a 403 comes after the token check and before the rate limiter
    assert get(api, ACCOUNTS, "bad").status == 401
    api.set_faults(forbidden_paths=[ACTS], rate_limit={"rps": 1})
    assert [get(api, ACTS, tok).status for _ in range(3)] == [403, 403, 403]
    assert get(api, PARTS, tok).status == 200
    assert api.get_dates()["ignore_dates"] is False  # faults and date rules are separate


def test_token_ttl_requests(api):
    api.set_faults(token_ttl_requests=2)
    t1 = get_token(api)
    assert [get(api, ACTS, t1, limit=1).status for _ in range(3)] == [200, 200, 401]
    t2 = get_token(api)
    assert get(api, ACTS, t2, limit=1).status == 200


def test_token_ttl_seconds_and_expires_in(api):
    api.set_faults(token_ttl_seconds=0.4)
    t0 = time.monotonic()
    r = token_call(api).json()
    assert r["expires_in"] == 0.4
    status = get(api, ACTS, r["access_token"], limit=1).status
    age = api.stats()["requests"][-1]["t"] - t0  # at most the token's age when the server checked it
    assert status == 200 if age < 0.4 else status in (200, 401)
    time.sleep(0.5)
    assert get(api, ACTS, r["access_token"], limit=1).status == 401
    api.set_faults(expires_in=3)
    r = token_call(api).json()
    assert r["expires_in"] == 3
    assert get(api, ACTS, r["access_token"], limit=1).status == 200


def test_reset_keeps_tokens_and_clears_usage(api, tok):
    api.set_faults(token_ttl_requests=1)
    assert [get(api, ACTS, tok, limit=1).status for _ in range(2)] == [200, 401]
    api.reset()  # clears faults and usage counters; the token stays valid
    assert get(api, ACTS, tok, limit=1).status == 200
    api.reset()
    api.set_faults(token_ttl_requests=1)
    assert [get(api, ACTS, tok, limit=1).status for _ in range(2)] == [200, 401]


def test_token_faults(api):
    api.set_faults(token_faults=[{"status": 503, "times": 2}, {"status": "drop", "times": 1}])
    assert token_call(api).status == 503
    assert token_call(api).status == 503
    with pytest.raises((OSError, http.client.HTTPException)):
        token_call(api)
    assert token_call(api).status == 200
    assert api.stats()["token_requests"] == 4


def rps_statuses(times: list[float], rps: int) -> list[int]:
    """What a sliding 1 s window of ``rps`` accepted requests answers at these arrival times."""
    accepted: list[float] = []
    out = []
    for t in times:
        if sum(1 for a in accepted if a > t - 1.0) >= rps:
            out.append(429)
        else:
            accepted.append(t)
            out.append(200)
    return out


def test_rate_limit_rps(api, tok):
    api.set_faults(rate_limit={"rps": 5})
    rs = [get(api, ACTS, tok, limit=1) for _ in range(8)]
    recorded = api.stats()["requests"]
    # the server's window runs on the arrival times it recorded: 5 accepted, then 429 within 1 s
    assert [r.status for r in rs] == [x["status"] for x in recorded] == rps_statuses([x["t"] for x in recorded], 5)
    assert [r.status for r in rs][:5] == [200] * 5 and 429 in [r.status for r in rs]
    for r in rs:
        if r.status == 429:
            assert r.headers.get("Retry-After") is None
            assert_error(r, 429)


def test_rate_limit_rps_paced_under_the_limit(api, tok):
    api.set_faults(rate_limit={"rps": 5})
    statuses = []
    for _ in range(8):
        statuses.append(get(api, ACTS, tok, limit=1).status)
        time.sleep(0.25)
    assert statuses == [200] * 8


def test_rate_limit_concurrent(api, tok):
    api.set_faults(rate_limit={"concurrent": 2}, latency_ms=400)
    barrier = threading.Barrier(5)
    results: list[int] = []

    def worker():
        barrier.wait()
        results.append(get(api, ACTS, tok, limit=1).status)

    threads = [threading.Thread(target=worker) for _ in range(5)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    stats = api.stats()
    recorded = stats["requests"]
    # From what the server recorded (decision order, arrival t, latency_s): a request is refused
    # when two accepted ones were still in flight, i.e. arrived less than their latency before it.
    expected = []
    for k, req in enumerate(recorded):
        busy = sum(1 for j in range(k) if expected[j] == 200 and req["t"] < recorded[j]["t"] + recorded[j]["latency_s"])
        expected.append(429 if busy >= 2 else 200)
    assert [x["status"] for x in recorded] == expected
    assert sorted(results) == sorted(expected) and expected[:2] == [200, 200]
    assert [x["latency_s"] for x in recorded if x["status"] == 200] == [0.4] * expected.count(200)
    assert stats["max_in_flight"] >= 2


def test_bare_list_and_wrong_shape(api, tok):
    api.set_dates(ignore_dates=True)
    api.set_faults(bare_list=True)
    body = get(api, ACTS, tok, limit=3).json()
    assert isinstance(body, list) and [a["uid"] for a in body] == ["act-000001", "act-000002", "act-000003"]
    api.set_faults(wrong_shape=True)
    body = get(api, PARTS, tok, limit=3).json()
    assert "data" not in body and len(body["items"]) == 3 and body["meta"]["limit"] == 3
    body = get(api, ACCOUNTS, tok, limit=2).json()
    assert len(body["items"]) == 2


def test_latency_delays_the_answer(api, tok):
    api.set_faults(latency_ms=150)
    t0 = time.monotonic()
    assert get(api, ACTS, tok, limit=1).status == 200
    assert time.monotonic() - t0 >= 0.15
    assert api.stats()["requests"][-1]["latency_s"] == 0.15


def test_no_latency_is_recorded_without_faults(api, tok):
    get(api, ACTS, tok, limit=1)
    assert api.stats()["requests"][-1]["latency_s"] == 0


def test_latency_per_record(api, tok):
    # 2 ms per record returned: a 100-record page waits 200 ms, an empty page nothing.
    api.set_dates(ignore_dates=True)
    api.set_faults(latency_ms_per_record=2)
    t0 = time.monotonic()
    assert len(get(api, ACTS, tok, limit=100).json()["data"]) == 100
    assert time.monotonic() - t0 >= 0.2
    assert get(api, ACTS, tok, limit=100, offset=10**6).json()["data"] == []
    assert [r["latency_s"] for r in api.stats()["requests"]] == [0.2, 0.0]


def test_latency_per_record_adds_to_latency_ms_and_errors_wait_latency_ms_only(api, tok):
    api.set_dates(ignore_dates=True)
    api.set_faults(latency_ms=100, latency_ms_per_record=2, fail_always={"status": 503})
    t0 = time.monotonic()
    assert get(api, ACTS, tok, limit=100).status == 503
    assert time.monotonic() - t0 >= 0.1
    api.set_faults(latency_ms=100, latency_ms_per_record=2)
    t0 = time.monotonic()
    assert len(get(api, ACTS, tok, limit=100).json()["data"]) == 100
    assert time.monotonic() - t0 >= 0.3
    assert [(r["status"], r["latency_s"]) for r in api.stats()["requests"]] == [(503, 0.1), (200, 0.3)]


def test_latency_per_record_accepts_fractions(api):
    r = call(api, "POST", "/_control/faults", json.dumps({"latency_ms_per_record": 0.5}).encode())
    assert r.status == 200 and r.json()["faults"]["latency_ms_per_record"] == 0.5


def test_stats_record_the_latency_of_each_answer(api, tok):
    api.set_dates(ignore_dates=True)
    api.set_faults(latency_ms=5, latency_ms_per_record=0.5)
    get(api, ACTS, tok, limit=10)
    get(api, PARTS, tok, limit=4)
    get(api, ACTS, "bad")
    assert [r["latency_s"] for r in api.stats()["requests"]] == [0.01, 0.007, 0.005]


@pytest.mark.parametrize(
    "faults",
    [
        {"nope": 1},
        {"bursts": [{"status": 503, "every": 1, "times": 1, "extra": 1}]},
        {"bursts": [{"status": 200}]},
        {"bursts": [{"status": 503, "times": 0}]},
        {"fail_always": {"status": "boom"}},
        {"rate_limit": {"rps": 0}},
        {"latency_ms": -1},
        {"latency_ms_per_record": -0.5},
        {"latency_ms_per_record": "1"},
        {"bare_list": "yes"},
        {"token_ttl_requests": True},
        {"forbidden_paths": "/v0/public/accounts"},
        {"forbidden_paths": [1]},
        [],
    ],
)
def test_invalid_faults_rejected(api, faults):
    r = call(api, "POST", "/_control/faults", json.dumps(faults).encode(), {"Content-Type": "application/json"})
    assert r.status == 400 and r.json()["message"]
    r = call(api, "POST", "/_control/faults", b"{not json", {"Content-Type": "application/json"})
    assert r.status == 400


def test_set_faults_echo_and_reset(api, tok):
    r = call(api, "POST", "/_control/faults", json.dumps({"latency_ms": 5}).encode())
    assert r.status == 200 and r.json()["faults"]["latency_ms"] == 5
    assert r.json()["faults"]["forbidden_paths"] == []
    api.set_faults(fail_always={"status": 500})
    assert get(api, ACTS, tok).status == 500
    api.reset()
    assert get(api, ACTS, tok).status == 200
    assert api.stats()["data_requests"] == 1


def test_stats(api, tok):
    api.reset()
    get(api, ACTS, tok, limit=2, offset=4)
    get(api, PARTS, tok, limit=3, **{"from": "2024-01-01", "to": "2024-01-31", "time-zone": "Asia/Tokyo"})
    get(api, ACTS, "bad")
    get(api, ACTS, tok, limit="0")
    s = api.stats()
    assert s["data_requests"] == 4
    assert s["by_status"] == {"200": 2, "401": 1, "400": 1}
    assert s["by_path"] == {ACTS: 3, PARTS: 1}
    assert s["max_in_flight"] >= 1
    reqs = s["requests"]
    assert [r["status"] for r in reqs] == [200, 200, 401, 400]
    assert reqs[0]["path"] == ACTS and reqs[0]["query"] == {"limit": "2", "offset": "4"}
    assert reqs[1]["path"] == PARTS
    assert reqs[1]["query"] == {"limit": "3", "from": "2024-01-01", "to": "2024-01-31", "time-zone": "Asia/Tokyo"}
    assert all(set(r) == {"path", "query", "status", "t", "latency_s"} for r in reqs)
    ts = [r["t"] for r in reqs]
    assert ts == sorted(ts) and all(isinstance(t, float) for t in ts)
