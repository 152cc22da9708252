"""One truth on every run path: the same manifest gives the same spec and records however it runs.

The paths (integration_tests/run_paths.py): this package's `source-peopleai`, the CDK's
`source-declarative-manifest --manifest-path manifest.yaml`, and the code of Airbyte's
manifest-only image. Airbyte deployments take the last one, so anything that holds only on the
first (such as source_peopleai/run.py's wording of config errors) is pinned here as a difference,
not mistaken for what users of Airbyte see.
"""

from __future__ import annotations

import datetime as dt
import json
from collections import Counter
from pathlib import Path
from typing import Any, Dict, List, Mapping, Tuple

import pytest
import yaml
from stand_in import StandIn

from integration_tests.connector_cli import (
    STREAMS,
    CliRun,
    ConnectorCli,
    full_refresh_catalog,
    write_json,
)
from integration_tests.run_paths import (
    CDK_CONSOLE_SCRIPT,
    MANIFEST_ONLY_IMAGE,
    MANIFEST_PATH,
    RUN_PATHS,
    SOURCE_PEOPLEAI,
    RunPath,
)
from integration_tests.stand_in_session import VALID_CONFIG_PATH, read_config

CREDENTIALS = {key: read_config(VALID_CONFIG_PATH)[key] for key in ("api_key", "api_secret")}
PRIMARY_KEYS = {"activity": ("uid",), "participants": ("uid", "email")}
DATASET_NAMES = {"activity": "activities", "participants": "participants"}
SPEC_PROPERTIES = yaml.safe_load(MANIFEST_PATH.read_text(encoding="utf-8"))["spec"][
    "connection_specification"
]["properties"]
# The read starts in the middle of the stand-in's three years, so that the start bound is tested.
START_DATE = (dt.datetime.now(dt.timezone.utc).date() - dt.timedelta(days=400)).isoformat()

PATH_IDS = [path.name for path in RUN_PATHS]


def run(cli: ConnectorCli, path: RunPath, *args: str | Path) -> CliRun:
    return cli.run(command=path.command(*args))


def single_message(run_: CliRun, message_type: str) -> Dict[str, Any]:
    messages = run_.of_type(message_type)
    assert len(messages) == 1, f"expected one {message_type} message\n{run_.describe()}"
    return messages[0]


# ---------------------------------------------------------------------------------------------
# spec
# ---------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def specs(cli: ConnectorCli) -> Dict[str, Dict[str, Any]]:
    return {path.name: single_message(run(cli, path, "spec"), "SPEC")["spec"] for path in RUN_PATHS}


def test_manifest_only_image_prints_the_same_spec_as_source_peopleai(
    specs: Dict[str, Dict[str, Any]],
) -> None:
    assert specs[MANIFEST_ONLY_IMAGE.name] == specs[SOURCE_PEOPLEAI.name]
    assert specs[SOURCE_PEOPLEAI.name]["connectionSpecification"]["properties"].keys() == (
        SPEC_PROPERTIES.keys()
    )


def test_cdk_console_script_spec_ignores_manifest_path_and_prints_the_generic_spec(
    specs: Dict[str, Dict[str, Any]],
) -> None:
    # CDK 7.39.1: outside the image, `source-declarative-manifest spec` always answers the spec of
    # "a manifest given in the config" and never reads --manifest-path. check, discover and read
    # do read the manifest (and validate the config against its spec, as below).
    generic = specs[CDK_CONSOLE_SCRIPT.name]["connectionSpecification"]

    assert generic["required"] == ["__injected_declarative_manifest"]
    assert "api_key" not in generic["properties"]


# ---------------------------------------------------------------------------------------------
# check with a config the spec refuses: every path refuses it before any request, in its words
# ---------------------------------------------------------------------------------------------

BASE_URL_PATTERN = SPEC_PROPERTIES["base_url"]["pattern"]
START_DATE_PATTERN = SPEC_PROPERTIES["start_date"]["pattern"]
FUTURE_DAY = "2999-01-01"
FUTURE_VALUE = f"start_date {FUTURE_DAY} is in the future: it must be today (UTC) or earlier"

# (config change, path) -> the exact message of the FAILED connection status.
# source-peopleai names the field (source_peopleai/run.py); the CDK's paths print jsonschema's
# own sentence, which quotes the value and the pattern.
REFUSALS: Dict[Tuple[str, str], str] = {
    ("remote_http_base_url", SOURCE_PEOPLEAI.name): (
        "Config validation error: base_url must look like https://host[:port], or "
        "http://127.0.0.1[:port] for a local test server, not 'http://example.com'."
    ),
    ("remote_http_base_url", CDK_CONSOLE_SCRIPT.name): (
        f"Config validation error: 'http://example.com' does not match {BASE_URL_PATTERN!r}"
    ),
    ("remote_http_base_url", MANIFEST_ONLY_IMAGE.name): (
        f"Config validation error: 'http://example.com' does not match {BASE_URL_PATTERN!r}"
    ),
    ("future_start_date", SOURCE_PEOPLEAI.name): (
        f"Config validation error: {FUTURE_VALUE}."
    ),
    ("future_start_date", CDK_CONSOLE_SCRIPT.name): (
        f"Config validation error: {FUTURE_VALUE!r} does not match {START_DATE_PATTERN!r}"
    ),
    ("future_start_date", MANIFEST_ONLY_IMAGE.name): (
        f"Config validation error: {FUTURE_VALUE!r} does not match {START_DATE_PATTERN!r}"
    ),
}
BAD_CONFIGS: Dict[str, Dict[str, Any]] = {
    "remote_http_base_url": {"base_url": "http://example.com"},
    "future_start_date": {"start_date": FUTURE_DAY},
}


