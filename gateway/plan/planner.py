"""Split a normalized operation into fetches per subgraph.

The walk (per selection set, starting in some subgraph's fetch):
- a field the current subgraph can resolve (its own, @provided, or @shareable)
  stays in the current fetch, unless its subtree would be cheaper elsewhere;
- the others jump: to a subgraph that resolves them, through an `_entities`
  fetch keyed by one of the entity's @key (the key fields, and any @requires
  fields, are first planned at the same position, wherever they come from);
- abstract positions are planned per concrete type, each only where the
  subgraph can return that type.
Decisions use `cost.CostModel`. The result is a DAG of fetches; the passes in
`optimize/` then merge what can share one request.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from ..operation.normalize import Normalizer
from ..operation.selection import NField, Selection, args_text, merge_into
from ..supergraph.model import FieldDef, Supergraph
from .cost import INF, CostModel
from .fetch_builder import TYPENAME, FetchBuilder, add_field
from .nodes import EntityInput, Path


class PlanningError(Exception):
    """The operation cannot be planned over this supergraph."""


class PlanningRun:
    """State of planning one operation."""

    def __init__(self, supergraph: Supergraph, field_sets: FieldSetCache) -> None:
        self.sg = supergraph
        self.field_sets = field_sets
        self.fetches: list[FetchBuilder] = []
        self.cost = CostModel(self)
        self._entity_fetches: dict[tuple[Any, ...], FetchBuilder] = {}
        self._root_fetches: dict[str, FetchBuilder] = {}
        self._active: set[tuple[Any, ...]] = set()
        self._alive: list[Any] = []
        self._derived: dict[tuple[Any, ...], NField] = {}
        self._echoes: dict[int, dict[str, NField]] = {}
        self.operation_kind = "query"

    # ---- entry -------------------------------------------------------------------------

    def plan_root(self, operation_kind: str, selection: Selection) -> list[FetchBuilder]:
        root = self.sg.root_type(operation_kind)
        if root is None or root not in self.sg.types:
            raise PlanningError(f"the schema has no {operation_kind} type")
        self.operation_kind = operation_kind
        fields = selection.get(root, {})
        groups: list[tuple[str, dict[str, NField]]] = []
        # Mutation fields run in order; a subscription's one root field is the stream's source fetch.
        ordered = operation_kind != "query"
        for key, field in fields.items():
            if field.name.startswith("__"):
                continue  # __typename and introspection are answered by the gateway
            graph = self._choose_root_graph(root, field, groups, ordered=ordered)
            if ordered:
                if groups and groups[-1][0] == graph:
                    groups[-1][1][key] = field
                else:
                    groups.append((graph, {key: field}))
            else:
                existing = next((g for g in groups if g[0] == graph), None)
                if existing:
                    existing[1][key] = field
                else:
                    groups.append((graph, {key: field}))
        previous: set[int] = set()
        for graph, group in groups:
            before = len(self.fetches)
            if ordered:
                fetch = self._new_fetch(graph, "root", operation_kind, (), root)
                fetch.deps |= previous
            else:
                fetch = self._root_fetch(graph)
            self.keep_alive(group, None)
            self.plan_fields(fetch, fetch.selection[root], root, group, (), None)
            if ordered:
                previous = {f.id for f in self.fetches[before:]} | previous
        return self.fetches

    def _root_fetch(self, graph: str) -> FetchBuilder:
        fetch = self._root_fetches.get(graph)
        if fetch is None:
            fetch = self._root_fetches[graph] = self._new_fetch(graph, "root", "query", (), self.sg.query_type)
        return fetch

    def _choose_root_graph(self, root: str, field: NField, groups: list[Any], ordered: bool) -> str:
        fdef = self.sg.types[root].fields.get(field.name)
        if fdef is None or not fdef.resolvable_in:
            raise PlanningError(f"no subgraph resolves {root}.{field.name}")
        preferred = [groups[-1][0]] if (ordered and groups) else [g for g, _ in groups]
        best, best_cost = None, INF
        for graph in sorted(fdef.resolvable_in, key=lambda g: (g not in preferred, g)):
            if ordered:
                cost = self.cost.local(graph, root, field, None)
            else:
                cost = self.cost.decide(graph, root, field, None).cost
            if cost < best_cost:
                best, best_cost = graph, cost
        if best is None:
            raise PlanningError(f"cannot plan {root}.{field.name}: its selection cannot be resolved from any subgraph")
        return best

    def keep_alive(self, *objects: Any) -> None:
        """Memo tables key on id(): keep those objects alive for the run."""
        self._alive.extend(objects)

    def restrict(self, field: NField, keys: dict[str, list[str]]) -> NField:
        """`field` with only some of its subfields (the same object for the same request)."""
        memo_key = (id(field), tuple(sorted((t, tuple(k)) for t, k in keys.items())))
        derived = self._derived.get(memo_key)
        if derived is None:
            source = children_of(field)
            children = {t: {k: source[t][k] for k in ks} for t, ks in keys.items() if ks}
            derived = NField(field.response_key, field.name, field.arguments, field.directives, children)
            derived.narrowed = field.narrowed
            self._derived[memo_key] = derived
            self.keep_alive(field, derived)
        return derived

    # ---- selections ---------------------------------------------------------------------

    def plan_fields(self, fetch: FetchBuilder, target: dict[str, NField], type_name: str,
                    fields: dict[str, NField], path: Path, provided: dict[Any, Any] | None,
                    requires_met: bool = False) -> set[int]:
        """Plan `fields` of an object of `type_name` at `path`, starting in `fetch`.
        Returns the fetches after which these fields are in the response data.
        `requires_met`: `fetch` is the entity fetch whose representations carry
        these fields' @requires."""
        graph = fetch.graph
        produced = {fetch.id}
        deferred: list[tuple[str, NField]] = []
        self.keep_alive(fields, provided)
        for field in fields.values():
            if field.name == "__typename":
                if not self.is_interface_object(graph, type_name):
                    add_field(target, field)
                continue
            if field.name.startswith("__"):
                continue
            decision = self.cost.decide(graph, type_name, field, provided, requires_met)
            if decision.kind == "local":
                node = add_field(target, field)
                if field.children is not None:
                    produced |= self._plan_children(fetch, node, type_name, field, path, provided)
            elif decision.kind == "jump" and decision.target is not None:
                deferred.append((decision.target, field))
            elif decision.kind == "split" and decision.target is not None and decision.local_part is not None \
                    and decision.remote_part is not None:  # a split always has its target and both parts
                node = add_field(target, decision.local_part)
                produced |= self._plan_children(fetch, node, type_name, decision.local_part, path, provided)
                deferred.append((decision.target, decision.remote_part))
            else:
                raise PlanningError(
                    f'cannot plan field "{type_name}.{field.name}" from subgraph '
                    f'"{self.sg.subgraphs[graph].name}": no subgraph can resolve it from here')
        if deferred:
            groups: dict[str, list[NField]] = {}
            for target_graph, field in deferred:
                groups.setdefault(target_graph, []).append(field)
            for target_graph, group in groups.items():
                for subgroup in self._requires_compatible(type_name, target_graph, group):
                    produced |= self._entity_jump(fetch, target, type_name, target_graph, subgroup, path, provided,
                                                  fields)
        return produced

    def _plan_children(self, fetch: FetchBuilder, node: NField, type_name: str, field: NField,
                       path: Path, provided: dict[Any, Any] | None) -> set[int]:
        graph = fetch.graph
        fdef = self.field_def(graph, type_name, field.name)
        child_path = path + (field.response_key,) + ("@",) * fdef.type.list_depth
        child_provided = self.child_provided(graph, fdef, provided, field)
        child_type_here = fdef.type_name_in(graph)
        if self.is_interface_object(graph, child_type_here):
            return self._resolve_interface_object(fetch, node, child_type_here, field, child_path, child_provided)
        possible = self.possible_at(graph, fdef)
        produced: set[int] = set()
        dests = children_of(node)
        for child_type, child_fields in children_of(field).items():
            if child_type not in possible:
                continue
            dest = dests.setdefault(child_type, {})
            produced |= self.plan_fields(fetch, dest, child_type, child_fields, child_path,
                                         child_provided.get(child_type) if child_provided else None)
        return produced

    def _entity_jump(self, fetch: FetchBuilder, target: dict[str, NField], type_name: str, graph: str,
                     group: list[NField], path: Path, provided: dict[Any, Any] | None,
                     siblings: dict[str, NField] | None = None) -> set[int]:
        if self._is_query_root(type_name, path):
            fetch_for_root = self._root_fetch(graph)
            group_fields = {f.response_key: f for f in group}
            self.keep_alive(group_fields)
            guard: tuple[Any, ...] = ("root", graph, _shape_text(group_fields))
            if guard in self._active:
                raise PlanningError(f'cannot plan "{", ".join(group_fields)}": no subgraph can resolve all of it')
            self._active.add(guard)
            try:
                return self.plan_fields(fetch_for_root, fetch_for_root.selection[type_name], type_name,
                                        group_fields, path, None)
            finally:
                self._active.discard(guard)
        entity_name = self.entity_name(graph, type_name, group[0].name)
        key_fields = self._best_key(fetch.graph, type_name, entity_name, graph, provided)
        needed: dict[str, NField] = {}
        merged: Selection = {type_name: needed}
        merge_into(merged, {type_name: key_fields})
        for field in group:
            join = self.field_def(graph, entity_name, field.name).by_graph.get(graph)
            if join is not None and join.requires is not None:
                merge_into(merged, {type_name: self.field_sets.get(self.sg, type_name, join.requires)})
        needed = self._avoid_collisions(needed, target, siblings or {})
        self.keep_alive(needed)
        guard = (type_name, graph, path, _shape_text(needed))
        if guard in self._active:
            raise PlanningError(f'cannot plan "{type_name}": its keys depend on each other in a cycle')
        self._active.add(guard)
        try:
            deps = self.plan_fields(fetch, target, type_name, needed, path, provided)
        finally:
            self._active.discard(guard)
        if type_name != entity_name or self.sg.types[type_name].is_abstract:
            add_field(target, TYPENAME)
        entity = self._entity_fetch(graph, path, type_name, entity_name, needed, deps)
        group_fields = {f.response_key: f for f in group}
        self.keep_alive(group_fields)
        # The representation's fields (key and @requires) can be echoed back by the subgraph.
        echo = {f.name: f for f in needed.values()}
        self.keep_alive(echo)
        return self.plan_fields(entity, entity.selection.setdefault(entity_name, {}), entity_name,
                                group_fields, path, echo, requires_met=True)

    def _resolve_interface_object(self, fetch: FetchBuilder, node: NField, interface: str, field: NField,
                                  path: Path, provided: Selection | None) -> set[int]:
        """`fetch`'s subgraph knows `interface` only as an @interfaceObject: its objects say
        `__typename: "<interface>"`. Ask the subgraph that owns the real interface for the
        concrete type first, then plan each concrete type's fields from there."""
        here = children_of(node).setdefault(interface, {})
        here_provided = provided.get(interface) if provided else None
        direct, remaining, wants_typename = self._split_interface_fields(fetch.graph, interface, field, here_provided)
        if direct:
            self.keep_alive(direct)
            self.plan_fields(fetch, here, interface, direct, path, here_provided)
        has_implementations = bool(self.sg.possible_types.get(interface))
        if not remaining and not wants_typename and not (field.narrowed and has_implementations):
            here["__typename"] = TYPENAME  # the shaper reads the interface's name from it
            return {fetch.id}
        owner = self._interface_owner(interface)
        if owner is None:
            raise PlanningError(f'cannot find the concrete types of "{interface}": no subgraph defines it '
                                f'as an interface with a resolvable @key')
        key_fields = self._best_key(fetch.graph, interface, interface, owner, None)
        deps = self.plan_fields(fetch, here, interface, key_fields, path, here_provided)
        entity = self._new_fetch(owner, "entity", "query", path, interface)
        entity.deps |= deps
        entity.inputs.append(EntityInput(path=path, type_names=frozenset([interface, *self.sg.possible_types.get(interface, ())]),
                                         entity_name=interface,
                                         requires={interface: key_fields}, selection_type=interface))
        entity.selection[interface]["__typename"] = TYPENAME
        produced = {entity.id}
        possible = set(self.sg.possible_in_graph(interface, owner))
        for concrete, concrete_fields in remaining.items():
            if concrete not in possible or not concrete_fields:
                continue
            self.keep_alive(concrete_fields)
            dest = entity.selection.setdefault(concrete, {})
            produced |= self.plan_fields(entity, dest, concrete, concrete_fields, path, None)
        return produced

    def _split_interface_fields(self, graph: str, interface: str, field: NField, provided: dict[Any, Any] | None
                                ) -> tuple[dict[str, NField], dict[str, dict[str, NField]], bool]:
        """Fields asked on every concrete type that the @interfaceObject subgraph resolves
        itself (`direct`), the rest per concrete type, and whether `__typename` is asked."""
        children = field.children or {}
        wants_typename = any("__typename" in fields for fields in children.values())
        interface_fields = self.sg.types[interface].fields
        direct: dict[str, NField] = {}
        if children:
            first = next(iter(children.values()))
            for key, candidate in first.items():
                if candidate.name not in interface_fields or candidate.name.startswith("__"):
                    continue
                if not all(key in fields and fields[key].same_field(candidate) for fields in children.values()):
                    continue
                if self.cost.decide(graph, interface, candidate, provided).kind not in ("local", "jump"):
                    continue
                merged = NField(candidate.response_key, candidate.name, candidate.arguments, candidate.directives,
                                {} if candidate.children is not None else None)
                for fields in children.values():
                    their = fields[key].children
                    if their:
                        merge_into(children_of(merged), their)
                direct[key] = merged
        remaining = {t: {k: f for k, f in fields.items() if k not in direct and k != "__typename"}
                     for t, fields in children.items()}
        if not any(remaining.values()):
            remaining = {}
        return direct, remaining, wants_typename

    def _interface_owner(self, interface: str) -> str | None:
        for graph, entry in sorted(self.sg.types[interface].graphs.items()):
            if not entry.is_interface_object and any(k.resolvable for k in entry.keys):
                return graph
        return None

    def _requires_compatible(self, type_name: str, graph: str, group: list[NField]) -> list[list[NField]]:
        """Split a jump's fields so that no two need the same field with different arguments
        in their representation (one representation holds one value per field name)."""
        subgroups: list[tuple[list[NField], dict[str, NField]]] = []
        for field in group:
            fdef = self.sg.types[type_name].fields.get(field.name)
            join = fdef.by_graph.get(graph) if fdef else None
            requires = self.field_sets.get(self.sg, type_name, join.requires) if join and join.requires else {}
            for members, seen in subgroups:
                if all(k not in seen or seen[k].same_field(f) for k, f in requires.items()):
                    members.append(field)
                    seen.update(requires)
                    break
            else:
                subgroups.append(([field], dict(requires)))
        return [members for members, _ in subgroups]

    def _avoid_collisions(self, needed: dict[str, NField], target: dict[str, NField],
                          siblings: dict[str, NField]) -> dict[str, NField]:
        """Fields the planner adds (keys, @requires) get an internal alias when the client
        uses their response key for something else (e.g. the same field with other arguments)."""
        renamed: dict[str, NField] = {}
        for key, field in needed.items():
            clash = [other for other in (target.get(key), siblings.get(key)) if other is not None]
            if any(not other.same_field(field) for other in clash):
                alias = f"_bff_{field.name}_{len(self._alive)}"
                renamed[alias] = NField(alias, field.name, field.arguments, field.directives, field.children)
            else:
                renamed[key] = field
        return renamed

    def _best_key(self, from_graph: str, type_name: str, entity_name: str, graph: str,
                  provided: dict[Any, Any] | None) -> dict[str, NField]:
        best, best_cost = None, INF
        for key in self.sg.types[entity_name].graphs[graph].keys:
            if not key.resolvable:
                continue
            fields = self.field_sets.get(self.sg, type_name, key.fields)
            cost = self.cost.estimate(from_graph, type_name, fields, provided)
            if cost < best_cost:
                best, best_cost = fields, cost
        if best is None:
            raise PlanningError(f'no resolvable @key for "{entity_name}" in "{self.sg.subgraphs[graph].name}"')
        return best

    def _entity_fetch(self, graph: str, path: Path, type_name: str, entity_name: str,
                      needed: dict[str, NField], deps: set[int]) -> FetchBuilder:
        shape = _shape_text(needed)
        lookup = (graph, path, type_name, frozenset(deps), shape)
        existing = self._entity_fetches.get(lookup)
        if existing is not None:
            return existing
        # A plain GraphQL service has no `_entities`: fetch through its declared lookup field.
        kind = "lookup" if graph in self.sg.types[entity_name].lookups else "entity"
        fetch = self._new_fetch(graph, kind, "query", path, entity_name)
        fetch.deps |= deps
        runtime = frozenset([type_name, *self.sg.possible_types.get(type_name, ())])
        fetch.inputs.append(EntityInput(path=path, type_names=runtime, entity_name=entity_name,
                                        requires={type_name: needed}, selection_type=entity_name))
        fetch.keep_typename = entity_name != type_name
        self._entity_fetches[lookup] = fetch
        return fetch

    def _new_fetch(self, graph: str, kind: str, operation_kind: str, path: Path, type_name: str) -> FetchBuilder:
        fetch = FetchBuilder(len(self.fetches), graph, kind, operation_kind, path, type_name)
        self.fetches.append(fetch)
        return fetch

    # ---- schema questions -----------------------------------------------------------------

    def _is_query_root(self, type_name: str, path: Path) -> bool:
        return type_name == self.sg.query_type and path == () and self.operation_kind == "query"

    def field_def(self, graph: str, type_name: str, field_name: str) -> FieldDef:
        fdef = self.sg.types[type_name].fields.get(field_name)
        if fdef is None:
            raise PlanningError(f'unknown field "{type_name}.{field_name}"')
        return fdef

    def possible_at(self, graph: str, fdef: FieldDef) -> list[str]:
        """Concrete types `graph` can return for a field."""
        type_name = fdef.type_name_in(graph)
        if type_name not in self.sg.types:
            return []
        t = self.sg.types[type_name]
        if t.is_abstract and not self.sg.possible_types.get(type_name):
            return [type_name]  # an interface nothing implements: its fields are all there is
        return self.sg.possible_in_graph(type_name, graph)

    def child_provided(self, graph: str, fdef: FieldDef, provided: dict[str, NField] | None,
                       field: NField) -> Selection | None:
        join = fdef.by_graph.get(graph)
        if join is not None and join.provides is not None:
            return self.field_sets.get_selection(self.sg, fdef.type.name, join.provides)
        if provided is not None:
            inherited = provided.get(field.name)
            if inherited is not None and inherited.children:
                return inherited.children
        return None

    def is_interface_object(self, graph: str, type_name: str) -> bool:
        t = self.sg.types.get(type_name)
        entry = t.graphs.get(graph) if t else None
        return bool(entry and entry.is_interface_object)

    def entity_name(self, graph: str, type_name: str, field_name: str) -> str:
        """The type an entity fetch to `graph` asks for: the type itself, or the
        @interfaceObject interface through which `graph` knows it."""
        t = self.sg.types[type_name]
        if graph in t.graphs:
            return type_name
        for interface in t.interfaces:
            it = self.sg.types.get(interface)
            if it and graph in it.graphs and it.graphs[graph].is_interface_object:
                return interface
        return type_name

    def echo(self, fields: dict[str, NField] | None) -> dict[str, NField] | None:
        """Key fields by name: what an `_entities` call can answer from its representation."""
        if fields is None:
            return None
        cached = self._echoes.get(id(fields))
        if cached is None:
            cached = self._echoes[id(fields)] = {f.name: f for f in fields.values()}
            self.keep_alive(fields, cached)
        return cached

    def jump_targets(self, graph: str, type_name: str, field: NField, provided: dict[Any, Any] | None,
                     depth: int) -> Iterator[tuple[str, float, float, dict[Any, Any] | None]]:
        """Subgraphs an entity jump could go to for `field`: (graph, key cost, requires cost, echoed key)."""
        t = self.sg.types[type_name]
        fdef = t.fields.get(field.name)
        if fdef is None:
            return
        if type_name == self.sg.query_type and self.operation_kind == "query":
            for target in sorted(fdef.resolvable_in - {graph}):
                yield target, 0.0, 0.0, None
            return
        candidates = set(fdef.resolvable_in)
        for interface in t.interfaces:
            it = self.sg.types.get(interface)
            if it is None or field.name not in it.fields:
                continue
            for g, entry in it.graphs.items():
                if entry.is_interface_object and g in it.fields[field.name].resolvable_in:
                    candidates.add(g)
        for target in sorted(candidates):
            entity_name = self.entity_name(target, type_name, field.name)
            owner = self.sg.types[entity_name].graphs.get(target)
            if owner is None:
                continue
            tdef = self.sg.types[entity_name].fields.get(field.name)
            join = tdef.by_graph.get(target) if tdef else None
            requires_at = join.requires if join is not None else None
            has_requires = requires_at is not None
            if target == graph and not has_requires:
                continue
            key_cost, key_fields = INF, None
            for key in owner.keys:
                if key.resolvable:
                    fields = self.field_sets.get(self.sg, type_name, key.fields)
                    cost = self.cost.estimate(graph, type_name, fields, provided, depth + 1)
                    if cost < key_cost:
                        key_cost, key_fields = cost, fields
            if key_cost == INF:
                continue
            requires_cost = 0.0
            if requires_at is not None:
                requires = self.field_sets.get(self.sg, type_name, requires_at)
                requires_cost = self.cost.estimate(graph, type_name, requires, provided, depth + 1)
                if requires_cost == INF:
                    continue
            yield target, key_cost, requires_cost, self.echo(key_fields)


