"""Seed users: 20 of them, the same on every run."""

from __future__ import annotations

from dataclasses import dataclass

from services.toolkit.seed import COURSE_TABLE, USER_IDS, USER_NAMES

# Who `Query.me` is when the request names nobody (no x-user-id header).
DEMO_USER_ID = "u1"


@dataclass(frozen=True, slots=True)
class UserRecord:
    id: str
    name: str
    email: str
    roles: tuple[str, ...]


def _roles(user_id: str) -> tuple[str, ...]:
    roles = ["student"]
    if any(instructor == user_id for _, instructor in COURSE_TABLE):
        roles.append("instructor")
    if user_id == "u1":
        roles.append("admin")
    return tuple(roles)


def _email(name: str) -> str:
    return name.lower().replace(" ", ".").replace("-", "") + "@example.com"


USERS: dict[str, UserRecord] = {
    user_id: UserRecord(id=user_id, name=name, email=_email(name), roles=_roles(user_id))
    for user_id, name in zip(USER_IDS, USER_NAMES, strict=False)
}
