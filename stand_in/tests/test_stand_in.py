"""Tests of the People.ai API stand-in over real HTTP (urllib / http.client)."""

from __future__ import annotations

import http.client
import json
import os
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

from stand_in import StandIn, build_dataset
from stand_in.data import SPECIAL_SUBJECTS, MISSING

N_ACTIVITIES = 120
SEED = 7
REPO_ROOT = Path(__file__).resolve().parents[2]
ACTS = "/v0/public/activities"
PARTS = "/v0/public/activities/participants"
OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))


# ---------------------------------------------------------------------------
# helpers
# ---------------------------------------------------------------------------


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
    qs = ("?" + urllib.parse.urlencode(params)) if params else ""
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return call(api, "GET", path + qs, headers=headers)


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


# ---------------------------------------------------------------------------
# fixtures
# ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def api():
    s = StandIn(activities=N_ACTIVITIES, seed=SEED).start()
    try:
        yield s
    finally:
        s.stop()
    assert not pid_alive(s.pid)


@pytest.fixture(autouse=True)
def _clean(request):
    yield
    if "api" in request.fixturenames:
        request.getfixturevalue("api").reset()


@pytest.fixture
def tok(api):
    return get_token(api)


# ---------------------------------------------------------------------------
# auth
# ---------------------------------------------------------------------------


def test_token_success(api):
    r = token_call(api)
    assert r.status == 200
    assert r.headers["Content-Type"] == "application/json"
    body = r.json()
    assert body["token_type"] == "bearer"
    assert body["expires_in"] == 7200
    assert isinstance(body["access_token"], str) and len(body["access_token"]) > 20
    second = get_token(api)
    assert second != body["access_token"]
    # issuing a new token does not revoke the old one
    assert get(api, ACTS, body["access_token"], limit=1).status == 200
    assert get(api, ACTS, second, limit=1).status == 200


@pytest.mark.parametrize(
    "fields",
    [
        {"client_secret": "wrong"},
        {"client_id": "someone-else"},
        {"client_secret": None},
        {"client_id": None, "client_secret": None},
        {"grant_type": "password"},
        {"grant_type": None},
    ],
)
def test_token_rejected(api, fields):
    r = token_call(api, **fields)
    assert r.status == 401
    body = r.json()
    assert body["error"] == "invalid_client"
    assert body["error_description"]


def test_token_stats_record_field_names_not_secret(api):
    token_call(api)
    token_call(api, client_secret="wrong")
    stats = api.stats()
    assert stats["token_requests"] == 2
    assert stats["token_form_fields"] == ["client_id", "client_secret", "grant_type"]
    text = json.dumps(stats)
    assert api.client_secret not in text and "wrong" not in text


@pytest.mark.parametrize("auth", [None, "Bearer nope", "Bearer ", "Basic abc", "nope"])
def test_data_requires_valid_token(api, auth):
    headers = {"Authorization": auth} if auth is not None else {}
    for path in (ACTS, PARTS):
        r = call(api, "GET", path, headers=headers)
        assert r.status == 401
        assert isinstance(r.json()["message"], str)


# ---------------------------------------------------------------------------
# data endpoints
# ---------------------------------------------------------------------------


def test_envelope_and_meta(api, tok):
    r = get(api, ACTS, tok, limit=5, offset=2)
    assert r.status == 200
    assert r.headers["Content-Type"] == "application/json"
    assert int(r.headers["Content-Length"]) == len(r.body)
    body = r.json()
    assert set(body) == {"data", "meta"}
    assert body["meta"] == {"limit": 5, "offset": 2, "total": N_ACTIVITIES, "message": "OK"}
    assert [a["uid"] for a in body["data"]] == ["act-000003", "act-000004", "act-000005", "act-000006", "act-000007"]


def test_defaults(api, tok):
    body = get(api, ACTS, tok).json()
    assert body["meta"]["limit"] == 1000 and body["meta"]["offset"] == 0
    assert len(body["data"]) == N_ACTIVITIES


@pytest.mark.parametrize("limit", ["100001", "0", "-1", "abc", "1.5", "", "1e3", " 5"])
def test_limit_out_of_range(api, tok, limit):
    r = get(api, ACTS, tok, limit=limit)
    assert r.status == 400
    assert r.json() == {"message": "limit must be between 1 and 100000"}


def test_limit_max_accepted(api, tok):
    r = get(api, PARTS, tok, limit=100000)
    assert r.status == 200
    assert r.json()["meta"]["limit"] == 100000


@pytest.mark.parametrize("offset", ["-1", "x", "2.0", ""])
def test_offset_invalid(api, tok, offset):
    r = get(api, ACTS, tok, offset=offset)
    assert r.status == 400
    assert "offset" in r.json()["message"]


def test_offset_past_end(api, tok):
    body = get(api, ACTS, tok, limit=10, offset=N_ACTIVITIES + 5).json()
    assert body["data"] == []
    assert body["meta"]["total"] == N_ACTIVITIES
    body = get(api, ACTS, tok, limit=10, offset=N_ACTIVITIES).json()
    assert body["data"] == []


