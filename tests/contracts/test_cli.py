"""`bff contracts` and `bff contract show|diff|set|remove` against a registry, as a user runs them."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from discovery.client import open_registry
from discovery.registry import PublishRequest
from services.compose_examples import subgraph_inputs

ROOT = Path(__file__).resolve().parents[2]


def bff(*args: str, registry: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "gateway", *args, "--registry", registry], capture_output=True,
                          text=True, cwd=ROOT, timeout=120)


@pytest.fixture
def registry(tmp_path) -> str:
    url = f"sqlite:///{tmp_path}/registry.db"
    r = open_registry(url, create=True)
    for s in subgraph_inputs():
        assert r.publish(PublishRequest(s["name"], s["url"], s["sdl"], "test")).ok
    r.store.close()
    return url


def test_set_list_show_diff_and_remove(registry, tmp_path):
    done = bff("contract", "set", "mobile", "--include", "mobile", "--exclude", "internal", "--client", "ios",
               "--client", "android", "--path", "/graphql/mobile", registry=registry)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("contract mobile set: graph version 5 (added mobile: include mobile; exclude "
                                  "internal; clients ios, android; paths /graphql/mobile)")
    assert bff("contract", "set", "partner", "--include", "partner", "--claim", "azp=partner-portal",
               registry=registry).returncode == 0
    listed = bff("contracts", registry=registry)
    assert listed.stdout.splitlines() == [
        "mobile\tinclude mobile\texclude internal\tclient ios; client android; path /graphql/mobile",
        "partner\tinclude partner\texclude -\tclaim azp=partner-portal"]
    assert [d["name"] for d in json.loads(bff("contracts", "--json", registry=registry).stdout)] == ["mobile",
                                                                                                     "partner"]
    shown = bff("contract", "show", "partner", registry=registry).stdout
    assert "type Query {\n  courses: [Course!]!\n  course(id: ID!): Course\n}" in shown
    assert "User" not in shown and "ratingSummary: String!" in shown
    # diff: a new supergraph where averageRating loses its partner tag and Course gains a partner field.
    current = (ROOT / "services" / "supergraph.graphql").read_text()
    old_line = 'averageRating: Float @join__field(graph: REVIEWS) @tag(name: "mobile") @tag(name: "partner")'
    assert old_line in current
    new = current.replace(old_line, 'averageRating: Float @join__field(graph: REVIEWS) @tag(name: "mobile")\n'
                                    '  seats: Int @join__field(graph: REVIEWS) @tag(name: "partner")')
    (tmp_path / "new.graphql").write_text(new)
    diff = bff("contract", "diff", "partner", "--schema", str(tmp_path / "new.graphql"), registry=registry)
    assert diff.returncode == 1
    assert diff.stdout.splitlines() == ["breaking: Field Course.averageRating was removed.",
                                      "added: Course.seats"]
    same = bff("contract", "diff", "mobile", "--schema", str(ROOT / "services" / "supergraph.graphql"),
               registry=registry)
    assert (same.returncode, same.stdout) == (0, "no change to contract mobile\n")
    removed = bff("contract", "remove", "partner", registry=registry)
    assert removed.returncode == 1 and 'contract "partner"' in removed.stderr  # no usage recorded: conservative
    assert bff("contract", "remove", "partner", "--allow-breaking", registry=registry).returncode == 0


def test_bad_input_is_a_clear_error_naming_the_contract(registry):
    overlap = bff("contract", "set", "mobile", "--include", "mobile", "--exclude", "mobile", registry=registry)
    assert overlap.returncode == 2
    assert 'contract "mobile" both includes and excludes the tag(s) mobile' in overlap.stderr
    empty = bff("contract", "set", "kiosk", "--include", "kiosk", registry=registry)
    assert empty.returncode == 1
    assert 'error: CONTRACT_INVALID: contract "kiosk": The contract leaves the query type Query with no fields' \
        in empty.stderr
    typo = bff("contract", "set", "mobile", "--include", "mobile", "--include", "mobil", registry=registry)
    assert typo.returncode == 0 and 'warning: contract "mobile": no element carries the tag(s) mobil' in typo.stderr
    clash = bff("contract", "set", "tablet", "--include", "mobile", "--client", "ipad", registry=registry)
    assert clash.returncode == 0
    again = bff("contract", "set", "phone", "--include", "mobile", "--client", "ipad", registry=registry)
    assert again.returncode == 1
    assert 'the client name "ipad" matches two contracts, "phone" and "tablet"' in again.stderr
    bad_claim = bff("contract", "set", "x", "--claim", "azp", registry=registry)
    assert bad_claim.returncode == 2 and "--claim 'azp': use CLAIM=VALUE" in bad_claim.stderr
    unknown = bff("contract", "show", "nope", registry=registry)
    assert unknown.returncode == 2 and "no contract named 'nope'" in unknown.stderr
