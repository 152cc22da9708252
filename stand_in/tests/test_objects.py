"""Accounts, opportunities, contacts, leads, teams, team members and engagement levels."""

from __future__ import annotations

import datetime as dt

import pytest

from stand_in.datasets.engagement import HISTORY_DAYS
from stand_in.tests.helpers import (
    ACTS, DAY_MS, TODAY, assert_error, d, fetch_all, get,
)

P = "/v0/public/"
OBJECTS = {
    "accounts": P + "accounts",
    "opportunities": P + "opportunities",
    "contacts": P + "contacts",
    "leads": P + "leads",
    "teams": P + "teams",
    "team_members": P + "team-members",
}
ENGAGEMENT = {
    "accounts_engagement": (P + "accounts/insights/engagement", "account-id"),
    "opportunities_engagement": (P + "opportunities/insights/engagement", "opportunity-id"),
    "contacts_engagement": (P + "contacts/insights/engagement", "contact-id"),
    "leads_engagement": (P + "leads/insights/engagement", "lead-id"),
}
FIELDS = {
    "accounts": {"id": int, "crm_id": str, "name": str, "type": str, "source": str, "active": bool, "deleted": bool,
                 "owner_crm_id": str, "created_by_crm_id": str, "modified_by_crm_id": str},
    "opportunities": {"id": int, "crm_id": str, "name": str, "type": str, "currency_iso_code": str,
                      "close_date": str, "stage_name": str, "forecast_category": str, "account_id": int,
                      "account_crm_id": str, "owner_crm_id": str, "created_at": int, "modified_at": int,
                      "active": bool, "closed": bool, "won": bool, "deleted": bool},
    "contacts": {"id": int, "account_id": int, "first_name": str, "last_name": str, "email": str,
                 "country_name": str, "active": bool, "deleted": bool, "created_at": int, "modified_at": int,
                 "created_by_peopleai": bool, "owner_crm_id": str},
    "leads": {"id": int, "crm_id": str, "first_name": str, "last_name": str, "email": str, "status": str,
              "active": bool, "deleted": bool, "created_at": int, "owner_crm_id": str},
    "teams": {"id": int, "crm_id": str, "name": str, "full_name": str},
    "team_members": {"id": int, "crm_id": str, "first_name": str, "last_name": str, "full_name": str,
                     "email": str, "job_title": str, "role": dict, "active": bool, "deleted": bool,
                     "suspended": bool, "team_id": int, "team_crm_id": str, "team_name": str,
                     "team_full_name": str, "profile_id": int, "profile_name": str},
}
OPTIONAL = {
    "accounts": {"external_parent_id", "custom_account_team", "custom_owner", "custom_segment"},
    "opportunities": {"amount", "converted_amount", "lead_source", "created_by_crm_id", "modified_by_crm_id"},
    "contacts": {"crm_id", "middle_name", "phone_number", "job_title", "department", "seniority", "state_name",
                 "record_type_crm_id", "record_type_name"},
    "leads": {"phone_number", "job_title", "record_type_crm_id", "record_type_name", "converted_account_id",
              "converted_contact_id", "converted_opportunity_id", "converted_date"},
    "teams": {"parent_team_id"},
    "team_members": {"parent_team_id", "custom_area", "custom_region"},
}


@pytest.mark.parametrize("stream", OBJECTS)
def test_listing_pages_to_the_dataset(api, tok, full, stream):
    records = full[stream]
    assert 10 <= len(records) <= 5000
    assert fetch_all(api, OBJECTS[stream], tok, page=97) == records
    r = get(api, OBJECTS[stream], tok, limit=3, offset=2).json()
    assert r["meta"] == {"limit": 3, "offset": 2, "total": len(records), "message": "OK"}
    assert r["data"] == records[2:5]
    assert len({x["id"] for x in records}) == len(records)
    for rec in records:
        for key, typ in FIELDS[stream].items():
            assert type(rec[key]) is typ, (stream, key, rec[key])
        assert set(FIELDS[stream]) | OPTIONAL[stream] <= set(rec), stream