@pytest.mark.parametrize("path,stream", [(ACTS, "activities"), (PARTS, "participants")])
def test_pages_concatenate_to_dataset(api, tok, path, stream):
    expected = json.loads(json.dumps(build_dataset(N_ACTIVITIES, SEED)[stream]))
    assert api.dataset(stream) == expected
    got, offset = [], 0
    while True:
        page = get(api, path, tok, limit=7, offset=offset).json()["data"]
        got.extend(page)
        offset += len(page)
        if len(page) < 7:
            break
    assert got == expected


def test_unknown_path_and_method(api, tok):
    r = get(api, "/v0/public/nothing", tok)
    assert r.status == 404 and "message" in r.json()
    r = get(api, "/v0/public/activities/", tok)
    assert r.status == 404
    r = call(api, "POST", ACTS, b"{}", {"Authorization": f"Bearer {tok}"})
    assert r.status == 405 and "message" in r.json()
    r = call(api, "GET", "/_control/dataset?stream=nope")
    assert r.status == 400


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


# ---------------------------------------------------------------------------
# dataset
# ---------------------------------------------------------------------------


def test_dataset_deterministic():
    a = build_dataset(60, seed=3)
    assert a == build_dataset(60, seed=3)
    assert a != build_dataset(60, seed=4)
    assert build_dataset(0) == {"activities": [], "participants": []}
    assert build_dataset(10, seed=3)["activities"] == a["activities"][:10]


def test_dataset_subject_cases():
    acts = build_dataset(40)["activities"]
    subjects = [a.get("subject", MISSING) for a in acts]
    for case in SPECIAL_SUBJECTS:
        assert any(s is case or (s is not MISSING and s == case) for s in subjects), case
    assert any(isinstance(s, str) and len(s) > 1000 for s in subjects)
    assert any(isinstance(s, str) and "\n" in s for s in subjects)
    assert sum(1 for s in subjects if s is MISSING) >= 1
    ordinary = [s for s in subjects if isinstance(s, str) and s not in SPECIAL_SUBJECTS]
    assert len(set(ordinary)) >= 10
    # nested subject, extra keys mentioning "subject"
    assert any(isinstance(a["matched_to"], dict) and a["matched_to"].get("subject") == "nested subject stays"
               for a in acts)
    assert any(a["matched_to"] is None for a in acts)
    assert any("subject_length" in a for a in acts)
    assert all("source_system" in a for a in acts)


def test_dataset_fields_and_types():
    data = build_dataset(200)
    acts = data["activities"]
    documented = {
        "uid", "activity_type", "sub_type", "created_at", "updated_at", "crm_id", "user_id",
        "is_partner", "with_partner", "opportunity_id", "opportunity_ids", "opportunity_crm_id",
        "opportunity_crm_ids", "opportunity_stage_id", "account_id", "account_crm_id", "matched_to",
        "lead_id", "lead_crm_id",
    }
    for a in acts:
        assert documented <= set(a)
        assert a["activity_type"] in ("email", "call", "meeting")
        assert isinstance(a["is_partner"], bool) and isinstance(a["with_partner"], bool)
        assert isinstance(a["opportunity_ids"], list) and isinstance(a["opportunity_crm_ids"], list)
    assert len({a["uid"] for a in acts}) == len(acts)
    assert any(isinstance(a["created_at"], int) for a in acts)
    assert any(isinstance(a["created_at"], str) and a["created_at"].endswith("Z") for a in acts)
    for key in ("crm_id", "updated_at", "account_id", "opportunity_id", "lead_id", "sub_type"):
        assert any(a[key] is None for a in acts), key
        assert any(a[key] is not None for a in acts), key
    sizes = [len(json.dumps(a, ensure_ascii=False, separators=(",", ":")).encode()) for a in acts]
    assert 400 <= sum(sizes) / len(sizes) <= 750


def test_dataset_participants():
    data = build_dataset(150)
    order = {a["uid"]: i for i, a in enumerate(data["activities"])}
    parts = data["participants"]
    keys = [(order[p["uid"]], p["email"]) for p in parts]
    assert keys == sorted(keys)
    assert len(set(keys)) == len(keys)  # (uid, email) unique
    counts: dict[str, int] = {}
    for p in parts:
        counts[p["uid"]] = counts.get(p["uid"], 0) + 1
        assert {"uid", "email", "name", "status", "phone_number", "ingested_at"} <= set(p)
        assert p["status"] in ("accepted", "declined", "tentative", None)
    assert set(counts) == set(order)
    assert set(counts.values()) == {1, 2, 3}
    assert any("subject" in p for p in parts)
    assert any(p["phone_number"] is None for p in parts)
    assert any(p["status"] is None for p in parts)


# ---------------------------------------------------------------------------
# faults
# ---------------------------------------------------------------------------


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
    assert r.status == 429 and r.headers["Retry-After"] == "2" and "message" in r.json()
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


def test_token_ttl_requests(api):
    api.set_faults(token_ttl_requests=2)
    t1 = get_token(api)
    assert [get(api, ACTS, t1, limit=1).status for _ in range(3)] == [200, 200, 401]
    t2 = get_token(api)
    assert get(api, ACTS, t2, limit=1).status == 200


