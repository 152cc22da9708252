"""The three ways manifest.yaml gets run, as commands a test can start.

- `source-peopleai`: this repository's package (source_peopleai/run.py), the command the README
  documents. It rewords config errors so that they name the field.
- `source-declarative-manifest --manifest-path manifest.yaml`: the CDK's own console script,
  as a developer runs a manifest with nothing but the CDK installed (PyAirbyte runs the same
  ConcurrentDeclarativeSource in process).
- The manifest-only image: Airbyte's `source-declarative-manifest` image runs
  `airbyte_cdk.cli.source_declarative_manifest._run.run()`, which, because the image holds a
  manifest file, takes `handle_local_manifest_command`: it builds the source from the
  `manifest.yaml` it finds (the working directory's first) and hands it to the CDK's `launch`.
  Here that function is called directly, from the repository root, so the same code runs
  without Docker. This is the path every Airbyte deployment takes.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path
from typing import List, Tuple

from integration_tests.stand_in_session import REPO_ROOT

MANIFEST_PATH = REPO_ROOT / "manifest.yaml"
_BIN = Path(sys.executable).parent

_IMAGE_ENTRY = (
    "import sys\n"
    "from airbyte_cdk.cli.source_declarative_manifest._run import handle_local_manifest_command\n"
    "handle_local_manifest_command(sys.argv[1:])\n"
)


@dataclass(frozen=True)
class RunPath:
    name: str
    prefix: Tuple[str, ...]
    suffix: Tuple[str, ...] = ()

    def command(self, *args: str | Path) -> List[str]:
        """The full command line for `args` (`spec`, `check --config ...`, ...)."""
        return [*self.prefix, *map(str, args), *self.suffix]


SOURCE_PEOPLEAI = RunPath("source-peopleai", (str(_BIN / "source-peopleai"),))
CDK_CONSOLE_SCRIPT = RunPath(
    "source-declarative-manifest",
    (str(_BIN / "source-declarative-manifest"),),
    ("--manifest-path", str(MANIFEST_PATH)),
)
MANIFEST_ONLY_IMAGE = RunPath("manifest-only image", (sys.executable, "-c", _IMAGE_ENTRY))

RUN_PATHS = (SOURCE_PEOPLEAI, CDK_CONSOLE_SCRIPT, MANIFEST_ONLY_IMAGE)
