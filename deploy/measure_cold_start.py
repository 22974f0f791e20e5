"""Cold starts as AWS Lambda runs them, measured on this machine.

    python deploy/measure_cold_start.py [--runs 5] [--compare main] [--json out.json]
    python deploy/measure_cold_start.py --smoke     (one run: the check tests/deploy/test_measure_cold_start.py runs)

For each source tree (this one, and with --compare a git ref of this repository, e.g.
today's `main`, exported to a temporary directory):
1. package it as deploy does: `deploy/build.py` (layers) then `osls package` offline;
2. extract each function's zip and its layers as Lambda lays them out (/var/task, /opt);
3. run every function in a fresh `python3.12 -I -B -S` process (deploy/lambda_bootstrap.py:
   no bytecode written, no site-packages of this machine; boto3 only where the managed
   runtime has it) behind a loopback Lambda Invoke API (deploy/lambda_local.py);
4. with the packaged template's environment: the registry read from DynamoDB Local, API
   keys as `ssm:` references resolved through moto's SSM server, the services invoked by
   the gateway's own Lambda transport.

Figures (medians of --runs fresh processes each):
- gateway: init (handler import), first answer (config, registry read, secrets, graph,
  a query crossing three services that are already warm), and their sum;
- fully cold: the same query when the three services are cold too (gateway + service waves);
- service: one service's init and first answer (POST /graphql with its API key);
- authorizer: its init and first answer (an RS256 token, the JWKS fetched from loopback).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "deploy"))

from lambda_local import Function, InvokeApi  # noqa: E402

STAGE = "measure"
SERVICES = ("accounts", "courses", "enrollments", "reviews")
QUERY = "{ courses { title instructor { name } averageRating } }"  # courses, then accounts + reviews
TABLE = "bff-registry-measure"


def python312() -> str:
    """Python 3.12, the Lambda runtime's version (PATH, else pyenv)."""
    for candidate in [shutil.which("python3.12"), *map(str, sorted(Path(os.environ.get(
            "PYENV_ROOT", Path.home() / ".pyenv")).glob("versions/3.12*/bin/python3.12")))]:
        if candidate and subprocess.run([candidate, "-c", "pass"], capture_output=True).returncode == 0:
            return candidate
    raise SystemExit("python3.12 is needed (the Lambda runtime's version): put it on PATH or install it with pyenv")


def export_ref(ref: str) -> Path:
    """`git archive REF` of this repository in a temporary directory (kept for reuse per commit)."""
    commit = subprocess.run(["git", "rev-parse", ref], cwd=ROOT, capture_output=True, text=True,
                            check=True).stdout.strip()
    tree = Path(tempfile.gettempdir()) / f"bff-measure-{commit[:12]}"
    if not (tree / "serverless.yml").exists():
        tree.mkdir(parents=True, exist_ok=True)
        archive = subprocess.run(["git", "archive", commit], cwd=ROOT, capture_output=True, check=True).stdout
        subprocess.run(["tar", "-x", "-C", str(tree)], input=archive, check=True)
    return tree


def package(tree: Path, out: Path) -> dict[str, Any]:
    """deploy/build.py --sdl, then `osls package` (offline): the zips and the template."""
    from tests.deploy.osls import IDP, OSLS, offline_env

    subprocess.run([sys.executable, str(tree / "deploy" / "build.py"), "--stage", STAGE, "--sdl"], cwd=tree,
                   check=True, capture_output=True)
    with offline_env() as env:
        result = subprocess.run([str(OSLS), "package", "--stage", STAGE, "--package", str(out), *IDP], cwd=tree,
                                env=env, capture_output=True, text=True, timeout=300)
    if result.returncode:
        raise SystemExit(f"osls package failed in {tree}:\n{result.stdout[-2000:]}{result.stderr[-2000:]}")
    return json.loads((out / "cloudformation-template-update-stack.json").read_text())


def runtime_packages(python: str) -> Path:
    """What the managed python3.12 runtime ships besides the standard library: boto3 (precompiled)."""
    import boto3

    runtime = ROOT / "deploy" / ".build" / "runtime"
    stamp = runtime / ".boto3-version"
    if stamp.exists() and stamp.read_text() == boto3.__version__:
        return runtime
    shutil.rmtree(runtime, ignore_errors=True)
    subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--disable-pip-version-check", "--target",
                    str(runtime), "--python-version", "3.12", "--only-binary=:all:", f"boto3=={boto3.__version__}"],
                   check=True, capture_output=True)
    subprocess.run([python, "-m", "compileall", "-q", "-j", "0", str(runtime)], check=True)
    stamp.write_text(boto3.__version__)
    return runtime


