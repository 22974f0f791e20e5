"""Build what `osls package` zips besides the source: the dependency layers.

    python deploy/build.py [--sdl]      (then: deploy/node_modules/.bin/osls package --stage dev)

Layers: one per function kind (deploy/requirements/<kind>.txt), installed with
pip for the Lambda runtime, not for this machine: `--platform manylinux* x86_64
--python-version 3.12 --only-binary=:all:`. That needs no python3.12 here (and
no Docker), unlike serverless-python-requirements, and gives the runtime's
binary wheels (orjson, cryptography). A layer is rebuilt only when its
requirements file changes.

--sdl also writes each example service's subgraph SDL (deploy/.build/sdl/) for the
post-deploy `bff publish` step.
"""

from __future__ import annotations

import argparse
import hashlib
import re
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BUILD = ROOT / "deploy" / ".build"
REQUIREMENTS = ROOT / "deploy" / "requirements"
KINDS = ("gateway", "service", "registry", "authorizer")
SERVICES = ("accounts", "courses", "enrollments", "reviews")
PLATFORMS = ("manylinux2014_x86_64", "manylinux_2_28_x86_64", "manylinux_2_34_x86_64")  # AL2023: glibc 2.34
_GRAPH = re.compile(r'(@join__graph\(name: "([^"]+)", url: ")([^"]*)(")')


def pip_command(requirements: Path, target: Path) -> list[str]:
    """pip install for the Lambda python3.12 x86_64 runtime, whatever Python runs this."""
    command = [sys.executable, "-m", "pip", "install", "--quiet", "--disable-pip-version-check", "--no-compile",
               "--target", str(target), "--implementation", "cp", "--python-version", "3.12",
               "--only-binary=:all:", "--upgrade", "-r", str(requirements)]
    for platform in PLATFORMS:
        command[4:4] = ["--platform", platform]
    return command


def build_layer(kind: str) -> Path:
    """deploy/.build/layers/<kind> (its python/ folder is what Lambda puts on sys.path)."""
    requirements = REQUIREMENTS / f"{kind}.txt"
    layer = BUILD / "layers" / kind
    stamp = layer / ".requirements-sha256"
    digest = hashlib.sha256(requirements.read_bytes() + " ".join(PLATFORMS).encode()).hexdigest()
    if stamp.exists() and stamp.read_text() == digest:
        return layer
    shutil.rmtree(layer, ignore_errors=True)
    target = layer / "python"
    target.mkdir(parents=True)
    subprocess.run(pip_command(requirements, target), check=True)
    for junk in [*target.glob("bin"), *target.rglob("__pycache__")]:
        shutil.rmtree(junk, ignore_errors=True)
    stamp.write_text(digest)
    return layer


def lambda_supergraph(sdl: str, stage: str, service: str = "bff") -> str:
    """`sdl` with every subgraph URL replaced by its function's endpoint, lambda:SERVICE-STAGE-NAME."""
    return _GRAPH.sub(lambda m: f"{m[1]}lambda:{service}-{stage}-{m[2]}{m[4]}", sdl)


def service_sdls() -> Path:
    """deploy/.build/sdl/<name>.graphql: each example service's subgraph SDL, for `bff publish --schema`."""
    import importlib

    out = BUILD / "sdl"
    out.mkdir(parents=True, exist_ok=True)
    for name in SERVICES:
        schema = importlib.import_module(f"services.{name}.schema").schema
        result = schema.execute_sync("{ _service { sdl } }")
        (out / f"{name}.graphql").write_text(result.data["_service"]["sdl"])
    return out


def build(stage: str = "dev", kinds: tuple[str, ...] = KINDS) -> None:
    """The layers (stage-independent; the gateway gets its Lambda endpoints from BFF_SUBGRAPH_URLS)."""
    for kind in kinds:
        build_layer(kind)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stage", default="dev")
    parser.add_argument("--sdl", action="store_true", help="also write the services' SDL for `bff publish`")
    args = parser.parse_args(argv)
    build(args.stage)
    for kind in KINDS:
        print(f"layer {kind}: {BUILD / 'layers' / kind}")
    if args.sdl:
        sys.path.insert(0, str(ROOT))
        print(f"service SDL: {service_sdls()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
