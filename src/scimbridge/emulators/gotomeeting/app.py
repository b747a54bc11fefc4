"""The emulator's ASGI application: routes, authentication and error handling.

Routes (every response body is JSON):

- ``POST /oauth/token``: see :mod:`scimbridge.emulators.gotomeeting.oauth`.
- ``GET /admin/rest/v1/me``: the account key, the account list and the caller's user.
- ``/admin/rest/v1/accounts/{accountKey}/users`` (GET list, POST bulk create),
  ``/users/{userKey}`` (GET, PUT, DELETE) and ``/users/{userKey}/groups`` (DELETE).
- ``/admin/rest/v1/accounts/{accountKey}/groups`` (GET list, POST create),
  ``/groups/{groupKey}`` (GET, PUT, DELETE) and ``/groups/{groupKey}/users/{userKey}`` (PUT).
- ``GET /admin/rest/v1/accounts/{accountKey}/licenses``.
- ``POST /_emulator/accounts/{accountKey}/users/{userKey}/password``: emulator-only and
  unauthenticated. It marks the user's password as created, as if the user had
  accepted the invitation, so a licensed user turns ACTIVE. It answers 204.

Admin API calls need a bearer token from the token endpoint. Successful PUT and
DELETE calls answer ``write_status`` with an empty body.
"""

from __future__ import annotations

import json
import logging
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

from starlette.applications import Starlette
from starlette.datastructures import Headers
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from starlette.types import Scope

from scimbridge.emulators.client_auth import FORM_REQUIRED_MESSAGE, read_form
from scimbridge.emulators.faults import fault_middleware
from scimbridge.emulators.gotomeeting.directory import Directory
from scimbridge.emulators.gotomeeting.errors import (
    ApiError,
    OAuthError,
    bad_request,
    edge_response,
    envelope_response,
)
from scimbridge.emulators.gotomeeting.filters import ListSpec, Record, list_page
from scimbridge.emulators.gotomeeting.oauth import TokenService
from scimbridge.emulators.gotomeeting.settings import EmulatorSettings
from scimbridge.emulators.gotomeeting.store import Store, user_status

logger = logging.getLogger(__name__)

ADMIN = "/admin/rest/v1"
ACCOUNT = ADMIN + "/accounts/{account_key}"

USER_LIST = ListSpec(
    fields=frozenset(
        {"key", "email", "firstName", "lastName", "status", "groupKey", "locale", "timeZone"}
    ),
    default_sort="email",
)
GROUP_LIST = ListSpec(fields=frozenset({"key", "name"}), default_sort="name")
LICENSE_LIST = ListSpec(fields=frozenset({"key", "type", "description"}), default_sort="key")


