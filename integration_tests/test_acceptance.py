"""The CDK's standard connector tests, driven by acceptance-test-config.yml, against the stand-in.

The configs listed there (integration_tests/*config.json) hold the stand-in's credentials and a
placeholder base_url: the stand-in's port is only known once it runs, so `get_scenarios` starts
it while pytest collects and puts its address into each scenario's config. The config files are
never rewritten, so concurrent test sessions cannot point each other at the wrong stand-in.
"""

from __future__ import annotations

from typing import List

from airbyte_cdk.test.standard_tests import ConnectorTestScenario, DeclarativeSourceTestSuite

from integration_tests.stand_in_session import shared_stand_in


class TestPeopleaiStandardSuite(DeclarativeSourceTestSuite):
    @classmethod
    def get_scenarios(cls) -> List[ConnectorTestScenario]:
        base_url = shared_stand_in().url
        connector_root = cls.get_connector_root_dir()
        return [
            scenario.model_copy(
                update={
                    "config_dict": {
                        **scenario.get_config_dict(
                            connector_root=connector_root, empty_if_missing=False
                        ),
                        "base_url": base_url,
                    }
                }
            )
            for scenario in super().get_scenarios()
        ]
