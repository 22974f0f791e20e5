"""The token in an `Authorization: Bearer <token>` header (RFC 6750), or why there is none usable."""

from __future__ import annotations

from .errors import INVALID_AUTHORIZATION_HEADER, AuthError


def bearer_token(authorization: str | None) -> str | None:
    """The token; None when the header is absent or empty; AuthError when it is not a Bearer credential."""
    if authorization is None or not authorization.strip():
        return None
    scheme, _, token = authorization.strip().partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token or " " in token:
        raise AuthError(INVALID_AUTHORIZATION_HEADER, 'The Authorization header must be "Bearer <token>".')
    return token
