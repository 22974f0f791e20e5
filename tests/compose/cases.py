"""Hand-written subgraph sets: ones that compose, and ones that must be refused with a
given error code at a given coordinate."""

from __future__ import annotations


def fed2(*imports: str) -> str:
    names = ", ".join(f'"@{i}"' for i in imports)
    return f'extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: [{names}])\n'


def subs(**sdls: str) -> list[dict]:
    return [{"name": n, "url": f"http://{n}.test/graphql", "sdl": sdl} for n, sdl in sdls.items()]


COMPOSABLE: dict[str, list[dict]] = {
    "aliased-imports": subs(
        a=('extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", '
           'import: [{name: "@key", as: "@primaryKey"}])\n'
           'type Query { users: [User!]! }\ntype User @primaryKey(fields: "id") { id: ID! name: String! @federation__shareable }'),
        b=fed2("key", "shareable") + 'type User @key(fields: "id") { id: ID! name: String! @shareable age: Int }'),
    "output-enum-union-and-nullability": subs(
        a=fed2("key", "shareable") + 'type Query { a: T }\ntype T @key(fields: "id") { id: ID! kind: Kind! @shareable }\nenum Kind { A B }',
        b=fed2("key", "shareable") + 'type Query { b: T }\ntype T @key(fields: "id") { id: ID! kind: Kind @shareable }\nenum Kind { B C }'),
    "input-intersection": subs(
        a=fed2("key") + 'type Query { a(f: Filter): Int }\ninput Filter { x: Int y: String }',
        b=fed2("key") + 'type Query { b(f: Filter): Int }\ninput Filter { x: Int! z: Boolean }'),
    "fed1-extends-and-value-types": subs(
        products='type Query { products: [Product] }\ntype Product @key(fields: "upc") { upc: String! name: String price: Money }\ntype Money { amount: Int currency: String }',
        reviews=('extend type Product @key(fields: "upc") { upc: String! @external reviews: [String] }\n'
                 'type Money { amount: Int currency: String }\ntype Query { cheapest: Money }')),
    "interface-object": subs(
        a=fed2("key") + 'type Query { nodes: [Node!]! }\ninterface Node @key(fields: "id") { id: ID! }\ntype User implements Node @key(fields: "id") { id: ID! name: String }',
        b=fed2("key", "interfaceObject") + 'type Node @key(fields: "id") @interfaceObject { id: ID! createdAt: String }'),
    "override-requires-provides": subs(
        a=fed2("key", "shareable") + 'type Query { products: [Product] }\ntype Product @key(fields: "id") { id: ID! weight: Int price: Int }',
        b=(fed2("key", "override", "external", "requires", "provides")
           + 'type Query { top: Product @provides(fields: "weight") }\n'
           + 'type Product @key(fields: "id") { id: ID! weight: Int @external price: Int @override(from: "a") '
           + 'shipping: Int @requires(fields: "weight") }')),
    "inaccessible-and-tag": subs(
        a=fed2("key", "inaccessible", "tag") + 'type Query { users: [User] @tag(name: "public") }\ntype User @key(fields: "id") { id: ID! secret: String @inaccessible }'),
    "plain-graphql-service": subs(
        weather='type Query { forecast(city: String!): Forecast }\ntype Forecast { city: String! high: Float low: Float }',
        users=fed2("key") + 'type Query { me: User }\ntype User @key(fields: "id") { id: ID! city: String }'),
}

