"""ASGI entry point: `uvicorn services.enrollments.app:app --port 4103`."""

from services.toolkit import asgi_app

from .schema import schema

app = asgi_app(schema)
