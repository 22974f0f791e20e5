"""`osls package` offline: the template lints clean, IAM is least privilege, the packages are small
and import on the Lambda runtime's Python."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path
from typing import Any

import pytest

from tests.support.requires import missing

from .inprocess import ROOT
from .osls import package

pytestmark = pytest.mark.slow
MB = 1024 * 1024
STAGE = "ci"
# Only warning cfn-lint may report: W3005 (a DependsOn that a Ref/GetAtt already implies). The
# framework itself writes those DependsOn (function -> its role, route -> integration); harmless.
ALLOWED_WARNINGS = {"W3005"}
HANDLERS = {  # function -> (layer, module to import)
    "gateway": ("gatewayDeps", "gateway.http.lambda_handler"),
    "authorizer": ("authorizerDeps", "gateway.auth.authorizer"),
    "registry": ("registryDeps", "discovery.http_api"),
    "accounts": ("serviceDeps", "services.accounts.handler"),
    "reviews": ("serviceDeps", "services.reviews.handler"),
}


@pytest.fixture(scope="module")
def packaged(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("sls")
    result = package(STAGE, out)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return out


@pytest.fixture(scope="module")
def template(packaged: Path) -> dict[str, Any]:
    return json.loads((packaged / "cloudformation-template-update-stack.json").read_text())


def sizes(packaged: Path) -> dict[str, int]:
    return {p.stem: p.stat().st_size for p in packaged.glob("*.zip")}


def test_template_passes_cfn_lint(packaged: Path) -> None:
    cfn_lint = shutil.which("cfn-lint", path=str(Path(sys.executable).parent)) or shutil.which("cfn-lint")
    if cfn_lint is None:
        from tests.support.requires import missing

        missing("cfn-lint is not installed (pip install -e '.[deploy]')")
    for path in (packaged / "cloudformation-template-update-stack.json", ROOT / "deploy" / "data.yml"):
        result = subprocess.run([cfn_lint, "--format", "parseable", str(path)], capture_output=True, text=True)
        findings = [line for line in result.stdout.splitlines() if line.strip()]
        rules = {m[1] if (m := re.search(r":([EWI]\d{4}):", line)) else line for line in findings}
        assert not {r for r in rules if r.startswith("E")}, result.stdout
        assert rules <= ALLOWED_WARNINGS, result.stdout


def test_package_sizes(packaged: Path) -> None:
    found = sizes(packaged)
    print("package sizes (bytes):", json.dumps(found, sort_keys=True))
    assert found["gateway"] + found["gatewayDeps"] < 15 * MB
    # Sources plus their python3.12 bytecode (about 2x the sources alone): a bigger zip is cheaper
    # than compiling every module at each cold start (docs/cold-start.md).
    assert found["gateway"] < 2 * MB and found["accounts"] < 400_000
    for name in ("gateway", "accounts", "registry", "authorizer"):
        names = zipfile.ZipFile(packaged / f"{name}.zip").namelist()
        assert not [n for n in names if n.startswith(("tests/", "node_modules/", "bench/", "docs/", "deploy/node"))]
        assert_bytecode_for_every_module(names, checked=True)
    gateway_files = zipfile.ZipFile(packaged / "gateway.zip").namelist() + \
        zipfile.ZipFile(packaged / "gatewayDeps.zip").namelist()
    assert not [n for n in gateway_files if n.startswith("services/")]
    assert "deploy/bff.yaml" in gateway_files
    # The fallback graph (a cold start without the registry) with the stage's direct-invoke endpoints.
    fallback = zipfile.ZipFile(packaged / "gateway.zip").read(f"deploy/.build/fallback/{STAGE}.graphql").decode()
    assert f'url: "lambda:bff-{STAGE}-accounts"' in fallback and "http://" not in fallback
    # Beside it the services' key references (never values), resolved while the fallback serves.
    entries = json.loads(zipfile.ZipFile(packaged / "gateway.zip").read(f"deploy/.build/fallback/{STAGE}.services.json"))
    assert {e["name"]: e["api_key_ref"] for e in entries}["accounts"] == f"ssm:/bff/{STAGE}/keys/accounts"
    # The gateway follows the registry (BFF_REGISTRY): its read path ships with it.
    assert {"discovery/client.py", "discovery/store/dynamodb.py", "gateway/supergraph_source.py",
            "bff_common/aws/sigv4.py", "bff_common/aws/json_api.py"} <= set(gateway_files)
    assert "bff_common/aws/json_api.py" in zipfile.ZipFile(packaged / "accounts.zip").namelist()  # its key from SSM
    # The shared layer ships with every function that imports it (the secret references and their
    # signed SSM read are bff_common/secrets.py and bff_common/aws); the registry carries no gateway code.
    for name in ("gateway", "registry", "accounts"):
        assert "bff_common/link.py" in zipfile.ZipFile(packaged / f"{name}.zip").namelist(), name
    registry_gateway = {n for n in zipfile.ZipFile(packaged / "registry.zip").namelist()
                        if n.startswith("gateway/") and n.endswith(".py")}
    assert registry_gateway == set(), registry_gateway
    assert {"bff_common/secrets.py", "bff_common/aws/sigv4.py", "bff_common/aws/json_api.py"} <= set(
        zipfile.ZipFile(packaged / "authorizer.zip").namelist())
    for forbidden in ("uvicorn/", "strawberry/", "boto3/", "botocore/", "httpx/", "starlette/"):
        assert not [n for n in gateway_files if n.startswith(forbidden) or n.startswith("python/" + forbidden)], forbidden


def test_the_services_ship_no_gateway_code(packaged: Path) -> None:
    """The services share the principal, the signed identity and the access evaluation with the gateway
    through bff_common: neither their zips nor the toolkit layer carry any of gateway/."""
    toolkit = zipfile.ZipFile(packaged / "serviceToolkit.zip").namelist()
    assert {"python/services/toolkit/identity.py", "python/services/toolkit/access.py", "python/bff_common/identity.py",
            "python/bff_common/access_evaluate.py", "python/bff_common/principal.py"} <= set(toolkit)
    for name in ("serviceToolkit", "accounts", "courses", "enrollments", "reviews"):
        names = zipfile.ZipFile(packaged / f"{name}.zip").namelist()
        assert not [n for n in names if n.startswith(("gateway/", "python/gateway/"))], name


PYC_312_MAGIC = (3531).to_bytes(2, "little") + b"\r\n"  # importlib.util.MAGIC_NUMBER of CPython 3.12


def assert_bytecode_for_every_module(names: list[str], checked: bool) -> None:
    """Each .py has its python3.12 .pyc beside it (Lambda cannot write one), and no .pyc is stray or stale-prone."""
    sources = {n for n in names if n.endswith(".py")}
    compiled = {n for n in names if n.endswith(".pyc")}
    expected = {f"{Path(n).parent / '__pycache__' / Path(n).stem}.cpython-312.pyc" for n in sources}
    assert sources and compiled == expected, sorted(compiled ^ expected)[:10]


def pyc_flags(data: bytes) -> int:
    """The flags word of a .pyc header: bit 0 hash-based (no timestamp), bit 1 checked against the source."""
    assert data[:4] == PYC_312_MAGIC
    return int.from_bytes(data[4:8], "little")


def test_bytecode_is_312_and_timestamp_free(packaged: Path) -> None:
    """Valid in /var/task and /opt whatever the files' dates: hash-based pycs (source checked for our code,
    unchecked for the layers' third-party files, which never change in place)."""
    for zip_name, expected in (("gateway", 0b11), ("accounts", 0b11), ("gatewayDeps", 0b01), ("serviceDeps", 0b01)):
        archive = zipfile.ZipFile(packaged / f"{zip_name}.zip")
        pycs = [n for n in archive.namelist() if n.endswith(".pyc")]
        assert pycs, zip_name
        assert {pyc_flags(archive.read(n)[:16]) for n in pycs} == {expected}, zip_name
    layer = zipfile.ZipFile(packaged / "gatewayDeps.zip").namelist()
    assert "python/graphql/language/__pycache__/parser.cpython-312.pyc" in layer


