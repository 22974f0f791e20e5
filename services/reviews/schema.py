"""reviews subgraph: the owner of `Review`; adds reviews and ratings to
`User` and `Course`.

Federation features on show:
- `Review.author @provides(fields: "name")`: reviews stores author names, so a
  query for `review { author { name } }` needs no trip to accounts (where
  `User.name` is @shareable). Elsewhere `User.name` is @external here.
- `Course.ratingSummary @requires(fields: "title")`: the text needs the course
  title, which courses owns; the gateway must fetch it first and pass it in the
  `_entities` representation.
- `Review.rating` is @shareable: declared shareable so another service may
  serve a copy of ratings later without a schema change here.

Access: reviews are public (no access directives); `addReview` takes its
author's id, as example data does (a real service would use the caller).

Real time (docs/realtime.md): `addReview` stores a review and publishes it;
`Subscription.reviewAdded(courseId)` streams them (graphql-transport-ws at
/graphql). `Course.alsoReviewed` is deliberately slow, a field worth `@defer`.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncGenerator
from typing import Annotated

import strawberry
from graphql import GraphQLError

from services.toolkit import Schema
from services.toolkit.tags import MOBILE, PARTNER, tags

from . import data


@strawberry.federation.type(keys=["id"])
class User:
    id: strawberry.ID
    # Only known when this User came from `Review.author` (the provided copy).
    name: str | None = strawberry.federation.field(external=True, default=None, graphql_type=str)

    @strawberry.field
    def reviews(self) -> list["Review"]:
        return [Review.from_record(r) for r in data.REVIEWS.values() if r.author_id == self.id]

    @classmethod
    def resolve_reference(cls, id: strawberry.ID) -> "User":
        return cls(id=id)


@strawberry.federation.type(keys=["id"])
class Course:
    id: strawberry.ID
    # Owned by courses; only present when the gateway sent it for ratingSummary.
    title: str | None = strawberry.federation.field(external=True, default=None, graphql_type=str)

    def _ratings(self) -> list[int]:
        return [r.rating for r in data.REVIEWS.values() if r.course_id == self.id]

    @strawberry.field(directives=tags(MOBILE))
    def reviews(self) -> list["Review"]:
        return [Review.from_record(r) for r in data.REVIEWS.values() if r.course_id == self.id]

    @strawberry.field(description="Mean rating, rounded to two places; null when nobody has reviewed the course.",
                      directives=tags(MOBILE, PARTNER))
    def average_rating(self) -> float | None:
        ratings = self._ratings()
        return round(sum(ratings) / len(ratings), 2) if ratings else None

    @strawberry.federation.field(requires=["title"], description='For example "Operating Systems: 3.4/5 from 13 reviews".',
                                 directives=tags(PARTNER))
    def rating_summary(self) -> str:
        if self.title is None:
            raise GraphQLError(
                'ratingSummary needs the course title in the representation (@requires(fields: "title"))',
                extensions={"code": "MISSING_REQUIRED_FIELD"},
            )
        ratings = self._ratings()
        if not ratings:
            return f"{self.title}: no reviews yet"
        noun = "review" if len(ratings) == 1 else "reviews"
        return f"{self.title}: {sum(ratings) / len(ratings):.1f}/5 from {len(ratings)} {noun}"

    @strawberry.field(description="Other courses this course's reviewers reviewed, most shared reviewers first. "
                                  "Slow on purpose (BFF_EXAMPLE_SLOW_SECONDS, 0.5 by default): a field to @defer.")
    async def also_reviewed(self, limit: int = 3) -> list["Course"]:
        await asyncio.sleep(float(os.environ.get("BFF_EXAMPLE_SLOW_SECONDS", "0.5")))
        reviewers = {r.author_id for r in data.REVIEWS.values() if r.course_id == self.id}
        counts: dict[str, int] = {}
        for r in data.REVIEWS.values():
            if r.author_id in reviewers and r.course_id != self.id:
                counts[r.course_id] = counts.get(r.course_id, 0) + 1
        ranked = sorted(counts, key=lambda c: (-counts[c], c))[: max(limit, 0)]
        return [Course(id=strawberry.ID(c)) for c in ranked]

    @classmethod
    def resolve_reference(cls, id: strawberry.ID, title: str | None = None) -> "Course":
        return cls(id=id, title=title)


@strawberry.federation.type(keys=["id"])
class Review:
    id: strawberry.ID = strawberry.federation.field(directives=tags(MOBILE))
    rating: int = strawberry.federation.field(shareable=True, description="1 to 5 stars.", directives=tags(MOBILE))
    body: str = strawberry.federation.field(directives=tags(MOBILE))
    author: User | None = strawberry.federation.field(provides=["name"], directives=tags(MOBILE))
    course: Course = strawberry.federation.field(directives=tags(MOBILE))

    @classmethod
    def from_record(cls, record: data.ReviewRecord) -> "Review":
        return cls(
            id=strawberry.ID(record.id),
            rating=record.rating,
            body=record.body,
            author=User(id=strawberry.ID(record.author_id), name=record.author_name),
            course=Course(id=strawberry.ID(record.course_id)),
        )

    @classmethod
    def resolve_reference(cls, id: strawberry.ID) -> "Review | None":
        record = data.REVIEWS.get(id)
        return None if record is None else cls.from_record(record)


@strawberry.type
class Query:
    @strawberry.field(directives=tags(MOBILE))
    def review(self, id: Annotated[strawberry.ID, strawberry.argument(directives=tags(MOBILE))]) -> Review | None:
        return Review.resolve_reference(id)

    @strawberry.field(description="The most recent reviews, newest first.", directives=tags(MOBILE))
    def latest_reviews(self, limit: Annotated[int, strawberry.argument(directives=tags(MOBILE))] = 5) -> list[Review]:
        records = list(data.REVIEWS.values())[::-1][: max(limit, 0)]
        return [Review.from_record(r) for r in records]


@strawberry.type
class Mutation:
    @strawberry.mutation(description="Post a review (rating 1 to 5); subscribers of reviewAdded for its course get it.")
    def add_review(self, course_id: strawberry.ID, author_id: strawberry.ID, rating: int, body: str) -> Review:
        try:
            return Review.from_record(data.add_review(course_id, author_id, rating, body))
        except LookupError as exc:
            raise GraphQLError(str(exc), extensions={"code": "NOT_FOUND"}) from exc
        except ValueError as exc:
            raise GraphQLError(str(exc), extensions={"code": "BAD_USER_INPUT"}) from exc


@strawberry.type
class Subscription:
    @strawberry.subscription(description="Each review posted on the course from now on.")
    async def review_added(self, course_id: strawberry.ID) -> AsyncGenerator[Review, None]:
        queue = data.FEED.subscribe(course_id)
        try:
            while True:
                yield Review.from_record(await queue.get())
        finally:
            data.FEED.unsubscribe(course_id, queue)


schema = Schema(query=Query, mutation=Mutation, subscription=Subscription)
