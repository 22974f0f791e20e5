"""Contracts against the reference: for each case, the API schema `build_contract` derives from our
supergraph equals the public schema of @theguild/federation-composition's `composeSchemaContract`
(the contract implementation Hive runs) for the same subgraphs and tags. The cases follow Apollo's
documentation of contracts: excluded fields, types, arguments and enum values; include lists; type
tags applying to fields; types left empty or unreachable removed."""

from __future__ import annotations

import json
import shutil
import subprocess

import pytest
from graphql import build_schema, lexicographic_sort_schema, parse, print_schema

from bff_common.contracts.filter import Contract, ContractError, build_contract
from discovery.compose import SubgraphInput, compose_supergraph
from tests.support.compose import NODE_DIR
from tests.support.requires import missing

LINK = ('extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", '
        'import: ["@key", "@tag", "@shareable", "@external", "@inaccessible"])\n')

CATALOG = LINK + """
type Query {
  courses(first: Int @tag(name: "partner"), category: Category): [Course!]! @tag(name: "public") @tag(name: "partner")
  course(id: ID! @tag(name: "public") @tag(name: "partner")): Course @tag(name: "public")
  adminStats: Stats @tag(name: "internal")
  search(filter: SearchFilter): [SearchResult!]! @tag(name: "public")
}
type Course @key(fields: "id") @tag(name: "public") {
  id: ID!
  title: String!
  price: Float @tag(name: "web")
  internalNotes: String @tag(name: "internal")
  level: Level
}
type Stats @tag(name: "internal") { signups: Int! revenue: Float! }
enum Category { PROGRAMMING @tag(name: "public") DESIGN @tag(name: "public") LEGACY @tag(name: "internal") }
enum Level @tag(name: "public") { BEGINNER ADVANCED EXPERIMENTAL @tag(name: "internal") }
input SearchFilter @tag(name: "public") { text: String debugScore: Boolean @tag(name: "internal") }
union SearchResult @tag(name: "public") = Course | Article
type Article @tag(name: "public") { slug: String! body: String }
interface Node { id: ID! @tag(name: "public") @tag(name: "partner") }
type Lesson implements Node @key(fields: "id") {
  id: ID! @tag(name: "public") @tag(name: "partner")
  video: String @tag(name: "web")
}
extend type Query {
  node(id: ID! @tag(name: "public") @tag(name: "partner")): Node @tag(name: "public") @tag(name: "partner")
  lessons(where: LessonFilter @tag(name: "public")): [Lesson!]! @tag(name: "public")
}
input LessonFilter { free: Boolean @tag(name: "public") draft: Boolean @tag(name: "internal") }
"""

ACCOUNTS = LINK + """
type Query {
  me: User @tag(name: "public")
  users: [User!]! @tag(name: "internal")
}
type User @key(fields: "id") {
  id: ID! @tag(name: "public")
  name: String @tag(name: "public")
  email: String @tag(name: "mobile") @tag(name: "web")
  passwordHash: String @tag(name: "internal")
  auditLog: [AuditEntry!] @tag(name: "internal")
}
type AuditEntry { at: String! action: String! }
type Course @key(fields: "id") {
  id: ID!
  instructor: User @tag(name: "public")
}
"""

SUBGRAPHS = [{"name": "catalog", "url": "http://catalog/graphql", "sdl": CATALOG},
             {"name": "accounts", "url": "http://accounts/graphql", "sdl": ACCOUNTS}]

CASES = {
    "exclude internal": ((), ("internal",)),
    "exclude internal and web": ((), ("internal", "web")),
    "include public": (("public",), ()),
    "include public and mobile": (("public", "mobile"), ()),
    "include public, exclude web": (("public",), ("web",)),
    "include partner": (("partner", "public"), ("internal",)),
    "nothing filtered": ((), ()),
}


def _reference(include, exclude) -> str:
    if shutil.which("node") is None or not (NODE_DIR / "node_modules" / "@theguild").is_dir():
        missing("Node and tests/node/node_modules are needed for the reference contract filter")
    payload = json.dumps({"subgraphs": SUBGRAPHS, "include": list(include), "exclude": list(exclude)})
    done = subprocess.run(["node", "contract.mjs"], input=payload, capture_output=True, text=True, cwd=NODE_DIR,
                          timeout=120)
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert "errors" not in result, result["errors"]
    return result["publicSdl"]


@pytest.fixture(scope="module")
def supergraph():
    result = compose_supergraph([SubgraphInput(s["name"], s["url"], s["sdl"]) for s in SUBGRAPHS])
    assert result.ok, result.errors
    return parse(result.supergraph)


def _printed(schema) -> str:
    return print_schema(lexicographic_sort_schema(schema))


@pytest.mark.parametrize("case", list(CASES))
def test_contract_schema_equals_the_reference(supergraph, case):
    include, exclude = CASES[case]
    ours = build_contract(supergraph, Contract(case, frozenset(include), frozenset(exclude)))
    expected = _printed(build_schema(_reference(include, exclude)))
    assert _printed(ours.schema) == expected


def test_what_a_contract_removes_is_listed(supergraph):
    ours = build_contract(supergraph, Contract("web", frozenset(), frozenset({"internal"})))
    assert {"Query.adminStats", "Stats", "User.passwordHash", "User.auditLog", "AuditEntry",
            "Category.LEGACY", "Level.EXPERIMENTAL", "SearchFilter.debugScore"} <= set(ours.removed)
    assert "User.email" not in ours.removed


def test_unknown_tags_are_reported_not_fatal(supergraph):
    ours = build_contract(supergraph, Contract("typo", frozenset(), frozenset({"internl"})))
    assert ours.unknown_tags == ["internl"]


def test_include_and_exclude_overlapping_is_refused(supergraph):
    with pytest.raises(ContractError) as caught:
        build_contract(supergraph, Contract("both", frozenset({"public"}), frozenset({"public"})))
    assert caught.value.contract == "both" and 'Tag "public" is both included and excluded' in str(caught.value)


def test_a_contract_with_no_root_fields_is_refused(supergraph):
    with pytest.raises(ContractError) as caught:
        build_contract(supergraph, Contract("empty", frozenset({"nothing-has-this"})))
    assert caught.value.contract == "empty"
    assert "query" in str(caught.value).lower()


def test_removing_a_required_argument_is_refused_naming_it():
    sdl = LINK + """
    type Query { course(id: ID! @tag(name: "internal")): String, other: String }
    """
    result = compose_supergraph([SubgraphInput("a", "http://a", sdl)])
    assert result.ok, result.errors
    with pytest.raises(ContractError) as caught:
        build_contract(parse(result.supergraph), Contract("mobile", exclude=frozenset({"internal"})))
    assert caught.value.contract == "mobile"
    assert any("Query.course(id:)" in e and "required" in e for e in caught.value.errors)


def test_a_field_whose_type_is_removed_goes_with_it():
    """Where the reference refuses (an untagged field returning an excluded type), the issue's rule applies:
    the field goes with its type, and so does an object left with no fields because of it."""
    sdl = LINK + """
    type Query { stats: Stats, summary: Summary, title: String }
    type Stats @tag(name: "internal") { signups: Int }
    type Summary { stats: Stats }
    """
    result = compose_supergraph([SubgraphInput("a", "http://a", sdl)])
    assert result.ok, result.errors
    ours = build_contract(parse(result.supergraph), Contract("ops", exclude=frozenset({"internal"})))
    assert set(ours.schema.query_type.fields) == {"title"}
    assert ours.schema.get_type("Stats") is None and ours.schema.get_type("Summary") is None
