"""Runs the checks of Airbyte's connector-builder tooling on manifest.yaml against the stand-in.

    make readiness                      # or: python3 scripts/readiness_check.py [--help]

Airbyte ships the tooling behind its AI-assisted connector work as the PyPI package
`airbyte-connector-builder-mcp` (an MCP server). Its tools are plain Python functions; this
script calls them directly, with no MCP client:

1. Creates `.venv-readiness` (Python 3.11) if it is missing, installs the package (pinned, with
   this project's airbyte-cdk range; about 410 MB, under a minute) and runs itself again inside.
   The stand-in needs nothing installed; this project is not installed there.
2. Copies manifest.yaml into a fresh temporary folder and works on that copy: the readiness
   report is written beside the manifest it is given (connector-readiness-report.md), and the
   tool's session files go to CONNECTOR_BUILDER_MCP_SESSIONS_DIR, set to the same folder.
3. Starts the stand-in API, then in a child process (so that the CDK's JSON log lines land in
   tool-output.txt in that folder, not on the screen) calls, from
   connector_builder_mcp.build_strategies.declarative_yaml_v1.manifest_tests:
   - validate_manifest(ctx, manifest=PATH);
   - execute_dynamic_manifest_resolution_test(ctx, manifest=PATH, config=CONFIG);
   - execute_stream_test_read(ctx, stream_name=S, manifest=PATH, config=CONFIG) for every stream
     of the resolved manifest, with the tool's default max_records (10);
   - run_connector_readiness_test_report(ctx, manifest=PATH, config=CONFIG), with no stream list
     (the tool's recommended call: it finds the streams itself) and its default max_records.
   While the report runs, execute_stream_test_read and the CDK's read_stream are wrapped to record
   what each of the report's reads returned (its error logs, whether a test-read limit was hit):
   the report's verdict ignores both. Nothing the tool receives or returns is changed.
4. Stops the stand-in (by pid, also on failure), prints the report and a summary. Exits 1 unless
   the manifest is valid and resolves, every stream's test read and every read of the report
   returned at least one record with no error and no ERROR log, the report says passed for every
   stream of the manifest, and every read of the report returned exactly the records the
   stand-in holds (a check of ours: the tool counts records but compares them with nothing).
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import traceback
from pathlib import Path
from typing import Any, Dict, List, Optional

import own_venv  # scripts/own_venv.py: the venv of its own this check runs in

REPO_ROOT = Path(__file__).resolve().parent.parent
MANIFEST = REPO_ROOT / "manifest.yaml"
DEFAULT_VENV = REPO_ROOT / ".venv-readiness"
# The tool's functions live in an internal module (not a public API), so
# the version is pinned; --package overrides it. The CDK range is this project's (pyproject.toml).
PACKAGE = "airbyte-connector-builder-mcp==0.7.2"
CDK = "airbyte-cdk>=7.37.0,<8"
TOOL_MODULE = "connector_builder_mcp.build_strategies.declarative_yaml_v1.manifest_tests"
CREDENTIALS = {"api_key": "demo-api-key", "api_secret": "demo-api-secret"}
# The stand-in's name for the records each stream reads (GET /_control/dataset?stream=...).
DATASETS = {
    "activity": "activities",
    "participants": "participants",
    "accounts": "accounts",
    "opportunities": "opportunities",
    "contacts": "contacts",
    "leads": "leads",
    "teams": "teams",
    "team_members": "team_members",
    "account_engagement": "accounts_engagement",
    "opportunity_engagement": "opportunities_engagement",
    "contact_engagement": "contacts_engagement",
    "lead_engagement": "leads_engagement",
}


# ---------------------------------------------------------------------------------------------
# 1. The child: calls the tool's functions and writes what they returned to result.json
# ---------------------------------------------------------------------------------------------


def _non_info_logs(logs: Optional[List[Dict[str, Any]]]) -> List[Dict[str, str]]:
    return [
        {"level": str(log.get("level")), "message": str(log.get("message"))}
        for log in logs or []
        if str(log.get("level")).upper() not in ("INFO", "DEBUG", "TRACE")
    ]


def _summarise_read(result: Any, seconds: float, cdk_read: Optional[Dict[str, Any]]) -> Dict[str, Any]:
    return {
        "success": result.success,
        "message": result.message,
        "records": result.records_read,
        "errors": list(result.errors),
        "logs": _non_info_logs(result.logs),
        "schema_warnings": list(result.schema_warnings),
        "seconds": seconds,
        "cdk_read": cdk_read,
    }


def child(workdir: Path) -> None:
    import importlib.metadata
    import types

    mt = __import__(TOOL_MODULE, fromlist=["_"])
    from airbyte_cdk.connector_builder.connector_builder_handler import (
        create_source,
        full_resolve_manifest,
    )

    manifest_path = str(workdir / "manifest.yaml")
    config = json.loads((workdir / "config.json").read_text(encoding="utf-8"))
    # The tools only read ctx.session_id (to mark revisions of a session manifest; there is none).
    ctx = types.SimpleNamespace(session_id="readiness-check")
    out: Dict[str, Any] = {
        "versions": {
            name: importlib.metadata.version(name)
            for name in ("airbyte-connector-builder-mcp", "airbyte-cdk", "fastmcp")
        },
        "defaults": {
            "execute_stream_test_read.max_records":
                mt.execute_stream_test_read.__kwdefaults__["max_records"],
            "run_connector_readiness_test_report.max_records":
                mt.run_connector_readiness_test_report.__kwdefaults__["max_records"],
        },
    }

    def save() -> None:
        (workdir / "result.json").write_text(json.dumps(out, indent=2, default=str), encoding="utf-8")

    # What the CDK's read_stream returned, per stream, before the tool pops parts of it.
    cdk_reads: Dict[str, Dict[str, Any]] = {}
    original_read_stream = mt.read_stream

    def recording_read_stream(*args: Any, **kwargs: Any) -> Any:
        message = original_read_stream(*args, **kwargs)
        stream = kwargs["configured_catalog"].streams[0].stream.name
        limits = kwargs["limits"]
        data = message.record.data if message.record and message.record.data else {}
        slices = data.get("slices") or []
        cdk_reads[stream] = {
            "limits": {"max_records": limits.max_records, "max_slices": limits.max_slices,
                       "max_pages_per_slice": limits.max_pages_per_slice},
            "test_read_limit_reached": data.get("test_read_limit_reached"),
            "slices": len(slices),
            "most_pages_in_a_slice": max((len(s.get("pages") or []) for s in slices), default=0),
            "trace_error": (message.trace.error.message
                            if message.trace and message.trace.error else None),
        }
        return message

    mt.read_stream = recording_read_stream

    # 1. validate_manifest
    started = time.monotonic()
    try:
        v = mt.validate_manifest(ctx, manifest=manifest_path)
        out["validate"] = {"is_valid": v.is_valid, "errors": v.errors, "warnings": v.warnings}
    except Exception:
        out["validate"] = {"exception": traceback.format_exc()}
    out["validate"]["seconds"] = time.monotonic() - started
    save()

    # 2. execute_dynamic_manifest_resolution_test
    started = time.monotonic()
    resolved: Optional[Dict[str, Any]] = None
    try:
        r = mt.execute_dynamic_manifest_resolution_test(ctx, manifest=manifest_path, config=config)
        if isinstance(r, dict):
            resolved = r
            out["resolve"] = {
                "streams": [s.get("name") for s in r.get("streams", [])],
                "dynamic_streams": len(r.get("dynamic_streams") or []),
                "generated": [s.get("name") for s in r.get("streams", []) if s.get("dynamic_stream_name")],
            }
        else:
            # The tool drops the CDK's reason; ask the CDK the same question to show it.
            manifest_dict, _ = mt.parse_manifest_input(manifest_path)
            source_config = {**config, "__injected_declarative_manifest": manifest_dict}
            limits = mt.TestLimits(max_records=10, max_pages_per_slice=1, max_slices=1)
            message = full_resolve_manifest(create_source(source_config, limits), limits)
            reason = message.trace.error.message if message.trace and message.trace.error else None
            out["resolve"] = {"failed": r, "reason": reason}
    except Exception:
        out["resolve"] = {"exception": traceback.format_exc()}
    out["resolve"]["seconds"] = time.monotonic() - started
    save()

    # The streams: the CDK's names (resolved manifest); failing that, the top-level names.
    if resolved is not None:
        names = [s.get("name") for s in resolved.get("streams", [])]
    else:
        manifest_dict, _ = mt.parse_manifest_input(manifest_path)
        names = [s.get("name") or (s.get("$parameters") or {}).get("name")
                 for s in manifest_dict.get("streams", [])]
    out["stream_names"] = names

    # 3. execute_stream_test_read, every stream, the tool's default max_records
    out["test_reads"] = {}
    inferred: Dict[str, Any] = {}
    for name in names:
        started = time.monotonic()
        cdk_reads.pop(name, None)
        try:
            s = mt.execute_stream_test_read(
                ctx, stream_name=name, manifest=manifest_path, config=config,
                include_records_data=False, include_inferred_json_schema=True,
            )
            out["test_reads"][name] = _summarise_read(s, time.monotonic() - started, cdk_reads.get(name))
            inferred[name] = s.inferred_json_schema
        except Exception:
            out["test_reads"][name] = {"exception": traceback.format_exc(),
                                       "seconds": time.monotonic() - started}
        save()

    # The tool's schema comparison reads the stream's schema where the stream entry (after one
    # level of $ref) has it; the same comparison against the CDK's resolved manifest shows which
    # warnings are about the data and which come from the tool not resolving a nested $ref.
    if resolved is not None:
        out["schema_check_on_resolved_manifest"] = {
            name: mt._validate_schema_against_manifest(
                stream_name=name, manifest_dict=resolved, inferred_json_schema=inferred.get(name),
                records_read=out["test_reads"][name].get("records", 0),
            )
            for name in names if inferred.get(name)
        }

    # 4. run_connector_readiness_test_report, as recommended: no stream list
    observed: Dict[str, Dict[str, Any]] = {}
    original_test_read = mt.execute_stream_test_read

    def observing_test_read(*args: Any, **kwargs: Any) -> Any:
        stream = kwargs["stream_name"]
        started_read = time.monotonic()
        cdk_reads.pop(stream, None)
        result = original_test_read(*args, **kwargs)
        observed[stream] = _summarise_read(result, time.monotonic() - started_read, cdk_reads.get(stream))
        observed[stream]["max_records"] = kwargs.get("max_records")
        return result

    started = time.monotonic()
    mt.execute_stream_test_read = observing_test_read
    try:
        report = mt.run_connector_readiness_test_report(ctx, manifest=manifest_path, config=config)
        out["report"] = {"text": report}
    except Exception:
        out["report"] = {"exception": traceback.format_exc()}
    finally:
        mt.execute_stream_test_read = original_test_read
    out["report"]["seconds"] = time.monotonic() - started
    out["report"]["reads"] = observed
    report_file = workdir / "connector-readiness-report.md"
    out["report"]["file"] = str(report_file) if report_file.is_file() else None
    save()


# ---------------------------------------------------------------------------------------------
# 2. Reading the report and judging
# ---------------------------------------------------------------------------------------------


def parse_report(text: str) -> Dict[str, Any]:
    """The verdict and the per-stream sections of the tool's markdown report."""
    lines = text.splitlines()
    parsed: Dict[str, Any] = {"failed": any(l.startswith("# Connector Readiness Test Report - FAILED")
                                            for l in lines),
                              "streams": {}, "summary": {}}
    current: Optional[Dict[str, Any]] = None
    for line in lines:
        if line.startswith("- **") and current is None and "**: " in line:
            key, value = line[4:].split("**: ", 1)
            parsed["summary"][key] = value
        if line.startswith("**") and "**: " in line:  # the FAILED report's lines
            key, value = line[2:].split("**: ", 1)
            parsed["summary"][key] = value
        if line.startswith("### `"):
            name = line[5:line.index("`", 5)]
            current = {"passed": line.rstrip().endswith("✅"), "fields": {}}
            parsed["streams"][name] = current
        elif current is not None and line.startswith("- **") and "**: " in line:
            key, value = line[4:].split("**: ", 1)
            current["fields"][key] = value
    return parsed


