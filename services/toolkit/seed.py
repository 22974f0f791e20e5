"""The shared world the example services agree on: who the users are and
which courses exist.

Real services would each own their slice and copy what they need (reviews keeps
author names, enrollments keeps ids); here every `data.py` derives its records
from these tables so the copies agree and the data is the same on every run.
"""

from __future__ import annotations

USER_NAMES: tuple[str, ...] = (
    "Ada Lovelace", "Alan Turing", "Grace Hopper", "Edsger Dijkstra", "Barbara Liskov",
    "Donald Knuth", "Margaret Hamilton", "Ken Thompson", "Frances Allen", "John Backus",
    "Radia Perlman", "Tim Berners-Lee", "Shafi Goldwasser", "Leslie Lamport", "Hedy Lamarr",
    "Dennis Ritchie", "Katherine Johnson", "Niklaus Wirth", "Adele Goldberg", "Guido van Rossum",
)
USER_IDS: tuple[str, ...] = tuple(f"u{i}" for i in range(1, len(USER_NAMES) + 1))

# (title, instructor id or None): the last course has no instructor yet.
COURSE_TABLE: tuple[tuple[str, str | None], ...] = (
    ("Introduction to GraphQL", "u2"),
    ("Federated Architectures", "u2"),
    ("Compilers from Scratch", "u3"),
    ("Algorithms and Proofs", "u4"),
    ("Abstraction and Types", "u5"),
    ("The Art of Programming", "u6"),
    ("Software for Spaceflight", "u7"),
    ("Operating Systems", "u8"),
    ("Distributed Consensus", "u14"),
    ("Self-paced Python", None),
)
COURSE_IDS: tuple[str, ...] = tuple(f"c{i}" for i in range(1, len(COURSE_TABLE) + 1))


def user_name(user_id: str) -> str:
    return USER_NAMES[USER_IDS.index(user_id)]
