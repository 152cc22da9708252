"""The one People.ai stand-in that every integration test shares, started on first use.

The standard tests build their scenarios while pytest collects, so the stand-in has to be
running by then; `conftest.pytest_unconfigure` stops it when the session ends.
"""

from __future__ import annotations

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


def shared_stand_in() -> StandIn:
    """The running stand-in; starts it the first time it is asked for."""
    global _stand_in
    if _stand_in is None:
        credentials = read_config(VALID_CONFIG_PATH)
        _stand_in = StandIn(
            activities=ACTIVITIES,
            client_id=credentials["api_key"],
            client_secret=credentials["api_secret"],
        ).start()
    return _stand_in


def stop_shared_stand_in() -> None:
    global _stand_in
    if _stand_in is not None:
        _stand_in.stop()
        _stand_in = None
