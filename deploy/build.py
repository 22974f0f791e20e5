"""Build what `osls package` zips besides the source: the dependency layers.

    python deploy/build.py [--sdl]      (then: deploy/node_modules/.bin/osls package --stage dev)

Layers: one per function kind (deploy/requirements/<kind>.txt), installed with
pip for the Lambda runtime, not for this machine: `--platform manylinux* x86_64
--python-version 3.12 --only-binary=:all:`. That needs no python3.12 here (and
no Docker), unlike serverless-python-requirements, and gives the runtime's
binary wheels (orjson, cryptography). A layer is rebuilt only when its
requirements file changes.

Bytecode: Lambda's /var/task and /opt are read-only, so a package without `.pyc`
recompiles every module at every cold start (issue 11 measured the gateway's at 746 ms
without, 438 ms with). So python3.12 (the runtime's version; PATH or pyenv) compiles
the layers (unchecked-hash: third-party files never change in place) and the packaged
source (`__pycache__/*.cpython-312.pyc`, checked-hash: valid whatever the files'
timestamps in the zip, and never stale, since Python checks the source's hash; reading
and hashing all 146 files of the gateway zip takes 1.6 ms of CPU here). Without
python3.12 the packages work but start slower; with CI=true that is an error.

--arch arm64 builds the layers for Graviton (`--param="architecture=arm64"` when
packaging): manylinux aarch64 wheels of orjson and cryptography; the rest is pure Python.

The toolkit layer (deploy/.build/layers/toolkit) holds the code every service stack shares
(services/toolkit and what it imports: the API-key and signed-identity checks); a service
stack made from services/template/ packages its own folder and takes this layer and the
service dependencies layer from the bff stack (their ARNs in SSM, /bff/STAGE/layers/*).

Each example service's subgraph SDL (deploy/.build/sdl/NAME.graphql) is what its
Custom::BffService registers on deploy (serverless.yml, deploy/registrations.yml).
"""

from __future__ import annotations

import argparse
import hashlib
import os
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
# The packaged source folders (serverless.yml's patterns pick each function's part of them).
SOURCES = ("gateway", "discovery", "services", "bff_common")
ARCHITECTURES = {"x86_64": "x86_64", "arm64": "aarch64"}
# AL2023 (the python3.12 runtime) has glibc 2.34
PLATFORM_TAGS = ("manylinux2014_{}", "manylinux_2_28_{}", "manylinux_2_34_{}")
PLATFORMS = tuple(tag.format("x86_64") for tag in PLATFORM_TAGS)
# The source files the toolkit layer carries (services/toolkit and what it imports: bff_common, never
# gateway code), as serverless.yml's example services package them.
TOOLKIT = ("services/__init__.py", "services/toolkit/*.py", "bff_common/**/*.py")
# Bumped when what a layer holds changes for the same requirements (2: bytecode).
LAYER_FORMAT = "2"


def python312() -> str | None:
    """The Lambda runtime's Python (3.12): on PATH, else under pyenv; None when absent."""
    candidates = [shutil.which("python3.12"),
                  *map(str, sorted(Path(os.environ.get("PYENV_ROOT", Path.home() / ".pyenv")).glob(
                      "versions/3.12*/bin/python3.12")))]
    for candidate in candidates:
        if candidate and subprocess.run([candidate, "-c", "pass"], capture_output=True).returncode == 0:
            return candidate
    return None


def compile_bytecode(paths: list[Path], mode: str) -> bool:
    """`__pycache__/*.cpython-312.pyc` for every .py under `paths` (compileall, `mode` invalidation)."""
    python = python312()
    if python is None:
        if os.environ.get("CI") == "true":
            raise SystemExit("python3.12 is needed to precompile the Lambda packages' bytecode")
        print("warning: no python3.12 here: packages without bytecode (slower cold starts)", file=sys.stderr)
        return False
    subprocess.run([python, "-m", "compileall", "-q", "-f", "-j", "0", "--invalidation-mode", mode,
                    *map(str, paths)], check=True, stdout=subprocess.DEVNULL)
    return True
_GRAPH = re.compile(r'(@join__graph\(name: "([^"]+)", url: ")([^"]*)(")')


def pip_command(requirements: Path, target: Path, arch: str = "x86_64") -> list[str]:
    """pip install for the Lambda python3.12 runtime on `arch`, whatever Python runs this."""
    command = [sys.executable, "-m", "pip", "install", "--quiet", "--disable-pip-version-check", "--no-compile",
               "--target", str(target), "--implementation", "cp", "--python-version", "3.12",
               "--only-binary=:all:", "--upgrade", "-r", str(requirements)]
    for tag in PLATFORM_TAGS:
        command[4:4] = ["--platform", tag.format(ARCHITECTURES[arch])]
    return command


def build_layer(kind: str, arch: str = "x86_64") -> Path:
    """deploy/.build/layers/<kind> (its python/ folder is what Lambda puts on sys.path), with bytecode."""
    requirements = REQUIREMENTS / f"{kind}.txt"
    layer = BUILD / "layers" / kind
    stamp = layer / ".requirements-sha256"
    digest = hashlib.sha256(requirements.read_bytes() + f" {arch} {LAYER_FORMAT} {python312()}".encode()).hexdigest()
    if stamp.exists() and stamp.read_text() == digest:
        return layer
    shutil.rmtree(layer, ignore_errors=True)
    target = layer / "python"
    target.mkdir(parents=True)
    subprocess.run(pip_command(requirements, target, arch), check=True)
    for junk in [*target.glob("bin"), *target.rglob("__pycache__")]:
        shutil.rmtree(junk, ignore_errors=True)
    compile_bytecode([target], "unchecked-hash")
    stamp.write_text(digest)
    return layer


