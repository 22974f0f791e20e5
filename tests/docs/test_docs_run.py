"""Every shell block in README.md and docs/*.md runs, or is marked as an illustration.

A fenced block whose language is sh, bash, shell or console is run with `bash -euo pipefail`
in a scratch directory that sees the example files (services/, examples/, docs/, .venv: symlinks)
and keeps what the block writes (.bff/, supergraph.graphql...) to itself, with .venv/bin first on PATH and no BFF_*
variable from the outside. Blocks that talk to the example services run against one
`bff dev` started for this module on free ports: the default ports shown in the docs
(gateway 4000, services 4101-4104) are rewritten to the ones it got.

A block that cannot run here (it runs until Ctrl-C, needs AWS, is a synopsis with
[optional] parts) is marked on the line before its fence with
`<!-- illustration: why -->`; a block that is not shell at all carries a language
(text, yaml, json, python...). A fence without a language fails, so no command hides in one.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
SHELL = {"sh", "bash", "shell", "console"}
FENCE = re.compile(r"^(```+|~~~+)[ \t]*([^\n`]*)\n(.*?)^\1[ \t]*$", re.M | re.S)
ILLUSTRATION = re.compile(r"<!--\s*illustration:\s*\S[^>]*-->\s*$")
BLOCK_TIMEOUT = 60.0
DEFAULT_GATEWAY_PORT = 4000
DEFAULT_SERVICE_PORTS = {"accounts": 4101, "courses": 4102, "enrollments": 4103, "reviews": 4104}


@dataclass(frozen=True)
class Block:
    path: Path
    line: int
    language: str
    text: str
    illustration: bool

    @property
    def where(self) -> str:
        return f"{self.path.relative_to(ROOT)}:{self.line}"


def blocks() -> list[Block]:
    found = []
    for path in DOCS:
        text = path.read_text(encoding="utf-8")
        for match in FENCE.finditer(text):
            before = text[:match.start()].rstrip("\n").rsplit("\n", 1)[-1]
            found.append(Block(path, text.count("\n", 0, match.start()) + 1, match.group(2).strip().split(" ")[0],
                               match.group(3), bool(ILLUSTRATION.search(before))))
    return found


ALL = blocks()
RUNNABLE = [b for b in ALL if b.language in SHELL and not b.illustration]


def test_every_fence_says_what_it_holds():
    unlabelled = [b.where for b in ALL if not b.language]
    assert not unlabelled, f"fences without a language (use sh, text, json...): {unlabelled}"
    marked_not_shell = [b.where for b in ALL if b.illustration and b.language not in SHELL]
    assert not marked_not_shell, f"only shell blocks need the illustration mark: {marked_not_shell}"


def test_some_blocks_run():
    assert len(RUNNABLE) >= 5, [b.where for b in RUNNABLE]


@pytest.fixture(scope="module")
def dev_ports():
    """`bff dev` on free ports for the blocks that need the example services: {default port: real port}."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("BFF_")}
    process = subprocess.Popen([sys.executable, "-m", "gateway", "dev", "--port", "0", "--services-port-base", "0"],
                               cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    ports: dict[int, int] = {}
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            line = process.stdout.readline()  # type: ignore[union-attr]
            if not line:
                break
            service = re.match(r"\s+(\w+)\s+http://127\.0\.0\.1:(\d+)/graphql", line)
            if service and service.group(1) in DEFAULT_SERVICE_PORTS:
                ports[DEFAULT_SERVICE_PORTS[service.group(1)]] = int(service.group(2))
            gateway = re.search(r"gateway ready at http://127\.0\.0\.1:(\d+)/graphql", line)
            if gateway:
                ports[DEFAULT_GATEWAY_PORT] = int(gateway.group(1))
                break
        assert len(ports) == 5, f"bff dev did not start (ports seen: {ports})"
        yield ports
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()


def _uses_dev(text: str) -> bool:
    return any(f":{port}" in text for port in (DEFAULT_GATEWAY_PORT, *DEFAULT_SERVICE_PORTS.values()))


# What a block may read from the tree (symlinked into its scratch directory): the example files and the
# .venv the docs call (`.venv/bin/python ...`). Nothing with an installer or a build in it (scripts/, ide/,
# tests/, deploy/): a block writing through a symlink would change the tree.
READABLE = ("services", "examples", "docs", "README.md", "pyproject.toml", ".venv")


def _scratch(tmp_path: Path) -> Path:
    """A directory seeing the example files the docs name through symlinks; what a block writes stays here."""
    for name in READABLE:
        if (ROOT / name).exists():
            (tmp_path / name).symlink_to(ROOT / name)
    return tmp_path


@pytest.mark.parametrize("block", RUNNABLE, ids=[b.where for b in RUNNABLE])
def test_block_runs(block: Block, tmp_path, request):
    script = block.text
    if _uses_dev(script):
        for default, real in request.getfixturevalue("dev_ports").items():
            script = re.sub(rf"(127\.0\.0\.1|localhost):{default}\b", rf"\g<1>:{real}", script)
    env = {k: v for k, v in os.environ.items() if not k.startswith("BFF_")}
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    try:
        result = subprocess.run(["bash", "-euo", "pipefail", "-c", script], cwd=_scratch(tmp_path), env=env,
                                capture_output=True, text=True, timeout=BLOCK_TIMEOUT, stdin=subprocess.DEVNULL)
    except subprocess.TimeoutExpired as exc:
        pytest.fail(f"{block.where}: still running after {BLOCK_TIMEOUT:g} s (a server? mark it "
                    f"`<!-- illustration: ... -->`)\n{exc.stdout}\n{exc.stderr}")
    assert result.returncode == 0, (f"{block.where} exited {result.returncode}\n--- block\n{script}"
                                    f"--- stdout\n{result.stdout[-3000:]}\n--- stderr\n{result.stderr[-3000:]}")