def test_custom_fields(full):
    assert all(k in a for a in full["accounts"] for k in ("custom_account_team", "custom_owner", "custom_segment"))
    assert any("custom_renewal_quarter" in a for a in full["accounts"])  # present on some records only
    assert any(m.get("custom_quota") for m in full["team_members"])
    assert all("custom_region" in m for m in full["team_members"])


def test_ids_join_with_activities(full):
    accounts = {a["id"]: a for a in full["accounts"]}
    opps = {o["id"]: o for o in full["opportunities"]}
    leads = {x["id"] for x in full["leads"]}
    members = {m["id"] for m in full["team_members"]}
    teams = {t["id"] for t in full["teams"]}
    for a in full["activities"]:
        assert a["account_id"] is None or a["account_id"] in accounts
        assert a["account_id"] is None or a["account_crm_id"] == accounts[a["account_id"]]["crm_id"]
        for oid, ocrm in zip(a["opportunity_ids"], a["opportunity_crm_ids"]):
            assert opps[oid]["crm_id"] == ocrm and opps[oid]["account_id"] == a["account_id"]
        assert a["lead_id"] is None or a["lead_id"] in leads
        assert a["user_id"] in members
    for o in full["opportunities"]:
        assert accounts[o["account_id"]]["crm_id"] == o["account_crm_id"]
    for c in full["contacts"]:
        assert c["account_id"] in accounts
    for m in full["team_members"]:
        assert m["team_id"] in teams and (m["parent_team_id"] is None or m["parent_team_id"] in teams)
    for t in full["teams"]:
        assert t["parent_team_id"] is None or t["parent_team_id"] in teams
    owners = {m["crm_id"] for m in full["team_members"]}
    assert all(a["owner_crm_id"] in owners for a in full["accounts"])
    contact_emails = {c["email"] for c in full["contacts"]}
    assert any(p["email"] in contact_emails for p in full["participants"])


def test_recently_modified(full):
    end = int(dt.datetime.fromisoformat(TODAY + "T00:00:00+00:00").timestamp() * 1000)
    for stream in ("opportunities", "contacts"):
        mods = [r["modified_at"] for r in full[stream]]
        assert all(r["created_at"] <= r["modified_at"] <= end for r in full[stream])
        assert sum(1 for m in mods if m > end - 3 * DAY_MS) >= 20, stream
        assert sum(1 for m in mods if m < end - 90 * DAY_MS) >= 100, stream


@pytest.mark.parametrize(
    "stream,param,field,value",
    [
        ("accounts", "type", "type", "Customer"),
        ("opportunities", "type", "type", "Renewal"),
        ("opportunities", "account-id", "account_id", 50007),
        ("contacts", "job-title", "job_title", "CFO"),
        ("leads", "job-title", "job_title", "Software Engineer"),
        ("teams", "parent-team-id", "parent_team_id", 11),
        ("team_members", "member-job-title", "job_title", "Sales Manager"),
    ],
)
def test_filters(api, tok, full, stream, param, field, value):
    exp = [r for r in full[stream] if r[field] == value]
    assert 0 < len(exp) < len(full[stream])
    assert fetch_all(api, OBJECTS[stream], tok, **{param: str(value)}) == exp
    if isinstance(value, str):  # string filters ignore case
        assert fetch_all(api, OBJECTS[stream], tok, **{param: value.upper()}) == exp
    assert get(api, OBJECTS[stream], tok, **{param: "no such value" if isinstance(value, str) else "1"}).json()[
        "meta"]["total"] == 0


def test_filters_combine_and_reject_bad_integers(api, tok, full):
    o = full["opportunities"][7]
    exp = [r for r in full["opportunities"] if r["account_id"] == o["account_id"] and r["type"] == o["type"]]
    assert fetch_all(api, OBJECTS["opportunities"], tok, **{"account-id": o["account_id"], "type": o["type"]}) == exp
    assert_error(get(api, OBJECTS["opportunities"], tok, **{"account-id": "abc"}), 400, "account-id")
    assert_error(get(api, OBJECTS["teams"], tok, **{"parent-team-id": "1.5"}), 400, "parent-team-id")
    # no date filter on these endpoints: date parameters are ignored like any unknown parameter
    assert get(api, OBJECTS["accounts"], tok, **{"from": "x"}).json()["meta"]["total"] == len(full["accounts"])


