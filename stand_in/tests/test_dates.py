"""Date rules on activities and participants, and the switches for the unknowns.

Expected results are computed here independently: by comparing each record's local
calendar date with the requested dates, not with millisecond bounds.
"""

from __future__ import annotations

import datetime as dt

import pytest

from stand_in.tests.helpers import (
    ACTS, DAY_MS, N_ACTIVITIES, N_TOTAL, PARTS, TODAY, assert_error, d, fetch_all, get, local_date, post_json, read,
    uids,
)

ONE = dt.timedelta(days=1)


def pick(full, f: str, t: str, zone: str = "UTC", exclusive: bool = False, field: str = "activity_timestamp"):
    lo, hi = d(f), d(t)

    def inside(a):
        day = local_date(a[field], zone)
        return lo <= day and (day < hi if exclusive else day <= hi)

    acts = [a for a in full["activities"] if inside(a)]
    uids = {a["uid"] for a in acts}
    return acts, [p for p in full["participants"] if p["activity_uid"] in uids]


def first_with(full, pred):
    return next(a for a in full["activities"] if pred(a["activity_timestamp"] % DAY_MS))


def utc_day(a) -> dt.date:
    return local_date(a["activity_timestamp"], "UTC")


# -- documented mode ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "f,t,zone",
    [
        ("2024-03-01", "2024-03-31", None),
        ("2024-03-10", "2024-03-10", "America/Los_Angeles"),  # one day, across the DST switch
        ("2023-11-01", "2023-11-07", "Asia/Tokyo"),
        ("2022-06-01", "2024-05-31", "Asia/Kolkata"),  # 730 days: the longest range allowed
        ("2025-05-01", TODAY, "Pacific/Kiritimati"),  # UTC+14
        ("2025-05-01", "2025-07-01", "Pacific/Pago_Pago"),  # UTC-11, past today
    ],
)
def test_from_to_inclusive_in_time_zone(api, tok, full, f, t, zone):
    params = {"from": f, "to": t}
    if zone:
        params["time-zone"] = zone
    acts, parts = read(api, tok, **params)
    exp_acts, exp_parts = pick(full, f, t, zone or "UTC")
    assert acts == exp_acts and parts == exp_parts
    assert acts or f == "2024-03-10"  # the ranges are not trivially empty


def test_record_at_utc_midnight(api, tok, full):
    a = first_with(full, lambda r: r == 0)
    day = utc_day(a)
    got = uids(fetch_all(api, ACTS, tok, **{"from": day.isoformat(), "to": day.isoformat()}))
    assert a["uid"] in got
    got = uids(fetch_all(api, ACTS, tok, **{"from": (day - 7 * ONE).isoformat(), "to": (day - ONE).isoformat()}))
    assert a["uid"] not in got
    # in Los Angeles it is still the day before
    la = {"time-zone": "America/Los_Angeles"}
    assert a["uid"] in uids(fetch_all(api, ACTS, tok, **{"from": (day - ONE).isoformat(), "to": (day - ONE).isoformat()}, **la))
    assert a["uid"] not in uids(fetch_all(api, ACTS, tok, **{"from": day.isoformat(), "to": day.isoformat()}, **la))


def test_record_one_ms_before_midnight(api, tok, full):
    a = first_with(full, lambda r: r == DAY_MS - 1)
    day = utc_day(a)
    assert a["uid"] in uids(fetch_all(api, ACTS, tok, **{"from": day.isoformat(), "to": day.isoformat()}))
    nxt = (day + ONE).isoformat()
    assert a["uid"] not in uids(fetch_all(api, ACTS, tok, **{"from": nxt, "to": nxt}))


def test_record_at_local_midnight(api, tok, full):
    for zone, hours in (("Asia/Tokyo", (15,)), ("America/Los_Angeles", (7, 8))):
        a = first_with(full, lambda r: r in [h * 3_600_000 for h in hours])
        day = local_date(a["activity_timestamp"], zone)
        q = {"time-zone": zone}
        assert a["uid"] in uids(fetch_all(api, ACTS, tok, **{"from": day.isoformat(), "to": day.isoformat()}, **q))
        prev = (day - ONE).isoformat()
        assert a["uid"] not in uids(fetch_all(api, ACTS, tok, **{"from": prev, "to": prev}, **q))


def test_adjacent_days_split_every_record_once(api, tok, full):
    got = []
    day = d("2024-02-20")
    for k in range(20):
        s = (day + k * ONE).isoformat()
        got += fetch_all(api, PARTS, tok, **{"from": s, "to": s, "time-zone": "America/New_York"})
    assert got == pick(full, "2024-02-20", "2024-03-10", "America/New_York")[1]


