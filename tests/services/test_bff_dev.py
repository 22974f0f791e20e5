"""`bff dev` as a user runs it: a child process, its printed URLs, Ctrl-C."""

from __future__ import annotations

import os
import selectors
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from gateway.dev import SAMPLE_QUERY
from services.catalog import SERVICES

ROOT = Path(__file__).resolve().parents[2]

# The dev stack with the gateway swapped for a stub that forwards to courses:
# lets the process lifecycle (ports, readiness, Ctrl-C) be tested on its own.
STUB_GATEWAY = """
import sys, httpx
import gateway.gateway
from gateway.request import GraphQLResponse

class StubGateway:
    def __init__(self, sdl, config, *args, **kwargs):
        from graphql import parse
        from gateway.supergraph.reader import read_supergraph

        self.config = config
        self.supergraph = read_supergraph(parse(sdl))  # the operator's log names the graph's services
        self.client = httpx.AsyncClient()
    async def execute(self, request):
        r = await self.client.post(self.config.subgraph_urls["courses"], json={"query": request.query})
        return GraphQLResponse(body=r.json())
    async def aclose(self):
        await self.client.aclose()

gateway.gateway.Gateway = StubGateway
from gateway.dev import main
sys.exit(main(sys.argv[1:]))
"""


class DevProcess:
    def __init__(self, *args: str, stub: bool = False) -> None:
        code = STUB_GATEWAY if stub else "import sys; from gateway.dev import main; sys.exit(main(sys.argv[1:]))"
        self.proc = subprocess.Popen(
            [sys.executable, "-c", code, *args],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env={**os.environ, "PYTHONPATH": str(ROOT)},
        )
        self.stdout = ""

    def wait_for(self, marker: str, timeout: float = 90.0) -> bool:
        """Read stdout until `marker` appears (True) or the process exits (False)."""
        assert self.proc.stdout is not None
        sel = selectors.DefaultSelector()
        sel.register(self.proc.stdout, selectors.EVENT_READ)
        deadline = time.monotonic() + timeout
        try:
            while marker not in self.stdout and time.monotonic() < deadline:
                if sel.select(timeout=0.2):
                    chunk = os.read(self.proc.stdout.fileno(), 65536)
                    if not chunk:
                        return False
                    self.stdout += chunk.decode()
                elif self.proc.poll() is not None:
                    return False
        finally:
            sel.close()
        return marker in self.stdout

    def url(self, label: str) -> str:
        for line in self.stdout.splitlines():
            if label in line:
                return next(w for w in line.split() if w.startswith("http://"))
        raise AssertionError(f"{label!r} not in output:\n{self.stdout}")

    def interrupt(self, timeout: float = 15.0) -> tuple[int, str]:
        self.proc.send_signal(signal.SIGINT)
        out, err = self.proc.communicate(timeout=timeout)
        self.stdout += out.decode()
        return self.proc.returncode, err.decode()

    def kill(self) -> str:
        """Stop the process if still running; its stderr, when there is any left to read."""
        if self.proc.returncode is None:
            self.proc.kill()
            return self.proc.communicate()[1].decode()
        return ""


def _listening(url: str) -> bool:
    host, port = url.split("//")[1].split("/")[0].rsplit(":", 1)
    with socket.socket() as s:
        return s.connect_ex((host, int(port))) == 0


def test_busy_port_is_a_clear_message_not_a_traceback():
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        dev = DevProcess("--port", str(port), "--services-port-base", "0")
        try:
            _, err = dev.proc.communicate(timeout=30)
        finally:
            dev.kill()
    assert dev.proc.returncode == 1
    assert f"port {port} on 127.0.0.1 is already in use" in err.decode()
    assert "--port" in err.decode()
    assert "Traceback" not in err.decode()


