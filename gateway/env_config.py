"""Gateway settings from the environment, for the Lambda handler (no command line there).

Production defaults (GatewayConfig.production()); each variable opts in to something:

    BFF_INTROSPECTION=1                  answer __schema / __type
    BFF_EXPOSE_SUBGRAPH_ERRORS=a,b | *   pass these subgraphs' errors through unmasked
    BFF_SUBGRAPH_API_KEYS=a=ssm:/...,..  X-API-Key per subgraph, as secret references
    BFF_SUBGRAPH_URLS=a=https://...,...  override subgraph URLs from the supergraph
    BFF_SUBGRAPH_TIMEOUT=10              seconds per subgraph request
    BFF_ACCESS_MODE=filter | reject      denied fields: null + error, or refuse the request
    BFF_IDENTITY_SECRET=ssm:/...         signs the caller's identity headers sent to subgraphs
    BFF_TRUSTED_DOCUMENTS=registry       run only documents registered in BFF_REGISTRY for the client
"""

from __future__ import annotations

import os

from .config import GatewayConfig


def config_from_env(environ: dict[str, str] | None = None) -> GatewayConfig:
    from .secrets import parse_mapping

    env = os.environ if environ is None else environ
    exposed = env.get("BFF_EXPOSE_SUBGRAPH_ERRORS", "").strip()
    settings = {
        "introspection": env.get("BFF_INTROSPECTION", "").strip().lower() in ("1", "true", "yes"),
        "expose_subgraph_errors": "*" if exposed == "*" else frozenset(
            n.strip() for n in exposed.split(",") if n.strip()),
        "subgraph_api_keys": parse_mapping(env.get("BFF_SUBGRAPH_API_KEYS", "")),
        "subgraph_urls": _urls(env.get("BFF_SUBGRAPH_URLS", "")),
    }
    mode = env.get("BFF_ACCESS_MODE", "").strip().lower()
    if mode:
        if mode not in ("filter", "reject"):
            raise ValueError(f"BFF_ACCESS_MODE={mode!r}: expected filter or reject")
        settings["access_mode"] = mode
    secret = env.get("BFF_IDENTITY_SECRET", "").strip()
    if secret:
        from .secrets import SecretError, is_reference

        if not is_reference(secret):
            raise SecretError("BFF_IDENTITY_SECRET must be a secret reference (env:, ssm: or secretsmanager:)")
        settings["identity_secret"] = secret
    timeout = env.get("BFF_SUBGRAPH_TIMEOUT", "").strip()
    if timeout:
        settings["subgraph_timeout"] = float(timeout)
    trusted = env.get("BFF_TRUSTED_DOCUMENTS", "").strip().lower()
    if trusted:
        if trusted != "registry" or not env.get("BFF_REGISTRY"):
            raise ValueError("BFF_TRUSTED_DOCUMENTS=registry (the only value) needs BFF_REGISTRY, the registry URL")
        from .registry_documents import RegistryDocumentStore

        settings["trusted_documents_only"] = True
        settings["document_store"] = RegistryDocumentStore(env["BFF_REGISTRY"])  # opened on first lookup
    return GatewayConfig.production(**settings)


def _urls(text: str) -> dict[str, str]:
    result = {}
    for part in text.split(","):
        name, sep, url = part.strip().partition("=")
        if sep and name and url:
            result[name.strip()] = url.strip()
    return result
