"""@key: several keys on a type, compound keys, nested key fields, resolvable: false,
and entity jump chains across three subgraphs.

accounts (strawberry): User @key(id) @key(email), Organization @key(id), Employee @key("id organization { id }")
catalog (Node @apollo/subgraph): Product @key(upc) @key("sku brand"), User @key(email, resolvable: false), Employee
reviews (strawberry): Review, Product @key("sku brand") { reviews }, User @key(id) { reviews }
"""

from __future__ import annotations

import strawberry

from .harness import Case, NodeSubgraph, PySubgraph, Scenario, strawberry_app

# ---------------------------------------------------------------- accounts (Python)

ORGS = {"o1": "Acme", "o2": "Globex"}
USERS = [
    {"id": "u1", "email": "ada@example.com", "name": "Ada", "org": "o1"},
    {"id": "u2", "email": "grace@example.com", "name": "Grace", "org": "o2"},
    {"id": "u3", "email": "linus@example.com", "name": "Linus", "org": "o1"},
]
TITLES = [("e1", "o1", "Engineer"), ("e1", "o2", "Manager"), ("e2", "o1", "Designer")]


@strawberry.federation.type(keys=["id"])
class Organization:
    id: strawberry.ID

    @strawberry.field
    def name(self) -> str:
        return ORGS[self.id]

    @classmethod
    def resolve_reference(cls, id: strawberry.ID) -> Organization:
        return cls(id=id)


def _user(u: dict) -> AccountUser:
    return AccountUser(id=u["id"], email=u["email"], name=u["name"], organization=Organization(id=u["org"]))


@strawberry.federation.type(name="User", keys=["id", "email"])
class AccountUser:
    id: strawberry.ID
    email: str
    name: str
    organization: Organization

    @classmethod
    def resolve_reference(cls, id: strawberry.ID | None = None, email: str | None = None) -> AccountUser | None:
        for u in USERS:
            if (id is not None and u["id"] == id) or (email is not None and u["email"] == email):
                return _user(u)
        return None


@strawberry.federation.type(keys=["id organization { id }"])
class Employee:
    id: strawberry.ID
    organization: Organization
    title: str

    @classmethod
    def resolve_reference(cls, id: strawberry.ID, organization: dict) -> Employee | None:
        for eid, org, title in TITLES:
            if eid == id and org == organization["id"]:
                return cls(id=eid, organization=Organization(id=org), title=title)
        return None


@strawberry.type
class AccountsQuery:
    @strawberry.field
    def users(self) -> list[AccountUser]:
        return [_user(u) for u in USERS]

    @strawberry.field
    def employees(self) -> list[Employee]:
        return [Employee(id=e, organization=Organization(id=o), title=t) for e, o, t in TITLES]


def accounts_app():
    return strawberry_app(query=AccountsQuery, types=[AccountUser, Organization, Employee])


# ---------------------------------------------------------------- reviews (Python)

REVIEWS = [
    {"id": "r1", "body": "Sturdy", "sku": "TBL", "brand": "Ikea", "author": "u1"},
    {"id": "r2", "body": "Wobbly", "sku": "TBL", "brand": "Muji", "author": "u2"},
    {"id": "r3", "body": "Comfy", "sku": "CHR", "brand": "Ikea", "author": "u1"},
]


@strawberry.federation.type(name="Product", keys=["sku brand"])
class ReviewProduct:
    sku: str
    brand: str

    @strawberry.field
    def reviews(self) -> list[Review]:
        return [_review(r) for r in REVIEWS if r["sku"] == self.sku and r["brand"] == self.brand]

    @classmethod
    def resolve_reference(cls, sku: str, brand: str) -> ReviewProduct:
        return cls(sku=sku, brand=brand)


@strawberry.federation.type(name="User", keys=["id"])
class ReviewUser:
    id: strawberry.ID

    @strawberry.field
    def reviews(self) -> list[Review]:
        return [_review(r) for r in REVIEWS if r["author"] == self.id]

    @classmethod
    def resolve_reference(cls, id: strawberry.ID) -> ReviewUser:
        return cls(id=id)


@strawberry.type
class Review:
    id: strawberry.ID
    body: str
    product: ReviewProduct
    author: ReviewUser


def _review(r: dict) -> Review:
    return Review(id=r["id"], body=r["body"], product=ReviewProduct(sku=r["sku"], brand=r["brand"]), author=ReviewUser(id=r["author"]))


@strawberry.type
class ReviewsQuery:
    @strawberry.field
    def reviews(self) -> list[Review]:
        return [_review(r) for r in REVIEWS]


def reviews_app():
    return strawberry_app(query=ReviewsQuery, types=[ReviewProduct, ReviewUser])


SCENARIO = Scenario(
    "keys",
    [
        PySubgraph("accounts", accounts_app),
        NodeSubgraph("catalog", "keys_catalog.mjs"),
        PySubgraph("reviews", reviews_app),
    ],
)

