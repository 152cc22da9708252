"""The synthetic dataset itself (in process): determinism, time layout, fields, types."""

from __future__ import annotations

import datetime as dt
import json
import re

import pytest

from stand_in import build_dataset
from stand_in.datasets import SPAN_DAYS, activity_times, end_of_dataset
from stand_in.datasets.activities import ACTIVITY_TIMESTAMPS, PARTICIPANT_TIMESTAMPS
from stand_in.datasets.common import iso_ms
from stand_in.data import MISSING, SPECIAL_SUBJECTS
from stand_in.tests.helpers import DAY_MS, TODAY, d

END = end_of_dataset(d(TODAY))
HOUR = 3_600_000
ISO = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z")


@pytest.fixture(scope="module")
def data():
    return build_dataset(1000, 42, TODAY)


def test_deterministic():
    a = build_dataset(60, 3, TODAY)
    assert a == build_dataset(60, 3, TODAY)
    assert a["activities"] != build_dataset(60, 4, TODAY)["activities"]
    assert a["accounts"] != build_dataset(60, 4, TODAY)["accounts"]
    other_day = build_dataset(60, 3, "2025-06-16")["activities"]
    assert [x["activity_timestamp"] + DAY_MS for x in a["activities"]] == [x["activity_timestamp"] for x in other_day]
    assert build_dataset(0, objects=False) == {"activities": [], "participants": []}


def test_times_span_three_years_in_uid_order(data):
    acts = data["activities"]
    assert len(acts) == 1000 + 20  # the past ones, then the meetings booked ahead
    all_ts = [a["activity_timestamp"] for a in acts]
    assert all_ts == sorted(all_ts)
    assert [a["uid"] for a in acts] == sorted(a["uid"] for a in acts)
    ts = all_ts[:1000]
    assert max(ts) <= END
    assert END - SPAN_DAYS * DAY_MS - DAY_MS <= min(ts) < END - SPAN_DAYS * DAY_MS + 5 * DAY_MS
    assert END - max(ts) < 5 * DAY_MS
    # evenly spread: every 73-day slice (1/15 of the span) holds 1000/15 +- 15 activities
    start = END - SPAN_DAYS * DAY_MS
    for k in range(15):
        lo, hi = start + k * 73 * DAY_MS, start + (k + 1) * 73 * DAY_MS
        n = sum(1 for t in ts if lo <= t < hi)
        assert 52 <= n <= 82, (k, n)


def test_midnight_records(data):
    ts = [a["activity_timestamp"] for a in data["activities"]]
    rem = [t % DAY_MS for t in ts]
    assert sum(1 for r in rem if r == 0) >= 10  # exactly 00:00:00.000 UTC
    assert sum(1 for r in rem if r == DAY_MS - 1) >= 10  # 23:59:59.999 UTC
    assert sum(1 for r in rem if 0 < r < HOUR) >= 10  # in the hour after midnight
    assert sum(1 for r in rem if DAY_MS - HOUR < r < DAY_MS - 1) >= 10  # in the hour before
    assert sum(1 for r in rem if r == 15 * HOUR) >= 10  # 00:00 in Tokyo
    assert sum(1 for r in rem if r in (7 * HOUR, 8 * HOUR)) >= 10  # 00:00 in Los Angeles


def test_midnight_records_at_benchmark_size():
    ts = activity_times(100_000, 42, END)
    assert ts == sorted(ts) and ts[-1] <= END
    assert sum(1 for t in ts if t % DAY_MS == 0) >= 1000


ACTIVITY_TYPES = {
    "uid": str, "activity_type": str, "activity_timestamp": int, "created_at": int, "ingested_at": int,
    "modified_at": int, "direction": str, "external": bool, "is_partner": bool, "with_partner": bool,
    "is_blast": bool, "is_cold": bool, "matched_to": str, "number_of_participants": int, "user_id": int,
    "source_id": str, "opportunity_ids": list, "opportunity_crm_ids": list, "deleted": bool,
}
NULLABLE = {
    "crm_id": str, "sub_type": str, "duration": int, "original_duration": int, "account_id": int,
    "account_crm_id": str, "opportunity_id": int, "opportunity_crm_id": str, "opportunity_stage_id": int,
    "lead_id": int, "lead_crm_id": str,
}
TYPE_SPECIFIC = {
    "EMAIL": {"email_reply_time", "in_reply_to_source_id", "followed_meeting_source_id"},
    "CALL": {"outbound_phone_number"},
    "MEETING": {"meeting_start_time", "meeting_end_time", "meeting_status"},
}


def test_activity_fields_and_types(data):
    acts = data["activities"]
    for a in acts:
        for key, typ in ACTIVITY_TYPES.items():
            assert type(a[key]) is typ, (key, a[key])
        for key, typ in NULLABLE.items():
            assert a[key] is None or type(a[key]) is typ, (key, a[key])
        assert a["activity_type"] in TYPE_SPECIFIC
        for atype, keys in TYPE_SPECIFIC.items():
            assert (keys <= set(a)) == (a["activity_type"] == atype), a["uid"]
        assert a["matched_to"] in ("account", "opportunity", "lead", "none")
        assert a["created_at"] <= a["ingested_at"] <= a["modified_at"] <= END
        if a["ingested_at"] < a["activity_timestamp"]:  # booked ahead: a meeting, ingested 7..42 days before
            assert a["activity_type"] == "MEETING" and a["created_at"] == a["ingested_at"]
        else:
            assert a["activity_timestamp"] <= a["created_at"]
        assert all(type(x) is int for x in a["opportunity_ids"])
        assert len(a["opportunity_ids"]) == len(a["opportunity_crm_ids"])
        assert a["opportunity_id"] == (a["opportunity_ids"][0] if a["opportunity_ids"] else None)
        if a["matched_to"] == "none":
            assert a["account_id"] is None and a["lead_id"] is None
    assert len({a["uid"] for a in acts}) == len(acts)
    assert {a["activity_type"] for a in acts} == {"EMAIL", "CALL", "MEETING"}
    assert {a["matched_to"] for a in acts} == {"account", "opportunity", "lead", "none"}
    for key in NULLABLE:
        assert any(a[key] is None for a in acts), key
        assert any(a[key] is not None for a in acts), key
    late = [a for a in acts if a["ingested_at"] - a["activity_timestamp"] > DAY_MS]
    assert len(late) >= 10  # some arrive days late: what ingested-from is for
    assert any(a["modified_at"] > a["ingested_at"] for a in acts)


