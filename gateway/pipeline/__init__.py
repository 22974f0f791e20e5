"""The request pipeline: one `RequestContext` per request and named hooks plugins implement.

    on_request(ctx)               a request arrived (may `raise Reject(...)`)
    on_operation(ctx)             operation parsed, validated, selected; variables coerced
    on_plan(ctx)                  the query plan is known
    on_subgraph_request(ctx, call)   before each subgraph call (may change headers / body)
    on_subgraph_response(ctx, call)  after it
    on_execute(ctx)               the plan ran; data and errors before shaping
    on_response(ctx)              the response is built (may add headers / extensions)

The gateway's own behaviours (telemetry, header propagation, response-header
merging, APQ / trusted documents, access-control errors) are plugins on these
hooks too (`builtins.py`); user plugins come from `GatewayConfig.plugins`
(`loader.py`). docs/plugins.md has the details and a worked example.
"""

from typing import Any

from .context import OperationInfo, RequestContext, SubgraphCall, error_codes
from .hooks import EMPTY, HOOKS, Pipeline, Reject, is_plugin

__all__ = ["HOOKS", "EMPTY", "OperationInfo", "Pipeline", "PluginError", "Reject", "RequestContext", "SubgraphCall",
           "check_plugin_specs", "error_codes", "is_plugin", "load_plugins"]


def __getattr__(name: str) -> Any:
    # The loader is imported only when plugins are configured (or checked): not on the cold path.
    if name in ("PluginError", "check_plugin_specs", "load_plugins"):
        from . import loader

        return getattr(loader, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