def test_token_ttl_seconds_and_expires_in(api):
    api.set_faults(token_ttl_seconds=0.4)
    r = token_call(api).json()
    assert r["expires_in"] == 0.4
    assert get(api, ACTS, r["access_token"], limit=1).status == 200
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


def test_rate_limit_rps(api, tok):
    api.set_faults(rate_limit={"rps": 5})
    rs = [get(api, ACTS, tok, limit=1) for _ in range(8)]
    assert [r.status for r in rs] == [200] * 5 + [429] * 3
    for r in rs[5:]:
        assert r.headers.get("Retry-After") is None
    # paced under the limit: no 429
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
    assert sorted(results) == [200, 200, 429, 429, 429]
    stats = api.stats()
    assert stats["max_in_flight"] >= 2
    assert stats["by_status"] == {"200": 2, "429": 3}


def test_bare_list_and_wrong_shape(api, tok):
    api.set_faults(bare_list=True)
    body = get(api, ACTS, tok, limit=3).json()
    assert isinstance(body, list) and [a["uid"] for a in body] == ["act-000001", "act-000002", "act-000003"]
    api.set_faults(wrong_shape=True)
    body = get(api, PARTS, tok, limit=3).json()
    assert "data" not in body and len(body["items"]) == 3 and body["meta"]["limit"] == 3


def test_latency(api, tok):
    api.set_faults(latency_ms=150)
    t0 = time.monotonic()
    assert get(api, ACTS, tok, limit=1).status == 200
    assert time.monotonic() - t0 >= 0.15
    api.set_faults()
    t0 = time.monotonic()
    get(api, ACTS, tok, limit=1)
    assert time.monotonic() - t0 < 0.15


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
        {"bare_list": "yes"},
        {"token_ttl_requests": True},
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
    api.set_faults(fail_always={"status": 500})
    assert get(api, ACTS, tok).status == 500
    api.reset()
    assert get(api, ACTS, tok).status == 200
    assert api.stats()["data_requests"] == 1


# ---------------------------------------------------------------------------
# stats
# ---------------------------------------------------------------------------


def test_stats(api, tok):
    api.reset()
    get(api, ACTS, tok, limit=2, offset=4)
    get(api, PARTS, tok, limit=3)
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
    assert reqs[1]["path"] == PARTS and reqs[1]["query"] == {"limit": "3"}
    ts = [r["t"] for r in reqs]
    assert ts == sorted(ts) and all(isinstance(t, float) for t in ts)


# ---------------------------------------------------------------------------
# process lifecycle / CLI
# ---------------------------------------------------------------------------


def test_standin_stop_leaves_no_process():
    s = StandIn(activities=5, faults={"bare_list": True}).start()
    pid = s.pid
    assert pid_alive(pid)
    t = get_token(s)
    assert isinstance(get(s, ACTS, t).json(), list)  # --faults applied at start
    s.stop()
    assert not pid_alive(pid)
    s.stop()  # idempotent


def test_context_manager_and_custom_credentials():
    with StandIn(activities=3, client_id="k", client_secret="s") as s:
        assert s.url.startswith("http://127.0.0.1:")
        assert token_call(s).status == 200
        assert token_call(s, client_id="demo-api-key", client_secret="demo-api-secret").status == 401
        pid = s.pid
    assert not pid_alive(pid)


def _run_cli(*args, timeout=30):
    return subprocess.run([sys.executable, "-m", "stand_in", *args], cwd=REPO_ROOT,
                          capture_output=True, text=True, timeout=timeout)


def test_cli_refuses_other_host():
    r = _run_cli("--host", "0.0.0.0")
    assert r.returncode == 2 and "127.0.0.1" in r.stderr and r.stdout == ""


def test_cli_rejects_bad_faults():
    r = _run_cli("--faults", '{"nope": 1}')
    assert r.returncode == 2 and "nope" in r.stderr
    r = _run_cli("--faults", "{bad json")
    assert r.returncode == 2


def test_standin_start_failure_reports_stderr():
    s = StandIn(activities=1, faults={"nope": 1})
    with pytest.raises(RuntimeError, match="nope"):
        s.start()
    assert not pid_alive(s.pid)


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM])
def test_cli_port_file_and_signal_exit(tmp_path, sig):
    port_file = tmp_path / "port"
    proc = subprocess.Popen([sys.executable, "-m", "stand_in", "--activities", "3", "--port-file", str(port_file)],
                            cwd=REPO_ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        line = proc.stdout.readline()
        assert line.startswith("stand-in listening on http://127.0.0.1:")
        port = int(line.strip().rsplit(":", 1)[1])
        assert int(port_file.read_text()) == port
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
        conn.request("GET", "/_control/health")
        assert conn.getresponse().status == 200
        conn.close()
        proc.send_signal(sig)
        assert proc.wait(timeout=10) == 0
        assert proc.stdout.read() == ""  # exactly one line printed
        with pytest.raises(ConnectionRefusedError):
            c = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            c.request("GET", "/_control/health")
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        proc.stdout.close()
        proc.stderr.close()
