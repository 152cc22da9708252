"""Teams and team members (the users that own activities: ``user_id`` = member ``id``)."""

from __future__ import annotations

import random

from .common import (
    MEMBER_TITLES, N_MEMBERS, PERSONS, TEAM_ID0, USER_ID0, crm_id, member_crm, member_person,
)

# (name, index of the parent in this list or None); team i has id TEAM_ID0 + i
_TEAMS = [
    ("Sales", None),
    ("Americas", 0), ("EMEA", 0), ("APAC", 0),
    ("Americas Enterprise", 1), ("Americas Mid-Market", 1), ("Americas SMB", 1),
    ("EMEA Enterprise", 2), ("EMEA Commercial", 2),
    ("APAC Enterprise", 3), ("APAC Commercial", 3),
    ("Sales Development", 0),
    ("Customer Success", None),
]
_LEAF_TEAMS = [4, 5, 6, 7, 8, 9, 10, 11, 12]
_REGIONS = {1: "AMER", 2: "EMEA", 3: "APAC"}
_PROFILES = [(501, "Sales User"), (502, "Sales Manager"), (503, "System Administrator")]
_ROLE_NAMES = ["Account Executive", "Manager", "SDR", "Solutions Engineer", "CSM", "Executive"]


def _full_name(i: int) -> str:
    name, parent = _TEAMS[i]
    return name if parent is None else f"{_full_name(parent)} / {name}"


def _region(i: int) -> str | None:
    while i is not None:
        if i in _REGIONS:
            return _REGIONS[i]
        i = _TEAMS[i][1]
    return None


def build_teams(seed: int, end_ms: int, timestamps: str = "epoch_ms") -> list[dict]:
    return [
        {
            "id": TEAM_ID0 + i,
            "crm_id": crm_id("00E", TEAM_ID0 + i, seed),
            "name": name,
            "full_name": _full_name(i),
            "parent_team_id": None if parent is None else TEAM_ID0 + parent,
        }
        for i, (name, parent) in enumerate(_TEAMS)
    ]


def build_team_members(seed: int, end_ms: int, timestamps: str = "epoch_ms") -> list[dict]:
    rng = random.Random(f"team-members:{seed}")
    rnd = rng.random
    out = []
    for k in range(N_MEMBERS):
        first, last, full, email = PERSONS[member_person(k)]
        t = _LEAF_TEAMS[k % len(_LEAF_TEAMS)] if k % 10 else k // 10 % 4  # every 10th on an upper team
        team_name, parent = _TEAMS[t]
        title_i = int(rnd() * len(MEMBER_TITLES))
        profile_id, profile_name = _PROFILES[0 if title_i != 2 else 1] if k % 40 else _PROFILES[2]
        rec = {
            "id": USER_ID0 + k,
            "crm_id": member_crm(k, seed),
            "first_name": first,
            "last_name": last,
            "full_name": full,
            "email": email,
            "job_title": MEMBER_TITLES[title_i],
            "role": {
                "crm_id": crm_id("00R", 700 + title_i, seed),
                "name": _ROLE_NAMES[title_i],
                "status": "active",
            },
            "active": k % 23 != 7,
            "deleted": k % 59 == 31,
            "suspended": k % 31 == 19,
            "team_id": TEAM_ID0 + t,
            "team_crm_id": crm_id("00E", TEAM_ID0 + t, seed),
            "team_name": team_name,
            "team_full_name": _full_name(t),
            "parent_team_id": None if parent is None else TEAM_ID0 + parent,
            "profile_id": profile_id,
            "profile_name": profile_name,
            # organisation-specific custom fields
            "custom_area": ["West", "East", "Central", "North", "South"][k % 5],
            "custom_region": _region(t),
        }
        if k % 3 == 0:
            rec["custom_quota"] = 250_000 + 50_000 * int(rnd() * 10)
        out.append(rec)
    return out
