"""The JSON Schema of bff.yaml, generated from model.py (`bff config schema`), never written by hand."""

from __future__ import annotations

from typing import Any


def json_schema() -> dict[str, Any]:
    import msgspec

    from .model import BffFile

    schema = msgspec.json.schema(BffFile)
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "bff.yaml"
    return schema
