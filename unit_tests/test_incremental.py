"""Incremental syncs of activities and participants: the state after a read, and what a read from
that state asks for and keeps.

Each chunk's cursor is `synced_at`, the time of its last read. A read from state asks each history
chunk for what People.ai ingested from that time minus lookback_days until now, and the current
chunk (lookback_days back to 180 days ahead) whole. The clock is frozen (clock.py).
"""

from __future__ import annotations

import json
from datetime import date, datetime, time, timedelta, timezone
from typing import Any, Dict, List, Optional

from airbyte_cdk.models import AirbyteStateMessage, AirbyteStreamStatus, SyncMode
from airbyte_cdk.test.mock_http import HttpMocker
from airbyte_cdk.test.state_builder import StateBuilder

from unit_tests.chunks import (
    DAY_MS,
    HOUR_MS,
    NEVER_READ_MS,
    NOW_MS,
    at,
    days_ago,
    expected_query,
    mock_chunk,
    mock_current,
    ms,
    uids,
)
from unit_tests.clock import set_clock
from unit_tests.config import HORIZON, ConfigBuilder
from unit_tests.harness import final_state, read_streams, records_of
from unit_tests.request_builder import ACTIVITIES_PATH, RequestBuilder, sent_requests
from unit_tests.response_builder import error_response, token_response

INCREMENTAL = SyncMode.incremental
CURRENT = days_ago(7)
TODAY_FIRST = days_ago(0)  # the current chunk's first day with lookback_days 0


def _ms(day: date) -> int:
    return int(datetime.combine(day, time(0), tzinfo=timezone.utc).timestamp() * 1000)


def history(first_day: date, last_day: date) -> Dict[str, Any]:
    """A history chunk's partition, as the manifest writes it into the state."""
    return {
        "chunk": {
            "kind": "history",
            "first_day": first_day.isoformat(),
            "last_day": last_day.isoformat(),
            "start_ms": _ms(first_day),
            "end_ms": _ms(last_day + timedelta(days=1)),
        }
    }


CURRENT_PARTITION = {"chunk": {"kind": "current"}}
# The fixed 90-day chunk holding the frozen today's recent past (start_date 9 days back).
JUNE_CHUNK = history(date(2026, 6, 6), date(2026, 9, 3))


def stream_state(
    chunks: Dict[str, Any], synced_at: Optional[int] = None, lookback_window: int = 0
) -> Dict[str, Any]:
    """The state the connector writes: one cursor per chunk (`chunks`: partition json -> time),
    the stream's cursor (the latest of them, after a sync that completed) and the CDK's runtime
    lookback (seconds the last sync took)."""
    state: Dict[str, Any] = {
        "use_global_cursor": False,
        "states": [{"partition": partition, "cursor": {"synced_at": str(at_ms)}} for partition, at_ms in chunks],
        "lookback_window": lookback_window,
    }
    if synced_at is not None:
        state["state"] = {"synced_at": str(synced_at)}
    return state


def key(partition: Dict[str, Any]) -> str:
    return json.dumps(partition, sort_keys=True)


def cursors(state: Dict[str, Any]) -> Dict[str, str]:
    """Each chunk's cursor in a saved state, by partition."""
    return {key(s["partition"]): s["cursor"]["synced_at"] for s in state["states"]}


def state_messages(state: Dict[str, Any], stream: str = "activity") -> List[AirbyteStateMessage]:
    return StateBuilder().with_stream_state(stream, state).build()


def _queries(http_mocker: HttpMocker) -> List[Dict[str, str]]:
    return sorted((r.query for r in sent_requests(http_mocker, ACTIVITIES_PATH)), key=lambda q: q["from"])


def _config(**changes: Any) -> Dict[str, Any]:
    builder = ConfigBuilder().with_start_date(days_ago(9).isoformat())
    for key, value in changes.items():
        builder = getattr(builder, f"with_{key}")(value)
    return builder.build()


# --------------------------------------------------------------------------------------------
# The state after a read
# --------------------------------------------------------------------------------------------


