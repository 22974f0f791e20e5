"""User plugins from configuration: `GatewayConfig.plugins` entries, loaded once at start.

An entry is a plugin instance, or `{"use": "package.module:Class", "options": {...}}`:
the class is imported and called with the options as keyword arguments. Anything
wrong with an entry is a `PluginError` naming the entry (index and `use`) and
what went wrong, so `bff config check` and the start-up can print it as is.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterable
from typing import Any

from .hooks import HOOKS, is_plugin


class PluginError(ValueError):
    """A plugin entry that cannot be loaded; the message names the entry."""


def load_plugins(specs: Iterable[Any] | None) -> list[Any]:
    """The plugin objects for `specs`, in order; PluginError on the first bad entry."""
    return [load_plugin(i, spec) for i, spec in enumerate(specs or ())]


def check_plugin_specs(specs: Iterable[Any] | None) -> list[str]:
    """One message per entry that does not load (empty when all do). Loading constructs the plugins."""
    problems = []
    for i, spec in enumerate(specs or ()):
        try:
            load_plugin(i, spec)
        except PluginError as error:
            problems.append(str(error))
    return problems


def load_plugin(index: int, spec: Any) -> Any:
    where = f"plugins[{index}]"
    if not isinstance(spec, dict):
        if is_plugin(spec):
            return spec
        raise PluginError(f"{where}: {type(spec).__name__} is not a plugin (it has none of the hooks "
                          f"{', '.join(HOOKS)}); give an instance or {{use: 'module:Class', options: {{...}}}}")
    unknown = sorted(set(spec) - {"use", "options"})
    if unknown:
        raise PluginError(f"{where}: unknown key {unknown[0]!r}; expected 'use' and 'options'")
    use = spec.get("use")
    if not isinstance(use, str) or use.count(":") != 1 or not all(use.split(":")):
        raise PluginError(f"{where}: 'use' must be 'package.module:Class', not {use!r}")
    where = f"{where} ({use})"
    options = spec.get("options") or {}
    if not isinstance(options, dict) or not all(isinstance(k, str) for k in options):
        raise PluginError(f"{where}: 'options' must be a mapping of names to values")
    module_name, class_name = use.split(":")
    try:
        module = importlib.import_module(module_name)
    except Exception as error:
        raise PluginError(f"{where}: module {module_name!r} does not import: {type(error).__name__}: {error}") from None
    cls = getattr(module, class_name, None)
    if cls is None:
        raise PluginError(f"{where}: module {module_name!r} has no {class_name!r}")
    if not callable(cls):
        raise PluginError(f"{where}: {class_name!r} is not a class")
    try:
        plugin = cls(**options)
    except Exception as error:
        raise PluginError(f"{where}: {class_name}({', '.join(options)}) raised {type(error).__name__}: {error}") \
            from None
    if not is_plugin(plugin):
        raise PluginError(f"{where}: {class_name} is not a plugin (it has none of the hooks {', '.join(HOOKS)})")
    return plugin
