"""`subject` becomes `api_subject`, with exactly the value People.ai sent."""

from __future__ import annotations

from typing import Any, Dict, List

import pytest
from airbyte_cdk.test.mock_http import HttpMocker

from unit_tests.chunks import NOW_MS
from unit_tests.config import ConfigBuilder
from unit_tests.harness import read_streams, records_of
from unit_tests.request_builder import RequestBuilder
from unit_tests.response_builder import (
    activity,
    load_fixture,
    page_response,
    participant,
    token_response,
)

TRICKY_SUBJECTS = {
    "numeric": "123",
    "float_exponent": "1e3",
    "list_literal": "[1, 2]",
    "none_word": "None",
    "empty": "",
    "jinja_expression": "{{ x }}",
    "jinja_statement": "{% if true %}yes{% endif %}",
    "single_quoted": "'quoted'",
    "unicode": "Café ☕ 会議 🚀 Grüße",
    "newline": "Line one\nline two",
    "long": "Quarterly business review: " + "pricing, legal review and rollout plan; " * 120,
    "boolean_word": "True",
    "dict_literal": "{'a': 1}",
    "leading_space": " leading space",
    "quotes_and_backslash": 'Tab\tand "quotes" and \\backslash',
    "percent_format": "100% %s %r done",
}


def _read_activities(records: List[Dict[str, Any]]) -> List[Dict[str, Any]]:
    with HttpMocker() as http_mocker:
        http_mocker.post(RequestBuilder.token().build(), token_response())
        http_mocker.get(
            RequestBuilder.activities().with_limit(1000).with_offset(0).build(),
            page_response(records),
        )
        output = read_streams(ConfigBuilder().build())
    assert not output.errors
    return records_of(output, "activity")


@pytest.mark.parametrize("subject", list(TRICKY_SUBJECTS.values()), ids=list(TRICKY_SUBJECTS))
def test_rename_keeps_the_subject_value_exactly_as_sent(subject: str) -> None:
    (record,) = _read_activities([activity("act-1", subject=subject)])

    assert record["api_subject"] == subject
    assert type(record["api_subject"]) is str
    assert "subject" not in record


def test_given_null_subject_beside_a_subject_when_read_then_only_that_one_gets_api_subject() -> None:
    # The subject "x" on the same page shows that the rename ran; the null one must not come out
    # as the text "None" (the CDK leaves top-level nulls out of the records it emits).
    with_subject, null_subject = _read_activities(
        [activity("act-x", subject="x"), activity("act-null", subject=None)]
    )

    assert with_subject["api_subject"] == "x"
    assert "subject" not in with_subject
    assert null_subject.get("api_subject") is None
    assert "subject" not in null_subject


def test_given_absent_subject_beside_a_subject_when_read_then_only_that_one_gets_api_subject() -> None:
    without_subject = activity("act-absent")
    del without_subject["subject"]

    with_subject, absent_subject = _read_activities([activity("act-x", subject="x"), without_subject])

    assert with_subject["api_subject"] == "x"
    assert "subject" not in with_subject
    assert "api_subject" not in absent_subject
    assert "subject" not in absent_subject


def test_rename_leaves_nested_subject_and_similar_keys_untouched() -> None:
    (record,) = _read_activities(
        [
            activity(
                "act-1",
                subject="Top-level subject",
                matched_to={"type": "opportunity", "subject": "Nested subject", "id": "opp-1"},
                subject_length=17,
                email_subject="Other key",
            )
        ]
    )

    assert record["api_subject"] == "Top-level subject"
    assert record["matched_to"] == {"type": "opportunity", "subject": "Nested subject", "id": "opp-1"}
    assert record["subject_length"] == 17
    assert record["email_subject"] == "Other key"
    assert "subject" not in record


def test_rename_keeps_every_other_field_of_the_fixture_page() -> None:
    sent = load_fixture("activities")["data"]

    received = _read_activities(sent)

    # Top-level nulls are dropped by the CDK's record serializer, so compare without them; the
    # connector adds synced_at, the time of the read (now: the clock is frozen).
    expected = []
    for record in sent:
        renamed = {key: value for key, value in record.items() if key != "subject" and value is not None}
        renamed["api_subject"] = record["subject"]
        renamed["synced_at"] = NOW_MS
        expected.append(renamed)
    assert received == expected


def test_given_participant_rows_with_subject_when_read_then_renamed_too() -> None:
    with HttpMocker() as http_mocker:
        http_mocker.post(RequestBuilder.token().build(), token_response())
        http_mocker.get(
            RequestBuilder.participants().with_limit(1000).with_offset(0).build(),
            page_response(
                [
                    participant("act-1", "jane@acme.example", subject="123"),
                    participant("act-1", "sam@seller.example"),
                ]
            ),
        )
        output = read_streams(ConfigBuilder().build(), "participants")

    records = records_of(output, "participants")
    assert not output.errors
    assert [r.get("api_subject") for r in records] == ["123", None]
    assert all("subject" not in r for r in records)


def test_when_both_streams_read_then_no_record_keeps_a_top_level_subject() -> None:
    with HttpMocker() as http_mocker:
        http_mocker.post(RequestBuilder.token().build(), [token_response(), token_response()])
        http_mocker.get(
            RequestBuilder.activities().with_limit(1000).with_offset(0).build(),
            page_response([activity(f"act-{i}", subject=s) for i, s in enumerate(TRICKY_SUBJECTS.values())]
                          + [activity("act-null", subject=None)]),
        )
        http_mocker.get(
            RequestBuilder.participants().with_limit(1000).with_offset(0).build(),
            page_response([participant("act-1", "jane@acme.example", subject="Sync on onboarding"),
                           participant("act-1", "sam@seller.example", subject=None)]),
        )
        output = read_streams(ConfigBuilder().build(), "activity", "participants")

    assert not output.errors
    assert len(output.records) == len(TRICKY_SUBJECTS) + 1 + 2
    assert [m.record.stream for m in output.records if "subject" in m.record.data] == []
