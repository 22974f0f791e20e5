"""Gateway settings from the environment alone (no file, no flags): production defaults, then the
`BFF_*` variables of gateway/config/envvars.py (the one table; see docs/configuration.md).

Kept for embedders and tests; the entry points call gateway.config.build.settings directly.
"""

from __future__ import annotations

from collections.abc import Mapping

from .config import GatewayConfig


def config_from_env(environ: Mapping[str, str] | None = None) -> GatewayConfig:
    """GatewayConfig from BFF_CONFIG's file (when set) and the BFF_* variables.

    Raises SecretError when a secret is given as a value, ConfigError (a ValueError) otherwise."""
    from bff_common.secrets import SecretError

    from .config.build import settings
    from .config.errors import ConfigError

    try:
        return settings(env=environ, check_plugins=False).gateway
    except ConfigError as exc:
        if any(p.kind == "secret" for p in exc.problems):
            raise SecretError(str(exc)) from None
        raise
