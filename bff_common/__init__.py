"""What the gateway (`gateway/`), the registry and composer (`discovery/`) and the example
services (`services/`) all need, so that none of them imports another's internals.

- `link`: the one reader of `@link` / `@core` schema applications;
- `api_schema`: the client-facing API schema derived from a supergraph;
- `access_rules`: the access directives (`@authenticated`, `@requiresScopes`, `@policy`) per type and field;
- `access_evaluate`: deciding them for a principal, and the FORBIDDEN / UNAUTHENTICATED messages;
- `principal`: who is calling (`Principal`, `ANONYMOUS`);
- `identity`: the caller's identity the gateway signs for each subgraph and a service verifies;
- `documents`: trusted-document manifests and their sha256 ids;
- `registry`: the protocols a registry client offers the gateway;
- `secrets`: secret references (`env:`, `ssm:`, `secretsmanager:`).

This package imports nothing from `gateway`, `discovery` or `services`
(tests/structure/test_layers.py checks it), and every module is cheap to import:
the Lambda functions ship it whole.
"""
