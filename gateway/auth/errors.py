"""Why a request's credentials were refused, as a stable machine-readable reason code.

The code goes to logs, to the authorizer's context (so API Gateway responses can
be mapped on it) and to the client's error message; it never carries token contents.
"""

from __future__ import annotations

# Reason codes, one per refusal.
MISSING_TOKEN = "missing_token"
INVALID_AUTHORIZATION_HEADER = "invalid_authorization_header"
MALFORMED_TOKEN = "malformed_token"
ALG_NONE = "alg_none"
ALG_NOT_ALLOWED = "alg_not_allowed"
ALG_KEY_MISMATCH = "alg_key_mismatch"
UNSUPPORTED_HEADER = "unsupported_header"
MISSING_KID = "missing_kid"
UNKNOWN_KID = "unknown_kid"
JWKS_UNAVAILABLE = "jwks_unavailable"
BAD_SIGNATURE = "bad_signature"
EXPIRED = "expired"
NOT_YET_VALID = "not_yet_valid"
ISSUED_IN_FUTURE = "issued_in_future"
MISSING_CLAIM = "missing_claim"
INVALID_CLAIM = "invalid_claim"
WRONG_ISSUER = "wrong_issuer"
WRONG_AUDIENCE = "wrong_audience"
# A token arrived but nothing here can verify it, and anonymous requests are refused.
UNVERIFIABLE = "unverifiable"


class AuthError(Exception):
    """Credentials refused: `reason` is one of the codes above, `message` safe to show the client."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(f"{reason}: {message}")
        self.reason = reason
        self.message = message


class AuthConfigError(ValueError):
    """The auth settings are unusable (e.g. a JWKS URL without an issuer): fail at startup, not per request."""