def _levels(logs: List[Dict[str, str]], level: str) -> List[str]:
    return [l["message"] for l in logs if l["level"].upper() == level]


def judge(result: Dict[str, Any], expected: Dict[str, int], manifest_streams: int) -> List[str]:
    problems: List[str] = []
    v = result.get("validate", {})
    if "exception" in v:
        problems.append("validate_manifest raised:\n" + v["exception"])
    elif not v.get("is_valid"):
        problems.append(f"validate_manifest: not valid: {v.get('errors')}")

    r = result.get("resolve", {})
    if "exception" in r:
        problems.append("execute_dynamic_manifest_resolution_test raised:\n" + r["exception"])
    elif "failed" in r:
        problems.append(f"execute_dynamic_manifest_resolution_test: {r['failed']} ({r.get('reason')})")
    elif len(r.get("streams", [])) != manifest_streams:
        problems.append(f"execute_dynamic_manifest_resolution_test: {len(r['streams'])} streams, "
                        f"the manifest lists {manifest_streams}")

    names = result.get("stream_names", [])
    for name in names:
        read = result.get("test_reads", {}).get(name)
        if read is None:
            problems.append(f"execute_stream_test_read {name}: not run")
            continue
        if "exception" in read:
            problems.append(f"execute_stream_test_read {name} raised:\n{read['exception']}")
            continue
        problems += _read_problems(f"execute_stream_test_read {name}", read)

    rep = result.get("report", {})
    if "exception" in rep:
        problems.append("run_connector_readiness_test_report raised:\n" + rep["exception"])
        return problems
    if "text" not in rep:
        problems.append("run_connector_readiness_test_report: not run")
        return problems
    parsed = parse_report(rep["text"])
    if parsed["failed"]:
        problems.append("run_connector_readiness_test_report: the report says FAILED")
    passed = [n for n, s in parsed["streams"].items() if s["passed"]]
    if len(passed) != manifest_streams or set(passed) != set(names):
        problems.append(f"run_connector_readiness_test_report: passed {len(passed)} of "
                        f"{manifest_streams} streams ({sorted(passed)}); it tested "
                        f"{sorted(rep.get('reads', {}))}")
    for name, read in rep.get("reads", {}).items():
        problems += _read_problems(f"report's read of {name}", read)
        if name in expected and read.get("records") != expected[name]:
            problems.append(f"report's read of {name}: {read.get('records')} records, "
                            f"the stand-in holds {expected[name]}")
    return problems


