"""Every bad configuration is refused before anything starts: exit 2, one line per problem, no traceback."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.config.conftest import bff


def check(tmp_path: Path, text: str, env: dict[str, str] | None = None, name: str = "bff.yaml"):
    path = tmp_path / name
    path.write_text(text)
    result = bff("config", "check", str(path), env=env)
    assert result.returncode == 2, result
    assert "Traceback" not in result.stderr
    return str(path), result.stderr.splitlines()


@pytest.mark.parametrize("text, line, message", [
    ("server:\n  cors:\n    origin: [https://a]\n", 3, "`server.cors.origin`: unknown key; did you mean `origins`?"),
    ("server:\n  port: abc\n", 2, "`server.port`: expected an integer, got 'abc'"),
    ("subgraphs:\n  all:\n    timeout: -1\n", 3, "`subgraphs.all.timeout`: expected a number > 0.0, got -1"),
    ("security:\n  access:\n    mode: allow-all\n", 3, "`security.access.mode`: expected one of filter, reject"),
    ("limits:\n  max_dept: 3\n", 2, "`limits.max_dept`: unknown key; did you mean `max_depth`?"),
    ("subgraphs:\n  reviews:\n    api_key: hunter2\n", 3, "`subgraphs.reviews.api_key`: a secret must be a reference"),
    ("security:\n  identity_secret: s3cr3t\n", 2, "`security.identity_secret`: a secret must be a reference"),
    ("plugins:\n  - use: audit\n", 2, "`plugins[0].use`: expected module:Class, got 'audit'"),
    ("plugins:\n  - use: no_such_module_x:Audit\n", 2, "`plugins[0].use`: cannot import no_such_module_x"),
    ("plugins:\n  - use: json:NoSuchClass\n", 2, "`plugins[0].use`: module json has no NoSuchClass"),
    ("plugins:\n  - options: {}\n", 2, "`plugins[0].use`: required key is missing"),
    ("subgraphs:\n  reviews:\n    deadline_margin: 2\n", 3,
     "`subgraphs.reviews.deadline_margin`: belongs under `subgraphs.all`"),
    ("subgraphs:\n  reviews:\n    retries: {attempts: -1}\n", 3,
     "`subgraphs.reviews.retries.attempts`: expected an integer >= 0, got -1"),
    ("subgraphs:\n  reviews:\n    retries:\n      on_timeout: maybe\n", 4,
     "`subgraphs.reviews.retries.on_timeout`: expected true or false, got 'maybe'"),
    ("subgraphs:\n  reviews:\n    circuit_breaker:\n      open_seconds: 0\n", 4,
     "`subgraphs.reviews.circuit_breaker.open_seconds`: expected a number > 0.0, got 0"),
    ("subgraphs:\n  reviews:\n    circuit_breaker: {treshold: 1}\n", 3,
     "`subgraphs.reviews.circuit_breaker.treshold`: unknown key; did you mean `threshold`?"),
    ("subgraphs:\n  all:\n    headers:\n      response: [x-served-by, content-length]\n", 4,
     "`subgraphs.all.headers.response[1]`: 'content-length' is never copied: it frames the subgraph's own"),
    ("subgraphs:\n  reviews:\n    headers:\n      response: [\"x trace\"]\n", 4,
     "`subgraphs.reviews.headers.response[0]`: 'x trace' is not a header name or a \"prefix-*\""),
    ("subgraphs:\n  reviews:\n    headers:\n      response: x-served-by\n", 4,
     "`subgraphs.reviews.headers.response`: expected a list, got a string"),
    ("server:\n  port: 1\n  port: 2\n", 3, "`server.port`: duplicate key"),
    ("server: 3\n", 1, "`server`: expected a mapping of keys, got an integer"),
    ("limits:\n  prepare_queue: 0\n", 2, "`limits.prepare_queue`: expected an integer >= 1, got 0"),
    ("limits:\n  prepare_wait: 0\n", 2, "`limits.prepare_wait`: expected a number > 0.0, got 0"),
    ("persisted_documents:\n  trusted:\n    from_registry: true\n", 3, "needs `supergraph.registry`"),
])
def test_each_problem_names_file_line_key_and_what_is_expected(tmp_path, text, line, message):
    path, lines = check(tmp_path, text)
    assert lines == [f"bff config check: error: {path}:{line}: {message}"] or \
        (len(lines) == 1 and lines[0].startswith(f"bff config check: error: {path}:{line}: ")
         and message in lines[0]), lines


def test_all_problems_are_reported_one_per_line(tmp_path):
    path, lines = check(tmp_path, "server:\n  cors:\n    origin: []\n  port: -5\nsecurity:\n  access:\n"
                                  "    mode: nope\nplugins:\n  - use: no_such_module_y:P\n")
    assert len(lines) == 4, lines
    assert all(line.startswith(f"bff config check: error: {path}:") for line in lines)


@pytest.mark.parametrize("text, fragment", [
    ("server: [1\n", ":2:1: not valid YAML"),
    ("server:\n\tport: 3\n", ":2:1: not valid YAML: found character that cannot start any token; indent with "
                             "spaces, not tabs"),
    ("", ": the file is empty"),
    ("# only a comment\n", ": the file is empty"),
    ("- a\n- b\n", ": expected a mapping of sections"),
])
def test_not_yaml_empty_and_tabs(tmp_path, text, fragment):
    path, lines = check(tmp_path, text)
    assert len(lines) == 1 and lines[0].startswith(f"bff config check: error: {path}") and fragment in lines[0], lines


def test_a_missing_file(tmp_path):
    result = bff("config", "check", str(tmp_path / "nope.yaml"))
    assert result.returncode == 2 and "nope.yaml: cannot read the config file" in result.stderr


@pytest.mark.parametrize("env, message", [
    ({"BFF_SUBGRAPH_TIMEOUT": "abc"},
     "BFF_SUBGRAPH_TIMEOUT: expected a number, got 'abc' (sets `subgraphs.all.timeout`)"),
    ({"BFF_PORT": "-1"}, "BFF_PORT: `server.port`: expected an integer >= 0, got -1"),
    ({"BFF_ACCESS_MODE": "allow-all"}, "BFF_ACCESS_MODE: `security.access.mode`: expected one of filter, reject"),
    ({"BFF_INTROSPECTION": "maybe"}, "BFF_INTROSPECTION: expected true or false, got 'maybe'"),
    ({"BFF_LIMITS_PREPARE_QUEUE": "1.5"},
     "BFF_LIMITS_PREPARE_QUEUE: `limits.prepare_queue`: expected `int | null`, got 1.5"),
    ({"BFF_LIMITS_PREPARE_WAIT": "soon"}, "BFF_LIMITS_PREPARE_WAIT: expected an integer or none, got 'soon'"),
    ({"BFF_SUBGRAPH_API_KEYS": "accounts=hunter2"}, "BFF_SUBGRAPH_API_KEYS: `subgraphs.accounts.api_key`: a secret "
                                                    "must be a reference"),
])
def test_bad_environment_values_name_the_variable(tmp_path, env, message):
    _, lines = check(tmp_path, "server:\n  host: 127.0.0.1\n", env=env)
    assert len(lines) == 1 and message in lines[0], lines


def test_bff_serve_refuses_a_bad_flag_value_naming_the_flag(tmp_path):
    result = bff("serve", "--supergraph", "x.graphql", "--subgraph-api-key", "accounts=hunter2")
    assert result.returncode == 2
    assert "--subgraph-api-key: `subgraphs.accounts.api_key`: a secret must be a reference" in result.stderr


def test_cli_polish():
    assert bff("--version").stdout.startswith("bff ")
    typo = bff("serve", "--supergraf", "x")
    assert typo.returncode == 2 and typo.stderr.startswith("usage: bff serve")
    abbreviated = bff("serve", "--super", "x")  # no abbreviations
    assert abbreviated.returncode == 2 and "unrecognized arguments: --super" in abbreviated.stderr
    from gateway.cli import COMMANDS

    for command in COMMANDS:
        text = bff(command, "--help").stdout
        assert "example:" in text and f"bff {command}" in text, command
    assert "did you mean `serve`" in bff("serv").stderr


def test_bff_serve_does_not_import_the_registry_commands():
    import subprocess
    import sys

    from tests.config.conftest import ROOT

    code = ("import sys\nfrom gateway.cli import main\nrc = main(['serve', '--supergraph', 'missing.graphql'])\n"
            "print(rc, [m for m in ('discovery.cli', 'discovery.usage_cli', 'discovery.documents_cli', "
            "'discovery.compose.cli') if m in sys.modules])\n")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=60)
    assert result.stdout.strip() == "2 []", (result.stdout, result.stderr)


def test_bff_dev_refuses_a_bad_config_before_starting_anything(tmp_path):
    path = tmp_path / "bff.yaml"
    path.write_text("server:\n  prot: 1\n")
    result = bff("dev", "--config", str(path), "--port", "0", "--services-port-base", "0")
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert result.stderr.strip() == f"bff dev: error: {path}:2: `server.prot`: unknown key; did you mean `port`?"


def test_policies_are_checked_by_the_access_layer_with_file_lines(tmp_path):
    path, lines = check(tmp_path, "security:\n  policies:\n    admins:\n      rolez: [admin]\n    other: 3\n")
    assert lines == [
        f"bff config check: error: {path}:4: `security.policies.admins.rolez`: unknown condition; "
        "did you mean `roles`?",
        f"bff config check: error: {path}:5: `security.policies.other`: expected a rule (a mapping), got a number",
    ], lines


def test_the_example_file_carries_the_example_graphs_policies():
    from gateway.config.build import settings
    from gateway.dev import DEV_CONFIG
    from services.policies import EXAMPLE_POLICIES

    assert settings(str(DEV_CONFIG), env={}).gateway.access_policies == EXAMPLE_POLICIES
