"""Deploy tests: `slow` marks the ones that run osls / serverless-offline (seconds each)."""

from __future__ import annotations

import pytest


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "slow: runs osls packaging or serverless-offline (several seconds)")
