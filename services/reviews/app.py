"""ASGI entry point: `uvicorn services.reviews.app:app --port 4104`."""

from services.toolkit import asgi_app

from .schema import schema

app = asgi_app(schema)
