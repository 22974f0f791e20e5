"""One way to reach a registry whatever its URL: a store directly, or the HTTP API.

`open_registry("sqlite:///...")` / `("dynamodb://TABLE")` gives a `Registry`;
`open_registry("https://registry.example/")` an `HttpRegistry` with the same
methods. Both are what the CLI and the gateway's supergraph source use.
"""

from __future__ import annotations

import json
import os
from typing import Any

from .model import HistoryEvent, Outcome, Problem, Service, StoredSupergraph
from .registry import PublishRequest, Registry
from .store.base import DocumentEntry, StoreError, StoreUnavailable

TOKEN_ENV = "BFF_REGISTRY_TOKEN"


class HttpRegistry:
    """The registry's HTTP API as a client; StoreUnavailable/StoreError when it cannot answer."""

    def __init__(self, base_url: str, token: str | None = None, timeout: float = 10.0) -> None:
        self.base_url = base_url.rstrip("/")
        if not self.base_url.endswith("/v1"):
            self.base_url += "/v1"
        import httpx  # here, not at module level: a store-backed gateway never needs it

        token = token if token is not None else os.environ.get(TOKEN_ENV)
        headers = {"authorization": f"Bearer {token}"} if token else {}
        self._client = httpx.Client(timeout=timeout, headers=headers)

    def _call(self, method: str, path: str, **kwargs: Any) -> tuple[int, Any]:
        import httpx

        try:
            response = self._client.request(method, self.base_url + path, **kwargs)
        except httpx.TimeoutException:
            raise StoreUnavailable(f"the registry at {self.base_url} did not answer in time") from None
        except httpx.HTTPError as exc:
            raise StoreUnavailable(f"cannot reach the registry at {self.base_url}: {exc}") from None
        try:
            body = response.json()
        except ValueError:
            raise StoreError(f"the registry at {self.base_url} answered HTTP {response.status_code} without JSON") from None
        if response.status_code >= 400 and not (isinstance(body, dict) and "ok" in body and "version" in body):
            message = "; ".join(e.get("message", "") for e in body.get("errors", ())) if isinstance(body, dict) else ""
            error = StoreUnavailable if response.status_code >= 500 else StoreError
            raise error(f"registry: HTTP {response.status_code}: {message or response.reason_phrase}")
        return response.status_code, body

    def publish(self, request: PublishRequest) -> Outcome:
        body = {"endpoint": request.endpoint, "sdl": request.sdl, "lookups": request.lookups,
                "api_key_ref": request.api_key_ref, "allow_breaking": request.allow_breaking,
                "allow_security_change": request.allow_security_change, "allow_override": request.allow_override,
                "published_by": request.published_by}
        return _outcome(self._call("PUT", f"/services/{request.name}", json=body)[1])

    def remove(self, name: str, removed_by: str, allow_breaking: bool = False,
               allow_security_change: bool = False) -> Outcome:
        params = {"by": removed_by, **({"allow_breaking": "true"} if allow_breaking else {}),
                  **({"allow_security_change": "true"} if allow_security_change else {})}
        return _outcome(self._call("DELETE", f"/services/{name}", params=params)[1])

    def services(self) -> list[Service]:
        return [Service(sdl="", **{k: v for k, v in s.items() if k != "sdl"}) for s in self._call("GET", "/services")[1]]

    def show(self, name: str) -> Service | None:
        try:
            return Service(**self._call("GET", f"/services/{name}")[1])
        except StoreError as exc:
            if "HTTP 404" in str(exc):
                return None
            raise

    def history(self, name: str | None = None) -> list[HistoryEvent]:
        params = {"service": name} if name else {}
        return [HistoryEvent(**e) for e in self._call("GET", "/history", params=params)[1]]

    def supergraph(self) -> StoredSupergraph:
        body = self._call("GET", "/supergraph")[1]
        contracts = body.get("contracts")
        return StoredSupergraph(int(body["version"]), body["supergraph"],
                                json.dumps(contracts, separators=(",", ":"), sort_keys=True) if contracts else None)

    def contracts(self) -> list[Any]:
        from bff_common.contracts.definitions import parse_contracts

        definitions, _ = parse_contracts(self._call("GET", "/contracts")[1], where="registry contracts")
        return list(definitions.definitions)

    def set_contract(self, definition: Any, set_by: str, *, allow_breaking: bool = False) -> Outcome:
        body = {**definition.to_json(), "allow_breaking": allow_breaking, "published_by": set_by}
        body.pop("name")
        return _outcome(self._call("PUT", f"/contracts/{_seg(definition.name)}", json=body)[1])

    def remove_contract(self, name: str, removed_by: str, *, allow_breaking: bool = False) -> Outcome:
        params = {"by": removed_by, **({"allow_breaking": "true"} if allow_breaking else {})}
        return _outcome(self._call("DELETE", f"/contracts/{_seg(name)}", params=params)[1])

    def version(self) -> int:
        return int(self._call("GET", "/version")[1]["version"])

    def publish_documents(self, client_name: str, client_version: str, documents: Any, published_by: str) -> Outcome:
        body = {"documents": documents, "published_by": published_by}
        return _outcome(self._call("PUT", f"/documents/{_seg(client_name)}/{_seg(client_version)}", json=body)[1])

    def documents(self, client: str | None = None) -> list[DocumentEntry]:
        params = {"client": client} if client else {}
        return [DocumentEntry(**e) for e in self._call("GET", "/documents", params=params)[1]]

    def document(self, sha256: str) -> str | None:
        return self._document(f"/documents/{_seg(sha256)}")

    def client_document(self, client: str, version: str, sha256: str) -> str | None:
        return self._document(f"/documents/{_seg(client)}/{_seg(version)}/{_seg(sha256)}")

    def _document(self, path: str) -> str | None:
        try:
            return self._call("GET", path)[1]["document"]
        except StoreError as exc:
            if "HTTP 404" in str(exc):
                return None
            raise

    def close(self) -> None:
        self._client.close()


