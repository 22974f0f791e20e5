"""Configuration problems: each names where it is (file:line, key path, variable or flag) and what is wrong."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Problem:
    path: tuple[str | int, ...]
    message: str
    # "secret" for a value where a reference belongs, "auth" for JWT settings; else "".
    kind: str = ""
    # Where the value came from, filled in by load.py: "bff.yaml:12", "BFF_PORT", "--port".
    where: str = ""

    @property
    def key(self) -> str:
        return dotted(self.path)

    def __str__(self) -> str:
        subject = f"`{self.key}`: " if self.path else ""
        return f"{self.where}: {subject}{self.message}" if self.where else f"{subject}{self.message}"


class ConfigError(ValueError):
    """The configuration cannot be used; one line per problem, all of them."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


def dotted(path: tuple[str | int, ...]) -> str:
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text
