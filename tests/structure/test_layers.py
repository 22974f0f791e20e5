"""Which package may import which: `bff_common` is the shared layer, `discovery` (registry and
composer) never imports the gateway, the services import nothing of the gateway or discovery
(the principal, the signed identity and the access evaluation they share live in bff_common), and the gateway
reaches the registry only through `discovery`'s public functions (`open_registry`, `open_usage_store`)."""

from __future__ import annotations

from tests.structure.import_graph import Edge, edges

# The `bff` command is the one place that wires every package's CLI together (`bff compose`,
# `bff registry`, `bff documents`, `bff usage`): it may import discovery's CLI modules.
COMPOSITION_ROOTS = ("gateway.cli",)
# `bff dev` starts the example services beside the gateway.
DEV_TOOLS = ("gateway.dev",)


def _package(module: str) -> str:
    return module.split(".")[0]


def _within(module: str, prefixes: tuple[str, ...]) -> bool:
    return any(module == p or module.startswith(p + ".") for p in prefixes)


def _report(bad: list[Edge]) -> str:
    return "\n".join(f"{e.source}:{e.line} imports {e.target}" for e in bad)


def test_the_shared_layer_imports_no_other_project_package() -> None:
    bad = [e for e in edges() if _package(e.source) == "bff_common" and _package(e.target) != "bff_common"]
    assert not bad, _report(bad)


def test_discovery_does_not_import_the_gateway_or_the_services() -> None:
    bad = [e for e in edges() if _package(e.source) == "discovery" and _package(e.target) in ("gateway", "services")]
    assert not bad, _report(bad)


def test_the_services_import_neither_the_gateway_nor_discovery() -> None:
    bad = [e for e in edges() if _package(e.source) == "services" and _package(e.target) in ("gateway", "discovery")]
    assert not bad, _report(bad)


def test_the_gateway_uses_only_discoverys_public_functions() -> None:
    bad = [e for e in edges() if _package(e.source) == "gateway" and _package(e.target) == "discovery"
           and e.target != "discovery" and not _within(e.source, COMPOSITION_ROOTS)]
    assert not bad, _report(bad)


def test_the_gateway_imports_the_services_only_in_dev_tools() -> None:
    bad = [e for e in edges() if _package(e.source) == "gateway" and _package(e.target) == "services"
           and not _within(e.source, DEV_TOOLS)]
    assert not bad, _report(bad)


def test_the_discovery_facade_names_what_the_gateway_imports() -> None:
    import discovery

    assert callable(discovery.open_registry) and callable(discovery.open_usage_store)
