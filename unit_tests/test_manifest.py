"""manifest.yaml is valid for the installed CDK and runs in the Airbyte UI (no custom Python)."""

from __future__ import annotations

import copy
from importlib.metadata import version as installed_version
from pathlib import Path
from typing import Any, Dict, Iterator, List, Tuple

import airbyte_cdk
import pytest
import yaml
from airbyte_cdk.sources.declarative.parsers.manifest_component_transformer import (
    ManifestComponentTransformer,
)
from airbyte_cdk.sources.declarative.parsers.manifest_reference_resolver import (
    ManifestReferenceResolver,
)
from jsonschema import Draft7Validator
from packaging.version import Version

CDK_SCHEMA_PATH = (
    Path(airbyte_cdk.__file__).parent / "sources" / "declarative" / "declarative_component_schema.yaml"
)


@pytest.fixture(scope="module")
def cdk_schema_validator() -> Draft7Validator:
    schema = yaml.safe_load(CDK_SCHEMA_PATH.read_text(encoding="utf-8"))
    return Draft7Validator(schema)


def _resolved(manifest: Dict[str, Any]) -> Dict[str, Any]:
    # What the CDK validates: $refs resolved, then types and $parameters propagated.
    resolved = ManifestReferenceResolver().preprocess_manifest(copy.deepcopy(manifest))
    return ManifestComponentTransformer().propagate_types_and_parameters("", resolved, {})


def _schema_errors(validator: Draft7Validator, manifest: Dict[str, Any]) -> List[str]:
    return [
        f"{'/'.join(str(p) for p in error.absolute_path)}: {error.message[:300]}"
        for error in validator.iter_errors(_resolved(manifest))
    ]


def _walk(node: Any, path: str = "") -> Iterator[Tuple[str, Any, Any]]:
    if isinstance(node, dict):
        for key, value in node.items():
            yield path, key, value
            yield from _walk(value, f"{path}/{key}")
    elif isinstance(node, list):
        for index, item in enumerate(node):
            yield from _walk(item, f"{path}/{index}")


def test_manifest_validates_against_cdk_schema(manifest, cdk_schema_validator) -> None:
    assert _schema_errors(cdk_schema_validator, manifest) == []


def test_schema_validation_rejects_an_unknown_root_key(manifest, cdk_schema_validator) -> None:
    # Proves the check above can fail: a misspelt root key is reported.
    broken = dict(manifest, api_budgett=manifest["api_budget"])

    assert _schema_errors(cdk_schema_validator, broken) != []


def test_manifest_has_no_custom_python_components(manifest) -> None:
    custom = [
        f"{path}/{key}"
        for path, key, value in _walk(manifest)
        if key == "class_name" or (key == "type" and isinstance(value, str) and value.startswith("Custom"))
    ]

    assert custom == []


def test_manifest_version_is_not_newer_than_installed_cdk(manifest) -> None:
    assert Version(str(manifest["version"])) <= Version(installed_version("airbyte-cdk"))


def test_manifest_is_self_contained_for_the_connector_builder(manifest) -> None:
    # The Builder accepts neither schema files nor a spec.json beside the manifest.
    assert "spec" in manifest
    loaders = [value for _, key, value in _walk(manifest) if key == "schema_loader"]
    assert loaders and all(loader["type"] == "InlineSchemaLoader" for loader in loaders)
    assert sorted(manifest["schemas"]) == sorted(
        ["activity", "participants", "accounts", "opportunities", "contacts", "leads", "teams",
         "team_members", "engagement"]
    )
