"""A real redis-server (Debian's package; scripts/bootstrap.sh installs it) on a free loopback port.

No persistence, no config file: `start()` returns the process and its `redis://` URL once it
answers PING; `stop()` ends that process only.
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import time

from tests.support.dynamodb_local import free_port


def find() -> str | None:
    """redis-server (or valkey-server) on PATH, or None."""
    return shutil.which("redis-server") or shutil.which("valkey-server")


def start(port: int | None = None, timeout: float = 15.0) -> tuple[subprocess.Popen, str]:
    server = find()
    if server is None:
        raise FileNotFoundError("redis-server is not installed (scripts/bootstrap.sh installs Debian's redis-server)")
    port = port or free_port()
    proc = subprocess.Popen([server, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
                             "--protected-mode", "yes"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"redis-server exited with code {proc.returncode}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2) as sock:
                sock.sendall(b"PING\r\n")
                if sock.recv(16).startswith(b"+PONG"):
                    return proc, f"redis://127.0.0.1:{port}"
        except OSError:
            time.sleep(0.05)
    stop(proc)
    raise RuntimeError(f"redis-server did not answer on port {port} within {timeout}s")


def stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(5)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(5)
