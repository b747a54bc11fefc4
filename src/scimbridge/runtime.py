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
from scimbridge.connectors.base import ConnectorInstance
from scimbridge.connectors.gotomeeting import open_gotomeeting
from scimbridge.emulators.gotomeeting import EmulatorSettings
from scimbridge.emulators.gotomeeting import create_app as create_gotomeeting_emulator
from scimbridge.observability import Metrics
from scimbridge.scim.endpoints import ScimEndpoints
from scimbridge.settings import Settings
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


def gotomeeting_emulator_settings(settings: Settings) -> EmulatorSettings:
    """Build the emulator's settings: the sandbox account with the configured faults."""
    configured = settings.emulators.gotomeeting
    state = (
        Path(configured.state_path)
        if configured.state_path
        else (settings.data_path / "gotomeeting-emulator.db")
    )
    emulator = EmulatorSettings.sandbox(state_path=state)
    emulator.rate_limit_per_second = configured.rate_limit_per_second
    emulator.latency_seconds = configured.latency_seconds
    return emulator


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
        for name, cfg in settings.instances.items():
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
    app = create_app(Gateway(endpoints, tokens, metrics))
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
    configured = settings.emulators.gotomeeting
    if configured.enabled:
        app = create_gotomeeting_emulator(gotomeeting_emulator_settings(settings))
        server = _server(app, configured.host, configured.port)
        servers.append(server)
        tasks.append(asyncio.create_task(server.serve()))
        urls.append(f"http://{configured.host}:{configured.port}")

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
