"""Helpers every example service uses, kept deliberately small."""

from .app import asgi_app, service_app
from .schema import Schema

__all__ = ["Schema", "asgi_app", "service_app"]
