"""Read bff.yaml, expand ${env.NAME}, lay the environment and the flags over it, validate.

Precedence: defaults < file < environment (envvars.ENV_VARS) < command-line flags.
Every value's source is kept (for `bff config show` and for naming where a bad
value came from). Nothing is half-applied: any problem raises ConfigError with
all of them.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from .errors import ConfigError, Problem, dotted

# (dotted key path, value, flag as the user typed it)
Flag = tuple[str, Any, str]
_PLACEHOLDER = re.compile(r"\$\{env\.([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}")


@dataclass
class Loaded:
    """A validated configuration tree, its model and where each value came from."""

    raw: dict[str, Any]
    model: Any  # model.BffFile
    # dotted key path -> "file:LINE" | "env NAME" | "flag --x" (paths not listed are defaults)
    sources: dict[str, str] = field(default_factory=dict)
    path: str | None = None

    def source(self, key: str) -> str:
        """Where the value at `key` came from: its own entry, an enclosing one, or "default"."""
        while key:
            if key in self.sources:
                return self.sources[key]
            key = parent(key)
        return "default"


def load(path: str | None = None, env: Mapping[str, str] | None = None, flags: Iterable[Flag] = (),
         *, check_plugins: bool = True) -> Loaded:
    """The configuration from the file at `path` (if any), `env` (os.environ by default) and `flags`.
    `check_plugins=False` (settings read for one part, e.g. the authorizer's JWT settings) skips
    importing the plugins and checking the policies, which the gateway itself does at start."""
    env = os.environ if env is None else env
    problems: list[Problem] = []
    raw: dict[str, Any] = {}
    sources: dict[str, str] = {}
    lines: dict[str, int] = {}
    if path:
        data = _read(path, problems, lines)
        if isinstance(data, dict):
            raw = _expand(data, env, (), problems)
            for key in _leaves(raw):
                sources[key] = f"{path}:{lines[key]}" if key in lines else path
        elif data is not None:
            problems.append(Problem((), f"expected a mapping of sections (supergraph, server, ...), got "
                                        f"{type(data).__name__}", where=path))
    from .envvars import EnvError, parse, present

    for var in present(env):
        try:
            pairs = parse(var, env[var.name])
        except EnvError as exc:
            problems.append(Problem((), str(exc)))
            continue
        for key, value in pairs:
            _set(raw, key, value, f"env {var.name}", sources, problems)
    for key, value, flag in flags:
        _set(raw, key, value, f"flag {flag}", sources, problems)

    from .validate import validate

    found = validate(raw, policies=check_plugins)
    if check_plugins:
        found += _plugin_problems(raw.get("plugins"))
    problems += [_located(problem, sources, lines, path) for problem in found]
    if problems:
        raise ConfigError(problems)
    import msgspec

    from .model import FILE_PATHS, BffFile

    model = msgspec.convert(raw, BffFile)
    if path:
        _relative_to(model, os.path.dirname(os.path.abspath(path)), FILE_PATHS, sources)
    return Loaded(raw, model, sources, path)


def parent(key: str) -> str:
    """`a.b[2]` -> `a.b` -> `a` -> ``."""
    if key.endswith("]"):
        return key[:key.rindex("[")]
    return key.rpartition(".")[0]


def _read(path: str, problems: list[Problem], lines: dict[str, int]) -> Any:
    try:
        with open(path, encoding="utf-8") as handle:
            text = handle.read()
    except OSError as exc:
        problems.append(Problem((), f"cannot read the config file: {exc.strerror or exc}", where=path))
        return None
    except UnicodeDecodeError:
        problems.append(Problem((), "not UTF-8 text", where=path))
        return None
    import yaml

    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)(text)
    try:
        node = loader.get_single_node()
        if node is None:
            problems.append(Problem((), "the file is empty: expected a mapping of sections (supergraph, server, "
                                        "subgraphs, limits, security, persisted_documents, telemetry, plugins)",
                                    where=path))
            return None
        _line_map(node, (), lines, problems, path)
        return loader.construct_document(node)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f"{path}:{mark.line + 1}:{mark.column + 1}" if mark else path
        line = text.splitlines()[mark.line] if mark and mark.line < len(text.splitlines()) else ""
        hint = "; indent with spaces, not tabs" if "\t" in line else ""
        problems.append(Problem((), f"not valid YAML: {exc.problem or exc.context}{hint}", where=where))
        return None
    except yaml.YAMLError as exc:
        problems.append(Problem((), f"not valid YAML: {exc}", where=path))
        return None
    finally:
        loader.dispose()


def _line_map(node: Any, path: tuple[str | int, ...], lines: dict[str, int], problems: list[Problem],
              file: str) -> None:
    """Line of every key (for messages), and duplicate keys (YAML loaders keep the last one silently)."""
    tag = getattr(node, "id", "")
    if tag == "mapping":
        seen: set[Any] = set()
        for key_node, value_node in node.value:
            key = str(getattr(key_node, "value", ""))
            child: tuple[str | int, ...] = (*path, key)
            if key in seen:
                problems.append(Problem(child, "duplicate key", where=f"{file}:{key_node.start_mark.line + 1}"))
            seen.add(key)
            lines[dotted(child)] = key_node.start_mark.line + 1
            _line_map(value_node, child, lines, problems, file)
    elif tag == "sequence":
        for index, item in enumerate(node.value):
            lines[dotted((*path, index))] = item.start_mark.line + 1
            _line_map(item, (*path, index), lines, problems, file)


def _expand(value: Any, env: Mapping[str, str], path: tuple[str | int, ...], problems: list[Problem]) -> Any:
    """${env.NAME} and ${env.NAME:-default} in every string; a whole-string placeholder takes the YAML
    type of what it expands to (port: ${env.PORT} is a number)."""
    if isinstance(value, dict):
        return {k: _expand(v, env, (*path, k), problems) for k, v in value.items()}
    if isinstance(value, list):
        return [_expand(v, env, (*path, i), problems) for i, v in enumerate(value)]
    if not isinstance(value, str) or "${" not in value:
        return value

    def replace(match: re.Match[str]) -> str:
        name, default = match.group(1), match.group(2)
        found = env.get(name)
        if found is None or (found == "" and default is not None):
            if default is None:
                problems.append(Problem(path, f"${{env.{name}}} is not set (give a default: "
                                              f"${{env.{name}:-value}})"))
                return ""
            return default
        return found

    expanded = _PLACEHOLDER.sub(replace, value)
    if _PLACEHOLDER.fullmatch(value):
        import yaml

        try:
            typed = yaml.load(expanded, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
        except yaml.YAMLError:
            return expanded
        return typed if isinstance(typed, (str, int, float, bool)) or typed is None else expanded
    return expanded


def _leaves(tree: Any, path: tuple[str | int, ...] = ()) -> Iterable[str]:
    if isinstance(tree, dict) and tree:
        for key, value in tree.items():
            yield from _leaves(value, (*path, key))
    elif path:
        yield dotted(path)


def _set(raw: dict[str, Any], key: str, value: Any, source: str, sources: dict[str, str],
         problems: list[Problem]) -> None:
    parts = key.split(".")
    node: Any = raw
    for depth, part in enumerate(parts[:-1]):
        child = node.get(part)
        if child is None:
            child = node[part] = {}
        if not isinstance(child, dict):
            problems.append(Problem(tuple(parts[:depth + 1]), f"is not a mapping, so {source} cannot set `{key}`"))
            return
        node = child
    node[parts[-1]] = value
    for existing in [k for k in sources if k == key or k.startswith(key + ".") or k.startswith(key + "[")]:
        del sources[existing]
    sources[key] = source


def _located(problem: Problem, sources: dict[str, str], lines: dict[str, int], path: str | None) -> Problem:
    """The problem, said where its value came from: file:line, the variable or the flag."""
    if problem.where:
        return problem
    key = dotted(problem.path)
    probe, source = key, None
    while probe and source is None:
        source = sources.get(probe)
        probe = parent(probe)
    if source is not None and source.startswith(("env ", "flag ")):
        where = source.split(" ", 1)[1]
    else:
        probe, line = key, None
        while probe and line is None:
            line = lines.get(probe)
            probe = parent(probe)
        where = f"{path}:{line}" if path and line else (path or "")
    return Problem(problem.path, problem.message, problem.kind, where)


def _relative_to(model: Any, folder: str, keys: tuple[str, ...], sources: dict[str, str]) -> None:
    """File paths written in the file are relative to the file, not to the working directory."""
    for key in keys:
        if sources.get(key, "").startswith(("env ", "flag ")):
            continue
        *parents, name = key.split(".")
        owner = model
        for part in parents:
            owner = getattr(owner, part)
        value = getattr(owner, name)
        if value and not os.path.isabs(value):
            setattr(owner, name, os.path.normpath(os.path.join(folder, value)))


def _plugin_problems(plugins: Any) -> list[Problem]:
    """Each plugin's module must import and hold its class (the pipeline instantiates them)."""
    import importlib

    problems: list[Problem] = []
    for index, plugin in enumerate(plugins if isinstance(plugins, list) else []):
        use = plugin.get("use") if isinstance(plugin, dict) else None
        if not isinstance(use, str) or not re.fullmatch(r"[A-Za-z_][\w.]*:[A-Za-z_]\w*", use):
            continue  # the shape is reported by validate()
        module_name, _, class_name = use.partition(":")
        try:
            module = importlib.import_module(module_name)
        except Exception as exc:
            problems.append(Problem(("plugins", index, "use"),
                                    f"cannot import {module_name}: {type(exc).__name__}: {exc}"))
            continue
        if not hasattr(module, class_name):
            problems.append(Problem(("plugins", index, "use"), f"module {module_name} has no {class_name}"))
    return problems
