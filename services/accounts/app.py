"""ASGI entry point: `uvicorn services.accounts.app:app --port 4101`."""

from services.toolkit import asgi_app

from .schema import schema

app = asgi_app(schema)
