"""Subgraph SDLs and helpers shared by the registry tests."""

from __future__ import annotations

LINK = 'extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key", "@shareable"])\n'

ACCOUNTS = LINK + '''
type Query { me: User }
type User @key(fields: "id") { id: ID! name: String }
'''

REVIEWS = LINK + '''
type Query { reviews: [Review] }
type Review { body: String author: User }
type User @key(fields: "id") { id: ID! reviews: [Review] }
'''


def synthetic(name: str, i: int = 0) -> str:
    """A small subgraph of its own: Query.<name>_items and a <Name>Item type, plus a shared User entity."""
    t = f"{name.capitalize().replace('-', '_')}Item"
    return LINK + f'''
type Query {{ {name.replace('-', '_')}Items(first: Int = 10): [{t}!]! }}
type {t} {{ id: ID! label: String rank: Int owner: User }}
type User @key(fields: "id") {{ id: ID! {name.replace('-', '_')}Count: Int }}
'''


def publish_worker(url: str, name: str, barrier, results) -> None:
    """Runs in a child process: wait for every sibling, then publish one service; (ok, version, errors) to `results`."""
    from discovery.client import open_registry
    from discovery.registry import PublishRequest

    registry = open_registry(url)
    barrier.wait(timeout=60)
    outcome = registry.publish(PublishRequest(name, f"http://{name}.local/graphql", synthetic(name), f"proc-{name}"))
    results.put((outcome.ok, outcome.version, "; ".join(p.message for p in outcome.problems)))
