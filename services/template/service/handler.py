"""The service's Lambda handler (`service.handler.handler`): its schema behind the toolkit's checks.

The toolkit (the bff stack's toolkit layer) checks the X-API-Key (BFF_API_KEY_SERVICE, a
reference) and the identity the gateway signs (BFF_IDENTITY_SECRET); Mangum turns the gateway's
direct invokes (API Gateway HTTP API events) into ASGI requests.
"""

from __future__ import annotations

import os

from services.toolkit import service_app
from services.toolkit.api_key import api_keys_from_env
from services.toolkit.lambda_handler import make_handler

from .schema import schema

NAME = os.environ.get("BFF_SERVICE_NAME", "my-service")

handler = make_handler(service_app(NAME, schema, api_keys=api_keys_from_env("service")))
