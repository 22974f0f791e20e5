"""The commands docs/realtime.md and `bff dev`'s banner show, run as shown (curl) against `bff dev`."""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DOC = ROOT / "docs" / "realtime.md"


@pytest.fixture(scope="module")
def dev() -> Iterator[tuple[str, str]]:
    """`bff dev` on free ports: (its gateway URL, its banner)."""
    proc = subprocess.Popen([sys.executable, "-c", "import sys; from gateway.dev import main; "
                             "sys.exit(main(sys.argv[1:]))", "--port", "0", "--services-port-base", "0"],
                            cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            env={**os.environ, "PYTHONPATH": str(ROOT), "BFF_EXAMPLE_SLOW_SECONDS": "0.5"})
    banner = []
    assert proc.stdout is not None
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        line = proc.stdout.readline()
        if not line:
            break
        banner.append(line)
        if "Ctrl-C stops everything." in line:
            break
    text = "".join(banner)
    found = re.search(r"gateway ready at (http://\S+/graphql)", text)
    assert found, text
    try:
        yield found.group(1), text
    finally:
        proc.terminate()
        proc.wait(20)


def _commands(text: str) -> list[str]:
    """Each `curl` command in `text` (continuation lines joined)."""
    joined = re.sub(r"\\\n\s*", " ", text)
    return [line.strip() for line in joined.splitlines() if line.strip().startswith("curl ")]


def _follow_and_post(subscribe: str, post: str) -> str:
    """Run the SSE command, then the mutation (again until an event shows); what the first printed."""
    import threading

    follower = subprocess.Popen(shlex.split(subscribe) + ["--max-time", "30", "--silent"], stdout=subprocess.PIPE,
                                text=True)
    out: list[str] = []
    threading.Thread(target=lambda: out.extend(iter(follower.stdout.readline, "")), daemon=True).start()  # type: ignore[union-attr]
    try:
        deadline = time.monotonic() + 30
        while "event: next" not in "".join(out) and time.monotonic() < deadline:
            subprocess.run(shlex.split(post), capture_output=True, check=True, timeout=10)
            time.sleep(0.5)
        time.sleep(0.2)
        return "".join(out)
    finally:
        follower.kill()
        follower.wait(5)


def test_banner_commands_follow_a_review(dev: tuple[str, str]) -> None:
    url, banner = dev
    subscribe, post = [c for c in _commands(banner) if "reviewAdded" in c or "addReview" in c]
    out = _follow_and_post(subscribe, post)
    assert '"body":"Loved it"' in out and '"course":{"title":"Introduction to GraphQL"}' in out, out


def test_doc_commands_run_as_shown(dev: tuple[str, str]) -> None:
    url, _ = dev
    commands = [c.replace("http://127.0.0.1:4000/graphql", url) for c in _commands(DOC.read_text())]
    subscribe, post, defer = commands
    out = _follow_and_post(subscribe, post)
    assert '{"reviewAdded":{"rating":5,"body":"Loved it","author":{"name":"Alan Turing"},' \
           '"course":{"title":"Introduction to GraphQL"}}}' in out, out
    result = subprocess.run(shlex.split(defer), capture_output=True, timeout=30)
    parts = result.stdout.decode().split("\r\n---")
    assert '{"data":{"course":{"title":"Introduction to GraphQL"}},"hasNext":true}' in parts[1]
    assert '"label":"more"' in parts[2] and '"hasNext":false' in parts[2] and parts[-1] == "--\r\n"