def resolve(value: Any, imports: dict[str, str]) -> str:
    """A template environment value: strings, Fn::Join, Fn::ImportValue (the data stack's exports), and Ref/GetAtt
    (pseudo parameters; other resources as placeholders, which the measured path does not use)."""
    if isinstance(value, str):
        return value
    if isinstance(value, dict) and "Fn::Join" in value:
        separator, parts = value["Fn::Join"]
        return separator.join(resolve(p, imports) for p in parts)
    if isinstance(value, dict) and "Fn::ImportValue" in value:
        return imports[value["Fn::ImportValue"]]
    if isinstance(value, dict) and set(value) <= {"Ref", "Fn::GetAtt"}:  # e.g. the WebSocket API's id: unused here
        pseudo = {"AWS::Region": "eu-west-1", "AWS::AccountId": "000000000000", "AWS::Partition": "aws"}
        return pseudo.get(value.get("Ref", ""), f"local-{json.dumps(value)}")
    raise ValueError(f"cannot resolve {value!r} offline")


def functions(template: dict[str, Any], packaged: Path, into: Path, python: str, runtime: Path,
              imports: dict[str, str], aws_env: dict[str, str]) -> dict[str, Function]:
    """Every Lambda function of the template, extracted with its layers and environment."""
    resources = template["Resources"]
    layer_zips = {k: packaged / Path(v["Properties"]["Content"]["S3Key"]).name for k, v in resources.items()
                  if v["Type"] == "AWS::Lambda::LayerVersion"}
    found = {}
    for resource in resources.values():
        if resource["Type"] != "AWS::Lambda::Function":
            continue
        props = resource["Properties"]
        short = props["FunctionName"].rsplit("-", 1)[-1]
        layers = [layer_zips[ref["Ref"]] for ref in props.get("Layers", [])]
        env = {k: resolve(v, imports) for k, v in props.get("Environment", {}).get("Variables", {}).items()}
        found[props["FunctionName"]] = Function.extract(
            props["FunctionName"], props["Handler"], packaged / Path(props["Code"]["S3Key"]).name, layers,
            into / short, runtime=runtime, python=python, environment={**env, **aws_env},
            timeout=float(props.get("Timeout", 6)))
    return found


class Stand:
    """DynamoDB Local (the registry table) and moto's SSM server (the API keys), on loopback."""

    def __enter__(self) -> Stand:
        from moto.server import ThreadedMotoServer

        from tests.support import dynamodb_local

        self.dynamodb_proc, self.dynamodb = dynamodb_local.start()
        import logging

        logging.getLogger("werkzeug").setLevel(logging.ERROR)  # moto's request log
        self.moto = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
        self.moto.start()
        host, port = self.moto.get_host_and_port()
        self.ssm = f"http://{host}:{port}"
        return self

    def __exit__(self, *exc: object) -> None:
        from tests.support import dynamodb_local

        self.moto.stop()
        dynamodb_local.stop(self.dynamodb_proc)

    def seed(self, template: dict[str, Any], sdl_dir: Path, table: str) -> dict[str, str]:
        """The services' keys in SSM (every ssm: reference of the template) and the services in the registry."""
        import boto3

        from discovery.registry import PublishRequest, Registry
        from discovery.store.dynamodb import DynamoDBStore

        ssm = boto3.client("ssm", endpoint_url=self.ssm, region_name="eu-west-1")
        text = json.dumps(template)
        keys = {}
        for name in SERVICES:
            path = f"/bff/{STAGE}/keys/{name}"
            assert f"ssm:{path}" in text, f"the template has no ssm:{path} reference"
            keys[name] = os.urandom(16).hex()
            ssm.put_parameter(Name=path, Value=keys[name], Type="SecureString", Overwrite=True)
        # Every other secret the template references (the identity secret, registry tokens...): a random value.
        import re

        service_keys = {f"/bff/{STAGE}/keys/{n}" for n in SERVICES}
        self.secrets: dict[str, str] = {}
        for path in sorted(set(re.findall(rf"ssm:(/bff/{STAGE}/[\w./-]+)", text)) - service_keys):
            self.secrets[path] = os.urandom(24).hex()
            ssm.put_parameter(Name=path, Value=self.secrets[path], Type="SecureString", Overwrite=True)
        registry = Registry(DynamoDBStore(table, endpoint=self.dynamodb, create=True))
        for name in SERVICES:
            outcome = registry.publish(PublishRequest(
                name=name, endpoint=f"lambda:bff-{STAGE}-{name}", sdl=(sdl_dir / f"{name}.graphql").read_text(),
                published_by="measure", api_key_ref=f"ssm:/bff/{STAGE}/keys/{name}"))
            assert outcome.ok, outcome
        return keys


