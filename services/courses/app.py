"""ASGI entry point: `uvicorn services.courses.app:app --port 4102`.

X-API-Key is checked when BFF_API_KEY_COURSES is set (services/toolkit/api_key.py); the
gateway-signed identity when BFF_IDENTITY_SECRET is (services/toolkit/identity.py).
"""

from collections.abc import Sequence

from starlette.types import ASGIApp

from services.toolkit import service_app

from .schema import schema


def create_app(identity_secrets: Sequence[str] | None = None) -> ASGIApp:
    """The app; `identity_secrets` given: used instead of BFF_IDENTITY_SECRET (tests, `bff dev`)."""
    return service_app("courses", schema, identity_secrets=identity_secrets)


app = create_app()
