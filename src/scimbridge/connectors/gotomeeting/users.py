"""SCIM Users on GoToMeeting (GoTo Admin API users).

Target calls per operation (n = users in the account, p = target page size):

=====================  ==========================================================
GET /Users/{id}        1
GET /Users             1 per page; ``id eq`` or ``userName eq`` (or an OR of up
                       to 50 of them) 1; any other filter or sort reads all users:
                       ceil(n / p), refused above ``max_scan``
POST /Users            2 (create, read back), + 1 when ``active`` is false, + 1 on the
                       first create without ``license_keys`` (reads the licenses)
POST /Users in /Bulk   consecutive POSTs: 2 per batch of up to 50 users (create,
                       read back), + 1 per user whose ``active`` is false; a
                       rejected batch is retried as single creates
PUT /Users/{id}        2 (read, update) when no license changes, 3 when ``active``
                       changes; 1 when nothing changes
PATCH /Users/{id}      as PUT
DELETE /Users/{id}     1
=====================  ==========================================================
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from scimbridge.connectors.base import Page, Query, Resource, ResourceHandler
from scimbridge.connectors.gotomeeting.client import GoToClient, filter_literal
from scimbridge.connectors.gotomeeting.email_alias import alias_patch, alias_resource
from scimbridge.connectors.gotomeeting.filters import list_matching
from scimbridge.connectors.gotomeeting.mappings import USER_ROWS, USER_SCHEMA, USER_TYPE
from scimbridge.connectors.pushdown import or_equalities
from scimbridge.connectors.scan import (
    fetch_all,
    filter_exactly,
    page_from_target,
    page_in_gateway,
)
from scimbridge.errors import (
    InvalidValue,
    NotFound,
    ScimbridgeError,
    ScimError,
    TargetConflict,
    TargetError,
    TargetNotFound,
    TargetRejected,
    TargetUnavailable,
    Uniqueness,
)
from scimbridge.mapping.engine import Mapper
from scimbridge.scim.patch import PatchOperation
from scimbridge.scim.patch_apply import apply_operations

ACTIVE_MARKER = "__active__"

# NOTE: GoTo documents no maximum number of users per create call. 50 keeps
# the request body small, and a failed batch costs at most 50 single creates.
CREATE_BATCH_SIZE = 50

# Sort orders the Admin API applies itself; others are applied in the gateway.
SORTABLE = {
    "username": "email",
    "emails.value": "email",
    "name.givenname": "firstName",
    "name.familyname": "lastName",
}

LicenseSource = Callable[[], Awaitable[list[str]]]


class GoToUsers(ResourceHandler):
    """Serves /Users of one GoToMeeting connector instance."""

    resource_type = USER_TYPE

    def __init__(
        self,
        client: GoToClient,
        *,
        licenses: LicenseSource,
        page_size: int,
        max_scan: int,
    ) -> None:
        self._client = client
        self._licenses = licenses
        self._page_size = page_size
        self._max_scan = max_scan
        self.mapper = Mapper(USER_ROWS, USER_SCHEMA)

    def normalise_body(self, method: str, body: Any) -> Any:
        """Take writes to ``emails`` as writes to ``userName`` (see ``email_alias``)."""
        if method == "PATCH":
            return alias_patch(body)
        return alias_resource(body)

    async def get(self, resource_id: str, attributes: Sequence[str] | None = None) -> Resource:
        return self.mapper.to_scim(await self._read(resource_id))

    async def query(self, query: Query) -> Page:
        node = query.filter
        if node is not None:
            ids = or_equalities(node, {"id"}, USER_SCHEMA)
            if ids is not None:
                return await self._by_ids(ids, query)
            emails = or_equalities(node, {"username", "emails.value"}, USER_SCHEMA)
            if emails is not None:
                return await self._by_emails(emails, query)

        sort = SORTABLE.get((query.sort_by or "").lower()) if query.sort_by else None
        if node is None and (query.sort_by is None or sort is not None):
            return await self._target_page(query, sort)

        reason = (
            "this filter cannot be pushed down to GoToMeeting"
            if node is not None
            else (f"GoToMeeting cannot sort by {query.sort_by!r}")
        )
        everything = await fetch_all(self._fetch, self._page_size, self._max_scan, reason)
        return page_in_gateway(everything, query, USER_TYPE)

    async def create(self, resource: Resource) -> Resource:
        self._check_required(resource)
        fields = self.mapper.to_target(resource)
        active = fields.pop(ACTIVE_MARKER, True)

        licenses = await self._licenses()
        try:
            key = await self._client.create_user(fields, license_keys=licenses)
        except TargetConflict as exc:
            raise Uniqueness(
                f"userName {fields.get('email')!r} is already in use in the GoToMeeting "
                "account; find the existing user with filter userName eq and update it"
            ) from exc
        except TargetRejected as exc:
            raise _rejected("user", fields, exc) from exc

        if active is False:
            await self._client.update_user(key, {"licenseKeys": [], "adminRoles": []})
        return await self.get(key)

    async def create_many(
        self, resources: Sequence[Resource], *, max_errors: int | None = None
    ) -> list[Resource | ScimbridgeError]:
        """Create users with one Admin API create call per batch of ``CREATE_BATCH_SIZE``.

        The call uses ``allOrNothing=true``. When GoTo rejects a batch (a taken
        email, an invalid value) it has created none of its users, so the batch
        is created again one user at a time and each user gets its own result.
        """
        results: list[Resource | ScimbridgeError] = []
        for start in range(0, len(resources), CREATE_BATCH_SIZE):
            errors = sum(isinstance(result, ScimbridgeError) for result in results)
            remaining = None if max_errors is None else max_errors - errors
            if remaining is not None and remaining <= 0:
                break
            batch = resources[start : start + CREATE_BATCH_SIZE]
            outcomes = await self._create_batch(batch, remaining)
            results.extend(outcomes)
            if len(outcomes) < len(batch):
                break
        return results

    async def _create_batch(
        self, resources: Sequence[Resource], max_errors: int | None
    ) -> list[Resource | ScimbridgeError]:
        one_by_one = super().create_many
        if len(resources) < 2:
            return await one_by_one(resources, max_errors=max_errors)
        try:
            for resource in resources:
                self._check_required(resource)
            entries = [self.mapper.to_target(resource) for resource in resources]
        except ScimError:
            return await one_by_one(resources, max_errors=max_errors)

        actives = [entry.pop(ACTIVE_MARKER, True) for entry in entries]
        try:
            keys = await self._client.create_users(entries, license_keys=await self._licenses())
        except (TargetConflict, TargetRejected):
            return await one_by_one(resources, max_errors=max_errors)
        except TargetError as exc:
            count = len(resources) if max_errors is None else min(max_errors, len(resources))
            return [exc] * count

        failed: dict[str, ScimbridgeError] = {}
        for key, active in zip(keys, actives, strict=True):
            if active is False:
                try:
                    await self._client.update_user(key, {"licenseKeys": [], "adminRoles": []})
                except TargetError as exc:
                    failed[key] = exc
        return await self._read_created(keys, failed)

    async def _read_created(
        self, keys: list[str], failed: dict[str, ScimbridgeError]
    ) -> list[Resource | ScimbridgeError]:
        """Read users just created, with one list call per batch of keys.

        A user the list calls miss, or all of them when a list call fails, is
        read by key.
        """
        try:
            users = await list_matching(self._client.list_users, "key", keys)
        except TargetError:
            users = []
        found = {user["key"]: user for user in users}

        results: list[Resource | ScimbridgeError] = []
        for key in keys:
            if key in failed:
                results.append(failed[key])
                continue
            try:
                user = found.get(key) or await self._read(key)
            except (ScimError, TargetError) as exc:
                results.append(exc)
                continue
            results.append(self.mapper.to_scim(user))
        return results

    async def replace(self, resource_id: str, resource: Resource) -> Resource:
        self._check_required(resource)
        current = await self._read(resource_id)
        return await self._write(resource_id, current, resource)

    async def patch(self, resource_id: str, operations: list[PatchOperation]) -> Resource:
        current = await self._read(resource_id)
        before = self.mapper.to_scim(current)
        after = apply_operations(
            before,
            operations,
            USER_TYPE,
            derive=lambda patched: self.mapper.to_scim(
                {**current, **self.mapper.to_target(patched, clear_absent=True)}
            ),
        )
        missing = self.mapper.missing_required(after)
        if missing:
            raise InvalidValue(
                f"the PATCH would remove required attribute(s) {', '.join(missing)}; "
                "replace them with a new value instead"
            )
        if "active" in before and "active" not in after:
            raise InvalidValue(
                "active cannot be removed: a GoToMeeting user is always either licensed "
                "(active) or suspended; replace it with true or false instead"
            )
        return await self._write(resource_id, current, after)

    async def delete(self, resource_id: str) -> None:
        try:
            await self._client.delete_user(resource_id)
        except (TargetNotFound, TargetUnavailable) as exc:
            await self._raise_not_found(resource_id, exc)

    async def _write(self, key: str, current: dict[str, Any], resource: Resource) -> Resource:
        wanted = self.mapper.to_target(resource, clear_absent=True)
        active = wanted.pop(ACTIVE_MARKER, None)

        changes = {name: value for name, value in wanted.items() if current.get(name) != value}
        if active is not None and active != _is_active(current):
            changes.update(await self._license_change(active))

        if not changes:
            return self.mapper.to_scim(current)

        try:
            await self._client.update_user(key, changes)
        except TargetConflict as exc:
            raise Uniqueness(
                f"userName {changes.get('email')!r} is already used by another GoToMeeting user"
            ) from exc
        except TargetRejected as exc:
            raise _rejected("update", changes, exc) from exc

        if "licenseKeys" in changes:
            return await self.get(key)
        return self.mapper.to_scim({**current, **changes})

    async def _license_change(self, active: bool) -> dict[str, Any]:
        if active:
            return {"licenseKeys": await self._licenses()}
        return {"licenseKeys": [], "adminRoles": []}

    async def _read(self, key: str) -> dict[str, Any]:
        try:
            return await self._client.get_user(key)
        except (TargetNotFound, TargetUnavailable) as exc:
            await self._raise_not_found(key, exc)
            raise  # unreachable: _raise_not_found always raises

    async def _raise_not_found(self, key: str, exc: Exception) -> None:
        """Turn a failed lookup of ``key`` into 404 when the key names no user.

        GoTo has been seen returning 502 rather than 404 for a key that is not a
        number. Keys are opaque here, so instead of guessing from their shape the
        gateway queries the list endpoint for the key.
        """
        if isinstance(exc, TargetUnavailable) and exc.status not in (400, 500, 502):
            raise exc
        if isinstance(exc, TargetUnavailable) and await self._key_exists(key):
            raise exc
        raise NotFound(f"User {key!r} not found") from exc

    async def _key_exists(self, key: str) -> bool:
        try:
            page = await self._client.list_users(
                offset=0, page_size=1, filter=f"key eq {filter_literal(key)}"
            )
        except TargetRejected:
            return False
        return page.total > 0

    async def _by_ids(self, ids: list[str], query: Query) -> Page:
        try:
            users = await list_matching(self._client.list_users, "key", ids)
        except TargetRejected:
            # A key filter the Admin API rejects names no user in one batch, so
            # each key is read alone, where an unknown key becomes a 404.
            return await self._by_ids_one_by_one(ids, query)
        resources = [self.mapper.to_scim(user) for user in users]
        return page_in_gateway(resources, query, USER_TYPE)

    async def _by_ids_one_by_one(self, ids: list[str], query: Query) -> Page:
        async def fetch(key: str) -> Resource | None:
            try:
                return await self.get(key)
            except NotFound:
                return None

        found = await asyncio.gather(*(fetch(key) for key in dict.fromkeys(ids)))
        resources = [resource for resource in found if resource is not None]
        return page_in_gateway(resources, query, USER_TYPE)

    async def _by_emails(self, emails: list[str], query: Query) -> Page:
        users = await list_matching(self._client.list_users, "email", emails)
        resources = filter_exactly(
            [self.mapper.to_scim(user) for user in users], query.filter, USER_TYPE
        )
        return page_in_gateway(
            resources,
            Query(
                start_index=query.start_index,
                count=query.count,
                sort_by=query.sort_by,
                sort_order=query.sort_order,
            ),
            USER_TYPE,
        )

    async def _target_page(self, query: Query, sort_field: str | None) -> Page:
        ascending = query.sort_order != "descending"
        sort = (sort_field, ascending) if sort_field else None

        async def fetch(offset: int, size: int) -> tuple[list[Resource], int]:
            page = await self._client.list_users(offset=offset, page_size=size, sort=sort)
            return [self.mapper.to_scim(user) for user in page.results], page.total

        return await page_from_target(fetch, query, self._page_size)

    async def _fetch(self, offset: int, size: int) -> tuple[list[Resource], int]:
        page = await self._client.list_users(offset=offset, page_size=size)
        return [self.mapper.to_scim(user) for user in page.results], page.total

    def _check_required(self, resource: Resource) -> None:
        missing = self.mapper.missing_required(resource)
        if missing:
            raise InvalidValue(
                f"required attribute(s) missing: {', '.join(missing)}; GoToMeeting needs an "
                "email (userName), name.givenName and name.familyName to create a user"
            )


# GoTo validation codes with the SCIM attribute they concern and what to do.
_REJECTION_HINTS = {
    "user.email.invalid": (
        "userName",
        "email",
        "GoToMeeting logs users in by email, so "
        "userName must be an email address such as ada@example.com",
    ),
    "user.locale.invalid": ("locale", "locale", "use a language tag such as en-US"),
    "user.timeZone.invalid": ("timezone", "timeZone", "use an IANA time zone such as Europe/Paris"),
}


def _rejected(what: str, fields: dict[str, Any], exc: TargetRejected) -> InvalidValue:
    """Turn a GoTo validation error into an invalidValue naming the SCIM attribute."""
    hint = _REJECTION_HINTS.get(exc.code or "")
    if hint is None:
        return InvalidValue(f"GoToMeeting rejected the {what}: {exc.message}")
    attribute, field, advice = hint
    return InvalidValue(f"{attribute} {fields.get(field)!r} is invalid: {advice}")


def _is_active(user: dict[str, Any]) -> bool:
    return str(user.get("status", "")).upper() != "SUSPENDED"
