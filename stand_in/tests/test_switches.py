"""The date switches for the ingestion unknowns (ignore_ingested, ingested_to_exclusive,
ingested_time_zone, list_future) alone and combined with the others.

Expected results are computed here from each record's local calendar dates.
"""

from __future__ import annotations

import datetime as dt

import pytest

from stand_in.tests.helpers import ACTS, PARTS, TODAY, d, fetch_all, get, local_date, post_json, read, uids


def expect(full, *, f=None, t=None, zone="UTC", excl=False, ifrom=None, ito=None, izone=None, iexcl=None,
           upto=None, hidden=()):
    """(activities, participants) a query should list: activity dates ``f..t`` in ``zone``,
    ingestion dates ``ifrom..ito`` in ``izone`` (default ``zone``), dated <= ``upto``."""
    izone = izone or zone
    iexcl = excl if iexcl is None else iexcl

    def within(ms, lo, hi, z, x):
        if ms is None:
            return False
        day = local_date(ms, z)
        return (lo is None or d(lo) <= day) and (hi is None or (day < d(hi) if x else day <= d(hi)))

    acts = [a for a in full["activities"]
            if (f is None and t is None or within(a["activity_timestamp"], f, t, zone, excl))
            and (ifrom is None and ito is None or within(a["ingested_at"], ifrom, ito, izone, iexcl))
            and (upto is None or a["activity_timestamp"] <= upto)
            and a["uid"] not in hidden]
    uids = {a["uid"] for a in acts}
    return acts, [p for p in full["participants"] if p["activity_uid"] in uids]


def now_between(api, action):
    """(result of action(), server now before, server now after)."""
    before = api.clock()["now_ms"]
    out = action()
    return out, before, api.clock()["now_ms"]


# -- ignore_ingested ---------------------------------------------------------------------------

RANGE = {"from": "2024-01-01", "to": "2024-12-31"}


def test_ignore_ingested_ignores_ingested_bounds(api, tok, full):
    api.set_dates(ignore_ingested=True)
    got = read(api, tok, **RANGE, **{"ingested-from": "2024-06-01", "ingested-to": "2024-06-30"})
    assert got == expect(full, f="2024-01-01", t="2024-12-31")


def test_ignore_ingested_does_not_validate_them(api, tok):
    api.set_dates(ignore_ingested=True)
    r = get(api, ACTS, tok, **RANGE, **{"ingested-from": "bogus", "ingested-to": "2024-01-01x"})
    assert r.status == 200 and r.json()["meta"]["total"] > 0


def test_ignore_ingested_keeps_the_30_day_default_even_when_ingested_would_lift_it(api, tok):
    api.set_dates(ignore_ingested=True, ingested_lifts_default=True)
    assert uids(fetch_all(api, ACTS, tok, **{"ingested-from": "2022-01-01"})) == uids(fetch_all(api, ACTS, tok))


# -- ingested_to_exclusive -------------------------------------------------------------------

FUTURE = {"from": TODAY, "to": "2025-08-31"}  # the meetings booked ahead
INGESTED_TO_TODAY = {"ingested-from": "2025-01-01", "ingested-to": TODAY}


def test_some_meetings_ahead_were_ingested_at_00_00_utc_today(full):
    end = int(dt.datetime.fromisoformat(TODAY + "T00:00:00+00:00").timestamp() * 1000)
    assert sum(1 for a in full["activities"] if a["ingested_at"] == end) >= 3  # what the tests below split


def test_ingested_to_exclusive_while_to_is_inclusive(api, tok, full):
    api.set_dates(ingested_to_exclusive=True)
    got = read(api, tok, **FUTURE, **INGESTED_TO_TODAY)
    exp = expect(full, f=TODAY, t="2025-08-31", ifrom="2025-01-01", ito=TODAY, iexcl=True)
    assert got == exp
    assert exp != expect(full, f=TODAY, t="2025-08-31", ifrom="2025-01-01", ito=TODAY)


def test_ingested_to_inclusive_while_to_is_exclusive(api, tok, full):
    api.set_dates(to_exclusive=True, ingested_to_exclusive=False)
    got = read(api, tok, **FUTURE, **INGESTED_TO_TODAY)
    exp = expect(full, f=TODAY, t="2025-08-31", excl=True, ifrom="2025-01-01", ito=TODAY, iexcl=False)
    assert got == exp
    assert exp != expect(full, f=TODAY, t="2025-08-31", excl=True, ifrom="2025-01-01", ito=TODAY)


