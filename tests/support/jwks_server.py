"""An identity provider on loopback: an RSA key, its JWKS served over HTTP, and RS256 tokens it signs.

Used where a real JWKS fetch is the point (serverless-offline's gateway, the cold-start measurement):
the verifier downloads the key set from `url` as it would from a real identity provider."""

from __future__ import annotations

import base64
import http.server
import json
import threading
import time
from typing import Any

ISSUER = "https://idp.local/"
AUDIENCE = "bff"


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


class Jwks:
    """`with Jwks() as idp:` serves the key set at `idp.url`; `idp.token(sub=...)` signs a token for it."""

    def __init__(self, kid: str = "local") -> None:
        from cryptography.hazmat.primitives.asymmetric import rsa

        self.kid = kid
        self._key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        numbers = self._key.public_key().public_numbers()
        self._body = json.dumps({"keys": [{"kty": "RSA", "kid": kid, "use": "sig", "alg": "RS256",
                                           "n": _b64(numbers.n.to_bytes(256, "big")),
                                           "e": _b64(numbers.e.to_bytes(3, "big"))}]}).encode()
        self.url = ""
        self._server: http.server.ThreadingHTTPServer | None = None

    def token(self, sub: str = "u1", lifetime: int = 3600, **claims: Any) -> str:
        """An RS256 JWT for ISSUER/AUDIENCE (extra claims override)."""
        from cryptography.hazmat.primitives import hashes
        from cryptography.hazmat.primitives.asymmetric import padding

        now = int(time.time())
        payload = {"iss": ISSUER, "aud": AUDIENCE, "sub": sub, "iat": now, "exp": now + lifetime, **claims}
        signing_input = (f"{_b64(json.dumps({'alg': 'RS256', 'kid': self.kid, 'typ': 'JWT'}).encode())}."
                         f"{_b64(json.dumps(payload).encode())}")
        signature = self._key.sign(signing_input.encode(), padding.PKCS1v15(), hashes.SHA256())
        return f"{signing_input}.{_b64(signature)}"

    @property
    def env(self) -> dict[str, str]:
        """The gateway's (and the authorizer's) settings for this provider."""
        return {"BFF_JWT_JWKS_URL": self.url, "BFF_JWT_ISSUER": ISSUER, "BFF_JWT_AUDIENCE": AUDIENCE}

    def __enter__(self) -> Jwks:
        body = self._body

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                self.send_response(200)
                self.send_header("content-type", "application/json")
                self.send_header("content-length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: object) -> None:
                pass

        self._server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}/.well-known/jwks.json"
        return self

    def __exit__(self, *exc: object) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