def _read_problems(label: str, read: Dict[str, Any]) -> List[str]:
    problems = []
    if not read["success"]:
        problems.append(f"{label}: not successful: {read['message']}")
    if read["errors"]:
        problems.append(f"{label}: errors: {read['errors']}")
    for message in _levels(read["logs"], "ERROR"):
        problems.append(f"{label}: ERROR log: {message[:400]}")
    if read["records"] < 1:
        problems.append(f"{label}: no records")
    return problems


# ---------------------------------------------------------------------------------------------
# 3. Printing
# ---------------------------------------------------------------------------------------------


def _cut(read: Dict[str, Any]) -> str:
    """Whether the CDK's test-read limits may have stopped the read early.

    The CDK (TestReader) stops reading after max_slices slices and after max_pages_per_slice pages
    of a slice; it counts records but does not stop at max_records. Its test_read_limit_reached
    flag is also set when records >= max_records, which cuts nothing: both are shown.
    """
    cdk = read.get("cdk_read") or {}
    if not cdk:
        return "-"
    limits, hit = cdk["limits"], []
    if cdk["slices"] >= limits["max_slices"]:
        hit.append(f"{cdk['slices']} slices = max")
    if cdk["most_pages_in_a_slice"] >= limits["max_pages_per_slice"]:
        hit.append(f"{cdk['most_pages_in_a_slice']} pages = max")
    flag = "flag set" if cdk["test_read_limit_reached"] else "flag unset"
    return f"{'yes: ' + ', '.join(hit) if hit else 'no'} ({flag})"


