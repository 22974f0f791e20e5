"""`bff dev` serves the example graph's contracts (examples/bff.yaml): web, mobile, partner at once."""

from __future__ import annotations

import httpx

from tests.services.test_bff_dev import DevProcess

ROOTS = "{ __schema { queryType { fields { name } } } }"


def test_bff_dev_serves_web_mobile_and_partner_contracts():
    dev = DevProcess("--port", "0", "--services-port-base", "0")
    try:
        assert dev.wait_for("Ctrl-C stops everything.", timeout=90), dev.stdout + dev.kill()
        url = dev.url("gateway ready at")

        def roots(target: str, headers: dict[str, str] | None = None) -> list[str]:
            body = httpx.post(target, json={"query": ROOTS}, headers=headers or {}, timeout=30).json()
            return [f["name"] for f in body["data"]["__schema"]["queryType"]["fields"]]

        web = roots(url, {"apollographql-client-name": "web"})
        mobile = roots(url.replace("/graphql", "/graphql/mobile"))
        assert "users" in web and "userByEmail" not in web
        assert mobile == ["me", "courses", "course", "review", "latestReviews"]
        assert mobile == roots(url, {"apollographql-client-name": "ios"})
        partner = httpx.post(url.replace("/graphql", "/graphql/partner"), json={"query": "{ courses { id } }"},
                             timeout=30)
        assert partner.status_code == 403
        assert partner.json()["errors"][0]["extensions"]["code"] == "CONTRACT_NOT_ALLOWED"
        data = httpx.post(url, json={"query": "{ courses { title averageRating } }"},
                          headers={"apollographql-client-name": "android"}, timeout=30).json()
        assert "errors" not in data and data["data"]["courses"]
    finally:
        dev.kill()
