"""Users -> gateway authentication: JWT verification shared by the Lambda authorizer and the gateway.

    config.py        AuthConfig, set by bff.yaml's security.jwt or BFF_JWT_*, BFF_ALLOW_ANONYMOUS
    errors.py        AuthError and its reason codes
    jwk.py           one JWK -> a public key (RSA, EC P-256; imported by joserfc), with the alg it may verify
    jwks.py          fetch and cache a JWKS; rate-limited refresh on an unknown kid
    jwt.py           the verification policy over joserfc: alg, signature, claims
    principal.py     Principal (bff_common/principal.py: viewer / server / anonymous) from verified claims
    server_rule.py   the explicit rule deciding that a token is a service calling as itself
    context.py       Principal <-> API Gateway authorizer context (flat strings)
    authenticate.py  the gateway's side: principal from the Lambda event or the Bearer token
    authorizer.py    Lambda authorizer handlers (HTTP API v2, REST TOKEN / REQUEST)

Nothing here imports joserfc or `cryptography` until a token must be
verified, and nothing imports graphql, mangum or uvicorn: the authorizer Lambda
loads only this package.
"""