def print_summary(result: Dict[str, Any], expected: Dict[str, int], problems: List[str],
                  workdir: Path, command_seconds: float) -> None:
    versions = result.get("versions", {})
    print("\n== versions: " + ", ".join(f"{k} {v}" for k, v in versions.items()))
    v = result.get("validate", {})
    print(f"\n== 1. validate_manifest ({v.get('seconds', 0):.1f} s): "
          + ("raised" if "exception" in v else
             f"is_valid={v.get('is_valid')}, {len(v.get('errors', []))} errors, "
             f"{len(v.get('warnings', []))} warnings"))
    for error in v.get("errors", []):
        print("   error: " + error[:600])
    r = result.get("resolve", {})
    print(f"\n== 2. execute_dynamic_manifest_resolution_test ({r.get('seconds', 0):.1f} s): "
          + ("raised" if "exception" in r else f"{r['failed']}: {r.get('reason')}" if "failed" in r else
             f"{len(r['streams'])} streams, {r['dynamic_streams']} dynamic stream definitions, "
             f"{len(r['generated'])} generated streams"))

    defaults = result.get("defaults", {})
    print(f"\n== 3. execute_stream_test_read, every stream "
          f"(max_records={defaults.get('execute_stream_test_read.max_records')}, the tool's default: "
          f"the CDK then reads at most that many slices, and that many pages per slice; it does "
          f"not stop at a number of records)")
    _print_reads(result.get("test_reads", {}), expected, with_expected=False)
    resolved_check = result.get("schema_check_on_resolved_manifest")
    if resolved_check is not None:
        print("   the tool's schema comparison run on the CDK's resolved manifest instead "
              "(the tool's own cannot follow the nested $ref to #/schemas):")
        for name, warnings in resolved_check.items():
            print(f"     {name:<24} " + ("; ".join(warnings) if warnings else "no mismatch"))

    rep = result.get("report", {})
    print(f"\n== 4. run_connector_readiness_test_report, no stream list "
          f"(max_records={defaults.get('run_connector_readiness_test_report.max_records')}) "
          f"({rep.get('seconds', 0):.1f} s)")
    if "text" in rep:
        parsed = parse_report(rep["text"])
        passed = sum(1 for s in parsed["streams"].values() if s["passed"])
        print(f"   verdict: {'FAILED' if parsed['failed'] else 'passed'}; "
              f"{passed} of {len(parsed['streams'])} stream sections passed; "
              + "; ".join(f"{k}: {v}" for k, v in parsed["summary"].items()))
        print(f"   report file: {rep.get('file')}")
        _print_reads(rep.get("reads", {}), expected, with_expected=True)
        print("   the report's warnings, per stream:")
        for name, section in parsed["streams"].items():
            fields = section["fields"]
            warnings = fields.get("Warnings") or fields.get("Status") or fields.get("Error") or ""
            print(f"     {name:<24} {'passed' if section['passed'] else 'FAILED'}; "
                  f"primary key {fields.get('Primary Key', '-')}; {warnings}")
    elif "exception" in rep:
        print("   raised:\n" + rep["exception"])

    print(f"\nfiles (manifest copy, config, tool-output.txt, result.json, report): {workdir}")
    print(f"run time: {command_seconds:.1f} s")
    if problems:
        print(f"\nreadiness check: FAILED, {len(problems)} problems:")
        for problem in problems:
            print("  - " + problem.replace("\n", "\n    "))
    else:
        print("\nreadiness check: passed (manifest valid and resolved; every stream read records "
              "with no error; the report passed every stream; every count matched the stand-in)")


