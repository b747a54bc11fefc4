"""Live gateways in front of live emulators, over HTTP on 127.0.0.1, and their fixtures."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
import structlog
from starlette.types import ASGIApp, Receive, Scope, Send

from scimbridge.emulators.gotomeeting import EmulatorSettings
from scimbridge.emulators.gotomeeting import create_app as create_emulator
from scimbridge.runtime import build_runtime
from scimbridge.settings import load_settings
from tests.support.servers import RunningServer, bound_socket, serve_in_thread

TOKEN = "integration-test-token"
SCIM_JSON = "application/scim+json"
ERROR_SCHEMA = "urn:ietf:params:scim:api:messages:2.0:Error"
PATCH_SCHEMA = "urn:ietf:params:scim:api:messages:2.0:PatchOp"
GROUP_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:Group"


class CallRecorder:
    """ASGI middleware that records the API requests an emulator receives.

    Only paths under ``prefix`` count (the GoTo Admin API's account paths by
    default), so token and ``/me`` calls are left out. The test's own
    ``stack.target`` calls are recorded too, so measure inside :meth:`window`
    around SCIM requests only.
    """

    def __init__(self, app: ASGIApp, prefix: str = "/admin/rest/v1/accounts/") -> None:
        self.app = app
        self.prefix = prefix
        self.calls: list[tuple[str, str]] = []
        self.queries: list[str] = []

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["path"].startswith(self.prefix):
            self.calls.append((scope["method"], scope["path"]))
            self.queries.append(scope.get("query_string", b"").decode("latin-1"))
        await self.app(scope, receive, send)

    @contextmanager
    def window(self) -> Iterator[list[tuple[str, str]]]:
        """Yield a list that contains, on exit, the calls made inside the block."""
        start = len(self.calls)
        recorded: list[tuple[str, str]] = []
        yield recorded
        recorded.extend(self.calls[start:])


@dataclass
class LiveStack:
    """A running emulator and gateway, with HTTP clients for both."""

    emulator: RunningServer
    gateway: RunningServer
    scim: httpx.Client
    """Client on the gateway's SCIM base URL of the instance under test, authenticated."""
    target: httpx.Client
    """Client on the emulator's API, authenticated."""

    def post_created(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        """POST ``body`` through the gateway, check for 201 and return the created resource."""
        response = self.scim.post(path, json=body)
        assert response.status_code == 201, response.text
        created: dict[str, Any] = response.json()
        return created

    def patch(self, path: str, *operations: dict[str, Any], **headers: str) -> httpx.Response:
        """Send a SCIM PATCH with ``operations`` to ``path``."""
        body = {"schemas": [PATCH_SCHEMA], "Operations": list(operations)}
        return self.scim.patch(path, json=body, headers=headers)

    def close(self) -> None:
        self.scim.close()
        self.target.close()
        self.gateway.stop()
        self.emulator.stop()


@dataclass
class Stack(LiveStack):
    """A GoToMeeting emulator and gateway; ``target`` is on the Admin API as the sandbox admin."""

    account_key: str
    recorder: CallRecorder | None = field(default=None)

    @property
    def scim_base(self) -> str:
        return f"{self.gateway.base_url}/gotomeeting/scim/v2"

    def target_get(self, path: str, **params: Any) -> Any:
        response = self.target.get(
            f"/admin/rest/v1/accounts/{self.account_key}{path}", params=params
        )
        response.raise_for_status()
        return response.json()

    def target_path(self, path: str) -> str:
        """Return the Admin API path of ``path`` under the sandbox account."""
        return f"/admin/rest/v1/accounts/{self.account_key}{path}"

    def target_put(self, path: str, body: Any = None) -> None:
        """Change something on the target directly, bypassing the gateway."""
        response = self.target.put(self.target_path(path), json=body)
        response.raise_for_status()

    def target_users(self) -> list[dict[str, Any]]:
        """Return every user of the emulated account, the sandbox admin included."""
        users: list[dict[str, Any]] = self.target_get("/users", pageSize=1000)["results"]
        return users

    def target_user(self, key: str) -> dict[str, Any]:
        user: dict[str, Any] = self.target_get(f"/users/{key}")
        return user

    def target_group(self, key: str) -> dict[str, Any]:
        group: dict[str, Any] = self.target_get(f"/groups/{key}")
        return group

    def create_user(self, index: int | str, **extra: Any) -> dict[str, Any]:
        """POST a user through the gateway and return the created resource."""
        return self.post_created("/Users", new_user(index, **extra))

    def create_group(self, name: str, members: list[str] | None = None) -> dict[str, Any]:
        """POST a group through the gateway and return the created resource."""
        body: dict[str, Any] = {"schemas": [GROUP_SCHEMA], "displayName": name}
        if members is not None:
            body["members"] = [{"value": key} for key in members]
        return self.post_created("/Groups", body)


def start_stack(
    tmp_path: Path,
    *,
    emulator_settings: Callable[[EmulatorSettings], None] | None = None,
    overrides: dict[str, Any] | None = None,
    record_calls: bool = False,
) -> Stack:
    """Start an emulator on its own SQLite file and a gateway pointed at it.

    With ``record_calls`` the emulator runs behind a :class:`CallRecorder`,
    available as ``stack.recorder``.
    """
    emulator_config = EmulatorSettings.sandbox(state_path=tmp_path / "emulator.db")
    emulator_config.rate_limit_per_second = 0
    if emulator_settings:
        emulator_settings(emulator_config)

    emulator, recorder = serve_emulator(
        lambda: create_emulator(emulator_config),
        record_prefix="/admin/rest/v1/accounts/" if record_calls else None,
    )
    gateway = start_gateway(tmp_path / "gateway", emulator.base_url, overrides or {})
    scim = httpx.Client(
        base_url=f"{gateway.base_url}/gotomeeting/scim/v2",
        headers={"Authorization": f"Bearer {TOKEN}", "Content-Type": SCIM_JSON},
        timeout=30,
    )
    target = _target_client(emulator.base_url)
    return Stack(emulator, gateway, scim, target, emulator_config.account_key, recorder)


def serve_emulator(
    create: Callable[[], ASGIApp], *, record_prefix: str | None = None
) -> tuple[RunningServer, CallRecorder | None]:
    """Serve the emulator app ``create`` builds, behind a :class:`CallRecorder` of
    ``record_prefix`` requests when one is given."""
    recorder: CallRecorder | None = None

    async def emulator_factory() -> Any:
        nonlocal recorder

        async def nothing() -> None:
            return None

        app = create()
        if record_prefix is not None:
            recorder = CallRecorder(app, prefix=record_prefix)
            app = recorder
        return app, nothing

    server = serve_in_thread(emulator_factory)
    return server, recorder


def start_gateway(data_dir: Path, emulator_url: str, overrides: dict[str, Any]) -> RunningServer:
    """Start a gateway whose gotomeeting instance talks to the emulator at ``emulator_url``."""
    return serve_gateway(
        data_dir,
        {
            "instances.gotomeeting.target_url": f"{emulator_url}/admin/rest/v1",
            "instances.gotomeeting.token_url": f"{emulator_url}/oauth/token",
            **overrides,
        },
    )


def serve_gateway(data_dir: Path, overrides: dict[str, Any]) -> RunningServer:
    """Start a gateway with the bundled emulators off and ``overrides`` applied to its settings."""
    gateway_socket = bound_socket()
    settings = load_settings(
        environ={},
        overrides={
            "data_dir": str(data_dir),
            "server.port": gateway_socket.getsockname()[1],
            "emulators.gotomeeting.enabled": False,
            "emulators.coupa.enabled": False,
            **overrides,
        },
    )

    async def gateway_factory() -> Any:
        runtime = await build_runtime(settings, token=TOKEN)
        return runtime.app, runtime.aclose

    return serve_in_thread(gateway_factory, gateway_socket)


def _target_client(base_url: str) -> httpx.Client:
    token = httpx.post(
        f"{base_url}/oauth/token",
        data={"grant_type": "personal_access_token", "pat": "sandbox-pat"},
        auth=("sandbox-client", "sandbox-secret"),
    ).json()["access_token"]
    return httpx.Client(base_url=base_url, headers={"Authorization": f"Bearer {token}"}, timeout=30)


@pytest.fixture(autouse=True)
def _restore_structlog() -> Iterator[None]:
    """Put structlog's configuration back after each test.

    A test that calls ``configure_logging`` binds the logger to that test's
    captured standard error, which pytest closes afterwards, so every later
    gateway would fail with "I/O operation on closed file" when it logs.
    """
    saved = structlog.get_config()
    yield
    structlog.configure(**saved)


@pytest.fixture
def stack(tmp_path: Path) -> Iterator[Stack]:
    running = start_stack(tmp_path)
    yield running
    running.close()


@pytest.fixture
def recorded_stack(tmp_path: Path) -> Iterator[Stack]:
    """A stack whose emulator records the Admin API calls it receives."""
    running = start_stack(tmp_path, record_calls=True)
    yield running
    running.close()


def assert_scim_error(response: httpx.Response, status: int, scim_type: str | None = None) -> str:
    """Check a SCIM error response and return its detail."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith(SCIM_JSON)
    body = response.json()
    assert body["schemas"] == [ERROR_SCHEMA]
    assert body["status"] == str(status)
    assert "Traceback" not in response.text
    if scim_type is not None:
        assert body.get("scimType") == scim_type, body
    detail: str = body["detail"]
    return detail


def new_user(index: int | str, **extra: Any) -> dict[str, Any]:
    """A minimal valid User body."""
    body: dict[str, Any] = {
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
        "userName": f"user{index}@example.com",
        "name": {"givenName": f"Given{index}", "familyName": f"Family{index}"},
    }
    body.update(extra)
    return body


@pytest.fixture
def coupa(tmp_path: Path) -> Iterator[Any]:
    """A gateway with one coupa instance in front of a Coupa emulator."""
    from tests.integration.coupa_stack import start_coupa_stack

    running = start_coupa_stack(tmp_path)
    yield running
    running.close()


@pytest.fixture
def recorded_coupa(tmp_path: Path) -> Iterator[Any]:
    """A Coupa stack whose emulator records the /api/ calls it receives."""
    from tests.integration.coupa_stack import start_coupa_stack

    running = start_coupa_stack(tmp_path, record_calls=True)
    yield running
    running.close()
