"""A test identity provider: real keys (RSA 2048, EC P-256), real signed tokens, and a JWKS
served over HTTP on loopback by a thread that counts its requests."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature

ISSUER = "https://idp.example.com/"
AUDIENCE = "https://api.example.com"


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _uint(value: int) -> str:
    return b64url(value.to_bytes((value.bit_length() + 7) // 8, "big"))


@dataclass
class SigningKey:
    kid: str
    alg: str  # RS256 or ES256
    private: Any

    @property
    def jwk(self) -> dict[str, Any]:
        numbers = self.private.public_key().public_numbers()
        if self.alg == "RS256":
            return {"kty": "RSA", "kid": self.kid, "use": "sig", "alg": "RS256", "n": _uint(numbers.n), "e": _uint(numbers.e)}
        return {"kty": "EC", "kid": self.kid, "use": "sig", "alg": "ES256", "crv": "P-256",
                "x": b64url(numbers.x.to_bytes(32, "big")), "y": b64url(numbers.y.to_bytes(32, "big"))}

    @property
    def public_pem(self) -> bytes:
        return self.private.public_key().public_bytes(serialization.Encoding.PEM,
                                                      serialization.PublicFormat.SubjectPublicKeyInfo)

    def sign(self, data: bytes) -> bytes:
        if self.alg == "RS256":
            return self.private.sign(data, padding.PKCS1v15(), hashes.SHA256())
        r, s = decode_dss_signature(self.private.sign(data, ec.ECDSA(hashes.SHA256())))
        return r.to_bytes(32, "big") + s.to_bytes(32, "big")


def rsa_key(kid: str = "rsa-1") -> SigningKey:
    return SigningKey(kid, "RS256", rsa.generate_private_key(public_exponent=65537, key_size=2048))


def ec_key(kid: str = "ec-1") -> SigningKey:
    return SigningKey(kid, "ES256", ec.generate_private_key(ec.SECP256R1()))


def claims(**overrides: Any) -> dict[str, Any]:
    """A user's access token claims, valid now; `None` overrides remove a claim."""
    now = int(time.time())
    base = {"iss": ISSUER, "aud": AUDIENCE, "sub": "auth0|user-42", "iat": now, "exp": now + 300,
            "scope": "read:courses write:reviews", "azp": "web-app"}
    base.update(overrides)
    return {k: v for k, v in base.items() if v is not None}


def compact(header: dict[str, Any], payload: dict[str, Any], signature: bytes) -> str:
    h = b64url(json.dumps(header).encode())
    p = b64url(json.dumps(payload).encode())
    return f"{h}.{p}.{b64url(signature)}"


def token(key: SigningKey, payload: dict[str, Any] | None = None, **header: Any) -> str:
    """A JWS signed by `key`; header entries can be overridden (kid=None removes the kid)."""
    head = {"alg": key.alg, "typ": "JWT", "kid": key.kid, **header}
    head = {k: v for k, v in head.items() if v is not None}
    payload = claims() if payload is None else payload
    signing_input = f"{b64url(json.dumps(head).encode())}.{b64url(json.dumps(payload).encode())}".encode()
    return f"{signing_input.decode()}.{b64url(key.sign(signing_input))}"


def hs256_token(secret: bytes, payload: dict[str, Any] | None = None, **header: Any) -> str:
    head = {"alg": "HS256", "typ": "JWT", **header}
    payload = claims() if payload is None else payload
    signing_input = f"{b64url(json.dumps(head).encode())}.{b64url(json.dumps(payload).encode())}".encode()
    return f"{signing_input.decode()}.{b64url(hmac.new(secret, signing_input, hashlib.sha256).digest())}"


@dataclass
class JwksServer:
    """GET /.well-known/jwks.json answers {"keys": [...]} for the current `keys`; `requests` counts hits."""

    keys: list[SigningKey] = field(default_factory=list)
    extra_jwks: list[dict[str, Any]] = field(default_factory=list)
    requests: int = 0
    status: int = 200
    delay: float = 0.0  # seconds each answer takes (a slow IdP)
    _server: ThreadingHTTPServer | None = None

    @property
    def url(self) -> str:
        assert self._server is not None
        return f"http://127.0.0.1:{self._server.server_address[1]}/.well-known/jwks.json"

    def __enter__(self) -> "JwksServer":
        idp = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802
                idp.requests += 1
                if idp.delay:
                    time.sleep(idp.delay)
                body = json.dumps({"keys": [k.jwk for k in idp.keys] + idp.extra_jwks}).encode()
                if idp.status != 200:
                    body = b'{"error":"unavailable"}'
                self.send_response(idp.status)
                self.send_header("content-type", "application/json")
                self.send_header("content-length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True).start()
        return self

    def __exit__(self, *exc: Any) -> None:
        assert self._server is not None
        self._server.shutdown()
        self._server.server_close()


class FakeClock:
    """A monotonic clock the test moves by hand (JWKS TTL and rate-limit windows)."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds
