"""The connector's command line, end to end, against the People.ai stand-in over real HTTP.

Every test runs `python main.py ...` (or the installed `source-peopleai`) in a subprocess, with
config and catalog files in tmp_path and the stand-in's address as base_url, then checks what the
command printed, its exit code, and what the stand-in saw (its stats).

The reads with injected faults spend most of their time in backoff, so each gets a stand-in of
its own and they all run at once, in the background, while the other tests run.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import shutil
import sys
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Dict, List

import pytest
from stand_in import StandIn

from integration_tests.connector_cli import (
    ALL_STREAMS,
    PRIMARY_KEYS,
    STREAMS,
    Background,
    CliRun,
    Connection,
    ConnectorCli,
    clean_environment,
    full_refresh_catalog,
    record_mismatches,
    write_json,
)
from integration_tests.stand_in_session import (
    INVALID_CONFIG_PATH,
    VALID_CONFIG_PATH,
    first_day,
    private_stand_in,
    read_config,
    today,
)

# Small pages and 365-day chunks: every read spans 4 or 5 chunks of several pages per stream
# (about 25 requests in all), over the stand-in's whole three years.
PAGE_SIZE = 100
WINDOW_DAYS = 365
DATA_PATHS = ("/v0/public/activities", "/v0/public/activities/participants")
TOKEN_PATH = "/auth/v1/tokens"

CREDENTIALS = read_config(VALID_CONFIG_PATH)
WRONG_SECRET = read_config(INVALID_CONFIG_PATH)["api_secret"]
# Every credential any run of this module is given; none may ever be printed.
SECRETS = (CREDENTIALS["api_key"], CREDENTIALS["api_secret"], WRONG_SECRET)

# Never route the tests' own calls to the stand-in through a proxy from the environment.
_DIRECT = urllib.request.build_opener(urllib.request.ProxyHandler({}))


# --------------------------------------------------------------------------------------------
# Fixtures and helpers
# --------------------------------------------------------------------------------------------


@pytest.fixture(autouse=True)
def fresh_stand_in(api: StandIn):
    """No faults and zeroed stats before each test; none left behind for the next one."""
    api.reset()
    yield
    api.reset()


@pytest.fixture(scope="module")
def catalog_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_json(tmp_path_factory.mktemp("catalog") / "catalog.json", full_refresh_catalog())


@pytest.fixture(scope="module")
def background(cli: ConnectorCli):
    """The module's background runs; all of them have ended when the module ends."""
    jobs = Background(workers=4)
    yield jobs
    jobs.close()


def make_config(api: StandIn, **changes: Any) -> Dict[str, Any]:
    """A working config for the stand-in; a change to None removes that key."""
    config = {
        "api_key": CREDENTIALS["api_key"],
        "api_secret": CREDENTIALS["api_secret"],
        "base_url": api.url,
        "page_size": PAGE_SIZE,
        "window_days": WINDOW_DAYS,
        # The stand-in's whole history: its first activity is about 1095 days old.
        "start_date": first_day(api).isoformat(),
        # The rate budget is under test in one test only; elsewhere it must not slow reads down.
        "requests_per_second": 1000,
    }
    config.update(changes)
    return {key: value for key, value in config.items() if value is not None}


def config_file(tmp_path: Path, config: Dict[str, Any], name: str = "config.json") -> Path:
    return write_json(tmp_path / name, config)


def read_all(
    cli: ConnectorCli, api: StandIn, tmp_path: Path, catalog_path: Path, **changes: Any
) -> CliRun:
    config_path = config_file(tmp_path, make_config(api, **changes))
    return cli.run("read", "--config", config_path, "--catalog", catalog_path)


def assert_read_complete(run: CliRun, dataset: Dict[str, List[dict]]) -> None:
    """Exit code 0, and every record of both streams exactly once, with the values sent."""
    assert run.returncode == 0, run.describe()
    problems = [
        record_mismatches(stream, run.records(stream), dataset[stream]) for stream in STREAMS
    ]
    assert not any(problems), "\n".join(filter(None, problems)) + "\n" + run.describe()


def error_text(run: CliRun) -> str:
    return "\n".join(str(error.get("message")) for error in run.trace_errors)


def installed_command() -> str:
    """The `source-peopleai` console script of this interpreter's environment."""
    found = shutil.which("source-peopleai", path=str(Path(sys.executable).parent))
    if found is None:
        pytest.skip(
            f"the `source-peopleai` command is not installed next to {sys.executable}; "
            "`pip install -e .` installs it"
        )
    return found


