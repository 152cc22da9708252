"""Connector configurations for the unit tests."""

from __future__ import annotations

import copy
from typing import Any, Dict

API_KEY = "pk_test_4b1d9e7c2a"
API_SECRET = "sk_test_f3a8c61e90d2"
BASE_URL = "https://api.people.ai"
# High enough that the rate budget never makes a unit test wait; the budget test sets its own.
UNTHROTTLED_REQUESTS_PER_SECOND = 1000


class ConfigBuilder:
    """A valid config by default; each `with_*` changes one input, `without` drops one."""

    def __init__(self) -> None:
        self._config: Dict[str, Any] = {
            "api_key": API_KEY,
            "api_secret": API_SECRET,
            "base_url": BASE_URL,
            "requests_per_second": UNTHROTTLED_REQUESTS_PER_SECOND,
        }

    def with_api_key(self, api_key: str) -> "ConfigBuilder":
        self._config["api_key"] = api_key
        return self

    def with_api_secret(self, api_secret: str) -> "ConfigBuilder":
        self._config["api_secret"] = api_secret
        return self

    def with_base_url(self, base_url: str) -> "ConfigBuilder":
        self._config["base_url"] = base_url
        return self

    def with_page_size(self, page_size: int) -> "ConfigBuilder":
        self._config["page_size"] = page_size
        return self

    def with_requests_per_second(self, requests_per_second: int) -> "ConfigBuilder":
        self._config["requests_per_second"] = requests_per_second
        return self

    def without(self, key: str) -> "ConfigBuilder":
        self._config.pop(key, None)
        return self

    def build(self) -> Dict[str, Any]:
        return copy.deepcopy(self._config)