@pytest.mark.parametrize("bad", list(BAD_CONFIGS))
@pytest.mark.parametrize("path", RUN_PATHS, ids=PATH_IDS)
def test_given_config_the_spec_refuses_when_check_then_each_path_fails_with_its_message(
    bad: str, path: RunPath, cli: ConnectorCli, api: StandIn, tmp_path: Path
) -> None:
    config = {**CREDENTIALS, "base_url": api.url, **BAD_CONFIGS[bad]}
    api.reset()

    result = run(cli, path, "check", "--config", write_json(tmp_path / "config.json", config))

    assert result.returncode == 0, result.describe()
    status = single_message(result, "CONNECTION_STATUS")["connectionStatus"]
    assert status == {"status": "FAILED", "message": REFUSALS[(bad, path.name)]}
    assert api.stats()["token_requests"] == 0 and api.stats()["data_requests"] == 0


# ---------------------------------------------------------------------------------------------
# read: every record of the stand-in in the config's range, exactly once, identical on all paths
# ---------------------------------------------------------------------------------------------


# The cursor of a chunk never read (manifest: ingestion_cursor).
NEVER_READ = "1262304000000"


def key_of(stream: str, record: Mapping[str, Any]) -> tuple:
    return tuple(record.get(field) for field in PRIMARY_KEYS[stream])


def as_delivered(api_record: Mapping[str, Any]) -> Dict[str, Any]:
    """What the connector prints for a record the API sent (epoch-millisecond timestamps)."""
    record = {key: value for key, value in api_record.items() if key != "subject"}
    if "subject" in api_record:
        record["api_subject"] = api_record["subject"]
    # The CDK leaves top-level nulls out of the RECORD messages it prints.
    return {key: value for key, value in record.items() if value is not None}


def in_range(record: Mapping[str, Any], start_ms: int) -> bool:
    timestamp = record.get("activity_timestamp")
    assert isinstance(timestamp, int), f"the stand-in sent a non-epoch timestamp: {timestamp!r}"
    return timestamp >= start_ms


@pytest.fixture(scope="module")
def expected(api: StandIn) -> Dict[str, Dict[tuple, Dict[str, Any]]]:
    """The stand-in's records from START_DATE on, by stream and key, as the connector prints them."""
    start = dt.datetime.fromisoformat(START_DATE).replace(tzinfo=dt.timezone.utc)
    start_ms = int(start.timestamp() * 1000)
    wanted: Dict[str, Dict[tuple, Dict[str, Any]]] = {}
    for stream in STREAMS:
        records = [r for r in api.dataset(DATASET_NAMES[stream]) if in_range(r, start_ms)]
        wanted[stream] = {key_of(stream, r): as_delivered(r) for r in records}
        assert len(wanted[stream]) == len(records), f"{stream}: the dataset repeats a key"
    dropped = len(api.dataset("activities")) - len(wanted["activity"])
    assert wanted["activity"] and dropped > 0, "START_DATE must cut the dataset in two"
    return wanted


@pytest.fixture(scope="module")
def reads(
    cli: ConnectorCli, api: StandIn, tmp_path_factory: pytest.TempPathFactory
) -> Dict[str, CliRun]:
    folder = tmp_path_factory.mktemp("run_paths")
    config = {
        **CREDENTIALS,
        "base_url": api.url,
        "start_date": START_DATE,
        "page_size": 100,
        # The rate budget is tested in test_cli.py; here it must not slow three reads down.
        "requests_per_second": 1000,
    }
    config_path = write_json(folder / "config.json", config)
    catalog_path = write_json(folder / "catalog.json", full_refresh_catalog(STREAMS))
    api.reset()
    return {
        path.name: run(cli, path, "read", "--config", config_path, "--catalog", catalog_path)
        for path in RUN_PATHS
    }


