"""Issue 13: registries are created only on purpose, and `bff remove` guards the graph like `bff publish`.

Everything runs the real `bff` command in a subprocess over a real SQLite registry."""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

from registry_support import ACCOUNTS, REVIEWS

from discovery.store import open_store

ROOT = Path(__file__).resolve().parents[2]


def bff(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "gateway", *args], capture_output=True, text=True, cwd=cwd,
                          timeout=60, env={"PATH": "/usr/bin:/bin", "BFF_PUBLISHER": "cli-test",
                                           "PYTHONPATH": str(ROOT)})


def publish(name: str, sdl_file: Path, reg: str, *extra: str) -> subprocess.CompletedProcess:
    return bff("publish", "--name", name, "--url", f"http://{name}.local/graphql", "--schema", str(sdl_file),
               "--registry", reg, *extra)


def test_reading_where_there_is_no_registry_creates_none(tmp_path):
    for command in (["services"], ["history"], ["supergraph"], ["usage"]):
        done = bff(*command, cwd=tmp_path)
        assert done.returncode == 1, (command, done.stderr)
        assert "no registry at sqlite:///.bff/registry.db" in done.stderr and "bff registry init" in done.stderr
        assert "Traceback" not in done.stderr and done.stderr.count("\n") == 1
    assert not (tmp_path / ".bff").exists()


def test_a_missing_directory_is_an_error_even_when_creating(tmp_path):
    reg = f"sqlite:///{tmp_path}/no/such/dir/reg.db"
    schema = tmp_path / "accounts.graphql"
    schema.write_text(ACCOUNTS)
    for done in (bff("registry", "init", reg), publish("accounts", schema, reg, "--create"), bff("services", "--registry", reg)):
        assert done.returncode == 2, done.stderr
        assert f"no directory '{tmp_path}/no/such/dir'" in done.stderr and "Traceback" not in done.stderr
    assert not (tmp_path / "no").exists()


def test_registry_init_and_publish_create_on_purpose(tmp_path):
    schema = tmp_path / "accounts.graphql"
    schema.write_text(ACCOUNTS)
    reg = f"sqlite:///{tmp_path}/reg.db"
    refused = publish("accounts", schema, reg)
    assert refused.returncode == 1 and "no registry at" in refused.stderr and "--create" in refused.stderr
    assert not (tmp_path / "reg.db").exists()
    done = publish("accounts", schema, reg, "--create")
    assert done.returncode == 0 and "graph version 1" in done.stdout, done.stderr
    assert publish("accounts", schema, reg, "--create").returncode == 0  # --create on an existing registry: a no-op
    # `bff registry init` with no URL: the default registry, .bff/ made for it
    init = bff("registry", "init", cwd=tmp_path)
    assert init.returncode == 0 and "registry sqlite:///.bff/registry.db created (graph version 0)" in init.stdout
    again = bff("registry", "init", cwd=tmp_path)
    assert again.returncode == 0 and "already exists" in again.stdout
    assert bff("services", cwd=tmp_path).stdout.strip() == "no services published"
    assert bff("registry", "init", "https://registry.example.com/").returncode == 2


def test_remove_runs_the_breaking_change_and_usage_checks_naming_the_clients(tmp_path):
    reg = f"sqlite:///{tmp_path}/reg.db"
    for name, sdl in (("accounts", ACCOUNTS), ("reviews", REVIEWS)):
        (tmp_path / f"{name}.graphql").write_text(sdl)
        assert publish(name, tmp_path / f"{name}.graphql", reg, "--create").returncode == 0
    today = datetime.now(UTC).date().isoformat()
    store = open_store(reg)
    store.record_usage(today, {("Query.reviews", "ios", "2.3"): 5, ("Review.body", "ios", "2.3"): 5,
                               ("Query.me", "web", "1.0"): 9})
    store.close()
    refused = bff("remove", "reviews", "--registry", reg)
    assert refused.returncode == 1
    assert "BREAKING_CHANGE" in refused.stderr and "Query.reviews" in refused.stderr and "ios 2.3" in refused.stderr
    assert "web 1.0" not in refused.stderr and "--allow-breaking" in refused.stderr
    assert bff("services", "--registry", reg).stdout.count("\n") == 2  # nothing was removed
    removed = bff("remove", "reviews", "--allow-breaking", "--by", "alice", "--registry", reg)
    assert removed.returncode == 0 and "graph version 3" in removed.stdout
    history = bff("history", "reviews", "--registry", reg).stdout
    assert "remove reviews" in history and "allowed by alice" in history


def test_remove_of_a_service_whose_fields_nobody_uses_needs_no_flag(tmp_path):
    reg = f"sqlite:///{tmp_path}/reg.db"
    for name, sdl in (("accounts", ACCOUNTS), ("reviews", REVIEWS)):
        (tmp_path / f"{name}.graphql").write_text(sdl)
        assert publish(name, tmp_path / f"{name}.graphql", reg, "--create").returncode == 0
    today = datetime.now(UTC).date().isoformat()
    store = open_store(reg)
    store.record_usage(today, {("Query.me", "web", "1.0"): 9})  # usage is recorded, none of it on reviews' fields
    store.close()
    removed = bff("remove", "reviews", "--registry", reg)
    assert removed.returncode == 0, removed.stderr


GUARDED = ('extend schema @link(url: "https://specs.apollo.dev/federation/v2.7", '
           'import: ["@key", "@shareable", "@authenticated"])\n')


def test_remove_runs_the_security_change_check_too(tmp_path):
    """A service that added @authenticated to a shared field cannot leave silently: the field stays
    (another service resolves it) without its access requirement."""
    from discovery.client import open_registry
    from discovery.registry import PublishRequest

    registry = open_registry(f"sqlite:///{tmp_path}/reg.db", create=True)
    users = GUARDED + 'type Query { user(id: ID!): User }\ntype User @key(fields: "id") { id: ID! email: String @shareable }\n'
    strict = GUARDED + 'type User @key(fields: "id") { id: ID! email: String @shareable @authenticated }\n'
    for name, sdl in (("users", users), ("strict", strict)):
        assert registry.publish(PublishRequest(name, f"https://{name}.internal/graphql", sdl, "alice")).ok
    refused = registry.remove("strict", "bob", allow_breaking=True)  # allow_breaking is not enough
    assert not refused.ok and [(p.code, p.coordinate) for p in refused.problems] == [("SECURITY_CHANGE", "User.email")]
    assert "--allow-security-change" in refused.summary and registry.version() == 2
    assert registry.remove("strict", "bob", allow_security_change=True).ok
    assert "security change (User.email) allowed by bob" in registry.history("strict")[-1].summary