# --------------------------------------------------------------------------------------------
# Reading everything
# --------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def full_read(
    cli: ConnectorCli, api: StandIn, catalog_path: Path, tmp_path_factory: pytest.TempPathFactory
) -> CliRun:
    """A full read by the installed `source-peopleai`, as users run it, from a directory of its
    own and without PYTHONPATH: the installed package alone must find its manifest."""
    api.reset()
    workdir = tmp_path_factory.mktemp("full_read")
    env = clean_environment()
    env.pop("PYTHONPATH", None)
    return cli.run(
        "read", "--config", config_file(workdir, make_config(api)), "--catalog", catalog_path,
        command=[installed_command()], cwd=workdir, env=env,
    )


def test_installed_command_returns_every_record_of_both_streams_exactly_once_with_the_values_sent(
    full_read: CliRun, dataset: Dict[str, List[dict]]
) -> None:
    assert_read_complete(full_read, dataset)


def test_read_moves_subject_to_api_subject_keeping_its_value_exactly(
    full_read: CliRun, dataset: Dict[str, List[dict]]
) -> None:
    assert full_read.returncode == 0, full_read.describe()
    printed = {record["uid"]: record for record in full_read.records("activity")}
    with_subject = [record for record in printed.values() if "subject" in record]
    assert not with_subject, f"{len(with_subject)} records keep `subject`: {with_subject[:3]}"
    # The stand-in's tricky subjects ("123", "null", "{{ x }}", "", ...), each exactly as sent.
    sent = {
        record["uid"]: record["subject"]
        for record in dataset["activity"]
        if record.get("subject") is not None
    }
    changed = {
        uid: (printed[uid].get("api_subject"), subject)
        for uid, subject in sent.items()
        if printed[uid].get("api_subject") != subject
    }
    assert not changed, list(changed.items())[:5]


def test_read_ends_each_stream_complete(full_read: CliRun) -> None:
    assert full_read.returncode == 0, full_read.describe()
    for stream in STREAMS:
        assert full_read.final_status(stream) == "COMPLETE", full_read.stream_statuses(stream)


# --------------------------------------------------------------------------------------------
# Faults the connector must ride out, with every record exactly once
# --------------------------------------------------------------------------------------------


@dataclass
class FaultedRead:
    run: CliRun
    stats: Dict[str, Any]
    # Tokens of the read's own stand-in found in its output (looked for while that stand-in ran).
    printed_tokens: List[str]


# One failure after every 8 good answers: two or three, in the middle of both streams.
FAULTS: Dict[str, Dict[str, Any]] = {
    # First: it takes longest (the whole retry schedule), so it starts first. One chunk per
    # stream (start_date 5 days ago, within lookback_days: the current chunk only): the CDK goes
    # on with the other chunks after one fails, and every chunk would wait through the schedule.
    "500 always": {"fail_always": {"status": 500}},
    **{
        f"{status} bursts": {"bursts": [{"status": status, "every": 8, "times": 1}]}
        for status in (500, 502, 503, 504)
    },
    # Two connections in a row closed without an answer, after every 8 good answers.
    "drops": {"bursts": [{"status": "drop", "every": 8, "times": 2}]},
    # Retry-After: 4 is longer than the first exponential wait (3 s), so the wait tells them apart.
    "429 with Retry-After": {"bursts": [{"status": 429, "every": 8, "times": 1, "retry_after": 4}]},
    "429": {"bursts": [{"status": 429, "every": 8, "times": 1}]},
    # Tokens expire after 5 s though People.ai says 7200 s, and each answer takes 0.4 s: tokens
    # expire in the middle of the read (pages of 20 for this one: 15 in a row per chunk). Not
    # sooner: the retry after a 401 waits 3 s, and must find the new token alive.
    "token expiry": {"token_ttl_seconds": 5, "expires_in": 7200, "latency_ms": 400},
    "token endpoint 503": {"token_faults": [{"status": 503, "times": 1}]},
}


def read_with_faults(cli: ConnectorCli, workdir: Path, name: str) -> FaultedRead:
    with private_stand_in(faults=FAULTS[name]) as api:
        changes = {}
        if name == "500 always":
            changes["start_date"] = (today(api) - dt.timedelta(days=5)).isoformat()
        if name == "token expiry":
            changes["page_size"] = 20
        run = Connection(cli, workdir, make_config(api, **changes)).sync()
        stats = api.stats()
        return FaultedRead(run, stats, issued_tokens_in(api, run.stdout + run.stderr))


