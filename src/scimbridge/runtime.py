"""Assembling and running the gateway (and the bundled emulators) from settings."""

from __future__ import annotations

import asyncio
import contextlib
import secrets
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path

import structlog
import uvicorn
from starlette.types import ASGIApp

from scimbridge.app import Gateway, create_app
from scimbridge.auth import open_authenticator
from scimbridge.connectors.base import ConnectorInstance
from scimbridge.connectors.coupa import open_coupa
from scimbridge.connectors.gotomeeting import open_gotomeeting
from scimbridge.emulators.coupa import CoupaEmulatorSettings
from scimbridge.emulators.coupa import create_app as create_coupa_emulator
from scimbridge.emulators.gotomeeting import EmulatorSettings
from scimbridge.emulators.gotomeeting import create_app as create_gotomeeting_emulator
from scimbridge.observability import Metrics
from scimbridge.scim.endpoints import ScimEndpoints
from scimbridge.settings import CoupaInstance, Settings
from scimbridge.store import Store, open_cache, open_store
from scimbridge.store.state_cache import StateCache

log = structlog.get_logger("scimbridge.runtime")


@dataclass
class Runtime:
    """Everything a running gateway owns, closed together."""

    settings: Settings
    store: Store
    instances: dict[str, ConnectorInstance]
    tokens: list[str]
    app: ASGIApp
    generated_token: str | None = None
    closers: list[Callable[[], Awaitable[None]]] = field(default_factory=list)

    def scim_url(self, instance: str) -> str:
        return f"{self.settings.public_base()}/{instance}/scim/v2"

    async def aclose(self) -> None:
        for instance in self.instances.values():
            await instance.aclose()
        for close in self.closers:
            await close()
        await self.store.close()


def bundled_emulators(settings: Settings) -> list[tuple[ASGIApp, str, int]]:
    """Build the enabled bundled emulators: (app, host, port) each.

    Each emulator runs its sandbox account or instance, keeps its state in
    ``state_path`` (by default a file in the data folder) and applies the
    configured rate limit and latency.
    """
    emulators: list[tuple[ASGIApp, str, int]] = []

    goto = settings.emulators.gotomeeting
    if goto.enabled:
        goto_sandbox = EmulatorSettings.sandbox(
            state_path=_state_file(settings, goto.state_path, "gotomeeting-emulator.db")
        )
        goto_sandbox.rate_limit_per_second = goto.rate_limit_per_second
        goto_sandbox.latency_seconds = goto.latency_seconds
        emulators.append((create_gotomeeting_emulator(goto_sandbox), goto.host, goto.port))

    coupa = settings.emulators.coupa
    if coupa.enabled:
        coupa_sandbox = CoupaEmulatorSettings.sandbox(
            state_path=_state_file(settings, coupa.state_path, "coupa-emulator.db")
        )
        coupa_sandbox.rate_limit_per_second = coupa.rate_limit_per_second
        coupa_sandbox.latency_seconds = coupa.latency_seconds
        emulators.append((create_coupa_emulator(coupa_sandbox), coupa.host, coupa.port))
    return emulators


def _state_file(settings: Settings, configured: str | None, default_name: str) -> Path:
    return Path(configured) if configured else settings.data_path / default_name


async def build_runtime(settings: Settings, *, token: str | None = None) -> Runtime:
    """Open the store and every connector instance, and build the gateway app.

    With no token configured (in settings or ``token``), a random one is made
    for this run and returned in ``Runtime.generated_token``.
    """
    settings.data_path.mkdir(parents=True, exist_ok=True)
    tokens = [secret.get_secret_value() for secret in settings.auth.tokens]
    generated = None
    if token:
        tokens.append(token)
    if not tokens:
        generated = secrets.token_urlsafe(24)
        tokens.append(generated)

    store = await open_store(settings.store_url)
    cache = open_cache(settings.store.cache_url, settings.store.cache_prefix)
    instances: dict[str, ConnectorInstance] = {}
    try:
        authenticator = await open_authenticator(settings, store, tokens)
        for name, cfg in settings.instances.items():
            if isinstance(cfg, CoupaInstance):
                instances[name] = await open_coupa(
                    name, cfg, deletions=store.deletions, cache=cache
                )
            else:
                instances[name] = await open_gotomeeting(name, cfg, cache=cache)
    except BaseException:
        for instance in instances.values():
            await instance.aclose()
        await cache.close()
        await store.close()
        raise

    metrics = Metrics()
    base = settings.public_base()
    endpoints = {
        name: ScimEndpoints(
            instance,
            store=store,
            limits=settings.limits,
            base_url=f"{base}/{name}/scim/v2",
            state_cache=StateCache(ttl=settings.store.state_cache_seconds),
        )
        for name, instance in instances.items()
    }
    app = create_app(Gateway(endpoints, tokens, metrics, authenticator=authenticator))
    runtime = Runtime(settings, store, instances, tokens, app, generated_token=generated)
    runtime.closers.append(cache.close)
    return runtime


def _server(app: ASGIApp, host: str, port: int) -> uvicorn.Server:
    config = uvicorn.Config(
        app, host=host, port=port, log_config=None, access_log=False, lifespan="off"
    )
    return uvicorn.Server(config)


@contextlib.asynccontextmanager
async def running_emulators(settings: Settings) -> AsyncIterator[list[str]]:
    """Start the enabled bundled emulators on 127.0.0.1; yields their base URLs."""
    servers: list[uvicorn.Server] = []
    tasks: list[asyncio.Task[None]] = []
    urls: list[str] = []
    for app, host, port in bundled_emulators(settings):
        server = _server(app, host, port)
        servers.append(server)
        tasks.append(asyncio.create_task(server.serve()))
        urls.append(f"http://{host}:{port}")

    try:
        for server, task in zip(servers, tasks, strict=True):
            while not server.started:
                if task.done():
                    task.result()
                    raise RuntimeError("an emulator stopped while starting")
                await asyncio.sleep(0.02)
        yield urls
    finally:
        for server in servers:
            server.should_exit = True
        for task in tasks:
            with contextlib.suppress(BaseException):
                await task


async def serve(
    settings: Settings, *, token: str | None, announce: Callable[[Runtime], None]
) -> None:
    """Run the emulators and the gateway until interrupted."""
    async with running_emulators(settings):
        runtime = await build_runtime(settings, token=token)
        try:
            server = _server(runtime.app, settings.server.host, settings.server.port)
            serving = asyncio.create_task(server.serve())
            while not server.started and not serving.done():  # noqa: ASYNC110
                await asyncio.sleep(0.02)
            if server.started:
                announce(runtime)
                log.info(
                    "gateway_started",
                    instances=sorted(runtime.instances),
                    url=settings.public_base(),
                )
            await serving
        finally:
            await runtime.aclose()
            log.info("gateway_stopped")
