"""Issue 12's bar, measured: 10 clients sending worst-case documents (attack_load.py) against
`bff serve` with production settings on the example services, all on loopback."""

from __future__ import annotations

import asyncio

from .attack_load import attack, production_stack


def test_health_and_a_normal_query_stay_fast_under_attack():
    with production_stack() as (url, health):
        report = asyncio.run(attack(url, health, clients=10, seconds=10.0, probe_rounds=100, probe_pause=0.01))
    print("\n".join(report.lines()))
    assert report.probe_failures == 0
    assert report.attack_requests >= 10  # the attack ran and was answered
    assert report.health_loaded.p(0.99) < 100, report.lines()
    assert report.query_loaded.p(0.99) < 3 * report.query_unloaded.p(0.99), report.lines()
