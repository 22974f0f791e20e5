"""`AuthConfig`: how the gateway and the Lambda authorizer verify users' JWTs.

Set in bff.yaml's `security.jwt` (one key per field below, same name) or by these
variables (gateway/config/envvars.py; the hs256 secret is a reference in the file);
read by gateway.auth.authenticate.auth_config_from_env:

    BFF_JWT_JWKS_URL       JWKS of the identity provider (RS256 / ES256); https, or http on loopback
    BFF_JWT_ISSUER         expected `iss` (required with a JWKS URL)
    BFF_JWT_AUDIENCE       accepted audiences, comma-separated (required with a JWKS URL)
    BFF_JWT_HS256_SECRET   shared secret enabling HS256, for local use only (>= 32 bytes)
    BFF_JWT_ROLES_CLAIM    claim holding roles: `cognito:groups`, `https://example.com/roles`,
                           or a dotted path such as `realm_access.roles` (default `roles`)
    BFF_JWT_SERVER_RULE    which tokens are services calling as themselves (see server_rule.py)
    BFF_JWT_LEEWAY         clock skew tolerated on exp / nbf / iat, seconds (default 30)
    BFF_JWT_JWKS_TTL       seconds a fetched JWKS is used before it is fetched again (default 600)
    BFF_JWT_JWKS_MIN_REFRESH  at most one JWKS fetch per this many seconds (default 30)
    BFF_ALLOW_ANONYMOUS    accept requests without a token (default: false once a verifier is
                           configured; `bff dev` may default it to true)
    BFF_AUTHORIZER_REFUSAL REST authorizer refusals: `unauthorized` (401, default) or `deny`
                           (an explicit Deny policy, 403, with the reason in its context)

With neither a JWKS URL nor an HS256 secret nothing can be verified: requests
are anonymous unless BFF_ALLOW_ANONYMOUS=false says otherwise (behind an API
Gateway authorizer the principal then comes from the authorizer's context only).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import urlsplit

from .errors import AuthConfigError
from .server_rule import DEFAULT_SERVER_RULE, ServerRule

ASYMMETRIC_ALGORITHMS = frozenset({"RS256", "ES256"})
_LOOPBACK = {"127.0.0.1", "::1", "localhost"}


@dataclass(frozen=True, slots=True)
class AuthConfig:
    jwks_url: str | None = None
    issuer: str | None = None
    audiences: tuple[str, ...] = ()
    hs256_secret: bytes | None = field(default=None, repr=False)
    roles_claim: str = "roles"
    server_rule: ServerRule = field(default_factory=lambda: ServerRule.parse(DEFAULT_SERVER_RULE))
    leeway: float = 30.0
    # None: anonymous allowed exactly when nothing can be verified (today's behaviour).
    allow_anonymous: bool | None = None
    jwks_ttl: float = 600.0
    jwks_min_refresh_interval: float = 30.0
    jwks_timeout: float = 5.0
    rest_refusal: str = "unauthorized"

    def __post_init__(self) -> None:
        if self.jwks_url is not None:
            parts = urlsplit(self.jwks_url)
            if parts.scheme != "https" and not (parts.scheme == "http" and parts.hostname in _LOOPBACK):
                raise AuthConfigError(f"BFF_JWT_JWKS_URL (jwks_url) must be https (http only on loopback): "
                                      f"{self.jwks_url!r}")
            if not self.issuer:
                raise AuthConfigError("BFF_JWT_ISSUER is required with BFF_JWT_JWKS_URL "
                                      "(in bff.yaml: issuer with jwks_url)")
            if not self.audiences:
                raise AuthConfigError("BFF_JWT_AUDIENCE is required with BFF_JWT_JWKS_URL "
                                      "(in bff.yaml: audiences with jwks_url)")
        if self.hs256_secret is not None and len(self.hs256_secret) < 32:
            raise AuthConfigError("BFF_JWT_HS256_SECRET (hs256_secret) must be at least 32 bytes (RFC 7518 3.2)")
        if self.leeway < 0 or self.leeway > 300:
            raise AuthConfigError(f"BFF_JWT_LEEWAY (leeway) must be between 0 and 300 seconds, not {self.leeway}")
        if self.rest_refusal not in ("unauthorized", "deny"):
            raise AuthConfigError(f"BFF_AUTHORIZER_REFUSAL (rest_refusal) must be 'unauthorized' or 'deny', "
                                  f"not {self.rest_refusal!r}")

    @property
    def verifies(self) -> bool:
        """True when tokens can be verified here (a JWKS URL or an HS256 secret is set)."""
        return self.jwks_url is not None or self.hs256_secret is not None

    @property
    def anonymous_allowed(self) -> bool:
        return (not self.verifies) if self.allow_anonymous is None else self.allow_anonymous

    @property
    def algorithms(self) -> frozenset[str]:
        """The `alg` values a token may carry; HS256 only with an explicitly configured secret."""
        algs: set[str] = set()
        if self.jwks_url is not None:
            algs |= ASYMMETRIC_ALGORITHMS
        if self.hs256_secret is not None:
            algs.add("HS256")
        return frozenset(algs)
