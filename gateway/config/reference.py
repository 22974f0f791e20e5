"""The reference tables of docs/configuration.md and the README, generated from the definitions.

    python -m gateway.config.reference env    # the BFF_* table
    python -m gateway.config.reference keys   # every bff.yaml key: type, default, meaning

tests/config/test_docs.py fails when the documents and these tables differ.
"""

from __future__ import annotations

import json
import sys
from typing import Any


def env_table() -> str:
    from .envvars import ENV_VARS

    kinds = {"bool": "true/false", "int": "integer", "float": "number", "str": "text", "lower": "text",
             "list": "a,b,...", "map": "NAME=VALUE,...", "secret": "reference or value", "ref": "reference",
             "limit": "integer or none", "limit_seconds": "seconds or none", "trusted": "`registry`",
             "usage": "URL or 1"}
    rows = ["| Variable | Key in bff.yaml | Value | What it sets |", "|---|---|---|---|"]
    rows += [f"| `{v.name}` | `{v.path}` | {kinds[v.kind]} | {v.help} |" for v in ENV_VARS]
    return "\n".join(rows)


def key_table() -> str:
    from .schema import json_schema

    schema = json_schema()
    rows = ["| Key | Type | Default | Meaning |", "|---|---|---|---|"]
    _rows(schema["$defs"], schema["$defs"]["BffFile"], "", rows)
    return "\n".join(rows)


def _rows(defs: dict[str, Any], node: dict[str, Any], prefix: str, rows: list[str]) -> None:
    for name, prop in node.get("properties", {}).items():
        key = f"{prefix}{name}"
        if key in _FREE_FORM:
            rows.append(f"| `{key}` | {_FREE_FORM[key]} | | {_cell(prop.get('description', ''))} |")
            continue
        target = _struct(defs, prop)
        if target is not None:
            _rows(defs, target, f"{key}.", rows)
            continue
        if "additionalProperties" in prop and isinstance(prop["additionalProperties"], dict) and \
                _struct(defs, prop["additionalProperties"]) is not None:
            _rows(defs, _struct(defs, prop["additionalProperties"]), f"{key}.NAME.", rows)  # type: ignore[arg-type]
            continue
        default = json.dumps(prop["default"]) if "default" in prop else ""
        rows.append(f"| `{key}` | {_type(prop)} | {_cell(default)} | {_cell(prop.get('description', ''))} |")


# Keys whose values are rules or options, documented where they are defined.
_FREE_FORM = {"security.policies": "mapping of name -> rule (docs/access.md)",
              "plugins": "list of {use: module:Class, options: mapping}"}


def _struct(defs: dict[str, Any], prop: dict[str, Any]) -> dict[str, Any] | None:
    for option in [prop, *prop.get("anyOf", [])]:
        ref = option.get("$ref")
        if ref:
            return defs[ref.rsplit("/", 1)[1]]  # type: ignore[no-any-return]
    return None


def _type(prop: dict[str, Any]) -> str:
    options = prop.get("anyOf", [prop])
    names = []
    for option in options:
        if "enum" in option:
            names.append(" \\| ".join(map(str, option["enum"])))
        elif "$ref" in option:
            names.append(option["$ref"].rsplit("/", 1)[1])
        else:
            kind = option.get("type", "any")
            if kind == "array":
                kind = f"list of {option.get('items', {}).get('type', 'any')}"
            bounds = [f">= {option['minimum']}" if "minimum" in option else "",
                      f"> {option['exclusiveMinimum']}" if "exclusiveMinimum" in option else ""]
            names.append(" ".join([kind, *filter(None, bounds)]))
    return " or ".join(names)


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


if __name__ == "__main__":
    print(env_table() if sys.argv[1:] == ["env"] else key_table())
