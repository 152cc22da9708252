"""Fault configuration (validation of the fault JSON) and the fault engine that applies it.

The engine holds the per-configuration counters (burst rules, token fault queue, rate-limit
windows). It is not thread-safe on its own: ``State`` calls it under its lock.
"""

from __future__ import annotations

import json
from collections import deque
from typing import Any

__all__ = ["FaultConfigError", "FAULT_KEYS", "validate_faults", "parse_faults_json", "FaultEngine"]


class FaultConfigError(ValueError):
    """The fault JSON is not valid."""


FAULT_KEYS = (
    "latency_ms",
    "latency_ms_per_record",
    "bursts",
    "fail_always",
    "token_ttl_requests",
    "token_ttl_seconds",
    "expires_in",
    "token_faults",
    "rate_limit",
    "bare_list",
    "wrong_shape",
    "forbidden_paths",
)


def _is_int(v: Any) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


def _is_num(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def check_keys(where: str, obj: Any, allowed: tuple[str, ...], error: type[Exception] = FaultConfigError) -> None:
    if not isinstance(obj, dict):
        raise error(f"{where} must be a JSON object")
    unknown = sorted(set(obj) - set(allowed))
    if unknown:
        raise error(f"{where}: unknown key(s) {unknown}; allowed: {list(allowed)}")


def _status(where: str, v: Any) -> int | str:
    if v == "drop":
        return "drop"
    if _is_int(v) and 400 <= v <= 599:
        return v
    raise FaultConfigError(f'{where}.status must be an HTTP status 400..599 or "drop", got {v!r}')


def _paths(where: str, v: Any) -> list[str] | None:
    if v is None:
        return None
    if not isinstance(v, list) or not all(isinstance(p, str) for p in v):
        raise FaultConfigError(f"{where} must be null or a list of path strings")
    return list(v)


def _retry_after(where: str, v: Any) -> int | float | None:
    if v is None:
        return None
    if _is_num(v) and v >= 0:
        return v
    raise FaultConfigError(f"{where}.retry_after must be null or a number of seconds >= 0")


def _opt_int(name: str, v: Any, minimum: int) -> int | None:
    if v is None:
        return None
    if _is_int(v) and v >= minimum:
        return v
    raise FaultConfigError(f"{name} must be null or an integer >= {minimum}, got {v!r}")


def validate_faults(raw: Any) -> dict:
    """Check a fault object and return it normalized (every key present)."""
    if raw is None:
        raw = {}
    check_keys("faults", raw, FAULT_KEYS)
    out: dict[str, Any] = {}

    latency = raw.get("latency_ms", 0)
    if latency is None:
        latency = 0
    if not _is_num(latency) or latency < 0:
        raise FaultConfigError("latency_ms must be a number >= 0")
    out["latency_ms"] = latency

    per_record = raw.get("latency_ms_per_record", 0)
    if per_record is None:
        per_record = 0
    if not _is_num(per_record) or per_record < 0:
        raise FaultConfigError("latency_ms_per_record must be a number >= 0")
    out["latency_ms_per_record"] = per_record

    bursts = raw.get("bursts") or []
    if not isinstance(bursts, list):
        raise FaultConfigError("bursts must be a list of rules")
    out["bursts"] = []
    for n, rule in enumerate(bursts):
        where = f"bursts[{n}]"
        check_keys(where, rule, ("status", "every", "times", "retry_after", "paths"))
        if "status" not in rule:
            raise FaultConfigError(f"{where}.status is required")
        every = rule.get("every", 0)
        times = rule.get("times", 1)
        if not _is_int(every) or every < 0:
            raise FaultConfigError(f"{where}.every must be an integer >= 0")
        if not _is_int(times) or times < 1:
            raise FaultConfigError(f"{where}.times must be an integer >= 1")
        out["bursts"].append(
            {
                "status": _status(where, rule["status"]),
                "every": every,
                "times": times,
                "retry_after": _retry_after(where, rule.get("retry_after")),
                "paths": _paths(f"{where}.paths", rule.get("paths")),
            }
        )

    fa = raw.get("fail_always")
    if fa is not None:
        check_keys("fail_always", fa, ("status", "paths", "retry_after"))
        fa = {
            "status": _status("fail_always", fa.get("status", 500)),
            "paths": _paths("fail_always.paths", fa.get("paths")),
            "retry_after": _retry_after("fail_always", fa.get("retry_after")),
        }
    out["fail_always"] = fa

    out["token_ttl_requests"] = _opt_int("token_ttl_requests", raw.get("token_ttl_requests"), 1)
    ttl_s = raw.get("token_ttl_seconds")
    if ttl_s is not None and (not _is_num(ttl_s) or ttl_s <= 0):
        raise FaultConfigError("token_ttl_seconds must be null or a number > 0")
    out["token_ttl_seconds"] = ttl_s
    exp = raw.get("expires_in")
    if exp is not None and (not _is_num(exp) or exp < 0):
        raise FaultConfigError("expires_in must be null or a number >= 0")
    out["expires_in"] = exp

    tfs = raw.get("token_faults") or []
    if not isinstance(tfs, list):
        raise FaultConfigError("token_faults must be a list of rules")
    out["token_faults"] = []
    for n, rule in enumerate(tfs):
        where = f"token_faults[{n}]"
        check_keys(where, rule, ("status", "times", "retry_after"))
        if "status" not in rule:
            raise FaultConfigError(f"{where}.status is required")
        times = rule.get("times", 1)
        if not _is_int(times) or times < 1:
            raise FaultConfigError(f"{where}.times must be an integer >= 1")
        out["token_faults"].append(
            {
                "status": _status(where, rule["status"]),
                "times": times,
                "retry_after": _retry_after(where, rule.get("retry_after")),
            }
        )

    rl = raw.get("rate_limit")
    if rl is not None:
        check_keys("rate_limit", rl, ("rps", "concurrent"))
        rl = {
            "rps": _opt_int("rate_limit.rps", rl.get("rps"), 1),
            "concurrent": _opt_int("rate_limit.concurrent", rl.get("concurrent"), 1),
        }
    out["rate_limit"] = rl

    for key in ("bare_list", "wrong_shape"):
        v = raw.get(key, False)
        if v is None:
            v = False
        if not isinstance(v, bool):
            raise FaultConfigError(f"{key} must be true or false")
        out[key] = v
    if out["bare_list"] and out["wrong_shape"]:
        raise FaultConfigError("bare_list and wrong_shape cannot both be true")

    out["forbidden_paths"] = _paths("forbidden_paths", raw.get("forbidden_paths")) or []
    return out


def parse_faults_json(text: str) -> dict:
    try:
        raw = json.loads(text) if text.strip() else {}
    except json.JSONDecodeError as exc:
        raise FaultConfigError(f"faults are not valid JSON: {exc}") from None
    return validate_faults(raw)


class FaultEngine:
    """Applies one validated fault configuration; a new configuration gets a new engine."""

    def __init__(self, faults: dict) -> None:
        self.config = faults
        self.burst_state = [
            {"served": 0, "pending": r["times"] if r["every"] == 0 else 0} for r in faults["bursts"]
        ]
        self.token_fault_queue = [dict(r) for r in faults["token_faults"]]
        self.windows: dict[str, deque] = {}
        self.forbidden_paths = frozenset(faults["forbidden_paths"])

    def token_fault(self) -> dict | None:
        """The rule the next token request must fail with, if any (consumes one)."""
        if not self.token_fault_queue:
            return None
        rule = self.token_fault_queue[0]
        rule["times"] -= 1
        if rule["times"] <= 0:
            self.token_fault_queue.pop(0)
        return rule

    def forbidden(self, path: str) -> bool:
        return path in self.forbidden_paths

    def rate_limited(self, client: str, now: float, in_flight: int) -> bool:
        """True: answer 429. False: the request is accepted (and counted in the window)."""
        rl = self.config["rate_limit"]
        if rl is None:
            return False
        win = self.windows.get(client)
        if win is None:
            win = self.windows[client] = deque()
        cutoff = now - 1.0
        while win and win[0] <= cutoff:
            win.popleft()
        if (rl["rps"] is not None and len(win) >= rl["rps"]) or (
            rl["concurrent"] is not None and in_flight >= rl["concurrent"]
        ):
            return True
        win.append(now)
        return False

    def server_fault(self, path: str) -> tuple[int | str, Any] | None:
        """``(status, retry_after)`` of an injected fault for this request, or None."""
        fa = self.config["fail_always"]
        if fa is not None and (fa["paths"] is None or path in fa["paths"]):
            return fa["status"], fa["retry_after"]
        rules = self.config["bursts"]
        if not rules:
            return None
        matching = [
            (rule, st)
            for rule, st in zip(rules, self.burst_state)
            if rule["paths"] is None or path in rule["paths"]
        ]
        for rule, st in matching:
            if st["pending"] > 0:
                st["pending"] -= 1
                return rule["status"], rule["retry_after"]
        # served normally: advance every matching rule
        for rule, st in matching:
            if rule["every"] > 0:
                st["served"] += 1
                if st["served"] >= rule["every"]:
                    st["served"] = 0
                    st["pending"] = rule["times"]
        return None
