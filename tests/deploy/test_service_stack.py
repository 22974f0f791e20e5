"""A fifth service from its own stack joins a running gateway (issue 11, "Deploy is registration").

`services/template/` is copied as a team would, made into `wishlist` (a strawberry subgraph adding
`Course.wishlistCount`) and packaged with `osls package`. Its Custom::BffService's properties, taken
from the packaged template, go to the registry function in CloudFormation's own request shapes
against DynamoDB Local; a gateway started before, on that registry, then answers the new field with
no restart. The functions it calls are the packaged zips with their layers, run as Lambda runs them
(python3.12 -I, deploy/lambda_local.py) behind a loopback Lambda Invoke API. A breaking update is
refused with the registry's reason and changes nothing; deleting the stack unregisters the service.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from discovery.client import open_registry
from gateway.config.build import settings
from gateway.request import GraphQLRequest
from gateway.supergraph_source import GatewaySwitch, gateway_builder
from tests.support.dynamodb_local import dynamodb_local  # noqa: F401  (session fixture)
from tests.support.requires import missing

from .inprocess import ROOT, load_build
from .osls import OSLS, offline_env, package, require_osls
from .test_custom_resource import answer, registry_url, response_url  # noqa: F401  (fixtures)

pytestmark = pytest.mark.slow
STAGE = "local"  # serverless.yml's stage whose keys are env: references (no SSM here)
KEY, IDENTITY = "local-service-key-0123456789", "i" * 40
REFS = {"apiKey": "env:BFF_LOCAL_API_KEY", "identitySecret": "env:BFF_LOCAL_IDENTITY_SECRET"}
REGISTRY_ARN = "arn:aws:lambda:eu-west-1:123456789012:function:bff-local-registry"
WISHLIST = '''"""wishlist: how many learners keep each course on their wishlist."""

from __future__ import annotations

import strawberry

from services.toolkit import Schema

COUNTS = {"c1": 42, "c2": 7}


@strawberry.federation.type(keys=["id"])
class Course:
    id: strawberry.ID

    @strawberry.field
    def {field}(self) -> int:
        return COUNTS.get(str(self.id), 0)

    @classmethod
    def resolve_reference(cls, id: strawberry.ID) -> Course:
        return cls(id=id)


schema = Schema(types=[Course])
'''


def python312() -> str:
    python = load_build().python312()
    if python is None:
        missing("python3.12 (the Lambda runtime's version) is needed to run the packaged functions")
    return str(python)


def stack_package(stack: Path, out: Path, field: str) -> dict[str, Any]:
    """Write the service's schema with `field`, its SDL (python -m service.sdl), `osls package` it."""
    (stack / "service" / "schema.py").write_text(WISHLIST.replace("{field}", field))
    sdl = subprocess.run([sys.executable, "-m", "service.sdl"], cwd=stack, capture_output=True, text=True,
                         env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT)}, check=True).stdout
    (stack / "schema.graphql").write_text(sdl)
    with offline_env() as env:
        result = subprocess.run([str(OSLS), "package", "--stage", STAGE, "--package", str(out),
                                 *(f"--param={k}={v}" for k, v in REFS.items())],
                                cwd=stack, env=env, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return json.loads((out / "cloudformation-template-update-stack.json").read_text())


@pytest.fixture(scope="module")
def main_stack(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Any]]:
    out = tmp_path_factory.mktemp("bff")
    result = package(STAGE, out)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return out, json.loads((out / "cloudformation-template-update-stack.json").read_text())


@pytest.fixture(scope="module")
def wishlist_stack(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, dict[str, Any]]:
    """services/template copied as `wishlist`, packaged."""
    require_osls()
    stack = tmp_path_factory.mktemp("teams") / "wishlist"
    shutil.copytree(ROOT / "services" / "template", stack, ignore=shutil.ignore_patterns(
        ".serverless", "schema.graphql", "__pycache__"))
    config = stack / "serverless.yml"
    config.write_text(config.read_text().replace("\nservice: my-service\n", "\nservice: wishlist\n", 1))
    out = stack / ".serverless"
    return stack, out, stack_package(stack, out, "wishlist_count")