def http_v2(method: str, path: str, body: Any = None, headers: dict[str, str] | None = None,
            authorizer: dict[str, Any] | None = None) -> dict[str, Any]:
    from tests.deploy.events import http_v2 as event

    return event(method, path, body, headers, authorizer)


VIEWER = {"kind": "viewer", "sub": "user-1", "roles": "", "scopes": ""}  # what the bff authorizer passes on


def check(answer: dict[str, Any], what: str, environments: Any = ()) -> None:
    """Stop unless the answer is clean; with the function's environments, their logs say why."""
    payload = answer["payload"]
    if answer["error"] or not isinstance(payload, dict) or payload.get("statusCode") != 200 \
            or '"errors"' in (payload.get("body") or ""):
        logs = "".join(e.log()[-3000:] for e in environments)
        raise SystemExit(f"{what} did not answer cleanly: {json.dumps(payload)[:1500]}\n{logs}")


def verify_first_answer(answer: dict[str, Any], environment: Any, what: str) -> None:
    """The gateway served the registry's graph (not its packaged fallback: that has broken silently before)
    and the query's answer crosses the three services."""
    deadline = time.monotonic() + 5  # its stderr is read by a thread: the line may arrive just after the answer
    while "from registry" not in (log := environment.log()) and time.monotonic() < deadline:
        time.sleep(0.05)
    if "from registry" not in log or "from fallback" in log:
        raise SystemExit(f"{what}: the gateway did not load its graph from the registry:\n{log[-3000:]}")
    courses = json.loads(answer["payload"]["body"])["data"]["courses"]
    if not courses or not any(c["instructor"] and c["instructor"]["name"] for c in courses) \
            or not any(c["averageRating"] is not None for c in courses):
        raise SystemExit(f"{what}: the answer lacks the accounts or reviews parts: {courses!r}")


def cold_waves(invocations: list[dict[str, Any]]) -> int:
    """How many groups of overlapping cold invocations, one after another."""
    spans = sorted((r["began"], r["began"] + r["wall_ms"] / 1000) for r in invocations if r["cold"])
    waves, end = 0, float("-inf")
    for start, stop in spans:
        if start >= end:
            waves += 1
        end = max(end, stop) if start < end else stop
    return waves


def top_imports(log: str, count: int = 30) -> str:
    """The slowest imports (cumulative microseconds) of a `-X importtime` log."""
    rows = []
    for line in log.splitlines():
        if line.startswith("import time:") and "|" in line and "cumulative" not in line:
            _, cumulative, name = line[len("import time:"):].split("|")
            rows.append((int(cumulative), name.rstrip()))
    rows.sort(reverse=True)
    return "\n".join(f"{us / 1000:8.1f} ms  {name}" for us, name in rows[:count])


def profile_gateway(api: InvokeApi, gateway: str, query: dict[str, Any], health: dict[str, Any], out: Path) -> str:
    """The gateway's slowest imports (-X importtime), then its cold path's functions by cumulative time (cProfile)."""
    import io
    import pstats

    texts = []
    for flags in (("-X", "importtime"), ("-m", "cProfile", "-o", str(out))):
        api.reset()
        for name in ("accounts", "courses", "reviews"):
            api.invoke(gateway.replace("gateway", name), health)
        api.functions[gateway].flags = flags
        api.invoke(gateway, query)
        api.functions[gateway].flags = ()
        log = api.environments(gateway)[0].log()
        api.reset()  # the process exits: cProfile writes its file
        if flags[0] == "-X":
            texts.append(top_imports(log))
    stream = io.StringIO()
    pstats.Stats(str(out), stream=stream).sort_stats("cumulative").print_stats(40)
    texts.append(stream.getvalue())
    return "\n".join(texts)


