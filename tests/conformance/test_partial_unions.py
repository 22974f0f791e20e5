"""Partial unions below @shareable paths: the answer does not depend on which subgraph the
planner picks (the federation-gateway-audit's `partial-union-complex` rule, on our own graph).

web (strawberry): Query.webHome: Page, Query.home: Page @shareable;
     Page @key(id) { layout: Layout @shareable }; Layout @shareable { blocks: [Block!]! };
     union Block = Text | Video
mobile (Node):    Query.appHome, Query.home @shareable; Page @key(id) { layout @shareable, appLayout };
     union Block = Text | Banner

`webHome.layout` could come from web directly or from mobile through Page's key, so only
Text (in both unions) is safe there: a Video keeps its `__typename` and its fields are null.
`webHome.appLayout` exists only in mobile, so Banner's fields arrive.
"""

from __future__ import annotations

from typing import Annotated

import strawberry

from .harness import Case, NodeSubgraph, PySubgraph, Scenario, strawberry_app


@strawberry.federation.type(shareable=True)
class Text:
    body: str | None


@strawberry.type
class Video:
    url: str | None


Block = Annotated[Text | Video, strawberry.union("Block")]


@strawberry.federation.type(shareable=True)
class Layout:
    blocks: list[Block] = strawberry.federation.field(shareable=True)


WEB_BLOCKS = [Text(body="Welcome"), Video(url="intro.mp4")]


@strawberry.federation.type(keys=["id"])
class Page:
    id: strawberry.ID
    blocks: strawberry.Private[list]

    @strawberry.federation.field(shareable=True)
    def layout(self) -> Layout | None:
        return Layout(blocks=self.blocks)

    @classmethod
    def resolve_reference(cls, id: strawberry.ID) -> Page | None:
        return cls(id=id, blocks=WEB_BLOCKS) if id == "home" else None


@strawberry.type
class Query:
    @strawberry.field
    def web_home(self) -> Page | None:
        return Page(id="home", blocks=WEB_BLOCKS)

    @strawberry.federation.field(shareable=True)
    def home(self) -> Page | None:
        return Page(id="home", blocks=[Text(body="Welcome")])


SCENARIO = Scenario(
    "partial_unions",
    [
        PySubgraph("web", lambda: strawberry_app(query=Query, types=[Page, Text, Video, Layout])),
        NodeSubgraph("mobile", "partial_unions_mobile.mjs"),
    ],
)

BLOCKS = "blocks { __typename ... on Text { body } ... on Video { url } ... on Banner { image } }"
TEXT = {"__typename": "Text", "body": "Welcome"}

CASES = [
    Case(
        "shareable_path_keeps_only_common_members",
        f"{{ webHome {{ layout {{ {BLOCKS} }} }} }}",
        {"data": {"webHome": {"layout": {"blocks": [TEXT, {"__typename": "Video", "url": None}]}}}},
    ),
    Case(
        "the_same_from_the_other_side",
        f"{{ appHome {{ layout {{ {BLOCKS} }} }} }}",
        {"data": {"appHome": {"layout": {"blocks": [TEXT, {"__typename": "Banner", "image": None}]}}}},
    ),
    Case(
        "member_of_another_subgraph_only_typename",
        "{ webHome { layout { blocks { __typename ... on Banner { image } } } } }",
        {"data": {"webHome": {"layout": {"blocks": [{"__typename": "Text"}, {"__typename": "Video"}]}}}},
    ),
    Case(
        "shareable_root_field",
        f"{{ home {{ layout {{ {BLOCKS} }} }} }}",
        {"data": {"home": {"layout": {"blocks": [TEXT]}}}},
    ),
    Case(
        "field_of_one_subgraph_keeps_its_members",
        f"{{ webHome {{ appLayout {{ {BLOCKS} }} }} }}",
        {"data": {"webHome": {"appLayout": {"blocks": [TEXT, {"__typename": "Banner", "image": "sale.png"}]}}}},
        requests={"web": 1, "mobile": 1},
    ),
]


async def test_gateway(case, env):
    await env.check_ours(case)


async def test_apollo_reference(case, env):
    await env.check_apollo(case)


async def test_differential(case, env):
    await env.differential(case)
