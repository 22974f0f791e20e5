"""Validation rules, one per module; each appends CompositionErrors to the context."""
