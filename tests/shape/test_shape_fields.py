"""CollectFields semantics: order, aliases, merged response keys, fragments, root fields."""

from __future__ import annotations

from graphql import build_schema
from shape_support import SCHEMA, split

from gateway.shape import compile_shape


def test_client_order_wins_and_planner_fields_are_dropped(shape):
    data = {
        "product": {
            "__typename": "Product",
            "_key_upc": "u1",  # planner-added key under an internal alias
            "price": 10,
            "name": "Table",
            "id": "1",
            "upc": "u1",
        }
    }
    result = shape("{ product { name id price } }", data)
    assert result == ({"product": {"name": "Table", "id": "1", "price": 10}}, [])
    assert list(result[0]["product"]) == ["name", "id", "price"]


def test_aliases_select_data_by_response_key(shape):
    data = {"p": {"n1": "A", "n2": "A", "id": "1"}, "q": {"id": "2"}}
    result = shape("{ p: product(id: 1) { n1: name n2: name id } q: product(id: 2) { id } }", data)
    assert result == ({"p": {"n1": "A", "n2": "A", "id": "1"}, "q": {"id": "2"}}, [])


def test_same_response_key_merges_sub_selections_in_first_seen_order(shape):
    query = """
    {
      product { id reviews { id } }
      count
      product { name reviews { body author { name } } }
      product { id brand { name } }
    }
    """
    data = {
        "count": 3,
        "product": {
            "brand": {"name": "Acme", "id": "b"},
            "name": "Table",
            "id": "1",
            "reviews": [{"body": "ok", "id": "r1", "author": {"name": "Ann", "id": "u1"}}],
        },
    }
    shaped, errors = shape(query, data)
    assert errors == []
    assert shaped == {
        "product": {
            "id": "1",
            "reviews": [{"id": "r1", "body": "ok", "author": {"name": "Ann"}}],
            "name": "Table",
            "brand": {"name": "Acme"},
        },
        "count": 3,
    }
    assert list(shaped) == ["product", "count"]
    assert list(shaped["product"]) == ["id", "reviews", "name", "brand"]
    assert list(shaped["product"]["reviews"][0]) == ["id", "body", "author"]


def test_fragments_expand_in_place(shape):
    query = """
    query {
      product {
        ...Head
        name
        ... on Product { price upc }
        ... { weight }
        ...Head
      }
    }
    fragment Head on Product { upc id }
    """
    data = {"product": {"id": "1", "upc": "u", "name": "n", "price": 1, "weight": 2.5}}
    shaped, _ = shape(query, data)
    assert list(shaped["product"]) == ["upc", "id", "name", "price", "weight"]
    assert shaped == {"product": {"upc": "u", "id": "1", "name": "n", "price": 1, "weight": 2.5}}


def test_interface_type_condition_applies_at_object_position(shape):
    query = """
    { product { ... on Node { id } ...N } }
    fragment N on Named { name }
    """
    assert shape(query, {"product": {"id": "1", "name": "n"}}) == ({"product": {"id": "1", "name": "n"}}, [])


def test_typename_at_object_position_is_the_static_type(shape):
    # The data's __typename is irrelevant at an object position; only a requested one appears.
    data = {"product": {"__typename": "Whatever", "id": "1"}, "me": {"__typename": "User", "username": "a"}}
    shaped, _ = shape("{ product { __typename kind: __typename id } me { username } }", data)
    assert shaped == {"product": {"__typename": "Product", "kind": "Product", "id": "1"}, "me": {"username": "a"}}


def test_root_typename_for_query_and_mutation(shape):
    assert shape("{ __typename count }", {"count": 1}) == ({"__typename": "Query", "count": 1}, [])
    assert shape("mutation { t: __typename addReview(body: \"x\") { id } }", {"addReview": {"id": "r"}}) == (
        {"t": "Mutation", "addReview": {"id": "r"}},
        [],
    )


def test_root_typename_uses_the_schema_root_type_name(shape):
    schema = build_schema("schema { query: Root } type Root { a: Int }")
    assert shape("{ __typename a }", {"a": 1}, schema=schema) == ({"__typename": "Root", "a": 1}, [])


def test_introspection_fields_pass_through_as_they_are(shape):
    schema_part = {"queryType": {"name": "Query"}, "types": [{"name": "Query", "extra": None}]}
    type_part = {"name": "Product", "fields": None}
    data = {"count": 1, "__schema": schema_part, "t": type_part}
    query = '{ __schema { queryType { name } } count t: __type(name: "Product") { name } }'
    shaped, errors = shape(query, data)
    assert errors == []
    assert shaped == {"__schema": schema_part, "count": 1, "t": type_part}
    assert list(shaped) == ["__schema", "count", "t"]


def test_none_data_passes_through(shape):
    errors = [{"message": "boom"}]
    assert shape("{ count }", None, errors) == (None, errors)


def test_missing_nullable_fields_become_null_without_errors(shape):
    assert shape("{ product { id name } search { __typename } }", {"product": {"id": "1"}}) == (
        {"product": {"id": "1", "name": None}, "search": None},
        [],
    )


def test_custom_scalars_pass_through_unchanged(shape):
    meta = {"any": ["thing", 1, None], "nested": {"x": True}}
    assert shape("{ product { meta } }", {"product": {"meta": meta}}) == ({"product": {"meta": meta}}, [])
    assert shape("{ product { meta } }", {"product": {"meta": "text"}}) == ({"product": {"meta": "text"}}, [])


def test_program_is_reusable_across_runs(shape):
    operation, fragments = split("{ nodes { __typename id ... on User { username } } }")
    program = compile_shape(SCHEMA, operation, fragments, {})
    first = {"nodes": [{"__typename": "User", "id": "1", "username": "a"}]}
    second = {"nodes": [{"__typename": "Product", "id": "2"}, {"__typename": "User", "id": "3", "username": "b"}]}
    assert program.run(first, []) == ({"nodes": [{"__typename": "User", "id": "1", "username": "a"}]}, [])
    assert program.run(second, []) == (
        {"nodes": [{"__typename": "Product", "id": "2"}, {"__typename": "User", "id": "3", "username": "b"}]},
        [],
    )
    assert program.run(first, []) == ({"nodes": [{"__typename": "User", "id": "1", "username": "a"}]}, [])
