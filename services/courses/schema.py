"""courses subgraph: the owner of `Course`; adds `User.coursesTaught`.

`Course.instructor` returns a `User` reference (just the id): the gateway asks
accounts for the rest.

Access: the catalog is public (no access directives).
"""

from __future__ import annotations

from typing import Annotated

import strawberry

from services.toolkit import Schema
from services.toolkit.tags import MOBILE, PARTNER, tags

from . import data


@strawberry.federation.type(keys=["id"])
class Course:
    id: strawberry.ID = strawberry.federation.field(directives=tags(MOBILE, PARTNER))
    title: str = strawberry.federation.field(directives=tags(MOBILE, PARTNER))
    description: str = strawberry.federation.field(directives=tags(MOBILE, PARTNER))
    instructor_id: strawberry.Private[str | None]

    @strawberry.field(directives=tags(MOBILE))
    def instructor(self) -> User | None:
        return None if self.instructor_id is None else User(id=strawberry.ID(self.instructor_id))

    @classmethod
    def resolve_reference(cls, id: strawberry.ID) -> Course | None:
        return _course(id)


@strawberry.federation.type(keys=["id"])
class User:
    id: strawberry.ID

    @strawberry.field
    def courses_taught(self) -> list[Course]:
        return [_course(c.id) for c in data.COURSES.values() if c.instructor_id == self.id]  # type: ignore[misc]

    @classmethod
    def resolve_reference(cls, id: strawberry.ID) -> User:
        # Any user id is a valid reference: someone who teaches nothing has no courses.
        return cls(id=id)


def _course(course_id: str) -> Course | None:
    record = data.COURSES.get(course_id)
    if record is None:
        return None
    return Course(
        id=strawberry.ID(record.id),
        title=record.title,
        description=record.description,
        instructor_id=record.instructor_id,
    )


@strawberry.type
class Query:
    @strawberry.field(directives=tags(MOBILE, PARTNER))
    def courses(self) -> list[Course]:
        return [course for course_id in data.COURSES if (course := _course(course_id)) is not None]

    @strawberry.field(directives=tags(MOBILE, PARTNER))
    def course(
        self, id: Annotated[strawberry.ID, strawberry.argument(directives=tags(MOBILE, PARTNER))]
    ) -> Course | None:
        return _course(id)


schema = Schema(query=Query, types=[User])
