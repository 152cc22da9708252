"""The HTTP requests the connector is expected to send, one builder method per endpoint."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from typing import Dict, List, Optional, Tuple
from urllib.parse import parse_qs, urlencode, urlsplit

from airbyte_cdk.test.mock_http import HttpMocker, HttpRequest

from unit_tests.config import API_KEY, API_SECRET, BASE_URL, HORIZON, START_DATE

TOKEN_PATH = "/auth/v1/tokens"
ACTIVITIES_PATH = "/v0/public/activities"
PARTICIPANTS_PATH = "/v0/public/activities/participants"
# The streams without date windows, and their endpoints.
OBJECT_PATHS = {
    "accounts": "/v0/public/accounts",
    "opportunities": "/v0/public/opportunities",
    "contacts": "/v0/public/contacts",
    "leads": "/v0/public/leads",
    "teams": "/v0/public/teams",
    "team_members": "/v0/public/team-members",
}
ENGAGEMENT_PATHS = {
    "account_engagement": "/v0/public/accounts/insights/engagement",
    "opportunity_engagement": "/v0/public/opportunities/insights/engagement",
    "contact_engagement": "/v0/public/contacts/insights/engagement",
    "lead_engagement": "/v0/public/leads/insights/engagement",
}


def chunk_query(
    first_day: date = START_DATE,
    last_day: date = HORIZON,
    ingested: Optional[Tuple[int, int]] = None,
    include_deleted: bool = False,
) -> Dict[str, str]:
    """The date parameters of a request for activities dated [first_day, last_day] (UTC days, both
    included) and, when `ingested` = (first_ms, last_ms) is given, ingested in that window.

    The connector asks a day more before each range and two more after it, so that neither the
    API's time zone nor an exclusive `to` can cut a record off.
    """
    query = {
        "from": (first_day - timedelta(days=1)).isoformat(),
        "to": (last_day + timedelta(days=2)).isoformat(),
        "time-zone": "UTC",
    }
    if ingested is not None:
        first_ms, last_ms = ingested
        query["ingested-from"] = (utc_day(first_ms) - timedelta(days=1)).isoformat()
        query["ingested-to"] = (utc_day(last_ms) + timedelta(days=2)).isoformat()
    if include_deleted:
        query["include-deleted"] = "true"
    return query


def utc_day(epoch_ms: int) -> date:
    return datetime.fromtimestamp(epoch_ms / 1000, timezone.utc).date()


class RequestBuilder:
    @classmethod
    def token(
        cls, base_url: str = BASE_URL, api_key: str = API_KEY, api_secret: str = API_SECRET
    ) -> "RequestBuilder":
        """POST of the client-credentials form; the body must match exactly, field for field."""
        body = urlencode(
            {"grant_type": "client_credentials", "client_id": api_key, "client_secret": api_secret}
        )
        return cls(base_url, TOKEN_PATH, body=body)

    @classmethod
    def activities(cls, base_url: str = BASE_URL) -> "RequestBuilder":
        """A page of the one chunk ConfigBuilder's default start_date makes: the current chunk,
        from start_date to 180 days ahead, read whole."""
        return cls(base_url, ACTIVITIES_PATH).with_chunk(START_DATE, HORIZON)

    @classmethod
    def participants(cls, base_url: str = BASE_URL) -> "RequestBuilder":
        return cls(base_url, PARTICIPANTS_PATH).with_chunk(START_DATE, HORIZON)

    @classmethod
    def objects(cls, stream: str, base_url: str = BASE_URL) -> "RequestBuilder":
        """A page of accounts, opportunities, contacts, leads, teams or team_members: no dates."""
        return cls(base_url, OBJECT_PATHS[stream])

    @classmethod
    def engagement(cls, stream: str, first_day: date, last_day: date, base_url: str = BASE_URL) -> "RequestBuilder":
        """A page of an engagement stream's window [first_day, last_day]: a day more each side."""
        builder = cls(base_url, ENGAGEMENT_PATHS[stream])
        builder._query_params.update(
            {
                "from": (first_day - timedelta(days=1)).isoformat(),
                "to": (last_day + timedelta(days=1)).isoformat(),
                "time-zone": "UTC",
            }
        )
        return builder

    def __init__(self, base_url: str, path: str, body: Optional[str] = None) -> None:
        self._url = f"{base_url}{path}"
        self._body = body
        self._query_params: Dict[str, str] = {}
        self._headers: Dict[str, str] = {}

    def with_chunk(
        self,
        first_day: date,
        last_day: date,
        ingested: Optional[Tuple[int, int]] = None,
        include_deleted: bool = False,
    ) -> "RequestBuilder":
        """The date parameters for activities dated [first_day, last_day], optionally ingested
        in the window `ingested` = (first_ms, last_ms): see chunk_query."""
        self._query_params.update(chunk_query(first_day, last_day, ingested, include_deleted))
        return self

    def with_limit(self, limit: int) -> "RequestBuilder":
        self._query_params["limit"] = str(limit)
        return self

    def with_offset(self, offset: int) -> "RequestBuilder":
        self._query_params["offset"] = str(offset)
        return self

    def with_access_token(self, access_token: str) -> "RequestBuilder":
        self._headers["Authorization"] = f"Bearer {access_token}"
        return self

    def build(self) -> HttpRequest:
        # HttpRequest compares the whole query string: a request with any other parameter, or
        # without one of these, does not match.
        return HttpRequest(
            url=self._url,
            query_params=dict(self._query_params) or None,
            headers=dict(self._headers) or None,
            body=self._body,
        )


class SentRequest:
    """One request as the connector sent it, as recorded by the HTTP mock."""

    def __init__(self, method: str, url: str, headers: Dict[str, str], body: Optional[str]) -> None:
        self.method = method
        self.url = url
        parts = urlsplit(url)
        self.path = parts.path
        self.query = {key: values[0] for key, values in parse_qs(parts.query).items()}
        self.headers = headers
        self.body = body

    @property
    def form(self) -> Dict[str, List[str]]:
        return parse_qs(self.body or "", keep_blank_values=True)

    def page(self) -> Tuple[Optional[str], Optional[str]]:
        return self.query.get("limit"), self.query.get("offset")

    def window(self) -> Tuple[Optional[str], Optional[str], Optional[str]]:
        return self.query.get("from"), self.query.get("to"), self.query.get("time-zone")

    def ingestion_window(self) -> Tuple[Optional[str], Optional[str]]:
        return self.query.get("ingested-from"), self.query.get("ingested-to")


def sent_requests(http_mocker: HttpMocker, path: Optional[str] = None) -> List[SentRequest]:
    """Every request that reached the mock, in order (optionally only those to `path`).

    HttpMocker has no public request history; its requests_mock Mocker keeps one.
    """
    history = http_mocker._mocker.request_history  # noqa: SLF001 - see docstring
    requests = []
    for request in history:
        body = request.body.decode() if isinstance(request.body, bytes) else request.body
        requests.append(SentRequest(request.method, request.url, dict(request.headers), body))
    return [r for r in requests if path is None or r.path == path]