def test_switches_off_by_default(template: dict[str, Any]) -> None:
    """SnapStart, provisioned concurrency: off unless their params say so (docs/cold-start.md)."""
    resources = template["Resources"]
    functions = [v["Properties"] for v in resources.values() if v["Type"] == "AWS::Lambda::Function"]
    assert all("SnapStart" not in f and f["Architectures"] == ["x86_64"] for f in functions)
    assert not [k for k, v in resources.items() if v["Type"] == "AWS::Lambda::Alias"]
    gateway_env = resources["GatewayLambdaFunction"]["Properties"]["Environment"]["Variables"]
    assert gateway_env["BFF_SUPERGRAPH"] == f"deploy/.build/fallback/{STAGE}.graphql"
    assert gateway_env["BFF_FALLBACK_SERVICES"] == f"deploy/.build/fallback/{STAGE}.services.json"


def test_snapstart_provisioned_concurrency_and_arm64_switches(tmp_path: Path) -> None:
    """The documented switches produce what AWS needs: published versions, the aliases the API and the
    gateway invoke, arm64 functions and layers."""
    result = package(STAGE, tmp_path, "--param=snapStart=true", "--param=serviceQualifier=:snapstart",
                     "--param=architecture=arm64")
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    resources = json.loads((tmp_path / "cloudformation-template-update-stack.json").read_text())["Resources"]
    functions = {k: v["Properties"] for k, v in resources.items() if v["Type"] == "AWS::Lambda::Function"}
    assert functions["AccountsLambdaFunction"]["SnapStart"] == {"ApplyOn": "PublishedVersions"}
    assert functions["GatewayLambdaFunction"]["Architectures"] == ["arm64"]
    layers = [v["Properties"] for v in resources.values() if v["Type"] == "AWS::Lambda::LayerVersion"]
    assert all(layer["CompatibleArchitectures"] == ["arm64"] for layer in layers)
    aliases = {v["Properties"]["Name"] for v in resources.values() if v["Type"] == "AWS::Lambda::Alias"}
    assert aliases == {"snapstart"}
    env = functions["GatewayLambdaFunction"]["Environment"]["Variables"]
    assert "BFF_SUBGRAPH_URLS" not in env  # the services publish their alias endpoints to the registry
    invoke = json.dumps([s for s in _statements({"Resources": resources}, "GatewayRole")
                         if s["Action"] == "lambda:InvokeFunction"])
    assert f"function:bff-{STAGE}-*\"" in invoke  # aliases (function:NAME:snapstart) match the pattern
    result = package(STAGE, tmp_path / "pc", "--param=gatewayProvisionedConcurrency=2")
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    resources = json.loads((tmp_path / "pc" / "cloudformation-template-update-stack.json").read_text())["Resources"]
    alias = next(v["Properties"] for v in resources.values() if v["Type"] == "AWS::Lambda::Alias")
    assert alias["Name"] == "provisioned"
    assert alias["ProvisionedConcurrencyConfig"] == {"ProvisionedConcurrentExecutions": 2}


