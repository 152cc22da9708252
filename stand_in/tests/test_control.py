"""Control calls that change the data between syncs: backfill, schedule, delete, reprocess,
clock, and reset undoing them all."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from stand_in.datasets.common import iso_ms
from stand_in.tests.helpers import (
    ACTS, DAY_MS, N_TOTAL, PARTS, TODAY, call, fetch_all, get, get_token, local_date, post_json,
)

ISO = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z")
STAMPS = {"created_at", "ingested_at", "modified_at", "email_reply_time"}


def by_uid(api, stream="activities"):
    key = "uid" if stream == "activities" else "activity_uid"
    out: dict = {}
    for r in api.dataset(stream):
        out.setdefault(r[key], []).append(r)
    return out if stream == "participants" else {k: v[0] for k, v in out.items()}


def without(record: dict, *keys: str) -> dict:
    return {k: v for k, v in record.items() if k not in keys}


def meeting(full, after: int = 100):
    return next(a for a in full["activities"][after:] if a["activity_type"] == "MEETING")


def assert_time_order(api):
    for stream in ("activities", "participants"):
        ts = [r["activity_timestamp"] for r in api.dataset(stream)]
        assert ts == sorted(ts), stream


# -- backfill ---------------------------------------------------------------------------------


def test_backfill_answer_lists_new_uids_ingested_now(api):
    before = api.clock()["now_ms"]
    r = api.backfill(3, 30)
    after = api.clock()["now_ms"]
    assert r["uids"] == [f"act-{N_TOTAL + k:06d}" for k in (1, 2, 3)]
    assert before <= r["ingested_at"] <= after
    assert r["activity_timestamps"] == [r["ingested_at"] - 30 * DAY_MS] * 3
    assert r["activities"] == N_TOTAL + 3 and r["participants"] == len(api.dataset("participants"))


def test_backfill_records_are_dated_days_ago_and_ingested_created_modified_now(api):
    r = api.backfill(2, 30)
    acts = by_uid(api)
    for uid in r["uids"]:
        a = acts[uid]
        assert a["activity_timestamp"] == r["ingested_at"] - 30 * DAY_MS
        assert a["created_at"] == a["ingested_at"] == a["modified_at"] == r["ingested_at"]
        assert a["deleted"] is False


def test_backfill_adds_one_to_three_participants_carrying_the_activity_times(api):
    r = api.backfill(10, 5)
    rows = by_uid(api, "participants")
    acts = by_uid(api)
    for uid in r["uids"]:
        assert 1 <= len(rows[uid]) == acts[uid]["number_of_participants"] <= 3
        for p in rows[uid]:
            assert (p["activity_timestamp"], p["ingested_at"], p["created_at"], p["deleted"]) == (
                acts[uid]["activity_timestamp"], r["ingested_at"], r["ingested_at"], False)


def test_backfill_spreads_a_range_of_days_evenly_older_first(api):
    r = api.backfill(5, [40, 20])
    now = r["ingested_at"]
    expected = [now - 40 * DAY_MS + j * 5 * DAY_MS for j in range(5)]
    assert r["activity_timestamps"] == expected
    acts = by_uid(api)
    assert [acts[u]["activity_timestamp"] for u in r["uids"]] == expected


def test_backfill_inserts_in_time_order(api, full):
    r = api.backfill(4, [700, 1])
    assert_time_order(api)
    acts = api.dataset("activities")
    positions = [k for k, a in enumerate(acts) if a["uid"] in r["uids"]]
    for k, uid, ts in zip(positions, r["uids"], r["activity_timestamps"]):
        assert acts[k]["uid"] == uid and acts[k - 1]["activity_timestamp"] <= ts
        assert k == len(acts) - 1 or ts < acts[k + 1]["activity_timestamp"]


def test_backfill_is_found_by_ingested_from_not_by_the_default_window(api, tok):
    r = api.backfill(3, 90)
    assert set(r["uids"]).isdisjoint(a["uid"] for a in fetch_all(api, ACTS, tok))
    day = local_date(r["activity_timestamps"][0], "UTC").isoformat()
    got = fetch_all(api, ACTS, tok, **{"from": day, "to": day, "ingested-from": api.clock()["today"]})
    assert [a["uid"] for a in got] == r["uids"]


def test_backfill_without_ingested_at_writes_null(api):
    r = api.backfill(2, 3, no_ingested_at=True)
    assert r["ingested_at"] is None
    acts, rows = by_uid(api), by_uid(api, "participants")
    for uid in r["uids"]:
        assert acts[uid]["ingested_at"] is None
        assert acts[uid]["created_at"] == acts[uid]["modified_at"] == acts[uid]["activity_timestamp"] + 3 * DAY_MS
        assert {p["ingested_at"] for p in rows[uid]} == {None}


def test_backfill_without_ingested_at_is_listed_without_ingested_bounds(api, tok):
    r = api.backfill(2, 3, no_ingested_at=True)
    assert set(r["uids"]) <= {a["uid"] for a in fetch_all(api, ACTS, tok)}


BAD_BACKFILL = [
    ({"count": 0, "days_ago": 1}, "backfill.count must be an integer 1..10000"),
    ({"count": 10001, "days_ago": 1}, "backfill.count"),
    ({"count": "3", "days_ago": 1}, "backfill.count"),
    ({"count": 2}, "backfill.days_ago is required"),
    ({"count": 2, "days_ago": -1}, "backfill.days_ago must be an integer 0..10000"),
    ({"count": 2, "days_ago": 10001}, "backfill.days_ago"),
    ({"count": 2, "days_ago": 1.5}, "backfill.days_ago"),
    ({"count": 2, "days_ago": "5"}, "backfill.days_ago"),
    ({"count": 2, "days_ago": [5]}, "backfill.days_ago"),
    ({"count": 2, "days_ago": [9, 5, 1]}, "backfill.days_ago"),
    ({"count": 2, "days_ago": [5, 9]}, "backfill.days_ago must list the older first"),
    ({"count": 2, "days_ago": 1, "no_ingested_at": "yes"}, "backfill.no_ingested_at must be true or false"),
    ({"count": 2, "days_ago": 1, "timestamp_ms": 5}, "backfill: unknown key(s) ['timestamp_ms']"),
    ([], "backfill: body must be a JSON object"),
]


@pytest.mark.parametrize("body,needle", BAD_BACKFILL)
def test_backfill_rejects_bad_bodies(api, body, needle):
    r = post_json(api, "/_control/backfill", body)
    assert r.status == 400 and needle in r.json()["message"], r.body
    assert api.clock()["activities"] == N_TOTAL


@pytest.mark.parametrize("path", ["backfill", "schedule", "delete", "reprocess", "clock"])
def test_control_calls_reject_invalid_json(api, path):
    r = call(api, "POST", f"/_control/{path}", b"{nope", {"Content-Type": "application/json"})
    assert r.status == 400 and r.json()["message"].startswith(f"{path}: body is not valid JSON")


# -- schedule --------------------------------------------------------------------------------


def test_schedule_adds_meetings_dated_days_ahead_ingested_now(api):
    before = api.clock()["now_ms"]
    r = api.schedule(2, 10)
    assert before <= r["ingested_at"] <= api.clock()["now_ms"]
    assert r["uids"] == [f"act-{N_TOTAL + 1:06d}", f"act-{N_TOTAL + 2:06d}"]
    acts = by_uid(api)
    for uid in r["uids"]:
        a = acts[uid]
        assert a["activity_type"] == "MEETING"
        assert a["activity_timestamp"] == r["ingested_at"] + 10 * DAY_MS
        assert a["created_at"] == a["ingested_at"] == a["modified_at"] == r["ingested_at"]


def test_scheduled_meetings_start_when_dated_and_end_after(api):
    r = api.schedule(3, 1)
    acts = by_uid(api)
    for uid in r["uids"]:
        a = acts[uid]
        assert a["meeting_start_time"] == a["activity_timestamp"]
        assert a["meeting_end_time"] == a["activity_timestamp"] + a["duration"] * 1000 > a["activity_timestamp"]
        assert a["meeting_status"] in ("scheduled", "rescheduled", None)


def test_schedule_spreads_a_range_of_days_nearer_first(api):
    r = api.schedule(3, [5, 15])
    now = r["ingested_at"]
    assert r["activity_timestamps"] == [now + 5 * DAY_MS, now + 10 * DAY_MS, now + 15 * DAY_MS]
    assert_time_order(api)


def test_scheduled_meetings_are_listed_by_their_future_date(api, tok):
    r = api.schedule(2, [20, 21])
    days = [local_date(t, "UTC").isoformat() for t in r["activity_timestamps"]]
    got = fetch_all(api, ACTS, tok, **{"from": days[0], "to": days[1], "ingested-from": api.clock()["today"]})
    assert [a["uid"] for a in got] == r["uids"]


@pytest.mark.parametrize(
    "body,needle",
    [({"count": 0, "days_ahead": 1}, "schedule.count"),
     ({"count": 1}, "schedule.days_ahead is required"),
     ({"count": 1, "days_ahead": -2}, "schedule.days_ahead must be an integer 0..10000"),
     ({"count": 1, "days_ahead": [15, 5]}, "schedule.days_ahead must list the nearer first"),
     ({"count": 1, "days_ahead": [1, "2"]}, "schedule.days_ahead"),
     ({"count": 1, "days_ahead": 1, "days_ago": 1}, "schedule: unknown key(s) ['days_ago']"),
     ("x", "schedule: body must be a JSON object")],
)
def test_schedule_rejects_bad_bodies(api, body, needle):
    r = post_json(api, "/_control/schedule", body)
    assert r.status == 400 and needle in r.json()["message"], r.body
    assert api.clock()["activities"] == N_TOTAL


# -- delete ----------------------------------------------------------------------------------


def test_delete_marks_the_activity_deleted_and_modified_now(api, full):
    a = full["activities"][321]
    before = api.clock()["now_ms"]
    r = api.delete([a["uid"]])
    assert r["uids"] == [a["uid"]] and r["ingested_at"] is None
    assert before <= r["modified_at"] <= api.clock()["now_ms"]
    got = by_uid(api)[a["uid"]]
    assert got["deleted"] is True and got["modified_at"] == r["modified_at"]
    assert without(got, "deleted", "modified_at") == without(a, "deleted", "modified_at")


def test_delete_marks_every_participant_row_deleted(api, full):
    a = full["activities"][321]
    r = api.delete([a["uid"]])
    rows = by_uid(api, "participants")[a["uid"]]
    old = [p for p in full["participants"] if p["activity_uid"] == a["uid"]]
    assert r["participants_deleted"] == len(old) == len(rows)
    assert rows == [{**p, "deleted": True} for p in old]


def test_delete_moving_ingested_sets_ingested_at_now_on_activity_and_rows(api, full):
    a = full["activities"][321]
    r = api.delete([a["uid"]], moves_ingested=True)
    assert r["ingested_at"] == r["modified_at"]
    assert by_uid(api)[a["uid"]]["ingested_at"] == r["ingested_at"]
    assert {p["ingested_at"] for p in by_uid(api, "participants")[a["uid"]]} == {r["ingested_at"]}


def test_deleted_moving_ingested_is_found_by_ingested_from_with_include_deleted(api, tok, full):
    a = full["activities"][321]
    api.delete([a["uid"]], moves_ingested=True)
    day = local_date(a["activity_timestamp"], "UTC").isoformat()
    q = {"from": day, "to": day, "ingested-from": api.clock()["today"]}
    assert [x["uid"] for x in fetch_all(api, ACTS, tok, **q, **{"include-deleted": "true"})] == [a["uid"]]
    assert fetch_all(api, ACTS, tok, **q) == []


def test_delete_keeps_records_in_place(api, full):
    uids = [full["activities"][k]["uid"] for k in (10, 11, 900)]
    api.delete(uids, moves_ingested=True)
    assert [a["uid"] for a in api.dataset("activities")] == [a["uid"] for a in full["activities"]]
    assert [p["id"] for p in api.dataset("participants")] == [p["id"] for p in full["participants"]]


def test_delete_answers_counts(api, full):
    r = api.delete([full["activities"][k]["uid"] for k in (1, 2)])
    assert (r["deleted_activities"], r["activities"], r["participants"]) == (
        2, N_TOTAL, len(full["participants"]))
    assert api.clock()["deleted_activities"] == 2


def test_delete_with_an_unknown_uid_changes_nothing(api, full):
    r = post_json(api, "/_control/delete", {"uids": [full["activities"][0]["uid"], "act-999999"]})
    assert r.status == 400 and r.json()["message"] == "delete.uids: unknown activity uid(s) ['act-999999']"
    assert api.dataset("activities") == full["activities"]


@pytest.mark.parametrize(
    "body,needle",
    [({}, "delete.uids must be a non-empty list of activity uids"),
     ({"uids": []}, "delete.uids must be a non-empty list"),
     ({"uids": "act-000001"}, "delete.uids must be a non-empty list"),
     ({"uids": [1]}, "delete.uids must be a non-empty list"),
     ({"uids": ["act-1"]}, "unknown activity uid(s) ['act-1']"),
     ({"uids": ["act-0000001"]}, "unknown activity uid(s)"),
     ({"uids": ["act-000001", "act-000001"]}, "delete.uids lists the same uid more than once: ['act-000001']"),
     ({"uids": ["act-000001"], "moves_ingested": "no"}, "delete.moves_ingested must be true or false"),
     ({"uids": ["act-000001"], "shift_ms": 1}, "delete: unknown key(s) ['shift_ms']")],
)
def test_delete_rejects_bad_bodies(api, full, body, needle):
    r = post_json(api, "/_control/delete", body)
    assert r.status == 400 and needle in r.json()["message"], r.body
    assert api.clock()["deleted_activities"] == 0


# -- reprocess -------------------------------------------------------------------------------


def test_reprocess_by_default_moves_ingested_and_modified_to_now(api, full):
    a = full["activities"][321]
    before = api.clock()["now_ms"]
    r = api.reprocess([a["uid"]])
    assert before <= r["ingested_at"] == r["modified_at"] <= api.clock()["now_ms"]
    got = by_uid(api)[a["uid"]]
    assert (got["ingested_at"], got["modified_at"]) == (r["ingested_at"], r["ingested_at"])
    assert without(got, "ingested_at", "modified_at") == without(a, "ingested_at", "modified_at")


def test_reprocess_moves_ingested_on_participant_rows(api, full):
    a = full["activities"][321]
    r = api.reprocess([a["uid"]])
    old = [p for p in full["participants"] if p["activity_uid"] == a["uid"]]
    assert by_uid(api, "participants")[a["uid"]] == [{**p, "ingested_at": r["ingested_at"]} for p in old]


def test_reprocess_without_moving_ingested_changes_modified_only(api, full):
    a = full["activities"][321]
    r = api.reprocess([a["uid"]], moves_ingested=False)
    assert r["ingested_at"] is None
    assert by_uid(api)[a["uid"]] == {**a, "modified_at": r["modified_at"]}
    assert by_uid(api, "participants")[a["uid"]] == [p for p in full["participants"] if p["activity_uid"] == a["uid"]]


def test_reprocess_found_by_ingested_from_when_ingested_moves(api, tok, full):
    a = full["activities"][321]
    api.reprocess([a["uid"]])
    day = local_date(a["activity_timestamp"], "UTC").isoformat()
    got = fetch_all(api, PARTS, tok, **{"from": day, "to": day, "ingested-from": api.clock()["today"]})
    assert {p["activity_uid"] for p in got} == {a["uid"]}


def test_reprocess_shift_moves_the_meeting_and_its_times(api, full):
    m = meeting(full)
    shift = 3 * DAY_MS + 1234
    r = api.reprocess([m["uid"]], shift_ms=shift)
    assert r["activity_timestamps"] == [m["activity_timestamp"] + shift]
    got = by_uid(api)[m["uid"]]
    assert got["activity_timestamp"] == m["activity_timestamp"] + shift
    assert got["meeting_start_time"] == m["meeting_start_time"] + shift
    assert got["meeting_end_time"] == m["meeting_end_time"] + shift
    assert {p["activity_timestamp"] for p in by_uid(api, "participants")[m["uid"]]} == {got["activity_timestamp"]}


def test_reprocess_shift_moves_records_to_their_place_in_time_order(api, full):
    m = meeting(full)
    api.reprocess([m["uid"]], shift_ms=-200 * DAY_MS)
    assert_time_order(api)
    order = [a["uid"] for a in api.dataset("activities")]
    assert order.index(m["uid"]) < [a["uid"] for a in full["activities"]].index(m["uid"])
    assert sorted(order) == sorted(a["uid"] for a in full["activities"])


def test_reprocess_shift_lists_the_activity_on_its_new_date_only(api, tok, full):
    m = meeting(full)
    old_day = local_date(m["activity_timestamp"], "UTC")
    api.reprocess([m["uid"]], shift_ms=2 * DAY_MS)
    new_day = (old_day + dt.timedelta(days=2)).isoformat()
    assert m["uid"] in [a["uid"] for a in fetch_all(api, ACTS, tok, **{"from": new_day, "to": new_day})]
    assert m["uid"] not in [a["uid"] for a in fetch_all(api, ACTS, tok, **{"from": old_day.isoformat(),
                                                                         "to": old_day.isoformat()})]


def test_reprocess_set_applies_top_level_fields_to_the_activity(api, full):
    m = meeting(full)
    r = api.reprocess([m["uid"]], set={"meeting_status": "canceled", "subject": "Moved", "extra": [1]})
    got = by_uid(api)[m["uid"]]
    assert got == {**m, "meeting_status": "canceled", "subject": "Moved", "extra": [1],
                   "ingested_at": r["ingested_at"], "modified_at": r["modified_at"]}


def test_reprocess_set_leaves_participant_rows_fields_alone(api, full):
    a = full["activities"][8]  # i % 4 == 0: its rows carry the subject
    r = api.reprocess([a["uid"]], set={"subject": "Changed"})
    rows = by_uid(api, "participants")[a["uid"]]
    assert rows == [{**p, "ingested_at": r["ingested_at"]} for p in full["participants"] if p["activity_uid"] == a["uid"]]


def test_reprocess_set_deleted_marks_and_restores_activity_and_rows(api, tok, full):
    api.set_dates(ignore_dates=True)
    a = full["activities"][321]
    api.reprocess([a["uid"]], set={"deleted": True})
    assert a["uid"] not in {x["uid"] for x in fetch_all(api, ACTS, tok)}
    assert {p["deleted"] for p in by_uid(api, "participants")[a["uid"]]} == {True}
    api.reprocess([a["uid"]], set={"deleted": False})
    assert a["uid"] in {x["uid"] for x in fetch_all(api, PARTS, tok)}
    assert api.clock()["deleted_activities"] == 0


def test_reprocess_several_in_the_order_given(api, full):
    uids = [full["activities"][k]["uid"] for k in (600, 30)]
    r = api.reprocess(uids, shift_ms=DAY_MS)
    assert r["uids"] == uids
    assert r["activity_timestamps"] == [full["activities"][k]["activity_timestamp"] + DAY_MS for k in (600, 30)]


def test_reprocess_a_deleted_activity_keeps_it_deleted(api, full):
    a = full["activities"][321]
    api.delete([a["uid"]])
    api.reprocess([a["uid"]], shift_ms=5)
    assert by_uid(api)[a["uid"]]["deleted"] is True
    assert {p["deleted"] for p in by_uid(api, "participants")[a["uid"]]} == {True}
    assert api.clock()["deleted_activities"] == 1


@pytest.mark.parametrize(
    "body,needle",
    [({"uids": ["act-000001"], "set": {"uid": "x"}}, "reprocess.set may not change ['uid']"),
     ({"uids": ["act-000001"], "set": {"activity_timestamp": 1}}, "may not change ['activity_timestamp']"),
     ({"uids": ["act-000001"], "set": {"ingested_at": 1, "uid": 2}}, "may not change ['ingested_at', 'uid']"),
     ({"uids": ["act-000001"], "set": ["meeting_status"]}, "reprocess.set must be a JSON object"),
     ({"uids": ["act-000001"], "set": {"deleted": "yes"}}, "reprocess.set.deleted must be true or false"),
     ({"uids": ["act-000001"], "shift_ms": 1.5}, "reprocess.shift_ms must be an integer"),
     ({"uids": ["act-000001"], "shift_ms": -10**15}, "reprocess.shift_ms would date ['act-000001'] before"),
     ({"uids": ["act-000001"], "moves_ingested": 0}, "reprocess.moves_ingested must be true or false"),
     ({"uids": ["act-123456"]}, "reprocess.uids: unknown activity uid(s) ['act-123456']"),
     ({"uids": []}, "reprocess.uids must be a non-empty list"),
     ({"uids": ["act-000001"], "count": 1}, "reprocess: unknown key(s) ['count']")],
)
def test_reprocess_rejects_bad_bodies(api, full, body, needle):
    r = post_json(api, "/_control/reprocess", body)
    assert r.status == 400 and needle in r.json()["message"], r.body
    assert api.dataset("activities") == full["activities"]


# -- clock -----------------------------------------------------------------------------------


def test_set_today_moves_the_server_clock_by_whole_days(api):
    before = api.clock()["now_ms"]
    info = api.set_today("2025-07-01")
    after = api.clock()["now_ms"]
    assert info["today"] == "2025-07-01" and info["dataset_today"] == TODAY
    assert before + 16 * DAY_MS <= info["now_ms"] <= after
    assert api.clock()["today"] == "2025-07-01"


def test_set_today_leaves_the_dataset_alone(api, full):
    api.set_today(dt.date(2026, 1, 2))
    assert api.clock()["today"] == "2026-01-02"
    assert api.dataset("activities") == full["activities"]


def test_set_today_moves_the_default_window(api, tok, full):
    api.set_today("2025-08-01")
    before = api.clock()["now_ms"]
    got = {a["uid"] for a in fetch_all(api, ACTS, tok)}
    after = api.clock()["now_ms"]
    ts = {a["uid"]: a["activity_timestamp"] for a in full["activities"]}
    assert {u for u, t in ts.items() if after - 30 * DAY_MS <= t <= before} <= got
    assert got <= {u for u, t in ts.items() if before - 30 * DAY_MS <= t <= after}
    assert got and all(u in [a["uid"] for a in full["activities"][-20:]] for u in got)


def test_set_today_dates_later_backfills_from_the_new_now(api):
    api.set_today("2025-09-10")
    r = api.backfill(1, 0)
    assert local_date(r["ingested_at"], "UTC").isoformat() == "2025-09-10"
    assert r["activity_timestamps"] == [r["ingested_at"]]


@pytest.mark.parametrize(
    "body,needle",
    [({}, "clock.today must be a date YYYY-MM-DD, got None"),
     ({"today": "2025-02-30"}, "clock.today must be a date"),
     ({"today": "2025-7-01"}, "clock.today must be a date"),
     ({"today": 20250701}, "clock.today must be a date"),
     ({"today": "2025-07-01", "now_ms": 1}, "clock: unknown key(s) ['now_ms']"),
     ([], "clock: body must be a JSON object")],
)
def test_set_today_rejects_bad_bodies(api, body, needle):
    r = post_json(api, "/_control/clock", body)
    assert r.status == 400 and needle in r.json()["message"], r.body
    assert api.clock()["today"] == TODAY


# -- reset -----------------------------------------------------------------------------------


def test_reset_undoes_backfills_schedules_deletions_reprocessing_and_clock_moves(api, full):
    m = meeting(full)
    api.backfill(3, [10, 1])
    api.schedule(2, 4)
    api.delete([full["activities"][5]["uid"]], moves_ingested=True)
    api.reprocess([m["uid"]], shift_ms=DAY_MS, set={"meeting_status": "canceled"})
    api.set_today("2025-12-24")
    api.reset()
    assert api.dataset("activities") == full["activities"]
    assert api.dataset("participants") == full["participants"]
    clock = api.clock()
    assert (clock["today"], clock["added_activities"], clock["deleted_activities"]) == (TODAY, 0, 0)


def test_reset_numbers_added_activities_from_the_base_dataset_again(api):
    api.schedule(2, 1)
    api.reset()
    assert api.backfill(1, 1)["uids"] == [f"act-{N_TOTAL + 1:06d}"]


def test_records_still_use_the_uids_after_the_meetings_ahead(api):
    assert api.add_activities(1) == [f"act-{N_TOTAL + 1:06d}"]
    assert api.backfill(1, 1)["uids"] == [f"act-{N_TOTAL + 2:06d}"]


# -- ISO timestamps ------------------------------------------------------------------------------


@pytest.fixture
def iso(iso_api):
    return iso_api


def test_iso_mode_backfill_and_schedule_write_iso_strings(iso):
    b = iso.backfill(2, [3, 2])
    s = iso.schedule(1, 5)
    acts = by_uid(iso)
    for r in (b, s):
        for uid, ts in zip(r["uids"], r["activity_timestamps"]):
            a = acts[uid]
            assert a["activity_timestamp"] == iso_ms(ts)
            assert a["ingested_at"] == a["created_at"] == a["modified_at"] == iso_ms(r["ingested_at"])
    assert acts[s["uids"][0]]["meeting_start_time"] == iso_ms(s["activity_timestamps"][0])
    assert ISO.fullmatch(acts[s["uids"][0]]["meeting_end_time"])


def test_iso_mode_delete_and_reprocess_write_iso_strings(iso):
    acts = iso.dataset("activities")
    m = next(a for a in acts if a["activity_type"] == "MEETING")
    other = next(a for a in acts if a["uid"] != m["uid"])
    d = iso.delete([other["uid"]], moves_ingested=True)
    r = iso.reprocess([m["uid"]], shift_ms=60_000)
    now = by_uid(iso)
    assert now[other["uid"]]["modified_at"] == now[other["uid"]]["ingested_at"] == iso_ms(d["ingested_at"])
    got = now[m["uid"]]
    assert got["ingested_at"] == got["modified_at"] == iso_ms(r["ingested_at"])
    for key in ("activity_timestamp", "meeting_start_time", "meeting_end_time"):
        assert ISO.fullmatch(got[key])
        assert dt.datetime.fromisoformat(got[key].replace("Z", "+00:00")) - dt.datetime.fromisoformat(
            m[key].replace("Z", "+00:00")) == dt.timedelta(minutes=1)
    rows = by_uid(iso, "participants")[m["uid"]]
    assert {p["activity_timestamp"] for p in rows} == {got["activity_timestamp"]}


def test_iso_mode_filters_changed_records_by_their_times(iso):
    t = get_token(iso)
    r = iso.backfill(2, 40)
    today = iso.clock()["today"]
    day = local_date(r["activity_timestamps"][0], "UTC").isoformat()
    got = fetch_all(iso, ACTS, t, **{"from": day, "to": today, "ingested-from": today})
    assert [a["uid"] for a in got] == r["uids"]
    assert get(iso, PARTS, t, **{"from": day, "to": day}).json()["meta"]["total"] >= 2
