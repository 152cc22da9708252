"""The People.ai (Backstory) source: a declarative manifest run by the Airbyte CDK."""

from source_peopleai.source import SourcePeopleai, manifest_path

__all__ = ["SourcePeopleai", "manifest_path"]
