"""Points the Airbyte CDK at manifest.yaml. Everything about People.ai lives in the manifest."""

from __future__ import annotations

from pathlib import Path
from typing import Any, List, Mapping, Optional

from airbyte_cdk.models import AirbyteStateMessage, ConfiguredAirbyteCatalog
from airbyte_cdk.sources.declarative.yaml_declarative_source import YamlDeclarativeSource

_PACKAGE_DIR = Path(__file__).resolve().parent


def manifest_path() -> Path:
    """The one manifest.yaml: copied into the package when a wheel is built, else the checkout's."""
    for candidate in (_PACKAGE_DIR / "manifest.yaml", _PACKAGE_DIR.parent / "manifest.yaml"):
        if candidate.is_file():
            return candidate
    raise FileNotFoundError(
        f"manifest.yaml is neither in {_PACKAGE_DIR} nor in {_PACKAGE_DIR.parent}; "
        "reinstall source-peopleai."
    )


class SourcePeopleai(YamlDeclarativeSource):
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
