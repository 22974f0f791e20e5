"""ASGI entry point: `uvicorn services.reviews.app:app --port 4104`."""

from services.toolkit import asgi_app
from services.toolkit.api_key import api_keys_from_env

from .schema import schema

# X-API-Key is checked when BFF_API_KEY_REVIEWS is set (see services/toolkit/api_key.py).
app = asgi_app(schema, api_keys=api_keys_from_env("reviews"))