def test_paging_inside_a_range(api, tok, full):
    params = {"from": "2023-01-01", "to": "2023-12-31"}
    exp = pick(full, "2023-01-01", "2023-12-31")[0]
    r = get(api, ACTS, tok, limit=10, offset=20, **params).json()
    assert r["meta"] == {"limit": 10, "offset": 20, "total": len(exp), "message": "OK"}
    assert r["data"] == exp[20:30]


@pytest.mark.parametrize("params,days", [({}, 30), ({"last-n-days": "45"}, 45), ({"last-n-days": "1"}, 1),
                                         ({"last-n-days": "730"}, 730)])
def test_default_and_last_n_days(api, tok, full, params, days):
    before = api.clock()["now_ms"]
    acts, parts = read(api, tok, **params)
    after = api.clock()["now_ms"]
    ts = [a["activity_timestamp"] for a in full["activities"]]
    strict = {a["uid"] for a, t in zip(full["activities"], ts) if after - days * DAY_MS <= t <= before}
    loose = {a["uid"] for a, t in zip(full["activities"], ts) if before - days * DAY_MS <= t <= after}
    assert strict <= set(uids(acts)) <= loose
    assert {p["activity_uid"] for p in parts} == set(uids(acts))
    if days >= 30:
        assert 0 < len(acts) < N_ACTIVITIES


def test_only_from_gives_30_days(api, tok, full):
    acts, parts = read(api, tok, **{"from": "2024-01-10"})
    assert (acts, parts) == pick(full, "2024-01-10", "2024-02-08")  # 30 days: Jan 10 .. Feb 8
    acts, _ = read(api, tok, **{"from": "2024-01-10", "time-zone": "Asia/Tokyo"})
    assert acts == pick(full, "2024-01-10", "2024-02-08", "Asia/Tokyo")[0]


def test_only_to_gives_30_days(api, tok, full):
    acts, parts = read(api, tok, **{"to": "2024-02-08"})
    assert (acts, parts) == pick(full, "2024-01-10", "2024-02-08")
    api.set_dates(to_exclusive=True)
    acts, _ = read(api, tok, **{"to": "2024-02-08"})
    assert acts == pick(full, "2024-01-09", "2024-02-08", exclusive=True)[0]


@pytest.mark.parametrize("f,t", [("2022-01-01", "2024-01-02"), ("2020-01-01", TODAY), ("2023-06-15", "2025-06-15")])
def test_range_over_two_years_is_400(api, tok, f, t):
    for path in (ACTS, PARTS):
        assert_error(get(api, path, tok, **{"from": f, "to": t}), 400, "date range cannot exceed 2 years")


def test_range_of_exactly_730_days_is_allowed(api, tok):
    assert get(api, ACTS, tok, **{"from": "2022-01-01", "to": "2024-01-01"}).status == 200  # 730 days


@pytest.mark.parametrize(
    "params,needle",
    [
        ({"from": "2024-13-01", "to": "2024-12-31"}, "from"),
        ({"from": "2024-02-30", "to": "2024-03-31"}, "from"),
        ({"from": "2024-1-01", "to": "2024-03-31"}, "from"),
        ({"from": "20240101", "to": "2024-03-31"}, "from"),
        ({"from": "", "to": "2024-03-31"}, "from"),
        ({"from": "2024-01-01", "to": "2024-03-31T00:00:00"}, "to"),
        ({"from": "2024-03-01", "to": "2024-02-01"}, "must not be after"),
        ({"last-n-days": "0"}, "last-n-days"),
        ({"last-n-days": "-3"}, "last-n-days"),
        ({"last-n-days": "x"}, "last-n-days"),
        ({"last-n-days": "731"}, "date range cannot exceed 2 years"),
        ({"last-n-days": "5", "from": "2024-01-01"}, "either"),
        ({"time-zone": "Mars/Olympus_Mons"}, "time-zone"),
        ({"time-zone": "../../etc/passwd"}, "time-zone"),
        ({"ingested-from": "yesterday"}, "ingested-from"),
        ({"ingested-from": "2024-02-01", "ingested-to": "2024-01-01"}, "must not be after"),
    ],
)
def test_malformed_dates_are_400(api, tok, params, needle):
    for path in (ACTS, PARTS):
        assert_error(get(api, path, tok, **params), 400, needle)


