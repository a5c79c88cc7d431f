"""A real EventBridge API on this machine (moto in server mode on 127.0.0.1) and a proxy in front
of it that injects the faults a producer meets: throttling, 5xx, connection resets before and
after the server handled the call, and partial failures of chosen entries (those entries are
withheld from the server and reported failed, as AWS reports them)."""

from __future__ import annotations

import http.client
import json
import socket
import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

Action = str | tuple[str, tuple[int, ...]]
"""``pass``, ``throttle``, ``error``, ``reset`` (no answer, not handled), ``lost`` (handled, then
the connection drops), ``slow`` (pass after 0.2 s) or (``partial``, entry indexes) or
(``invalid``, entry indexes: refused for good)."""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class FaultProxy:
    """Forwards to ``upstream`` port; ``plan(call_number, entries)`` chooses each PutEvents
    call's fault. Records every PutEvents call's entry count."""

    def __init__(self, upstream: int, plan: Callable[[int, list], Action] | None = None) -> None:
        self.upstream = upstream
        self.plan = plan or (lambda n, entries: "pass")
        self.calls: list[int] = []
        self.lost_entries = 0
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                target = self.headers.get("X-Amz-Target", "")
                if target.endswith("PutEvents"):
                    proxy._put_events(self, body)
                else:
                    self._forward(body)

            def _forward(self, body: bytes) -> tuple[int, bytes]:
                status, data = proxy.forward(self.headers, body)
                self.send_response(status)
                self.send_header("Content-Type", "application/x-amz-json-1.1")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)
                return status, data

        self.handler = Handler
        self.port = free_port()
        self.server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def forward(self, headers: Any, body: bytes) -> tuple[int, bytes]:
        connection = http.client.HTTPConnection("127.0.0.1", self.upstream, timeout=30)
        keep = {k: v for k, v in headers.items() if k.lower() not in ("host", "content-length")}
        connection.request("POST", "/", body, keep)
        response = connection.getresponse()
        return response.status, response.read()

    @staticmethod
    def _reply(handler: Any, status: int, payload: dict) -> None:
        data = json.dumps(payload).encode()
        handler.send_response(status)
        handler.send_header("Content-Type", "application/x-amz-json-1.1")
        handler.send_header("Content-Length", str(len(data)))
        handler.end_headers()
        handler.wfile.write(data)

    def _put_events(self, handler: Any, body: bytes) -> None:
        request = json.loads(body)
        entries = request["Entries"]
        number = len(self.calls)
        self.calls.append(len(entries))
        action = self.plan(number, entries)
        kind, chosen = (action, ()) if isinstance(action, str) else action
        if kind == "throttle":
            return self._reply(handler, 400, {"__type": "ThrottlingException",
                                              "message": "Rate exceeded"})  # fmt: skip
        if kind == "error":
            return self._reply(handler, 500, {"__type": "InternalException", "message": "boom"})
        if kind == "reset":
            handler.close_connection = True
            handler.connection.shutdown(socket.SHUT_RDWR)
            return None
        if kind == "slow":
            time.sleep(0.2)
        withheld = set(chosen) if kind in ("partial", "invalid") else set()
        sent = [e for i, e in enumerate(entries) if i not in withheld]
        results: list[dict] = []
        if sent:
            status, data = self.forward(
                handler.headers, json.dumps({**request, "Entries": sent}).encode()
            )
            if status != 200:
                return self._reply(handler, status, json.loads(data))
            results = json.loads(data)["Entries"]
        if kind == "lost":
            self.lost_entries += len(sent)
            handler.close_connection = True
            handler.connection.shutdown(socket.SHUT_RDWR)
            return None
        code = "ThrottlingException" if kind == "partial" else "MalformedDetail"
        merged, upstream = [], iter(results)
        for index in range(len(entries)):
            merged.append({"ErrorCode": code, "ErrorMessage": "injected"} if index in withheld
                          else next(upstream))  # fmt: skip
        failed = sum(1 for r in merged if "ErrorCode" in r)
        return self._reply(handler, 200, {"FailedEntryCount": failed, "Entries": merged})

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