# -- engagement levels ------------------------------------------------------------------------


def _dates(records):
    return sorted({r["date"] for r in records})


@pytest.mark.parametrize("stream", ENGAGEMENT)
def test_engagement_records_and_default_window(api, tok, full, stream):
    path, _param = ENGAGEMENT[stream]
    records = full[stream]
    today = d(TODAY)
    assert _dates(records) == [(today - k * dt.timedelta(days=1)).isoformat() for k in range(HISTORY_DAYS, 0, -1)]
    for r in records:
        assert set(r) == {"id", "crm_id", "date", "score", "timestamp"}
        assert type(r["id"]) is int and type(r["crm_id"]) is str and type(r["score"]) is int
        assert type(r["timestamp"]) is int and 0 <= r["score"] <= 100
    keys = [(r["date"], r["id"]) for r in records]
    assert keys == sorted(keys)
    got = fetch_all(api, path, tok)  # no range: the last 30 days
    assert got == [r for r in records if r["date"] >= (today - dt.timedelta(days=30)).isoformat()]
    assert len(_dates(got)) == 30


def test_engagement_ids_exist(full):
    for kind in ("accounts", "opportunities", "contacts", "leads"):
        ids = {r["id"] for r in full[kind]}
        scored = {r["id"] for r in full[f"{kind}_engagement"]}
        assert scored <= ids and 20 <= len(scored) < len(ids)


def test_engagement_from_to_and_id_filter(api, tok, full):
    path, param = ENGAGEMENT["accounts_engagement"]
    records = full["accounts_engagement"]
    got = fetch_all(api, path, tok, **{"from": "2025-05-01", "to": "2025-05-10"})
    assert got == [r for r in records if "2025-05-01" <= r["date"] <= "2025-05-10"]
    one = records[3]["id"]
    got = fetch_all(api, path, tok, **{"from": "2025-05-01", "to": "2025-05-10", param: str(one)})
    assert got == [r for r in records if r["id"] == one and "2025-05-01" <= r["date"] <= "2025-05-10"]
    assert len(got) == 10
    # history is kept for about three months only
    got = fetch_all(api, path, tok, **{"from": "2024-12-01", "to": TODAY})
    assert got == records
    got = fetch_all(api, path, tok, **{"last-n-days": "7"})
    assert _dates(got) == [(d(TODAY) - dt.timedelta(days=k)).isoformat() for k in range(7, 0, -1)]
    api.set_dates(to_exclusive=True)
    got = fetch_all(api, path, tok, **{"from": "2025-05-01", "to": "2025-05-10"})
    assert _dates(got)[-1] == "2025-05-09"


@pytest.mark.parametrize(
    "params,status",
    [
        ({"from": "2025-05-01", "to": "2025-05-01"}, 422),  # one day
        ({"from": "2025-05-02", "to": "2025-05-01"}, 422),  # inverted
        ({"from": TODAY}, 422),  # `to` defaults to today
        ({"from": "2025-5-01", "to": "2025-05-03"}, 400),
        ({"last-n-days": "0"}, 400),
        ({"account-id": "x"}, 400),
        ({"time-zone": "Nowhere/Land"}, 400),
    ],
)
def test_engagement_errors(api, tok, params, status):
    assert_error(get(api, ENGAGEMENT["accounts_engagement"][0], tok, **params), status)


def test_engagement_ignore_dates(api, tok, full):
    api.set_dates(ignore_dates=True)
    path, _ = ENGAGEMENT["leads_engagement"]
    assert fetch_all(api, path, tok, **{"from": "2025-05-01", "to": "2025-05-01"}) == full["leads_engagement"]


def test_object_endpoints_share_auth_faults_and_paging(api, tok):
    path = OBJECTS["contacts"]
    assert_error(get(api, path, tok, limit="0"), 400, "limit")
    api.set_faults(bursts=[{"status": 503, "every": 0, "times": 1, "paths": [path]}])
    assert get(api, path, tok).status == 503
    assert get(api, path, tok).status == 200
    assert get(api, ACTS, tok).status == 200
    assert api.stats()["by_path"][path] == 3
