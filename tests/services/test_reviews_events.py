"""reviews' addReview when the reviewAdded event cannot be published (EventBridge refusing it or out of
reach): the review is stored and answered all the same; subscribers miss that one event (logged), and
the client is not told its review failed (it would post it again: a duplicate)."""

from __future__ import annotations

import http.server
import logging
import socket
import threading
from collections.abc import Iterator

import pytest

MUTATION = 'mutation { addReview(courseId: "c2", authorId: "u3", rating: 4, body: "%s") { id body } }'


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def refusing_eventbridge() -> Iterator[str]:
    """A loopback endpoint answering every PutEvents with AWS's JSON error shape (HTTP 400)."""

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            self.rfile.read(int(self.headers.get("content-length", 0)))
            body = b'{"__type":"ResourceNotFoundException","message":"Event bus bff-gone does not exist."}'
            self.send_response(400)
            self.send_header("content-type", "application/x-amz-json-1.1")
            self.send_header("content-length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


@pytest.mark.parametrize("where", ["unreachable", "refusing"])
def test_a_review_is_stored_and_answered_when_its_event_cannot_be_published(
        where: str, refusing_eventbridge: str, monkeypatch: pytest.MonkeyPatch,
        caplog: pytest.LogCaptureFixture) -> None:
    from services.reviews import data
    from services.reviews.schema import schema

    endpoint = refusing_eventbridge if where == "refusing" else f"http://127.0.0.1:{_closed_port()}"
    for name, value in {"BFF_EVENT_BUS": "bff-gone", "AWS_ENDPOINT_URL": endpoint, "AWS_REGION": "eu-west-1",
                        "AWS_ACCESS_KEY_ID": "test", "AWS_SECRET_ACCESS_KEY": "test"}.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("AWS_SESSION_TOKEN", raising=False)
    monkeypatch.setattr(data, "REVIEWS", dict(data.REVIEWS))  # the other tests keep the seed
    before = len(data.REVIEWS)
    with caplog.at_level(logging.WARNING):
        result = schema.execute_sync(MUTATION % f"event {where}")
    assert result.errors is None, result.errors
    assert result.data is not None and result.data["addReview"]["body"] == f"event {where}"
    assert len(data.REVIEWS) == before + 1
    assert any("reviewAdded" in r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING)
