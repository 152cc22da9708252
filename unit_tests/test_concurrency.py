"""At most 10 requests in flight at once, People.ai's limit per API client, however many chunks."""

from __future__ import annotations

import threading
import time
from contextlib import contextmanager
from datetime import timedelta
from typing import Any, Dict, Iterator
from unittest import mock

import requests
from airbyte_cdk.test.mock_http import HttpMocker, HttpRequest
from airbyte_cdk.test.mock_http.request import ANY_QUERY_PARAMS

from unit_tests.config import BASE_URL, TODAY, ConfigBuilder
from unit_tests.harness import read_streams
from unit_tests.request_builder import ACTIVITIES_PATH, PARTICIPANTS_PATH, RequestBuilder
from unit_tests.response_builder import page_response, token_response

PEOPLE_AI_CONCURRENT_REQUESTS = 10
# Long enough that every worker is waiting on an answer before the first one comes back.
ANSWER_SECONDS = 0.2


@contextmanager
def slow_answers_counting_in_flight() -> Iterator[Dict[str, int]]:
    """Delays every request by ANSWER_SECONDS and counts how many were waiting at once.

    Enter it inside HttpMocker, whose Session.send it wraps; the mock itself answers one
    request at a time, so the delay comes before it.
    """
    counts = {"in_flight": 0, "most": 0, "sent": 0}
    lock = threading.Lock()
    mocked_send = requests.Session.send

    def send(session: requests.Session, request: requests.PreparedRequest, **kwargs: Any) -> requests.Response:
        with lock:
            counts["in_flight"] += 1
            counts["sent"] += 1
            counts["most"] = max(counts["most"], counts["in_flight"])
        try:
            time.sleep(ANSWER_SECONDS)
            return mocked_send(session, request, **kwargs)
        finally:
            with lock:
                counts["in_flight"] -= 1

    with mock.patch.object(requests.Session, "send", send):
        yield counts


def test_given_46_one_day_chunks_when_read_then_at_most_10_requests_are_in_flight_at_once() -> None:
    # 22 one-day history chunks and the current chunk of each stream: 46 partitions, far more
    # than the workers.
    config = (
        ConfigBuilder().with_start_date((TODAY - timedelta(days=29)).isoformat()).with_window_days(1).build()
    )
    with HttpMocker() as http_mocker:
        http_mocker.post(RequestBuilder.token().build(), token_response())
        for path in (ACTIVITIES_PATH, PARTICIPANTS_PATH):
            # Which chunks are asked is test_activity_chunks.py's business; here, only how many at once.
            http_mocker.get(HttpRequest(url=f"{BASE_URL}{path}", query_params=ANY_QUERY_PARAMS), page_response([]))

        with slow_answers_counting_in_flight() as counts:
            output = read_streams(config, "activity", "participants")

    assert not output.errors
    assert counts["sent"] == 46 + 2  # and each stream's token request
    assert counts["most"] <= PEOPLE_AI_CONCURRENT_REQUESTS, counts
    # And the chunks are read side by side, not one after another.
    assert counts["most"] >= PEOPLE_AI_CONCURRENT_REQUESTS // 2
