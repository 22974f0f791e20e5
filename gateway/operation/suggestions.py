"""Remove "Did you mean ...?" hints from validation and variable errors.

Why: suggestions let anyone map a schema field by field even with
introspection off. graphql-core appends them at the end of a message (or of
the inner message of a variable error), always as " Did you mean ...?".
"""

from __future__ import annotations

import re
from typing import Any

_SUGGESTION = re.compile(r" Did you mean [^\n]*\?$")


def without_suggestions(errors: list[dict[Any, Any]]) -> list[dict[Any, Any]]:
    """The same errors, their messages cut before any suggestion."""
    for error in errors:
        message = error.get("message")
        if isinstance(message, str) and "Did you mean" in message:
            error["message"] = _SUGGESTION.sub("", message)
    return errors