@pytest.fixture(scope="module")
def faulted_reads(
    background: Background, cli: ConnectorCli, tmp_path_factory: pytest.TempPathFactory
) -> Background:
    """Starts every read of FAULTS in the background; `.result(name)` waits for one."""
    for name in FAULTS:
        workdir = tmp_path_factory.mktemp(re.sub(r"\W+", "_", name))
        background.start(name, read_with_faults, cli, workdir, name)
    return background


@pytest.mark.parametrize("status", [500, 502, 503, 504])
def test_given_server_error_bursts_when_read_then_every_record_arrives_once(
    status: int, faulted_reads: Background, dataset: Dict[str, List[dict]]
) -> None:
    read = faulted_reads.result(f"{status} bursts")

    assert read.stats["by_status"].get(str(status), 0) >= 1, "the fault was never served"
    assert_read_complete(read.run, dataset)


def test_given_dropped_connections_when_read_then_every_record_arrives_once(
    faulted_reads: Background, dataset: Dict[str, List[dict]]
) -> None:
    read = faulted_reads.result("drops")

    assert read.stats["by_status"].get("drop", 0) >= 2, "no connection was dropped"
    assert_read_complete(read.run, dataset)


def seconds_until_retry(stats: Dict[str, Any], status: int) -> float:
    """Seconds between the first answer with `status` and the next request for the same page."""
    requests = stats["requests"]
    for index, failed in enumerate(requests):
        if failed["status"] == status:
            for retry in requests[index + 1:]:
                if retry["path"] == failed["path"] and retry["query"] == failed["query"]:
                    return retry["t"] - failed["t"]
            raise AssertionError(f"the request answered {status} was never retried: {failed}")
    raise AssertionError(f"no request was answered {status}")


def test_given_429_with_retry_after_when_read_then_waits_as_told_and_reads_everything(
    faulted_reads: Background, dataset: Dict[str, List[dict]]
) -> None:
    read = faulted_reads.result("429 with Retry-After")

    assert_read_complete(read.run, dataset)
    # Retry-After: 4 (plus the CDK's extra second), rather than the 3 s of the first
    # exponential wait (the exact wait asked for is pinned in unit_tests/test_retries.py; no
    # upper bound here: how much longer it takes is the machine's load).
    wait = seconds_until_retry(read.stats, 429)
    assert wait >= 4.0, f"retried {wait:.2f} s after a 429 with Retry-After: 4"


def test_given_429_without_retry_after_when_read_then_every_record_arrives_once(
    faulted_reads: Background, dataset: Dict[str, List[dict]]
) -> None:
    read = faulted_reads.result("429")

    assert read.stats["by_status"].get("429", 0) >= 1, "the fault was never served"
    assert_read_complete(read.run, dataset)


def test_given_token_expiring_mid_sync_when_read_then_refreshes_and_reads_everything(
    faulted_reads: Background, dataset: Dict[str, List[dict]]
) -> None:
    read = faulted_reads.result("token expiry")

    stats = read.stats
    assert stats["by_status"].get("401", 0) >= 1, "no token ever expired"
    assert stats["token_requests"] >= 2, stats
    assert_read_complete(read.run, dataset)


def test_given_token_endpoint_503_once_when_read_then_every_record_arrives_once(
    faulted_reads: Background, dataset: Dict[str, List[dict]]
) -> None:
    read = faulted_reads.result("token endpoint 503")

    # The first token request got the 503; the read needed at least one more.
    assert read.stats["token_requests"] >= 2
    assert_read_complete(read.run, dataset)


# --------------------------------------------------------------------------------------------
# spec, check, discover
# --------------------------------------------------------------------------------------------


def test_spec_prints_a_spec_requiring_key_and_secret(cli: ConnectorCli) -> None:
    run = cli.run("spec")

    assert run.returncode == 0, run.describe()
    specs = run.of_type("SPEC")
    assert len(specs) == 1, run.describe()
    connection_spec = specs[0]["spec"]["connectionSpecification"]
    assert set(connection_spec["required"]) == {"api_key", "api_secret"}
    assert connection_spec["properties"]["api_secret"].get("airbyte_secret") is True


