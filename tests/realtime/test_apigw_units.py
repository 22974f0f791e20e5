"""The fan-out's pure parts (no AWS, no network): merging `_entities` requests across subscribers and
splitting the answer back, projecting an event payload through a source selection, matching arguments,
and the merged request's identity. The end-to-end proof is tests/deploy/test_subscriptions_offline.py."""

from __future__ import annotations

import asyncio
import base64
from typing import Any

import orjson
from graphql import parse

from bff_common.identity import PRINCIPAL, principal_payload
from bff_common.principal import Principal
from gateway.realtime.apigw.batching import BatchingTransport, fanout_identity
from gateway.realtime.apigw.fanout import matches
from gateway.realtime.apigw.projection import source_response

TITLE = ('query ($representations: [_Any!]!) { _entities(representations: $representations) '
         '{ ... on Course { title } } }')
CODE = ('query ($representations: [_Any!]!, $n: Int) { _entities(representations: $representations) '
        '{ ... on Course { code(n: $n) } } }')


class Recorder:
    """A subgraph transport answering `_entities` from a table, recording what it was sent."""

    def __init__(self) -> None:
        self.sent: list[dict[str, Any]] = []

    async def send(self, service: str, url: str, body: dict[str, Any], headers: Any = None,
                   call: Any = None) -> dict[str, Any]:
        self.sent.append({"body": body, "headers": headers})
        from graphql import OperationDefinitionNode

        operation = next(d for d in parse(body["query"]).definitions if isinstance(d, OperationDefinitionNode))
        data: dict[str, Any] = {}
        errors = []
        for field in operation.selection_set.selections:
            key = field.alias.value if field.alias else field.name.value  # type: ignore[union-attr]
            variable = field.arguments[0].value.name.value  # type: ignore[union-attr]
            reps = body["variables"][variable]
            data[key] = [{"title": f"T-{r['id']}", "code": f"C-{r['id']}"} for r in reps]
            if any(r["id"] == "bad" for r in reps):
                errors.append({"message": "bad one", "path": [key, [r["id"] for r in reps].index("bad"), "title"]})
        return {"data": data, **({"errors": errors} if errors else {})}

    async def aclose(self) -> None:
        pass


def _reps(*ids: str) -> list[dict[str, str]]:
    return [{"__typename": "Course", "id": i} for i in ids]


async def _batch(requests: list[dict[str, Any]]) -> tuple[list[dict[str, Any]], Recorder]:
    inner = Recorder()
    transport = BatchingTransport(inner)
    answers = await asyncio.gather(*(transport.send("courses", "http://c", r, {PRINCIPAL: principal_payload(None)})
                                     for r in requests))
    assert dict(transport.entity_calls) == {"courses": 1}
    return list(answers), inner


def test_same_document_is_one_request_with_deduplicated_representations() -> None:
    answers, inner = asyncio.run(_batch([
        {"query": TITLE, "variables": {"representations": _reps("c1", "c2")}},
        {"query": TITLE, "variables": {"representations": _reps("c2", "c1", "c3")}}]))
    assert len(inner.sent) == 1
    assert inner.sent[0]["body"]["variables"]["representations"] == _reps("c1", "c2", "c3")
    assert [[e["title"] for e in a["data"]["_entities"]] for a in answers] == [["T-c1", "T-c2"],
                                                                               ["T-c2", "T-c1", "T-c3"]]


def test_different_documents_are_aliased_in_one_request_and_errors_find_their_owner() -> None:
    answers, inner = asyncio.run(_batch([
        {"query": TITLE, "variables": {"representations": _reps("c1", "bad")}},
        {"query": CODE, "variables": {"representations": _reps("c9"), "n": 2}}]))
    assert len(inner.sent) == 1
    sent = inner.sent[0]["body"]
    assert "_0: _entities(representations: $representations_0)" in sent["query"]
    assert "_1: _entities(representations: $representations_1)" in sent["query"]
    assert sent["variables"] == {"representations_0": _reps("c1", "bad"), "representations_1": _reps("c9"),
                                 "n_1": 2}
    assert answers[0]["data"]["_entities"][1]["title"] == "T-bad"
    assert answers[0]["errors"] == [{"message": "bad one", "path": ["_entities", 1, "title"]}]
    assert answers[1] == {"data": {"_entities": [{"title": "T-c9", "code": "C-c9"}]}}


def test_the_merged_request_carries_the_fanout_identity_with_the_subscribers_verdicts() -> None:
    admin = principal_payload(Principal("viewer", subject="u1", roles=frozenset({"admin"})), {"self_or_admin": True})
    anonymous = principal_payload(None)
    claims = orjson.loads(base64.urlsafe_b64decode(fanout_identity([admin, anonymous]) + "=="))
    assert claims == {"kind": "server", "sub": None, "roles": ["admin"], "scopes": [], "client": "bff-fanout",
                      "policies": ["self_or_admin"], "owner": []}


def test_projection_takes_what_the_source_selects() -> None:
    from gateway.gateway import Gateway

    schema = Gateway.from_file("services/supergraph.graphql").api_schema
    source = ('subscription { reviewAdded(courseId: "c1") { stars: rating body author { name } '
              'course { __typename id } ... on Review { id } } }')
    payload = {"id": "r9", "rating": 5, "body": "Fine", "author": {"id": "u2", "name": "Alan"},
               "course": {"id": "c1"}, "secret": "not selected"}
    assert source_response(schema, source, payload) == {"data": {"reviewAdded": {
        "stars": 5, "body": "Fine", "author": {"name": "Alan"}, "course": {"__typename": "Course", "id": "c1"},
        "id": "r9"}}}


def test_arguments_match_only_when_every_one_is_equal() -> None:
    assert matches({"courseId": "c1"}, {"courseId": "c1", "other": 1})
    assert not matches({"courseId": "c1"}, {"courseId": "c2"})
    assert not matches({"courseId": "c1"}, {})  # an event that does not say is not for this subscriber
    assert matches({}, {"courseId": "c1"})
