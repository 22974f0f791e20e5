"""Interfaces and unions: per-runtime-type selections from the data's __typename."""

from __future__ import annotations

QUERY_NODE = """
{
  node(id: 1) {
    __typename
    id
    ... on Product { upc name }
    ... on User { username name }
    ...ReviewBits
  }
}
fragment ReviewBits on Review { body }
"""


def test_interface_inline_and_named_fragments_per_runtime_type(shape):
    product = {"__typename": "Product", "id": "1", "upc": "u", "name": "Table", "price": 3}
    assert shape(QUERY_NODE, {"node": product}) == (
        {"node": {"__typename": "Product", "id": "1", "upc": "u", "name": "Table"}},
        [],
    )
    user = {"__typename": "User", "id": "2", "username": "ann", "name": "Ann"}
    assert shape(QUERY_NODE, {"node": user}) == (
        {"node": {"__typename": "User", "id": "2", "username": "ann", "name": "Ann"}},
        [],
    )
    review = {"__typename": "Review", "id": "3", "body": "ok", "upc": "planner-noise"}
    assert shape(QUERY_NODE, {"node": review}) == (
        {"node": {"__typename": "Review", "id": "3", "body": "ok"}},
        [],
    )


def test_union_with_fragments_on_an_interface_and_members(shape):
    query = """
    {
      search {
        ...NamedParts
        ... on Product { price }
        ... on User { username }
        ... on Node { id }
      }
    }
    fragment NamedParts on Named { name }
    """
    data = {
        "search": [
            {"__typename": "User", "id": "u1", "username": "ann", "name": "Ann"},
            {"__typename": "Product", "id": "p1", "price": 5, "name": "Lamp", "upc": "x"},
        ]
    }
    shaped, errors = shape(query, data)
    assert errors == []
    assert shaped == {
        "search": [
            {"name": "Ann", "username": "ann", "id": "u1"},
            {"name": "Lamp", "price": 5, "id": "p1"},
        ]
    }
    assert list(shaped["search"][1]) == ["name", "price", "id"]


def test_union_member_fields_merge_by_response_key_per_type(shape):
    query = "{ search { ... on Product { label: name id } ... on User { label: username } } }"
    data = {
        "search": [
            {"__typename": "Product", "label": "Lamp", "id": "p"},
            {"__typename": "User", "label": "ann"},
        ]
    }
    assert shape(query, data) == ({"search": [{"label": "Lamp", "id": "p"}, {"label": "ann"}]}, [])


def test_typename_at_abstract_position_is_the_runtime_type(shape):
    data = {"nodes": [{"__typename": "User", "id": "1"}, None, {"__typename": "Review", "id": "2"}]}
    assert shape("{ nodes { t: __typename } }", data) == (
        {"nodes": [{"t": "User"}, None, {"t": "Review"}]},
        [],
    )


def test_missing_typename_at_abstract_position_nulls_it_with_an_error(shape):
    data = {"node": {"id": "1"}}
    assert shape("{ node { id } }", data) == (
        {"node": None},
        [
            {
                "message": 'Abstract type "Node" must resolve to an Object type at runtime for field "Query.node": '
                "the value has no __typename.",
                "path": ["node"],
            }
        ],
    )


def test_missing_typename_in_non_null_list_item_propagates_to_the_list(shape):
    data = {"search": [{"__typename": "User", "name": "a"}, {"name": "b"}]}
    assert shape("{ search { ... on User { name } } }", data) == (
        {"search": None},
        [
            {
                "message": 'Abstract type "SearchResult" must resolve to an Object type at runtime for field '
                '"Query.search": the value has no __typename.',
                "path": ["search", 1],
            }
        ],
    )


def test_typename_not_in_the_api_schema(shape):
    data = {"nodes": [{"__typename": "Secret", "id": "1"}, {"__typename": "User", "id": "2"}]}
    assert shape("{ nodes { id } }", data) == (
        {"nodes": [None, {"id": "2"}]},
        [
            {
                "message": 'Abstract type "Node" was resolved to a type "Secret" that does not exist inside the schema.',
                "path": ["nodes", 0],
            }
        ],
    )


def test_typename_that_is_not_a_possible_type(shape):
    data = {"search": [{"__typename": "Review", "id": "r"}], "node": {"__typename": "Named"}}
    # search is [SearchResult!]: the bad item nulls the whole (nullable) list.
    assert shape("{ search { __typename } node { id } }", data) == (
        {"search": None, "node": None},
        [
            {"message": 'Runtime Object type "Review" is not a possible type for "SearchResult".', "path": ["search", 0]},
            {"message": 'Abstract type "Node" was resolved to a non-object type "Named".', "path": ["node"]},
        ],
    )


def test_non_object_at_abstract_position(shape):
    assert shape("{ node { id } }", {"node": "Product:1"}) == (
        {"node": None},
        [{"message": 'Expected value of type "Node" but got: "Product:1".', "path": ["node"]}],
    )


def test_non_string_typename(shape):
    assert shape("{ node { id } }", {"node": {"__typename": ["User"], "id": "1"}}) == (
        {"node": None},
        [
            {
                "message": 'Abstract type "Node" must resolve to an Object type at runtime for field "Query.node": '
                "__typename is not a string.",
                "path": ["node"],
            }
        ],
    )
