"""`@tag`s for contracts (docs/contracts.md): which client views an element belongs to.

The example graph uses three tags: `mobile` (what the mobile app shows), `partner`
(the public catalog partners embed) and `internal` (never outside the company).
The `web` contract excludes `internal` and sees the rest.
"""

from __future__ import annotations

from strawberry.federation.schema_directives import Tag

MOBILE = "mobile"
PARTNER = "partner"
INTERNAL = "internal"


def tags(*names: str) -> list[Tag]:
    """The directives list for an element carrying `names`."""
    return [Tag(name=name) for name in names]