class GoToMeetingEmulator:
    """The route handlers, bound to one account's store."""

    def __init__(self, settings: EmulatorSettings) -> None:
        self.settings = settings
        self.store = Store(settings)
        self.directory = Directory(self.store, settings)
        self.tokens = TokenService(self.store, settings)

    def routes(self) -> list[Route]:
        """Return the Starlette routes of the emulated API."""
        return [
            Route("/oauth/token", self.token, methods=["POST"]),
            Route(ADMIN + "/me", self.me, methods=["GET"]),
            Route(ACCOUNT + "/users", self.list_users, methods=["GET"]),
            Route(ACCOUNT + "/users", self.create_users, methods=["POST"]),
            Route(ACCOUNT + "/users/{user_key}", self.get_user, methods=["GET"]),
            Route(ACCOUNT + "/users/{user_key}", self.update_user, methods=["PUT"]),
            Route(ACCOUNT + "/users/{user_key}", self.delete_user, methods=["DELETE"]),
            Route(ACCOUNT + "/users/{user_key}/groups", self.leave_groups, methods=["DELETE"]),
            Route(ACCOUNT + "/groups", self.list_groups, methods=["GET"]),
            Route(ACCOUNT + "/groups", self.create_group, methods=["POST"]),
            Route(ACCOUNT + "/groups/{group_key}", self.get_group, methods=["GET"]),
            Route(ACCOUNT + "/groups/{group_key}", self.rename_group, methods=["PUT"]),
            Route(ACCOUNT + "/groups/{group_key}", self.delete_group, methods=["DELETE"]),
            Route(
                ACCOUNT + "/groups/{group_key}/users/{user_key}",
                self.join_group,
                methods=["PUT"],
            ),
            Route(ACCOUNT + "/licenses", self.list_licenses, methods=["GET"]),
            Route(
                "/_emulator/accounts/{account_key}/users/{user_key}/password",
                self.set_password,
                methods=["POST"],
            ),
            Route("/_emulator/access-tokens", self.revoke_access_tokens, methods=["DELETE"]),
        ]

    def rate_limit_key(self, scope: Scope) -> str:
        """Key requests by OAuth client where one is known, else by caller address."""
        client_id = self.tokens.client_of(Headers(scope=scope).get("authorization"))
        if client_id is not None:
            return "client:" + client_id

        client = scope.get("client")
        return "address:" + (client[0] if client else "unknown")

    def _authorize(self, request: Request) -> None:
        """Check the bearer token and the account key in the path."""
        self.tokens.authenticate(request.headers.get("authorization"))

        account_key = request.path_params.get("account_key")
        if account_key is None:
            return
        if not account_key.isdigit():
            raise ApiError(
                self.settings.invalid_key_status,
                "account.not.found",
                f"Invalid key '{account_key}'.",
            )
        if account_key != self.settings.account_key:
            raise ApiError(
                self.settings.foreign_account_status,
                "not.authorized",
                f"The caller is not an admin of account {account_key}.",
            )

    def _written(self) -> Response:
        return Response(status_code=self.settings.write_status)

    def _render_user(self, key: str) -> Record:
        return self.store.render_user(self.store.users[key])

    def _render_group(self, key: str) -> Record:
        return self.store.render_group(self.store.groups[key])

    def _render_license(self, key: str) -> Record:
        return self.store.render_license(self.store.licenses[key])

    def _page(
        self,
        request: Request,
        views: Callable[[], list[Record]],
        spec: ListSpec,
        render: Callable[[str], Record],
    ) -> Response:
        """Build the list envelope under the store lock; ``views`` builds the filter views."""
        with self.store.lock:
            body = self._list_page(request, views(), spec, render)
        return JSONResponse(body)

    def _list_page(
        self,
        request: Request,
        views: list[Record],
        spec: ListSpec,
        render: Callable[[str], Record],
    ) -> dict[str, Any]:
        return list_page(
            views,
            request.query_params,
            request.url.query,
            spec,
            render=render,
            default_page_size=self.settings.default_page_size,
            max_page_size=self.settings.max_page_size,
            reject_plus=self.settings.reject_plus_in_filter,
        )

    async def token(self, request: Request) -> Response:
        fields = await read_form(request)
        if fields is None:
            raise OAuthError("invalid_request", FORM_REQUIRED_MESSAGE)
        body = self.tokens.grant(fields, request.headers.get("authorization"))
        return JSONResponse(body, headers={"Cache-Control": "no-store"})

    async def me(self, request: Request) -> Response:
        token = self.tokens.authenticate(request.headers.get("authorization"))

        user = self.store.user_by_email(token["principal"])
        body: dict[str, Any] = (
            self.store.render_user(user) if user else {"email": token["principal"]}
        )
        account: dict[str, Any] = {
            "key": self.settings.account_key,
            "name": self.settings.account_name,
        }
        if user and user["adminRoles"]:
            account["adminRoles"] = list(user["adminRoles"])
        body["accountKey"] = self.settings.account_key
        body["accounts"] = [account]
        return JSONResponse(body)

    def _user_views(self) -> list[Record]:
        return [
            {
                "key": user["key"],
                "email": user["email"],
                "firstName": user["firstName"],
                "lastName": user["lastName"],
                "status": user_status(user),
                "groupKey": user["groupKey"],
                "locale": user["locale"],
                "timeZone": user["timeZone"],
            }
            for user in self.store.users.values()
        ]

    def _group_views(self) -> list[Record]:
        return [
            {"key": group["key"], "name": group["name"]} for group in self.store.groups.values()
        ]

    def _license_views(self) -> list[Record]:
        return [
            {"key": item["key"], "type": item["type"], "description": item["description"]}
            for item in self.store.licenses.values()
        ]

    async def list_users(self, request: Request) -> Response:
        self._authorize(request)
        return self._page(request, self._user_views, USER_LIST, self._render_user)

    async def create_users(self, request: Request) -> Response:
        self._authorize(request)

        raw = request.query_params.get("allOrNothing", "true").lower()
        if raw not in ("true", "false"):
            raise bad_request("allOrNothing.invalid", "allOrNothing must be true or false.")
        bindings = self.directory.create_users(await _json(request), raw == "true")
        return JSONResponse(bindings)

    async def get_user(self, request: Request) -> Response:
        self._authorize(request)
        user = self.directory.user(request.path_params["user_key"])
        return JSONResponse(self.store.render_user(user))

    async def update_user(self, request: Request) -> Response:
        self._authorize(request)
        self.directory.user(request.path_params["user_key"])
        self.directory.update_user(request.path_params["user_key"], await _json(request))
        return self._written()

    async def delete_user(self, request: Request) -> Response:
        self._authorize(request)
        self.directory.delete_user(request.path_params["user_key"])
        return self._written()

    async def leave_groups(self, request: Request) -> Response:
        self._authorize(request)
        self.directory.remove_user_from_groups(request.path_params["user_key"])
        return self._written()

    async def list_groups(self, request: Request) -> Response:
        self._authorize(request)
        return self._page(request, self._group_views, GROUP_LIST, self._render_group)

    async def create_group(self, request: Request) -> Response:
        self._authorize(request)
        key = self.directory.create_group(await _json(request))
        return JSONResponse(key)

    async def get_group(self, request: Request) -> Response:
        self._authorize(request)
        group = self.directory.group(request.path_params["group_key"])
        return JSONResponse(self.store.render_group(group))

    async def rename_group(self, request: Request) -> Response:
        self._authorize(request)
        self.directory.group(request.path_params["group_key"])
        self.directory.rename_group(request.path_params["group_key"], await _json(request))
        return self._written()

    async def delete_group(self, request: Request) -> Response:
        self._authorize(request)
        self.directory.delete_group(request.path_params["group_key"])
        return self._written()

    async def join_group(self, request: Request) -> Response:
        self._authorize(request)
        self.directory.add_user_to_group(
            request.path_params["group_key"], request.path_params["user_key"]
        )
        return self._written()

    async def list_licenses(self, request: Request) -> Response:
        self._authorize(request)
        return self._page(request, self._license_views, LICENSE_LIST, self._render_license)

    async def set_password(self, request: Request) -> Response:
        if request.path_params["account_key"] != self.settings.account_key:
            raise ApiError(404, "account.not.found", request.path_params["account_key"])
        self.directory.mark_password_created(request.path_params["user_key"])
        return Response(status_code=204)

    async def revoke_access_tokens(self, request: Request) -> Response:
        """Revoke every issued access token, as a password change at GoTo does.

        Refresh tokens and PATs stay valid, so a client that refreshes recovers.
        """
        self.store.revoke_access_tokens()
        return Response(status_code=204)


