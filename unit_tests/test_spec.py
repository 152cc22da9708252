"""The spec a user fills in: what is required, secret, defaulted and bounded."""

from __future__ import annotations

import re
from typing import Any, Dict

import pytest

from unit_tests.cli import of_type, run_cli


@pytest.fixture
def connection_specification(capsys) -> Dict[str, Any]:
    (spec_message,) = of_type(run_cli(["spec"], capsys), "SPEC")
    return spec_message["spec"]["connectionSpecification"]


def test_spec_requires_only_api_key_and_api_secret(connection_specification) -> None:
    assert sorted(connection_specification["required"]) == ["api_key", "api_secret"]


@pytest.mark.parametrize("field", ["api_key", "api_secret"])
def test_spec_marks_credentials_as_secret_strings(connection_specification, field: str) -> None:
    prop = connection_specification["properties"][field]
    assert prop["type"] == "string"
    assert prop["airbyte_secret"] is True


def test_spec_defaults_base_url_to_api_people_ai(connection_specification) -> None:
    base_url = connection_specification["properties"]["base_url"]
    assert base_url["type"] == "string"
    assert base_url["default"] == "https://api.people.ai"
    assert base_url.get("airbyte_secret") is not True


@pytest.mark.parametrize(
    "base_url, accepted",
    [
        ("https://api.people.ai", True),
        ("https://api.people.ai/", True),
        ("https://eu.api.people.ai:8443", True),
        ("http://127.0.0.1:8080", True),
        ("http://localhost:9000", True),
        ("http://example.com", False),
        ("http://api.people.ai", False),
        ("https://api.people.ai/v0/public", False),
        ("api.people.ai", False),
    ],
)
def test_spec_base_url_pattern_allows_https_or_local_http_only(
    connection_specification, base_url: str, accepted: bool
) -> None:
    pattern = connection_specification["properties"]["base_url"]["pattern"]
    assert bool(re.search(pattern, base_url)) is accepted


def test_spec_bounds_page_size_to_the_api_limit_range(connection_specification) -> None:
    page_size = connection_specification["properties"]["page_size"]
    assert page_size["type"] == "integer"
    assert (page_size["minimum"], page_size["maximum"], page_size["default"]) == (1, 100000, 1000)
    assert "page_size" not in connection_specification["required"]


def test_spec_defaults_requests_per_second_to_the_documented_5(connection_specification) -> None:
    rate = connection_specification["properties"]["requests_per_second"]
    assert rate["type"] == "integer"
    assert rate["default"] == 5
    assert rate["minimum"] == 1
    assert rate["maximum"] >= rate["default"]
    assert "requests_per_second" not in connection_specification["required"]


def test_spec_accepts_additional_properties(connection_specification) -> None:
    # Stated, not left to JSON Schema's default: Airbyte adds keys of its own to a config.
    assert connection_specification["additionalProperties"] is True
