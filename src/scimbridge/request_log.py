"""The request log: one structured line per HTTP request, and the metrics it feeds.

The line names the instance, the SCIM client, the method, the path, the
status, the latency and the number of target API calls the request made.
Request and response bodies are never logged.
"""

from __future__ import annotations

import time
import uuid
from typing import Any

import structlog
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from scimbridge.connectors.http import start_call_count
from scimbridge.observability import Metrics, mask_query_string
from scimbridge.scim.responses import error_response

log = structlog.get_logger("scimbridge.request")


class RequestLog:
    """ASGI middleware writing one log line per request and updating the metrics.

    It also guarantees that an unexpected exception becomes a SCIM 500 without
    a traceback in the body; the traceback goes to the log only.
    """

    def __init__(self, app: ASGIApp, metrics: Metrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        started = time.perf_counter()
        request_id = uuid.uuid4().hex[:16]
        calls = start_call_count()
        state: dict[str, Any] = scope.setdefault("state", {})
        state["target_calls"] = calls
        state["request_id"] = request_id
        status = 500
        response_started = False

        async def send_with_status(message: Message) -> None:
            nonlocal status, response_started
            if message["type"] == "http.response.start":
                status = message["status"]
                response_started = True
                message.setdefault("headers", []).append((b"x-request-id", request_id.encode()))
            await send(message)

        try:
            await self.app(scope, receive, send_with_status)
        except Exception:
            log.exception("request_failed", request_id=request_id)
            if not response_started:
                response = error_response(
                    500,
                    f"internal error; the gateway log has the details under request id "
                    f"{request_id}",
                )
                await response(scope, receive, send_with_status)
        finally:
            self._record(scope, state, status, started, calls[0], request_id)

    def _record(
        self,
        scope: Scope,
        state: dict[str, Any],
        status: int,
        started: float,
        calls: int,
        request_id: str,
    ) -> None:
        elapsed = time.perf_counter() - started
        instance = str(state.get("instance", "-"))
        method = scope["method"]
        self.metrics.requests.labels(instance, method, str(status)).inc()
        self.metrics.latency.labels(instance, method).observe(elapsed)
        if calls:
            self.metrics.target_calls.labels(instance).inc(calls)
        log.info(
            "request",
            request_id=request_id,
            instance=instance,
            client=state.get("client_id"),
            method=method,
            path=scope["path"],
            query=mask_query_string(scope.get("query_string", b"")),
            status=status,
            latency_ms=round(elapsed * 1000, 2),
            target_calls=calls,
        )
