from __future__ import annotations

from collections.abc import Iterator

import pytest

from gateway.auth.config import AuthConfig
from gateway.auth.jwks import JwksCache
from gateway.auth.jwt import JwtVerifier

from .idp import AUDIENCE, ISSUER, FakeClock, JwksServer, SigningKey, ec_key, rsa_key


@pytest.fixture(scope="session")
def rsa1() -> SigningKey:
    return rsa_key("rsa-1")


@pytest.fixture(scope="session")
def rsa2() -> SigningKey:
    return rsa_key("rsa-2")


@pytest.fixture(scope="session")
def ec1() -> SigningKey:
    return ec_key("ec-1")


@pytest.fixture
def idp(rsa1: SigningKey, ec1: SigningKey) -> Iterator[JwksServer]:
    with JwksServer(keys=[rsa1, ec1]) as server:
        yield server


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def config(idp: JwksServer) -> AuthConfig:
    return AuthConfig(jwks_url=idp.url, issuer=ISSUER, audiences=(AUDIENCE,))


@pytest.fixture
def verifier(config: AuthConfig, clock: FakeClock) -> JwtVerifier:
    """Verifies against the local IdP; the JWKS cache runs on the test's clock."""
    assert config.jwks_url is not None
    return JwtVerifier(config, jwks=JwksCache(config.jwks_url, ttl=600, min_refresh_interval=30, clock=clock))
