"""Error masking: what a subgraph's error may tell the client.

Why: a subgraph's messages and extensions can carry internals (SQL, hostnames,
stack traces). Only errors from allow-listed subgraphs, or carrying an
allow-listed code (errors meant for the client, e.g. BAD_USER_INPUT), pass
through; anything else becomes a generic error with the request id, and the
original goes to the log under that id for the operators.
"""

from __future__ import annotations

import logging
import re
import uuid
from collections.abc import Collection, Mapping
from typing import Any

logger = logging.getLogger("bff.errors")

_REQUEST_ID = re.compile(r"[A-Za-z0-9._:=-]{1,128}")  # "=": API Gateway's ids are base64
MASKED_MESSAGE = "Unexpected error in subgraph"
# Never forwarded, whatever the allow-lists say.
_PRIVATE_EXTENSIONS = ("exception", "stacktrace")


class ErrorMasking:
    """Decides, per subgraph error, between passing it through and masking it."""

    __slots__ = ("expose_all", "services", "codes")

    def __init__(self, expose: Collection[str] | str, codes: Collection[str]) -> None:
        self.expose_all = expose == "*"
        self.services = frozenset() if isinstance(expose, str) else frozenset(expose)
        self.codes = frozenset(codes)

    @property
    def masks(self) -> bool:
        """Whether any error can be masked (if not, the request id is not needed)."""
        return not self.expose_all

    def subgraph_error(self, error: dict[Any, Any], service: str, path: Any, request_id: str | None) -> dict[Any, Any]:
        """The client's version of one error a subgraph returned, at the client's `path`."""
        extensions = error.get("extensions")
        ext = dict(extensions) if isinstance(extensions, dict) else {}
        if self.expose_all or service in self.services or ext.get("code") in self.codes:
            message = error.get("message")
            out: dict[str, Any] = {"message": message if isinstance(message, str) else "Subgraph error"}
            if isinstance(path, list) and path:
                out["path"] = path
            for key in _PRIVATE_EXTENSIONS:
                ext.pop(key, None)
            ext.setdefault("serviceName", service)
            out["extensions"] = ext
            return out
        logger.warning("masked subgraph error (requestId=%s, service=%s): %s", request_id, service,
                       error.get("message"))
        out = {"message": MASKED_MESSAGE}
        if isinstance(path, list) and path:
            out["path"] = path
        out["extensions"] = {"code": "SUBGRAPH_ERROR", "requestId": request_id}
        return out


PASS_THROUGH = ErrorMasking("*", ())


def request_id(headers: Mapping[str, str]) -> str:
    """The caller's x-request-id when it is a plain token (it is echoed and logged), else a new one."""
    given = headers.get("x-request-id")
    if given and _REQUEST_ID.fullmatch(given):
        return given
    return uuid.uuid4().hex
