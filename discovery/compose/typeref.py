"""Type references as text ("[User!]!") and the subtyping composition allows:
an output field may be non-null / a more specific type in one subgraph than another
(the supergraph takes the most general); an input position takes the most
restrictive, and only nullability may differ."""

from __future__ import annotations

from collections.abc import Callable, Sequence

IsSubtype = Callable[[str, str], bool]  # (named sub, named super) -> bool


def named(text: str) -> str:
    return text.strip("[]!")


def _strip_nn(text: str) -> tuple[bool, str]:
    return (True, text[:-1]) if text.endswith("!") else (False, text)


def is_subtype(sub: str, sup: str, abstract: IsSubtype) -> bool:
    """Is every value of `sub` a value of `sup` (output position)?"""
    if sub == sup:
        return True
    sub_nn, sub_inner = _strip_nn(sub)
    sup_nn, sup_inner = _strip_nn(sup)
    if sup_nn and not sub_nn:
        return False
    sub_list, sup_list = sub_inner.startswith("["), sup_inner.startswith("[")
    if sub_list != sup_list:
        return False
    if sub_list:
        return is_subtype(sub_inner[1:-1], sup_inner[1:-1], abstract)
    return sub_inner == sup_inner or abstract(sub_inner, sup_inner)


def merge_output(types: Sequence[str], abstract: IsSubtype) -> str | None:
    """The most general of the types if every other one is its subtype, else None."""
    for candidate in types:
        if all(is_subtype(t, candidate, abstract) for t in types):
            return candidate
    return None


def merge_input(types: Sequence[str]) -> str | None:
    """The most restrictive of the types if they differ only in nullability, else None."""
    for candidate in types:
        if all(is_subtype(candidate, t, lambda a, b: False) for t in types):
            return candidate
    return None
