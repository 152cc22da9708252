"""Every test, in two pytest processes side by side: the unit tests in one, the stand-in's and the
end-to-end tests in the other.

Each suite is CPU-bound in a single process, and the machine has two cores: side by side they
take about as long as the longer one. Each process's output is printed whole once it ends, the
unit suite's first; the exit status is non-zero if either failed.

    python scripts/run_tests.py            # what `make test` runs
    python scripts/run_tests.py -x -q      # extra arguments go to both pytest processes
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# The CDK's Docker image tests need Docker and the internet.
MARKERS = ["-m", "not image_tests"]
SUITES = {
    "unit tests": ["unit_tests"],
    "stand-in and end-to-end tests": ["stand_in", "integration_tests"],
}


def main(extra: list) -> int:
    started = time.monotonic()
    running = []
    for name, paths in SUITES.items():
        output = tempfile.TemporaryFile(mode="w+", encoding="utf-8")
        command = [sys.executable, "-m", "pytest", *MARKERS, *paths, *extra]
        process = subprocess.Popen(command, cwd=ROOT, stdout=output, stderr=subprocess.STDOUT)
        running.append((name, command, process, output))

    failed = []
    for name, command, process, output in running:
        code = process.wait()
        output.seek(0)
        print(f"==== {name}: {' '.join(command[1:])}", flush=True)
        sys.stdout.write(output.read())
        output.close()
        print(f"==== {name}: exit code {code}\n", flush=True)
        if code != 0:
            failed.append(name)

    print(f"All tests: {time.monotonic() - started:.0f} s, " + (f"FAILED: {', '.join(failed)}" if failed else "passed"))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
