"""Passes over the fetch graph, each in a file named for what it does."""
