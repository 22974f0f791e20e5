"""Seed courses: 10 of them; the last has no instructor yet."""

from __future__ import annotations

from dataclasses import dataclass

from services.toolkit.seed import COURSE_IDS, COURSE_TABLE


@dataclass(frozen=True, slots=True)
class CourseRecord:
    id: str
    title: str
    description: str
    instructor_id: str | None


COURSES: dict[str, CourseRecord] = {
    course_id: CourseRecord(
        id=course_id,
        title=title,
        description=f"{title}: {4 + index % 5} weeks, {10 + 2 * index} lessons, self-assessed.",
        instructor_id=instructor_id,
    )
    for index, (course_id, (title, instructor_id)) in enumerate(zip(COURSE_IDS, COURSE_TABLE, strict=False))
}
