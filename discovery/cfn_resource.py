"""Deploy is registration: the registry as a CloudFormation custom resource (`Custom::BffService`).

A service stack declares one resource whose ServiceToken is the registry function's ARN:

    Registration:
      Type: Custom::BffService
      Properties:
        ServiceToken: !ImportValue bff-STAGE-RegistryFunctionArn
        Name: payments                                  # the subgraph name
        Endpoint: lambda:bff-STAGE-payments             # how the gateway reaches it
        Sdl: "type Query { ... }"                       # the subgraph SDL
        ApiKeyRef: ssm:/bff/STAGE/keys/payments         # optional: where its X-API-Key lives
        AllowBreaking: "false"                          # optional: accept breaking clients (logged)
        AllowBreakingRemoval: "false"                   # optional: removing the stack may break clients

Create/Update publish through the registry's checks (composition, clients' recorded usage, guards):
a refusal answers FAILED with the registry's reasons, so CloudFormation stops and rolls back that
service's deploy, and nothing already registered is touched. Delete unregisters the service (under
the same checks; `AllowBreakingRemoval` lets a stack whose removal is meant to take its fields, such
as the example services', go without accepting breaking updates). A Create that was refused gets a
physical id marking it unregistered, so the rollback's Delete does not remove a version registered
earlier by another stack or by hand.

The answer is PUT to the pre-signed ResponseURL (the CloudFormation protocol); nothing is returned
to the invoker that matters.
"""

from __future__ import annotations

import json
import logging
import urllib.request
from collections.abc import Mapping
from typing import Any

from .model import Outcome
from .registry import PublishRequest, Registry

logger = logging.getLogger("bff.registry")

UNREGISTERED = "bff-unregistered:"  # physical id prefix of a refused Create: its Delete is a no-op
REASON_LIMIT = 3_500  # CloudFormation keeps a reason well under the 4 KB response limit


def is_custom_resource_event(event: Mapping[str, Any]) -> bool:
    """True for a CloudFormation custom-resource request (what the registry function tells apart)."""
    return "RequestType" in event and "ResponseURL" in event and "ResourceProperties" in event


def _flag(value: Any) -> bool:
    # CloudFormation passes every property as a string.
    return str(value).strip().lower() in ("1", "true", "yes")


def _reason(outcome: Outcome) -> str:
    text = "; ".join(f"{p.code}: {p.message}" for p in outcome.problems) or outcome.summary or "refused"
    return text[:REASON_LIMIT]


def handle(registry: Registry, event: Mapping[str, Any]) -> dict[str, Any]:
    """The response body for one request (Status, Reason, PhysicalResourceId, ...); never raises."""
    kind = event["RequestType"]
    props = event.get("ResourceProperties") or {}
    actor = f"cloudformation:{event.get('StackId', '?')}"
    physical = event.get("PhysicalResourceId")
    try:
        name = str(props.get("Name") or "")
        if kind in ("Create", "Update"):
            outcome = registry.publish(PublishRequest(
                name, str(props.get("Endpoint") or ""), str(props.get("Sdl") or ""), actor,
                api_key_ref=props.get("ApiKeyRef") or None, allow_breaking=_flag(props.get("AllowBreaking", "")),
                allow_security_change=_flag(props.get("AllowSecurityChange", ""))))
            if outcome.ok:
                return _answer(event, "SUCCESS", name, f"registered {name} (graph version {outcome.version})",
                               {"Version": str(outcome.version)})
            logger.warning("registration of %s refused: %s", name, _reason(outcome))
            keep = str(physical) if kind == "Update" else f"{UNREGISTERED}{name}:{event.get('RequestId', '')}"
            return _answer(event, "FAILED", keep, _reason(outcome))
        if kind == "Delete":
            if not physical or physical.startswith(UNREGISTERED):
                return _answer(event, "SUCCESS", physical or "none", "nothing was registered")
            allow = _flag(props.get("AllowBreaking", "")) or _flag(props.get("AllowBreakingRemoval", ""))
            outcome = registry.remove(physical, actor, allow_breaking=allow,
                                      allow_security_change=_flag(props.get("AllowSecurityChange", "")))
            if outcome.ok or any(p.code == "UNKNOWN_SERVICE" for p in outcome.problems):
                return _answer(event, "SUCCESS", physical, f"unregistered {physical}")
            return _answer(event, "FAILED", physical, _reason(outcome))
        return _answer(event, "FAILED", physical or "none", f"unknown RequestType {kind!r}")
    except Exception as exc:  # noqa: BLE001 - CloudFormation must get an answer, or it waits an hour
        logger.exception("custom resource %s failed", kind)
        reason = f"{type(exc).__name__}: {exc}"[:REASON_LIMIT]
        return _answer(event, "FAILED", physical or f"{UNREGISTERED}error", reason)


def _answer(event: Mapping[str, Any], status: str, physical: str, reason: str,
            data: dict[str, str] | None = None) -> dict[str, Any]:
    return {"Status": status, "Reason": reason, "PhysicalResourceId": physical, "StackId": event.get("StackId"),
            "RequestId": event.get("RequestId"), "LogicalResourceId": event.get("LogicalResourceId"),
            "NoEcho": False, "Data": data or {}}


def respond(event: Mapping[str, Any], body: dict[str, Any], timeout: float = 10.0) -> None:
    """PUT the answer to the pre-signed ResponseURL (an empty Content-Type, as S3's signature expects)."""
    payload = json.dumps(body).encode()
    request = urllib.request.Request(event["ResponseURL"], data=payload, method="PUT",
                                     headers={"Content-Type": "", "Content-Length": str(len(payload))})
    with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310 - CloudFormation's URL
        response.read()


def lambda_handler(registry: Registry, event: Mapping[str, Any]) -> dict[str, Any]:
    """Answer one request and send it to CloudFormation; returns the answer (for logs and tests)."""
    body = handle(registry, event)
    respond(event, body)
    return body


def unavailable(event: Mapping[str, Any], error: Exception) -> dict[str, Any]:
    """FAILED when the registry cannot even be opened (its table unset or unreachable): the stack event
    says why at once instead of CloudFormation waiting an hour for an answer. A Delete of a resource whose
    Create was refused stays a no-op (nothing to unregister, so the rollback can finish)."""
    logger.error("custom resource %s: the registry cannot be opened: %s", event.get("RequestType"), error)
    physical = event.get("PhysicalResourceId")
    if event.get("RequestType") == "Delete" and (not physical or str(physical).startswith(UNREGISTERED)):
        body = _answer(event, "SUCCESS", physical or "none", "nothing was registered")
    else:
        reason = f"the registry cannot be opened: {type(error).__name__}: {error}"[:REASON_LIMIT]
        body = _answer(event, "FAILED", physical or f"{UNREGISTERED}error", reason)
    respond(event, body)
    return body
