"""The service's code: its subgraph (schema.py) and its Lambda handler (handler.py)."""
