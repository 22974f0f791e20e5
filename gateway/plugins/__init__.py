"""Plugins shipped with the gateway, used by name from the configuration (docs/plugins.md)."""
