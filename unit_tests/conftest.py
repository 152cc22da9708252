"""Fixtures that build the People.ai source from manifest.yaml and run it as Airbyte would."""

from __future__ import annotations

import copy
import functools
import types
from typing import Any, Callable, Dict, List

import backoff._sync
import pytest
from airbyte_cdk.sources.declarative import concurrent_declarative_source
from airbyte_cdk.sources.streams.http import rate_limiting

from source_peopleai import SourcePeopleai, fast_path
from unit_tests.clock import FROZEN_NOW, set_clock
from unit_tests.harness import build_source, load_manifest

# Every source built parses the CDK's own component schema again (0.3 s of YAML); the tests
# build hundreds. Parse it once, and hand each source its own copy, as a fresh parse would.
# (CDKs before 7.39 keep no such function here; the tests then parse it each time.)
if hasattr(concurrent_declarative_source, "get_declarative_component_schema"):
    _component_schema = functools.cache(concurrent_declarative_source.get_declarative_component_schema)
    concurrent_declarative_source.get_declarative_component_schema = lambda: copy.deepcopy(_component_schema())


@pytest.fixture
def manifest() -> Dict[str, Any]:
    """manifest.yaml as written (references not resolved)."""
    return load_manifest()


@pytest.fixture(scope="session")
def source_factory() -> Callable[..., SourcePeopleai]:
    """build_source(config, catalog=None): the source built from manifest.yaml, as the CLI builds it.

    Reads go through unit_tests.harness.read_streams, which builds the source the same way.
    """
    return build_source


@pytest.fixture(autouse=True, params=["fast_path", "manifest_only"])
def run_path(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Every test runs twice: as `source-peopleai` runs the manifest (its per-record steps done by
    source_peopleai/fast_path.py) and as the manifest is written (what the Connector Builder and
    Airbyte's manifest-only image run). The two must behave the same in every test."""
    if request.param == "manifest_only":
        monkeypatch.setenv(fast_path.DECLARATIVE_ONLY_ENV, "1")
    else:
        monkeypatch.delenv(fast_path.DECLARATIVE_ONLY_ENV, raising=False)
    return request.param


@pytest.fixture(autouse=True)
def requested_waits(monkeypatch: pytest.MonkeyPatch) -> List[float]:
    """The retry waits the connector asks for, in seconds, recorded instead of slept.

    The CDK's retry handlers (airbyte_cdk.sources.streams.http.rate_limiting) sleep for the
    backoff + 1 s, and the `backoff` library they are built on sleeps between tries (0 s, as the
    handler already waited; the token request's own retries also sleep there). The rate budget's
    pauses (airbyte_cdk.sources.streams.call_rate) stay real.
    """
    waits: List[float] = []
    recording_time = types.SimpleNamespace(sleep=waits.append)
    monkeypatch.setattr(rate_limiting, "time", recording_time)
    monkeypatch.setattr(backoff._sync, "time", recording_time)
    return waits


@pytest.fixture(autouse=True)
def frozen_clock(monkeypatch: pytest.MonkeyPatch):
    """The connector's now is clock.FROZEN_NOW in every test; a test may move it with set_clock."""
    return set_clock(monkeypatch, FROZEN_NOW)
