"""The rate budget: requests_per_second calls per second, shared by every request of both streams."""

from __future__ import annotations

from datetime import timedelta
from typing import List

import pytest
import requests
from airbyte_cdk.sources.streams.call_rate import CallRateLimitHit, HttpAPIBudget
from airbyte_cdk.test.mock_http import HttpMocker
from isodate import parse_duration

from unit_tests.config import ConfigBuilder
from unit_tests.harness import read_streams
from unit_tests.request_builder import RequestBuilder, sent_requests
from unit_tests.response_builder import activities, page_response, participants, token_response


def _data_request(path: str) -> requests.PreparedRequest:
    return requests.Request("GET", f"https://api.people.ai{path}", params={"limit": 1000, "offset": 0}).prepare()


def _built_budget(source_factory, config) -> HttpAPIBudget:
    source = source_factory(config)
    source.streams(config)  # the budget is built with the streams
    budget = source._constructor._api_budget  # noqa: SLF001 - the CDK keeps it on the component factory
    assert isinstance(budget, HttpAPIBudget)
    return budget


def test_manifest_budget_is_a_moving_window_of_requests_per_second_matching_every_request(manifest) -> None:
    budget = manifest["api_budget"]
    assert budget["type"] == "HTTPAPIBudget"
    (policy,) = budget["policies"]
    assert policy["type"] == "MovingWindowCallRatePolicy"
    (rate,) = policy["rates"]
    assert rate["limit"] == "{{ config['requests_per_second'] }}"
    # A window of at least a second: never more than requests_per_second in any second.
    assert parse_duration(rate["interval"]) >= timedelta(seconds=1)
    assert policy["matchers"] == []


@pytest.mark.parametrize(
    "path", ["/v0/public/activities", "/v0/public/activities/participants", "/v0/public/anything-else"]
)
def test_built_budget_allows_requests_per_second_calls_then_refuses_the_next(source_factory, path: str) -> None:
    budget = _built_budget(source_factory, ConfigBuilder().with_requests_per_second(3).build())
    request = _data_request(path)
    policy = budget.get_matching_policy(request)
    assert policy is not None

    for _ in range(3):
        policy.try_acquire(request, weight=1)
    with pytest.raises(CallRateLimitHit):
        policy.try_acquire(request, weight=1)


def test_both_streams_share_one_budget(source_factory) -> None:
    budget = _built_budget(source_factory, ConfigBuilder().with_requests_per_second(2).build())
    activities_request = _data_request("/v0/public/activities")
    participants_request = _data_request("/v0/public/activities/participants")

    budget.get_matching_policy(activities_request).try_acquire(activities_request, weight=1)
    budget.get_matching_policy(participants_request).try_acquire(participants_request, weight=1)
    with pytest.raises(CallRateLimitHit):
        budget.get_matching_policy(activities_request).try_acquire(activities_request, weight=1)


def test_given_no_requests_per_second_when_built_then_budget_uses_the_spec_default(source_factory, manifest) -> None:
    default = manifest["spec"]["connection_specification"]["properties"]["requests_per_second"]["default"]
    budget = _built_budget(source_factory, ConfigBuilder().without("requests_per_second").build())
    request = _data_request("/v0/public/activities")
    policy = budget.get_matching_policy(request)

    for _ in range(default):
        policy.try_acquire(request, weight=1)
    with pytest.raises(CallRateLimitHit):
        policy.try_acquire(request, weight=1)


def test_when_read_then_every_data_request_acquires_from_the_budget(monkeypatch) -> None:
    acquired: List[str] = []
    original_acquire = HttpAPIBudget.acquire_call

    def recording_acquire(self, request, block=True, timeout=None):
        acquired.append(request.url)
        return original_acquire(self, request, block=block, timeout=timeout)

    monkeypatch.setattr(HttpAPIBudget, "acquire_call", recording_acquire)
    with HttpMocker() as http_mocker:
        http_mocker.post(RequestBuilder.token().build(), [token_response(), token_response()])
        http_mocker.get(RequestBuilder.activities().with_limit(2).with_offset(0).build(), page_response(activities(2)))
        http_mocker.get(RequestBuilder.activities().with_limit(2).with_offset(2).build(), page_response(activities(1, 2)))
        http_mocker.get(RequestBuilder.participants().with_limit(2).with_offset(0).build(), page_response(participants(1)))

        output = read_streams(ConfigBuilder().with_page_size(2).build(), "activity", "participants")

        data_urls = [r.url for r in sent_requests(http_mocker) if r.method == "GET"]
    assert not output.errors
    assert len(data_urls) == 3
    assert sorted(acquired) == sorted(data_urls)
