"""The JSON Schema of bff.yaml, generated from model.py (`bff config schema`), never written by hand."""

from __future__ import annotations

from typing import Any


def json_schema() -> dict[str, Any]:
    import msgspec

    from ..access.policies import POLICIES_SCHEMA, POLICY_DEFS
    from .model import BffFile

    schema = msgspec.json.schema(BffFile)
    # `security.policies` is free-form in the model (the access layer owns its rules); its schema comes from there.
    schema["$defs"]["Security"]["properties"]["policies"] = POLICIES_SCHEMA
    schema["$defs"].update(POLICY_DEFS)
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "bff.yaml"
    return schema
