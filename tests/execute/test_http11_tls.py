"""https:// subgraphs: TLS with certificate verification (a self-signed certificate made with openssl)."""

from __future__ import annotations

import shutil
import ssl
import subprocess

import pytest
from raw_http_server import RawServer, respond

from gateway.execute import http11
from gateway.execute.http11 import HttpClient
from tests.support.requires import missing

if shutil.which("openssl") is None:
    missing("needs the openssl command", module_level=True)


@pytest.fixture(scope="module")
def certificate(tmp_path_factory):
    where = tmp_path_factory.mktemp("tls")
    cert, key = where / "cert.pem", where / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=localhost",
         "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1", "-keyout", str(key), "-out", str(cert)],
        check=True, capture_output=True,
    )
    return cert, key


async def tls_server(certificate) -> RawServer:
    cert, key = certificate
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)

    async def answer(req, writer):
        writer.write(respond(b'{"data":{"tls":true}}'))
        return True

    return RawServer(answer, ssl=context)


async def test_https_with_a_trusted_certificate(certificate):
    trusted = ssl.create_default_context(cafile=str(certificate[0]))
    async with await tls_server(certificate) as server:
        client = HttpClient(timeout=5, ssl_context=trusted)
        for host in ("127.0.0.1", "localhost"):
            url = f"https://{host}:{server.port}/graphql"
            for _ in range(3):
                assert (await client.post(url, b"{}")).body == b'{"data":{"tls":true}}'
        await client.aclose()
    assert server.connections == 2  # one per origin, kept alive
    assert server.requests[0].header("host") == f"127.0.0.1:{server.port}"


async def test_https_refuses_an_untrusted_certificate(certificate):
    async with await tls_server(certificate) as server:
        client = HttpClient(timeout=5)  # the system's trust store: the self-signed certificate is unknown
        with pytest.raises(http11.ConnectFailed):
            await client.post(f"https://127.0.0.1:{server.port}/graphql", b"{}")
        await client.aclose()
    assert server.requests == []
