"""`uvicorn gateway.asgi:app` as users launch it: configured by BFF_CONFIG / BFF_* like `bff serve`."""

from __future__ import annotations

import sys

import httpx

from .conftest import UVICORN_URL, Process, clean_env, running, uvicorn_argv

QUERY = '{ course(id: "c7") { id title } }'


def test_uvicorn_serves_the_gateway_from_the_environment(supergraph_file):
    with running(uvicorn_argv(), clean_env(BFF_SUPERGRAPH=str(supergraph_file)), UVICORN_URL) as (base, _):
        response = httpx.post(f"{base}/graphql", json={"query": QUERY})
        assert response.status_code == 200
        assert response.json() == {"data": {"course": {"id": "c7", "title": "Course c7"}}}
        assert httpx.get(f"{base}/health").json() == {"status": "ok"}
        # Production defaults apply as under bff serve: introspection is off.
        refused = httpx.post(f"{base}/graphql", json={"query": "{ __schema { queryType { name } } }"})
        assert refused.json()["errors"] and not refused.json().get("data")


def test_uvicorn_reads_the_config_file_named_by_bff_config(supergraph_file, tmp_path):
    config = tmp_path / "bff.yaml"
    config.write_text(f"supergraph:\n  file: {supergraph_file}\nsecurity:\n  introspection: true\n"
                      "server:\n  worker_header: true\n")
    with running(uvicorn_argv(), clean_env(BFF_CONFIG=str(config)), UVICORN_URL) as (base, process):
        response = httpx.post(f"{base}/graphql", json={"query": "{ __schema { queryType { name } } }"})
        assert response.json() == {"data": {"__schema": {"queryType": {"name": "Query"}}}}
        assert response.headers["x-bff-worker"] == str(process.proc.pid)  # one process: uvicorn itself


def test_a_bad_config_file_stops_uvicorn_at_startup_with_every_problem_and_no_traceback(tmp_path):
    config = tmp_path / "bff.yaml"
    config.write_text("supergraph:\n  file: nowhere.graphql\nserver:\n  port: 99999\nlimits:\n  max_depth: -3\n")
    process = Process(uvicorn_argv(), clean_env(BFF_CONFIG=str(config)))
    code = process.proc.wait(60)
    process._reader.join(2)
    assert code != 0
    out = process.output
    assert "the gateway did not start" in out
    assert "server.port" in out and "limits.max_depth" in out
    assert "Traceback" not in out


def test_no_supergraph_is_a_startup_error_naming_the_settings(tmp_path):
    process = Process(uvicorn_argv(), clean_env())
    assert process.proc.wait(60) != 0
    process._reader.join(2)
    assert "BFF_SUPERGRAPH" in process.output and "Traceback" not in process.output


def test_without_lifespan_the_first_request_builds_the_gateway(supergraph_file):
    argv = uvicorn_argv("--lifespan", "off")
    with running(argv, clean_env(BFF_SUPERGRAPH=str(supergraph_file)), UVICORN_URL) as (base, _):
        response = httpx.post(f"{base}/graphql", json={"query": QUERY})
        assert response.json()["data"]["course"]["title"] == "Course c7"


def test_importing_the_module_reads_nothing_and_builds_nothing():
    import subprocess

    code = ("import sys, gateway.asgi as m; "
            "assert m.app._app is None; "
            "print(sorted(n for n in ('graphql', 'uvicorn', 'msgspec', 'yaml') if n in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=clean_env(
        BFF_CONFIG="/does/not/exist.yaml"), timeout=60)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "[]"


def test_gunicorn_with_uvicorns_worker_class_runs_two_workers(supergraph_file):
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    argv = [sys.executable, "-m", "gunicorn", "-k", "uvicorn_worker.UvicornWorker", "-w", "2",
            "-b", f"127.0.0.1:{port}", "gateway.asgi:app"]
    env = clean_env(BFF_SUPERGRAPH=str(supergraph_file))
    with running(argv, env, r"Listening at: (http://127\.0\.0\.1:\d+)") as (base, process):
        process.wait_for(r"(?s)(Application startup complete.*){2}")
        response = httpx.post(f"{base}/graphql", json={"query": QUERY})
        assert response.json() == {"data": {"course": {"id": "c7", "title": "Course c7"}}}