def test_given_first_incremental_read_when_done_then_each_chunk_and_the_stream_hold_the_read_time() -> None:
    with HttpMocker() as http_mocker:
        http_mocker.post(RequestBuilder.token().build(), token_response())
        mock_chunk(http_mocker, days_ago(9), days_ago(8), [at("history", ms(days_ago(9), 9))])
        # A meeting next month: the cursor is the read's time, not the activity's.
        mock_current(http_mocker, CURRENT, [at("meeting-next-month", ms(days_ago(-30), 9), ingested_at=NOW_MS - DAY_MS)])

        output = read_streams(_config(), sync_mode=INCREMENTAL)

    assert uids(records_of(output, "activity")) == ["history", "meeting-next-month"]
    state = final_state(output, "activity")
    assert isinstance(state.pop("lookback_window"), int)  # the seconds the sync took
    assert state == {
        "use_global_cursor": False,
        "states": [
            {"partition": JUNE_CHUNK, "cursor": {"synced_at": str(NOW_MS)}},
            {"partition": CURRENT_PARTITION, "cursor": {"synced_at": str(NOW_MS)}},
        ],
        "state": {"synced_at": str(NOW_MS)},
    }


def test_given_chunk_without_records_when_read_then_its_cursor_stays_at_never_read() -> None:
    with HttpMocker() as http_mocker:
        http_mocker.post(RequestBuilder.token().build(), token_response())
        mock_chunk(http_mocker, days_ago(9), days_ago(8), [])
        mock_current(http_mocker, CURRENT, [at("recent", ms(days_ago(1)))])

        output = read_streams(_config(), sync_mode=INCREMENTAL)

    assert cursors(final_state(output, "activity")) == {
        key(JUNE_CHUNK): str(NEVER_READ_MS), key(CURRENT_PARTITION): str(NOW_MS),
    }


# --------------------------------------------------------------------------------------------
# A read from state
# --------------------------------------------------------------------------------------------


def test_given_state_when_read_then_history_chunks_ask_what_was_ingested_since_the_last_read_minus_lookback() -> None:
    last_read = NOW_MS - DAY_MS
    since = last_read - 7 * DAY_MS  # the default lookback_days, 7
    answer = [
        at("ingested-before-the-window", ms(days_ago(9), 9), ingested_at=since - 1),
        at("ingested-at-its-start", ms(days_ago(9), 10), ingested_at=since),
        at("backfilled-just-now", ms(days_ago(8), 11), ingested_at=NOW_MS),
        at("ingested-after-the-read-started", ms(days_ago(8), 12), ingested_at=NOW_MS + 1),
    ]
    with HttpMocker() as http_mocker:
        http_mocker.post(RequestBuilder.token().build(), token_response())
        mock_chunk(http_mocker, days_ago(9), days_ago(8), answer, ingested=(since, NOW_MS))
        mock_current(http_mocker, CURRENT, [])

        output = read_streams(
            _config(),
            sync_mode=INCREMENTAL,
            state=state_messages(stream_state([(JUNE_CHUNK, last_read), (CURRENT_PARTITION, last_read)], last_read)),
        )

        queries = _queries(http_mocker)
    # The ingestion window, like the dates, is asked a day wider before and two days after.
    assert queries == [expected_query(days_ago(9), days_ago(8), ingested=(since, NOW_MS)), expected_query(CURRENT, HORIZON)]
    assert (queries[0]["ingested-from"], queries[0]["ingested-to"]) == ("2026-06-06", "2026-06-17")
    assert uids(records_of(output, "activity")) == ["backfilled-just-now", "ingested-at-its-start"]
    assert final_state(output, "activity")["state"] == {"synced_at": str(NOW_MS)}


def test_given_a_backfill_dated_months_ago_when_read_from_state_then_it_arrives_whatever_its_date() -> None:
    # The 90-day chunk 2026-03-08..06-05 was read yesterday; People.ai has since ingested history
    # of a newly connected mailbox, dated in March.
    march = history(date(2026, 3, 8), date(2026, 6, 5))
    last_read = NOW_MS - DAY_MS
    with HttpMocker() as http_mocker:
        http_mocker.post(RequestBuilder.token().build(), token_response())
        mock_chunk(
            http_mocker, date(2026, 3, 8), date(2026, 6, 5),
            [at("backfilled-from-march", ms(date(2026, 3, 20), 14), ingested_at=NOW_MS - HOUR_MS)],
            ingested=(last_read - 7 * DAY_MS, NOW_MS),
        )
        mock_chunk(http_mocker, date(2026, 6, 6), days_ago(8), [], ingested=(last_read - 7 * DAY_MS, NOW_MS))
        mock_current(http_mocker, CURRENT, [])

        output = read_streams(
            ConfigBuilder().with_start_date("2026-03-08").build(),
            sync_mode=INCREMENTAL,
            state=state_messages(
                stream_state([(march, last_read), (JUNE_CHUNK, last_read), (CURRENT_PARTITION, last_read)], last_read)
            ),
        )

    assert not output.errors
    assert uids(records_of(output, "activity")) == ["backfilled-from-march"]


