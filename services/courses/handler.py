"""Lambda handler: `services.courses.handler.handler` (see services/toolkit/lambda_handler.py)."""

from services.toolkit.lambda_handler import make_handler

from .app import app

handler = make_handler(app)