def test_check_with_valid_credentials_succeeds(
    cli: ConnectorCli, api: StandIn, tmp_path: Path
) -> None:
    run = cli.run("check", "--config", config_file(tmp_path, make_config(api)))

    assert run.returncode == 0, run.describe()
    status = run.connection_status
    assert status is not None and status["status"] == "SUCCEEDED", run.describe()
    stats = api.stats()
    assert stats["token_requests"] >= 1 and stats["data_requests"] >= 1, stats
    # check reads the activity stream only.
    assert set(stats["by_path"]) == {DATA_PATHS[0]}, stats["by_path"]


def test_discover_prints_every_stream_with_its_primary_key(
    cli: ConnectorCli, api: StandIn, tmp_path: Path
) -> None:
    run = cli.run("discover", "--config", config_file(tmp_path, make_config(api)))

    assert run.returncode == 0, run.describe()
    catalogs = run.of_type("CATALOG")
    assert len(catalogs) == 1, run.describe()
    keys = {
        stream["name"]: stream.get("source_defined_primary_key")
        for stream in catalogs[0]["catalog"]["streams"]
    }
    assert keys == {
        stream: [[field] for field in PRIMARY_KEYS[stream]] for stream in ALL_STREAMS
    }


# --------------------------------------------------------------------------------------------
# Failures that must end the sync loudly
# --------------------------------------------------------------------------------------------


def test_given_wrong_secret_when_check_then_reports_failed_with_the_rejection(
    cli: ConnectorCli, api: StandIn, tmp_path: Path
) -> None:
    config_path = config_file(tmp_path, make_config(api, api_secret=WRONG_SECRET))

    run = cli.run("check", "--config", config_path)

    # The CDK reports a failed check as a CONNECTION_STATUS, and exits 0.
    assert run.returncode == 0, run.describe()
    status = run.connection_status
    assert status is not None and status["status"] == "FAILED", run.describe()
    message = status.get("message") or ""
    assert re.search(r"401|unauthori[sz]ed|invalid_client|credential", message, re.I), message


def test_given_wrong_secret_when_read_then_fails_as_a_config_error_without_records(
    cli: ConnectorCli, api: StandIn, tmp_path: Path, catalog_path: Path
) -> None:
    run = read_all(cli, api, tmp_path, catalog_path, api_secret=WRONG_SECRET)

    assert run.returncode != 0, run.describe()
    # A config error tells the user to fix the credentials, not to wait for a retry.
    assert run.trace_errors, run.describe()
    assert {error["failure_type"] for error in run.trace_errors} == {"config_error"}, run.describe()
    assert not run.of_type("RECORD")


# --------------------------------------------------------------------------------------------
# Configs the connector must refuse before sending anything
# --------------------------------------------------------------------------------------------


def assert_nothing_reached(api: StandIn) -> None:
    stats = api.stats()
    assert (stats["token_requests"], stats["data_requests"]) == (0, 0), stats


def refusal_message(run: CliRun) -> str:
    """The error a refused config produced: the failed check's message, or the TRACE errors."""
    if run.connection_status is not None:
        assert run.connection_status["status"] == "FAILED", run.describe()
        return run.connection_status.get("message") or ""
    assert run.returncode != 0, run.describe()
    return error_text(run)


@pytest.mark.parametrize("command", ["check", "read"])
def test_given_config_without_api_secret_then_refuses_naming_the_field_before_any_request(
    command: str, cli: ConnectorCli, api: StandIn, tmp_path: Path, catalog_path: Path
) -> None:
    config_path = config_file(tmp_path, make_config(api, api_secret=None))
    catalog = ["--catalog", catalog_path] if command == "read" else []

    run = cli.run(command, "--config", config_path, *catalog)

    assert "api_secret" in refusal_message(run), run.describe()
    assert_nothing_reached(api)


def assert_proxy_lands_on_stand_in(api: StandIn) -> None:
    """With the stand-in as HTTP proxy, a request for http://example.com reaches the stand-in."""
    via_stand_in = urllib.request.build_opener(urllib.request.ProxyHandler({"http": api.url}))
    with via_stand_in.open("http://example.com/_control/health", timeout=10) as answer:
        assert json.loads(answer.read()) == {"ok": True}, "the proxy set-up of this test is broken"


