"""The supergraph: read the composed schema (one module per join directive) and
derive the client-facing API schema."""