def test_given_lookback_days_0_when_read_from_state_then_the_window_starts_at_the_last_read() -> None:
    last_read = NOW_MS - 3 * HOUR_MS
    with HttpMocker() as http_mocker:
        http_mocker.post(RequestBuilder.token().build(), token_response())
        mock_chunk(
            http_mocker, days_ago(9), date(2026, 6, 14),
            [at("at-the-last-read", ms(days_ago(9)), ingested_at=last_read), at("before", ms(days_ago(9)), ingested_at=last_read - 1)],
            ingested=(last_read, NOW_MS),
        )
        mock_current(http_mocker, TODAY_FIRST, [])

        output = read_streams(
            _config(lookback_days=0),
            sync_mode=INCREMENTAL,
            state=state_messages(stream_state([(JUNE_CHUNK, last_read), (CURRENT_PARTITION, last_read)], last_read)),
        )

        queries = _queries(http_mocker)
    # With no lookback, the current chunk starts today; the history chunk ends yesterday.
    assert queries == [
        expected_query(days_ago(9), date(2026, 6, 14), ingested=(last_read, NOW_MS)),
        expected_query(TODAY_FIRST, HORIZON),
    ]
    assert uids(records_of(output, "activity")) == ["at-the-last-read"]



def test_given_chunk_that_never_held_a_record_when_read_from_state_then_it_is_asked_whole_again() -> None:
    last_read = NOW_MS - DAY_MS
    with HttpMocker() as http_mocker:
        http_mocker.post(RequestBuilder.token().build(), token_response())
        mock_chunk(http_mocker, days_ago(9), days_ago(8), [at("old-but-new-to-us", ms(days_ago(9)), ingested_at=NOW_MS - 300 * DAY_MS)])
        mock_current(http_mocker, CURRENT, [])

        output = read_streams(
            _config(),
            sync_mode=INCREMENTAL,
            state=state_messages(stream_state([(JUNE_CHUNK, NEVER_READ_MS), (CURRENT_PARTITION, last_read)], last_read)),
        )

    assert uids(records_of(output, "activity")) == ["old-but-new-to-us"]


def test_given_chunk_new_since_the_last_sync_when_read_then_it_starts_from_the_stream_cursor() -> None:
    # start_date moved from 2026-06-06 to 2026-03-08 after a sync: the March chunk has no cursor of
    # its own, and the CDK starts it from the stream's (README: moving start_date earlier needs a
    # refresh of these streams to read the earlier history).
    last_read = NOW_MS - DAY_MS
    with HttpMocker() as http_mocker:
        http_mocker.post(RequestBuilder.token().build(), token_response())
        for first, last in ((date(2026, 3, 8), date(2026, 6, 5)), (date(2026, 6, 6), days_ago(8))):
            mock_chunk(http_mocker, first, last, [], ingested=(last_read - 7 * DAY_MS, NOW_MS))
        mock_current(http_mocker, CURRENT, [])

        output = read_streams(
            ConfigBuilder().with_start_date("2026-03-08").build(),
            sync_mode=INCREMENTAL,
            state=state_messages(stream_state([(JUNE_CHUNK, last_read), (CURRENT_PARTITION, last_read)], last_read)),
        )

        queries = _queries(http_mocker)
    assert not output.errors
    assert [q.get("ingested-from") for q in queries] == ["2026-06-06", "2026-06-06", None]


