"""metadata.yaml is what Airbyte's registry accepts, and agrees with the rest of the repository.

The most consequential entry is `allowedHosts`: on an Airbyte deployment the connector may reach
only the hosts listed there, after the platform has filled `${...}` placeholders in from the
source's config. `resolve_allowed_hosts` below re-implements that step, so the tests can show
which hosts a given `base_url` opens.
"""

from __future__ import annotations

import datetime as dt
import re
import tomllib
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any, Dict, Iterator, List, Mapping, Tuple
from urllib.parse import urlsplit

import pytest
import yaml
from packaging.requirements import Requirement
from packaging.version import Version

REPO_ROOT = Path(__file__).resolve().parent.parent
METADATA = yaml.safe_load((REPO_ROOT / "metadata.yaml").read_text(encoding="utf-8"))
DATA: Dict[str, Any] = METADATA["data"]
PYPROJECT = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text(encoding="utf-8"))
MANIFEST = yaml.safe_load((REPO_ROOT / "manifest.yaml").read_text(encoding="utf-8"))
BASE_URL_SPEC = MANIFEST["spec"]["connection_specification"]["properties"]["base_url"]

# ---------------------------------------------------------------------------------------------
# The platform's rule, re-implemented: airbyte-platform's ConfigReplacer.getAllowedHosts
# (io.airbyte.commons.converters). For every string or number in the config it records
# `dotted.key -> sanitized value`, where sanitizing parses the value as a URL (prefixing `x://`
# when it has no scheme) and keeps java.net.URL's host; when Java cannot build that URL (an
# unknown scheme such as the `x://` prefix, or a character a URI may not hold) it cuts the
# scheme, the path and any user info off by hand instead. Then Apache's StringSubstitutor fills
# `${key}` (or `${key:-default}`) into each listed host; an entry that still holds `${` is
# dropped; a few monitoring hosts are always added.
# ---------------------------------------------------------------------------------------------

ALWAYS_ALLOWED_HOSTS = ["*.datadoghq.com", "*.datadoghq.eu", "*.sentry.io"]
# Schemes java.net.URL has a handler for; for any other, URI.toURL() throws.
_JAVA_URL_SCHEMES = {"http", "https", "ftp", "file", "jar", "jrt", "mailto"}
_NOT_IN_A_URI = set(' "<>\\^`{|}')
_PLACEHOLDER = re.compile(r"(\$?)\$\{([^}]*)\}")


def _config_values(config: Mapping[str, Any], prefix: str = "") -> Iterator[Tuple[str, str]]:
    for key, value in config.items():
        name = f"{prefix}{key}"
        if isinstance(value, Mapping):
            yield from _config_values(value, prefix=f"{name}.")
        elif isinstance(value, str):
            yield name, value
        elif isinstance(value, (int, float)) and not isinstance(value, bool):
            yield name, str(value)


def _sanitize(value: str) -> str:
    with_scheme = value if "://" in value else f"x://{value}"
    scheme = with_scheme.split("://", 1)[0].lower()
    if scheme in _JAVA_URL_SCHEMES and not _NOT_IN_A_URI & set(with_scheme):
        # java.net.URL.getHost(): the authority without user info and port; an IPv6 literal
        # keeps its brackets; letters keep their case.
        host = urlsplit(with_scheme).netloc.rpartition("@")[2]
        if host.startswith("["):
            return host[: host.index("]") + 1]
        return host.partition(":")[0]
    parts = value.split("://")
    sanitized = parts[1] if len(parts) > 1 else parts[0]
    sanitized = sanitized.split("/")[0]
    at_parts = sanitized.split("@")
    sanitized = at_parts[1] if len(at_parts) > 1 else at_parts[0]
    return sanitized.replace("/", "")


def resolve_allowed_hosts(hosts: List[str], config: Mapping[str, Any]) -> List[str]:
    """The hosts the platform lets a source with this config reach."""
    values = {key: _sanitize(value) for key, value in _config_values(config)}

    def fill(match: "re.Match[str]") -> str:
        escaped, body = match.groups()
        if escaped:
            return match.group(0)[1:]  # `$${x}` stands for a literal `${x}`
        name, _, default = body.partition(":-")
        if name in values:
            return values[name]
        return default if ":-" in body else match.group(0)

    resolved = [_PLACEHOLDER.sub(fill, host) for host in hosts]
    return [host for host in resolved if "${" not in host] + ALWAYS_ALLOWED_HOSTS


