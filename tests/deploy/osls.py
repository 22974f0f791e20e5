"""Running osls (deploy/node_modules) offline: no login, no telemetry, and a local stand-in for the
one AWS call `osls package` makes (DescribeStacks, to reuse unchanged layers) answering 'no such stack'."""

from __future__ import annotations

import http.server
import os
import shutil
import signal
import subprocess
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from tests.support.requires import missing

from .inprocess import ROOT

OSLS = ROOT / "deploy" / "node_modules" / ".bin" / "osls"
_NO_STACK = (b'<ErrorResponse xmlns="http://cloudformation.amazonaws.com/doc/2010-05-15/"><Error><Type>Sender</Type>'
             b'<Code>ValidationError</Code><Message>Stack with id bff does not exist</Message></Error>'
             b'<RequestId>local</RequestId></ErrorResponse>')


def require_osls() -> None:
    if not OSLS.exists() or shutil.which("node") is None:
        missing("deploy/node_modules is not installed (scripts/test installs it; or `npm ci` in deploy/)")


class _NoStack(http.server.BaseHTTPRequestHandler):
    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("content-length", 0)))
        self.send_response(400)
        self.send_header("content-type", "text/xml")
        self.send_header("content-length", str(len(_NO_STACK)))
        self.end_headers()
        self.wfile.write(_NO_STACK)

    def log_message(self, *args: object) -> None:
        pass


@contextmanager
def offline_env(**extra: str) -> Iterator[dict[str, str]]:
    """Environment for osls: fake credentials, CloudFormation pointed at the local stand-in."""
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _NoStack)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    env = {**os.environ, "SLS_TELEMETRY_DISABLED": "1", "SLS_NOTIFICATIONS_MODE": "off",
           "AWS_ACCESS_KEY_ID": "AKIALOCALONLY", "AWS_SECRET_ACCESS_KEY": "local-only", "AWS_REGION": "eu-west-1",
           "AWS_DEFAULT_REGION": "eu-west-1",  # botocore reads this one, the lean clients AWS_REGION first
           "AWS_ENDPOINT_URL_CLOUDFORMATION": f"http://127.0.0.1:{server.server_address[1]}",
           "NODE_NO_WARNINGS": "1", **extra}
    try:
        yield env
    finally:
        server.shutdown()
        server.server_close()


# An identity provider for packaging: deploy/plugins/jwks-guard.js refuses an empty jwksUrl.
IDP = ("--param=jwksUrl=https://idp.example.com/.well-known/jwks.json", "--param=jwtIssuer=https://idp.example.com/",
       "--param=jwtAudience=bff")


def package(stage: str, out: Path, *options: str, idp: bool = True) -> subprocess.CompletedProcess[str]:
    """`osls package --stage STAGE --package OUT [OPTIONS]` after building the layers and the bytecode;
    with `idp`, the IDP params unless OPTIONS name a jwksUrl."""
    require_osls()
    if idp and not any(o.startswith("--param=jwksUrl=") for o in options):
        options = (*IDP, *options)
    from .inprocess import load_build

    load_build().build(stage)
    with offline_env() as env:
        return subprocess.run([str(OSLS), "package", "--stage", stage, "--package", str(out), *options], cwd=ROOT,
                              env=env, capture_output=True, text=True, timeout=300)


@contextmanager
def offline_started(options: list[str], env: dict[str, str], timeout: float = 300) -> Iterator[list[str]]:
    """`osls offline start OPTIONS` until its "Server ready" line (its HTTP server comes up last; slow on a
    busy 2-core machine); its output, still growing, as the value; stopped, with its children, on exit.
    The output is read by a thread: select() on a buffered text pipe misses lines already read into the
    buffer."""
    import pytest

    proc = subprocess.Popen([str(OSLS), "offline", "start", *options], cwd=ROOT, env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True, start_new_session=True)
    output: list[str] = []
    ready = threading.Event()

    def read() -> None:
        for line in proc.stdout:  # type: ignore[union-attr]
            output.append(line)
            if "Server ready" in line:
                ready.set()
        ready.set()  # it exited: stop waiting

    threading.Thread(target=read, daemon=True).start()
    try:
        if not ready.wait(timeout) or proc.poll() is not None:
            pytest.fail("serverless-offline did not start:\n" + "".join(output)[-3000:])
        yield output
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
