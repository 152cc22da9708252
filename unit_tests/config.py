"""Connector configurations for the unit tests."""

from __future__ import annotations

import copy
from datetime import date, timedelta
from typing import Any, Dict

from unit_tests.clock import FROZEN_NOW

API_KEY = "pk_test_4b1d9e7c2a"
API_SECRET = "sk_test_f3a8c61e90d2"
BASE_URL = "https://api.people.ai"
# High enough that the rate budget never makes a unit test wait; the budget test sets its own.
UNTHROTTLED_REQUESTS_PER_SECOND = 1000
# Today in UTC, as the connector sees it: every unit test runs on the frozen clock of clock.py.
TODAY: date = FROZEN_NOW.date()
# Five days back, within the default lookback_days (7): the current chunk covers the whole read
# and there is no history chunk, so a test that is not about chunks sees one request per page.
START_DATE: date = TODAY - timedelta(days=5)
# The last day the current chunk asks for: 180 days ahead, for meetings booked ahead.
HORIZON: date = TODAY + timedelta(days=180)


# Every stream, in the manifest's order.
STREAMS = (
    "activity", "participants", "accounts", "opportunities", "contacts", "leads", "teams",
    "team_members", "account_engagement", "opportunity_engagement", "contact_engagement",
    "lead_engagement",
)


class ConfigBuilder:
    """A valid config by default; each `with_*` changes one input, `without` drops one."""

    def __init__(self) -> None:
        self._config: Dict[str, Any] = {
            "api_key": API_KEY,
            "api_secret": API_SECRET,
            "base_url": BASE_URL,
            "requests_per_second": UNTHROTTLED_REQUESTS_PER_SECOND,
            "start_date": START_DATE.isoformat(),
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

    def with_start_date(self, start_date: str) -> "ConfigBuilder":
        self._config["start_date"] = start_date
        return self

    def with_lookback_days(self, lookback_days: int) -> "ConfigBuilder":
        self._config["lookback_days"] = lookback_days
        return self

    def with_window_days(self, window_days: int) -> "ConfigBuilder":
        self._config["window_days"] = window_days
        return self

    def with_include_deleted(self, include_deleted: bool = True) -> "ConfigBuilder":
        self._config["include_deleted"] = include_deleted
        return self

    def without(self, key: str) -> "ConfigBuilder":
        self._config.pop(key, None)
        return self

    def build(self) -> Dict[str, Any]:
        return copy.deepcopy(self._config)
