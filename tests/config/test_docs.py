"""The documented settings are the defined ones, and no module reads a BFF_* setting behind the table's back."""

from __future__ import annotations

import ast
import re
from pathlib import Path

from gateway.config.envvars import ENV_VARS
from gateway.config.reference import env_table, key_table
from tests.config.conftest import ROOT, bff

# Read outside the table on purpose: transport internals, not gateway settings (docs/configuration.md says so).
INTERNAL = {"BFF_HTTP_CLIENT", "BFF_LAMBDA_ENDPOINT_URL"}


def _block(path: Path, name: str) -> str:
    text = path.read_text()
    match = re.search(rf"<!-- {name}:begin -->\n(.*?)\n<!-- {name}:end -->", text, re.S)
    assert match, f"{path.name} has no {name} block"
    return match.group(1).strip()


def test_readme_and_reference_tables_are_generated_from_the_definitions():
    assert _block(ROOT / "README.md", "env") == env_table(), "run: python -m gateway.config.reference env"
    assert _block(ROOT / "docs" / "configuration.md", "env") == env_table()
    assert _block(ROOT / "docs" / "configuration.md", "keys") == key_table(), \
        "run: python -m gateway.config.reference keys"


def test_no_gateway_module_reads_a_bff_setting_of_its_own():
    table = {var.name for var in ENV_VARS}
    found: dict[str, str] = {}
    for path in (ROOT / "gateway").rglob("*.py"):
        if path.parts[-2] == "config" and path.parent.parent.name == "gateway":
            continue  # gateway/config/ is where the table is applied
        tree = ast.parse(path.read_text())
        constants = {t.id: n.value.value for n in ast.walk(tree) if isinstance(n, ast.Assign)
                     for t in n.targets if isinstance(t, ast.Name) and isinstance(n.value, ast.Constant)
                     and isinstance(n.value.value, str)}
        for node in ast.walk(tree):
            called = getattr(node.func, "attr", getattr(node.func, "id", "")) if isinstance(node, ast.Call) else ""
            if called in ("get", "getenv"):
                args = node.args[:1]
            elif isinstance(node, ast.Subscript):
                args = [node.slice]
            else:
                continue
            for arg in args:
                name = arg.value if isinstance(arg, ast.Constant) else constants.get(getattr(arg, "id", ""))
                if isinstance(name, str) and name.startswith("BFF_") and "environ" in ast.unparse(node):
                    found[name] = str(path.relative_to(ROOT))
    outside = {name: where for name, where in found.items() if name not in INTERNAL}
    assert not outside, f"read outside gateway/config/envvars.py: {outside}"
    assert not (set(found) & table)


def test_the_commands_shown_in_the_docs_run():
    assert bff("config", "check", "examples/bff.yaml").returncode == 0
    assert bff("config", "show", "examples/bff.yaml", env={"BFF_INTROSPECTION": "1"}).returncode == 0
    assert bff("config", "schema").returncode == 0
    assert bff("config", "check", "--help").returncode == 0
