"""The People.ai stand-ins of the integration tests.

One stand-in is shared by the whole session, started on first use: the standard tests build
their scenarios while pytest collects, so it has to be running by then, and
`conftest.pytest_unconfigure` stops it when the session ends. A test that changes what only a
server of its own may change (date rules, faults it runs beside other tests, added records,
stats of its own) starts a private one with `private_stand_in(...)`, as a context manager.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any, Dict, Optional

from stand_in import StandIn

HERE = Path(__file__).resolve().parent
REPO_ROOT = HERE.parent

# Credentials the stand-in accepts. They are distinctive strings, so a test can tell when one of
# them shows up in the connector's output.
VALID_CONFIG_PATH = HERE / "stand_in_config.json"
INVALID_CONFIG_PATH = HERE / "invalid_config.json"

# 600 activities hold every tricky `subject` of the stand-in's dataset many times over and give
# about 1,200 participants: several pages per stream at a page size of 100.
ACTIVITIES = 600

_stand_in: Optional[StandIn] = None


def read_config(path: Path) -> Dict[str, Any]:
    return json.loads(path.read_text(encoding="utf-8"))


def private_stand_in(activities: int = ACTIVITIES, **options: Any) -> StandIn:
    """A stand-in of the caller's own, accepting the tests' credentials (not started yet).

    `options` are StandIn's: faults, dates, timestamps, today, seed. The same `activities` and
    seed give the same records as the shared stand-in's.
    """
    credentials = read_config(VALID_CONFIG_PATH)
    return StandIn(
        activities=activities,
        client_id=credentials["api_key"],
        client_secret=credentials["api_secret"],
        **options,
    )


def shared_stand_in() -> StandIn:
    """The running stand-in; starts it the first time it is asked for."""
    global _stand_in
    if _stand_in is None:
        _stand_in = private_stand_in(ACTIVITIES).start()
    return _stand_in


def stop_shared_stand_in() -> None:
    global _stand_in
    if _stand_in is not None:
        _stand_in.stop()
        _stand_in = None


def utc_day(epoch_ms: int) -> dt.date:
    return dt.datetime.fromtimestamp(epoch_ms / 1000, dt.timezone.utc).date()


def midnight_ms(day: dt.date) -> int:
    """00:00 UTC of `day`, in epoch milliseconds."""
    return int(dt.datetime(day.year, day.month, day.day, tzinfo=dt.timezone.utc).timestamp()) * 1000


def first_day(api: StandIn) -> dt.date:
    """The UTC date of the stand-in's first activity: a start_date that reads its whole history."""
    return utc_day(api.clock()["first_activity_ms"])


def today(api: StandIn) -> dt.date:
    """The stand-in's date, which is the real UTC date (as the connector's)."""
    return dt.date.fromisoformat(api.clock()["today"])
