"""Shared test helpers: servers, composers and peers the suites start."""
