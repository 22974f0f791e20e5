"""Example federated microservices of a learning platform, used by `bff dev`,
the test suites and the benchmark.

    accounts     users                                   :4101
    courses      the course catalogue and instructors     :4102
    enrollments  who takes which course, and progress     :4103
    reviews      ratings and comments on courses          :4104

Each is a Strawberry Federation v2 subgraph with its own package (`schema.py`,
`data.py`, `app.py`); `catalog.py` lists them and `supergraph.graphql` is their
composed supergraph (regenerate with `python -m services.compose_examples`).
"""