@pytest.mark.parametrize("path", RUN_PATHS, ids=PATH_IDS)
@pytest.mark.parametrize("stream", STREAMS)
def test_read_delivers_every_record_in_range_exactly_once(
    path: RunPath,
    stream: str,
    reads: Dict[str, CliRun],
    expected: Dict[str, Dict[tuple, Dict[str, Any]]],
) -> None:
    result = reads[path.name]
    assert result.returncode == 0 and not result.trace_errors, result.describe()
    counts = Counter(key_of(stream, record) for record in result.records(stream))

    twice = sorted(key for key, count in counts.items() if count > 1)
    missing = sorted(expected[stream].keys() - counts.keys())
    unexpected = sorted(counts.keys() - expected[stream].keys())
    assert not (twice or missing or unexpected), (
        f"{stream} via {path.name}: {len(twice)} keys more than once {twice[:3]}, "
        f"{len(missing)} missing {missing[:3]}, {len(unexpected)} unexpected {unexpected[:3]}"
    )


@pytest.mark.parametrize("path", RUN_PATHS, ids=PATH_IDS)
@pytest.mark.parametrize("stream", STREAMS)
def test_read_delivers_values_as_sent_with_subject_renamed(
    path: RunPath,
    stream: str,
    reads: Dict[str, CliRun],
    expected: Dict[str, Dict[tuple, Dict[str, Any]]],
) -> None:
    printed = {key_of(stream, record): read_record(record) for record in reads[path.name].records(stream)}

    differing = [key for key, record in expected[stream].items() if printed.get(key) != record]
    assert not differing, (
        f"{stream} via {path.name}: {len(differing)} records differ; the first:\n"
        f"  printed:  {printed.get(differing[0])}\n  expected: {expected[stream][differing[0]]}"
    )
    assert not any("subject" in record for record in printed.values())


def read_record(printed: Mapping[str, Any]) -> Dict[str, Any]:
    """A printed record without synced_at, the time of its read, which must be epoch milliseconds."""
    record = dict(printed)
    assert isinstance(record.pop("synced_at"), int), printed
    return record


def test_every_path_prints_the_same_records_and_final_state(reads: Dict[str, CliRun]) -> None:
    def canonical(result: CliRun) -> Dict[str, List[str]]:
        return {
            stream: sorted(json.dumps(read_record(r), sort_keys=True) for r in result.records(stream))
            for stream in STREAMS
        }

    def final_states(result: CliRun) -> Dict[str, Any]:
        """Each stream's last state, each chunk's cursor (the time of its read) as read or not."""
        states = {}
        for message in result.of_type("STATE"):
            stream_state = message["state"]["stream"]
            chunks = {
                json.dumps(s["partition"], sort_keys=True): s["cursor"]["synced_at"] != NEVER_READ
                for s in stream_state["stream_state"]["states"]
            }
            states[stream_state["stream_descriptor"]["name"]] = (chunks, "state" in stream_state["stream_state"])
        return states

    first, *others = RUN_PATHS
    for path in others:
        assert canonical(reads[path.name]) == canonical(reads[first.name]), path.name
        assert final_states(reads[path.name]) == final_states(reads[first.name]), path.name


# ---------------------------------------------------------------------------------------------
# read with a saved state the connector cannot read: source-peopleai names the stream, the CDK's
# paths can only say that something went wrong (README, Error handling)
# ---------------------------------------------------------------------------------------------

UNREADABLE_STATE = [{
    "type": "STREAM",
    "stream": {"stream_descriptor": {"name": "account_engagement"}, "stream_state": {"date": "garbage"}},
}]
STATE_ERRORS = {
    SOURCE_PEOPLEAI.name: (
        "config_error",
        "The saved state of the account_engagement stream cannot be read by this version of "
        "source-peopleai (No format in ['%Y-%m-%d', '%Y-%m-%d'] matching garbage). Reset that stream (in "
        "Airbyte: refresh or clear its data) so that its next sync starts again from start_date; its "
        "records are read again, and Append + Deduped keeps each one once.",
    ),
    CDK_CONSOLE_SCRIPT.name: ("system_error", "Something went wrong in the connector. See the logs for more details."),
    MANIFEST_ONLY_IMAGE.name: ("system_error", "Something went wrong in the connector. See the logs for more details."),
}


@pytest.mark.parametrize("path", RUN_PATHS, ids=PATH_IDS)
def test_given_a_saved_state_that_cannot_be_read_when_read_then_each_path_fails_with_its_message(
    path: RunPath, cli: ConnectorCli, api: StandIn, tmp_path: Path
) -> None:
    config = {**CREDENTIALS, "base_url": api.url}
    catalog = full_refresh_catalog(["account_engagement"])
    catalog["streams"][0]["sync_mode"] = "incremental"
    api.reset()

    result = run(
        cli, path, "read",
        "--config", write_json(tmp_path / "config.json", config),
        "--catalog", write_json(tmp_path / "catalog.json", catalog),
        "--state", write_json(tmp_path / "state.json", UNREADABLE_STATE),
    )

    assert result.returncode == 1, result.describe()
    (error,) = result.trace_errors
    assert (error["failure_type"], error["message"]) == STATE_ERRORS[path.name]
    assert "matching garbage" in error["internal_message"]
    assert api.stats()["data_requests"] == 0
