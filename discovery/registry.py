"""The registry's operations: publish, remove, list, show, history, current supergraph.

A publish validates the input, composes the candidate graph (every current
service with this one added or replaced), refuses breaking API changes unless
allowed, and commits conditionally on the version it read. When another
publisher won the race, it re-reads, recomposes and retries (bounded), so
concurrent publishes never lose an update and a failed one writes nothing.
"""

from __future__ import annotations

import json
import logging
import random
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any, Callable, Mapping, Sequence

from .breaking import breaking_changes
from .diff import summarize
from .guards import (RegistryGuards, check_endpoint_target, check_secret_prefix, foreign_overrides,
                     is_local_store, security_changes)
from .model import Commit, HistoryEvent, Outcome, Problem, Service, Snapshot, StoredSupergraph
from .store.base import DocumentEntry, Store, StoreError, StoreUnavailable, VersionConflict
from .usage import filter_breaking
from .validate import check_api_key_ref, check_endpoint, check_lookups, check_name, check_sdl

_log = logging.getLogger("bff.registry")

# compose(list of (name, url, sdl)) -> (supergraph or None, problems)
Composer = Callable[[list[Service]], "tuple[str | None, list[Problem]]"]


@dataclass(frozen=True, slots=True)
class PublishRequest:
    name: str
    endpoint: str
    sdl: str
    published_by: str
    lookups: list[dict[str, Any]] | None = None
    api_key_ref: str | None = None
    allow_breaking: bool = False
    # Removing or changing an access directive (discovery/guards.py); logged with `published_by`.
    allow_security_change: bool = False
    # Taking fields from another published service with @override(from:); logged likewise.
    allow_override: bool = False


def compose_services(services: list[Service]) -> tuple[str | None, list[Problem]]:
    """The default composer: discovery.compose (pure Python), its errors as Problems."""
    from .compose import Lookup, SubgraphInput, compose_supergraph

    result = compose_supergraph([
        SubgraphInput(s.name, s.endpoint, s.sdl,
                      tuple(Lookup(x["type"], x["field"], dict(x.get("arguments") or {})) for x in s.lookups or ()))
        for s in services])
    problems = [Problem(e.code, e.message, tuple(e.subgraphs or ()), e.coordinate) for e in result.errors]
    return (result.supergraph if not problems else None), problems


