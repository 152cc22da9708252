"""Reads both streams through PyAirbyte into its default DuckDB cache and checks what landed.

    make pyairbyte                      # or: python3 scripts/pyairbyte_check.py [--help]

1. Creates `.venv-pyairbyte` (Python 3.11) if it is missing, installs `airbyte` (PyAirbyte,
   about 780 MB with DuckDB; 2 to 3 minutes) and this project (`pip install -e .`), and runs
   itself again inside it.
2. Starts the stand-in API and reads `activity` and `participants` twice, each time in a fresh
   process with AIRBYTE_OFFLINE_MODE=1 (no registry, no telemetry):
   - `manifest`: `ab.get_source("source-peopleai", source_manifest=Path("manifest.yaml"))`,
     the manifest run in process;
   - `local_executable`: the installed `source-peopleai` command.
3. Prints the DuckDB column types of both tables, the record counts, and how many lines of
   PyAirbyte's output and log files say "Could not determine airbyte type". Exits 1 unless
   every schema type landed as its SQL type (epoch-millisecond timestamps as BIGINT, not
   VARCHAR), every record of the stand-in arrived exactly once, and no such line appeared.
4. The warehouse view: through each method, two incremental syncs of both streams into a DuckDB
   cache of their own (PyAirbyte's default write strategy: merge by primary key), include_deleted on.
   Between them the stand-in backfills activities dated 45 to 200 days back, captures new ones,
   deletes old ones (the stand-in gives those a new ingested_at, as People.ai may) and one of the
   last days (which the current chunk reads whatever People.ai does to ingested_at); the second
   sync starts from the state PyAirbyte kept. Then SQL on the final tables: each key exactly once,
   exactly the stand-in's records, the backfilled and new ones there, the deleted ones flagged
   deleted = true, timestamp columns BIGINT; and through `local_executable` the second sync reads
   a fifth of the first at most. (PyAirbyte 0.71 does not hand the saved state to a manifest's
   source, so through `source_manifest` every sync reads everything again: printed, not failed.)
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any, Dict, List

import own_venv  # scripts/own_venv.py: the venv of its own this check runs in

REPO_ROOT = Path(__file__).resolve().parent.parent
MANIFEST = REPO_ROOT / "manifest.yaml"
DEFAULT_VENV = REPO_ROOT / ".venv-pyairbyte"
STREAMS = {"activity": ("activities", ["uid"]), "participants": ("participants", ["uid", "email"])}
METHODS = ("manifest", "local_executable")
WAREHOUSE = "warehouse-sync"
TYPE_WARNING = "Could not determine airbyte type"
RESULT_PREFIX = "PYAIRBYTE_CHECK_RESULT "
# The DuckDB type each JSON-schema type must become in PyAirbyte's cache.
SQL_TYPES = {"integer": {"BIGINT"}, "boolean": {"BOOLEAN"}, "string": {"VARCHAR"}, "array": {"JSON"}}
CREDENTIALS = {"api_key": "pyairbyte-check-key", "api_secret": "pyairbyte-check-secret"}


# ---------------------------------------------------------------------------------------------
# 1. One read, in a child process (so that its output and logs are its own)
# ---------------------------------------------------------------------------------------------


def child_read(method: str, config_path: Path) -> None:
    import airbyte as ab  # only installed in the PyAirbyte venv
    import duckdb

    source = _source(ab, method, json.loads(config_path.read_text(encoding="utf-8")))
    source.select_streams(list(STREAMS))
    cache = ab.get_default_cache()
    # `replace`: the tables hold this read only (the default, `auto`, merges by primary key into
    # what earlier runs left, which would hide both missing and duplicate records).
    source.read(cache=cache, write_strategy="replace", force_full_refresh=True)
    cache.get_sql_engine().dispose()  # let go of the database file before reading it here

    result: Dict[str, Any] = {"method": method, "db_path": str(cache.db_path), "tables": {}}
    with duckdb.connect(str(cache.db_path), read_only=True) as db:
        for stream, (_, keys) in STREAMS.items():
            columns = db.execute(
                "SELECT column_name, data_type FROM information_schema.columns "
                "WHERE table_schema = ? AND table_name = ? ORDER BY ordinal_position",
                [cache.schema_name, stream],
            ).fetchall()
            table = f'"{cache.schema_name}"."{stream}"'
            key_list = ", ".join(f'"{key}"' for key in keys)
            rows, distinct = db.execute(
                f"SELECT count(*), count(DISTINCT ({key_list})) FROM {table}"
            ).fetchone()
            result["tables"][stream] = {"columns": columns, "rows": rows, "distinct_keys": distinct}
    print(RESULT_PREFIX + json.dumps(result), flush=True)


def child_warehouse_sync(method: str, config_path: Path, db_path: Path) -> None:
    """One incremental sync through `method` into the DuckDB file `db_path`, from its state."""
    import airbyte as ab
    from airbyte.caches import DuckDBCache

    source = _source(ab, method, json.loads(config_path.read_text(encoding="utf-8")))
    source.select_streams(list(STREAMS))
    cache = DuckDBCache(db_path=db_path)
    result = source.read(cache=cache)  # incremental from the cache's state; merge by primary key
    cache.get_sql_engine().dispose()
    print(RESULT_PREFIX + json.dumps(
        {"method": method, "processed": result.processed_records, "schema": cache.schema_name}), flush=True)


def _source(ab: Any, method: str, config: Dict[str, Any]) -> Any:
    if method == "manifest":
        return ab.get_source("source-peopleai", config=config, source_manifest=MANIFEST)
    executable = shutil.which("source-peopleai", path=str(Path(sys.executable).parent))
    if executable is None:
        raise SystemExit("source-peopleai is not installed in this venv")
    return ab.get_source("source-peopleai", config=config, local_executable=executable)


def run_child(method: str, config_path: Path, logs_dir: Path, *extra: str) -> Dict[str, Any]:
    env = own_venv.environment_without_proxies()
    env.update(AIRBYTE_OFFLINE_MODE="1", DO_NOT_TRACK="1", AIRBYTE_LOGGING_ROOT=str(logs_dir))
    started = time.monotonic()
    completed = subprocess.run(
        [sys.executable, __file__, "--child", method, "--config", str(config_path), *extra],
        cwd=REPO_ROOT,  # PyAirbyte's default cache is ./.cache/default_cache
        env=env,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=900,
    )
    output = completed.stdout + completed.stderr
    (logs_dir / f"{method}.output.txt").write_text(output, encoding="utf-8")
    results = [line[len(RESULT_PREFIX):] for line in completed.stdout.splitlines()
               if line.startswith(RESULT_PREFIX)]
    if completed.returncode != 0 or not results:
        print(output[-4000:])
        raise SystemExit(f"the {method} read failed (exit {completed.returncode})")
    result = json.loads(results[-1])
    result["seconds"] = time.monotonic() - started
    return result


# ---------------------------------------------------------------------------------------------
# 2. The checks
# ---------------------------------------------------------------------------------------------


def schema_types() -> Dict[str, Dict[str, str]]:
    import yaml

    schemas = yaml.safe_load(MANIFEST.read_text(encoding="utf-8"))["schemas"]
    types: Dict[str, Dict[str, str]] = {}
    for stream in STREAMS:
        types[stream] = {}
        for name, prop in schemas[stream]["properties"].items():
            declared = prop["type"] if isinstance(prop["type"], list) else [prop["type"]]
            types[stream][name] = next(t for t in declared if t != "null")
    return types


def count_type_warnings(logs_dir: Path) -> Dict[str, int]:
    counts = {}
    for path in sorted(p for p in logs_dir.rglob("*") if p.is_file()):
        text = path.read_text(encoding="utf-8", errors="replace")
        counts[str(path.relative_to(logs_dir))] = sum(TYPE_WARNING in line for line in text.splitlines())
    return counts


def check(result: Dict[str, Any], expected_counts: Dict[str, int], types: Dict[str, Dict[str, str]]) -> List[str]:
    problems = []
    for stream, table in result["tables"].items():
        columns = dict(table["columns"])
        for name, json_type in types[stream].items():
            if name in columns and columns[name] not in SQL_TYPES[json_type]:
                problems.append(f"{stream}.{name}: {json_type} landed as {columns[name]}")
        missing_columns = sorted(set(types[stream]) - set(columns))
        if missing_columns:
            problems.append(f"{stream}: no column for {missing_columns}")
        if table["rows"] != expected_counts[stream]:
            problems.append(f"{stream}: {table['rows']} rows, the stand-in holds {expected_counts[stream]}")
        if table["distinct_keys"] != table["rows"]:
            problems.append(f"{stream}: {table['rows'] - table['distinct_keys']} duplicate keys")
    return problems


def warehouse_view(api: Any, config: Dict[str, Any], logs_dir: Path) -> List[str]:
    """Two incremental syncs through each method into a DuckDB file of its own, with changes at the
    stand-in between them; the final tables checked with SQL."""
    config_path = logs_dir / "warehouse-config.json"
    config_path.write_text(json.dumps({**config, "include_deleted": True}), encoding="utf-8")

    def sync(method: str, number: int) -> Dict[str, Any]:
        folder = logs_dir / f"{method}-sync-{number}"
        folder.mkdir()
        return run_child(WAREHOUSE, config_path, folder, "--method", method, "--db", str(logs_dir / f"{method}.duckdb"))

    first = {method: sync(method, 1) for method in METHODS}
    now, day = api.clock()["now_ms"], 86_400_000
    backfilled = set(api.backfill(20, (200, 45))["uids"])
    new = set(api.add_activities(5))
    activities = api.dataset("activities")
    old = [r["uid"] for r in activities if r["activity_timestamp"] < now - 30 * day and not r["deleted"]][:3]
    recent = [r["uid"] for r in activities if now - 3 * day <= r["activity_timestamp"] < now and not r["deleted"]][:1]
    api.delete(old, moves_ingested=True)
    api.delete(recent, moves_ingested=False)
    deleted = set(old + recent)
    print(f"  between the syncs: {len(backfilled)} activities backfilled (45 to 200 days back), {len(new)} new, "
          f"{len(deleted)} deleted ({len(old)} old ones with a new ingested_at, {len(recent)} of the last days without)")
    second = {method: sync(method, 2) for method in METHODS}

    horizon = (now // day + 181) * day
    wanted = {
        stream: {tuple(r[k] for k in keys) for r in api.dataset(name) if r["activity_timestamp"] < horizon}
        for stream, (name, keys) in STREAMS.items()
    }
    deleted_rows = sum(1 for r in api.dataset("participants") if r["uid"] in deleted)
    problems: List[str] = []
    for method in METHODS:
        found = check_tables(logs_dir / f"{method}.duckdb", second[method]["schema"], wanted)
        read1, read2 = first[method]["processed"], second[method]["processed"]
        print(f"  {method}: records read {read1:,} by the first sync, {read2:,} by the second; "
              f"backfilled {len(backfilled & found['activities'])} of {len(backfilled)}, new {len(new & found['activities'])} "
              f"of {len(new)}, deleted and flagged {len(deleted & found['deleted'])} of {len(deleted)} activities "
              f"({found['deleted_rows']} of {deleted_rows} participant rows)")
        problems += [f"{method}: {p}" for p in found["problems"]]
        if not (backfilled | new) <= found["activities"]:
            problems.append(f"{method}: not in the activity table: {sorted((backfilled | new) - found['activities'])}")
        if found["deleted"] != deleted or found["deleted_rows"] != deleted_rows:
            problems.append(f"{method}: deleted = true on {sorted(found['deleted'])} and {found['deleted_rows']} rows; "
                            f"deleted were {sorted(deleted)}, {deleted_rows} rows")
        incremental = 0 < read2 * 5 < read1
        if method == "local_executable" and not incremental:
            problems.append(f"{method}: the second sync read {read2} records, the first {read1}: not from PyAirbyte's state")
        if method == "manifest" and not incremental:
            print("    (PyAirbyte builds the manifest's source without the state it kept, so each sync through "
                  "source_manifest reads everything again: PyAirbyte pull request #1164; the tables are right either way)")
    return problems


def check_tables(db_path: Path, schema: str, wanted: Dict[str, set]) -> Dict[str, Any]:
    """What the final tables hold: each key once, exactly the stand-in's, typed timestamps."""
    import duckdb

    problems: List[str] = []
    with duckdb.connect(str(db_path), read_only=True) as db:
        for stream, (_, keys) in STREAMS.items():
            table = f'"{schema}"."{stream}"'
            key_list = ", ".join(f'"{key}"' for key in keys)
            rows, distinct = db.execute(f"SELECT count(*), count(DISTINCT ({key_list})) FROM {table}").fetchone()
            held = {tuple(r) for r in db.execute(f"SELECT {key_list} FROM {table}").fetchall()}
            if rows != distinct:
                problems.append(f"{stream}: {rows - distinct} keys more than once")
            if held != wanted[stream]:
                problems.append(f"{stream}: {len(wanted[stream] - held)} missing, {len(held - wanted[stream])} not at the stand-in")
            types = dict(db.execute(
                "SELECT column_name, data_type FROM information_schema.columns WHERE table_schema = ? AND table_name = ?",
                [schema, stream]).fetchall())
            for column in ("activity_timestamp", "ingested_at", "synced_at"):
                if types.get(column) != "BIGINT":
                    problems.append(f"{stream}.{column} is {types.get(column)}, not BIGINT")
        activities = {uid for (uid,) in db.execute(f'SELECT uid FROM "{schema}"."activity"').fetchall()}
        deleted = {uid for (uid,) in db.execute(f'SELECT uid FROM "{schema}"."activity" WHERE deleted').fetchall()}
        deleted_rows = db.execute(f'SELECT count(*) FROM "{schema}"."participants" WHERE deleted').fetchone()[0]
    return {"problems": problems, "activities": activities, "deleted": deleted, "deleted_rows": deleted_rows}


