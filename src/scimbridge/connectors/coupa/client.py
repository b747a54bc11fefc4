"""The Coupa Core API calls the Coupa connector makes.

Every path sits under ``/api``. Records travel as JSON objects with
hyphenated keys, and lists as bare JSON arrays of at most 50 records, paged
with a 0-based ``offset`` and ``limit``. Coupa never returns a total count.
Query conditions are ``field=value`` or ``field[operator]=value`` parameters,
all of which must hold.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

import httpx

from scimbridge.connectors.http import TargetHttp, response_json
from scimbridge.errors import TargetUnavailable

TARGET_NAME = "Coupa"

PAGE_CAP = 50
"""Coupa returns at most this many records per list call."""

Record = dict[str, Any]
Params = dict[str, str]


def parse_coupa_error(response: httpx.Response) -> tuple[str | None, str]:
    """Read a Coupa error body into (code, message).

    Validation errors come as ``{"errors": {"user": ["Login has already been
    taken"]}}``; authentication errors as ``{"errors": ["..."]}``, and the
    token endpoint as RFC 6749 ``{"error": ..., "error_description": ...}``.
    """
    try:
        body = response.json()
    except ValueError:
        return None, f"non-JSON body of {len(response.content)} bytes"

    if not isinstance(body, dict):
        return None, "unrecognised error body"
    errors = body.get("errors")
    if isinstance(errors, dict):
        messages = [str(message) for values in errors.values() for message in _as_list(values)]
        return None, "; ".join(messages) or "no error message"
    if isinstance(errors, list):
        return None, "; ".join(str(message) for message in errors) or "no error message"
    if isinstance(body.get("error"), str):
        description = body.get("error_description")
        return body["error"], f"{body['error']}" + (f" ({description})" if description else "")
    return None, "unrecognised error body"


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


class CoupaClient:
    """Typed calls on the Coupa Core API."""

    def __init__(self, http: TargetHttp) -> None:
        self._http = http

    async def get(self, resource: str, record_id: int | str) -> Record:
        response = await self._http.request("GET", f"/api/{resource}/{record_id}")
        return _record(response)

    async def index(
        self,
        resource: str,
        params: Mapping[str, str] | None = None,
        *,
        offset: int = 0,
        limit: int = PAGE_CAP,
        fields: Sequence[Any] | None = None,
    ) -> list[Record]:
        """Read one page of at most ``limit`` (capped at 50) records matching ``params``."""
        query: Params = dict(params or {})
        query["offset"] = str(offset)
        query["limit"] = str(min(limit, PAGE_CAP))
        if fields is not None:
            query["fields"] = json.dumps(list(fields), separators=(",", ":"))
        response = await self._http.request("GET", f"/api/{resource}", params=query)
        body = response_json(response, TARGET_NAME)
        if not isinstance(body, list):
            raise TargetUnavailable(f"{TARGET_NAME} returned a list response that is not an array")
        return [record for record in body if isinstance(record, dict)]

    async def count_rows(
        self, resource: str, params: Mapping[str, str], offset: int, limit: int
    ) -> int:
        """Return how many records a list call returns at ``offset``, reading ids only."""
        rows = await self.index(resource, params, offset=offset, limit=limit, fields=["id"])
        return len(rows)

    async def create(self, resource: str, body: Mapping[str, Any]) -> Record:
        response = await self._http.request("POST", f"/api/{resource}", json=dict(body))
        return _record(response)

    async def update(self, resource: str, record_id: int | str, body: Mapping[str, Any]) -> Record:
        response = await self._http.request("PUT", f"/api/{resource}/{record_id}", json=dict(body))
        return _record(response)

    async def change_content_group(self, user_id: int, group_id: int, *, add: bool) -> None:
        """Add a user to one content group, or remove it, without touching its others."""
        action = "add" if add else "remove"
        await self._http.request("PUT", f"/api/users/{user_id}/business_groups/{group_id}/{action}")

    async def user_group_memberships(self, user_id: int, group_id: int) -> list[Record]:
        return await self.index(
            "user_group_memberships", {"user-id": str(user_id), "user-group-id": str(group_id)}
        )

    async def add_user_group_membership(self, user_id: int, group_id: int) -> None:
        await self._http.request(
            "POST",
            "/api/user_group_memberships",
            json={"user-id": user_id, "user-group-id": group_id},
        )

    async def delete_user_group_membership(self, membership_id: int) -> None:
        await self._http.request("DELETE", f"/api/user_group_memberships/{membership_id}")


def _record(response: httpx.Response) -> Record:
    body = response_json(response, TARGET_NAME)
    if not isinstance(body, dict):
        raise TargetUnavailable(f"{TARGET_NAME} returned a record that is not a JSON object")
    return body
