"""Query planning: split an operation into fetches per subgraph."""
