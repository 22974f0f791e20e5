"""GraphiQL, served offline: the page at GET /graphql (Accept: text/html) and its files under /ide/.

The files in `ide_assets/` are GraphiQL 5 with the explorer plugin, built from
pinned npm packages by `ide/build.mjs` (their licences in `ide_assets/LICENSES.txt`);
nothing is fetched from a CDN. The page refers to its files relatively
(`ide/graphiql.js` from `/graphql`), so it works under a path prefix too.

GraphiQL reads the schema by introspection: with introspection off the page is
not served unless `ide_without_introspection` says so (the docs and autocomplete
would then be empty, and a production gateway should not advertise its schema).
"""

from __future__ import annotations

import gzip
import html
import json
from pathlib import Path
from typing import Any

ASSETS_PATH = "/ide/"
_ASSETS_DIR = Path(__file__).with_name("ide_assets")
_TYPES = {".js": "text/javascript; charset=utf-8", ".css": "text/css; charset=utf-8", ".ttf": "font/ttf",
          ".txt": "text/plain; charset=utf-8"}
# name -> (raw, gzipped); filled on first use (the files are never read on a Lambda cold start).
_cache: dict[str, tuple[bytes, bytes]] = {}


def page(default_query: str, headers: dict[str, str] | None = None, endpoint: str = "graphql",
         base: str = "") -> bytes:
    """The GraphiQL page; `endpoint` is relative to the page's URL (the page is served at the endpoint),
    and so are its files, under `base` (a contract's page at /graphql/NAME uses "../")."""
    settings = {"endpoint": endpoint, "defaultQuery": default_query,
                "defaultHeaders": json.dumps(headers, indent=2) if headers else ""}
    # Inside <script type="application/json">, only "</" could end the element early.
    data = json.dumps(settings).replace("</", "<\\/")
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>bff · GraphiQL</title>
<link rel="stylesheet" href="{base}ide/graphiql.css">
<style>html,body,#graphiql{{height:100%;margin:0}}</style>
</head><body>
<div id="graphiql">{html.escape("Loading GraphiQL…")}</div>
<script id="bff-ide-settings" type="application/json">{data}</script>
<script type="module" src="{base}ide/graphiql.js"></script>
</body></html>
""".encode()


def asset(name: str, accept_encoding: str | None) -> tuple[bytes, dict[str, str]] | None:
    """One of the IDE's files (body, headers), gzipped when the client accepts it; None if unknown."""
    suffix = Path(name).suffix
    if "/" in name or name.startswith(".") or suffix not in _TYPES:
        return None
    cached = _cache.get(name)
    if cached is None:
        path = _ASSETS_DIR / name
        if not path.is_file():
            return None
        raw = path.read_bytes()
        cached = _cache[name] = (raw, gzip.compress(raw, 6, mtime=0))
    headers = {"content-type": _TYPES[suffix], "cache-control": "public, max-age=3600", "vary": "accept-encoding"}
    if accept_encoding and "gzip" in accept_encoding.lower():
        headers["content-encoding"] = "gzip"
        return cached[1], headers
    return cached[0], headers


def default_query(api_schema: Any) -> str:
    """A small, prettified query over the graph's first root field, so the page opens with something to run."""
    query_type = api_schema.query_type
    if query_type is None:
        return "{\n  __typename\n}\n"
    for name, field in query_type.fields.items():
        if any(_required(arg) for arg in field.args.values()):
            continue
        inner = _named(field.type)
        fields = getattr(inner, "fields", None)
        if fields is None:
            return f"{{\n  {name}\n}}\n"
        leaves = [n for n, f in fields.items() if _is_leaf(f.type) and not any(_required(a) for a in f.args.values())]
        if leaves:
            body = "\n".join(f"    {leaf}" for leaf in leaves[:4])
            return f"{{\n  {name} {{\n{body}\n  }}\n}}\n"
    return "{\n  __typename\n}\n"


def _named(type_: Any) -> Any:
    while hasattr(type_, "of_type"):
        type_ = type_.of_type
    return type_


def _is_leaf(type_: Any) -> bool:
    return not hasattr(_named(type_), "fields")


def _required(arg: Any) -> bool:
    from graphql import Undefined, is_non_null_type

    return is_non_null_type(arg.type) and arg.default_value is Undefined