def test_shared_apq_cache_is_off_by_default(template: dict[str, Any]) -> None:
    """No shared store and no grant on the cache table unless --param=apqCache=dynamodb."""
    assert template["Parameters"]["ApqCache"]["Default"] == "none"
    policy = template["Resources"]["GatewayApqCachePolicy"]
    assert policy["Condition"] == "ApqCacheOnDynamoDB"
    assert template["Conditions"]["ApqCacheOnDynamoDB"] == {"Fn::Equals": [{"Ref": "ApqCache"}, "dynamodb"]}
    gateway_env = template["Resources"]["GatewayLambdaFunction"]["Properties"]["Environment"]["Variables"]
    assert not gateway_env.get("BFF_APQ_SHARED_STORE")  # empty = unset (gateway/config/envvars.py)


def test_shared_apq_cache_switch(tmp_path: Path) -> None:
    """--param=apqCache=dynamodb: the gateway reads the data stack's cache table and may GetItem/PutItem
    on that table only (a policy of its own on the gateway's role)."""
    result = package(STAGE, tmp_path, "--param=apqCache=dynamodb")
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    template = json.loads((tmp_path / "cloudformation-template-update-stack.json").read_text())
    assert template["Parameters"]["ApqCache"]["Default"] == "dynamodb"
    policy = template["Resources"]["GatewayApqCachePolicy"]["Properties"]
    assert policy["RoleName"] == {"Ref": "GatewayRole"}
    assert policy["PolicyDocument"]["Statement"] == [{
        "Effect": "Allow", "Action": ["dynamodb:GetItem", "dynamodb:PutItem"],
        "Resource": {"Fn::ImportValue": f"bff-data-{STAGE}-ApqCacheTableArn"}}]
    env = template["Resources"]["GatewayLambdaFunction"]["Properties"]["Environment"]["Variables"]
    assert env["BFF_APQ_SHARED_STORE"] == {"Fn::Join": ["", [
        "dynamodb://", {"Fn::ImportValue": f"bff-data-{STAGE}-ApqCacheTableName"}, "?timeout=0.25"]]}
    cfn_lint = shutil.which("cfn-lint", path=str(Path(sys.executable).parent)) or shutil.which("cfn-lint")
    if cfn_lint is None:
        missing("cfn-lint is not installed (pip install -e '.[deploy]')")
    lint = subprocess.run([cfn_lint, "--format", "parseable", str(tmp_path / "cloudformation-template-update-stack.json")],
                          capture_output=True, text=True)
    assert not re.search(r":E\d{4}:", lint.stdout), lint.stdout


def test_data_stack_has_the_apq_cache_table_with_ttl() -> None:
    import yaml

    class Loader(yaml.SafeLoader):
        pass

    Loader.add_multi_constructor("!", lambda loader, suffix, node: {suffix: loader.construct_scalar(node)})
    data = yaml.load((ROOT / "deploy" / "data.yml").read_text(), Loader=Loader)  # noqa: S506 - SafeLoader
    table = data["Resources"]["ApqCacheTable"]["Properties"]
    assert table["TimeToLiveSpecification"] == {"AttributeName": "exp", "Enabled": True}
    assert table["KeySchema"] == [{"AttributeName": "pk", "KeyType": "HASH"}]
    assert table["BillingMode"] == "PAY_PER_REQUEST"
    assert {"ApqCacheTableName", "ApqCacheTableArn"} <= set(data["Outputs"])


