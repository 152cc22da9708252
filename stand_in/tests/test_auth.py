"""Token endpoint and bearer-token checks."""

from __future__ import annotations

import json

import pytest

from stand_in.tests.helpers import ACTS, PARTS, assert_error, call, get, get_token, token_call


def test_token_success(api):
    r = token_call(api)
    assert r.status == 200
    assert r.headers["Content-Type"] == "application/json"
    body = r.json()
    assert body["token_type"] == "bearer"
    assert body["expires_in"] == 7200
    assert isinstance(body["access_token"], str) and len(body["access_token"]) > 20
    second = get_token(api)
    assert second != body["access_token"]
    # issuing a new token does not revoke the old one
    assert get(api, ACTS, body["access_token"], limit=1).status == 200
    assert get(api, ACTS, second, limit=1).status == 200


@pytest.mark.parametrize(
    "fields",
    [
        {"client_secret": "wrong"},
        {"client_id": "someone-else"},
        {"client_secret": None},
        {"client_id": None, "client_secret": None},
        {"grant_type": "password"},
        {"grant_type": None},
    ],
)
def test_token_rejected(api, fields):
    r = token_call(api, **fields)
    assert r.status == 401
    body = r.json()
    assert body["error"] == "invalid_client"
    assert body["error_description"]


def test_token_stats_record_field_names_not_secret(api):
    token_call(api)
    token_call(api, client_secret="wrong")
    stats = api.stats()
    assert stats["token_requests"] == 2
    assert stats["token_form_fields"] == ["client_id", "client_secret", "grant_type"]
    text = json.dumps(stats)
    assert api.client_secret not in text and "wrong" not in text


@pytest.mark.parametrize("auth", [None, "Bearer nope", "Bearer ", "Basic abc", "nope"])
@pytest.mark.parametrize("path", [ACTS, PARTS, "/v0/public/accounts", "/v0/public/leads/insights/engagement"])
def test_data_requires_valid_token(api, auth, path):
    headers = {"Authorization": auth} if auth is not None else {}
    r = call(api, "GET", path, headers=headers)
    body = assert_error(r, 401)
    assert body["path"] == path
    assert r.headers["WWW-Authenticate"].startswith("Bearer")