class Registry:
    """Registry operations over a Store; safe to share between threads and processes."""

    def __init__(self, store: Store, composer: Composer | None = None, *, max_attempts: int = 8,
                 clock: Callable[[], datetime] | None = None, usage_days: int | None = None,
                 guards: RegistryGuards | None = None) -> None:
        self.store = store
        # Endpoint, secret-reference, access-directive and @override guards (guards.py).
        self.guards = guards or RegistryGuards.from_env()
        self._local = is_local_store(store)
        self.usage_days = usage_days  # window of the usage-aware breaking check (None: $BFF_USAGE_DAYS or 30)
        self._compose = composer or compose_services
        self.max_attempts = max_attempts
        self._clock = clock or (lambda: datetime.now(timezone.utc))

    # -- writes -------------------------------------------------------------------

    def publish(self, request: PublishRequest) -> Outcome:
        """Add or replace one service; returns the new version, or the problems (nothing written)."""
        problems = (check_name(request.name) + check_endpoint(request.endpoint) + check_api_key_ref(request.api_key_ref)
                    + check_lookups(request.lookups) + check_sdl(request.sdl))
        if not problems:
            problems = (check_endpoint_target(request.endpoint, self.guards, self._local)
                        + check_secret_prefix(request.api_key_ref, self.guards))
        if problems:
            return Outcome(False, 0, tuple(problems))

        def change(snapshot: Snapshot, now: str) -> "tuple[Commit, list[str]] | Outcome":
            old = snapshot.services.get(request.name)
            service = Service(request.name, request.endpoint, request.sdl, request.lookups, request.api_key_ref,
                              request.published_by, now)
            if old is not None and old.same_content(service):
                return Outcome(True, snapshot.version, summary="unchanged", changed=False)
            allowed: list[str] = []
            taken = foreign_overrides(request.name, request.sdl, snapshot.services)
            if taken and not request.allow_override:
                return Outcome(False, snapshot.version, tuple(
                    Problem("OVERRIDE_NOT_ALLOWED", f"{coordinate}: @override(from: \"{owner}\") takes a field another "
                            "service owns; publish again with allow_override (--allow-override) to accept it",
                            (owner,), coordinate) for owner, coordinate in taken))
            if taken:
                allowed.append(f"override of {', '.join(c for _, c in taken)} allowed by {request.published_by}")
            candidate = dict(snapshot.services)
            candidate[request.name] = service
            supergraph, errors = self._compose([candidate[n] for n in sorted(candidate)])
            if errors or supergraph is None:
                return Outcome(False, snapshot.version, tuple(errors) or (Problem("COMPOSITION_FAILED", "composition produced no supergraph"),))
            refused, warnings = self._check_contracts(snapshot, supergraph, snapshot.contracts)
            if refused:
                return refused
            refused = self._guard(snapshot, supergraph, request.allow_breaking, request.allow_security_change,
                                  request.published_by, "publish", allowed)
            if refused is not None:
                return refused
            for note in allowed:
                _log.warning("registry: %s: %s", request.name, note)
            event = HistoryEvent(snapshot.version + 1, request.name, "publish", request.published_by, now,
                                 "; ".join([summarize(old, service), *allowed]), request.endpoint)
            return Commit(snapshot.version, event, supergraph, upsert=service, contracts=snapshot.contracts), warnings

        return self._apply(change)

    def remove(self, name: str, removed_by: str, allow_breaking: bool = False,
               allow_security_change: bool = False) -> Outcome:
        """Take a service out of the graph, under the same checks as a publish: the rest must compose,
        fields clients still use may only disappear with `allow_breaking`, and access requirements
        the service contributed may only go with `allow_security_change`."""
        problems = check_name(name)
        if problems:
            return Outcome(False, 0, tuple(problems))

        def change(snapshot: Snapshot, now: str) -> "tuple[Commit, list[str]] | Outcome":
            old = snapshot.services.get(name)
            if old is None:
                return Outcome(False, snapshot.version, (Problem("UNKNOWN_SERVICE", f"no service named {name!r} is published"),))
            rest = [s for n, s in sorted(snapshot.services.items()) if n != name]
            supergraph = None
            if rest:
                supergraph, errors = self._compose(rest)
                if errors or supergraph is None:
                    return Outcome(False, snapshot.version, tuple(errors) or (Problem("COMPOSITION_FAILED", "composition produced no supergraph"),))
            refused, warnings = self._check_contracts(snapshot, supergraph, snapshot.contracts)
            if refused:
                return refused
            allowed: list[str] = []
            refused = self._guard(snapshot, supergraph, allow_breaking, allow_security_change, removed_by, "remove",
                                  allowed)
            if refused is not None:
                return refused
            lost = breaking_changes(snapshot.supergraph, supergraph)
            if lost and allow_breaking:
                allowed.insert(0, f"{len(lost)} breaking API change(s) allowed by {removed_by}")
            elif lost:
                allowed.insert(0, f"{len(lost)} breaking API change(s) to fields no client used")
            for note in allowed:
                _log.warning("registry: %s: %s", name, note)
            event = HistoryEvent(snapshot.version + 1, name, "remove", removed_by, now,
                                 "; ".join([summarize(old, None), *allowed]), old.endpoint)
            return Commit(snapshot.version, event, supergraph, remove=name, contracts=snapshot.contracts), warnings

        return self._apply(change)

    def _guard(self, snapshot: Snapshot, supergraph: str | None, allow_breaking: bool, allow_security_change: bool,
               actor: str, verb: str, allowed: list[str]) -> Outcome | None:
        """The refusal of a change from `snapshot.supergraph` to `supergraph`, or None when it may go
        ahead (what was let through by a flag is appended to `allowed`, to be logged and kept in the
        history): one check for publish and remove, so neither path can skip it."""
        if not allow_breaking:
            # Changes to fields no client used in the last N days break nobody (discovery/usage.py).
            broken = self._breaking(snapshot, supergraph, snapshot.contracts)
            if broken:
                return Outcome(False, snapshot.version, tuple(broken),
                               summary=f"breaking changes; {verb} again with --allow-breaking "
                                       "(allow_breaking in the API) to accept them")
        weakened = security_changes(snapshot.supergraph, supergraph)
        if weakened and not allow_security_change:
            return Outcome(False, snapshot.version, tuple(weakened),
                           summary=f"security change: {verb} again with --allow-security-change "
                                   "(allow_security_change in the API) to accept it")
        if weakened:
            allowed.append(f"security change ({', '.join(p.coordinate or '' for p in weakened)}) allowed by {actor}")
        return None

    def publish_documents(self, client_name: str, client_version: str,
                          documents: "Mapping[str, str] | Sequence[str]", published_by: str) -> Outcome:
        """Register trusted documents for one client name and version (discovery/documents.py).

        Every document must match its sha256 and validate against the current API schema;
        otherwise the batch is refused with a problem per document and nothing is written.
        """
        from .documents import check_client, normalize, validate_documents

        problems = check_client(client_name, client_version)
        docs, mismatches = normalize(documents)
        problems += mismatches
        if not docs and not problems:
            problems.append(Problem("NO_DOCUMENTS", "the batch holds no documents"))
        try:
            stored = self.store.supergraph()
            if not problems:
                problems += validate_documents(stored.sdl, docs, stored.contracts, client_name)
            if problems:
                return Outcome(False, stored.version, tuple(problems), summary="nothing was registered")
            at = self._clock().isoformat(timespec="milliseconds")
            added = self.store.put_documents(client_name, client_version, docs, published_by, at)
        except StoreError as exc:
            return Outcome(False, 0, (Problem("REGISTRY_UNAVAILABLE" if isinstance(exc, StoreUnavailable)
                                              else "REGISTRY_ERROR", str(exc)),))
        return Outcome(True, stored.version, summary=f"{added} new of {len(docs)} document(s) for "
                       f"{client_name}/{client_version}", changed=added > 0)

    # -- contracts (discovery/contracts.py, docs/contracts.md) ----------------------------

    def set_contract(self, definition: Any, set_by: str, *, allow_breaking: bool = False) -> Outcome:
        """Add or replace a contract definition (gateway.contracts.ContractDefinition): a new graph
        version, refused when the contract yields no valid schema, claims another contract's client,
        claim value or path, or breaks clients that used it (unless allow_breaking)."""
        from bff_common.contracts.definitions import definitions_from_json, parse_contracts

        from .contracts import definitions_with

        def change(snapshot: Snapshot, now: str) -> "tuple[Commit, list[str]] | Outcome":
            current = {d.name: d for d in definitions_from_json(snapshot.contracts)}
            if current.get(definition.name) == definition:
                return Outcome(True, snapshot.version, summary="unchanged", changed=False)
            contracts = definitions_with(snapshot.contracts, definition)
            _, clashes = parse_contracts(json.loads(contracts or "[]"), where="contracts")
            if clashes:
                return Outcome(False, snapshot.version, tuple(Problem("CONTRACT_INVALID", c) for c in clashes))
            return self._contract_commit(snapshot, now, contracts, definition.name, set_by, allow_breaking,
                                         ("changed" if definition.name in current else "added") + " "
                                         + _describe(definition))

        return self._apply(change)

    def remove_contract(self, name: str, removed_by: str, *, allow_breaking: bool = False) -> Outcome:
        """Delete a contract definition; refused when clients used it recently (unless allow_breaking)."""
        from bff_common.contracts.definitions import definitions_from_json

        from .contracts import definitions_without

        def change(snapshot: Snapshot, now: str) -> "tuple[Commit, list[str]] | Outcome":
            if all(d.name != name for d in definitions_from_json(snapshot.contracts)):
                return Outcome(False, snapshot.version, (Problem("UNKNOWN_CONTRACT", f"no contract named {name!r}"),))
            return self._contract_commit(snapshot, now, definitions_without(snapshot.contracts, name), name,
                                         removed_by, allow_breaking, "removed")

        return self._apply(change)

    def contracts(self) -> list[Any]:
        """The current contract definitions, sorted by name."""
        from bff_common.contracts.definitions import definitions_from_json

        return list(definitions_from_json(self.store.snapshot().contracts))

    def _contract_commit(self, snapshot: Snapshot, now: str, contracts: str | None, name: str, actor: str,
                         allow_breaking: bool, summary: str) -> "tuple[Commit, list[str]] | Outcome":
        refused, warnings = self._check_contracts(snapshot, snapshot.supergraph, contracts)
        if refused:
            return refused
        if not allow_breaking:
            broken = self._breaking(snapshot, snapshot.supergraph, contracts)
            if broken:
                return Outcome(False, snapshot.version, tuple(broken),
                               summary="breaking changes; try again with allow_breaking to accept them")
        event = HistoryEvent(snapshot.version + 1, f"contract:{name}", "contract", actor, now, summary)
        return Commit(snapshot.version, event, snapshot.supergraph, contracts=contracts), warnings

    def _check_contracts(self, snapshot: Snapshot, supergraph: str | None,
                         contracts: str | None) -> tuple[Outcome | None, list[str]]:
        """(a refusal when a contract yields no valid schema over `supergraph`, warnings)."""
        from .contracts import check_contracts

        problems, warnings = check_contracts(supergraph, contracts)
        if problems:
            return Outcome(False, snapshot.version, tuple(problems), summary="a contract would be invalid"), []
        return None, warnings

    def _breaking(self, snapshot: Snapshot, supergraph: str | None, contracts: str | None) -> list[Problem]:
        """Breaking changes to the full API schema and to each contract's, minus those to fields no
        client used in the last N days (discovery/usage.py); each contract's clients named apart."""
        from .contracts import contract_breaking

        # With contracts, the full API schema's clients are the requests served no contract.
        scope = "" if snapshot.contracts else None
        broken = filter_breaking(self.store, breaking_changes(snapshot.supergraph, supergraph), self.usage_days,
                                 contract=scope)
        return broken + contract_breaking(self.store, snapshot.supergraph, snapshot.contracts, supergraph, contracts,
                                          self.usage_days)

    def _apply(self, change: Callable[[Snapshot, str], "tuple[Commit, list[str]] | Outcome"]) -> Outcome:
        """Read, decide, commit; on a lost race re-read and decide again (bounded, with jitter)."""
        for attempt in range(self.max_attempts):
            try:
                snapshot = self.store.snapshot()
                decided = change(snapshot, self._clock().isoformat(timespec="milliseconds"))
                if isinstance(decided, Outcome):
                    return decided
                commit, warnings = decided
                self.store.commit(commit)
                for warning in warnings:
                    _log.info("registry: %s", warning)
                return Outcome(True, commit.new_version, summary=commit.event.summary, warnings=tuple(warnings))
            except VersionConflict:
                time.sleep(random.uniform(0, 0.02 * (2 ** min(attempt, 5))))
            except StoreError as exc:
                return Outcome(False, 0, (Problem("REGISTRY_UNAVAILABLE" if isinstance(exc, StoreUnavailable)
                                                  else "REGISTRY_ERROR", str(exc)),))
        return Outcome(False, 0, (Problem("CONFLICT", f"the graph kept changing; gave up after {self.max_attempts} "
                                          "attempts (nothing was written by this request)"),))

    # -- reads --------------------------------------------------------------------

    def services(self) -> list[Service]:
        return [s for _, s in sorted(self.store.snapshot().services.items())]

    def show(self, name: str) -> Service | None:
        return self.store.snapshot().services.get(name)

    def history(self, name: str | None = None) -> list[HistoryEvent]:
        return self.store.history(name)

    def supergraph(self) -> StoredSupergraph:
        return self.store.supergraph()

    def version(self) -> int:
        return self.store.current_version()

    def document(self, sha256: str) -> str | None:
        return self.store.document(sha256)

    def client_document(self, client: str, version: str, sha256: str) -> str | None:
        return self.store.client_document(client, version, sha256)

    def documents(self, client: str | None = None) -> list[DocumentEntry]:
        return self.store.documents(client)


def _describe(definition: Any) -> str:
    """E.g. "mobile: include mobile; exclude internal; clients ios, android" for the history."""
    parts = [f"{key} {', '.join(values)}" for key, values in (("include", definition.include),
                                                                ("exclude", definition.exclude),
                                                                ("clients", definition.clients),
                                                                ("paths", definition.paths)) if values]
    parts += [f"claim {claim} {', '.join(values)}" for claim, values in definition.claims]
    return f"{definition.name}: {'; '.join(parts) or 'the full API schema'}"
