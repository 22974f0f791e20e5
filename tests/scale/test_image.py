"""The container image, built without a container engine: the Dockerfile's build stage is followed
(its COPY sources into a build directory, its `pip install --prefix` into a temporary root), then the
final stage's ENV and ENTRYPOINT run against that root with a bare interpreter (no site-packages but
the image's), and the HEALTHCHECK command is run against it."""

from __future__ import annotations

import os
import re
import shlex
import shutil
import socket
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from .conftest import ROOT, Process, clean_env, wait_healthy

DOCKERFILE = ROOT / "Dockerfile"


def _instructions() -> list[tuple[str, str]]:
    text = re.sub(r"\\\n", " ", DOCKERFILE.read_text())
    out = []
    for line in text.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            word, _, rest = line.partition(" ")
            out.append((word.upper(), rest.strip()))
    return out


def _stages() -> list[list[tuple[str, str]]]:
    stages: list[list[tuple[str, str]]] = []
    for word, rest in _instructions():
        if word == "FROM":
            stages.append([])
        if stages:
            stages[-1].append((word, rest))
    return stages


def _python_for(version: str) -> str:
    """The image's Python version when this machine has it (pyenv), else this interpreter's base
    (the same as `docker build --build-arg PYTHON_VERSION=3.11`)."""
    root = subprocess.run(["pyenv", "root"], capture_output=True, text=True).stdout.strip() if shutil.which(
        "pyenv") else ""
    for found in sorted(Path(root, "versions").glob(f"{version}*/bin/python{version}")) if root else []:
        return str(found)
    return getattr(sys, "_base_executable", sys.executable)


def test_the_dockerfile_has_a_slim_non_root_final_stage_with_a_health_check():
    build, final = _stages()
    assert re.fullmatch(r"python:\$\{PYTHON_VERSION\}-slim( AS \w+)?", final[0][1]) or "-slim" in final[0][1]
    words = [w for w, _ in final]
    user = dict(final).get("USER")
    assert user and user not in ("0", "root")
    assert "HEALTHCHECK" in words and "ENTRYPOINT" in words
    final_runs = " ".join(rest for w, rest in final if w == "RUN")
    assert not re.search(r"apt-get|apk|gcc|build-essential|pip install", final_runs)  # no build tools added
    assert any(w == "COPY" and "--from=build" in rest for w, rest in final)


@pytest.fixture(scope="module")
def image_root(tmp_path_factory):
    """The build stage followed on this machine; yields (root of /usr/local, python, final-stage ENV)."""
    args = dict(rest.split("=", 1) for w, rest in _instructions() if w == "ARG" and "=" in rest)
    version = args["PYTHON_VERSION"]
    python = _python_for(version)
    version = subprocess.run([python, "-c", "import sys; print('%d.%d' % sys.version_info[:2])"],
                             capture_output=True, text=True, check=True).stdout.strip()
    build, final = _stages()
    work = tmp_path_factory.mktemp("image")
    src, prefix = work / "src", work / "install"
    src.mkdir()
    for word, rest in build:
        if word == "COPY":
            *sources, _dest = shlex.split(rest)
            for name in sources:
                path = ROOT / name
                if path.is_dir():
                    shutil.copytree(path, src / name, ignore=shutil.ignore_patterns("__pycache__", "node_modules"))
                else:
                    shutil.copy(path, src / name)
        elif word == "RUN":
            argv = shlex.split(rest)
            assert argv[:2] == ["pip", "install"], f"the test does not know how to follow RUN {rest}"
            argv = [a.replace("--prefix=/install", f"--prefix={prefix}") for a in argv[2:]]
            done = subprocess.run([python, "-m", "pip", "install", "--quiet", "--disable-pip-version-check", *argv],
                                  cwd=src, capture_output=True, text=True, timeout=600)
            assert done.returncode == 0, done.stderr[-3000:]
    env = {}
    for word, rest in final:
        if word == "ENV":
            env.update(dict(pair.split("=", 1) for pair in shlex.split(rest)))
    return prefix, python, version, env, final


def _bare_env(prefix: Path, version: str, image_env: dict[str, str], **extra: str) -> dict[str, str]:
    site = prefix / "lib" / f"python{version}" / "site-packages"
    base = {k: v for k, v in clean_env().items() if not k.startswith(("PYTHON", "VIRTUAL_ENV"))}
    return {**base, **image_env, "PYTHONPATH": str(site), "PATH": f"{prefix / 'bin'}:{base.get('PATH', '')}",
            **extra}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_the_image_filesystem_runs_its_entrypoint_and_passes_its_health_check(image_root, supergraph_file, tmp_path):
    prefix, python, version, image_env, final = image_root
    entry = shlex.split(dict(final)["ENTRYPOINT"].strip("[]").replace(",", " "))
    assert entry[:2] == ['"bff"', '"serve"'] or entry[:2] == ["bff", "serve"]
    assert (prefix / "bin" / "bff").exists()
    # Loopback here (the image binds 0.0.0.0); a free port instead of 8080.
    port = _free_port()
    env = _bare_env(prefix, version, image_env, BFF_HOST="127.0.0.1", BFF_PORT=str(port),
                    BFF_SUPERGRAPH=str(supergraph_file))
    workdir = tmp_path / "srv"
    workdir.mkdir()
    # -S: no site-packages but the image's; the console script pip wrote is what ENTRYPOINT runs.
    process = Process([python, "-S", str(prefix / "bin" / "bff"), "serve"], env)
    try:
        process.wait_for(rf"GraphQL endpoint at http://127\.0\.0\.1:{port}/graphql")
        wait_healthy(f"http://127.0.0.1:{port}")
        answer = httpx.post(f"http://127.0.0.1:{port}/graphql", json={"query": '{ course(id: "c1") { title } }'})
        assert answer.json() == {"data": {"course": {"title": "Course c1"}}}
        check = re.search(r'CMD \["python", "-c", "(.*)"\]', dict(final)["HEALTHCHECK"]).group(1)
        ok = subprocess.run([python, "-S", "-c", check.replace('\\"', '"')], env=env, timeout=10)
        assert ok.returncode == 0
    finally:
        code = process.stop()
    # uvicorn re-raises SIGTERM once it has shut down cleanly (exit 143 in a container).
    assert code in (0, -15) and "Application shutdown complete" in process.output, process.output
    assert "Traceback" not in process.output
    # Nothing the non-root user could not read.
    unreadable = [p for p in prefix.rglob("*") if not os.stat(p).st_mode & 0o004]
    assert not unreadable[:5]
    size = sum(p.stat().st_size for p in prefix.rglob("*") if p.is_file())
    print(f"\nimage layer /usr/local (bff and its dependencies): {size / 1e6:.0f} MB")
    assert size < 150e6