def _print_reads(reads: Dict[str, Dict[str, Any]], expected: Dict[str, int], with_expected: bool) -> None:
    header = f"   {'stream':<24} {'ok':<4} {'records':>7} "
    header += f"{'stand-in':>8} " if with_expected else ""
    header += f"{'errors':>6} {'ERROR logs':>10}  {'cut short by the test limits':<34} {'s':>5}"
    print(header)
    for name, read in reads.items():
        if "exception" in read:
            print(f"   {name:<24} raised: {read['exception'].strip().splitlines()[-1]}")
            continue
        errors = len(_levels(read["logs"], "ERROR"))
        ok = "yes" if read["success"] and not read["errors"] and not errors and read["records"] else "NO"
        line = f"   {name:<24} {ok:<4} {read['records']:>7} "
        line += f"{expected.get(name, '-'):>8} " if with_expected else ""
        line += f"{len(read['errors']):>6} {errors:>10}  {_cut(read):<34} {read['seconds']:>5.1f}"
        print(line)
        for message in _levels(read["logs"], "ERROR") + read["errors"]:
            print(f"      error: {message[:300]}")
        for log in read["logs"]:
            if log["level"].upper() not in ("ERROR",):
                print(f"      {log['level'].lower()}: {log['message'][:300]}")
        for warning in read["schema_warnings"]:
            print(f"      schema warning: {warning[:300]}")


# ---------------------------------------------------------------------------------------------
# 4. The run
# ---------------------------------------------------------------------------------------------