def test_subject_cases(data):
    acts = data["activities"][:40]
    subjects = [a.get("subject", MISSING) for a in acts]
    for case in SPECIAL_SUBJECTS:
        assert any(s is case or (s is not MISSING and s == case) for s in subjects), case
    assert any(isinstance(s, str) and len(s) > 1000 for s in subjects)
    assert sum(1 for s in subjects if s is MISSING) >= 1
    ordinary = [s for s in subjects if isinstance(s, str) and s not in SPECIAL_SUBJECTS]
    assert len(set(ordinary)) >= 10
    # a nested object with its own `subject` key, and undeclared extras
    assert any(isinstance(a["details"], dict) and a["details"].get("subject") == "nested subject stays" for a in acts)
    assert any(isinstance(a["details"], dict) and "subject" not in a["details"] for a in acts)
    assert any(a["details"] is None for a in acts)
    assert any("subject_length" in a for a in acts)
    assert all("source_system" in a for a in acts)


PARTICIPANT_KEYS = {
    "id", "activity_uid", "uid", "email", "name", "phone_number", "job_title", "seniority", "department",
    "status", "external", "original", "is_originator", "is_partner", "deleted", "account_id", "account_crm_id",
    "activity_crm_id", "activity_timestamp", "created_at", "ingested_at", "duration", "lead_id", "lead_crm_id",
    "opportunity_id", "opportunity_crm_id", "source_id", "user_id",
}


def test_participants(data):
    acts = {a["uid"]: a for a in data["activities"]}
    order = {uid: i for i, uid in enumerate(acts)}
    parts = data["participants"]
    keys = [(order[p["uid"]], p["email"]) for p in parts]
    assert keys == sorted(keys)
    assert len(set(keys)) == len(keys)  # (uid, email) unique
    ids = [p["id"] for p in parts]
    assert ids == sorted(ids) and len(set(ids)) == len(ids)
    counts: dict[str, int] = {}
    originators: dict[str, int] = {}
    for p in parts:
        assert PARTICIPANT_KEYS <= set(p)
        a = acts[p["uid"]]
        assert p["activity_uid"] == p["uid"]
        for key in ("activity_timestamp", "created_at", "ingested_at", "account_id", "lead_id", "user_id",
                    "opportunity_id", "source_id", "duration"):
            assert p[key] == a[key], key
        assert p["activity_crm_id"] == a["crm_id"]
        assert p["status"] in ("accepted", "declined", "tentative", None)
        assert type(p["id"]) is int and type(p["external"]) is bool
        counts[p["uid"]] = counts.get(p["uid"], 0) + 1
        originators[p["uid"]] = originators.get(p["uid"], 0) + p["is_originator"]
        if "subject" in p:
            assert p["subject"] == a.get("subject")
    assert set(counts) == set(acts)
    assert set(counts.values()) == {1, 2, 3}
    assert all(counts[u] == a["number_of_participants"] for u, a in acts.items())
    assert set(originators.values()) == {1}
    assert any("subject" in p for p in parts)
    assert any(p["phone_number"] is None for p in parts)
    assert {p["external"] for p in parts} == {True, False}


def test_iso_timestamps():
    epoch = build_dataset(80, 5, TODAY)
    iso = build_dataset(80, 5, TODAY, timestamps="iso")
    checked = 0
    for stream, keys in (("activities", ACTIVITY_TIMESTAMPS), ("participants", PARTICIPANT_TIMESTAMPS),
                         ("opportunities", ("created_at", "modified_at")), ("contacts", ("created_at", "modified_at")),
                         ("leads", ("created_at", "converted_date")), ("accounts_engagement", ("timestamp",))):
        assert len(epoch[stream]) == len(iso[stream])
        for e, i in zip(epoch[stream], iso[stream]):
            assert set(e) == set(i)
            for key in e:
                if key in keys and e[key] is not None:
                    assert ISO.fullmatch(i[key]) and i[key] == iso_ms(e[key]), (stream, key, i[key])
                    checked += 1
                else:
                    assert i[key] == e[key], (stream, key)
    assert checked > 500
    assert iso_ms(1741064767123) == "2025-03-04T05:06:07.123Z"


def test_record_sizes_stay_moderate(data):
    sizes = [len(json.dumps(a, ensure_ascii=False, separators=(",", ":")).encode()) for a in data["activities"]]
    assert 700 <= sum(sizes) / len(sizes) <= 1300


def test_end_of_dataset_is_utc_midnight_of_today():
    assert END == int(dt.datetime(2025, 6, 15, tzinfo=dt.timezone.utc).timestamp() * 1000)
