"""The `contracts` section of bff.yaml: checked with key paths by `bff config check`, served by `bff serve`."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from gateway.config.build import settings

ROOT = Path(__file__).resolve().parents[2]


def check(tmp_path: Path, contracts: dict) -> subprocess.CompletedProcess:
    path = tmp_path / "bff.yaml"
    path.write_text(json.dumps({"contracts": contracts}))  # JSON is YAML
    return subprocess.run([sys.executable, "-m", "gateway", "config", "check", str(path)], capture_output=True,
                          text=True, cwd=ROOT, timeout=60)


def test_every_bad_contract_is_named_with_its_key_path(tmp_path):
    result = check(tmp_path, {"default": "tablet", "definitions": {
        "mobile": {"include": ["mobile"], "clients": ["ios"]},
        "web": {"include": ["web", "internal"], "exclude": ["internal"]},
        "tablet2": {"include": ["mobile"], "clients": ["ios"], "paths": ["/health"]},
        "kiosk": {"includes": ["x"]}}})
    assert result.returncode != 0
    out = result.stdout + result.stderr
    assert "contracts.definitions.web" in out and 'both includes and excludes the tag(s) internal' in out
    assert 'the client name "ios" matches two contracts, "mobile" and "tablet2"' in out
    assert "contracts.definitions.tablet2.paths.0" in out or "contracts.definitions.tablet2.paths[0]" in out
    assert "contracts.definitions.kiosk.includes" in out and "unknown key" in out
    assert "contracts.default" in out and "'tablet' is neither" in out


def test_the_file_reaches_the_gateway(tmp_path):
    path = tmp_path / "bff.yaml"
    path.write_text(json.dumps({"contracts": {"default": "refuse", "definitions": {
        "mobile": {"include": ["mobile"], "clients": ["ios"], "claims": {"azp": ["app"]}}}}}))
    config = settings(str(path), env={}).gateway
    assert config.contract_default == "refuse"
    (mobile,) = config.contracts
    assert (mobile.name, mobile.include, mobile.clients, mobile.claims) == ("mobile", ("mobile",), ("ios",),
                                                                          (("azp", ("app",)),))
