"""Helpers that run the deployed handlers in this process: the example services as 'Lambda functions'."""

from __future__ import annotations

import asyncio
import importlib
import importlib.util
import io
import json
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
SERVICES = ("accounts", "courses", "enrollments", "reviews")


def load_build() -> ModuleType:
    """deploy/build.py as a module (deploy/ is not a package)."""
    spec = importlib.util.spec_from_file_location("bff_deploy_build", ROOT / "deploy" / "build.py")
    module = importlib.util.module_from_spec(spec)  # type: ignore[arg-type]
    spec.loader.exec_module(module)  # type: ignore[union-attr]
    return module


def service_handler(name: str, api_key: str) -> Callable[[dict[str, Any], Any], dict[str, Any]]:
    """The service's Lambda handler (services/toolkit/lambda_handler.py) requiring `api_key`, and the
    gateway-signed identity when BFF_IDENTITY_SECRET is set, as deployed."""
    from services.toolkit import service_app
    from services.toolkit.lambda_handler import make_handler

    schema = importlib.import_module(f"services.{name}.schema").schema
    return make_handler(service_app(name, schema, api_keys=[api_key]))


class InProcessLambda:
    """boto3's Lambda client `invoke`, answered by handlers in this process (function name -> handler)."""

    def __init__(self, handlers: dict[str, Callable[[dict[str, Any], Any], dict[str, Any]]]) -> None:
        self.handlers = handlers
        self.invoked: list[str] = []
        self.events: list[dict[str, Any]] = []  # what each service received

    def invoke(self, FunctionName: str, Payload: bytes, InvocationType: str, **_: Any) -> dict[str, Any]:
        assert InvocationType == "RequestResponse"
        self.invoked.append(FunctionName)
        try:  # Mangum wants a current event loop; a Lambda's main thread has one, the invoke pool's do not
            asyncio.get_event_loop()
        except RuntimeError:
            asyncio.set_event_loop(asyncio.new_event_loop())
        event = json.loads(Payload)
        self.events.append(event)
        result = self.handlers[FunctionName](event, None)
        return {"StatusCode": 200, "Payload": io.BytesIO(json.dumps(result).encode())}
