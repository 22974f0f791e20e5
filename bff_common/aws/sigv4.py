"""AWS Signature Version 4 for requests this project sends itself.

Credentials come from the environment, as Lambda provides them (AWS_ACCESS_KEY_ID,
AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN); callers fall back to botocore when they are
absent (profiles, SSO, instance roles). Endpoints follow botocore's environment
variables: AWS_ENDPOINT_URL_<SERVICE> (e.g. AWS_ENDPOINT_URL_SSM), then AWS_ENDPOINT_URL.
tests/aws/test_sigv4.py and tests/discovery/test_dynamodb_lean.py check the signatures
against botocore's.
"""

from __future__ import annotations

import hashlib
import hmac
import os
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import quote

ALGORITHM = "AWS4-HMAC-SHA256"


@dataclass(frozen=True, slots=True)
class Credentials:
    access_key: str
    secret_key: str
    token: str | None = None


def credentials_from_env(environ: Mapping[str, str] | None = None) -> Credentials | None:
    """The environment's credentials, or None (then the caller needs botocore's credential chain)."""
    env = os.environ if environ is None else environ
    key, secret = env.get("AWS_ACCESS_KEY_ID"), env.get("AWS_SECRET_ACCESS_KEY")
    if not key or not secret:
        return None
    return Credentials(key, secret, env.get("AWS_SESSION_TOKEN") or None)


def region_from_env(environ: Mapping[str, str] | None = None) -> str:
    env = os.environ if environ is None else environ
    return env.get("AWS_REGION") or env.get("AWS_DEFAULT_REGION") or "us-east-1"


def configured_endpoint(service: str, environ: Mapping[str, str] | None = None) -> str | None:
    """The endpoint the environment names for `service`, as botocore resolves it:
    AWS_ENDPOINT_URL_<SERVICE>, else AWS_ENDPOINT_URL, both ignored when
    AWS_IGNORE_CONFIGURED_ENDPOINT_URLS=true (DynamoDB Local and LocalStack users set these)."""
    env = os.environ if environ is None else environ
    if env.get("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", "").lower() == "true":
        return None
    return env.get(f"AWS_ENDPOINT_URL_{service.upper().replace('-', '_')}") or env.get("AWS_ENDPOINT_URL") or None


def endpoint_url(service: str, region: str, environ: Mapping[str, str] | None = None) -> str:
    """`https://SERVICE.REGION.amazonaws.com`, unless the environment configures another (configured_endpoint)."""
    return (configured_endpoint(service, environ) or f"https://{service}.{region}.amazonaws.com").rstrip("/")


def sign(method: str, host: str, path: str, query: Mapping[str, str], headers: Mapping[str, str], body: bytes,
         credentials: Credentials, region: str, service: str, now: datetime | None = None) -> dict[str, str]:
    """`headers` plus host, x-amz-date, x-amz-security-token and authorization; every header is signed.

    `path` is the request's path as sent (already percent-encoded); it is encoded once more for the
    canonical request, as SigV4 wants for every service but S3."""
    now = now or datetime.now(UTC)
    amz_date, day = now.strftime("%Y%m%dT%H%M%SZ"), now.strftime("%Y%m%d")
    signed = {k.lower(): str(v).strip() for k, v in headers.items()}
    signed["host"] = host
    signed["x-amz-date"] = amz_date
    if credentials.token:
        signed["x-amz-security-token"] = credentials.token
    names = sorted(signed)
    canonical_query = "&".join(f"{quote(k, safe='-_.~')}={quote(v, safe='-_.~')}" for k, v in sorted(query.items()))
    canonical = "\n".join([method, quote(path or "/", safe="/-_.~"), canonical_query,
                           *(f"{n}:{signed[n]}" for n in names), "", ";".join(names),
                           hashlib.sha256(body).hexdigest()])
    scope = f"{day}/{region}/{service}/aws4_request"
    to_sign = "\n".join([ALGORITHM, amz_date, scope, hashlib.sha256(canonical.encode()).hexdigest()])
    key = ("AWS4" + credentials.secret_key).encode()
    for part in (day, region, service, "aws4_request"):
        key = hmac.new(key, part.encode(), hashlib.sha256).digest()
    signature = hmac.new(key, to_sign.encode(), hashlib.sha256).hexdigest()
    signed["authorization"] = (f"{ALGORITHM} Credential={credentials.access_key}/{scope}, "
                               f"SignedHeaders={';'.join(names)}, Signature={signature}")
    return signed