def test_resolver_agrees_with_the_platforms_own_test_cases() -> None:
    # The cases of airbyte-platform's ConfigReplacerTest, so that the re-implementation is trusted.
    config = {
        "host": "foo.com",
        "host_with_extras": "ftp://user:password@protected-site.com/some-route",
        "number": 123,
        "subdomain": "account",
        "password": "abc123",
        "tunnel_method": {"tunnel_host": "1.2.3.4"},
        "a": {"b": {"c": {"d": 100}}},
        "array": [1, 2, 3],
    }
    hosts = ["localhost", "static-site.com", "${host}", "${host_with_extras}", "${number}",
             "${subdomain}.vendor.com", "${tunnel_method.tunnel_host}", "value-${a.b.c.d}",
             "${not_in_config}"]

    assert resolve_allowed_hosts(hosts, config) == [
        "localhost", "static-site.com", "foo.com", "protected-site.com", "123",
        "account.vendor.com", "1.2.3.4", "value-100", *ALWAYS_ALLOWED_HOSTS,
    ]
    assert resolve_allowed_hosts([], {}) == ALWAYS_ALLOWED_HOSTS


@pytest.mark.parametrize(
    "value",
    ["basic.com", "http://basic.com", "http://user@basic.com", "http://user:password@basic.com",
     "http://user:password@basic.com/some/path", "mongo+srv://user:password@basic.com/some/path"],
)
def test_resolver_sanitizes_values_as_the_platform_does(value: str) -> None:
    assert resolve_allowed_hosts(["${v}"], {"v": value}) == ["basic.com", *ALWAYS_ALLOWED_HOSTS]


# ---------------------------------------------------------------------------------------------
# allowedHosts follows base_url
# ---------------------------------------------------------------------------------------------


def allowed_hosts(config: Mapping[str, Any]) -> List[str]:
    return resolve_allowed_hosts(DATA["allowedHosts"]["hosts"], config)


CREDENTIALS = {"api_key": "key", "api_secret": "secret"}


@pytest.mark.parametrize(
    "base_url, host",
    [
        ("https://api.people.ai", "api.people.ai"),
        ("https://eu.api.people.ai", "eu.api.people.ai"),
        ("https://eu.api.people.ai/", "eu.api.people.ai"),
        ("https://api.people.ai:8443", "api.people.ai"),
        ("http://127.0.0.1:8765", "127.0.0.1"),
        ("http://localhost:8080", "localhost"),
    ],
)
def test_given_base_url_then_allowed_hosts_open_its_host(base_url: str, host: str) -> None:
    resolved = allowed_hosts({**CREDENTIALS, "base_url": base_url})

    assert host in resolved
    # The same host the connector sends its requests to.
    assert host == urlsplit(base_url).hostname


def test_given_no_base_url_then_allowed_hosts_open_the_default_host() -> None:
    # The platform resolves against the config as saved, before the manifest fills defaults in:
    # `${base_url}` stays unresolved and is dropped, and the listed default host remains.
    resolved = allowed_hosts(dict(CREDENTIALS))

    assert resolved == ["api.people.ai", *ALWAYS_ALLOWED_HOSTS]
    assert urlsplit(BASE_URL_SPEC["default"]).hostname == "api.people.ai"


@pytest.mark.parametrize("base_url", [BASE_URL_SPEC["default"], *BASE_URL_SPEC["examples"]])
def test_spec_default_and_examples_of_base_url_are_allowed(base_url: str) -> None:
    assert urlsplit(base_url).hostname in allowed_hosts({**CREDENTIALS, "base_url": base_url})


def _strings(node: Any, path: str = "") -> Iterator[Tuple[str, str]]:
    if isinstance(node, dict):
        for key, value in node.items():
            yield from _strings(value, f"{path}/{key}")
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _strings(value, f"{path}/{index}")
    elif isinstance(node, str):
        yield path, node


def test_every_request_of_the_manifest_goes_to_base_url() -> None:
    # allowedHosts lists base_url's host (and the default), so no request may go anywhere else.
    targets = [
        (path, value)
        for path, value in _strings(MANIFEST)
        if path.rsplit("/", 1)[-1] in {"url", "url_base", "token_refresh_endpoint"}
    ]

    assert targets, "found no request URL in manifest.yaml"
    for path, value in targets:
        assert value.startswith("{{ config['base_url'] }}"), f"{path} = {value!r}"


# ---------------------------------------------------------------------------------------------
# The registry's schema (ConnectorMetadataDefinitionV0) and the rest of the repository
# ---------------------------------------------------------------------------------------------

