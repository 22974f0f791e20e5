"""The example graph's @policy rules, as data (gateway/access/policies.py).

`self`: the viewer owns the object; `self_or_admin`: that, or the admin role. What "owns"
means each service says with `AccessExtension.with_policies(owners=...)`. `bff dev` configures
these; a gateway serving services/supergraph.graphql elsewhere needs them in its configuration
(GatewayConfig.access_policies), else every @policy field is denied.
"""

from __future__ import annotations

from typing import Any

EXAMPLE_POLICIES: dict[str, Any] = {
    "self": {"owner": True},
    "self_or_admin": {"any_of": [{"roles": ["admin"]}, {"owner": True}]},
}
