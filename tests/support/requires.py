"""A test that needs a tool the suite installs itself (scripts/test): missing in CI is a
failure (the install step broke); missing on a developer's machine is a skip."""

from __future__ import annotations

import os

import pytest


def missing(message: str, *, module_level: bool = False) -> None:
    if os.environ.get("CI"):
        pytest.fail(f"{message} (CI installs it: see scripts/bootstrap.sh)", pytrace=False)
    pytest.skip(message, allow_module_level=module_level)
