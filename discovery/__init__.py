"""Service discovery: compose subgraphs into a supergraph, and the registry that stores them."""
