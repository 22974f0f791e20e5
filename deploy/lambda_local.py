"""Packaged functions run as Lambda runs them, behind a loopback Lambda Invoke API.

`Function` is one function's package extracted (zip under task/, layers under opt/) with
its environment; `Function.start()` is a fresh execution environment: a `python3.12 -I -B -S`
process running deploy/lambda_bootstrap.py. `InvokeApi` answers the Lambda service's
`POST /2015-03-31/functions/NAME/invocations` on 127.0.0.1 and hands each invocation to an
idle environment of that function, starting a new one (a cold start) when all are busy,
as Lambda does. Every invocation is recorded (function, cold or warm, init and run times).
"""

from __future__ import annotations

import http.server
import json
import struct
import subprocess
import threading
import time
import uuid
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

BOOTSTRAP = Path(__file__).resolve().parent / "lambda_bootstrap.py"


@dataclass
class Function:
    name: str  # the deployed name, SERVICE-STAGE-FUNCTION
    handler: str
    task: Path
    opt: Path
    runtime: Path
    python: str
    environment: dict[str, str]
    timeout: float = 29.0
    flags: tuple[str, ...] = ()  # extra interpreter flags, e.g. ("-X", "importtime")

    @classmethod
    def extract(cls, name: str, handler: str, package: Path, layers: list[Path], into: Path, **kwargs: Any) -> Function:
        """The function's zip under INTO/task and its layers under INTO/opt, as Lambda lays them out."""
        task, opt = into / "task", into / "opt"
        zipfile.ZipFile(package).extractall(task)
        for layer in layers:
            zipfile.ZipFile(layer).extractall(opt)
        return cls(name, handler, task, opt, kwargs.pop("runtime"), kwargs.pop("python"), kwargs.pop("environment"),
                   **kwargs)

    def start(self) -> Environment:
        env = {"PATH": "/usr/bin:/bin", "LANG": "C.UTF-8", "TZ": ":UTC", "LAMBDA_TASK_ROOT": str(self.task),
               "AWS_LAMBDA_FUNCTION_NAME": self.name, "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "1024",
               "AWS_EXECUTION_ENV": "AWS_Lambda_python3.12", "_HANDLER": self.handler, **self.environment}
        started = time.perf_counter()
        proc = subprocess.Popen([self.python, "-I", "-B", "-S", *self.flags, str(BOOTSTRAP), str(self.task),
                                 str(self.opt),
                                 str(self.runtime), self.handler, str(self.timeout)],
                                stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                cwd=self.task, env=env)
        environment = Environment(self, proc, started)
        return environment


class Environment:
    """One execution environment (a process); its first invocation is the cold one."""

    def __init__(self, function: Function, proc: subprocess.Popen, started: float) -> None:
        self.function, self.proc, self.started = function, proc, started
        self.init: dict[str, float] | None = None
        self.invocations = 0
        self._stderr: list[bytes] = []
        threading.Thread(target=self._drain, daemon=True).start()

    def _drain(self) -> None:
        for line in self.proc.stderr:  # type: ignore[union-attr]
            self._stderr.append(line)

    def _read(self) -> dict[str, Any]:
        head = self.proc.stdout.read(4)  # type: ignore[union-attr]
        if len(head) < 4:
            self.proc.wait(5)
            raise RuntimeError(f"{self.function.name} exited ({self.proc.returncode}): "
                               + b"".join(self._stderr).decode(errors="replace")[-3000:])
        return json.loads(self.proc.stdout.read(struct.unpack(">I", head)[0]))  # type: ignore[union-attr]

    def invoke(self, event: Any) -> dict[str, Any]:
        """One invocation: the handler's payload, its error, and times (init_ms only when cold)."""
        cold = self.init is None
        if cold:
            self.init = self._read()
            self.init["process_ms"] = (time.perf_counter() - self.started) * 1000
        data = json.dumps({"event": event, "request_id": str(uuid.uuid4())}).encode()
        self.proc.stdin.write(struct.pack(">I", len(data)) + data)  # type: ignore[union-attr]
        self.proc.stdin.flush()  # type: ignore[union-attr]
        answer = self._read()
        self.invocations += 1
        answer["cold"] = cold
        if cold:
            answer.update(self.init)
            answer["until_answer_ms"] = (time.perf_counter() - self.started) * 1000
        return answer

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.stdin.close()  # type: ignore[union-attr]
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()

    def log(self) -> str:
        return b"".join(self._stderr).decode(errors="replace")


@dataclass
class InvokeApi:
    """The Lambda Invoke API on loopback for `functions` (by deployed name)."""

    functions: dict[str, Function]
    records: list[dict[str, Any]] = field(default_factory=list)
    _idle: dict[str, list[Environment]] = field(default_factory=dict)
    _all: list[Environment] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _server: Any = None

    def start(self) -> str:
        api = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            disable_nagle_algorithm = True  # headers and body are separate writes: no 40 ms delayed-ACK stalls

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("content-length", 0)))
                parts = self.path.split("?")[0].split("/")
                if len(parts) != 5 or parts[1] != "2015-03-31" or parts[4] != "invocations":
                    return self._answer(404, {"Type": "User", "Message": "unknown path"}, "ResourceNotFoundException")
                name = parts[3]
                if name not in api.functions:
                    return self._answer(404, {"Type": "User", "Message": f"Function not found: {name}"},
                                        "ResourceNotFoundException")
                if not self.headers.get("authorization", "").startswith("AWS4-HMAC-SHA256 Credential="):
                    return self._answer(403, {"message": "Missing Authentication Token"},
                                        "MissingAuthenticationTokenException")
                answer = api.invoke(name, json.loads(body))
                extra = {"X-Amz-Function-Error": answer["error"]} if answer["error"] else {}
                self._answer(200, answer["payload"], None, extra)

            def _answer(self, status: int, payload: Any, error_type: str | None, extra: dict | None = None) -> None:
                data = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("content-type", "application/json")
                self.send_header("content-length", str(len(data)))
                self.send_header("x-amzn-requestid", str(uuid.uuid4()))
                if error_type:
                    self.send_header("x-amzn-errortype", error_type)
                for name, value in (extra or {}).items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args: object) -> None:
                pass

        class Server(http.server.ThreadingHTTPServer):
            def handle_error(self, request: Any, client_address: Any) -> None:
                pass  # a function's process exiting with its connection open: nothing to report

        self._server = Server(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def invoke(self, name: str, event: Any) -> dict[str, Any]:
        """An idle environment of the function, or a new one (cold), as Lambda scales."""
        began = time.perf_counter()
        with self._lock:
            idle = self._idle.setdefault(name, [])
            environment = idle.pop() if idle else None
            if environment is None:
                environment = self.functions[name].start()
                self._all.append(environment)
        try:
            answer = environment.invoke(event)
        finally:
            with self._lock:
                self._idle[name].append(environment)
        answer["function"] = name
        answer["path"] = event.get("rawPath") if isinstance(event, dict) else None
        answer["began"] = began
        answer["wall_ms"] = (time.perf_counter() - began) * 1000
        self.records.append({k: v for k, v in answer.items() if k != "payload"})
        return answer

    def environments(self, name: str) -> list[Environment]:
        return [e for e in self._all if e.function.name == name]

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
        for environment in self._all:
            environment.stop()
        self._all.clear()
        self._idle.clear()

    def reset(self) -> None:
        """Every environment stopped: the next invocation of each function is cold."""
        for environment in self._all:
            environment.stop()
        self._all.clear()
        self._idle.clear()
        self.records.clear()
