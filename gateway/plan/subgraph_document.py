"""Print the document a fetch sends to its subgraph.

Selections are printed in the subgraph's own terms: a position whose type is
abstract in that subgraph gets `__typename` and one fragment per concrete type
the subgraph can return there.
"""

from __future__ import annotations

from typing import Any

from ..operation.selection import NField, Selection, args_text, variables_in
from ..supergraph.model import OBJECT, Supergraph
from .fetch_builder import FetchBuilder
from .nodes import LookupSpec


class DocumentPrinter:
    def __init__(self, supergraph: Supergraph, variable_definitions: dict[str, str], operation_name: str | None) -> None:
        self.sg = supergraph
        self.variable_definitions = variable_definitions
        self.operation_name = operation_name

    def print_fetch(self, fetch: FetchBuilder, index: int) -> tuple[str, tuple[str, ...]]:
        """The document and the variables it uses; `self.renames` then lists the internal
        aliases to undo in the response (see `_position`)."""
        used: set[str] = set()
        self.renames: list[tuple[tuple[str, ...], str, str, str]] = []
        if fetch.kind == "lookup":
            spec = self.lookup_spec(fetch, index)
            placeholders = ", ".join(f"{arg}: $representation_{key.split()[0]}" for arg, key in spec.arguments.items())
            document = f"{spec.header} {{ _0: {spec.field}({placeholders}) {spec.selection} }}"
            return document, tuple(sorted(self._used_variables(fetch)))
        if fetch.kind == "root":
            root = next(iter(fetch.selection))
            body = self._position(fetch.graph, root, fetch.selection, used, ())
            definitions = [self.variable_definitions[v] for v in sorted(used) if v in self.variable_definitions]
        else:
            parts = []
            for type_name, fields in fetch.selection.items():
                if fields:
                    inner = " ".join(self._field(fetch.graph, type_name, f, used, ("_entities", "@"))
                                     for f in fields.values())
                    parts.append(f"... on {type_name} {{ {inner} }}")
            body = "{ _entities(representations: $representations) { " + " ".join(parts) + " } }"
            definitions = ["$representations: [_Any!]!"]
            definitions += [self.variable_definitions[v] for v in sorted(used) if v in self.variable_definitions]
        head = fetch.operation_kind
        if self.operation_name:
            head += f" {self.operation_name}__{self.sg.subgraphs[fetch.graph].name.replace('-', '_')}__{index}"
        if definitions:
            head += "(" + ", ".join(definitions) + ")"
        return head + " " + body, tuple(sorted(v for v in used if v in self.variable_definitions))

    def lookup_spec(self, fetch: FetchBuilder, index: int) -> LookupSpec:
        """The parts of a lookup fetch's document; the executor adds one aliased field per object.
        Renames from the selection are relative to each lookup result, like `_entities` items."""
        used: set[str] = set()
        self.renames = []
        [(type_name, fields)] = [(t, f) for t, f in fetch.selection.items() if f]
        field_name, arguments = self.sg.types[type_name].lookups[fetch.graph]
        selection = self._position(fetch.graph, type_name, {type_name: fields}, used, ("_entities", "@"))
        definitions = [self.variable_definitions[v] for v in sorted(used) if v in self.variable_definitions]
        head = "query"
        if self.operation_name:
            head += f" {self.operation_name}__{self.sg.subgraphs[fetch.graph].name.replace('-', '_')}__{index}"
        if definitions:
            head += "(" + ", ".join(definitions) + ")"
        return LookupSpec(field=field_name, arguments=arguments, header=head, selection=selection)

    def _position(self, graph: str, type_name: str, selection: Selection, used: set[str],
                  path: tuple[str, ...]) -> str:
        t = self.sg.types.get(type_name)
        is_object = t is None or t.kind == OBJECT or (graph in t.graphs and t.graphs[graph].is_interface_object)
        if is_object:
            fields = selection.get(type_name)
            if fields is None and len(selection) == 1:
                fields = next(iter(selection.values()))
            inner = " ".join(self._field(graph, type_name, f, used, path) for f in (fields or {}).values())
            return "{ " + (inner or "__typename") + " }"
        # Fragments on different concrete types may not share a response key with
        # different types in this subgraph: alias all but the first variant.
        variants: dict[str, dict[str, str]] = {}
        parts = ["__typename"]
        for concrete, fields in selection.items():
            if not fields:
                continue
            printed = []
            for f in fields.values():
                type_text = self._type_text(graph, concrete, f.name)
                seen = variants.setdefault(f.response_key, {})
                alias = seen.get(type_text)
                if alias is None:
                    alias = f.response_key if not seen else f"{f.response_key}__bff{len(seen)}"
                    seen[type_text] = alias
                if alias != f.response_key:
                    self.renames.append((path, concrete, alias, f.response_key))
                    f = NField(alias, f.name, f.arguments, f.directives, f.children)
                printed.append(self._field(graph, concrete, f, used, path))
            parts.append(f"... on {concrete} {{ {' '.join(printed)} }}")
        return "{ " + " ".join(parts) + " }"

    def _field(self, graph: str, parent: str, field: NField, used: set[str], path: tuple[str, ...]) -> str:
        text = field.name if field.alias is None else f"{field.alias}: {field.name}"
        if field.arguments:
            text += "(" + args_text(field.arguments) + ")"
            variables_in(field.arguments, (), used)
        if field.directives:
            from graphql import print_ast

            text += " " + " ".join(print_ast(d) for d in field.directives)
            variables_in((), field.directives, used)
        if field.children is not None:
            fdef = self.sg.types[parent].fields.get(field.name) if parent in self.sg.types else None
            depth = fdef.type.list_depth if fdef else 0
            child_path = path + (field.response_key,) + ("@",) * depth
            text += " " + self._position(graph, self._child_type(graph, parent, field.name), field.children, used,
                                         child_path)
        return text

    def _used_variables(self, fetch: FetchBuilder) -> set[str]:
        used: set[str] = set()
        for type_name, fields in fetch.selection.items():
            for f in fields.values():
                self._field(fetch.graph, type_name, f, used, ())
        return {v for v in used if v in self.variable_definitions}

    def _type_text(self, graph: str, parent: str, field_name: str) -> str:
        fdef = self._field_def(parent, field_name)
        return fdef.type_text_in(graph) if fdef else ""

    def _child_type(self, graph: str, parent: str, field_name: str) -> str:
        fdef = self._field_def(parent, field_name)
        return fdef.type_name_in(graph) if fdef else ""

    def _field_def(self, parent: str, field_name: str) -> Any:
        t = self.sg.types.get(parent)
        return t.fields.get(field_name) if t else None