def _seg(value: str) -> str:
    from urllib.parse import quote

    return quote(value, safe="")


def _outcome(body: dict[str, Any]) -> Outcome:
    problems = tuple(Problem(e["code"], e["message"], tuple(e.get("subgraphs") or ()), e.get("coordinate"))
                     for e in body.get("errors", ()))
    return Outcome(bool(body.get("ok")), int(body.get("version", 0)), problems, body.get("summary", ""),
                   bool(body.get("changed", True)), tuple(body.get("warnings") or ()))


def open_registry(url: str, *, token: str | None = None, timeout: float = 10.0,
                  create: bool = False) -> "Registry | HttpRegistry":
    """A Registry for a store URL, an HttpRegistry for an http(s) URL; ValueError for anything else.
    A store that does not exist is made only with `create` (else its reads raise RegistryNotFound)."""
    if url.startswith(("http://", "https://")):
        return HttpRegistry(url, token, timeout)
    from .store import open_store

    return Registry(open_store(url, create=create))


def fetch_sdl(url: str, timeout: float = 10.0, headers: dict[str, str] | None = None) -> str:
    """A running subgraph's SDL from `{ _service { sdl } }`; ValueError with a one-line reason."""
    import httpx

    try:
        response = httpx.post(url, json={"query": "{ _service { sdl } }"}, timeout=timeout, headers=headers or {})
        body = response.json()
    except httpx.TimeoutException:
        raise ValueError(f"{url} did not answer within {timeout:g}s") from None
    except httpx.HTTPError as exc:
        raise ValueError(f"cannot reach {url}: {exc}") from None
    except ValueError:
        raise ValueError(f"{url} answered HTTP {response.status_code} without JSON") from None
    sdl = ((body or {}).get("data") or {}).get("_service", {}) if isinstance(body, dict) else None
    if not isinstance(sdl, dict) or not isinstance(sdl.get("sdl"), str):
        errors = body.get("errors") if isinstance(body, dict) else None
        detail = errors[0].get("message") if errors else f"HTTP {response.status_code}"
        raise ValueError(f"{url} did not answer {{ _service {{ sdl }} }} ({detail}); is it a federation subgraph?")
    return sdl["sdl"]
