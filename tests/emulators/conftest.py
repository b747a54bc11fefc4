"""Fixtures that run emulators under uvicorn on 127.0.0.1 and talk to them over HTTP."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace

import httpx
import pytest
import uvicorn
from starlette.applications import Starlette

from scimbridge.emulators.coupa import CoupaEmulatorSettings
from scimbridge.emulators.coupa import create_app as create_coupa_app
from scimbridge.emulators.gotomeeting import EmulatorSettings, create_app
from scimbridge.emulators.gotomeeting.settings import (
    SANDBOX_ACCOUNT_KEY,
    SANDBOX_CLIENT_ID,
    SANDBOX_CLIENT_SECRET,
    SANDBOX_PERSONAL_ACCESS_TOKEN,
)

from .coupa_helpers import coupa_api, coupa_token
from .helpers import HTTP, local_client


@dataclass
class RunningEmulator:
    """An emulator served by uvicorn in a background thread."""

    base_url: str
    app: Starlette
    server: uvicorn.Server
    thread: threading.Thread

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)


def serve(app: Starlette) -> RunningEmulator:
    """Serve ``app`` on a free port of 127.0.0.1 and wait until it accepts requests."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    # Accepted connections inherit TCP_NODELAY from this socket. Without it, Nagle's
    # algorithm and delayed ACKs add about 40 ms to every request.
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]

    config = uvicorn.Config(app, log_level="warning", access_log=False, lifespan="on")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()

    deadline = time.monotonic() + 10
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("uvicorn did not start within 10 s")
        time.sleep(0.01)
    return RunningEmulator(f"http://127.0.0.1:{port}", app, server, thread)


StartEmulator = Callable[[EmulatorSettings], RunningEmulator]


@pytest.fixture
def running_emulators() -> Iterator[list[RunningEmulator]]:
    """A list to put started emulators in; every one is stopped after the test."""
    running: list[RunningEmulator] = []
    yield running
    for emulator in running:
        emulator.server.should_exit = True
    for emulator in running:
        emulator.stop()


@pytest.fixture
def start_emulator(running_emulators: list[RunningEmulator]) -> StartEmulator:
    """Return a function that starts a GoToMeeting emulator, stopped after the test."""

    def start(settings: EmulatorSettings) -> RunningEmulator:
        emulator = serve(create_app(settings))
        running_emulators.append(emulator)
        return emulator

    return start


@pytest.fixture
def settings() -> EmulatorSettings:
    """Sandbox settings with the rate limit turned off."""
    return replace(EmulatorSettings.sandbox(), rate_limit_per_second=0)


@pytest.fixture
def base_url(start_emulator: StartEmulator, settings: EmulatorSettings) -> str:
    """Base URL of a running sandbox emulator."""
    return start_emulator(settings).base_url


def pat_token(base_url: str) -> str:
    """Exchange the sandbox PAT for an access token."""
    response = HTTP.post(
        base_url + "/oauth/token",
        data={"grant_type": "personal_access_token", "pat": SANDBOX_PERSONAL_ACCESS_TOKEN},
        auth=(SANDBOX_CLIENT_ID, SANDBOX_CLIENT_SECRET),
    )
    response.raise_for_status()
    return str(response.json()["access_token"])


@pytest.fixture
def api(base_url: str) -> Iterator[httpx.Client]:
    """Authenticated client whose base URL is the sandbox account's Admin API path."""
    headers = {"Authorization": f"Bearer {pat_token(base_url)}", "Accept": "application/json"}
    url = f"{base_url}/admin/rest/v1/accounts/{SANDBOX_ACCOUNT_KEY}"
    with local_client(base_url=url, headers=headers) as client:
        yield client


StartCoupa = Callable[[CoupaEmulatorSettings], RunningEmulator]


@pytest.fixture
def start_coupa(running_emulators: list[RunningEmulator]) -> StartCoupa:
    """Return a function that starts a Coupa emulator, stopped after the test."""

    def start(settings: CoupaEmulatorSettings) -> RunningEmulator:
        emulator = serve(create_coupa_app(settings))
        running_emulators.append(emulator)
        return emulator

    return start


@pytest.fixture
def coupa_settings() -> CoupaEmulatorSettings:
    """Coupa sandbox settings with the rate limit turned off."""
    return replace(CoupaEmulatorSettings.sandbox(), rate_limit_per_second=0)


@pytest.fixture
def coupa_emulator(
    start_coupa: StartCoupa, coupa_settings: CoupaEmulatorSettings
) -> RunningEmulator:
    """A running Coupa sandbox emulator."""
    return start_coupa(coupa_settings)


@pytest.fixture
def coupa_url(coupa_emulator: RunningEmulator) -> str:
    """Base URL of a running Coupa sandbox emulator."""
    return coupa_emulator.base_url


@pytest.fixture
def coupa(coupa_url: str) -> Iterator[httpx.Client]:
    """Client for the Coupa ``/api`` routes with a token that has every scope."""
    with coupa_api(coupa_url, coupa_token(coupa_url)) as client:
        yield client
