"""The rate budget: requests_per_second calls per 1.1 s, shared by every request of both streams."""

from __future__ import annotations

import time
from typing import List

import pytest
import requests
from airbyte_cdk.sources.declarative.models.declarative_component_schema import HTTPAPIBudget as HTTPAPIBudgetModel
from airbyte_cdk.sources.declarative.parsers.model_to_component_factory import ModelToComponentFactory
from airbyte_cdk.sources.streams.call_rate import CallRateLimitHit, HttpAPIBudget, MovingWindowCallRatePolicy
from airbyte_cdk.test.mock_http import HttpMocker

from unit_tests.config import ConfigBuilder
from unit_tests.harness import read_streams
from unit_tests.request_builder import RequestBuilder, sent_requests
from unit_tests.response_builder import activities, page_response, participants, token_response


def _data_request(path: str) -> requests.PreparedRequest:
    return requests.Request("GET", f"https://api.people.ai{path}", params={"limit": 1000, "offset": 0}).prepare()


def _built_budget(source_factory, config, tmp_path) -> HttpAPIBudget:
    """The budget as the source builds it: its resolved manifest's api_budget and normalized config,
    through the CDK's component factory (the source keeps its own copy out of reach)."""
    source = source_factory(config)
    normalized_config = source.configure(config, str(tmp_path))  # fills in the spec's defaults
    budget = ModelToComponentFactory().create_component(
        model_type=HTTPAPIBudgetModel,
        component_definition=source.resolved_manifest["api_budget"],
        config=normalized_config,
    )
    assert isinstance(budget, HttpAPIBudget)
    return budget


def test_built_budget_is_one_moving_window_for_every_request(source_factory, tmp_path) -> None:
    budget = _built_budget(source_factory, ConfigBuilder().build(), tmp_path)
    policies = {id(budget.get_matching_policy(_data_request(path))) for path in ("/v0/public/activities", "/x")}

    assert len(policies) == 1
    assert isinstance(budget.get_matching_policy(_data_request("/x")), MovingWindowCallRatePolicy)


def test_built_budget_makes_the_call_after_requests_per_second_wait_1_1_seconds(source_factory, tmp_path) -> None:
    # The window is 1.1 s, not 1 s: with 1 s, the stand-in's sliding window answered 429 (see the
    # manifest). Measured, not read from the manifest: this is the wait a sync actually gets.
    budget = _built_budget(source_factory, ConfigBuilder().with_requests_per_second(2).build(), tmp_path)
    request = _data_request("/v0/public/activities")

    started = time.monotonic()
    budget.acquire_call(request, block=True)
    budget.acquire_call(request, block=True)
    budget.acquire_call(request, block=True)  # the third call in the window waits for the first to leave it
    waited = time.monotonic() - started

    # The wait is the behaviour: at least the window (less a margin for the clock's resolution).
    # How much longer it takes depends on the machine's load, so the window itself is read from
    # the policy the CDK built (not from the manifest): 2 calls per 1100 ms.
    assert waited >= 1.05, f"the third call waited only {waited:.3f} s"
    rates = budget.get_matching_policy(request)._bucket.rates  # noqa: SLF001 - pyrate's bucket keeps them
    assert [(rate.limit, rate.interval) for rate in rates] == [(2, 1100)]


@pytest.mark.parametrize(
    "path", ["/v0/public/activities", "/v0/public/activities/participants", "/v0/public/anything-else"]
)
def test_built_budget_allows_requests_per_second_calls_then_refuses_the_next(
    source_factory, tmp_path, path: str
) -> None:
    budget = _built_budget(source_factory, ConfigBuilder().with_requests_per_second(3).build(), tmp_path)
    request = _data_request(path)
    policy = budget.get_matching_policy(request)
    assert policy is not None

    for _ in range(3):
        policy.try_acquire(request, weight=1)
    with pytest.raises(CallRateLimitHit):
        policy.try_acquire(request, weight=1)


def test_both_streams_share_one_budget(source_factory, tmp_path) -> None:
    budget = _built_budget(source_factory, ConfigBuilder().with_requests_per_second(2).build(), tmp_path)
    activities_request = _data_request("/v0/public/activities")
    participants_request = _data_request("/v0/public/activities/participants")

    budget.get_matching_policy(activities_request).try_acquire(activities_request, weight=1)
    budget.get_matching_policy(participants_request).try_acquire(participants_request, weight=1)
    with pytest.raises(CallRateLimitHit):
        budget.get_matching_policy(activities_request).try_acquire(activities_request, weight=1)


def test_given_no_requests_per_second_when_built_then_budget_allows_the_spec_default_5(
    source_factory, manifest, tmp_path
) -> None:
    default = manifest["spec"]["connection_specification"]["properties"]["requests_per_second"]["default"]
    assert default == 5
    budget = _built_budget(source_factory, ConfigBuilder().without("requests_per_second").build(), tmp_path)
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


def test_given_3_pages_at_2_requests_per_second_when_read_then_third_request_waits_for_the_window(
    monkeypatch,
) -> None:
    acquired_at: List[float] = []
    original_acquire = HttpAPIBudget.acquire_call

    def timed_acquire(self, request, block=True, timeout=None):
        original_acquire(self, request, block=block, timeout=timeout)
        acquired_at.append(time.monotonic())

    monkeypatch.setattr(HttpAPIBudget, "acquire_call", timed_acquire)
    with HttpMocker() as http_mocker:
        http_mocker.post(RequestBuilder.token().build(), token_response())
        http_mocker.get(RequestBuilder.activities().with_limit(1).with_offset(0).build(), page_response(activities(1)))
        http_mocker.get(RequestBuilder.activities().with_limit(1).with_offset(1).build(), page_response(activities(1, 1)))
        http_mocker.get(RequestBuilder.activities().with_limit(1).with_offset(2).build(), page_response([]))

        output = read_streams(ConfigBuilder().with_page_size(1).with_requests_per_second(2).build())

    assert not output.errors
    assert len(acquired_at) == 3
    # The third request leaves once the first has left the 1.1 s window (no upper bound: the
    # read's own work between pages, and the machine's load, add to it).
    assert acquired_at[2] - acquired_at[0] >= 1.05
