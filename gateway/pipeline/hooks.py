"""`Pipeline`: the plugins of one gateway, sorted into per-hook lists once.

A plugin is any object with one or more of the hook methods below; it need
not subclass anything. The gateway calls a hook only when some plugin has it
(each list is a tuple, empty when nobody listens), so a hook nobody uses costs
one truth test per request.

Order: request-side hooks run in plugin order; `on_subgraph_response` and
`on_response` run in reverse (like middleware: the first plugin sees the
request first and the response last).
"""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable, Iterable
from typing import Any

# Hook name -> whether it may be a coroutine function. on_operation, on_plan and on_execute run
# inside CPU-bound preparation / between execution and shaping, so they are plain functions.
HOOKS: dict[str, bool] = {
    "on_request": True,  # (ctx): a request arrived; raise Reject to refuse it
    "on_operation": False,  # (ctx): operation parsed, validated, selected; variables coerced
    "on_plan": False,  # (ctx): ctx.prepared.plan is known (from the cache or just built)
    "on_subgraph_request": True,  # (ctx, call): before a subgraph call; may change call.headers / call.body
    "on_subgraph_response": True,  # (ctx, call): after it (call.response or call.error)
    "on_execute": False,  # (ctx): plan executed; ctx.data / ctx.errors before shaping
    "on_response": True,  # (ctx): ctx.response built; may add ctx.response_headers / ctx.extensions
}
_REVERSED = frozenset({"on_subgraph_response", "on_response"})
Hooks = tuple[tuple[Callable[..., Any], bool], ...]  # (hook, is it a coroutine function), in call order


class Reject(Exception):
    """Raised by `on_request` / `on_operation` / `on_plan` to refuse a request with a GraphQL error."""

    def __init__(self, message: str, code: str = "FORBIDDEN", status: int = 403) -> None:
        super().__init__(message)
        self.status = status
        self.errors = [{"message": message, "extensions": {"code": code}}]


def is_plugin(obj: Any) -> bool:
    """Whether `obj` has at least one hook method."""
    return any(callable(getattr(obj, name, None)) for name in HOOKS)


class Pipeline:
    """Per-hook tuples of (callable, is_async), plus the plugins' `aclose`."""

    __slots__ = ("plugins", *HOOKS, "request", "subgraph_request", "subgraph_response", "response")
    plugins: tuple[Any, ...]
    on_request: Hooks
    on_operation: Hooks
    on_plan: Hooks
    on_subgraph_request: Hooks
    on_subgraph_response: Hooks
    on_execute: Hooks
    on_response: Hooks
    request: Callable[..., Awaitable[None] | None]
    subgraph_request: Callable[..., Awaitable[None] | None]
    subgraph_response: Callable[..., Awaitable[None] | None]
    response: Callable[..., Awaitable[None] | None]

    def __init__(self, plugins: Iterable[Any] = ()) -> None:
        self.plugins = tuple(plugins)
        for name, may_be_async in HOOKS.items():
            found: list[tuple[Callable[..., Any], bool]] = []
            for plugin in self.plugins:
                fn = getattr(plugin, name, None)
                if not callable(fn):
                    continue
                is_async = inspect.iscoroutinefunction(fn)
                if is_async and not may_be_async:
                    raise TypeError(f"{type(plugin).__name__}.{name} must be a plain function, not async")
                found.append((fn, is_async))
            if name in _REVERSED:
                found.reverse()
            setattr(self, name, tuple(found))
            if may_be_async:
                setattr(self, name[3:], _runner(tuple(found)))

    # The async-capable hooks return None when every hook ran synchronously (no coroutine is made),
    # else an awaitable that runs the rest in order: `pending = p.request(ctx); if pending: await pending`.
    # `request`, `subgraph_request`, `subgraph_response` and `response` are set per instance (_runner).

    def operation(self, ctx: Any) -> None:
        for fn, _ in self.on_operation:
            fn(ctx)

    def plan(self, ctx: Any) -> None:
        for fn, _ in self.on_plan:
            fn(ctx)

    def execute(self, ctx: Any) -> None:
        for fn, _ in self.on_execute:
            fn(ctx)

    async def aclose(self) -> None:
        """Each plugin's `aclose()` (sync or async) when it has one; every one runs even if another fails."""
        failure: BaseException | None = None
        for plugin in self.plugins:
            close = getattr(plugin, "aclose", None)
            if not callable(close):
                continue
            try:
                result = close()
                if inspect.isawaitable(result):
                    await result
            except Exception as error:  # closes the others first, then reports the first failure
                failure = failure or error
        if failure is not None:
            raise failure


def _runner(hooks: Hooks) -> Callable[..., Awaitable[None] | None]:
    """One callable running `hooks` in order: plain calls while they are synchronous; from the first
    async one on, the rest as a coroutine it returns (so an all-sync list makes no coroutine)."""
    if any(is_async for _, is_async in hooks):
        return lambda *args: _finish(hooks, 0, args)
    fns = tuple(fn for fn, _ in hooks)

    def run(*args: Any) -> None:
        for fn in fns:
            fn(*args)

    return run


async def _finish(hooks: Hooks, start: int, args: tuple[Any, ...]) -> None:
    for fn, is_async in hooks[start:]:
        if is_async:
            await fn(*args)
        else:
            fn(*args)


EMPTY = Pipeline()