def main_in_venv(args: argparse.Namespace) -> int:
    sys.path.insert(0, str(REPO_ROOT))
    from stand_in import StandIn

    types = schema_types()
    logs_dir = Path(tempfile.mkdtemp(prefix="pyairbyte-check-"))
    failures: List[str] = []
    with StandIn(
        activities=args.activities,
        client_id=CREDENTIALS["api_key"],
        client_secret=CREDENTIALS["api_secret"],
    ) as api:
        expected_counts = {stream: len(api.dataset(name)) for stream, (name, _) in STREAMS.items()}
        config = {
            **CREDENTIALS,
            "base_url": api.url,
            # The stand-in's activities span the 1095 days before today.
            "start_date": args.start_date,
            "requests_per_second": args.requests_per_second,
        }
        config_path = logs_dir / "config.json"
        config_path.write_text(json.dumps(config), encoding="utf-8")
        print(f"stand-in at {api.url}: {expected_counts}; PyAirbyte output and logs in {logs_dir}")

        for method in METHODS:
            method_logs = logs_dir / method
            method_logs.mkdir()
            result = run_child(method, config_path, method_logs)
            problems = check(result, expected_counts, types)
            warnings = count_type_warnings(method_logs)
            warning_total = sum(warnings.values())
            if warning_total:
                problems.append(f"{warning_total} lines say {TYPE_WARNING!r}: {warnings}")

            print(f"\n== {method}: read in {result['seconds']:.1f} s into {result['db_path']}")
            for stream, table in result["tables"].items():
                print(f"  {stream}: {table['rows']} rows, {table['distinct_keys']} distinct keys "
                      f"(stand-in: {expected_counts[stream]})")
                for name, sql_type in table["columns"]:
                    declared = types[stream].get(name, "-")
                    print(f"    {name:<28} {sql_type:<10} schema: {declared}")
            print(f"  lines with {TYPE_WARNING!r}: {warning_total} "
                  f"(in {len(warnings)} output and log files)")
            print("  OK" if not problems else "  FAILED:\n    " + "\n    ".join(problems))
            failures += [f"{method}: {p}" for p in problems]

        print("\n== the warehouse view: two incremental syncs into a DuckDB cache, changes between, per method")
        problems = warehouse_view(api, config, logs_dir)
        print("  OK" if not problems else "  FAILED:\n    " + "\n    ".join(problems))
        failures += [f"warehouse: {p}" for p in problems]

    print("\npyairbyte check:", "passed" if not failures else f"{len(failures)} problems")
    return 1 if failures else 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--venv", type=Path, default=DEFAULT_VENV)
    parser.add_argument("--python", default=shutil.which("python3.11") or sys.executable,
                        help="the Python that creates the venv (default: python3.11)")
    parser.add_argument("--activities", type=int, default=2000)
    parser.add_argument("--start-date", default="2023-01-01")
    parser.add_argument("--requests-per-second", type=int, default=50)
    parser.add_argument("--child", choices=(*METHODS, WAREHOUSE), help=argparse.SUPPRESS)
    parser.add_argument("--config", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--db", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--method", choices=METHODS, help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.child == WAREHOUSE:
        child_warehouse_sync(args.method, args.config, args.db)
        return 0
    if args.child:
        child_read(args.child, args.config)
        return 0
    if not own_venv.running_in(args.venv):
        own_venv.ensure(args.venv, args.python, [["airbyte"], ["-e", str(REPO_ROOT)]])
        return own_venv.rerun_inside(args.venv, __file__)
    return main_in_venv(args)


if __name__ == "__main__":
    sys.exit(main())
