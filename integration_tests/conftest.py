"""Shared fixtures, and the end of the stand-in that the whole session shares."""

from __future__ import annotations

from typing import Dict, List

import pytest

# The standard tests' hooks (the parametrization of `scenario`, their command-line options) and
# fixtures, imported rather than listed in `pytest_plugins`: pytest refuses that list in a
# conftest below the rootdir whenever this one is not loaded at start-up (`pytest .`).
from airbyte_cdk.test.standard_tests.pytest_hooks import (  # noqa: F401  (found by pytest)
    connector_base_image_override,
    connector_image_override,
    pytest_addoption,
    pytest_generate_tests,
    read_from_streams,
    read_scenarios,
)
from stand_in import StandIn

from integration_tests.connector_cli import ConnectorCli
from integration_tests.stand_in_session import shared_stand_in, stop_shared_stand_in


def pytest_unconfigure(config: pytest.Config) -> None:
    stop_shared_stand_in()


@pytest.fixture(scope="session")
def api() -> StandIn:
    return shared_stand_in()


@pytest.fixture(scope="session")
def dataset(api: StandIn) -> Dict[str, List[dict]]:
    """The stand-in's records, by the connector's stream name."""
    return {"activity": api.dataset("activities"), "participants": api.dataset("participants")}


@pytest.fixture(scope="module")
def cli() -> ConnectorCli:
    """Runs the connector; keeps every run of the module for the secret-leak test."""
    return ConnectorCli()