def build_toolkit_layer() -> Path:
    """deploy/.build/layers/toolkit/python: the services' shared code (TOOLKIT), with python3.12 bytecode.
    Rebuilt every time (a copy of ~40 small files): it follows the source, not a requirements file."""
    layer = BUILD / "layers" / "toolkit"
    target = layer / "python"
    shutil.rmtree(layer, ignore_errors=True)
    for pattern in TOOLKIT:
        for source in sorted(ROOT.glob(pattern)):
            if "__pycache__" in source.parts:
                continue
            destination = target / source.relative_to(ROOT)
            destination.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, destination)
    compile_bytecode([target], "checked-hash")
    return layer


def lambda_supergraph(sdl: str, stage: str, service: str = "bff") -> str:
    """`sdl` with every subgraph URL replaced by its function's endpoint, lambda:SERVICE-STAGE-NAME."""
    return _GRAPH.sub(lambda m: f"{m[1]}lambda:{service}-{stage}-{m[2]}{m[4]}", sdl)


def service_sdls() -> Path:
    """deploy/.build/sdl/<name>.graphql: each example service's subgraph SDL, what its Custom::BffService
    registers (and what `bff publish --schema` takes)."""
    import importlib

    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    out = BUILD / "sdl"
    out.mkdir(parents=True, exist_ok=True)
    for name in SERVICES:
        schema = importlib.import_module(f"services.{name}.schema").schema
        result = schema.execute_sync("{ _service { sdl } }")
        (out / f"{name}.graphql").write_text(result.data["_service"]["sdl"])
    return out


def build(stage: str = "dev", kinds: tuple[str, ...] = KINDS, arch: str = "x86_64") -> None:
    """The layers and the source's bytecode (stage-independent; the gateway gets its endpoints at run time)."""
    for kind in kinds:
        build_layer(kind, arch)
    for stale in [p for name in SOURCES for p in (ROOT / name).rglob("__pycache__/*.cpython-312.pyc")]:
        if not (stale.parent.parent / (stale.name.split(".")[0] + ".py")).exists():
            stale.unlink()  # its source was moved or deleted: the zip must not carry it
    compile_bytecode([ROOT / name for name in SOURCES], "checked-hash")
    build_toolkit_layer()
    fallback_supergraph(stage)
    service_sdls()


def fallback_supergraph(stage: str, service: str = "bff") -> Path:
    """deploy/.build/fallback/STAGE.graphql: the example graph with the stage's direct-invoke endpoints,
    packaged as the gateway's fallback (BFF_SUPERGRAPH) for a cold start that cannot read the registry;
    beside it STAGE.services.json, the entries the services register (fallback_services)."""
    out = BUILD / "fallback" / f"{stage}.graphql"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(lambda_supergraph((ROOT / "services" / "supergraph.graphql").read_text(), stage, service))
    fallback_services(stage, service)
    return out


def key_refs(stage: str) -> dict[str, str]:
    """Each example service's API-key reference on `stage`: serverless.yml's `params` (NAMEKey), the
    same values its Custom::BffService registers as ApiKeyRef."""
    import yaml

    params = yaml.safe_load((ROOT / "serverless.yml").read_text())["params"]
    merged = {**params.get("default", {}), **(params.get(stage) or {})}
    return {name: str(merged[f"{name}Key"]).replace("${sls:stage}", stage) for name in SERVICES}


def fallback_services(stage: str, service: str = "bff") -> Path:
    """deploy/.build/fallback/STAGE.services.json: the fallback graph's services as the registry lists them
    (name, endpoint, api_key_ref; references only, never key values), so the gateway serving the fallback
    still sends each service its key (BFF_FALLBACK_SERVICES)."""
    import json

    out = BUILD / "fallback" / f"{stage}.services.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    entries = [{"name": name, "endpoint": f"lambda:{service}-{stage}-{name}", "api_key_ref": ref}
               for name, ref in key_refs(stage).items()]
    out.write_text(json.dumps(entries, indent=2) + "\n")
    return out


def fallback_from_registry(stage: str, registry_url: str) -> Path:
    """The fallback as the registry serves it now: its composed supergraph (every registered service, a
    team's own included) and its entries' endpoints and key references, instead of the example graph.
    Any registry URL `bff` reads (dynamodb://TABLE, sqlite:///PATH, the registry API's https:// URL)."""
    import json

    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    from discovery import open_registry

    registry = open_registry(registry_url)
    stored = registry.supergraph()
    if stored.sdl is None:
        raise SystemExit(f"the registry {registry_url} has no supergraph yet: nothing to package as the fallback")
    out = BUILD / "fallback" / f"{stage}.graphql"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(stored.sdl)
    entries = [{"name": s.name, "endpoint": s.endpoint, "api_key_ref": s.api_key_ref}
               for s in registry.services() if s.api_key_ref]
    (out.parent / f"{stage}.services.json").write_text(json.dumps(entries, indent=2) + "\n")
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stage", default="dev")
    parser.add_argument("--arch", default="x86_64", choices=sorted(ARCHITECTURES),
                        help="the functions' architecture (serverless.yml param `architecture`)")
    parser.add_argument("--sdl", action="store_true", help="(the services' SDL is always written now)")
    parser.add_argument("--fallback-from", metavar="REGISTRY",
                        help="package the registry's current graph and entries as the fallback (default: the "
                             "example graph and serverless.yml's key references)")
    args = parser.parse_args(argv)
    build(args.stage, arch=args.arch)
    if args.fallback_from:
        print(f"fallback: {fallback_from_registry(args.stage, args.fallback_from)} (from {args.fallback_from})")
    for kind in (*KINDS, "toolkit"):
        print(f"layer {kind}: {BUILD / 'layers' / kind}")
    print(f"service SDL: {BUILD / 'sdl'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