def test_empty_time_zone_counts_as_absent(api, tok):
    a = get(api, ACTS, tok, **{"from": "2024-01-01", "to": "2024-02-01", "time-zone": ""}).json()
    b = get(api, ACTS, tok, **{"from": "2024-01-01", "to": "2024-02-01"}).json()
    assert a == b


# -- ingestion dates -----------------------------------------------------------------------------


def test_ingested_range_with_activity_range(api, tok, full):
    late = next(a for a in full["activities"][100:] if a["ingested_at"] - a["activity_timestamp"] > 10 * DAY_MS)
    happened, ingested = utc_day(late), local_date(late["ingested_at"], "UTC")
    f, t = (happened - 60 * ONE).isoformat(), (ingested + 60 * ONE).isoformat()
    i_f, i_t = ingested.isoformat(), (ingested + 5 * ONE).isoformat()
    acts, parts = read(api, tok, **{"from": f, "to": t, "ingested-from": i_f, "ingested-to": i_t})
    exp = [a for a in pick(full, f, t)[0] if d(i_f) <= local_date(a["ingested_at"], "UTC") <= d(i_t)]
    assert acts == exp and {p["activity_uid"] for p in parts} == set(uids(exp))
    assert late in acts  # happened long before the ingestion window: found by ingested-from/-to


def test_ingested_bounds_use_time_zone_and_to_exclusive(api, tok, full):
    params = {"from": "2023-01-01", "to": "2024-12-31", "ingested-from": "2024-03-01",
              "ingested-to": "2024-04-30", "time-zone": "Asia/Tokyo"}
    api.set_dates(to_exclusive=True)
    acts = fetch_all(api, ACTS, tok, **params)
    exp = [a for a in pick(full, "2023-01-01", "2024-12-31", "Asia/Tokyo", exclusive=True)[0]
           if d("2024-03-01") <= local_date(a["ingested_at"], "Asia/Tokyo") < d("2024-04-30")]
    assert acts == exp


def test_ingested_alone_keeps_the_30_day_default(api, tok, full):
    plain = uids(fetch_all(api, ACTS, tok))
    got = uids(fetch_all(api, ACTS, tok, **{"ingested-from": "2022-01-01"}))
    assert got == plain and 0 < len(got) < N_ACTIVITIES


def test_ingested_lifts_default_switch(api, tok, full):
    api.set_dates(ingested_lifts_default=True)
    got = fetch_all(api, ACTS, tok, **{"ingested-from": "2024-06-01"})
    assert got == [a for a in full["activities"] if local_date(a["ingested_at"], "UTC") >= d("2024-06-01")]
    got = fetch_all(api, PARTS, tok, **{"ingested-to": "2022-12-31"})  # open lower bound
    assert got == [p for p in full["participants"] if local_date(p["ingested_at"], "UTC") <= d("2022-12-31")]
    assert got


# -- switches -------------------------------------------------------------------------------------


def test_to_exclusive(api, tok, full):
    a = first_with(full, lambda r: r == 0)
    day = utc_day(a)
    api.set_dates(to_exclusive=True)
    s, n = day.isoformat(), (day + ONE).isoformat()
    assert get(api, ACTS, tok, **{"from": s, "to": s}).json()["meta"]["total"] == 0
    assert a["uid"] not in uids(fetch_all(api, ACTS, tok, **{"from": (day - ONE).isoformat(), "to": s}))
    assert a["uid"] in uids(fetch_all(api, ACTS, tok, **{"from": s, "to": n}))
    acts, parts = read(api, tok, **{"from": "2024-01-01", "to": "2024-03-01"})
    assert (acts, parts) == pick(full, "2024-01-01", "2024-03-01", exclusive=True)


@pytest.mark.parametrize("org", ["America/Los_Angeles", "Asia/Tokyo"])
def test_org_time_zone_applies_without_time_zone(api, tok, full, org):
    api.set_dates(org_time_zone=org)
    assert read(api, tok, **{"from": "2024-05-01", "to": "2024-05-20"}) == pick(full, "2024-05-01", "2024-05-20", org)
    # an explicit time-zone still wins
    got = read(api, tok, **{"from": "2024-05-01", "to": "2024-05-20", "time-zone": "UTC"})
    assert got == pick(full, "2024-05-01", "2024-05-20", "UTC")


def test_ignore_time_zone(api, tok, full):
    api.set_dates(ignore_time_zone=True, org_time_zone="America/Los_Angeles")
    got = read(api, tok, **{"from": "2024-05-01", "to": "2024-05-20", "time-zone": "Asia/Tokyo"})
    assert got == pick(full, "2024-05-01", "2024-05-20", "America/Los_Angeles")
    # an ignored time-zone is not even validated
    assert get(api, ACTS, tok, **{"time-zone": "Not/AZone"}).status == 200