@pytest.mark.parametrize("command", ["check", "read"])
def test_given_plain_http_remote_base_url_then_refuses_naming_the_field_before_any_request(
    command: str, cli: ConnectorCli, api: StandIn, tmp_path: Path, catalog_path: Path
) -> None:
    config_path = config_file(tmp_path, make_config(api, base_url="http://example.com"))
    catalog = ["--catalog", catalog_path] if command == "read" else []
    # The stand-in is the connector's HTTP proxy here: whatever it might send to
    # http://example.com would show in the stand-in's stats instead of leaving the machine.
    env = clean_environment(http_proxy=api.url, HTTP_PROXY=api.url)
    assert_proxy_lands_on_stand_in(api)

    run = cli.run(command, "--config", config_path, *catalog, env=env)

    assert "base_url" in refusal_message(run), run.describe()
    assert_nothing_reached(api)


def test_given_config_file_that_is_not_json_when_check_then_fails_saying_so(
    cli: ConnectorCli, api: StandIn, tmp_path: Path
) -> None:
    config_path = tmp_path / "config.json"
    config_path.write_text("api_key: not json\n", encoding="utf-8")

    run = cli.run("check", "--config", config_path)

    assert run.returncode != 0, run.describe()
    message = error_text(run)
    assert str(config_path) in message and "JSON" in message, run.describe()
    assert_nothing_reached(api)


# --------------------------------------------------------------------------------------------
# Answers of an unexpected shape: fail, never a short read
# --------------------------------------------------------------------------------------------


def test_given_bare_list_answers_when_read_then_fails_naming_a_list(
    cli: ConnectorCli, api: StandIn, tmp_path: Path, catalog_path: Path
) -> None:
    api.set_faults(bare_list=True)

    run = read_all(cli, api, tmp_path, catalog_path)

    assert run.returncode != 0, run.describe()
    assert re.search(r"\blist\b", error_text(run), re.I), run.describe()
    for stream in STREAMS:
        assert "COMPLETE" not in run.stream_statuses(stream), run.describe()


def test_given_answers_without_data_key_when_read_then_fails_naming_the_keys_received(
    cli: ConnectorCli, api: StandIn, tmp_path: Path, catalog_path: Path
) -> None:
    api.set_faults(wrong_shape=True)  # {"items": [...], "meta": {...}}

    run = read_all(cli, api, tmp_path, catalog_path)

    assert run.returncode != 0, run.describe()
    assert "items" in error_text(run), run.describe()
    for stream in STREAMS:
        assert "COMPLETE" not in run.stream_statuses(stream), run.describe()


# --------------------------------------------------------------------------------------------
# Retries used up (the slowest read of the module, started with the other faulted reads)
# --------------------------------------------------------------------------------------------


def test_given_500_on_every_request_when_retries_are_used_up_then_read_fails_loudly(
    faulted_reads: Background,
) -> None:
    read = faulted_reads.result("500 always")

    run = read.run
    assert run.returncode != 0, run.describe()
    assert run.trace_errors, run.describe()
    for stream in STREAMS:
        assert "COMPLETE" not in run.stream_statuses(stream), run.describe()
    # manifest.yaml's max_retries: 5, so 6 attempts at the first page of each stream's one chunk.
    assert {path: read.stats["by_path"].get(path) for path in DATA_PATHS} == {
        path: 6 for path in DATA_PATHS
    }


def test_given_500_on_every_request_then_retries_wait_3_5_9_17_and_33_seconds(
    faulted_reads: Background,
) -> None:
    read = faulted_reads.result("500 always")

    for path in DATA_PATHS:
        times = [request["t"] for request in read.stats["requests"] if request["path"] == path]
        waits = [round(later - earlier, 1) for earlier, later in zip(times, times[1:])]
        # The CDK adds 1 s to each wait of 1 * 2**attempt seconds. The waits it asks for are
        # pinned exactly in unit_tests/test_retries.py; here, that a real process really waits
        # them (no upper bound: how much longer it takes is the machine's load).
        assert len(waits) == 5 and all(
            wait >= wanted for wanted, wait in zip((3, 5, 9, 17, 33), waits)
        ), f"{path}: waits of {waits} s"


# --------------------------------------------------------------------------------------------
# The rate budget
# --------------------------------------------------------------------------------------------


