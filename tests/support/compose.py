"""Compose subgraph SDLs into a supergraph with the Node reference composers.

`compose([{"name": ..., "url": ..., "sdl": ...}, ...])` runs
tests/node/compose.mjs (Guild composer by default, `composer="apollo"` for
@apollo/composition) and returns the supergraph SDL. Results are cached on disk
by a hash of the input, so reruns of the suite skip the Node start-up.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
NODE_DIR = ROOT / "tests" / "node"
COMPOSE_SCRIPT = NODE_DIR / "compose.mjs"
CACHE_DIR = ROOT / ".pytest_cache" / "supergraphs"


class CompositionError(Exception):
    """The composer rejected the subgraphs; `errors` holds its messages."""

    def __init__(self, composer: str, errors: list[dict] | str) -> None:
        self.composer = composer
        self.errors = errors
        if isinstance(errors, list):
            text = "\n".join(f"  - [{e.get('code')}] {e.get('message')}" for e in errors)
        else:
            text = f"  {errors}"
        super().__init__(f"supergraph composition failed ({composer}):\n{text}")


def _cache_dir() -> Path:
    try:
        CACHE_DIR.mkdir(parents=True, exist_ok=True)
        return CACHE_DIR
    except OSError:
        path = Path(tempfile.gettempdir()) / "bff-supergraphs"
        path.mkdir(parents=True, exist_ok=True)
        return path


def compose(subgraphs: list[dict], composer: str = "guild", *, cache: bool = True) -> str:
    if composer not in ("guild", "apollo"):
        raise ValueError(f"unknown composer {composer!r} (guild or apollo)")
    payload = json.dumps(
        [{"name": s["name"], "url": s["url"], "sdl": s["sdl"]} for s in subgraphs],
        sort_keys=True,
    )
    script_hash = hashlib.sha256(COMPOSE_SCRIPT.read_bytes()).hexdigest()[:12]
    digest = hashlib.sha256(f"{composer}\0{script_hash}\0{payload}".encode()).hexdigest()
    cached = _cache_dir() / f"{digest}.graphql"
    if cache and cached.exists():
        return cached.read_text()

    args = ["node", str(COMPOSE_SCRIPT)] + (["--apollo"] if composer == "apollo" else [])
    proc = subprocess.run(args, input=payload, capture_output=True, text=True, cwd=NODE_DIR, timeout=120)
    if proc.returncode != 0:
        try:
            errors = json.loads(proc.stderr)
        except ValueError:
            errors = proc.stderr.strip() or f"exit code {proc.returncode}"
        raise CompositionError(composer, errors)
    sdl = proc.stdout
    if cache:
        tmp = cached.with_suffix(f".{os.getpid()}.tmp")
        tmp.write_text(sdl)
        tmp.replace(cached)
    return sdl
