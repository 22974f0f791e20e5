"""Plugins the tests load by name ("tests.pipeline.plugins:Class"), as a user's config would."""

from __future__ import annotations

from gateway.pipeline import RequestContext, SubgraphCall


class SetHeader:
    """A header rule: sets `name: value` on every request to `subgraph`."""

    def __init__(self, subgraph: str, name: str, value: str) -> None:
        self.subgraph, self.name, self.value = subgraph, name.lower(), value

    def on_subgraph_request(self, ctx: RequestContext, call: SubgraphCall) -> None:
        if call.service == self.subgraph:
            call.headers[self.name] = self.value


class Broken:
    def __init__(self, level: int) -> None:
        raise RuntimeError(f"cannot start at level {level}")


class NoHooks:
    def __init__(self) -> None:
        pass