def measure_tree(label: str, tree: Path, runs: int, python: str, runtime: Path, workdir: Path,
                 profile: bool = False, warm_runs: int = 20) -> dict[str, Any]:
    packaged = workdir / label / "sls"
    template = package(tree, packaged)
    sizes = {p.stem: p.stat().st_size for p in sorted(packaged.glob("*.zip"))}
    table = f"{TABLE}-{label}"
    with Stand() as stand:
        keys = stand.seed(template, tree / "deploy" / ".build" / "sdl", table)
        api = InvokeApi({})
        endpoint = api.start()
        # The same access key as the seeding: DynamoDB Local keeps one database per access key and region, so
        # another key would find no registry table and the gateway would quietly serve its fallback graph.
        aws_env = {"AWS_ACCESS_KEY_ID": os.environ["AWS_ACCESS_KEY_ID"], "AWS_SECRET_ACCESS_KEY": "local-only",
                   "AWS_SESSION_TOKEN": "local-session", "AWS_REGION": "eu-west-1",
                   "AWS_DEFAULT_REGION": "eu-west-1", "AWS_ENDPOINT_URL_SSM": stand.ssm,
                   "AWS_ENDPOINT_URL_LAMBDA": endpoint, "BFF_LAMBDA_ENDPOINT_URL": endpoint,
                   "AWS_ENDPOINT_URL_DYNAMODB": stand.dynamodb}
        imports = {f"bff-data-{STAGE}-RegistryTableName": f"{table}?endpoint={stand.dynamodb}",
                   f"bff-data-{STAGE}-RegistryTableArn": f"arn:aws:dynamodb:eu-west-1:000000000000:table/{table}"}
        api.functions.update(functions(template, packaged, workdir / label / "fn", python, runtime, imports, aws_env))
        gateway = f"bff-{STAGE}-gateway"
        from tests.support.jwks_server import Jwks

        jwks = Jwks(kid="measure").__enter__()
        authorizer = api.functions[f"bff-{STAGE}-authorizer"]
        authorizer.environment.update(jwks.env)  # the template's params are empty; a real IdP's values here
        query = http_v2("POST", "/graphql", {"query": QUERY}, authorizer=VIEWER)
        health = http_v2("GET", "/health")
        try:
            warm_services, cold_all, service, authorizers = [], [], [], []
            authorizer_failure = None
            for _ in range(runs):
                api.reset()
                for name in ("accounts", "courses", "reviews"):  # the services warm, the gateway cold
                    api.invoke(f"bff-{STAGE}-{name}", health)
                api.records.clear()
                answer = api.invoke(gateway, query)
                check(answer, f"{label} gateway", api.environments(gateway))
                verify_first_answer(answer, api.environments(gateway)[0], f"{label} gateway")
                warm_services.append(answer)
                api.reset()  # everything cold
                answer = api.invoke(gateway, query)
                check(answer, f"{label} gateway (fully cold)")
                cold_all.append({**answer, "services": [r for r in api.records if r["function"] != gateway]})
                api.reset()
                body = json.dumps({"query": "{ users { id name } }"})
                headers = {"x-api-key": keys["accounts"]}
                secret = stand.secrets.get(f"/bff/{STAGE}/identity-secret")
                if secret:  # the services take callers only with the gateway's signed identity (docs/access.md)
                    from bff_common.identity import sign_identity

                    headers.update(sign_identity(None, secret, service="accounts", body=body.encode()))
                answer = api.invoke(f"bff-{STAGE}-accounts", http_v2("POST", "/graphql", body, headers=headers))
                check(answer, f"{label} accounts service")
                service.append(answer)
                from tests.deploy.events import authorizer_v2

                answer = api.invoke(authorizer.name, authorizer_v2(f"Bearer {jwks.token(sub='user-1')}"))
                if answer["error"] or not answer["payload"].get("isAuthorized"):
                    payload = answer["payload"]  # reported, not fatal: the other figures still count
                    authorizer_failure = str(payload.get("errorMessage") or payload)[:300]
                else:
                    authorizers.append(answer)
            if profile:  # the gateway's cold path twice more: under -X importtime, then under cProfile
                print(profile_gateway(api, gateway, query, health, workdir / f"{label}.prof"), file=sys.stderr)
            warm = []
            for _ in range(warm_runs):
                began = time.perf_counter()
                check(api.invoke(gateway, query), f"{label} gateway (warm)")
                warm.append((time.perf_counter() - began) * 1000)
        finally:
            api.stop()
            jwks.__exit__()

    def med(rows: list[dict[str, Any]], key: str) -> float:
        return round(statistics.median(r[key] for r in rows), 1)

    def summary(rows: list[dict[str, Any]]) -> dict[str, float]:
        return {"init_ms": med(rows, "init_ms"), "first_answer_ms": med(rows, "invoke_ms"),
                "init_plus_first_answer_ms": round(statistics.median(r["init_ms"] + r["invoke_ms"] for r in rows), 1),
                "process_start_to_answer_ms": med(rows, "until_answer_ms"),
                # CPU time of the process: less sensitive than wall time to other load on the machine
                "init_plus_first_answer_cpu_ms": round(statistics.median(
                    r["init_cpu_ms"] + r["invoke_cpu_ms"] for r in rows), 1)}

    fully_cold = summary(cold_all)
    fully_cold["service_cold_starts"] = round(statistics.median(
        sum(1 for s in r["services"] if s["cold"] and s["function"] != gateway) for r in cold_all), 1)
    # The query's own invocations that met a cold environment, grouped into waves (overlapping in time):
    # one wave = the services' cold starts ran side by side; more = one after another.
    fully_cold["cold_waves_on_the_query_path"] = round(statistics.median(
        cold_waves([s for s in r["services"] if s["path"] == "/graphql"]) for r in cold_all), 1)
    # What cold services add to the gateway's first answer, against one service's cold start: about one
    # service cold start means one parallel wave; two or more, cold starts in series.
    fully_cold["added_by_cold_services_ms"] = round(fully_cold["first_answer_ms"] - med(warm_services, "invoke_ms"), 1)
    return {"gateway": summary(warm_services), "gateway_fully_cold": fully_cold, "service_accounts": summary(service),
            "authorizer_rs256": summary(authorizers) if authorizers else {"failed": authorizer_failure},
            "gateway_warm_invoke_wall_ms": round(statistics.median(warm), 1), "package_bytes": sizes,
            "samples": {"gateway": [round(r["init_ms"] + r["invoke_ms"], 1) for r in warm_services],
                        "service": [round(r["init_ms"] + r["invoke_ms"], 1) for r in service]}}