def test_given_state_of_version_0_2_0_when_read_then_the_whole_history_is_read_again() -> None:
    # 0.2.0 kept the latest activity_timestamp; it says nothing of what was ingested since, so it
    # is read as no state: one full read, which also brings what 0.2.0 missed.
    with HttpMocker() as http_mocker:
        http_mocker.post(RequestBuilder.token().build(), token_response())
        mock_chunk(http_mocker, days_ago(9), days_ago(8), [at("history", ms(days_ago(9), 9))])
        mock_current(http_mocker, CURRENT, [])

        output = read_streams(
            _config(),
            sync_mode=INCREMENTAL,
            state=state_messages({"activity_timestamp": str(ms(days_ago(1)))}),
        )

        queries = _queries(http_mocker)
    assert not output.errors
    assert queries == [expected_query(days_ago(9), days_ago(8)), expected_query(CURRENT, HORIZON)]
    assert uids(records_of(output, "activity")) == ["history"]
    assert final_state(output, "activity")["state"] == {"synced_at": str(NOW_MS)}


def test_given_400_for_an_ingestion_window_when_read_then_it_is_halved_and_both_halves_are_read() -> None:
    # A chunk read 1000 days ago asks for over two years of ingestion; if People.ai refuses that
    # too, the window is halved (at the millisecond) and each half is read.
    last_read = NOW_MS - 1000 * DAY_MS
    start = last_read - 7 * DAY_MS
    middle = start + (NOW_MS - start + 1) // 2  # the first millisecond of the second half
    with HttpMocker() as http_mocker:
        http_mocker.post(RequestBuilder.token().build(), token_response())
        mock_chunk(http_mocker, days_ago(9), days_ago(8), error_response(400), ingested=(start, NOW_MS))
        mock_chunk(
            http_mocker, days_ago(9), days_ago(8),
            [at("first-half", ms(days_ago(9)), ingested_at=middle - 1), at("second-half", ms(days_ago(9)), ingested_at=middle)],
            ingested=(start, middle - 1),
        )
        mock_chunk(
            http_mocker, days_ago(9), days_ago(8),
            [at("first-half", ms(days_ago(9)), ingested_at=middle - 1), at("second-half", ms(days_ago(9)), ingested_at=middle)],
            ingested=(middle, NOW_MS),
        )
        mock_current(http_mocker, CURRENT, [])

        output = read_streams(
            _config(),
            sync_mode=INCREMENTAL,
            state=state_messages(stream_state([(JUNE_CHUNK, last_read), (CURRENT_PARTITION, NOW_MS - DAY_MS)], NOW_MS - DAY_MS)),
        )

    assert not output.errors
    assert uids(records_of(output, "activity")) == ["first-half", "second-half"]
    assert output.get_stream_statuses("activity")[-1] == AirbyteStreamStatus.COMPLETE


# --------------------------------------------------------------------------------------------
# A sync that fails part-way, and the sync after it
# --------------------------------------------------------------------------------------------


def test_given_a_chunk_failing_when_read_then_the_state_keeps_the_others_and_a_rerun_reads_only_it_whole() -> None:
    one_day = _config(window_days=1)
    june_6, june_7 = history(days_ago(9), days_ago(9)), history(days_ago(8), days_ago(8))
    with HttpMocker() as http_mocker:
        http_mocker.post(RequestBuilder.token().build(), token_response())
        mock_chunk(http_mocker, days_ago(9), days_ago(9), [at("june-6", ms(days_ago(9), 9))])
        mock_chunk(http_mocker, days_ago(8), days_ago(8), [error_response(500)] * 6)
        mock_current(http_mocker, CURRENT, [at("recent", ms(days_ago(1)))])

        failed = read_streams(one_day, sync_mode=INCREMENTAL, expect_failure=True)

    assert failed.get_stream_statuses("activity")[-1] == AirbyteStreamStatus.INCOMPLETE
    saved = final_state(failed, "activity")
    # The chunks that completed hold the read's time; the failed one was never read; the stream
    # cursor is not moved by a sync that did not complete.
    assert cursors(saved) == {
        key(june_6): str(NOW_MS), key(june_7): str(NEVER_READ_MS), key(CURRENT_PARTITION): str(NOW_MS),
    }
    assert "state" not in saved

    with HttpMocker() as http_mocker:
        http_mocker.post(RequestBuilder.token().build(), token_response())
        mock_chunk(http_mocker, days_ago(9), days_ago(9), [], ingested=(NOW_MS - 7 * DAY_MS, NOW_MS))
        mock_chunk(http_mocker, days_ago(8), days_ago(8), [at("june-7", ms(days_ago(8), 9))])
        mock_current(http_mocker, CURRENT, [at("recent", ms(days_ago(1)))])

        rerun = read_streams(one_day, sync_mode=INCREMENTAL, state=state_messages(saved))

        queries = _queries(http_mocker)
    assert not rerun.errors
    # The completed chunk is asked only for what was ingested since; the failed one, whole.
    assert queries == [
        expected_query(days_ago(9), days_ago(9), ingested=(NOW_MS - 7 * DAY_MS, NOW_MS)),
        expected_query(days_ago(8), days_ago(8)),
        expected_query(CURRENT, HORIZON),
    ]
    assert uids(records_of(rerun, "activity")) == ["june-7", "recent"]


