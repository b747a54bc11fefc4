"""The GoTo Admin API calls the GoToMeeting connector makes.

Every path sits under ``/accounts/{accountKey}``. Keys (account, user, group,
license) are opaque strings; the API sends them as strings of digits, and a
bare JSON number is accepted too. Lists come in the envelope
``{results, fromIndex, toIndex, total}`` and are paged with a 0-based
``offset`` and ``pageSize``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, urlencode

import httpx

from scimbridge.connectors.http import TargetHttp, response_json

TARGET_NAME = "GoToMeeting"


@dataclass(frozen=True)
class ListPage:
    """One page of a GoTo list response."""

    results: list[dict[str, Any]]
    total: int


def parse_goto_error(response: httpx.Response) -> tuple[str | None, str]:
    """Read a GoTo error body into (code, message).

    The Admin API sends ``{incidentId, errors: [{code, value}]}``; the edge in
    front of it sends ``{errorCode, message}`` for unrouted paths.
    """
    try:
        body = response.json()
    except ValueError:
        return None, f"non-JSON body of {len(response.content)} bytes"

    if isinstance(body, dict):
        errors = body.get("errors")
        if isinstance(errors, list) and errors and isinstance(errors[0], dict):
            first = errors[0]
            code = str(first.get("code")) if first.get("code") is not None else None
            value = first.get("value")
            return code, f"{code}" + (f" ({value})" if value not in (None, "") else "")
        if isinstance(body.get("errorCode"), str):
            return body["errorCode"], str(body.get("message") or body["errorCode"])
    return None, "unrecognised error body"


def _segment(key: str) -> str:
    return quote(key, safe="")


def filter_literal(value: str) -> str:
    """Quote a value for a ``field eq "value"`` filter, escaping backslashes and quotes."""
    escaped = value.replace("\\", "\\\\").replace('"', '\\"')
    return f'"{escaped}"'


def normalise_key(value: Any) -> str:
    """Turn a key the API sent (string or bare JSON number) into its string form."""
    return str(value)


class GoToClient:
    """Typed calls on the GoTo Admin API for one account."""

    def __init__(self, http: TargetHttp, account_key: str) -> None:
        self._http = http
        self.account_key = account_key

    @property
    def _account(self) -> str:
        return f"/accounts/{_segment(self.account_key)}"

    async def me(self) -> dict[str, Any]:
        response = await self._http.request("GET", "/me")
        return dict(response_json(response, TARGET_NAME))

    async def list_users(
        self,
        *,
        offset: int,
        page_size: int,
        filter: str | None = None,
        sort: tuple[str, bool] | None = None,
    ) -> ListPage:
        return await self._list("users", offset, page_size, filter, sort)

    async def list_groups(
        self, *, offset: int, page_size: int, filter: str | None = None
    ) -> ListPage:
        return await self._list("groups", offset, page_size, filter, None)

    async def list_licenses(self) -> list[dict[str, Any]]:
        page = await self._list("licenses", 0, 1000, None, None)
        return page.results

    async def get_user(self, key: str) -> dict[str, Any]:
        response = await self._http.request("GET", f"{self._account}/users/{_segment(key)}")
        return _keyed(response_json(response, TARGET_NAME))

    async def create_user(self, user: Mapping[str, Any], *, license_keys: list[str]) -> str:
        """Create one user with ``allOrNothing=true`` and return its key.

        With ``allOrNothing`` the API returns 409 and creates nothing when the
        email is taken, which is what a SCIM client must see as ``uniqueness``.
        """
        keys = await self.create_users([user], license_keys=license_keys)
        return keys[0]

    async def create_users(
        self, users: Sequence[Mapping[str, Any]], *, license_keys: list[str]
    ) -> list[str]:
        """Create users in one call with ``allOrNothing=true`` and return their keys in order.

        The call creates every user or none: a taken email fails it with 409
        and an invalid value with 400.
        """
        body: dict[str, Any] = {
            "users": [dict(user) for user in users],
            "licenseKeys": license_keys,
        }
        response = await self._http.request(
            "POST", f"{self._account}/users", params={"allOrNothing": "true"}, json=body
        )
        bindings = response_json(response, TARGET_NAME)
        return [normalise_key(binding["key"]) for binding in bindings]

    async def update_user(self, key: str, fields: Mapping[str, Any]) -> None:
        await self._http.request("PUT", f"{self._account}/users/{_segment(key)}", json=dict(fields))

    async def delete_user(self, key: str) -> None:
        await self._http.request("DELETE", f"{self._account}/users/{_segment(key)}")

    async def remove_user_from_groups(self, key: str) -> None:
        await self._http.request("DELETE", f"{self._account}/users/{_segment(key)}/groups")

    async def get_group(self, key: str) -> dict[str, Any]:
        response = await self._http.request("GET", f"{self._account}/groups/{_segment(key)}")
        return _keyed(response_json(response, TARGET_NAME))

    async def create_group(self, name: str) -> str:
        response = await self._http.request("POST", f"{self._account}/groups", json={"name": name})
        return normalise_key(response_json(response, TARGET_NAME))

    async def rename_group(self, key: str, name: str) -> None:
        await self._http.request(
            "PUT", f"{self._account}/groups/{_segment(key)}", json={"name": name}
        )

    async def delete_group(self, key: str) -> None:
        await self._http.request("DELETE", f"{self._account}/groups/{_segment(key)}")

    async def put_user_in_group(self, group_key: str, user_key: str) -> None:
        await self._http.request(
            "PUT", f"{self._account}/groups/{_segment(group_key)}/users/{_segment(user_key)}"
        )

    async def _list(
        self,
        kind: str,
        offset: int,
        page_size: int,
        filter: str | None,
        sort: tuple[str, bool] | None,
    ) -> ListPage:
        params: dict[str, Any] = {"offset": offset, "pageSize": page_size}
        if filter:
            params["filter"] = filter
        if sort is not None:
            field, ascending = sort
            params["ascending" if ascending else "descending"] = f"{field}=true"

        # The query string is built here because httpx encodes a space as "+",
        # which the Admin API rejects in a filter: spaces must be sent as %20.
        query = urlencode(params, quote_via=quote)
        response = await self._http.request("GET", f"{self._account}/{kind}?{query}")
        body = response_json(response, TARGET_NAME)
        results = [_keyed(item) for item in body.get("results") or []]
        total = body.get("total")
        return ListPage(results=results, total=int(total) if total is not None else len(results))


def _keyed(item: Any) -> dict[str, Any]:
    """Return a target object with its keys as strings."""
    record = dict(item)
    for name in ("key", "groupKey"):
        if record.get(name) is not None:
            record[name] = normalise_key(record[name])
    if isinstance(record.get("userKeys"), list):
        record["userKeys"] = [normalise_key(key) for key in record["userKeys"]]
    return record
