"""Client field usage kept by the registry: rows per day, reports, and the breaking-change filter.

Gateways record which schema coordinates ("Type.field", "Type.field(arg:)")
each client selected (gateway/telemetry/usage.py) into the registry store. A
breaking change to a coordinate no client used in the last N days breaks
nobody; one still in use names the clients. With no usage recorded at all in
the window, the check stays conservative (every breaking change counts).
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from .model import Problem

DEFAULT_DAYS = 30
DAYS_ENV = "BFF_USAGE_DAYS"


@dataclass(frozen=True, slots=True)
class UsageRow:
    day: str  # YYYY-MM-DD (UTC)
    coordinate: str
    client: str
    client_version: str
    count: int
    # The contract the requests were served under ("" for the full API schema), docs/contracts.md.
    contract: str = ""


def since(days: int, today: date | None = None) -> str:
    """The first day (YYYY-MM-DD) of a window of `days` days ending today."""
    today = today or datetime.now(UTC).date()
    return (today - timedelta(days=max(days, 1) - 1)).isoformat()


def report(rows: list[UsageRow], field: str | None = None) -> dict[str, dict[str, int]]:
    """coordinate -> {"client version": requests}, summed over days; only `field` (and its arguments) when given."""
    out: dict[str, dict[str, int]] = {}
    for r in rows:
        if field is not None and not covers(field, r.coordinate):
            continue
        who = f"{r.client} {r.client_version}".strip()
        per = out.setdefault(r.coordinate, {})
        per[who] = per.get(who, 0) + r.count
    return out


def covers(target: str, coordinate: str) -> bool:
    """Whether usage of `coordinate` is usage of `target` (a type, a field, or a field's argument)."""
    return coordinate == target or coordinate.startswith(target + ".") or coordinate.startswith(target + "(")


# graphql-core's breaking-change descriptions name the coordinate: "Field User.name was removed.",
# "Argument Query.users(first:) was removed.", "A required argument Query.users(first:) was added.",
# "User was removed.", "Review was removed from union type Result."
_ARG = re.compile(r"(\w+)\.(\w+)\((\w+):\)")
_FIELD = re.compile(r"(?:Field )?(\w+)\.(\w+)\b")
_TYPE = re.compile(r"(\w+) (?:was removed|changed from|no longer implements)")
_UNKNOWN = ("Enum value ", "A required field ", "Directive ", "Standard scalar ")


def coordinate_of(description: str) -> str | None:
    """The schema coordinate whose users a breaking change breaks; None when usage cannot tell
    (enum values, input fields, directives: always treated as breaking)."""
    if description.startswith(_UNKNOWN) or "@" in description:
        return None
    m = _ARG.search(description)
    if m:  # a new required argument breaks every use of the field; other argument changes, its users
        field = f"{m.group(1)}.{m.group(2)}"
        return field if description.startswith("A required argument ") else f"{field}({m.group(3)}:)"
    m = _FIELD.match(description)
    if m:
        return f"{m.group(1)}.{m.group(2)}"
    m = _TYPE.match(description)
    return m.group(1) if m else None


def window_days(days: int | None = None) -> int:
    return days if days is not None else int(os.environ.get(DAYS_ENV, "") or DEFAULT_DAYS)


def filter_breaking(store: Any, problems: list[Problem], days: int | None = None,
                    contract: str | None = None) -> list[Problem]:
    """Drop breaking changes to coordinates unused for `days` days; name the clients of the others.
    With `contract`, only the usage recorded under that contract counts ("" for the full API schema).

    Unchanged when the store keeps no usage, or none was recorded in the window."""
    if not problems or not hasattr(store, "usage"):
        return problems
    try:
        rows = store.usage(since(window_days(days)))
    except NotImplementedError:
        return problems
    if not rows:
        return problems
    if contract is not None:
        rows = [r for r in rows if r.contract == contract]
    kept: list[Problem] = []
    for problem in problems:
        description = problem.message.split(": ", 1)[-1]
        coordinate = coordinate_of(description)
        if coordinate is None:
            kept.append(problem)
            continue
        clients = sorted({f"{r.client} {r.client_version}".strip() for r in rows if covers(coordinate, r.coordinate)})
        if clients:
            kept.append(Problem(problem.code, f"{problem.message} (still used in the last {window_days(days)} days "
                                              f"by: {', '.join(clients)})", problem.subgraphs, problem.coordinate))
    return kept