# --------------------------------------------------------------------------------------------
# Three syncs in a row across 1 January
# --------------------------------------------------------------------------------------------


def test_given_syncs_on_31_december_1_and_2_january_when_each_reads_from_the_last_then_each_record_arrives_as_due(
    monkeypatch,
) -> None:
    config = ConfigBuilder().with_start_date("2026-10-01").build()
    october = (date(2026, 10, 1), date(2026, 12, 2))  # the fixed chunk 2026-09-04..12-02, clipped
    december = date(2026, 12, 3)  # the fixed chunk 2026-12-03..2027-03-02, clipped to the current one
    christmas_eve_call = at("christmas-eve-call", ms(date(2026, 12, 24), 10), ingested_at=ms(date(2026, 12, 24), 10) + 60_000)
    meeting = at("meeting-on-5-january", ms(date(2027, 1, 5), 9), ingested_at=ms(date(2026, 12, 1)))

    # 31 December, 12:00: the first sync reads everything; the December chunk is still empty
    # (the Christmas Eve call is in the current chunk).
    dec_31 = ms(date(2026, 12, 31), 12)
    set_clock(monkeypatch, "2026-12-31T12:00:00Z")
    with HttpMocker() as http_mocker:
        http_mocker.post(RequestBuilder.token().build(), token_response())
        mock_chunk(http_mocker, *october, [at("october", ms(date(2026, 10, 5)), ingested_at=ms(date(2026, 10, 5), 1))])
        mock_chunk(http_mocker, december, date(2026, 12, 23), [])
        mock_chunk(http_mocker, date(2026, 12, 24), date(2027, 6, 29), [christmas_eve_call, meeting])
        first = read_streams(config, sync_mode=INCREMENTAL)
        first_queries = _queries(http_mocker)
    assert not first.errors
    assert uids(records_of(first, "activity")) == ["christmas-eve-call", "meeting-on-5-january", "october"]
    assert [q.get("ingested-from") for q in first_queries] == [None, None, None]

    # 1 January, 00:30: a backfill dated in November was ingested overnight. The December chunk
    # held nothing yet, so it is asked whole; the Christmas Eve call has moved into it.
    jan_1 = ms(date(2027, 1, 1), 0, 30)
    set_clock(monkeypatch, "2027-01-01T00:30:00Z")
    since = dec_31 - 7 * DAY_MS
    with HttpMocker() as http_mocker:
        http_mocker.post(RequestBuilder.token().build(), token_response())
        mock_chunk(
            http_mocker, *october,
            [at("november-backfill", ms(date(2026, 11, 15)), ingested_at=ms(date(2026, 12, 31), 23))],
            ingested=(since, jan_1),
        )
        mock_chunk(http_mocker, december, date(2026, 12, 24), [christmas_eve_call])
        mock_chunk(http_mocker, date(2026, 12, 25), date(2027, 6, 30), [meeting])
        second = read_streams(config, sync_mode=INCREMENTAL, state=state_messages(final_state(first, "activity")))
        second_queries = _queries(http_mocker)
    assert not second.errors
    assert second_queries == [
        expected_query(*october, ingested=(since, jan_1)),
        expected_query(december, date(2026, 12, 24)),
        expected_query(date(2026, 12, 25), date(2027, 6, 30)),
    ]
    # The backfill once; the Christmas Eve call and the meeting ahead again (read whole); the
    # October call not again.
    assert uids(records_of(second, "activity")) == ["christmas-eve-call", "meeting-on-5-january", "november-backfill"]

    # 2 January, 00:30: nothing new. Every history chunk is now read by ingestion.
    jan_2 = ms(date(2027, 1, 2), 0, 30)
    set_clock(monkeypatch, "2027-01-02T00:30:00Z")
    since = jan_1 - 7 * DAY_MS
    with HttpMocker() as http_mocker:
        http_mocker.post(RequestBuilder.token().build(), token_response())
        mock_chunk(http_mocker, *october, [], ingested=(since, jan_2))
        mock_chunk(http_mocker, december, date(2026, 12, 25), [], ingested=(since, jan_2))
        mock_chunk(http_mocker, date(2026, 12, 26), date(2027, 7, 1), [])
        third = read_streams(config, sync_mode=INCREMENTAL, state=state_messages(final_state(second, "activity")))
        third_queries = _queries(http_mocker)
    assert not third.errors
    assert [q.get("ingested-from") for q in third_queries] == ["2026-12-24", "2026-12-24", None]
    assert records_of(third, "activity") == []
    # A read that returns nothing moves no cursor (the CDK's cursors move with the records they
    # see): the next sync asks again from the last read that returned something, minus lookback_days.
    assert final_state(third, "activity")["state"] == {"synced_at": str(jan_1)}