def test_ignore_dates(api, tok, full):
    api.set_dates(ignore_dates=True)
    assert read(api, tok) == (full["activities"], full["participants"])
    assert read(api, tok, **{"from": "2024-05-01", "to": "2024-05-02"}) == (full["activities"], full["participants"])
    # ignored parameters are not validated either, and no 2-year limit applies
    assert get(api, ACTS, tok, **{"from": "bogus", "last-n-days": "x"}).json()["meta"]["total"] == N_TOTAL
    assert get(api, ACTS, tok, **{"from": "2000-01-01", "to": TODAY}).status == 200
    # ingestion bounds still apply
    got = fetch_all(api, ACTS, tok, **{"ingested-from": "2025-01-01"})
    assert got == [a for a in full["activities"] if local_date(a["ingested_at"], "UTC") >= d("2025-01-01")]


def test_all_switches_together(api, tok, full):
    api.set_dates(to_exclusive=True, org_time_zone="America/Los_Angeles", ignore_time_zone=True,
                  ingested_lifts_default=True)
    params = {"from": "2024-07-01", "to": "2024-09-01", "time-zone": "Asia/Tokyo",
              "ingested-from": "2024-07-15", "ingested-to": "2024-08-15"}
    acts = fetch_all(api, ACTS, tok, **params)
    exp = [a for a in pick(full, "2024-07-01", "2024-09-01", "America/Los_Angeles", exclusive=True)[0]
           if d("2024-07-15") <= local_date(a["ingested_at"], "America/Los_Angeles") < d("2024-08-15")]
    assert acts == exp and acts
    api.set_dates(ignore_dates=True, to_exclusive=True, ignore_time_zone=True, org_time_zone="Asia/Tokyo")
    got = fetch_all(api, ACTS, tok, **{"ingested-from": "2024-07-15", "ingested-to": "2024-08-15"})
    assert got == [a for a in full["activities"]
                   if d("2024-07-15") <= local_date(a["ingested_at"], "Asia/Tokyo") < d("2024-08-15")]


# -- control API --------------------------------------------------------------------------------


def test_dates_control(api):
    defaults = {"to_exclusive": False, "org_time_zone": "UTC", "ignore_time_zone": False,
                "ignore_dates": False, "ingested_lifts_default": False, "ignore_ingested": False,
                "ingested_to_exclusive": None, "ingested_time_zone": None, "list_future": True}
    assert api.get_dates() == defaults
    got = api.set_dates(to_exclusive=True, org_time_zone="Asia/Tokyo")
    assert got == {**defaults, "to_exclusive": True, "org_time_zone": "Asia/Tokyo"}
    assert api.get_dates() == got
    assert api.set_dates(ignore_dates=True) == {**defaults, "ignore_dates": True}  # replaces, not merges
    r = post_json(api, "/_control/reset", {})
    assert r.status == 200 and r.json()["dates"] == defaults
    assert api.get_dates() == defaults


@pytest.mark.parametrize(
    "body",
    [{"nope": True}, {"to_exclusive": "yes"}, {"ignore_dates": 1}, {"org_time_zone": "Nowhere/Land"},
     {"org_time_zone": 5}, [], "x"],
)
def test_dates_control_rejects(api, body):
    r = post_json(api, "/_control/dates", body)
    assert r.status == 400 and r.json()["message"]
    assert api.get_dates()["to_exclusive"] is False


def test_iso_timestamps_filter_the_same(iso_api):
    """--timestamps iso changes the answer's format only, not which records match."""
    import re

    from stand_in import build_dataset
    from stand_in.tests.helpers import SEED, get_token

    epoch = build_dataset(300, SEED, TODAY, objects=False)
    s = iso_api
    t = get_token(s)
    for f, to, zone in (("2023-01-01", "2023-06-30", "UTC"), ("2024-02-01", "2024-02-29", "Asia/Tokyo")):
        got = fetch_all(s, ACTS, t, **{"from": f, "to": to, "time-zone": zone})
        assert uids(got) == uids(pick(epoch, f, to, zone)[0]) and got
        for a in got:
            assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", a["activity_timestamp"])
    parts = fetch_all(s, PARTS, t, **{"from": "2023-01-01", "to": "2023-06-30"})
    assert parts and all(isinstance(p["ingested_at"], str) for p in parts)
    opp = get(s, "/v0/public/opportunities", t, limit=1).json()["data"][0]
    assert opp["modified_at"].endswith("Z")
