"""The API surface: paths, the stream each one serves, and its filters."""

from __future__ import annotations

TOKEN_PATH = "/auth/v1/tokens"
PUBLIC_PREFIX = "/v0/public/"
ACTIVITIES_PATH = "/v0/public/activities"
PARTICIPANTS_PATH = "/v0/public/activities/participants"

# activity-time filtered streams
ACTIVITY_ENDPOINTS = {ACTIVITIES_PATH: "activities", PARTICIPANTS_PATH: "participants"}

# path -> (stream, {query parameter: (record field, "int" | "str")})
OBJECT_ENDPOINTS: dict[str, tuple[str, dict[str, tuple[str, str]]]] = {
    "/v0/public/accounts": ("accounts", {"type": ("type", "str")}),
    "/v0/public/opportunities": ("opportunities", {"account-id": ("account_id", "int"), "type": ("type", "str")}),
    "/v0/public/contacts": ("contacts", {"job-title": ("job_title", "str")}),
    "/v0/public/leads": ("leads", {"job-title": ("job_title", "str")}),
    "/v0/public/teams": ("teams", {"parent-team-id": ("parent_team_id", "int")}),
    "/v0/public/team-members": ("team_members", {"member-job-title": ("job_title", "str")}),
}

# path -> (stream, id filter parameter)
ENGAGEMENT_ENDPOINTS: dict[str, tuple[str, str]] = {
    "/v0/public/accounts/insights/engagement": ("accounts_engagement", "account-id"),
    "/v0/public/opportunities/insights/engagement": ("opportunities_engagement", "opportunity-id"),
    "/v0/public/contacts/insights/engagement": ("contacts_engagement", "contact-id"),
    "/v0/public/leads/insights/engagement": ("leads_engagement", "lead-id"),
}

DATA_PATHS = (*ACTIVITY_ENDPOINTS, *OBJECT_ENDPOINTS, *ENGAGEMENT_ENDPOINTS)

# stream name -> path
STREAM_PATHS = {
    **{stream: path for path, stream in ACTIVITY_ENDPOINTS.items()},
    **{stream: path for path, (stream, _f) in OBJECT_ENDPOINTS.items()},
    **{stream: path for path, (stream, _p) in ENGAGEMENT_ENDPOINTS.items()},
}
OBJECT_FILTERS = {stream: filters for _path, (stream, filters) in OBJECT_ENDPOINTS.items()}
ENGAGEMENT_ID_PARAMS = {stream: param for _path, (stream, param) in ENGAGEMENT_ENDPOINTS.items()}
