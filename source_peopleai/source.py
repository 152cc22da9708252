"""Points the Airbyte CDK at manifest.yaml. Everything about People.ai lives in the manifest."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, List, Mapping, Optional

from airbyte_cdk.models import AirbyteStateMessage, ConfiguredAirbyteCatalog
from airbyte_cdk.sources.declarative.yaml_declarative_source import YamlDeclarativeSource
from airbyte_cdk.sources.types import ConnectionDefinition

from source_peopleai import fast_path

_PACKAGE_DIR = Path(__file__).resolve().parent
# Runs another manifest file instead (scripts/mutants.py points the tests at broken copies).
MANIFEST_PATH_ENV = "PEOPLEAI_MANIFEST_PATH"


def manifest_path() -> Path:
    """The one manifest.yaml: copied into the package when a wheel is built, else the checkout's.

    $PEOPLEAI_MANIFEST_PATH, when set, names another manifest file to run instead.
    """
    override = os.environ.get(MANIFEST_PATH_ENV)
    if override:
        return Path(override)
    for candidate in (_PACKAGE_DIR / "manifest.yaml", _PACKAGE_DIR.parent / "manifest.yaml"):
        if candidate.is_file():
            return candidate
    raise FileNotFoundError(
        f"manifest.yaml is neither in {_PACKAGE_DIR} nor in {_PACKAGE_DIR.parent}; "
        "reinstall source-peopleai."
    )


class SourcePeopleai(YamlDeclarativeSource):
    """manifest.yaml, with its per-record steps run by their Python twins (fast_path.py) unless
    PEOPLEAI_DECLARATIVE_ONLY=1."""

    def __init__(
        self,
        catalog: Optional[ConfiguredAirbyteCatalog] = None,
        config: Optional[Mapping[str, Any]] = None,
        state: Optional[List[AirbyteStateMessage]] = None,
        config_path: Optional[str] = None,
    ) -> None:
        super().__init__(
            path_to_yaml=str(manifest_path()),
            catalog=catalog,
            config=config,
            state=state,
            config_path=config_path,
        )
        # As given, so that run.py can build the source again with one stream's state alone.
        self.given = {"catalog": catalog, "config": config, "state": state}

    def _read_and_parse_yaml_file(self, path_to_yaml_file: str) -> ConnectionDefinition:
        manifest = super()._read_and_parse_yaml_file(path_to_yaml_file)
        return fast_path.with_fast_path(manifest) if fast_path.enabled() else manifest