def test_ingested_to_exclusive_null_follows_to_exclusive(api, tok, full):
    api.set_dates(to_exclusive=True, ingested_to_exclusive=None)
    got = read(api, tok, **FUTURE, **INGESTED_TO_TODAY)
    assert got == expect(full, f=TODAY, t="2025-08-31", excl=True, ifrom="2025-01-01", ito=TODAY, iexcl=True)


# -- ingested_time_zone ------------------------------------------------------------------------

WIDE = {"from": "2023-07-01", "to": "2025-06-14"}
INGESTED_SPRING = {"ingested-from": "2024-03-05", "ingested-to": "2024-05-07"}


def spring(full, zone, izone):
    return expect(full, f="2023-07-01", t="2025-06-14", zone=zone, ifrom="2024-03-05", ito="2024-05-07", izone=izone)


def test_ingested_time_zone_reads_ingested_dates_whatever_time_zone_says(api, tok, full):
    api.set_dates(ingested_time_zone="Asia/Tokyo")
    got = read(api, tok, **WIDE, **INGESTED_SPRING, **{"time-zone": "America/Los_Angeles"})
    assert got == spring(full, "America/Los_Angeles", "Asia/Tokyo")
    assert got != spring(full, "America/Los_Angeles", "America/Los_Angeles")


def test_ingested_time_zone_overrides_org_time_zone(api, tok, full):
    api.set_dates(org_time_zone="America/Los_Angeles", ingested_time_zone="Asia/Tokyo")
    got = read(api, tok, **WIDE, **INGESTED_SPRING)
    assert got == spring(full, "America/Los_Angeles", "Asia/Tokyo")


def test_ingested_time_zone_null_uses_the_zone_of_from_and_to(api, tok, full):
    api.set_dates(ingested_time_zone=None)
    got = read(api, tok, **WIDE, **INGESTED_SPRING, **{"time-zone": "America/Los_Angeles"})
    assert got == spring(full, "America/Los_Angeles", "America/Los_Angeles")


# -- list_future ---------------------------------------------------------------------------------


def test_list_future_lists_meetings_ahead_by_default(api, tok, full):
    acts, parts = read(api, tok, **FUTURE)
    assert (acts, parts) == expect(full, f=TODAY, t="2025-08-31")
    assert uids(full["activities"][-20:]) == uids(acts)[-20:]


@pytest.mark.parametrize("path,stream", [(ACTS, "activities"), (PARTS, "participants")])
def test_list_future_false_hides_records_dated_after_now(api, tok, full, path, stream):
    api.set_dates(list_future=False)
    got, before, after = now_between(api, lambda: fetch_all(api, path, tok, **FUTURE))
    strict = expect(full, f=TODAY, t="2025-08-31", upto=before)[stream == "participants"]
    loose = expect(full, f=TODAY, t="2025-08-31", upto=after)[stream == "participants"]
    assert got[:len(strict)] == strict and loose[:len(got)] == got
    assert len(expect(full, f=TODAY, t="2025-08-31")[0]) - len(expect(full, f=TODAY, t="2025-08-31", upto=after)[0]) >= 19


def test_list_future_false_applies_without_date_rules(api, tok, full):
    api.set_dates(list_future=False, ignore_dates=True)
    got, before, after = now_between(api, lambda: fetch_all(api, ACTS, tok))
    assert uids(expect(full, upto=before)[0]) == uids(got) or uids(expect(full, upto=after)[0]) == uids(got)
    assert all(a["activity_timestamp"] <= after for a in got)


def test_list_future_false_lists_meetings_once_the_clock_passes_them(api, tok, full):
    api.set_dates(list_future=False)
    api.set_today("2025-07-15")
    got, before, after = now_between(api, lambda: fetch_all(api, ACTS, tok, **FUTURE))
    strict = expect(full, f=TODAY, t="2025-08-31", upto=before)[0]
    loose = expect(full, f=TODAY, t="2025-08-31", upto=after)[0]
    assert got[:len(strict)] == strict and loose[:len(got)] == got
    listed_ahead = [a for a in got if a["uid"] in uids(full["activities"][-20:])]
    assert 8 <= len(listed_ahead) <= 12  # about half of the 60 days have passed


def test_list_future_false_hides_scheduled_meetings_but_not_backfilled_ones(api, tok):
    api.set_dates(list_future=False, ignore_dates=True)
    scheduled = api.schedule(2, 3)["uids"]
    backfilled = api.backfill(2, 3)["uids"]
    listed = set(uids(fetch_all(api, ACTS, tok)))
    assert set(backfilled) <= listed and listed.isdisjoint(scheduled)
    assert set(uids(fetch_all(api, ACTS, tok, **{"include-deleted": "true"}))).isdisjoint(scheduled)