def _busy_port_after_a_free_one() -> socket.socket:
    """A listening socket on port P where P - 1 is free (a random P - 1 is sometimes taken)."""
    for _ in range(50):
        busy = socket.socket()
        busy.bind(("127.0.0.1", 0))
        port = busy.getsockname()[1]
        with socket.socket() as probe:
            try:
                probe.bind(("127.0.0.1", port - 1))
            except OSError:
                busy.close()
                continue
        busy.listen()
        return busy
    raise RuntimeError("no port P with P - 1 free found")


def test_busy_service_port_names_the_service_and_starts_nothing():
    with _busy_port_after_a_free_one() as busy:
        port = busy.getsockname()[1]
        # The second service (courses) would get the busy port; the first (accounts) gets port - 1, free.
        dev = DevProcess("--port", "0", "--services-port-base", str(port - 1))
        try:
            out, err = dev.proc.communicate(timeout=30)
        finally:
            dev.kill()
    assert dev.proc.returncode == 1
    assert "courses service" in err.decode() and "--services-port-base" in err.decode()
    assert "ready" not in out.decode()


def test_services_answer_at_the_printed_urls_and_ctrl_c_stops_everything():
    dev = DevProcess("--port", "0", "--services-port-base", "0", stub=True)
    try:
        assert dev.wait_for("Ctrl-C stops everything."), dev.stdout
        urls = {s.name: dev.url(f"  {s.name} ") for s in SERVICES}
        gateway_url = dev.url("gateway ready at")
        for name, url in urls.items():
            assert httpx.post(url, json={"query": "{ _service { sdl } }"}).json()["data"]["_service"]["sdl"], name
        assert SAMPLE_QUERY in dev.stdout.replace('\\"', '"')
        assert f"curl -s {gateway_url}" in dev.stdout
        # The (stub) gateway was wired to the printed service URLs.
        assert httpx.post(gateway_url, json={"query": "{ courses { id } }"}).json()["data"]["courses"][0] == {"id": "c1"}
        code, err = dev.interrupt()
    finally:
        dev.kill()
    assert code == 0, err
    assert "Traceback" not in err
    assert not any(_listening(u) for u in [*urls.values(), gateway_url])


def test_sample_query_through_the_real_gateway():
    dev = DevProcess("--port", "0", "--services-port-base", "0")
    try:
        if not dev.wait_for("Ctrl-C stops everything."):
            pytest.fail(f"bff dev did not start:\n{dev.stdout}\n{dev.kill()}")
        body = httpx.post(dev.url("gateway ready at"), json={"query": SAMPLE_QUERY}, timeout=30).json()
        code, err = dev.interrupt()
    finally:
        dev.kill()
    assert code == 0, err
    assert "errors" not in body, body
    courses = {c["title"]: c for c in body["data"]["courses"]}
    # Expected values straight from each service's own schema, in-process.
    from services.accounts.schema import schema as accounts
    from services.courses.schema import schema as catalogue
    from services.enrollments.schema import schema as enrollments
    from services.reviews.schema import schema as reviews

    own = catalogue.execute_sync("{ courses { id title instructor { id } } }").data["courses"]
    names = {u["id"]: u["name"] for u in accounts.execute_sync("{ users { id name } }").data["users"]}
    reps = [{"__typename": "Course", "id": c["id"], "title": c["title"]} for c in own]
    counts = enrollments.execute_sync(
        "query($r: [_Any!]!) { _entities(representations: $r) { ... on Course { enrollmentCount } } }", {"r": [{k: v for k, v in r.items() if k != "title"} for r in reps]}
    ).data["_entities"]
    ratings = reviews.execute_sync(
        "query($r: [_Any!]!) { _entities(representations: $r) { ... on Course { averageRating ratingSummary } } }", {"r": reps}
    ).data["_entities"]
    assert len(courses) == len(own) == 10
    for course, count, rating in zip(own, counts, ratings, strict=False):
        got = courses[course["title"]]
        instructor = course["instructor"] and {"name": names[course["instructor"]["id"]]}
        assert got == {"title": course["title"], "instructor": instructor, **count, **rating}
