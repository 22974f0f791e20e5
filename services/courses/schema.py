"""courses subgraph: the owner of `Course`; adds `User.coursesTaught`.

`Course.instructor` returns a `User` reference (just the id): the gateway asks
accounts for the rest.

Access: the catalog is public (no access directives).
"""

from __future__ import annotations

import strawberry

from services.toolkit import Schema

from . import data


@strawberry.federation.type(keys=["id"])
class Course:
    id: strawberry.ID
    title: str
    description: str
    instructor_id: strawberry.Private[str | None]

    @strawberry.field
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
    @strawberry.field
    def courses(self) -> list[Course]:
        return [course for course_id in data.COURSES if (course := _course(course_id)) is not None]

    @strawberry.field
    def course(self, id: strawberry.ID) -> Course | None:
        return _course(id)


schema = Schema(query=Query, types=[User])
