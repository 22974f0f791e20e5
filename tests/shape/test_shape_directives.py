"""@skip/@include, settled at compile time, and the cache-key helper."""

from __future__ import annotations

from shape_support import split

from gateway.shape import skip_include_variables

DATA = {"product": {"id": "1", "name": "n", "price": 2, "upc": "u", "weight": 1.0}}


def test_literal_conditions_on_fields(shape):
    query = """
    {
      product {
        id
        name @skip(if: true)
        price @include(if: false)
        upc @skip(if: false) @include(if: true)
        weight @skip(if: false) @include(if: false)
      }
    }
    """
    assert shape(query, DATA) == ({"product": {"id": "1", "upc": "u"}}, [])


def test_variables_on_fields_inline_fragments_and_spreads(shape):
    query = """
    query ($withName: Boolean!, $noPrice: Boolean!, $frag: Boolean!) {
      product {
        id
        name @include(if: $withName)
        ... on Product @skip(if: $noPrice) { price }
        ...Extra @include(if: $frag)
      }
    }
    fragment Extra on Product { upc }
    """
    assert shape(query, DATA, variables={"withName": True, "noPrice": True, "frag": False}) == (
        {"product": {"id": "1", "name": "n"}},
        [],
    )
    assert shape(query, DATA, variables={"withName": False, "noPrice": False, "frag": True}) == (
        {"product": {"id": "1", "price": 2, "upc": "u"}},
        [],
    )


def test_variable_default_applies_when_not_given(shape):
    query = "query ($show: Boolean = true) { product { id name @include(if: $show) } }"
    assert shape(query, DATA) == ({"product": {"id": "1", "name": "n"}}, [])
    assert shape(query, DATA, variables={"show": False}) == ({"product": {"id": "1"}}, [])


def test_skipped_field_merges_with_included_duplicate(shape):
    # A response key survives if any of its occurrences is included.
    query = "query ($x: Boolean!) { product { name @skip(if: $x) id name } }"
    shaped, _ = shape(query, DATA, variables={"x": True})
    assert list(shaped["product"]) == ["id", "name"]
    shaped, _ = shape(query, DATA, variables={"x": False})
    assert list(shaped["product"]) == ["name", "id"]


def test_skipped_non_null_field_is_not_required(shape):
    assert shape("{ me @skip(if: true) { name } count }", {"count": 1}) == ({"count": 1}, [])


def test_skip_include_variables_names_only_condition_variables():
    query = """
    query ($a: Boolean!, $b: Boolean!, $c: Boolean!, $id: ID, $unused: Boolean) {
      product(id: $id) @include(if: $a) {
        id
        ...F
        ... @skip(if: $b) { name }
      }
    }
    fragment F on Product { ...G price @include(if: true) }
    fragment G on Product { upc @skip(if: $c) ...F }
    """
    operation, fragments = split(query)
    assert skip_include_variables(operation, fragments) == frozenset({"a", "b", "c"})
    operation, fragments = split("{ product { id } }")
    assert skip_include_variables(operation, fragments) == frozenset()
