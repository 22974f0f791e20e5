"""The error every subgraph transport raises when a subgraph gives no usable answer.

Kept apart from the transports so that each of them (HTTP in transport.py, Lambda
invoke in lambda_transport.py) and the executor that catches it can import it
without importing one another.
"""

from __future__ import annotations


class SubgraphFailure(Exception):
    """A subgraph did not give a usable GraphQL response. The message is safe to show clients.

    `retryable`: the failure is one a query may be retried after (connection failure, timeout,
    HTTP 502/503/504 without a GraphQL body)."""

    def __init__(self, message: str, retryable: bool = False, timeout: bool = False) -> None:
        super().__init__(message)
        self.retryable = retryable
        self.timeout = timeout
