"""The base dataset's ingestion model (in process): when each activity was ingested, and the
meetings booked ahead that follow the past activities."""

from __future__ import annotations

import pytest

from stand_in import build_dataset
from stand_in.datasets import end_of_dataset
from stand_in.tests.helpers import DAY_MS, TODAY, d

END = end_of_dataset(d(TODAY))
N = 1000


@pytest.fixture(scope="module")
def data():
    return build_dataset(N, 42, TODAY, objects=False)


@pytest.fixture(scope="module")
def past(data):
    return data["activities"][:N]


@pytest.fixture(scope="module")
def ahead(data):
    return data["activities"][N:]


def lead(a) -> int:
    """How long before it happened an activity was ingested (negative: after)."""
    return a["activity_timestamp"] - a["ingested_at"]


# -- past activities -----------------------------------------------------------------------------


def test_every_20th_past_activity_was_ingested_before_it_happened(past):
    early = [i for i, a in enumerate(past) if a["ingested_at"] < a["activity_timestamp"]]
    assert early == list(range(10, N, 20))


def test_past_activities_ingested_early_are_meetings_booked_7_to_42_days_ahead(past):
    for a in past[10::20]:
        assert a["activity_type"] == "MEETING", a["uid"]
        assert 7 * DAY_MS <= lead(a) <= 42 * DAY_MS, a["uid"]
        assert a["meeting_start_time"] == a["activity_timestamp"]


def test_past_activities_ingested_early_were_created_when_ingested(past):
    for a in past[10::20]:
        assert a["created_at"] == a["ingested_at"] <= a["modified_at"] <= END, a["uid"]


def test_past_activities_ingested_late_follow_the_1_in_37_rule(past):
    late = [i for i, a in enumerate(past) if -lead(a) >= DAY_MS]
    rule = [i for i in range(N) if i % 37 == 5 and i % 20 != 10]
    for i in rule:  # the last ones stop at the end of the dataset
        assert DAY_MS <= -lead(past[i]) <= 45 * DAY_MS or past[i]["ingested_at"] == END
    stopped = [i for i in rule if -lead(past[i]) < DAY_MS]
    assert late == [i for i in rule if i not in stopped] and len(late) == 25


def test_other_past_activities_were_ingested_minutes_after_they_happened(past):
    others = [a for i, a in enumerate(past) if i % 37 != 5 and i % 20 != 10]
    assert len(others) == N - 27 - 50 + 2  # i = 190 and 930 are in both rules
    for a in others:
        assert 60_000 <= -lead(a) < 1_800_000 or a["ingested_at"] == END, a["uid"]
        assert a["activity_timestamp"] <= a["created_at"] <= a["ingested_at"] <= a["modified_at"] <= END


# -- meetings booked ahead ----------------------------------------------------------------------


def test_meetings_ahead_default_to_one_per_50_past_activities(data):
    assert len(data["activities"]) == N + N // 50
    assert len(build_dataset(149, 42, TODAY, objects=False)["activities"]) == 149 + 2


def test_meetings_ahead_continue_the_uids_after_the_past_activities(ahead):
    assert [a["uid"] for a in ahead] == [f"act-{k:06d}" for k in range(N + 1, N + 21)]


def test_meetings_ahead_are_meetings_that_start_when_dated(ahead):
    for a in ahead:
        assert a["activity_type"] == "MEETING"
        assert a["meeting_start_time"] == a["activity_timestamp"] < a["meeting_end_time"]
        assert a["meeting_end_time"] == a["activity_timestamp"] + a["duration"] * 1000


def test_meetings_ahead_are_spread_evenly_over_the_60_days_after_today(ahead):
    slot = 60 * DAY_MS // len(ahead)  # one per 3 days
    for j, a in enumerate(ahead):
        assert END + j * slot < a["activity_timestamp"] < END + (j + 1) * slot, a["uid"]


def test_meetings_ahead_follow_the_past_in_time_order(data):
    ts = [a["activity_timestamp"] for a in data["activities"]]
    assert ts == sorted(ts)
    assert ts[N - 1] <= END < ts[N]


def test_meetings_ahead_were_ingested_7_to_42_days_before_but_not_after_today(ahead):
    for a in ahead:
        if a["activity_timestamp"] - END <= 42 * DAY_MS:
            assert 7 * DAY_MS <= lead(a) <= 42 * DAY_MS and a["ingested_at"] <= END, a["uid"]
        else:  # cannot be 42 days before its date without being after the end: ingested at the end
            assert a["ingested_at"] == END, a["uid"]
    assert sum(1 for a in ahead if a["ingested_at"] == END) == 6  # the 6 dated more than 42 days ahead


def test_meetings_ahead_were_created_when_ingested_and_modified_by_today(ahead):
    for a in ahead:
        assert a["created_at"] == a["ingested_at"] <= a["modified_at"] <= END


def test_meetings_ahead_not_yet_modified_are_not_marked_completed(ahead):
    statuses = {a["meeting_status"] for a in ahead}
    assert statuses <= {"scheduled", "rescheduled", None} and "scheduled" in statuses


def test_meetings_ahead_rows_carry_their_activity_times(data):
    acts = {a["uid"]: a for a in data["activities"][N:]}
    rows = [p for p in data["participants"] if p["activity_uid"] in acts]
    assert {p["activity_uid"] for p in rows} == set(acts)
    for p in rows:
        a = acts[p["activity_uid"]]
        assert (p["activity_timestamp"], p["created_at"], p["ingested_at"], p["deleted"]) == (
            a["activity_timestamp"], a["created_at"], a["ingested_at"], False)


def test_meetings_ahead_count_leaves_the_past_activities_unchanged():
    none = build_dataset(200, 3, TODAY, objects=False, meetings_ahead=0)
    seven = build_dataset(200, 3, TODAY, objects=False, meetings_ahead=7)
    assert len(none["activities"]) == 200 and len(seven["activities"]) == 207
    assert seven["activities"][:200] == none["activities"]
    assert seven["participants"][:len(none["participants"])] == none["participants"]


def test_meetings_ahead_participant_ids_continue(data):
    ids = [p["id"] for p in data["participants"]]
    assert ids == list(range(ids[0], ids[0] + len(ids)))


def test_meetings_ahead_must_not_be_negative():
    with pytest.raises(ValueError, match="meetings_ahead"):
        build_dataset(10, 3, TODAY, objects=False, meetings_ahead=-1)


def test_every_record_starts_not_deleted(data):
    assert {a["deleted"] for a in data["activities"]} == {False}
    assert {p["deleted"] for p in data["participants"]} == {False}
