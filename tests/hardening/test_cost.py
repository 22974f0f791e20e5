"""Cost: @cost and @listSize read from a composed supergraph, slicing arguments, variables."""

from __future__ import annotations

from gateway.operation.limits import OperationLimits

from .conftest import code_of, run


def with_max_cost(make_gateway, max_cost: int):
    return make_gateway(limits=OperationLimits(max_cost=max_cost))


async def test_slicing_argument_and_assumed_size_of_nested_list(make_gateway):
    gateway = with_max_cost(make_gateway, 600)
    ok = await run(gateway, "{ products(first: 100) { reviews { stars } } }")  # 100 * (1 + 5 * 1)
    assert code_of(ok) is None and ok["data"]["products"][0]["reviews"] == [{"stars": 4}]
    body = await run(gateway, "{ products(first: 101) { reviews { stars } } }")
    assert body == {"errors": [{
        "message": "The operation is too complex: estimated cost 606 exceeds max_cost 600.",
        "extensions": {"code": "OPERATION_TOO_COMPLEX", "limit": 600, "measured": 606}}]}


async def test_assumed_size_without_slicing_argument(make_gateway):
    gateway = with_max_cost(make_gateway, 300)
    assert code_of(await run(gateway, "{ products { reviews { stars } } }")) is None  # 50 * 6
    body = await run(gateway, "{ products { reviews { stars } } tags shelf { __typename } }")  # + 0 + 1
    assert "estimated cost 301" in body["errors"][0]["message"]


async def test_field_cost_overrides_type_weight_and_type_cost_applies(make_gateway):
    gateway = with_max_cost(make_gateway, 100)
    assert code_of(await run(gateway, "{ report(id: 1) { id } }")) is None  # @cost(weight: 100)
    assert "estimated cost 101" in (await run(gateway, "{ report(id: 1) { id } node { name } }"))["errors"][0]["message"]
    # Report @cost(weight: 7); `limit` is a default slicing argument
    gateway = with_max_cost(make_gateway, 70)
    assert code_of(await run(gateway, "{ reports(limit: 10) { id } }")) is None
    assert "estimated cost 77" in (await run(gateway, "{ reports(limit: 11) { id } }"))["errors"][0]["message"]
    # without a slicing argument: the default list size, 10
    assert code_of(await run(gateway, "{ reports { id } }")) is None


async def test_sized_fields_take_the_size_of_the_parent(make_gateway):
    gateway = with_max_cost(make_gateway, 30)
    ok = await run(gateway, "{ shelf { items(first: 28) { edges { name } } } }")  # 1 + (1 + 28)
    assert code_of(ok) is None and len(ok["data"]["shelf"]["items"]["edges"]) == 28
    body = await run(gateway, "{ shelf { items(first: 29) { edges { name } } } }")
    assert "estimated cost 31" in body["errors"][0]["message"]


async def test_cost_follows_variables_of_slicing_arguments(make_gateway):
    gateway = with_max_cost(make_gateway, 600)
    query = "query ($n: Int = 100) { products(first: $n) { reviews { stars } } }"
    assert code_of(await run(gateway, query)) is None  # default 100
    assert code_of(await run(gateway, query, {"n": 101})) == "OPERATION_TOO_COMPLEX"  # same plan, other value
    assert code_of(await run(gateway, query, {"n": 3})) is None
    assert code_of(await run(gateway, query, {"n": 101})) == "OPERATION_TOO_COMPLEX"


async def test_fragments_are_counted_for_every_spread(make_gateway):
    gateway = with_max_cost(make_gateway, 12)
    fragment = " fragment R on Product { reviews { stars } }"
    assert code_of(await run(gateway, "{ products(first: 2) { ...R } }" + fragment)) is None  # 2 * 6
    body = await run(gateway, "{ products(first: 2) { ...R } a: products(first: 1) { ...R } }" + fragment)
    assert "estimated cost 18" in body["errors"][0]["message"]


async def test_default_max_cost_refuses_a_multiplying_query(make_gateway):
    gateway = make_gateway()
    body = await run(gateway, "{ products(first: 1000) { reviews { stars } } }")
    assert "estimated cost 6000 exceeds max_cost 5000" in body["errors"][0]["message"]


async def test_mutation_root_fields_weigh_ten(make_gateway):
    gateway = with_max_cost(make_gateway, 10)
    assert (await run(gateway, "mutation { touch }")) == {"data": {"touch": True}}
    assert code_of(await run(gateway, "mutation { touch b: touch }")) == "OPERATION_TOO_COMPLEX"