# -- null ingested_at ----------------------------------------------------------------------------


@pytest.mark.parametrize("bounds", [{"ingested-from": "2000-01-01"}, {"ingested-to": "2100-12-31"},
                                    {"ingested-from": "2000-01-01", "ingested-to": "2100-12-31"}])
@pytest.mark.parametrize("path", [ACTS, PARTS])
def test_null_ingested_at_never_matches_an_ingested_bound(api, tok, path, bounds):
    added = set(api.backfill(2, 2, no_ingested_at=True)["uids"])
    assert added <= {r["uid"] for r in fetch_all(api, path, tok, **{"last-n-days": "5"})}
    assert added.isdisjoint(r["uid"] for r in fetch_all(api, path, tok, **{"last-n-days": "5"}, **bounds))


# -- combinations ----------------------------------------------------------------------------------


def test_every_switch_together_with_deletions(api, tok, full):
    api.set_dates(to_exclusive=True, org_time_zone="America/Los_Angeles", ignore_time_zone=True,
                  ingested_lifts_default=True, ingested_to_exclusive=False, ingested_time_zone="Asia/Tokyo",
                  list_future=False)
    hidden = [full["activities"][k]["uid"] for k in range(0, 1020, 7)]
    api.delete(hidden)
    params = {"from": "2024-07-01", "to": "2025-08-31", "time-zone": "Europe/Paris",
              "ingested-from": "2024-09-01", "ingested-to": "2025-06-15"}
    got, before, after = now_between(api, lambda: read(api, tok, **params))

    def exp(upto):
        return expect(full, f="2024-07-01", t="2025-08-31", zone="America/Los_Angeles", excl=True,
                      ifrom="2024-09-01", ito="2025-06-15", izone="Asia/Tokyo", iexcl=False, upto=upto,
                      hidden=set(hidden))

    assert uids(got[0]) in (uids(exp(before)[0]), uids(exp(after)[0]))
    assert [(p["id"], p["deleted"]) for p in got[1]] in (
        [(p["id"], False) for p in exp(before)[1]], [(p["id"], False) for p in exp(after)[1]])
    assert len(got[0]) > 100


def test_ingestion_switches_without_date_rules(api, tok, full):
    api.set_dates(ignore_dates=True, ingested_time_zone="Pacific/Kiritimati", ingested_to_exclusive=True,
                  to_exclusive=False, ignore_time_zone=True)
    got = read(api, tok, **{"ingested-from": "2024-02-29", "ingested-to": "2024-11-03", "time-zone": "x"})
    assert got == expect(full, ifrom="2024-02-29", ito="2024-11-03", izone="Pacific/Kiritimati", iexcl=True)
    assert got[0]


# -- control -------------------------------------------------------------------------------------


def test_new_switches_default_and_null_means_default(api):
    rules = api.set_dates(ingested_to_exclusive=None, ingested_time_zone=None, list_future=None,
                          ignore_ingested=None)
    assert {k: rules[k] for k in ("ignore_ingested", "ingested_to_exclusive", "ingested_time_zone",
                                  "list_future")} == {"ignore_ingested": False, "ingested_to_exclusive": None,
                                                      "ingested_time_zone": None, "list_future": True}


def test_new_switches_are_echoed(api):
    rules = api.set_dates(ignore_ingested=True, ingested_to_exclusive=False, ingested_time_zone="Asia/Tokyo",
                          list_future=False)
    assert api.get_dates() == rules
    assert (rules["ignore_ingested"], rules["ingested_to_exclusive"], rules["ingested_time_zone"],
            rules["list_future"]) == (True, False, "Asia/Tokyo", False)


@pytest.mark.parametrize(
    "body,needle",
    [({"ignore_ingested": "yes"}, "dates.ignore_ingested must be true or false"),
     ({"ingested_to_exclusive": 1}, "dates.ingested_to_exclusive must be true or false or null"),
     ({"ingested_time_zone": "Mars/Olympus"}, "dates.ingested_time_zone must be an IANA time zone name or null"),
     ({"ingested_time_zone": 9}, "dates.ingested_time_zone"),
     ({"list_future": "false"}, "dates.list_future must be true or false"),
     ({"list_futures": False}, "unknown key")],
)
def test_new_switches_reject_bad_values(api, body, needle):
    r = post_json(api, "/_control/dates", body)
    assert r.status == 400 and needle in r.json()["message"]
    assert api.get_dates()["list_future"] is True

