"""Seed reviews: 120 of them over the first nine courses (the last course has none).

Each review stores its author's name next to the author id, as a review
service would to show reviews without asking accounts; that copy is what
`Review.author @provides(fields: "name")` announces.
"""

from __future__ import annotations

import asyncio
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


class ReviewFeed:
    """New reviews for the subscribers of one process: `addReview` publishes, `reviewAdded` reads.

    Each subscriber has its own bounded queue; a subscriber that falls `QUEUE_SIZE` reviews
    behind loses the oldest (a feed, not a ledger). A real service would publish to a broker.
    """

    QUEUE_SIZE = 256

    def __init__(self) -> None:
        self._queues: dict[str, set[asyncio.Queue[ReviewRecord]]] = {}

    def subscribe(self, course_id: str) -> asyncio.Queue[ReviewRecord]:
        queue: asyncio.Queue[ReviewRecord] = asyncio.Queue(self.QUEUE_SIZE)
        self._queues.setdefault(course_id, set()).add(queue)
        return queue

    def unsubscribe(self, course_id: str, queue: asyncio.Queue[ReviewRecord]) -> None:
        queues = self._queues.get(course_id)
        if queues is not None:
            queues.discard(queue)
            if not queues:
                del self._queues[course_id]

    def publish(self, record: ReviewRecord) -> None:
        for queue in self._queues.get(record.course_id, ()):
            if queue.full():
                queue.get_nowait()
            queue.put_nowait(record)


FEED = ReviewFeed()


def add_review(course_id: str, author_id: str, rating: int, body: str) -> ReviewRecord:
    """Store a review and tell the subscribers of its course; ValueError for bad input."""
    if course_id not in COURSE_IDS:
        raise LookupError(f'No course "{course_id}".')
    if author_id not in USER_IDS:
        raise LookupError(f'No user "{author_id}".')
    if not 1 <= rating <= 5:
        raise ValueError("rating must be between 1 and 5")
    record = ReviewRecord(id=f"r{len(REVIEWS) + 1}", course_id=course_id, author_id=author_id,
                          author_name=user_name(author_id), rating=rating, body=body)
    REVIEWS[record.id] = record
    FEED.publish(record)
    publish_review_added(record)
    return record


def publish_review_added(record: ReviewRecord) -> str | None:
    """The `reviewAdded` event for subscribers on AWS (services/toolkit/events.py; a no-op locally).
    The review is stored already: an event EventBridge refuses or cannot take is logged, not raised
    (the client would be told its review failed, and post it again)."""
    import logging

    from bff_common.aws.json_api import AwsError
    from services.toolkit.events import EventNotPublished, publish_event

    payload = {"id": record.id, "rating": record.rating, "body": record.body,
               "author": {"id": record.author_id, "name": record.author_name}, "course": {"id": record.course_id}}
    try:
        return publish_event("reviewAdded", payload, {"courseId": record.course_id}, service="reviews")
    except (EventNotPublished, AwsError, OSError) as exc:  # OSError: bff_common.aws's AwsUnavailable
        logging.getLogger("services.reviews").warning("reviewAdded for review %s not published (%s: %s); its "
                                                      "subscribers miss it", record.id, type(exc).__name__, exc)
        return None
