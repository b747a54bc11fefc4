"""The emulator's ASGI application: routes, authentication and error handling.

Routes (JSON only, hyphenated keys):

- ``POST /oauth2/token``: see :mod:`scimbridge.emulators.coupa.auth`.
- For every resource in :data:`~scimbridge.emulators.coupa.resources.RESOURCES`:
  ``GET /api/<path>`` (index), ``GET /api/<path>/{id}``, and where allowed ``POST
  /api/<path>`` (201) and ``PUT``/``PATCH /api/<path>/{id}`` (200, same meaning).
- ``GET /api/users/{id}/business_groups`` and ``PUT
  /api/users/{id}/business_groups/{group_id}/add`` or ``/remove``.
- ``DELETE /api/user_group_memberships/{id}`` (200 with the deleted membership).
- Anything else under ``/api``, every other ``DELETE`` included, gets 404 once the
  caller is authenticated.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any
from zoneinfo import ZoneInfo

from starlette.applications import Starlette
from starlette.datastructures import Headers
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from starlette.types import Scope

from scimbridge.emulators.client_auth import FORM_REQUIRED_MESSAGE, read_form
from scimbridge.emulators.coupa import store as kinds
from scimbridge.emulators.coupa.auth import Authenticator, Caller
from scimbridge.emulators.coupa.catalog import CatalogWriter
from scimbridge.emulators.coupa.errors import (
    AccessError,
    CoupaError,
    OAuthError,
    invalid,
    not_found,
    rate_limited,
)
from scimbridge.emulators.coupa.index import index_page
from scimbridge.emulators.coupa.inputs import INVALID, Validation, parse_body, record_id
from scimbridge.emulators.coupa.memberships import (
    add_membership,
    find_membership,
    remove_membership,
)
from scimbridge.emulators.coupa.projection import Shape, apply_shape, parse_shape
from scimbridge.emulators.coupa.query import parse_index_query
from scimbridge.emulators.coupa.references import Association, resolve_one
from scimbridge.emulators.coupa.render import Renderer
from scimbridge.emulators.coupa.resources import MEMBERSHIPS, RESOURCES, USERS, Resource
from scimbridge.emulators.coupa.seed import seed
from scimbridge.emulators.coupa.settings import CoupaEmulatorSettings
from scimbridge.emulators.coupa.store import Store
from scimbridge.emulators.coupa.users import UserWriter
from scimbridge.emulators.faults import fault_middleware
from scimbridge.emulators.state import Document

logger = logging.getLogger(__name__)

Handler = Callable[[Request], Awaitable[Response]]
ALL_METHODS = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]

_MEMBER_USER = Association("user", "User", ("id", "login", "email"))
_MEMBER_GROUP = Association("user-group", "UserGroup", ("id", "name"))


class CoupaEmulator:
    """The route handlers, bound to one instance's store."""

    def __init__(self, settings: CoupaEmulatorSettings) -> None:
        self.settings = settings
        self.store = Store(settings)
        if not self.store.seeded:
            seed(self.store)
        self.renderer = Renderer(self.store, ZoneInfo(settings.time_zone))
        self.auth = Authenticator(self.store, settings)
        self.users = UserWriter(self.store)
        self.catalog = CatalogWriter(self.store)

    def routes(self) -> list[Route]:
        """Return the Starlette routes of the emulated API."""
        routes = [
            Route("/oauth2/token", self.token, methods=["POST"]),
            Route("/api/users/{id}/business_groups", self.user_content_groups, methods=["GET"]),
            Route(
                "/api/users/{id}/business_groups/{group_id}/{action:str}",
                self.change_user_content_group,
                methods=["PUT"],
            ),
            Route("/api/user_group_memberships/{id}", self.delete_membership, methods=["DELETE"]),
        ]
        for resource in RESOURCES:
            base = "/api/" + resource.path
            routes.append(Route(base, self._index_handler(resource), methods=["GET"]))
            routes.append(Route(base + "/{id}", self._show_handler(resource), methods=["GET"]))
            if resource.can_create:
                routes.append(Route(base, self._create_handler(resource), methods=["POST"]))
            if resource.can_update:
                handler = self._update_handler(resource)
                routes.append(Route(base + "/{id}", handler, methods=["PUT", "PATCH"]))
        routes.append(Route("/api/{rest:path}", self.unrouted, methods=ALL_METHODS))
        return routes

    def rate_limit_key(self, scope: Scope) -> str:
        """Key requests by OAuth client or API key where known, else by caller address."""
        key = self.auth.rate_limit_key(Headers(scope=scope))
        if key is not None:
            return key
        client = scope.get("client")
        return "address:" + (client[0] if client else "unknown")

    def _caller(self, request: Request, scope: str) -> Caller:
        caller = self.auth.authenticate(request.headers)
        self.auth.require_scope(caller, scope)
        return caller

    def _record(self, resource: Resource, request: Request, name: str = "id") -> Document:
        raw = request.path_params[name]
        record = None
        requested = record_id(raw)
        if requested is not None:
            record = self.store.get(resource.kind, requested)
        if record is None:
            raise not_found(resource.kind, resource.model, raw)
        return record

    def _respond(
        self, resource: Resource, record: Document, shape: Shape, status: int = 200
    ) -> Response:
        if shape.empty_body:
            return Response(status_code=status)
        rendered = self.renderer.render(resource.kind, record)
        return JSONResponse(apply_shape(rendered, shape, resource.kind), status_code=status)

    def _shape(self, resource: Resource, request: Request, *, write: bool) -> Shape:
        return parse_shape(request.query_params, resource.kind, resource.kind, write=write)

    async def token(self, request: Request) -> Response:
        form = await read_form(request)
        if form is None:
            raise OAuthError("invalid_request", FORM_REQUIRED_MESSAGE)
        body = self.auth.grant(form, request.headers.get("authorization"))
        return JSONResponse(body, headers={"Cache-Control": "no-store"})

    def _index_handler(self, resource: Resource) -> Handler:
        async def index(request: Request) -> Response:
            self._caller(request, resource.read_scope)
            parameters = request.query_params.multi_items()
            query = parse_index_query(
                parameters, resource.kind, resource.kind, self.settings.page_cap
            )
            shape = self._shape(resource, request, write=False)

            body = index_page(self.store, self.renderer, resource.kind, query, shape)
            return JSONResponse(body)

        return index

    def _show_handler(self, resource: Resource) -> Handler:
        async def show(request: Request) -> Response:
            self._caller(request, resource.read_scope)
            record = self._record(resource, request)
            return self._respond(resource, record, self._shape(resource, request, write=False))

        return show

    def _create_handler(self, resource: Resource) -> Handler:
        async def create(request: Request) -> Response:
            caller = self._caller(request, resource.write_scope)
            shape = self._shape(resource, request, write=True)
            body = parse_body(await request.body(), resource.kind)

            if resource is USERS:
                new_id = self.users.create(body, caller.user_id)
            elif resource is MEMBERSHIPS:
                new_id = self._create_membership(body, caller.user_id)
            else:
                new_id = self.catalog.create(resource.kind, body, caller.user_id)

            record = self.store.get(resource.kind, new_id)
            assert record is not None
            return self._respond(resource, record, shape, status=201)

        return create

    def _update_handler(self, resource: Resource) -> Handler:
        async def update(request: Request) -> Response:
            caller = self._caller(request, resource.write_scope)
            record = self._record(resource, request)
            shape = self._shape(resource, request, write=True)
            body = parse_body(await request.body(), resource.kind)

            if resource is USERS:
                self.users.update(record, body, caller.user_id)
            else:
                self.catalog.update(resource.kind, record, body, caller.user_id)

            updated = self.store.get(resource.kind, record["id"])
            assert updated is not None
            return self._respond(resource, updated, shape)

        return update

    async def user_content_groups(self, request: Request) -> Response:
        self._caller(request, USERS.read_scope)
        user = self._record(USERS, request)
        groups = [
            self.renderer.business_group(group)
            for group in (
                self.store.get(kinds.BUSINESS_GROUP, group_id)
                for group_id in user["content-group-ids"]
            )
            if group is not None
        ]
        return JSONResponse(groups)

    async def change_user_content_group(self, request: Request) -> Response:
        caller = self._caller(request, USERS.write_scope)
        action = request.path_params["action"]
        if action not in ("add", "remove"):
            return await self.unrouted(request)
        user = self._record(USERS, request)
        group_resource = next(item for item in RESOURCES if item.kind == kinds.BUSINESS_GROUP)
        group = self._record(group_resource, request, "group_id")
        shape = self._shape(USERS, request, write=True)

        current = list(user["content-group-ids"])
        ids = [group_id for group_id in current if group_id != group["id"]]
        if action == "add":
            ids = current if group["id"] in current else [*current, group["id"]]
        if ids != current:
            self.users.update(
                user, {"content-groups": [{"id": group_id} for group_id in ids]}, caller.user_id
            )

        updated = self.store.get(kinds.USER, user["id"])
        assert updated is not None
        return self._respond(USERS, updated, shape)

    def _create_membership(self, body: dict[str, Any], actor_id: int) -> int:
        validation = Validation(kinds.MEMBERSHIP)
        user_id = self._membership_side(validation, body, _MEMBER_USER, kinds.USER)
        group_id = self._membership_side(validation, body, _MEMBER_GROUP, kinds.USER_GROUP)
        validation.raise_if_any()

        if find_membership(self.store, user_id, group_id) is not None:
            group = self.store.get(kinds.USER_GROUP, group_id)
            assert group is not None
            raise invalid(kinds.MEMBERSHIP, f"User is already a member of {group['name']}")
        return int(add_membership(self.store, user_id, group_id, actor_id)["id"])

    def _membership_side(
        self, validation: Validation, body: dict[str, Any], association: Association, kind: str
    ) -> Any:
        name = association.name
        reference = body.get(name)
        if reference is None and body.get(name + "-id") is not None:
            reference = {"id": body[name + "-id"]}
        if reference is None:
            validation.add(f"{association.model.replace('Group', ' group')} can't be blank")
            return INVALID
        return resolve_one(validation, self.store.all(kind), association, reference)

    async def delete_membership(self, request: Request) -> Response:
        caller = self._caller(request, MEMBERSHIPS.write_scope)
        membership = self._record(MEMBERSHIPS, request)
        rendered = self.renderer.membership(membership)
        remove_membership(self.store, membership, caller.user_id)
        return JSONResponse(rendered)

    async def unrouted(self, request: Request) -> Response:
        self.auth.authenticate(request.headers)
        message = f"No route matches {request.method} {request.url.path}"
        if request.method == "DELETE":
            message += ". The Coupa API deletes nothing except user group memberships"
        raise CoupaError(404, "route", [message])


