"""From credentials to a Principal: the one decision the authorizer Lambda and the gateway share.

    no token    -> anonymous when allowed, else refused (missing_token)
    a token     -> verified (jwt.py), then the principal from its claims
    bad token   -> refused, even when anonymous requests are allowed: a client
                   sending credentials means to be someone, and must learn they failed

On Lambda behind an authorizer the gateway takes the principal from the event
(context.py) and verifies nothing; with no authorizer context (local uvicorn, or
a Lambda without an authorizer) it verifies the Bearer token itself.
"""

from __future__ import annotations

import logging
from typing import Any, Mapping

from bff_common.principal import ANONYMOUS, Principal

from . import errors as e
from .bearer import bearer_token
from .config import AuthConfig
from .context import principal_from_event
from .errors import AuthConfigError, AuthError
from .jwt import JwtVerifier
from .principal import principal_from_claims

logger = logging.getLogger("bff.auth")


def auth_config_from_env(environ: Mapping[str, str] | None = None, *, dev: bool = False) -> AuthConfig:
    """`security.jwt` of BFF_CONFIG's file and the BFF_JWT_* variables (gateway/config/envvars.py);
    `dev=True` lets anonymous requests in unless told otherwise. AuthConfigError names every problem."""
    from ..config.build import auth_settings
    from ..config.errors import ConfigError

    try:
        config: AuthConfig = auth_settings(environ, dev=dev)
    except ConfigError as exc:
        raise AuthConfigError(str(exc)) from None
    return config


class Authenticator:
    def __init__(self, config: AuthConfig, *, verifier: JwtVerifier | None = None) -> None:
        self.config = config
        self.verifier = verifier if verifier is not None else (JwtVerifier(config) if config.verifies else None)

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, *, dev: bool = False) -> "Authenticator":
        """From BFF_JWT_* / BFF_ALLOW_ANONYMOUS; warns once when nothing can be verified."""
        return cls.configured(auth_config_from_env(environ, dev=dev))

    @classmethod
    def configured(cls, config: AuthConfig) -> "Authenticator":
        """An Authenticator for settings already read; warns once when nothing can be verified."""
        if not config.verifies:
            logger.warning(
                "bff.auth: no JWT verification configured (BFF_JWT_JWKS_URL / BFF_JWT_HS256_SECRET unset); "
                "requests without an API Gateway authorizer context are %s",
                "anonymous" if config.anonymous_allowed else "refused",
            )
        return cls(config)

    def authenticate(self, authorization: str | None) -> Principal:
        """The principal for an Authorization header value (synchronous: may fetch the JWKS inline)."""
        token = self._token(authorization)
        if token is None:
            return ANONYMOUS
        return self._principal(self.verifier.verify(token))  # type: ignore[union-attr]

    async def aauthenticate(self, authorization: str | None) -> Principal:
        """As `authenticate`, without blocking the event loop on a JWKS fetch."""
        token = self._token(authorization)
        if token is None:
            return ANONYMOUS
        return self._principal(await self.verifier.averify(token))  # type: ignore[union-attr]

    async def principal_for(self, headers: Mapping[str, str], event: Mapping[str, Any] | None = None) -> Principal:
        """The gateway's entry point: the API Gateway authorizer's principal when `event` has one,
        else the Bearer token in the (lower-cased) headers."""
        if event is not None:
            principal = principal_from_event(event, self.config)
            if principal is not None:
                return principal
        return await self.aauthenticate(headers.get("authorization"))

    def _token(self, authorization: str | None) -> str | None:
        """The token to verify; None for an anonymous request that is allowed; AuthError otherwise."""
        if self.verifier is None:
            if self.config.anonymous_allowed:
                return None  # nothing can be verified: credentials are ignored, as before auth existed
            raise AuthError(e.UNVERIFIABLE, "This gateway accepts only requests authorized by its API Gateway authorizer.")
        token = bearer_token(authorization)
        if token is None and not self.config.anonymous_allowed:
            raise AuthError(e.MISSING_TOKEN, "Authentication required: send an access token as Authorization: Bearer <token>.")
        return token

    def _principal(self, claims: dict[str, Any]) -> Principal:
        return principal_from_claims(claims, roles_claim=self.config.roles_claim, server_rule=self.config.server_rule)


def www_authenticate(error: AuthError) -> str:
    """The WWW-Authenticate value for a 401 (RFC 6750 3): no error code when credentials were missing."""
    if error.reason in (e.MISSING_TOKEN, e.UNVERIFIABLE):
        return "Bearer"
    # The messages are fixed texts (nothing from the token); keeping the header to printable ASCII
    # without quotes holds even if one ever is not: no CR/LF injection, nothing Latin-1 cannot encode.
    description = "".join(c if " " <= c <= "~" and c not in '"\\' else "?" for c in error.message)
    return f'Bearer error="invalid_token", error_description="{description}"'