# The keys ConnectorMetadataDefinitionV0 allows under `data` (it forbids any other).
REGISTRY_DATA_KEYS = {
    "name", "icon", "definitionId", "connectorBuildOptions", "connectorTestSuitesOptions",
    "connectorType", "dockerRepository", "dockerImageTag", "supportsDbt", "supportsNormalization",
    "license", "documentationUrl", "externalDocumentationUrls", "githubIssueLabel",
    "maxSecondsBetweenMessages", "releaseDate", "protocolVersion", "erdUrl", "connectorSubtype",
    "releaseStage", "supportLevel", "tags", "registryOverrides", "allowedHosts", "releases",
    "normalizationConfig", "suggestedStreams", "resourceRequirements", "ab_internal",
    "remoteRegistries", "supportsRefreshes", "generated", "supportsFileTransfer",
    "supportsDataActivation", "connectorIPCOptions",
}
REGISTRY_REQUIRED_DATA_KEYS = {
    "name", "definitionId", "connectorType", "dockerRepository", "dockerImageTag", "license",
    "documentationUrl", "githubIssueLabel", "connectorSubtype", "releaseStage",
}
EXTERNAL_DOC_TYPES = {
    "api_deprecations", "api_reference", "api_release_history", "authentication_guide",
    "data_model_reference", "developer_community", "migration_guide", "openapi_spec", "other",
    "permissions_scopes", "rate_limits", "sql_reference", "status_page",
}


def test_metadata_has_only_keys_the_registry_schema_allows() -> None:
    assert set(METADATA) == {"metadataSpecVersion", "data"}
    assert REGISTRY_REQUIRED_DATA_KEYS <= set(DATA)
    assert set(DATA) <= REGISTRY_DATA_KEYS, set(DATA) - REGISTRY_DATA_KEYS


def test_external_documentation_urls_are_well_formed_help_centre_links() -> None:
    entries = DATA["externalDocumentationUrls"]

    assert entries
    for entry in entries:
        assert set(entry) <= {"title", "url", "type", "requiresLogin"}, entry
        assert entry["title"].strip()
        assert entry["type"] in EXTERNAL_DOC_TYPES
        url = urlsplit(entry["url"])
        assert url.scheme == "https" and url.hostname == "help.backstory.ai", entry["url"]


def test_icon_is_a_small_self_contained_svg() -> None:
    assert DATA["icon"] == "icon.svg"
    path = REPO_ROOT / DATA["icon"]
    text = path.read_text(encoding="utf-8")
    root = ET.fromstring(text)

    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    assert root.get("viewBox") == "0 0 250 250"
    assert path.stat().st_size < 3 * 1024
    # Nothing fetched from elsewhere: no links, no embedded images, no external styles.
    assert not re.search(r"href|<image|url\(|@import|https?://(?!www\.w3\.org/2000/svg)", text)


def test_release_date_is_a_date() -> None:
    assert dt.date.fromisoformat(str(DATA["releaseDate"])) == dt.date(2026, 11, 28)


def _newest_changelog_version() -> str:
    docs = (REPO_ROOT / "docs" / "peopleai.md").read_text(encoding="utf-8")
    changelog = docs[docs.index("## Changelog"):]
    versions = re.findall(r"^\|\s*(\d+\.\d+\.\d+)\s*\|", changelog, flags=re.MULTILINE)
    assert versions, "docs/peopleai.md has no changelog rows"
    return max(versions, key=Version)


def test_docker_image_tag_is_the_package_version_and_the_newest_changelog_entry() -> None:
    assert DATA["dockerImageTag"] == PYPROJECT["project"]["version"], (
        "metadata.yaml's dockerImageTag and pyproject.toml's version must move together"
    )
    assert DATA["dockerImageTag"] == _newest_changelog_version()


def test_base_image_runs_a_cdk_the_package_accepts() -> None:
    image = DATA["connectorBuildOptions"]["baseImage"]
    match = re.fullmatch(r"docker\.io/airbyte/source-declarative-manifest:([0-9.]+)(@sha256:[0-9a-f]{64})?", image)
    assert match, image
    image_cdk = Version(match.group(1))
    cdk = next(
        Requirement(line)
        for line in PYPROJECT["project"]["dependencies"]
        if Requirement(line).name == "airbyte-cdk"
    )
    minimum = max(Version(spec.version) for spec in cdk.specifier if spec.operator in {">=", "=="})

    assert image_cdk >= minimum
    assert image_cdk in cdk.specifier
    # The manifest declares the CDK version it was written for; the image must be at least that.
    assert image_cdk >= Version(MANIFEST["version"])


def test_metadata_names_what_the_repository_builds() -> None:
    assert {"language:manifest-only", "cdk:low-code"} <= set(DATA["tags"])
    assert not any(tag.startswith("language:") and tag != "language:manifest-only" for tag in DATA["tags"])
    assert DATA["dockerRepository"] == f"airbyte/{PYPROJECT['project']['name']}"
    assert DATA["githubIssueLabel"] == PYPROJECT["project"]["name"]
    assert DATA["documentationUrl"] == MANIFEST["spec"]["documentation_url"]
    assert DATA["license"] == PYPROJECT["project"]["license"]["text"]