def interpreter_start_ms(python: str, runs: int) -> float:
    samples = []
    for _ in range(runs):
        began = time.perf_counter()
        subprocess.run([python, "-I", "-B", "-S", "-c", "pass"], check=True)
        samples.append((time.perf_counter() - began) * 1000)
    return round(statistics.median(samples), 1)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Cold starts of the packaged Lambda functions, as AWS runs them")
    parser.add_argument("--runs", type=int, default=5, help="fresh processes per figure (median)")
    parser.add_argument("--compare", metavar="REF", help="also measure this git ref (e.g. main) the same way")
    parser.add_argument("--json", metavar="PATH", help="write the report here too")
    parser.add_argument("--profile", action="store_true", help="print the gateway's slowest imports (-X importtime)")
    parser.add_argument("--smoke", action="store_true",
                        help="a quick check that the measurement works (one run, a few warm invokes): for tests")
    args = parser.parse_args(argv)
    if args.smoke:
        args.runs, args.compare, args.profile = 1, None, False
    for name, value in {"AWS_ACCESS_KEY_ID": "local", "AWS_SECRET_ACCESS_KEY": "local",
                        "AWS_DEFAULT_REGION": "eu-west-1"}.items():
        os.environ.setdefault(name, value)  # the stand-ins accept any credentials
    # One region for every process (seeding, functions): DynamoDB Local keeps a database per key and region, and
    # botocore reads AWS_DEFAULT_REGION where the lean clients read AWS_REGION first.
    os.environ["AWS_REGION"] = os.environ["AWS_DEFAULT_REGION"] = "eu-west-1"
    python = python312()
    runtime = runtime_packages(python)
    report: dict[str, Any] = {"python": python, "interpreter_start_ms": interpreter_start_ms(python, args.runs),
                              "runs": args.runs, "query": QUERY}
    with tempfile.TemporaryDirectory(prefix="bff-measure-") as workdir:
        trees = [("this", ROOT)] + ([(args.compare, export_ref(args.compare))] if args.compare else [])
        for label, tree in trees:
            report[label] = measure_tree(label.replace("/", "-"), tree, args.runs, python, runtime, Path(workdir),
                                         args.profile, warm_runs=3 if args.smoke else 20)
    text = json.dumps(report, indent=2)
    print(text)
    if args.json:
        Path(args.json).write_text(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
