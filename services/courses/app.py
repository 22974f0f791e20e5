"""ASGI entry point: `uvicorn services.courses.app:app --port 4102`."""

from services.toolkit import asgi_app

from .schema import schema

app = asgi_app(schema)