async def _json(request: Request) -> Any:
    body = await request.body()
    try:
        return json.loads(body)
    except (json.JSONDecodeError, UnicodeDecodeError):
        raise bad_request("request.body.invalid", "The request body is not valid JSON.") from None


async def _api_error(request: Request, error: Exception) -> Response:
    assert isinstance(error, ApiError)
    logger.info("%s %s failed: %s", request.method, request.url.path, error)
    return error.response()


async def _oauth_error(request: Request, error: Exception) -> Response:
    assert isinstance(error, OAuthError)
    logger.info("Token request failed: %s", error)
    return error.response()


async def _http_error(request: Request, error: Exception) -> Response:
    assert isinstance(error, HTTPException)
    if error.status_code == 404:
        return edge_response(404, "NOT_FOUND", f"No resource at {request.url.path}.")
    if error.status_code == 405:
        return edge_response(
            405, "METHOD_NOT_ALLOWED", f"{request.method} is not allowed on {request.url.path}."
        )
    return envelope_response(error.status_code, [("request.invalid", error.detail)])


def create_app(settings: EmulatorSettings) -> Starlette:
    """Build the emulator's ASGI application for ``settings``.

    The state file, if any, is opened here and closed when the application's
    lifespan ends.
    """
    emulator = GoToMeetingEmulator(settings)

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        yield
        emulator.store.close()

    def reject(retry_after: int) -> Response:
        return envelope_response(
            429,
            [("rate.limit.exceeded", f"Too many requests. Retry after {retry_after} s.")],
        )

    middleware = fault_middleware(
        latency_seconds=settings.latency_seconds,
        rate_limit_per_second=settings.rate_limit_per_second,
        rate_limit_burst=settings.rate_limit_burst,
        key=emulator.rate_limit_key,
        reject=reject,
    )
    app = Starlette(
        routes=emulator.routes(),
        middleware=middleware,
        exception_handlers={
            ApiError: _api_error,
            OAuthError: _oauth_error,
            HTTPException: _http_error,
        },
        lifespan=lifespan,
    )
    app.state.emulator = emulator
    return app
