"""Seed reviews: 120 of them over the first nine courses (the last course has none).

Each review stores its author's name next to the author id, as a review
service would to show reviews without asking accounts; that copy is what
`Review.author @provides(fields: "name")` announces.
"""

from __future__ import annotations

from dataclasses import dataclass

from services.toolkit.seed import COURSE_IDS, USER_IDS, user_name

SEED_SIZE = 120

_OPENINGS = ("Clear and well paced.", "Too fast in places.", "Great exercises.", "Dense but rewarding.", "Needs more examples.")
_CLOSINGS = ("Would recommend.", "Worth the time.", "I learned a lot.", "Mixed feelings overall.", "Bring coffee.")


@dataclass(frozen=True, slots=True)
class ReviewRecord:
    id: str
    course_id: str
    author_id: str
    author_name: str
    rating: int
    body: str


def _seed() -> list[ReviewRecord]:
    reviewed_courses = COURSE_IDS[:-1]
    records = []
    for i in range(SEED_SIZE):
        author_id = USER_IDS[(i * 3 + i // len(USER_IDS)) % len(USER_IDS)]
        records.append(
            ReviewRecord(
                id=f"r{i + 1}",
                course_id=reviewed_courses[i % len(reviewed_courses)],
                author_id=author_id,
                author_name=user_name(author_id),
                rating=1 + (i * 7 + i // 5) % 5,
                body=f"{_OPENINGS[i % 5]} {_CLOSINGS[(i // 5) % 5]}",
            )
        )
    return records


REVIEWS: dict[str, ReviewRecord] = {r.id: r for r in _seed()}
