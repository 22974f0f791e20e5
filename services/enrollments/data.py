"""Seed enrollments (40) and the in-memory store `enroll` writes to.

Ids are handed out in order ("e41", "e42", ...), and a second enrollment of the
same user in the same course is refused: so the order in which a gateway runs
mutation fields is visible in the result. `reset()` puts the seed back (tests).
"""

from __future__ import annotations

from dataclasses import dataclass

from services.toolkit.seed import COURSE_IDS, USER_IDS

SEED_SIZE = 40


@dataclass(slots=True)
class EnrollmentRecord:
    id: str
    user_id: str
    course_id: str
    progress: float | None


class AlreadyEnrolled(Exception):
    pass


def _seed() -> list[EnrollmentRecord]:
    records: list[EnrollmentRecord] = []
    for i in range(SEED_SIZE):
        user_id = USER_IDS[i % len(USER_IDS)]
        # Each user gets two distinct courses; c10 is left for `enroll` to fill.
        course_id = COURSE_IDS[(i * 7 + i // len(USER_IDS)) % (len(COURSE_IDS) - 1)]
        # Not started yet: no progress recorded.
        progress = None if i % 9 == 8 else round(((i * 37) % 101) / 100, 2)
        records.append(EnrollmentRecord(id=f"e{i + 1}", user_id=user_id, course_id=course_id, progress=progress))
    return records


ENROLLMENTS: list[EnrollmentRecord] = _seed()


def reset() -> None:
    ENROLLMENTS[:] = _seed()


def enroll(user_id: str, course_id: str) -> EnrollmentRecord:
    if user_id not in USER_IDS:
        raise LookupError(f"no user {user_id!r}")
    if course_id not in COURSE_IDS:
        raise LookupError(f"no course {course_id!r}")
    if any(e.user_id == user_id and e.course_id == course_id for e in ENROLLMENTS):
        raise AlreadyEnrolled(f"user {user_id} is already enrolled in course {course_id}")
    record = EnrollmentRecord(id=f"e{len(ENROLLMENTS) + 1}", user_id=user_id, course_id=course_id, progress=0.0)
    ENROLLMENTS.append(record)
    return record
