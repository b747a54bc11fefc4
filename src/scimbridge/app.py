"""The gateway's ASGI application: routing, authentication and error translation.

URLs::

    /{instance}/scim/v2/...   the SCIM service provider of one connector instance
    /{instance}/oauth2/token  the OAuth2 token endpoint of the instance's SCIM clients
    /healthz                  liveness: the process responds
    /readyz                   readiness: every instance is loaded
    /metrics                  Prometheus metrics
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from typing import Any

import structlog
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from starlette.types import ASGIApp

from scimbridge.auth import Authenticator, check_permission, token_endpoint
from scimbridge.errors import ScimError, StoreError, TargetError
from scimbridge.observability import Metrics
from scimbridge.request_log import RequestLog
from scimbridge.scim.bulk import serve_bulk
from scimbridge.scim.endpoints import ScimEndpoints, method_not_allowed
from scimbridge.scim.error_replies import target_error_reply
from scimbridge.scim.limits import check_query_parameters
from scimbridge.scim.responses import (
    error_response,
    http_exception_response,
    internal_error_response,
    scim_error_response,
)

log = structlog.get_logger("scimbridge.request")

Handler = Callable[[Request, ScimEndpoints], Awaitable[Response]]


class Gateway:
    """The state the routes share: the endpoints of each instance, authentication and metrics.

    Without an ``authenticator`` only the settings ``tokens`` are accepted.
    """

    def __init__(
        self,
        endpoints: dict[str, ScimEndpoints],
        tokens: Sequence[str],
        metrics: Metrics,
        *,
        authenticator: Authenticator | None = None,
    ) -> None:
        self.endpoints = endpoints
        self.authenticator = authenticator or Authenticator(tokens)
        self.metrics = metrics

    async def authenticate(self, request: Request, instance: str) -> str:
        """Check the bearer token and the client's permission; returns the client id for the log.

        Raises Unauthorized for a missing or invalid token, and Forbidden when
        a read-only client sends a write.
        """
        header = request.headers.get("authorization", "")
        client = await self.authenticator.authenticate(header, instance)
        request.scope.setdefault("state", {})["client_id"] = client.id
        check_permission(client, request.method, request.url.path)
        return client.id


def scim_route(handler: Handler) -> Callable[[Request], Awaitable[Response]]:
    """Wrap a SCIM handler with instance lookup, authentication and error translation."""

    async def endpoint(request: Request) -> Response:
        gateway: Gateway = request.app.state.gateway
        instance_name = request.path_params["instance"]
        request.scope.setdefault("state", {})["instance"] = instance_name
        try:
            # Authenticate first, so instance names are only shown to clients with a token.
            await gateway.authenticate(request, instance_name)
            endpoints = gateway.endpoints.get(instance_name)
            if endpoints is None:
                return error_response(
                    404,
                    f"no connector instance named {instance_name!r}; known: "
                    f"{', '.join(gateway.endpoints) or 'none'}",
                )
            check_query_parameters(request.query_params, endpoints.limits)
            return await handler(request, endpoints)
        except ScimError as exc:
            response = scim_error_response(exc)
            if exc.status == 401:
                response.headers["WWW-Authenticate"] = (
                    'Bearer realm="scimbridge", Basic realm="scimbridge"'
                )
            return response
        except TargetError as exc:
            return _target_error_response(exc)
        except StoreError as exc:
            log.error("store_failed", error=str(exc))
            return error_response(503, "the gateway store is unavailable; retry later")

    return endpoint


def _target_error_response(exc: TargetError) -> Response:
    return target_error_reply(exc).response()


# Routes --------------------------------------------------------------------


async def _spc(request: Request, endpoints: ScimEndpoints) -> Response:
    _only(request, "GET")
    return endpoints.service_provider_config()


async def _resource_types(request: Request, endpoints: ScimEndpoints) -> Response:
    _only(request, "GET")
    return endpoints.resource_types(request.path_params.get("name"))


async def _schemas(request: Request, endpoints: ScimEndpoints) -> Response:
    _only(request, "GET")
    return endpoints.schemas(request.path_params.get("schema_id"))


async def _collection(request: Request, endpoints: ScimEndpoints) -> Response:
    handler = endpoints.handler(request.path_params["endpoint"])
    if request.method == "GET":
        return await endpoints.list_resources(request, handler)
    if request.method == "POST":
        return await endpoints.create(request, handler)
    raise method_not_allowed(request.method, "GET, POST")


async def _bulk(request: Request, endpoints: ScimEndpoints) -> Response:
    _only(request, "POST")
    return await serve_bulk(request, endpoints)


async def _search(request: Request, endpoints: ScimEndpoints) -> Response:
    handler = endpoints.handler(request.path_params["endpoint"])
    _only(request, "POST")
    return await endpoints.search(request, handler)


async def _root_search(request: Request, endpoints: ScimEndpoints) -> Response:
    _only(request, "POST")
    return await endpoints.search_all(request)


async def _item(request: Request, endpoints: ScimEndpoints) -> Response:
    handler = endpoints.handler(request.path_params["endpoint"])
    resource_id = request.path_params["resource_id"]
    method = request.method
    if method == "GET":
        return await endpoints.get(request, handler, resource_id)
    if method == "PUT":
        return await endpoints.replace(request, handler, resource_id)
    if method == "PATCH":
        return await endpoints.patch(request, handler, resource_id)
    if method == "DELETE":
        return await endpoints.delete(request, handler, resource_id)
    raise method_not_allowed(method, "GET, PUT, PATCH, DELETE")


def _only(request: Request, method: str) -> None:
    if request.method != method:
        raise method_not_allowed(request.method, method)


async def _healthz(request: Request) -> Response:
    return JSONResponse({"status": "ok"})


async def _readyz(request: Request) -> Response:
    gateway: Gateway = request.app.state.gateway
    return JSONResponse({"status": "ready", "instances": sorted(gateway.endpoints)})


async def _metrics(request: Request) -> Response:
    gateway: Gateway = request.app.state.gateway
    return Response(generate_latest(gateway.metrics.registry), media_type=CONTENT_TYPE_LATEST)


async def _not_found(request: Request) -> Response:
    return error_response(404, f"no SCIM endpoint at {request.url.path}")


ALL = ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS", "TRACE", "CONNECT"]
BASE = "/{instance}/scim/v2"


def routes() -> list[Route]:
    return [
        Route("/healthz", _healthz),
        Route("/readyz", _readyz),
        Route("/metrics", _metrics),
        Route(f"{BASE}/ServiceProviderConfig", scim_route(_spc), methods=ALL),
        Route(f"{BASE}/ResourceTypes", scim_route(_resource_types), methods=ALL),
        Route(f"{BASE}/ResourceTypes/{{name}}", scim_route(_resource_types), methods=ALL),
        Route(f"{BASE}/Schemas", scim_route(_schemas), methods=ALL),
        Route(f"{BASE}/Schemas/{{schema_id}}", scim_route(_schemas), methods=ALL),
        Route(f"{BASE}/.search", scim_route(_root_search), methods=ALL),
        Route(f"{BASE}/Bulk", scim_route(_bulk), methods=ALL),
        Route(f"{BASE}/{{endpoint}}", scim_route(_collection), methods=ALL),
        Route(f"{BASE}/{{endpoint}}/.search", scim_route(_search), methods=ALL),
        Route(f"{BASE}/{{endpoint}}/{{resource_id}}", scim_route(_item), methods=ALL),
        Route("/{instance}/oauth2/token", token_endpoint, methods=ALL),
        Route("/{path:path}", _not_found, methods=ALL),
    ]


def create_app(gateway: Gateway, *, lifespan: Any = None) -> ASGIApp:
    """Build the ASGI application around a ready :class:`Gateway`."""
    app = Starlette(
        routes=routes(),
        lifespan=lifespan,
        exception_handlers={
            HTTPException: http_exception_response,
            Exception: internal_error_response,
        },
    )
    app.state.gateway = gateway
    return RequestLog(app, gateway.metrics)
