"""enrollments subgraph: `Enrollment`, plus `User.enrollments`,
`Course.enrollmentCount` and `Course.students` on entities other services own.

Mutation `enroll` is order-sensitive (see data.py): two `enroll` fields in one
operation must run one after the other, as GraphQL requires.

Access (docs/access.md): `User.enrollments` only for that user (or an admin);
`enroll` only as oneself (@policy self on its `userId`); `Course.students` for
instructors and admins; the full `enrollments` list for admins;
`enrollmentCount` is public.
"""

from __future__ import annotations

from typing import Annotated

import strawberry
from graphql import GraphQLError
from strawberry.federation.schema_directives import Policy

from services.toolkit import Schema
from services.toolkit.access import Access, AccessExtension
from services.toolkit.tags import MOBILE, PARTNER, tags

from . import data


@strawberry.federation.type(keys=["id"])
class User:
    id: strawberry.ID

    @strawberry.field(directives=[Policy(policies=[["self_or_admin"]]), *tags(MOBILE)])  # nullable: per user
    def enrollments(self) -> list[Enrollment] | None:
        return [Enrollment.from_record(e) for e in data.ENROLLMENTS if e.user_id == self.id]

    @classmethod
    def resolve_reference(cls, id: strawberry.ID) -> User:
        return cls(id=id)


@strawberry.federation.type(keys=["id"])
class Course:
    id: strawberry.ID

    @strawberry.field(directives=tags(MOBILE, PARTNER))
    def enrollment_count(self) -> int:
        return sum(1 for e in data.ENROLLMENTS if e.course_id == self.id)

    @strawberry.field(directives=[Access(roles=["instructor", "admin"])])
    def students(self) -> list[User]:
        return [User(id=strawberry.ID(e.user_id)) for e in data.ENROLLMENTS if e.course_id == self.id]

    @classmethod
    def resolve_reference(cls, id: strawberry.ID) -> Course:
        return cls(id=id)


@strawberry.type
class Enrollment:
    id: strawberry.ID = strawberry.federation.field(directives=tags(MOBILE))
    user: User = strawberry.federation.field(directives=tags(MOBILE))
    course: Course = strawberry.federation.field(directives=tags(MOBILE))
    progress: float | None = strawberry.federation.field(
        description="Share of the course completed, 0..1; null before the first lesson.", directives=tags(MOBILE))

    @classmethod
    def from_record(cls, record: data.EnrollmentRecord) -> Enrollment:
        return cls(
            id=strawberry.ID(record.id),
            user=User(id=strawberry.ID(record.user_id)),
            course=Course(id=strawberry.ID(record.course_id)),
            progress=record.progress,
        )


@strawberry.type
class Query:
    @strawberry.field(directives=[Access(roles=["admin"])])
    def enrollments(self) -> list[Enrollment]:
        return [Enrollment.from_record(e) for e in data.ENROLLMENTS]


@strawberry.type
class Mutation:
    @strawberry.mutation(description="Enroll yourself in a course; null with an error if already enrolled or unknown.",
                         directives=[Policy(policies=[["self"]]), *tags(MOBILE)])
    def enroll(self, user_id: Annotated[strawberry.ID, strawberry.argument(directives=tags(MOBILE))],
               course_id: Annotated[strawberry.ID, strawberry.argument(directives=tags(MOBILE))]) -> Enrollment | None:
        try:
            return Enrollment.from_record(data.enroll(user_id, course_id))
        except data.AlreadyEnrolled as exc:
            raise GraphQLError(str(exc), extensions={"code": "ALREADY_ENROLLED"}) from exc
        except LookupError as exc:
            raise GraphQLError(str(exc), extensions={"code": "NOT_FOUND"}) from exc


# Owned by the viewer: a User whose id is theirs; an `enroll` whose userId is theirs.
schema = Schema(query=Query, mutation=Mutation,
                extensions=[AccessExtension.with_policies(owners={"User": "id", "Mutation.enroll": "userId"})])
