"""POST /_control/records: activities added at run time (for incremental-sync tests)."""

from __future__ import annotations

import pytest

from stand_in.tests.helpers import ACTS, DAY_MS, N_TOTAL, PARTS, fetch_all, get, local_date, post_json


def test_add_in_the_last_hours(api, tok, full):
    before = api.clock()["now_ms"]
    uids = api.add_activities(3)
    after = api.clock()["now_ms"]
    assert uids == [f"act-{N_TOTAL + k:06d}" for k in (1, 2, 3)]
    acts = api.dataset("activities")
    assert len(acts) == N_TOTAL + 3
    added = [a for a in acts if a["uid"] in uids]
    assert [a["uid"] for a in added] == uids  # in time order
    for a in added:
        assert before - 3 * 3_600_000 <= a["activity_timestamp"] < after
        assert before <= a["ingested_at"] <= after  # ingested now
        assert a["created_at"] == a["modified_at"] == a["ingested_at"]
    ts = [a["activity_timestamp"] for a in acts]
    assert ts == sorted(ts)
    # served by later requests: the default window, last-n-days and participants
    assert set(uids) <= {a["uid"] for a in fetch_all(api, ACTS, tok)}
    assert set(uids) <= {a["uid"] for a in fetch_all(api, ACTS, tok, **{"last-n-days": "1"})}
    parts = [p for p in fetch_all(api, PARTS, tok, **{"last-n-days": "1"}) if p["uid"] in uids]
    assert {p["uid"] for p in parts} == set(uids)
    assert all(p["activity_timestamp"] == next(a for a in added if a["uid"] == p["uid"])["activity_timestamp"]
               for p in parts)
    ids = [p["id"] for p in api.dataset("participants")]
    assert len(set(ids)) == len(ids)


def test_add_in_the_past_keeps_time_order(api, tok, full):
    target = full["activities"][500]
    ts = target["activity_timestamp"]
    uids = api.add_activities(2, timestamp_ms=ts)
    acts = api.dataset("activities")
    pos = [a["uid"] for a in acts].index(target["uid"])
    assert [a["uid"] for a in acts[pos:pos + 3]] == [target["uid"], *uids]  # after equal times
    day = local_date(ts, "UTC").isoformat()
    got = fetch_all(api, ACTS, tok, page=2, **{"from": day, "to": day})
    assert set(uids) <= {a["uid"] for a in got}
    # a late arrival: found by its ingestion date, not by the default window
    today = api.clock()["today"]
    got = fetch_all(api, ACTS, tok, **{"from": day, "to": day, "ingested-from": today})
    assert [a["uid"] for a in got] == uids
    parts = api.dataset("participants")
    keys = [(p["activity_timestamp"], p["uid"]) for p in parts]
    assert [p["activity_timestamp"] for p in parts] == sorted(k[0] for k in keys)
    assert api.clock()["added_activities"] == 2


def test_reset_removes_added(api, tok, full):
    api.add_activities(5)
    assert len(api.dataset("activities")) == N_TOTAL + 5
    api.reset()
    assert api.dataset("activities") == full["activities"]
    assert api.dataset("participants") == full["participants"]
    assert api.add_activities(1) == [f"act-{N_TOTAL + 1:06d}"]  # numbering starts again


def test_added_are_deterministic_per_index(api):
    first = api.add_activities(1, timestamp_ms=1_700_000_000_000)
    rec = [a for a in api.dataset("activities") if a["uid"] == first[0]][0]
    api.reset()
    again = api.add_activities(1, timestamp_ms=1_700_000_000_000)
    rec2 = [a for a in api.dataset("activities") if a["uid"] == again[0]][0]
    strip = {"created_at", "ingested_at", "modified_at", "email_reply_time"}
    assert {k: v for k, v in rec.items() if k not in strip} == {k: v for k, v in rec2.items() if k not in strip}


def test_many_added_stay_fast_and_sorted(api, tok):
    api.add_activities(500, timestamp_ms=api.clock()["dataset_end_ms"] - 400 * DAY_MS)
    acts = api.dataset("activities")
    assert len(acts) == N_TOTAL + 500
    ts = [a["activity_timestamp"] for a in acts]
    assert ts == sorted(ts)
    assert get(api, ACTS, tok, limit=1).status == 200


@pytest.mark.parametrize(
    "body",
    [{"count": 0}, {"count": 10001}, {"count": "3"}, {"count": True}, {"count": 1, "timestamp_ms": -1},
     {"count": 1, "timestamp_ms": "2024-01-01"}, {"count": 1, "extra": 1}, [], "x"],
)
def test_add_rejects_bad_bodies(api, body):
    r = post_json(api, "/_control/records", body)
    assert r.status == 400 and r.json()["message"]
    assert len(api.dataset("activities")) == N_TOTAL