async def _coupa_error(request: Request, error: Exception) -> Response:
    assert isinstance(error, CoupaError | AccessError | OAuthError)
    logger.info("%s %s failed: %s", request.method, request.url.path, error)
    return error.response()


async def _http_error(request: Request, error: Exception) -> Response:
    assert isinstance(error, HTTPException)
    message = f"No route matches {request.method} {request.url.path}"
    return JSONResponse({"errors": {"route": [message]}}, status_code=error.status_code)


def create_app(settings: CoupaEmulatorSettings) -> Starlette:
    """Build the emulator's ASGI application for ``settings``.

    The state file, if any, is opened and seeded here and closed when the
    application's lifespan ends.
    """
    emulator = CoupaEmulator(settings)

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        yield
        emulator.store.close()

    middleware = fault_middleware(
        latency_seconds=settings.latency_seconds,
        rate_limit_per_second=settings.rate_limit_per_second,
        rate_limit_burst=settings.rate_limit_burst,
        key=emulator.rate_limit_key,
        reject=rate_limited,
    )
    app = Starlette(
        routes=emulator.routes(),
        middleware=middleware,
        exception_handlers={
            CoupaError: _coupa_error,
            AccessError: _coupa_error,
            OAuthError: _coupa_error,
            HTTPException: _http_error,
        },
        lifespan=lifespan,
    )
    app.state.emulator = emulator
    return app