class FieldSetCache:
    """Field sets (@key, @requires, @provides) normalized once per supergraph."""

    def __init__(self) -> None:
        self._cache: dict[tuple[str, int, bool], Selection] = {}

    def get_selection(self, sg: Supergraph, type_name: str, selection_set: Any, as_object: bool = False) -> Selection:
        """Per concrete type (for @provides on an abstract field type), or with `as_object`
        on the type itself (keys and @requires of an interface entity)."""
        key = (type_name, id(selection_set), as_object)
        cached = self._cache.get(key)
        if cached is None:
            cached = self._cache[key] = Normalizer(sg, {}, {}).selection(type_name, selection_set, as_object)
        return cached

    def get(self, sg: Supergraph, type_name: str, selection_set: Any) -> dict[str, NField]:
        as_object = sg.types[type_name].is_abstract if type_name in sg.types else False
        return self.get_selection(sg, type_name, selection_set, as_object).get(type_name, {})


def children_of(field: NField) -> Selection:
    """The sub-selection of a field of composite type (normalization gives every such field one)."""
    children = field.children
    if children is None:
        raise PlanningError(f'field "{field.name}" has no selection of subfields')
    return children


def _shape_text(fields: dict[str, NField]) -> str:
    parts = []
    for f in fields.values():
        parts.append(f.response_key + ":" + f.name + ("(" + args_text(f.arguments) + ")" if f.arguments else ""))
        if f.children:
            for t, c in f.children.items():
                parts.append(f"[{t} {_shape_text(c)}]")
    return " ".join(parts)
