"""Leaf serializers: check a subgraph's scalar or enum value against the API schema.

Subgraphs already serialized their values, so a well-behaved subgraph always
passes; these checks catch a subgraph that broke its contract. Each leaf type
gets a fast-path check (see codegen: a value passing it is copied without a
call) and a `serialize` function for everything else, which returns the
output value or raises `InvalidLeaf` with graphql-js's message.
Deliberately stricter than graphql-js's lenient coercions: no booleans or
numeric strings for Int/Float, no numbers or booleans for String.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

from graphql import GraphQLEnumType, GraphQLLeafType

from .codegen import CLASS, COPY, ENUM, INT
from .errors import inspect

_INT_MIN = -(2**31)
_INT_MAX = 2**31 - 1


class InvalidLeaf(Exception):
    """The value cannot represent the leaf type; the message is the client-facing error."""


class NeverFast:
    """No value has this class: positions without a copy-as-is shortcut use it as their `fast` class."""


Serializer = Callable[[Any], Any]


def serialize_int(value: Any) -> int:
    if value.__class__ is float and value.is_integer():
        value = int(value)  # JSON does not tell 5 from 5.0
    if value.__class__ is not int:
        raise InvalidLeaf(f"Int cannot represent non-integer value: {inspect(value)}")
    if not _INT_MIN <= value <= _INT_MAX:
        raise InvalidLeaf(f"Int cannot represent non 32-bit signed integer value: {inspect(value)}")
    return value


def serialize_float(value: Any) -> float:
    # Ints are valid Floats and stay as they are: JSON writes them the same way graphql-js does.
    # (The fast path takes any float: JSON cannot carry NaN or Infinity, so parsed data has none.)
    if value.__class__ is int or (value.__class__ is float and math.isfinite(value)):
        return value
    raise InvalidLeaf(f"Float cannot represent non numeric value: {inspect(value)}")


def serialize_string(value: Any) -> str:
    if value.__class__ is str:
        return value
    raise InvalidLeaf(f"String cannot represent value: {inspect(value)}")


def serialize_boolean(value: Any) -> bool:
    if value.__class__ is bool:
        return value
    raise InvalidLeaf(f"Boolean cannot represent a non boolean value: {inspect(value)}")


def serialize_id(value: Any) -> str:
    if value.__class__ is str:
        return value
    if value.__class__ is int:  # graphql-js serializes integer IDs as strings
        return str(value)
    raise InvalidLeaf(f"ID cannot represent value: {inspect(value)}")


def serialize_custom(value: Any) -> Any:
    """Custom scalars pass through: only the subgraph knows their format."""
    return value


_BUILT_IN: dict[str, tuple[str, Any, Serializer]] = {
    "Int": (INT, None, serialize_int),
    "Float": (CLASS, float, serialize_float),
    "String": (CLASS, str, serialize_string),
    "Boolean": (CLASS, bool, serialize_boolean),
    "ID": (CLASS, str, serialize_id),
}


def leaf_serializer(leaf_type: GraphQLLeafType) -> tuple[str, Any, Serializer]:
    """(fast-path check, its argument, serializer) for a scalar or enum type of the API schema."""
    if isinstance(leaf_type, GraphQLEnumType):
        return ENUM, frozenset(leaf_type.values), _enum_serializer(leaf_type)
    return _BUILT_IN.get(leaf_type.name, (COPY, None, serialize_custom))


def _enum_serializer(enum_type: GraphQLEnumType) -> Serializer:
    # Only the API schema's values count: an @inaccessible value is as wrong as an unknown one.
    names = frozenset(enum_type.values)
    prefix = f'Enum "{enum_type.name}" cannot represent value: '

    def serialize_enum(value: Any) -> str:
        if value.__class__ is str and value in names:
            return value
        raise InvalidLeaf(prefix + inspect(value))

    return serialize_enum
