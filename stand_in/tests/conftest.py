"""One stand-in (1000 activities, today = 2025-06-15) shared by the tests of this directory."""

from __future__ import annotations

import pytest

from stand_in import StandIn
from stand_in.tests.helpers import N_ACTIVITIES, SEED, TODAY, get_token, pid_alive


@pytest.fixture(scope="session")
def api():
    s = StandIn(activities=N_ACTIVITIES, seed=SEED, today=TODAY).start()
    try:
        yield s
    finally:
        s.stop()
    assert not pid_alive(s.pid)


@pytest.fixture(autouse=True)
def _clean(request):
    yield
    for name in ("api", "iso_api"):
        if name in request.fixturenames:
            request.getfixturevalue(name).reset()


@pytest.fixture(scope="session")
def iso_api():
    """A second stand-in writing ISO timestamps (300 activities, same seed and today)."""
    s = StandIn(activities=300, seed=SEED, today=TODAY, timestamps="iso").start()
    try:
        yield s
    finally:
        s.stop()
    assert not pid_alive(s.pid)


@pytest.fixture
def tok(api):
    return get_token(api)


@pytest.fixture(scope="session")
def full(api):
    """Every record of every stream, as the control API serves them."""
    from stand_in.datasets import STREAM_NAMES

    return {name: api.dataset(name) for name in STREAM_NAMES}
