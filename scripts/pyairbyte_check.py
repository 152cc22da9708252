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
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any, Dict, List

REPO_ROOT = Path(__file__).resolve().parent.parent
MANIFEST = REPO_ROOT / "manifest.yaml"
DEFAULT_VENV = REPO_ROOT / ".venv-pyairbyte"
STREAMS = {"activity": ("activities", ["uid"]), "participants": ("participants", ["uid", "email"])}
METHODS = ("manifest", "local_executable")
TYPE_WARNING = "Could not determine airbyte type"
RESULT_PREFIX = "PYAIRBYTE_CHECK_RESULT "
# The DuckDB type each JSON-schema type must become in PyAirbyte's cache.
SQL_TYPES = {"integer": {"BIGINT"}, "boolean": {"BOOLEAN"}, "string": {"VARCHAR"}, "array": {"JSON"}}
CREDENTIALS = {"api_key": "pyairbyte-check-key", "api_secret": "pyairbyte-check-secret"}
_PROXY_VARIABLES = ("http_proxy", "https_proxy", "all_proxy", "no_proxy")


# ---------------------------------------------------------------------------------------------
# 1. The venv
# ---------------------------------------------------------------------------------------------


def _venv_python(venv: Path) -> Path:
    return venv / "bin" / "python"


def ensure_venv(venv: Path, python: str) -> None:
    marker = venv / ".installed"
    if marker.is_file():
        return
    started = time.monotonic()
    print(f"creating {venv} with {python}, installing airbyte and this project ...", flush=True)
    if not _venv_python(venv).is_file():
        subprocess.run([python, "-m", "venv", str(venv)], check=True)
    pip = [str(_venv_python(venv)), "-m", "pip", "install", "--quiet"]
    subprocess.run([*pip, "--upgrade", "pip"], check=True)
    subprocess.run([*pip, "airbyte"], check=True)
    subprocess.run([*pip, "-e", str(REPO_ROOT)], check=True)
    marker.write_text("airbyte and source-peopleai installed\n", encoding="utf-8")
    print(f"installed in {time.monotonic() - started:.0f} s", flush=True)


def running_in(venv: Path) -> bool:
    return Path(sys.prefix).resolve() == venv.resolve()


# ---------------------------------------------------------------------------------------------
# 2. One read, in a child process (so that its output and logs are its own)
# ---------------------------------------------------------------------------------------------


def child_read(method: str, config_path: Path) -> None:
    import airbyte as ab  # only installed in the PyAirbyte venv
    import duckdb

    config = json.loads(config_path.read_text(encoding="utf-8"))
    if method == "manifest":
        source = ab.get_source("source-peopleai", config=config, source_manifest=MANIFEST)
    else:
        executable = shutil.which("source-peopleai", path=str(Path(sys.executable).parent))
        if executable is None:
            raise SystemExit("source-peopleai is not installed in this venv")
        source = ab.get_source("source-peopleai", config=config, local_executable=executable)
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


def run_child(method: str, config_path: Path, logs_dir: Path) -> Dict[str, Any]:
    env = {k: v for k, v in os.environ.items() if k.lower() not in _PROXY_VARIABLES}
    env.update(AIRBYTE_OFFLINE_MODE="1", DO_NOT_TRACK="1", AIRBYTE_LOGGING_ROOT=str(logs_dir))
    started = time.monotonic()
    completed = subprocess.run(
        [sys.executable, __file__, "--child", method, "--config", str(config_path)],
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
# 3. The checks
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
    parser.add_argument("--child", choices=METHODS, help=argparse.SUPPRESS)
    parser.add_argument("--config", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.child:
        child_read(args.child, args.config)
        return 0
    if not running_in(args.venv):
        ensure_venv(args.venv, args.python)
        command = [str(_venv_python(args.venv)), __file__, *sys.argv[1:]]
        return subprocess.run(command).returncode
    return main_in_venv(args)


if __name__ == "__main__":
    sys.exit(main())
