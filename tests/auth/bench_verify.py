"""Micro-benchmark (not a test): what JWT verification costs the gateway per request.

    python tests/auth/bench_verify.py [--n 5000] [--cold 21]

Prints the warm per-request cost of `JwtVerifier.verify` for RS256 (RSA 2048) and
ES256 (P-256) with the key already cached (parse, header checks, signature,
claims), the same through `Authenticator.aauthenticate` (what the ASGI app calls),
and the cost of one JWKS refresh (HTTP GET + JSON + key loading) against a
local JWKS server on loopback, which is a lower bound for a real IdP.

`--cold N` measures what a Lambda cold start pays instead, in N fresh
interpreters each: importing the authorizer module, then the first RS256 and
the first ES256 verification (which import the JOSE library and cryptography;
the JWKS is handed over in-process, so no network is timed).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import subprocess
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


COLD = """
import json, os, sys, time
t0 = time.perf_counter()
import gateway.auth.authorizer
from gateway.auth.config import AuthConfig
from gateway.auth.jwks import JwksCache
from gateway.auth.jwt import JwtVerifier
t1 = time.perf_counter()
data = json.loads(os.environ["BENCH_COLD"])
config = AuthConfig(jwks_url="https://idp.example.com/jwks.json", issuer=data["iss"], audiences=(data["aud"],))
verifier = JwtVerifier(config, jwks=JwksCache(config.jwks_url, fetch=lambda url, timeout: data["jwks"]))
verifier.verify(data["tokens"][0])
t2 = time.perf_counter()
verifier.verify(data["tokens"][1])
t3 = time.perf_counter()
print(json.dumps([(t1 - t0) * 1e3, (t2 - t1) * 1e3, (t3 - t2) * 1e3]))
"""


def cold(runs: int, rsa, ec) -> None:
    future = claims(exp=int(time.time()) + 3600)
    data = {"iss": ISSUER, "aud": AUDIENCE, "jwks": {"keys": [rsa.jwk, ec.jwk]},
            "tokens": [token(rsa, future), token(ec, future)]}
    env = {**os.environ, "BENCH_COLD": json.dumps(data), "PYTHONPATH": str(Path(__file__).resolve().parents[2])}
    samples = []
    for _ in range(runs):
        out = subprocess.run([sys.executable, "-c", COLD],
                             env=env, capture_output=True, text=True, check=True).stdout
        samples.append(json.loads(out))
    for i, name in enumerate(("import gateway.auth.authorizer", "first RS256 verify (loads the JOSE stack)",
                              "first ES256 verify")):
        values = sorted(s[i] for s in samples)
        print(f"  {name:42} median {statistics.median(values):6.1f} ms   min {values[0]:6.1f} ms")


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=5000, help="verifications per measurement")
    parser.add_argument("--cold", type=int, default=0, help="measure N cold starts instead")
    args = parser.parse_args()
    if args.cold:
        print(f"cold start, {args.cold} fresh interpreters:")
        cold(args.cold, rsa_key("rsa-1"), ec_key("ec-1"))
        return 0
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
