"""A clock the tests set: what the connector takes for "now" and "today".

The manifest reads the time in two places: the Jinja macros of its templates (`day_delta`,
`now_utc`, `today_utc`: start_date's default, the chunk bounds in config normalization) and the
CDK's cursors, whose windows end "now" (the state converter's `ab_datetime_now`). Both are
replaced here; nothing else is (the OAuth token's expiry and the rate budget keep real time, and
their tests set them themselves). The unit tests freeze the clock (set_clock); the end-to-end
tests run the connector with its clock moved by whole days (integration_tests/shifted_clock.py),
to agree with a stand-in started with `--today`.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from typing import Any, Callable, Union

import pytest
from airbyte_cdk.sources.declarative.interpolation import jinja
from airbyte_cdk.sources.streams.concurrent.state_converters import datetime_stream_state_converter
from airbyte_cdk.utils.datetime_helpers import AirbyteDateTime

# Every unit test runs at this instant unless it sets another (conftest.py).
FROZEN_NOW = datetime(2026, 6, 15, 12, 0, tzinfo=timezone.utc)

_RFC3339 = "%Y-%m-%dT%H:%M:%S.%f%z"


def patch_connector_clock(
    set_item: Callable[[dict, str, Any], None],
    set_attribute: Callable[[Any, str, Any], None],
    now: Callable[[], datetime],
) -> None:
    """Makes `now()` (an aware datetime) the connector's time, through the two setters given
    (monkeypatch.setitem/setattr in a test, plain assignment in a process of its own)."""

    def day_delta(num_days: int, format: str = _RFC3339) -> str:
        return (now() + timedelta(days=num_days)).strftime(format)

    def today_utc() -> date:
        return now().date()

    def now_utc() -> datetime:
        return now()

    for macro in (day_delta, today_utc, now_utc):
        set_item(jinja._ENVIRONMENT.globals, macro.__name__, macro)
    set_attribute(datetime_stream_state_converter, "ab_datetime_now", lambda: AirbyteDateTime.from_datetime(now()))


def set_clock(monkeypatch: pytest.MonkeyPatch, now: Union[datetime, str]) -> datetime:
    """From here on, the connector's "now" is `now` (an aware datetime or ISO text), frozen."""
    at = datetime.fromisoformat(now.replace("Z", "+00:00")) if isinstance(now, str) else now
    at = at.astimezone(timezone.utc)
    patch_connector_clock(monkeypatch.setitem, monkeypatch.setattr, lambda: at)
    return at
