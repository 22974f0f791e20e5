"""A Lambda execution environment's runtime loop, for measuring cold starts on this machine.

    python3.12 -I -B -S deploy/lambda_bootstrap.py TASK OPT RUNTIME HANDLER TIMEOUT_SECONDS

Runs like Lambda's python3.12 runtime: sys.path is the function's code (TASK, /var/task),
its layers (OPT/python, /opt/python) and the runtime's own packages (RUNTIME: boto3, as
the managed runtime ships it), nothing from this machine's site-packages; no bytecode is
written (-B, as /var/task and /opt are read-only). The init phase imports the handler's
module; each invocation calls the handler with a context whose remaining time counts
down from TIMEOUT_SECONDS.

Protocol on stdin/stdout: frames of a 4-byte big-endian length and JSON. In:
{"event": ..., "request_id": ...}. Out, first {"init_ms": ...} after the init phase, then
one {"payload": ..., "error": ..., "invoke_ms": ...} per invocation. Standard library only.
"""

import time

STARTED = time.perf_counter()

import json  # noqa: E402 (the runtime itself has these loaded before the handler)
import os  # noqa: E402
import struct  # noqa: E402
import sys  # noqa: E402
import traceback  # noqa: E402


class Context:
    """The attributes and method of Lambda's context object that handlers use."""

    def __init__(self, request_id: str, timeout: float) -> None:
        self.aws_request_id = request_id
        self.function_name = os.environ.get("AWS_LAMBDA_FUNCTION_NAME", "local")
        self.function_version = "$LATEST"
        self.memory_limit_in_mb = os.environ.get("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "1024")
        self.invoked_function_arn = f"arn:aws:lambda:eu-west-1:000000000000:function:{self.function_name}"
        self.log_group_name = f"/aws/lambda/{self.function_name}"
        self.log_stream_name = "local"
        self._deadline = time.monotonic() + timeout

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self._deadline - time.monotonic()) * 1000))


def _read(stream) -> dict | None:
    head = stream.read(4)
    if len(head) < 4:
        return None
    return json.loads(stream.read(struct.unpack(">I", head)[0]))


def _write(stream, message: dict) -> None:
    data = json.dumps(message).encode()
    stream.write(struct.pack(">I", len(data)) + data)
    stream.flush()


def main() -> None:
    task, opt, runtime, handler_name, timeout = sys.argv[1:6]
    sys.path[:0] = [task, os.path.join(opt, "python", "lib", "python3.12", "site-packages"),
                    os.path.join(opt, "python"), runtime]
    os.chdir(task)
    stdin, stdout = sys.stdin.buffer, sys.stdout.buffer
    sys.stdout = sys.stderr  # the handler's prints go to the log, not into the protocol
    module_name, _, function_name = handler_name.rpartition(".")
    began, cpu = time.perf_counter(), time.process_time()
    module = __import__(module_name, fromlist=[function_name])
    handler = getattr(module, function_name)
    init_ms, init_cpu_ms = (time.perf_counter() - began) * 1000, (time.process_time() - cpu) * 1000
    _write(stdout, {"init_ms": init_ms, "init_cpu_ms": init_cpu_ms, "bootstrap_ms": (began - STARTED) * 1000})
    while True:
        message = _read(stdin)
        if message is None:
            return
        began, cpu = time.perf_counter(), time.process_time()
        try:
            payload, error = handler(message["event"], Context(message["request_id"], float(timeout))), None
        except Exception as exc:  # reported as Lambda reports an unhandled error
            payload, error = {"errorType": type(exc).__name__, "errorMessage": str(exc),
                              "stackTrace": traceback.format_exc().splitlines()}, "Unhandled"
        _write(stdout, {"payload": payload, "error": error, "invoke_ms": (time.perf_counter() - began) * 1000,
                        "invoke_cpu_ms": (time.process_time() - cpu) * 1000})


if __name__ == "__main__":
    main()