def cfn_request(kind: str, base: str, props: dict[str, Any], physical: str | None = None,
                old: dict[str, Any] | None = None, stack: str = "wishlist") -> dict[str, Any]:
    """CloudFormation's custom-resource request for a resource with these (packaged) properties."""
    request_id = str(uuid.uuid4())
    props = {**props, "ServiceToken": REGISTRY_ARN}  # what Fn::ImportValue / Fn::GetAtt resolve to
    event: dict[str, Any] = {
        "RequestType": kind, "ServiceToken": REGISTRY_ARN,
        "ResponseURL": f"{base}/cloudformation-custom-resource-response-euwest1/{request_id}?X-Amz-Signature=x",
        "StackId": f"arn:aws:cloudformation:eu-west-1:123456789012:stack/{stack}-local/{uuid.uuid4()}",
        "RequestId": request_id, "LogicalResourceId": "Registration", "ResourceType": "Custom::BffService",
        "ResourceProperties": props}
    if physical is not None:
        event["PhysicalResourceId"] = physical
    if old is not None:
        event["OldResourceProperties"] = {**old, "ServiceToken": REGISTRY_ARN}
    return event


def registration(template: dict[str, Any], logical: str = "Registration") -> dict[str, Any]:
    resource = template["Resources"][logical]
    assert resource["Type"] == "Custom::BffService"
    return dict(resource["Properties"])


