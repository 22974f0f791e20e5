"""Micro-benchmark (not a test): what JWT verification costs the gateway per request.

    python tests/auth/bench_verify.py [--n 5000]

Prints the warm per-request cost of `JwtVerifier.verify` for RS256 (RSA 2048) and
ES256 (P-256) with the key already cached (parse, header checks, signature,
claims), the same through `Authenticator.aauthenticate` (what the ASGI app calls),
and the cost of one JWKS refresh (HTTP GET + JSON + key loading) against a
local JWKS server on loopback, which is a lower bound for a real IdP.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from gateway.auth.authenticate import Authenticator  # noqa: E402
from gateway.auth.config import AuthConfig  # noqa: E402
from gateway.auth.jwks import JwksCache  # noqa: E402
from gateway.auth.jwt import JwtVerifier  # noqa: E402
from tests.auth.idp import AUDIENCE, ISSUER, JwksServer, claims, ec_key, rsa_key, token  # noqa: E402


def per_call_us(fn, n: int) -> tuple[float, float]:
    """Median and p95 of per-call microseconds over batches of 100 calls."""
    for _ in range(200):
        fn()
    samples = []
    for _ in range(max(n // 100, 5)):
        start = time.perf_counter()
        for _ in range(100):
            fn()
        samples.append((time.perf_counter() - start) / 100 * 1e6)
    samples.sort()
    return statistics.median(samples), samples[int(len(samples) * 0.95) - 1]


async def async_per_call_us(auth: Authenticator, header: str, n: int) -> float:
    for _ in range(200):
        await auth.aauthenticate(header)
    samples = []
    for _ in range(max(n // 100, 5)):
        start = time.perf_counter()
        for _ in range(100):
            await auth.aauthenticate(header)
        samples.append((time.perf_counter() - start) / 100 * 1e6)
    return statistics.median(samples)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=5000, help="verifications per measurement")
    args = parser.parse_args()
    rsa, ec = rsa_key("rsa-1"), ec_key("ec-1")
    with JwksServer(keys=[rsa, ec]) as idp:
        config = AuthConfig(jwks_url=idp.url, issuer=ISSUER, audiences=(AUDIENCE,))
        verifier = JwtVerifier(config)
        auth = Authenticator(config, verifier=verifier)
        rs_token, es_token = token(rsa, claims(exp=int(time.time()) + 3600)), token(ec, claims(exp=int(time.time()) + 3600))
        verifier.verify(rs_token)  # fills the cache

        print(f"warm verification, key cached ({args.n} calls each):")
        for name, jwt in (("RS256 (RSA 2048)", rs_token), ("ES256 (P-256)", es_token)):
            med, p95 = per_call_us(lambda: verifier.verify(jwt), args.n)
            print(f"  {name:18} verify:        median {med:7.1f} us   p95 {p95:7.1f} us")
            med = asyncio.run(async_per_call_us(auth, f"Bearer {jwt}", args.n))
            print(f"  {name:18} aauthenticate: median {med:7.1f} us   (awaited in a running loop)")

        times = []
        for _ in range(200):  # a new cache each time: one GET, JSON decode, both keys loaded
            cache = JwksCache(idp.url)
            start = time.perf_counter()
            cache.get("rsa-1", "RS256")
            times.append((time.perf_counter() - start) * 1e3)
        times.sort()
        print(f"JWKS refresh against loopback (GET + parse + load 2 keys, {len(times)} runs): "
              f"median {statistics.median(times):.2f} ms   p95 {times[int(len(times) * 0.95) - 1]:.2f} ms")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
