"""Running ASGI apps under uvicorn on 127.0.0.1 for tests, each in its own thread and loop."""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import uvicorn
from starlette.types import ASGIApp

AppFactory = Callable[[], Awaitable[tuple[ASGIApp, Callable[[], Awaitable[None]]]]]
"""Builds an app inside the server's event loop; returns it with a close function."""


@dataclass
class RunningServer:
    base_url: str
    server: uvicorn.Server
    thread: threading.Thread
    context: dict[str, Any] = field(default_factory=dict)

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=15)


def bound_socket() -> socket.socket:
    """A listening-ready socket on a free port of 127.0.0.1, with Nagle's algorithm off."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    sock.bind(("127.0.0.1", 0))
    return sock


def serve_in_thread(factory: AppFactory, sock: socket.socket | None = None) -> RunningServer:
    """Build an app with ``factory`` in a new thread's event loop and serve it there."""
    sock = sock or bound_socket()
    port = sock.getsockname()[1]
    holder: dict[str, Any] = {}
    ready = threading.Event()

    async def main() -> None:
        try:
            app, close = await factory()
        except BaseException as exc:
            holder["error"] = exc
            ready.set()
            return
        config = uvicorn.Config(app, log_level="warning", access_log=False, lifespan="off")
        server = uvicorn.Server(config)
        holder["server"] = server
        ready.set()
        try:
            await server.serve(sockets=[sock])
        finally:
            await close()

    thread = threading.Thread(target=lambda: asyncio.run(main()), daemon=True)
    thread.start()
    if not ready.wait(30) or "error" in holder:
        raise RuntimeError(f"the test server did not start: {holder.get('error')!r}")

    server: uvicorn.Server = holder["server"]
    deadline = time.monotonic() + 15
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("uvicorn did not start within 15 s")
        time.sleep(0.01)
    return RunningServer(f"http://127.0.0.1:{port}", server, thread)
