"""Run a query plan against the subgraphs."""
