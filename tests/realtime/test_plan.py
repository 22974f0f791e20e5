"""A subscription is planned like a query whose root fetch is the subscription: the source fetch to the subgraph
owning the field, then `_entities` fetches that depend on it (what `bff plan` prints)."""

from __future__ import annotations

from pathlib import Path

from gateway.gateway import Gateway
from gateway.realtime.subscription import stream_plan

SUPERGRAPH = Path(__file__).resolve().parents[2] / "services" / "supergraph.graphql"


def test_subscription_plan_source_and_dependent_fetches() -> None:
    gateway = Gateway.from_file(SUPERGRAPH)
    query = 'subscription { reviewAdded(courseId: "c1") { body course { title } author { name roles } } }'
    printed = gateway.explain(query)
    assert printed.index('Fetch(service: "reviews")') < printed.index('Fetch(service: "courses")')
    assert "subscription {\n        reviewAdded(courseId: \"c1\")" in printed
    from gateway.request import GraphQLRequest

    prepared, _ = gateway._prepare(GraphQLRequest(query), streaming=True)
    split = stream_plan(prepared)
    assert split.source.service == "reviews" and split.source.operation_kind == "subscription"
    # author.name comes with the event (@provides); roles and course.title are fetched per event.
    assert sorted(f.service for f in split.per_event.fetches) == ["accounts", "courses"]
    assert all(f.inputs is not None and not f.depends_on for f in split.per_event.fetches)
