"""Every data request leaves with the manifest's timeouts, so a stalled People.ai cannot hang a sync."""

from __future__ import annotations

from contextlib import contextmanager
from typing import Any, Iterator, List, Tuple
from unittest import mock
from urllib.parse import urlsplit

import requests
from airbyte_cdk.test.mock_http import HttpMocker

from unit_tests.config import ConfigBuilder
from unit_tests.harness import read_streams
from unit_tests.request_builder import ACTIVITIES_PATH, PARTICIPANTS_PATH, RequestBuilder
from unit_tests.response_builder import activities, error_response, page_response, participants, token_response

# (connect, read) in seconds, as requests takes them: the requester's connect_timeout_in_seconds
# and read_timeout_in_seconds.
MANIFEST_TIMEOUT = (30, 120)


@contextmanager
def recorded_timeouts() -> Iterator[List[Tuple[str, Any]]]:
    """(path, timeout) of every request sent while inside, as requests.Session.send received it.

    Enter it inside HttpMocker: the mock replaces Session.send too, and this wraps the mock's.
    Without a timeout, requests waits forever for a server that accepted the connection.
    """
    sent: List[Tuple[str, Any]] = []
    mocked_send = requests.Session.send

    def send(session: requests.Session, request: requests.PreparedRequest, **kwargs: Any) -> requests.Response:
        sent.append((urlsplit(request.url).path, kwargs.get("timeout")))
        return mocked_send(session, request, **kwargs)

    with mock.patch.object(requests.Session, "send", send):
        yield sent


def test_when_read_then_every_data_request_has_30_s_connect_and_120_s_read_timeouts() -> None:
    with HttpMocker() as http_mocker:
        http_mocker.post(RequestBuilder.token().build(), [token_response(), token_response()])
        http_mocker.get(RequestBuilder.activities().with_limit(2).with_offset(0).build(), page_response(activities(2)))
        http_mocker.get(
            RequestBuilder.activities().with_limit(2).with_offset(2).build(),
            [error_response(500), page_response(activities(1, start=2))],
        )
        http_mocker.get(
            RequestBuilder.participants().with_limit(2).with_offset(0).build(), page_response(participants(1))
        )

        with recorded_timeouts() as sent:
            output = read_streams(ConfigBuilder().with_page_size(2).build(), "activity", "participants")

    assert not output.errors
    data_requests = [(path, timeout) for path, timeout in sent if path in (ACTIVITIES_PATH, PARTICIPANTS_PATH)]
    # Page 1, page 2 answered 500, page 2 retried, and the participants page.
    assert sorted(path for path, _ in data_requests) == [ACTIVITIES_PATH] * 3 + [PARTICIPANTS_PATH]
    assert [timeout for _, timeout in data_requests] == [MANIFEST_TIMEOUT] * 4