@pytest.fixture()
def invoke_api(main_stack: tuple[Path, dict[str, Any]], wishlist_stack: tuple[Path, Path, dict[str, Any]],
               tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """The example services (the bff stack's zips) and wishlist (its own stack's zip, with the bff stack's
    service layers, as its {{resolve:ssm:...}} layers name them) behind a loopback Lambda Invoke API."""
    sys.path.insert(0, str(ROOT / "deploy"))
    try:
        from lambda_local import Function, InvokeApi
    finally:
        sys.path.remove(str(ROOT / "deploy"))
    packaged, template = main_stack
    resources = template["Resources"]
    layer_zips = {k: packaged / Path(v["Properties"]["Content"]["S3Key"]).name for k, v in resources.items()
                  if v["Type"] == "AWS::Lambda::LayerVersion"}
    python, runtime = python312(), tmp_path / "runtime"
    runtime.mkdir()
    secrets = {"BFF_LOCAL_API_KEY": KEY, "BFF_LOCAL_IDENTITY_SECRET": IDENTITY}
    functions = {}
    for name in ("accounts", "courses", "reviews", "enrollments"):
        props = resources[f"{name.capitalize()}LambdaFunction"]["Properties"]
        functions[props["FunctionName"]] = Function.extract(
            props["FunctionName"], props["Handler"], packaged / Path(props["Code"]["S3Key"]).name,
            [layer_zips[ref["Ref"]] for ref in props["Layers"]], tmp_path / name, runtime=runtime, python=python,
            environment={**props["Environment"]["Variables"], **secrets})
    stack, out, wishlist = wishlist_stack
    props = wishlist["Resources"]["GraphLambdaFunction"]["Properties"]
    ssm_layers = {"{{resolve:ssm:/bff/local/layers/service-deps}}": layer_zips["ServiceDepsLambdaLayer"],
                  "{{resolve:ssm:/bff/local/layers/service-toolkit}}": layer_zips["ServiceToolkitLambdaLayer"]}
    # The SSM parameters the bff stack writes (deploy/registrations.yml) hold exactly these layers.
    for parameter, layer in (("ServiceDepsLayerParameter", "ServiceDepsLambdaLayer"),
                             ("ServiceToolkitLayerParameter", "ServiceToolkitLambdaLayer")):
        written = resources[parameter]["Properties"]
        assert written["Value"] == {"Ref": layer} and f"{{{{resolve:ssm:{written['Name']}}}}}" in ssm_layers
    functions[props["FunctionName"]] = Function.extract(
        props["FunctionName"], props["Handler"], out / Path(props["Code"]["S3Key"]).name,
        [ssm_layers[layer["Fn::Sub"]] for layer in props["Layers"]], tmp_path / "wishlist", runtime=runtime,
        python=python, environment={**props["Environment"]["Variables"], **secrets})
    api = InvokeApi(functions)
    monkeypatch.setenv("BFF_LAMBDA_ENDPOINT_URL", api.start())
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIALOCALONLY")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "local-only")
    monkeypatch.setenv("AWS_REGION", "eu-west-1")
    yield api
    api.stop()


def test_the_template_makes_a_registering_service_stack(wishlist_stack: tuple[Path, Path, dict[str, Any]]) -> None:
    stack, out, template = wishlist_stack
    resources = template["Resources"]
    function = resources["GraphLambdaFunction"]["Properties"]
    assert function["FunctionName"] == "bff-local-wishlist"
    assert {"Key": "bff-graph", "Value": "bff-local"} in function["Tags"]  # the gateway's invoke rule
    assert not [r for r in resources.values() if r["Type"] == "AWS::Lambda::Url"]  # direct invoke only
    props = registration(template)
    assert props["ServiceToken"] == {"Fn::ImportValue": "bff-local-RegistryFunctionArn"}
    assert (props["Name"], props["Endpoint"], props["ApiKeyRef"]) == (
        "wishlist", "lambda:bff-local-wishlist", "env:BFF_LOCAL_API_KEY")
    assert "wishlistCount: Int!" in props["Sdl"] and props["AllowBreaking"] == "false"
    assert resources["Registration"]["DependsOn"] == ["GraphLambdaFunction"]
    import zipfile

    names = zipfile.ZipFile(out / Path(function["Code"]["S3Key"]).name).namelist()
    assert "service/handler.py" in names and "service/schema.py" in names and "service/sdl.py" not in names
    cfn_lint = shutil.which("cfn-lint", path=str(Path(sys.executable).parent)) or shutil.which("cfn-lint")
    if cfn_lint is None:
        missing("cfn-lint is not installed (pip install -e '.[deploy]')")
    result = subprocess.run([str(cfn_lint), "--format", "parseable",
                             str(out / "cloudformation-template-update-stack.json")], capture_output=True, text=True)
    assert not [line for line in result.stdout.splitlines() if ":E" in line], result.stdout


def test_the_bff_stack_registers_its_examples_in_order(main_stack: tuple[Path, dict[str, Any]]) -> None:
    """deploy/registrations.yml: one Custom::BffService per example (what custom.publish used to say),
    one after the other, and the SSM parameters naming the layers a service stack takes."""
    _, template = main_stack
    resources = template["Resources"]
    order = ["Accounts", "Courses", "Reviews", "Enrollments"]
    for index, name in enumerate(order):
        resource = resources[f"{name}Registration"]
        props = resource["Properties"]
        assert props["ServiceToken"] == {"Fn::GetAtt": ["RegistryLambdaFunction", "Arn"]}
        assert props["Endpoint"] == f"lambda:bff-local-{name.lower()}" and props["ApiKeyRef"] == "env:BFF_LOCAL_API_KEY"
        assert props["Sdl"].startswith(("schema @link", "directive")) and props["AllowBreakingRemoval"] == "true"
        assert f"{name}LambdaFunction" in resource["DependsOn"]
        if index:
            assert f"{order[index - 1]}Registration" in resource["DependsOn"]
    assert "publish" not in json.dumps(template.get("Outputs", {}))
    for parameter in ("ServiceDepsLayerParameter", "ServiceToolkitLayerParameter"):
        assert resources[parameter]["Type"] == "AWS::SSM::Parameter"


async def test_a_fifth_service_registers_from_its_own_stack_and_a_running_gateway_answers_it(
        main_stack: tuple[Path, dict[str, Any]], wishlist_stack: tuple[Path, Path, dict[str, Any]],
        invoke_api: Any, registry_url: str, response_url: tuple[str, list[Any]],  # noqa: F811
        monkeypatch: pytest.MonkeyPatch) -> None:
    base, received = response_url
    monkeypatch.setenv("BFF_LOCAL_API_KEY", KEY)  # the gateway resolves the registered env: references
    monkeypatch.setenv("BFF_LOCAL_IDENTITY_SECRET", IDENTITY)
    _, template = main_stack
    # The bff stack's deploy registers the example services (deploy/registrations.yml), one after the other.
    for name in ("accounts", "courses", "reviews", "enrollments"):
        logical = f"{name.capitalize()}Registration"
        body = answer(cfn_request("Create", base, registration(template, logical), stack="bff"), received)
        assert body["Status"] == "SUCCESS", body
    # A gateway started now, on the registry (as the deployed gateway runs: the table, its version checks).
    config = settings(env={"BFF_IDENTITY_SECRET": "env:BFF_LOCAL_IDENTITY_SECRET"}).gateway
    switch = await GatewaySwitch.start(open_registry(registry_url), gateway_builder(config), poll_interval=0)
    try:
        first = await switch.execute(GraphQLRequest("{ courses { id title averageRating } }"))
        assert "errors" not in first.body and first.body["data"]["courses"], first.body

        # The wishlist team deploys its own stack: CloudFormation creates its Custom::BffService.
        stack, out, wishlist = wishlist_stack
        props = registration(wishlist)
        created = answer(cfn_request("Create", base, props), received)
        assert created["Status"] == "SUCCESS" and created["PhysicalResourceId"] == "wishlist", created
        assert await switch.refresh() is True  # the running gateway's next version check; no restart
        query = GraphQLRequest("{ courses { id title averageRating wishlistCount } }")
        result = await switch.execute(query)
        assert "errors" not in result.body, result.body
        counts = {c["id"]: c["wishlistCount"] for c in result.body["data"]["courses"]}
        assert counts["c1"] == 42 and counts["c2"] == 7, counts
        assert "bff-local-wishlist" in {r["function"] for r in invoke_api.records}

        # A breaking update (the field renamed) fails that deploy with the registry's reason; nothing changes.
        registry = open_registry(registry_url)
        before = registry.supergraph().version
        renamed = registration(stack_package(stack, tmp_out(out), "wishlisted"))
        refused = answer(cfn_request("Update", base, renamed, physical="wishlist", old=props), received)
        assert refused["Status"] == "FAILED" and refused["PhysicalResourceId"] == "wishlist", refused
        assert "BREAKING_CHANGE" in refused["Reason"] and "Course.wishlistCount" in refused["Reason"], refused
        assert registry.supergraph().version == before
        assert await switch.refresh() is False
        assert "errors" not in (await switch.execute(query)).body

        # Deleting the stack unregisters it: refused while it would break clients, then with the stack's
        # AllowBreaking (deployed as --param=allowBreaking=true) it goes, and the rest keeps serving.
        kept = answer(cfn_request("Delete", base, props, physical="wishlist"), received)
        assert kept["Status"] == "FAILED" and "BREAKING_CHANGE" in kept["Reason"], kept
        gone = answer(cfn_request("Delete", base, {**props, "AllowBreaking": "true"}, physical="wishlist"), received)
        assert gone["Status"] == "SUCCESS", gone
        assert await switch.refresh() is True
        assert "wishlistCount" not in switch.schema_of(None).type_map["Course"].fields
        after = await switch.execute(GraphQLRequest("{ courses { title averageRating } }"))
        assert "errors" not in after.body and after.body["data"]["courses"], after.body
    finally:
        await switch.aclose()


def tmp_out(out: Path) -> Path:
    return out.parent / ".serverless-update"
