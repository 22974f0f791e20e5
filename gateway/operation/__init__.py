"""Parse, validate and normalize the client's operation."""