def _statements(template: dict[str, Any], role: str) -> list[dict[str, Any]]:
    policies = template["Resources"][role]["Properties"]["Policies"]
    return [s for p in policies for s in p["PolicyDocument"]["Statement"]]


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def test_one_least_privilege_role_per_function(template: dict[str, Any]) -> None:
    resources = template["Resources"]
    functions = {k: v for k, v in resources.items() if v["Type"] == "AWS::Lambda::Function"}
    roles = [f["Properties"]["Role"]["Fn::GetAtt"][0] for f in functions.values()]
    assert len(functions) == 9 and len(set(roles)) == 9
    assert "IamRoleLambdaExecution" not in resources  # no shared framework role
    for role in roles:
        for statement in _statements(template, role):
            assert statement["Effect"] == "Allow"
            assert "*" not in json.dumps(_as_list(statement["Action"]))
            for resource in _as_list(statement["Resource"]):
                text = json.dumps(resource)
                assert text != '"*"' and ":*:" not in text, (role, text)


def test_gateway_role(template: dict[str, Any]) -> None:
    by_action = {a: s for s in _statements(template, "GatewayRole") for a in _as_list(s["Action"])}
    assert set(by_action) == {"logs:CreateLogStream", "logs:PutLogEvents", "dynamodb:GetItem", "dynamodb:Query",
                              "lambda:InvokeFunction", "ssm:GetParameters"}
    assert by_action["dynamodb:Query"]["Resource"] == {"Fn::ImportValue": f"bff-data-{STAGE}-RegistryTableArn"}
    # Invoke by rule (no edit when a service is added): the stage's name space AND the graph's tag,
    # which the gateway stack's own functions do not carry.
    invoke = by_action["lambda:InvokeFunction"]
    assert [r["Fn::Sub"] for r in _as_list(invoke["Resource"])] == [
        f"arn:${{AWS::Partition}}:lambda:${{AWS::Region}}:${{AWS::AccountId}}:function:bff-{STAGE}-*"]
    assert invoke["Condition"] == {"StringEquals": {"aws:ResourceTag/bff-graph": f"bff-{STAGE}"}}
    resources = template["Resources"]
    tags = {k: {t["Key"]: t["Value"] for t in v["Properties"].get("Tags", [])}
            for k, v in resources.items() if v["Type"] == "AWS::Lambda::Function"}
    assert {k for k, t in tags.items() if t.get("bff-graph") == f"bff-{STAGE}"} == {
        f"{n.capitalize()}LambdaFunction" for n in ("accounts", "courses", "enrollments", "reviews")}
    keys = json.dumps(by_action["ssm:GetParameters"]["Resource"])
    assert keys.count("parameter/") == 2 and f"parameter/bff/{STAGE}/keys/*" in keys
    assert f"parameter/bff/{STAGE}/identity-secret" in keys


def test_service_and_registry_roles(template: dict[str, Any]) -> None:
    accounts = {a: s for s in _statements(template, "AccountsRole") for a in _as_list(s["Action"])}
    assert set(accounts) == {"logs:CreateLogStream", "logs:PutLogEvents", "ssm:GetParameters"}
    assert json.dumps(accounts["ssm:GetParameters"]["Resource"]).count("parameter/") == 2
    assert f"parameter/bff/{STAGE}/identity-secret" in json.dumps(accounts["ssm:GetParameters"]["Resource"])
    assert f"parameter/bff/{STAGE}/keys/accounts" in json.dumps(accounts["ssm:GetParameters"]["Resource"])
    registry = {a for s in _statements(template, "RegistryRole") for a in _as_list(s["Action"])}
    registry_keys = json.dumps([s["Resource"] for s in _statements(template, "RegistryRole")
                                if s["Action"] == "ssm:GetParameters"])
    assert "registry/deploy-token" in registry_keys and "registry/read-token" in registry_keys
    assert "dynamodb:PutItem" in registry and "dynamodb:Scan" in registry and "dynamodb:DeleteTable" not in registry
    authorizer = {a for s in _statements(template, "AuthorizerRole") for a in _as_list(s["Action"])}
    assert authorizer == {"logs:CreateLogStream", "logs:PutLogEvents"}


