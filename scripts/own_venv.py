"""A venv of its own for a check that needs packages this project does not depend on
(`make pyairbyte`, `make readiness`): made on first use, then the script runs again inside it."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Dict, Sequence

_PROXY_VARIABLES = ("http_proxy", "https_proxy", "all_proxy", "no_proxy")


def python_of(venv: Path) -> Path:
    return venv / "bin" / "python"


def running_in(venv: Path) -> bool:
    return Path(sys.prefix).resolve() == venv.resolve()


def ensure(venv: Path, python: str, installs: Sequence[Sequence[str]]) -> None:
    """Creates `venv` with `python` and runs `pip install` for each of `installs`, unless the
    venv already holds exactly those (its `.installed` marker lists them)."""
    marker = venv / ".installed"
    wanted = "".join(" ".join(args) + "\n" for args in installs)
    if marker.is_file() and marker.read_text(encoding="utf-8") == wanted:
        return
    started = time.monotonic()
    print(f"creating {venv} with {python}, installing: {'; '.join(' '.join(a) for a in installs)} ...", flush=True)
    if not python_of(venv).is_file():
        subprocess.run([python, "-m", "venv", str(venv)], check=True)
    pip = [str(python_of(venv)), "-m", "pip", "install", "--quiet", "--disable-pip-version-check"]
    subprocess.run([*pip, "--upgrade", "pip"], check=True)
    for args in installs:
        subprocess.run([*pip, *args], check=True)
    marker.write_text(wanted, encoding="utf-8")
    print(f"installed in {time.monotonic() - started:.0f} s", flush=True)


def rerun_inside(venv: Path, script: str) -> int:
    """Runs `script` again with the venv's Python and the same arguments; its exit status."""
    return subprocess.run([str(python_of(venv)), script, *sys.argv[1:]]).returncode


def environment_without_proxies(**extra: str) -> Dict[str, str]:
    """This process's environment without proxy settings (the stand-in is on 127.0.0.1), plus `extra`."""
    env = {name: value for name, value in os.environ.items() if name.lower() not in _PROXY_VARIABLES}
    env.update(extra)
    return env