def test_default_rate_budget_draws_no_429_from_an_api_allowing_5_per_second_over_several_chunks(
    background: Background,
    cli: ConnectorCli,
    api: StandIn,
    tmp_path: Path,
    catalog_path: Path,
    dataset: Dict[str, List[dict]],
    record_property,
) -> None:
    # Nothing else may run meanwhile: a starved connector sends late, and late requests bunch up.
    background.wait_all()
    # People.ai's published limits: 5 requests per second and 10 at once per API client.
    api.set_faults(rate_limit={"rps": 5, "concurrent": 10})

    # requests_per_second left out: the manifest's default (5) applies. About 25 requests.
    run = read_all(cli, api, tmp_path, catalog_path, requests_per_second=None)

    stats = api.stats()
    record_property("wall_seconds", round(run.seconds, 1))
    record_property("data_requests", stats["data_requests"])
    print(f"rate-budget read: {run.seconds:.1f} s, {stats['data_requests']} data requests")
    assert stats["by_status"].get("429", 0) == 0, (
        f"{stats['by_status']} at times "
        f"{[round(r['t'] - stats['requests'][0]['t'], 3) for r in stats['requests']]}"
    )
    chunks = {r["query"].get("from") for r in stats["requests"] if r["path"] == DATA_PATHS[0]}
    assert len(chunks) >= 3, f"the read asked for only these chunks: {sorted(chunks)}"
    assert_read_complete(run, dataset)


# --------------------------------------------------------------------------------------------
# Secrets: last, so that it sees the output of every run of this module
# --------------------------------------------------------------------------------------------

# The stand-in issues tokens of 43 URL-safe characters (secrets.token_urlsafe(32)).
TOKEN_LENGTH = 43
_TOKEN_SHAPED = re.compile(r"[A-Za-z0-9_-]{%d,}" % TOKEN_LENGTH)


def fetch_token(api: StandIn) -> str:
    form = urllib.parse.urlencode(
        {
            "grant_type": "client_credentials",
            "client_id": CREDENTIALS["api_key"],
            "client_secret": CREDENTIALS["api_secret"],
        }
    ).encode()
    request = urllib.request.Request(api.url + TOKEN_PATH, data=form)
    with _DIRECT.open(request, timeout=10) as answer:
        return json.loads(answer.read())["access_token"]


def stand_in_issued(api: StandIn, candidate: str) -> bool:
    """Whether the stand-in knows `candidate` as a token it issued (valid or expired)."""
    request = urllib.request.Request(
        f"{api.url}{DATA_PATHS[0]}?limit=1", headers={"Authorization": f"Bearer {candidate}"}
    )
    try:
        with _DIRECT.open(request, timeout=10):
            return True
    except urllib.error.HTTPError as error:
        body = json.loads(error.read() or b"{}")
        return not (error.code == 401 and body.get("message") == "invalid token")


def issued_tokens_in(api: StandIn, text: str) -> List[str]:
    candidates = {
        run[start:start + TOKEN_LENGTH]
        for run in _TOKEN_SHAPED.findall(text)
        for start in range(len(run) - TOKEN_LENGTH + 1)
    }
    return sorted(candidate for candidate in candidates if stand_in_issued(api, candidate))


def test_no_run_ever_prints_a_credential_or_an_access_token(
    background: Background, cli: ConnectorCli, api: StandIn, tmp_path: Path, catalog_path: Path
) -> None:
    background.wait_all()  # the faulted reads' output too
    if not any("--config" in each.command for each in cli.runs):
        # Run alone: runs of its own, so that it has tokens and a rejected secret to look for.
        config = make_config(api, api_secret=WRONG_SECRET)
        cli.run("check", "--config", config_file(tmp_path, config))
        run = read_all(cli, api, tmp_path, catalog_path)
        assert run.returncode == 0, run.describe()
    assert api.stats()["tokens_issued"] >= 1
    # The token search finds a token the stand-in issued, and nothing else.
    token = fetch_token(api)
    assert issued_tokens_in(api, f"noise {token}, noise {'x' * TOKEN_LENGTH}") == [token]

    leaks = []
    for each in cli.runs:
        printed = each.stdout + each.stderr
        leaks += [(each.command[-5:], "credential", s) for s in SECRETS if s in printed]
        leaks += [(each.command[-5:], "access token", t) for t in issued_tokens_in(api, printed)]

    for name in FAULTS:
        if background.started(name):
            leaks += [(name, "access token", t) for t in background.result(name).printed_tokens]

    assert len(cli.runs) >= 2
    assert not leaks, leaks