# --------------------------------------------------------------------------------------------
# When People.ai seems to ignore ingested-from/ingested-to (source_peopleai's fast path warns)
# --------------------------------------------------------------------------------------------

INGESTION_IGNORED = "People.ai seems to ignore ingested-from/ingested-to"


def ingestion_warnings(output) -> List[str]:
    return [log.log.message for log in output.logs if log.log.message.startswith(INGESTION_IGNORED)]


def test_given_api_ignores_the_ingestion_window_when_read_from_state_then_keeps_the_window_and_warns_once(
    run_path: str,
) -> None:
    last_read = NOW_MS - DAY_MS
    since = last_read - 7 * DAY_MS
    whole_chunk = [
        at("ingested-long-ago", ms(days_ago(9), 9), ingested_at=ms(days_ago(9), 9) + 60_000 - 300 * DAY_MS),
        at("ingested-today", ms(days_ago(8), 9), ingested_at=NOW_MS - HOUR_MS),
    ]
    with HttpMocker() as http_mocker:
        http_mocker.post(RequestBuilder.token().build(), token_response())
        mock_chunk(http_mocker, days_ago(9), days_ago(8), whole_chunk, ingested=(since, NOW_MS))
        mock_current(http_mocker, CURRENT, [])

        output = read_streams(
            _config(),
            sync_mode=INCREMENTAL,
            state=state_messages(stream_state([(JUNE_CHUNK, last_read), (CURRENT_PARTITION, last_read)], last_read)),
        )

    # Exact either way: only what was ingested in the window is kept.
    assert uids(records_of(output, "activity")) == ["ingested-today"]
    if run_path == "manifest_only":
        return  # the manifest has no way to log (README, Limitations)
    assert ingestion_warnings(output) == [
        f"People.ai seems to ignore ingested-from/ingested-to: the activity read of what was ingested "
        f"from 2026-06-07 to 2026-06-15 was answered with a record ingested on 2025-08-10. Every record "
        "is still delivered once (each read keeps only what was ingested in its window), but every "
        "incremental sync reads every chunk whole. Logged once per stream."
    ]


def test_given_records_an_honoured_ingestion_window_can_return_in_any_zone_then_no_warning() -> None:
    # Asked from the day before the window to two days after it: read in UTC+14 the window starts
    # up to 38 hours early; such records are dropped, but they are no sign of an ignored window.
    last_read = NOW_MS - DAY_MS
    since = last_read - 7 * DAY_MS
    with HttpMocker() as http_mocker:
        http_mocker.post(RequestBuilder.token().build(), token_response())
        mock_chunk(
            http_mocker, days_ago(9), days_ago(8),
            [at("early-in-a-far-zone", ms(days_ago(9)), ingested_at=since - 38 * HOUR_MS)],
            ingested=(since, NOW_MS),
        )
        mock_current(http_mocker, CURRENT, [])

        output = read_streams(
            _config(),
            sync_mode=INCREMENTAL,
            state=state_messages(stream_state([(JUNE_CHUNK, last_read), (CURRENT_PARTITION, last_read)], last_read)),
        )

    assert records_of(output, "activity") == []
    assert ingestion_warnings(output) == []