CASES = [
    Case(
        "single_subgraph",
        "{ users { id email name organization { id name } } }",
        {"data": {"users": [
            {"id": "u1", "email": "ada@example.com", "name": "Ada", "organization": {"id": "o1", "name": "Acme"}},
            {"id": "u2", "email": "grace@example.com", "name": "Grace", "organization": {"id": "o2", "name": "Globex"}},
            {"id": "u3", "email": "linus@example.com", "name": "Linus", "organization": {"id": "o1", "name": "Acme"}},
        ]}},
        requests={"accounts": 1},
    ),
    Case(
        "resolvable_false_reference_stays_local",
        "{ topProducts { name createdBy { email } } }",
        {"data": {"topProducts": [
            {"name": "Table", "createdBy": {"email": "ada@example.com"}},
            {"name": "Chair", "createdBy": {"email": "grace@example.com"}},
            {"name": "Desk", "createdBy": {"email": "linus@example.com"}},
        ]}},
        requests={"catalog": 1},
    ),
    Case(
        "jump_by_alternate_key_email",
        "{ topProducts { upc createdBy { name } } }",
        {"data": {"topProducts": [
            {"upc": "1", "createdBy": {"name": "Ada"}},
            {"upc": "2", "createdBy": {"name": "Grace"}},
            {"upc": "3", "createdBy": {"name": "Linus"}},
        ]}},
        requests={"catalog": 1, "accounts": 1},
    ),
    Case(
        "compound_key_jump",
        '{ product(upc: "1") { name reviews { body } } }',
        {"data": {"product": {"name": "Table", "reviews": [{"body": "Sturdy"}]}}},
        requests={"catalog": 1, "reviews": 1},
    ),
    Case(
        "compound_key_same_sku_different_brand",
        "{ topProducts { name brand reviews { id body } } }",
        {"data": {"topProducts": [
            {"name": "Table", "brand": "Ikea", "reviews": [{"id": "r1", "body": "Sturdy"}]},
            {"name": "Chair", "brand": "Ikea", "reviews": [{"id": "r3", "body": "Comfy"}]},
            {"name": "Desk", "brand": "Muji", "reviews": [{"id": "r2", "body": "Wobbly"}]},
        ]}},
        requests={"catalog": 1, "reviews": 1},
    ),
    Case(
        "chain_reviews_catalog_accounts",
        "{ reviews { body product { upc name createdBy { email name organization { name } } } } }",
        {"data": {"reviews": [
            {"body": "Sturdy", "product": {"upc": "1", "name": "Table", "createdBy": {"email": "ada@example.com", "name": "Ada", "organization": {"name": "Acme"}}}},
            {"body": "Wobbly", "product": {"upc": "3", "name": "Desk", "createdBy": {"email": "linus@example.com", "name": "Linus", "organization": {"name": "Acme"}}}},
            {"body": "Comfy", "product": {"upc": "2", "name": "Chair", "createdBy": {"email": "grace@example.com", "name": "Grace", "organization": {"name": "Globex"}}}},
        ]}},
        requests={"reviews": 1, "catalog": 1, "accounts": 1},
    ),
    Case(
        "chain_accounts_reviews_catalog",
        "{ users { name reviews { body product { name } } } }",
        {"data": {"users": [
            {"name": "Ada", "reviews": [{"body": "Sturdy", "product": {"name": "Table"}}, {"body": "Comfy", "product": {"name": "Chair"}}]},
            {"name": "Grace", "reviews": [{"body": "Wobbly", "product": {"name": "Desk"}}]},
            {"name": "Linus", "reviews": []},
        ]}},
        requests={"accounts": 1, "reviews": 1, "catalog": 1},
    ),
    Case(
        "nested_key_python_to_node",
        "{ employees { id title organization { id name } badge } }",
        {"data": {"employees": [
            {"id": "e1", "title": "Engineer", "organization": {"id": "o1", "name": "Acme"}, "badge": "B-100"},
            {"id": "e1", "title": "Manager", "organization": {"id": "o2", "name": "Globex"}, "badge": "B-200"},
            {"id": "e2", "title": "Designer", "organization": {"id": "o1", "name": "Acme"}, "badge": "B-300"},
        ]}},
        requests={"accounts": 1, "catalog": 1},
    ),
    Case(
        "nested_key_node_to_python",
        "{ catalogEmployees { id badge title organization { id } } }",
        {"data": {"catalogEmployees": [
            {"id": "e1", "badge": "B-100", "title": "Engineer", "organization": {"id": "o1"}},
            {"id": "e1", "badge": "B-200", "title": "Manager", "organization": {"id": "o2"}},
            {"id": "e2", "badge": "B-300", "title": "Designer", "organization": {"id": "o1"}},
        ]}},
        requests={"catalog": 1, "accounts": 1},
    ),
    Case(
        "nested_key_then_unresolvable_stub_resolved_elsewhere",
        "{ catalogEmployees { badge organization { name } } }",
        {"data": {"catalogEmployees": [
            {"badge": "B-100", "organization": {"name": "Acme"}},
            {"badge": "B-200", "organization": {"name": "Globex"}},
            {"badge": "B-300", "organization": {"name": "Acme"}},
        ]}},
        requests={"catalog": 1, "accounts": 1},
    ),
]


async def test_gateway(case, env):
    await env.check_ours(case)


async def test_apollo_reference(case, env):
    await env.check_apollo(case)


async def test_differential(case, env):
    await env.differential(case)


def test_plan_entity_chain_is_a_sequence(env):
    plan = env.explain("{ reviews { body product { name createdBy { name } } } }")
    assert "Sequence" in plan and plan.count("Flatten") >= 2, plan
    assert plan.index('"reviews"') < plan.index('"catalog"') < plan.index('"accounts"'), plan


def test_plan_single_subgraph_is_one_fetch(env):
    plan = env.explain("{ users { id name } }")
    assert plan.count("Fetch") == 1 and '"accounts"' in plan and "Sequence" not in plan, plan
