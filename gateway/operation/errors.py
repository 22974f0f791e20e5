"""The request error every stage of operation preparation raises (its own module, so the limits
and the preparation that calls them can both raise it without importing each other)."""

from __future__ import annotations

from typing import Any


class RequestError(Exception):
    """The request cannot run: the message and code go to the client as a GraphQL error."""

    def __init__(self, errors: list[dict[str, Any]], status: int | None = None) -> None:
        super().__init__(errors[0]["message"] if errors else "bad request")
        self.errors = errors
        self.status = status