def test_subscription_functions_roles_and_routes(template: dict[str, Any]) -> None:
    """Subscriptions on AWS (docs/realtime.md): the WebSocket routes, the EventBridge rule and the fan-out queue, and roles
    that reach the subscriptions table and the API's connections, no further."""
    resources = template["Resources"]
    routes = {v["Properties"]["RouteKey"] for v in resources.values() if v["Type"] == "AWS::ApiGatewayV2::Route"}
    assert {"$connect", "$disconnect", "$default"} <= routes
    rules = [v["Properties"] for v in resources.values() if v["Type"] == "AWS::Events::Rule"]
    assert [r["EventPattern"] for r in rules] == [{"source": [{"prefix": "bff."}]}]
    realtime = {a: s for s in _statements(template, "RealtimeRole") for a in _as_list(s["Action"])}
    fanout = {a: s for s in _statements(template, "FanoutRole") for a in _as_list(s["Action"])}
    table = {"Fn::ImportValue": f"bff-data-{STAGE}-SubscriptionsTableArn"}
    assert realtime["dynamodb:PutItem"]["Resource"] == table and "dynamodb:Scan" not in realtime
    assert "dynamodb:PutItem" not in fanout and "dynamodb:Scan" not in fanout
    index = [s for s in _statements(template, "FanoutRole") if "byTopic" in json.dumps(s["Resource"])]
    assert len(index) == 1 and index[0]["Action"] == "dynamodb:Query"
    posts = json.dumps(fanout["execute-api:ManageConnections"]["Resource"])
    assert "/POST/@connections/*" in posts and "DELETE" not in posts
    assert "/DELETE/@connections/*" in json.dumps(realtime["execute-api:ManageConnections"]["Resource"])
    reviews = {a: s for s in _statements(template, "ReviewsRole") for a in _as_list(s["Action"])}
    assert reviews["events:PutEvents"]["Condition"] == {"StringEquals": {"events:source": "bff.reviews"}}
    # EventBridge -> the fan-out queue (only that rule may send) -> the function in batches, failures per event.
    rule = next(v for v in resources.values() if v["Type"] == "AWS::Events::Rule")["Properties"]
    assert rule["Targets"][0]["Arn"] == {"Fn::GetAtt": ["FanoutQueue", "Arn"]}
    queue = resources["FanoutQueue"]["Properties"]
    assert queue["RedrivePolicy"]["deadLetterTargetArn"] == {"Fn::GetAtt": ["FanoutDeadLetterQueue", "Arn"]}
    assert queue["VisibilityTimeout"] >= 6 * resources["FanoutLambdaFunction"]["Properties"]["Timeout"]
    sender = resources["FanoutQueuePolicy"]["Properties"]["PolicyDocument"]["Statement"]
    assert [(s["Principal"], s["Action"], s["Condition"]) for s in sender] == [
        ({"Service": "events.amazonaws.com"}, "sqs:SendMessage",
         {"ArnEquals": {"aws:SourceArn": {"Fn::GetAtt": ["FanoutRule", "Arn"]}}})]
    mappings = [v["Properties"] for v in resources.values() if v["Type"] == "AWS::Lambda::EventSourceMapping"]
    assert len(mappings) == 1 and mappings[0]["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
    assert (mappings[0]["BatchSize"], mappings[0]["MaximumBatchingWindowInSeconds"]) == (100, 1)
    assert mappings[0]["EventSourceArn"] == {"Fn::GetAtt": ["FanoutQueue", "Arn"]}
    assert {"sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes"} <= set(fanout)
    assert all(fanout[a]["Resource"] == {"Fn::GetAtt": ["FanoutQueue", "Arn"]} for a in fanout if a.startswith("sqs:"))
    env = resources["FanoutLambdaFunction"]["Properties"]["Environment"]["Variables"]
    assert env["BFF_SUBSCRIPTION_TABLE"] == f"bff-{STAGE}-subscriptions"
    assert "WebsocketsApi" in json.dumps(env["BFF_SUBSCRIPTION_MANAGEMENT_URL"])


def test_http_api_authorizer_and_secrets(template: dict[str, Any]) -> None:
    """By default the gateway verifies tokens itself: no authorizer (no Lambda cold start in series),
    anonymous viewers reach it."""
    resources = template["Resources"]
    assert not [k for k, v in resources.items() if v["Type"] == "AWS::ApiGatewayV2::Authorizer"]
    routes = {v["Properties"]["RouteKey"]: v["Properties"] for v in resources.values() if v["Type"] == "AWS::ApiGatewayV2::Route"}
    assert {"POST /graphql", "GET /graphql", "GET /health"} <= set(routes)
    assert all("AuthorizationType" not in r or r["AuthorizationType"] == "NONE" for r in routes.values())
    gateway_env = resources["GatewayLambdaFunction"]["Properties"]["Environment"]["Variables"]
    assert gateway_env["BFF_ALLOW_ANONYMOUS"] == "true" and "BFF_JWT_JWKS_URL" in gateway_env
    # The access model end to end: the identity secret on both sides, the @policy rules in the config file.
    assert gateway_env["BFF_IDENTITY_SECRET"] == f"ssm:/bff/{STAGE}/identity-secret"
    assert gateway_env["BFF_CONFIG"] == "deploy/bff.yaml"
    gateway_env = resources["GatewayLambdaFunction"]["Properties"]["Environment"]["Variables"]
    # No endpoint or key pins: the registry's entries carry both.
    assert not {"BFF_SUBGRAPH_URLS", "BFF_SUBGRAPH_API_KEYS"} & set(gateway_env)
    assert "lambda:" not in json.dumps(gateway_env) and "keys/" not in json.dumps(gateway_env)


def test_no_public_service_urls_and_registry_reads_need_a_token(template: dict[str, Any]) -> None:
    """Services are reached by direct invoke only; the one Function URL left is the registry's, whose
    every route (reads included) checks a bearer token."""
    resources = template["Resources"]
    urls = {k: v["Properties"] for k, v in resources.items() if v["Type"] == "AWS::Lambda::Url"}
    targets = {json.dumps(u["TargetFunctionArn"]) for u in urls.values()}
    assert len(urls) == 1 and "RegistryLambdaFunction" in targets.pop()
    assert not [k for k, v in resources.items() if v["Type"] == "AWS::Lambda::Permission"
                and v["Properties"].get("FunctionUrlAuthType") == "NONE"
                and "Registry" not in json.dumps(v["Properties"]["FunctionName"])]
    registry_env = resources["RegistryLambdaFunction"]["Properties"]["Environment"]["Variables"]
    assert registry_env["BFF_REGISTRY_READ_TOKEN_REF"] == f"ssm:/bff/{STAGE}/registry/read-token"
    assert "BFF_REGISTRY_OPEN_READS" not in registry_env


def test_registry_function_is_the_registration_service_token(template: dict[str, Any]) -> None:
    output = template["Outputs"]["RegistryFunctionArn"]
    assert output["Value"] == {"Fn::GetAtt": ["RegistryLambdaFunction", "Arn"]}
    assert output["Export"]["Name"] == f"bff-{STAGE}-RegistryFunctionArn"


def test_operable_alarms_and_access_logs(template: dict[str, Any], tmp_path: Path) -> None:
    resources = template["Resources"]
    alarms = {v["Properties"]["MetricName"]: v["Properties"] for v in resources.values()
              if v["Type"] == "AWS::CloudWatch::Alarm"}
    assert set(alarms) == {"5xx", "Latency", "Throttles"}
    assert alarms["Latency"]["ExtendedStatistic"] == "p99"
    assert alarms["5xx"]["Dimensions"] == [{"Name": "ApiId", "Value": {"Ref": "HttpApi"}}]
    assert alarms["Throttles"]["Dimensions"] == [{"Name": "FunctionName", "Value": {"Ref": "GatewayLambdaFunction"}}]
    stage = next(v["Properties"] for v in resources.values() if v["Type"] == "AWS::ApiGatewayV2::Stage"
                 and v["Properties"]["ApiId"] == {"Ref": "HttpApi"})  # not the WebSocket API's
    assert stage["AccessLogSettings"]["DestinationArn"] and "requestId" in stage["AccessLogSettings"]["Format"]
    # API Gateway's request id beside the gateway invocation's Lambda request id (on each of its JSON log lines)
    assert '"integrationRequestId":"$context.integration.requestId"' in stage["AccessLogSettings"]["Format"]
    # The WebSocket API's access logs are off by default (a fresh account has no CloudWatch role for them).
    ws_stage = next(v["Properties"] for v in resources.values() if v["Type"] == "AWS::ApiGatewayV2::Stage"
                    and v["Properties"]["ApiId"] == {"Ref": "WebsocketsApi"})
    assert "AccessLogSettings" not in ws_stage
    result = package(STAGE, tmp_path, "--param=accessLogs=false", "--param=websocketAccessLogs=true",
                     "--param=alarmTopicArn=arn:aws:sns:eu-west-1:123456789012:ops")
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    switched = json.loads((tmp_path / "cloudformation-template-update-stack.json").read_text())
    stages = {json.dumps(v["Properties"]["ApiId"]): v["Properties"] for v in switched["Resources"].values()
              if v["Type"] == "AWS::ApiGatewayV2::Stage"}
    assert "AccessLogSettings" not in stages[json.dumps({"Ref": "HttpApi"})]
    # Switched on: JSON lines, no execution logs (they would carry the messages, connection_init's token
    # included), no account-wide CloudWatch role set by this stack.
    ws_stage = stages[json.dumps({"Ref": "WebsocketsApi"})]
    ws_format = json.loads(ws_stage["AccessLogSettings"]["Format"])
    assert {"requestId", "connectionId", "routeKey", "status"} <= set(ws_format)
    assert ws_stage["DefaultRouteSettings"] == {"DataTraceEnabled": False, "LoggingLevel": "OFF"}
    assert not [k for k, v in switched["Resources"].items() if v["Type"] == "Custom::ApiGatewayAccountRole"]
    assert switched["Parameters"]["AlarmTopicArn"]["Default"] == "arn:aws:sns:eu-west-1:123456789012:ops"
    alarm = next(v["Properties"] for v in switched["Resources"].values() if v["Type"] == "AWS::CloudWatch::Alarm")
    assert alarm["AlarmActions"] == {"Fn::If": ["HasAlarmTopic", [{"Ref": "AlarmTopicArn"}], {"Ref": "AWS::NoValue"}]}


def test_lambda_authorizer_mode(tmp_path: Path) -> None:
    """--param=auth=authorizer: API Gateway refuses early through the Lambda authorizer."""
    result = package(STAGE, tmp_path, "--param=auth=authorizer", "--param=jwksUrl=https://idp.test/jwks.json",
                     "--param=jwtIssuer=https://idp.test/")
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    resources = json.loads((tmp_path / "cloudformation-template-update-stack.json").read_text())["Resources"]
    authorizer = next(v["Properties"] for v in resources.values() if v["Type"] == "AWS::ApiGatewayV2::Authorizer")
    assert authorizer["AuthorizerType"] == "REQUEST" and authorizer["AuthorizerPayloadFormatVersion"] == "2.0"
    assert authorizer["EnableSimpleResponses"] is True and authorizer["AuthorizerResultTtlInSeconds"] > 0
    assert authorizer["IdentitySource"] == ["$request.header.Authorization"]
    routes = {v["Properties"]["RouteKey"]: v["Properties"] for v in resources.values() if v["Type"] == "AWS::ApiGatewayV2::Route"}
    assert routes["POST /graphql"]["AuthorizationType"] == "CUSTOM"
    assert routes["GET /graphql"]["AuthorizationType"] == "CUSTOM"
    assert routes["GET /health"].get("AuthorizationType", "NONE") == "NONE"
    service_env = resources["AccountsLambdaFunction"]["Properties"]["Environment"]["Variables"]
    assert service_env == {"BFF_API_KEY_ACCOUNTS": f"ssm:/bff/{STAGE}/keys/accounts",
                           "BFF_IDENTITY_SECRET": f"ssm:/bff/{STAGE}/identity-secret"}
    assert not [k for k, v in resources.items() if v["Type"] == "AWS::DynamoDB::Table"]  # data lives in deploy/data.yml


def _python312() -> str | None:
    for candidate in [shutil.which("python3.12"), *map(str, Path("/root/.pyenv/versions").glob("3.12*/bin/python3.12"))]:
        if candidate and subprocess.run([candidate, "-c", "pass"], capture_output=True).returncode == 0:
            return candidate
    return None


@pytest.mark.parametrize("function", sorted(HANDLERS))
def test_each_package_imports_its_handler_on_python312(packaged: Path, tmp_path: Path, function: str) -> None:
    python = _python312()
    if python is None:
        missing("no python3.12 here: the layers hold cp312 wheels (orjson, cryptography)")
    layer, module = HANDLERS[function]
    zipfile.ZipFile(packaged / f"{function}.zip").extractall(tmp_path / "task")
    zipfile.ZipFile(packaged / f"{layer}.zip").extractall(tmp_path / "opt")
    code = (f"import sys; sys.path[:0] = [{str(tmp_path / 'task')!r}, {str(tmp_path / 'opt' / 'python')!r}]; "
            f"import {module} as m; assert callable(m.handler); print(m.__file__)")
    result = subprocess.run([python, "-I", "-S", "-c", code], capture_output=True, text=True, cwd=tmp_path / "task",
                            env={"PATH": "/usr/bin:/bin", "BFF_API_KEY_ACCOUNTS": "", "BFF_API_KEY_REVIEWS": ""})
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.startswith(str(tmp_path / "task"))


def test_packaged_authorizer_answers_a_request(packaged: Path, tmp_path: Path) -> None:
    """Importing is not enough: the authorizer's zip + layer must carry everything its first request
    loads (the JWT settings come through gateway.config), on python3.12 as Lambda runs it."""
    python = _python312()
    if python is None:
        missing("python3.12 (pyenv) is needed to run the packaged authorizer")
    zipfile.ZipFile(packaged / "authorizer.zip").extractall(tmp_path / "task")
    zipfile.ZipFile(packaged / "authorizerDeps.zip").extractall(tmp_path / "opt")
    secret = "s" * 40
    code = f"""
import base64, hashlib, hmac, json, sys, time
sys.path[:0] = [{str(tmp_path / 'task')!r}, {str(tmp_path / 'opt' / 'python')!r}]
from gateway.auth.authorizer import handler
b64 = lambda b: base64.urlsafe_b64encode(b).rstrip(b"=").decode()
head = b64(json.dumps({{"alg": "HS256", "typ": "JWT"}}).encode())
body = b64(json.dumps({{"sub": "u1", "iss": "https://issuer", "aud": "api", "exp": int(time.time()) + 300}}).encode())
sig = b64(hmac.new({secret!r}.encode(), f"{{head}}.{{body}}".encode(), hashlib.sha256).digest())
def event(token):
    return {{"type": "REQUEST", "version": "2.0", "routeArn": "arn:aws:execute-api:us-east-1:1:a/b/POST/graphql",
            "identitySource": [f"Bearer {{token}}"], "headers": {{"authorization": f"Bearer {{token}}"}}}}
print(json.dumps([handler(event(f"{{head}}.{{body}}.{{sig}}"), None), handler(event(f"{{head}}.{{body}}.x"), None)]))
"""
    env = {"PATH": "/usr/bin:/bin", "BFF_JWT_HS256_SECRET": secret, "BFF_JWT_ISSUER": "https://issuer",
           "BFF_JWT_AUDIENCE": "api"}
    result = subprocess.run([python, "-I", "-S", "-c", code], capture_output=True, text=True, cwd=tmp_path / "task",
                            env=env)
    assert result.returncode == 0, result.stderr[-2000:]
    good, bad = json.loads(result.stdout)
    assert good["isAuthorized"] is True and good["context"]["sub"] == "u1"
    assert bad["isAuthorized"] is False


def test_deployment_bucket_is_private_and_versioned(template: dict[str, Any]) -> None:
    """checkov CKV_AWS_53..56 and CKV_AWS_21 (the rest of its findings: deploy/README.md, "checkov")."""
    bucket = template["Resources"]["ServerlessDeploymentBucket"]["Properties"]
    assert bucket["PublicAccessBlockConfiguration"] == {"BlockPublicAcls": True, "BlockPublicPolicy": True,
                                                        "IgnorePublicAcls": True, "RestrictPublicBuckets": True}
    assert bucket["VersioningConfiguration"] == {"Status": "Enabled"}


def test_an_empty_jwks_url_fails_packaging(tmp_path: Path) -> None:
    """jwksUrl "" would deploy a gateway that serves signed-in viewers as anonymous (or refuses everyone),
    or an authorizer that refuses every token: `osls package` (and so `osls deploy`) stops and says why."""
    for options, says in ((("--param=allowAnonymous=false",), "refuse every request"),
                          (("--param=auth=authorizer",), "authorizer would refuse every request"),
                          ((), "served as anonymous")):
        result = package(STAGE, tmp_path / str(len(says)), *options, idp=False)
        output = result.stdout + result.stderr
        assert result.returncode != 0 and "empty jwksUrl" in output and says in output, output[-2000:]
        assert 'Set --param="jwksUrl=' in output


def test_logging_tracing_and_cors_defaults(template: dict[str, Any]) -> None:
    """JSON logs with levels on every function, the gateway's own request line, no X-Ray unless asked,
    and the HTTP API's CORS equal to the gateway's own CORS settings from deploy/bff.yaml."""
    from gateway.config.build import settings

    resources = template["Resources"]
    functions = {k: v["Properties"] for k, v in resources.items() if v["Type"] == "AWS::Lambda::Function"}
    for props in functions.values():
        assert props["LoggingConfig"] == {"LogFormat": "JSON", "ApplicationLogLevel": "INFO", "SystemLogLevel": "WARN"}
        assert "TracingConfig" not in props
    assert functions["GatewayLambdaFunction"]["Environment"]["Variables"]["BFF_LOG_LEVEL"] == "info"
    roles = [v["Properties"] for v in resources.values() if v["Type"] == "AWS::IAM::Role"]
    assert roles and all(r["ManagedPolicyArns"] == [] for r in roles)
    cors = resources["HttpApi"]["Properties"]["CorsConfiguration"]  # (the WebSocket API has none)
    gateway = settings(str(ROOT / "deploy" / "bff.yaml"), env={}).gateway  # as the gateway function reads it
    assert gateway.cors_origins and cors["AllowOrigins"] == list(gateway.cors_origins)
    assert cors["AllowHeaders"] == list(gateway.cors_allow_headers)
    assert cors["MaxAge"] == gateway.cors_max_age and cors.get("AllowCredentials", False) == gateway.cors_allow_credentials
    from gateway.http.cors import METHODS

    assert ", ".join(cors["AllowMethods"]) == METHODS


def test_text_logs_and_xray_switches(tmp_path: Path) -> None:
    result = package(STAGE, tmp_path, "--param=logFormat=Text", "--param=tracing=true")
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    resources = json.loads((tmp_path / "cloudformation-template-update-stack.json").read_text())["Resources"]
    functions = [v["Properties"] for v in resources.values() if v["Type"] == "AWS::Lambda::Function"]
    assert all(f["LoggingConfig"] == {"LogFormat": "Text"} for f in functions)  # levels exist only with JSON
    assert all(f["TracingConfig"] == {"Mode": "Active"} for f in functions)
    roles = [v["Properties"] for v in resources.values() if v["Type"] == "AWS::IAM::Role"]
    assert len(roles) >= 7 and all(r["ManagedPolicyArns"] == [
        {"Fn::Sub": "arn:${AWS::Partition}:iam::aws:policy/AWSXRayDaemonWriteAccess"}] for r in roles)