def main_in_venv(args: argparse.Namespace) -> int:
    import yaml

    sys.path.insert(0, str(REPO_ROOT))
    from stand_in import StandIn

    started = time.monotonic()
    workdir = Path(tempfile.mkdtemp(prefix="readiness-check-"))
    shutil.copyfile(args.manifest, workdir / "manifest.yaml")
    try:
        manifest_streams = len(yaml.safe_load((workdir / "manifest.yaml").read_text(encoding="utf-8"))
                               .get("streams") or [])
    except (yaml.YAMLError, AttributeError) as error:
        print(f"readiness check: FAILED: {args.manifest} is not a YAML mapping: {error}")
        return 1
    print(f"manifest: {args.manifest} ({manifest_streams} streams), copied to {workdir}", flush=True)

    api = StandIn(activities=args.activities, client_id=CREDENTIALS["api_key"],
                  client_secret=CREDENTIALS["api_secret"], faults=args.faults)
    api.start()
    try:
        clock = api.clock()
        # The first day of the stand-in's activities, so that a read covers all of them.
        first_day = datetime.datetime.fromtimestamp(clock["first_activity_ms"] / 1000, datetime.timezone.utc).date()
        config = {**CREDENTIALS, "base_url": api.url, "start_date": first_day.isoformat(),
                  "requests_per_second": args.requests_per_second}
        (workdir / "config.json").write_text(json.dumps(config), encoding="utf-8")
        expected = {stream: len(api.dataset(name)) for stream, name in DATASETS.items()}
        print(f"stand-in at {api.url} (pid {api.pid}, today {clock['today']}): "
              f"{clock['activities']} activities, {clock['participants']} participants; "
              f"start_date {config['start_date']}", flush=True)

        env = own_venv.environment_without_proxies()
        env.update(CONNECTOR_BUILDER_MCP_SESSIONS_DIR=str(workdir / "sessions"), DO_NOT_TRACK="1")
        output_path = workdir / "tool-output.txt"
        print("running the tool's checks (its output goes to tool-output.txt) ...", flush=True)
        with output_path.open("w", encoding="utf-8") as output:
            try:
                completed = subprocess.run(
                    [sys.executable, __file__, "--child", str(workdir)],
                    cwd=workdir, env=env, stdin=subprocess.DEVNULL, stdout=output,
                    stderr=subprocess.STDOUT, timeout=args.timeout,
                )
                child_code: Any = completed.returncode
            except subprocess.TimeoutExpired:
                child_code = f"killed after {args.timeout} s"
        stats = api.stats()
    finally:
        api.stop()
    if _alive(api.pid):
        print(f"warning: the stand-in (pid {api.pid}) is still running")

    result_path = workdir / "result.json"
    result = json.loads(result_path.read_text(encoding="utf-8")) if result_path.is_file() else {}
    if "report" in result and "text" in result["report"]:
        print("\n" + "=" * 30 + " the tool's report, verbatim " + "=" * 30)
        print(result["report"]["text"])
        print("=" * 89)
    problems = judge(result, expected, manifest_streams)
    if child_code != 0:
        tail = output_path.read_text(encoding="utf-8", errors="replace")[-3000:]
        problems.insert(0, f"the child process exited with {child_code}; the end of its output:\n{tail}")
    print(f"\nstand-in: {stats.get('data_requests')} data requests, {stats.get('token_requests')} "
          f"token requests, by status {stats.get('by_status')}")
    print_summary(result, expected, problems, workdir, time.monotonic() - started)
    return 1 if problems else 0


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except OSError:
        return False
    return True


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--venv", type=Path, default=DEFAULT_VENV)
    parser.add_argument("--python", default=shutil.which("python3.11") or sys.executable,
                        help="the Python that creates the venv (default: python3.11)")
    parser.add_argument("--package", default=PACKAGE, help=f"what pip installs (default: {PACKAGE})")
    parser.add_argument("--manifest", type=Path, default=MANIFEST,
                        help="the manifest to check (default: manifest.yaml; it is copied first)")
    parser.add_argument("--activities", type=int, default=1000)
    parser.add_argument("--requests-per-second", type=int, default=50)
    parser.add_argument("--timeout", type=int, default=900, help="seconds for all the checks")
    parser.add_argument("--faults", type=json.loads, default=None,
                        help="fault JSON for the stand-in (stand_in/README.md), to see what the "
                             "checks catch, e.g. '{\"forbidden_paths\": [\"/v0/public/accounts\"]}'")
    parser.add_argument("--child", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.child:
        child(args.child)
        return 0
    args.manifest = args.manifest.resolve()
    if not own_venv.running_in(args.venv):
        own_venv.ensure(args.venv, args.python, [[args.package, CDK]])
        return own_venv.rerun_inside(args.venv, __file__)
    return main_in_venv(args)


if __name__ == "__main__":
    sys.exit(main())
