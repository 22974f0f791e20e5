"""Turn an object plan's field list into one straight-line Python function.

Interpreting a field table costs a tuple unpack, a dict copy and a loop step
per field; generating the function once (the way `dataclasses` builds
`__init__`) lets each field cost one `dict.get` and one class check, and the
output is a single dict display in the client's order. Only names and
constants from the compiled plan reach the source: response keys and type
names are GraphQL Names, and every literal is written with `repr` anyway.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache
from types import CodeType
from typing import Any

from .errors import FieldSite, NullPosition, Path, RunState

Completer = Callable[[Any, Path, "str | int", RunState], Any]
RunObject = Callable[[dict[Any, Any], Path, RunState], dict[Any, Any]]

# How a field's value is checked on the fast path, decided by the compiler.
COPY = "copy"  # custom scalar or introspection: any value goes out as it is
CLASS = "class"  # a value of exactly `fast` class is valid as it is
INT = "int"  # a 32-bit int is valid as it is
ENUM = "enum"  # a name in `fast` (a frozenset) is valid as it is
COMPOSITE = "composite"  # lists and objects always go through `complete`


class FieldCode:
    """One data field as the generator needs it."""

    __slots__ = ("key", "check", "fast", "complete", "nonnull", "site", "run")

    def __init__(
        self,
        key: str,
        check: str,
        fast: Any,
        complete: Completer,
        nonnull: bool,
        site: FieldSite | None,
        run: RunObject | None = None,
    ) -> None:
        self.key = key
        self.check = check
        self.fast = fast
        self.complete = complete
        self.nonnull = nonnull
        self.site = site
        # For an object-typed field: the child plan's run, called directly for a dict value.
        self.run = run


def generate_run(type_name: str, order: list[tuple[str, Any]], fields: list[FieldCode]) -> RunObject:
    """A `run(source, path, state) -> dict` for one plan.

    `order` lists every response key in the client's order with either a
    constant (`__typename`) or a FieldCode for a data field.
    """
    namespace: dict[str, Any] = {"NullPosition": NullPosition}
    lines = ["def run(source, path, state):", "    get = source.get"]
    outputs = []
    by_key = {field.key: index for index, field in enumerate(fields)}
    for index, field in enumerate(fields):
        lines.extend(_field_lines(index, field, namespace))
    for key, constant in order:
        value = f"v{by_key[key]}" if isinstance(constant, FieldCode) else repr(constant)
        outputs.append(f"{key!r}: {value}")
    lines.append("    return {" + ", ".join(outputs) + "}")
    exec(_compiled("\n".join(lines) + "\n"), namespace)
    run: RunObject = namespace["run"]  # the function the source above defines
    return run


@lru_cache(maxsize=1024)
def _compiled(source: str) -> CodeType:
    # Python's compiler is the slow part of generation; equal sources (the same
    # selection shape in another operation) share one code object, each with its own namespace.
    return compile(source, "<shape>", "exec")


def _field_lines(index: int, field: FieldCode, namespace: dict[str, Any]) -> list[str]:
    v, key = f"v{index}", repr(field.key)
    lines = [f"    {v} = get({key})"]
    if field.check == COMPOSITE:
        namespace[f"c{index}"] = field.complete
        call = f"c{index}({v}, path, {key}, state)"
        if field.run is not None:  # an object: skip the completer's call for the usual dict
            namespace[f"r{index}"] = field.run
            call = f"r{index}({v}, (path, {key}), state) if {v}.__class__ is dict else {call}"
        if field.nonnull:
            namespace[f"m{index}"] = _missing(field)
            lines += [f"    if {v} is None: m{index}(path, state)", f"    {v} = {call}"]
        else:
            lines += [
                f"    if {v} is not None:",
                "        try:",
                f"            {v} = {call}",
                "        except NullPosition:",
                f"            {v} = None",
            ]
        return lines
    if field.check == COPY:
        if field.nonnull:
            namespace[f"m{index}"] = _missing(field)
            lines.append(f"    if {v} is None: m{index}(path, state)")
        return lines
    if field.check == CLASS:
        namespace[f"f{index}"] = field.fast
        valid = f"{v}.__class__ is f{index}"
    elif field.check == INT:
        valid = f"{v}.__class__ is int and -2147483648 <= {v} <= 2147483647"
    elif field.check == ENUM:
        namespace[f"f{index}"] = field.fast
        valid = f"{v}.__class__ is str and {v} in f{index}"
    else:
        raise ValueError(f"unknown check {field.check!r}")
    namespace[f"s{index}"] = _slow_leaf(field)
    lines.append(f"    if not ({valid}): {v} = s{index}({v}, path, state)")
    return lines


def _missing(field: FieldCode) -> Callable[[Path, RunState], None]:
    site, key = field.site, field.key

    def missing(path: Path, state: RunState) -> None:
        state.null_error(site, path, key)  # type: ignore[arg-type]
        raise NullPosition

    return missing


def _slow_leaf(field: FieldCode) -> Callable[[Any, Path, RunState], Any]:
    """A leaf that failed its fast check: null, convertible (5.0 for Int) or invalid."""
    site, key, complete = field.site, field.key, field.complete
    if field.nonnull:

        def slow_nonnull(value: Any, path: Path, state: RunState) -> Any:
            if value is None:
                state.null_error(site, path, key)  # type: ignore[arg-type]
                raise NullPosition
            return complete(value, path, key, state)

        return slow_nonnull

    def slow(value: Any, path: Path, state: RunState) -> Any:
        if value is None:
            return None
        try:
            return complete(value, path, key, state)
        except NullPosition:
            return None

    return slow
