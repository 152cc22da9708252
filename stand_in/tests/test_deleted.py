"""Deleted records: hidden unless ``include-deleted=true``, on activities and participants."""

from __future__ import annotations

import pytest

from stand_in.tests.helpers import ACTS, N_TOTAL, PARTS, assert_error, fetch_all, get, local_date

STREAMS = [("activities", ACTS), ("participants", PARTS)]
PICKED = (3, 500, 999, 1010)  # one of them a meeting booked ahead


@pytest.fixture
def deleted(api, full):
    """Every date rule off, and four activities deleted; returns their uids."""
    api.set_dates(ignore_dates=True)
    uids = [full["activities"][k]["uid"] for k in PICKED]
    api.delete(uids)
    return uids


def uid_of(record: dict) -> str:
    return record.get("activity_uid", record["uid"])


@pytest.mark.parametrize("stream,path", STREAMS)
def test_deleted_records_are_not_listed_by_default(api, tok, deleted, stream, path):
    got = fetch_all(api, path, tok)
    assert got == [r for r in api.dataset(stream) if uid_of(r) not in deleted]
    assert {uid_of(r) for r in got}.isdisjoint(deleted)


@pytest.mark.parametrize("stream,path", STREAMS)
def test_total_counts_only_the_records_listed(api, tok, full, deleted, stream, path):
    rows = sum(1 for r in full[stream] if uid_of(r) in deleted)
    assert rows >= len(deleted)
    assert get(api, path, tok, limit=1).json()["meta"]["total"] == len(full[stream]) - rows


@pytest.mark.parametrize("stream,path", STREAMS)
@pytest.mark.parametrize("value", ["true", "TRUE"])
def test_include_deleted_true_lists_them_marked_deleted(api, tok, deleted, stream, path, value):
    got = fetch_all(api, path, tok, **{"include-deleted": value})
    assert got == api.dataset(stream)
    assert {uid_of(r) for r in got if r["deleted"]} == set(deleted)


@pytest.mark.parametrize("stream,path", STREAMS)
@pytest.mark.parametrize("value", ["false", "False"])
def test_include_deleted_false_hides_them(api, tok, deleted, stream, path, value):
    assert fetch_all(api, path, tok, **{"include-deleted": value}) == fetch_all(api, path, tok)


@pytest.mark.parametrize("path", [ACTS, PARTS])
@pytest.mark.parametrize("value", ["", "1", "0", "yes", "t", "true "])
def test_include_deleted_other_values_are_400(api, tok, path, value):
    assert_error(get(api, path, tok, **{"include-deleted": value}), 400, "include-deleted must be true or false")


def test_include_deleted_is_ignored_by_the_object_endpoints(api, tok):
    assert get(api, "/v0/public/accounts", tok, **{"include-deleted": "bogus"}).status == 200


@pytest.mark.parametrize("stream,path", STREAMS)
def test_include_deleted_changes_nothing_when_nothing_is_deleted(api, tok, full, stream, path):
    api.set_dates(ignore_dates=True)
    assert fetch_all(api, path, tok, **{"include-deleted": "true"}) == full[stream]


@pytest.mark.parametrize("stream", ["activities", "participants"])
def test_control_dataset_returns_deleted_records_with_their_flag(api, full, deleted, stream):
    records = api.dataset(stream)
    assert len(records) == len(full[stream])
    assert [uid_of(r) for r in records] == [uid_of(r) for r in full[stream]]
    assert {uid_of(r) for r in records if r["deleted"]} == set(deleted)


def test_paging_skips_deleted_records_without_gaps(api, tok, full, deleted):
    shown = [a for a in full["activities"] if a["uid"] not in deleted]
    body = get(api, ACTS, tok, limit=10, offset=495).json()
    assert [a["uid"] for a in body["data"]] == [a["uid"] for a in shown[495:505]]
    assert body["meta"]["total"] == N_TOTAL - len(deleted)


def test_deleted_records_stay_hidden_inside_a_date_range(api, tok, full, deleted):
    api.set_dates()
    day = local_date(full["activities"][500]["activity_timestamp"], "UTC").isoformat()
    rng = {"from": day, "to": day}
    listed = [a["uid"] for a in fetch_all(api, ACTS, tok, **rng)]
    everything = [a["uid"] for a in fetch_all(api, ACTS, tok, **rng, **{"include-deleted": "true"})]
    assert full["activities"][500]["uid"] in everything
    assert listed == [u for u in everything if u not in deleted]
