"""Per-client contracts served by one gateway (docs/contracts.md).

selection.py  which contract a request gets (path, token claim, client name, default)
serving.py    every contract's schema and the selection hook, built with the gateway
The definitions, the tag filter and the schema checks are shared with the registry: bff_common/contracts/.
"""
