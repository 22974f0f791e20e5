"""The service's subgraph: replace with your own types and fields.

This example extends the graph's `Course` (owned by the courses service) with one field: the
gateway sends this service only course ids (`@key(fields: "id")`) and asks for `related`.
"""

from __future__ import annotations

import strawberry

from services.toolkit import Schema

TOPICS = {"c1": ["graphs", "apis"], "c2": ["serverless"]}


@strawberry.federation.type(keys=["id"])
class Course:
    id: strawberry.ID

    @strawberry.field
    def related_topics(self) -> list[str]:
        return TOPICS.get(str(self.id), [])

    @classmethod
    def resolve_reference(cls, id: strawberry.ID) -> Course:
        return cls(id=id)


schema = Schema(types=[Course])
