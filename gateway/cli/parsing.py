"""What every `bff` subcommand parser shares: no abbreviated flags, a description and an example."""

from __future__ import annotations

import argparse
import sys


def command_parser(prog: str, description: str, example: str) -> argparse.ArgumentParser:
    """A parser for `bff NAME`: `--help` ends with an example; a mistyped flag shows this command's usage."""
    return argparse.ArgumentParser(prog=prog, description=description, allow_abbrev=False,
                                   epilog=f"example:\n  {example}",
                                   formatter_class=argparse.RawDescriptionHelpFormatter)


def fail(command: str, message: str) -> int:
    """One line per problem on stderr, exit code 2 (bad usage or input)."""
    for line in message.splitlines() or [""]:
        print(f"bff {command}: error: {line}", file=sys.stderr)
    return 2


class InputError(Exception):
    """Bad input the user can fix: printed without a traceback, exit code 2."""


def read_text(path: str, what: str) -> str:
    try:
        if path == "-":
            return sys.stdin.read()
        with open(path, encoding="utf-8") as handle:
            return handle.read()
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"cannot read {what} {path!r}: {exc.strerror if isinstance(exc, OSError) else exc}") from None
