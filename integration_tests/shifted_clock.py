"""Runs `source-peopleai` with its clock moved to another day, for syncs on a day of the tests'
choosing (the stand-in's `--today`, or a day it moved to with set_today):

    python -m integration_tests.shifted_clock 2026-12-31 read --config ... --catalog ...

The connector's time is the real time moved by whole days, so that its date is the given day and
its time of day the real one, as the stand-in's clock does (stand_in/dates.py). Test tooling only:
the connector itself always runs on the real clock.
"""

from __future__ import annotations

import sys
from datetime import date, datetime, timedelta, timezone

from source_peopleai.run import run
from unit_tests.clock import patch_connector_clock


def main() -> None:
    day, args = date.fromisoformat(sys.argv[1]), sys.argv[2:]
    shift = timedelta(days=(day - datetime.now(timezone.utc).date()).days)
    patch_connector_clock(
        lambda mapping, key, value: mapping.__setitem__(key, value),
        setattr,
        lambda: datetime.now(timezone.utc) + shift,
    )
    run(args)


if __name__ == "__main__":
    main()