REFUSED: dict[str, tuple[list[dict], str, str | None]] = {
    "invalid-sdl": (subs(a="type Query { a: Int "), "INVALID_GRAPHQL", None),
    "unknown-type": (subs(a=fed2("key") + "type Query { a: Missing }"), "INVALID_GRAPHQL", "Query.a"),
    "field-type-mismatch": (subs(
        a=fed2("key", "shareable") + 'type Query { a: T }\ntype T @key(fields: "id") { id: ID! v: Int @shareable }',
        b=fed2("key", "shareable") + 'type Query { b: T }\ntype T @key(fields: "id") { id: ID! v: String @shareable }'),
        "FIELD_TYPE_MISMATCH", "T.v"),
    "non-shareable-field": (subs(
        a=fed2("key") + 'type Query { a: T }\ntype T @key(fields: "id") { id: ID! v: Int }',
        b=fed2("key") + 'type Query { b: T }\ntype T @key(fields: "id") { id: ID! v: Int }'),
        "INVALID_FIELD_SHARING", "T.v"),
    "colliding-root-fields": (subs(
        a=fed2("key") + "type Query { me: String }",
        b=fed2("key") + "type Query { me: String }"),
        "INVALID_FIELD_SHARING", "Query.me"),
    "key-on-missing-field": (subs(
        a=fed2("key") + 'type Query { a: T }\ntype T @key(fields: "uuid") { id: ID! }'),
        "KEY_INVALID_FIELDS", "T"),
    "requires-missing-field": (subs(
        a=fed2("key") + 'type Query { a: T }\ntype T @key(fields: "id") { id: ID! w: Int }',
        b=fed2("key", "requires", "external") + 'type T @key(fields: "id") { id: ID! s: Int @requires(fields: "weight") }'),
        "REQUIRES_INVALID_FIELDS", "T.s"),
    "requires-without-external": (subs(
        a=fed2("key", "shareable") + 'type Query { a: T }\ntype T @key(fields: "id") { id: ID! w: Int @shareable }',
        b=fed2("key", "requires", "shareable") + 'type T @key(fields: "id") { id: ID! w: Int @shareable s: Int @requires(fields: "w") }'),
        "REQUIRES_FIELDS_MISSING_EXTERNAL", "T.s"),
    "provides-missing-field": (subs(
        a=fed2("key") + 'type Query { a: T }\ntype T @key(fields: "id") { id: ID! w: Int }',
        b=fed2("key", "provides", "external") + 'type Query { b: T @provides(fields: "nope") }\ntype T @key(fields: "id") { id: ID! }'),
        "PROVIDES_INVALID_FIELDS", "Query.b"),
    "provides-without-external": (subs(
        a=fed2("key", "shareable") + 'type Query { a: T }\ntype T @key(fields: "id") { id: ID! w: Int @shareable }',
        b=fed2("key", "provides", "shareable") + 'type Query { b: T @provides(fields: "w") }\ntype T @key(fields: "id") { id: ID! w: Int @shareable }'),
        "PROVIDES_FIELDS_MISSING_EXTERNAL", "Query.b"),
    "enum-input-and-output-mismatch": (subs(
        a=fed2("key") + "type Query { a(k: Kind): Kind }\nenum Kind { A B }",
        b=fed2("key") + "type Query { b: Kind }\nenum Kind { A C }"),
        "ENUM_VALUE_MISMATCH", "Kind.B"),
    "enum-input-empty-intersection": (subs(
        a=fed2("key") + "type Query { a(k: Kind): Int }\nenum Kind { A }",
        b=fed2("key") + "type Query { b(k: Kind): Int }\nenum Kind { B }"),
        "EMPTY_MERGED_ENUM_TYPE", "Kind"),
    "input-required-field-missing": (subs(
        a=fed2("key") + "type Query { a(f: F): Int }\ninput F { x: Int y: Int! }",
        b=fed2("key") + "type Query { b(f: F): Int }\ninput F { x: Int }"),
        "REQUIRED_INPUT_FIELD_MISSING_IN_SOME_SUBGRAPH", "F.y"),
    "argument-type-mismatch": (subs(
        a=fed2("key", "shareable") + "type Query { a(n: Int): Int @shareable }",
        b=fed2("key", "shareable") + "type Query { a(n: String): Int @shareable }"),
        "FIELD_ARGUMENT_TYPE_MISMATCH", "Query.a(n:)"),
    "required-argument-missing": (subs(
        a=fed2("key", "shareable") + "type Query { a(n: Int!): Int @shareable }",
        b=fed2("key", "shareable") + "type Query { a: Int @shareable }"),
        "REQUIRED_ARGUMENT_MISSING_IN_SOME_SUBGRAPH", "Query.a(n:)"),
    "type-kind-mismatch": (subs(
        a=fed2("key") + "type Query { a: T }\ntype T { x: Int }",
        b=fed2("key") + "type Query { b: T }\ninterface T { x: Int }"),
        "TYPE_KIND_MISMATCH", "T"),
}
