"""SCIM Users on Coupa (Coupa Core API ``/api/users``).

Writes are granular: a PUT or PATCH is turned into the target fields whose
value changes, and only those are sent. Two rules of Coupa shape every write:

- The default account (code or segments) is resolved within the user's
  default chart of accounts as Coupa stored it before the request. It is
  therefore sent in a second request, after the first one has set the chart.
- Whenever the chart of accounts is set, ``account-security-type`` follows
  it: 2 when the user has account groups, 1 when it has none.

Coupa never deletes users. DELETE deactivates the user and records the
deletion in the gateway store (:mod:`scimbridge.connectors.coupa.deleted_users`).
From then on the id returns 404 and lists leave the user out. A POST with the
same userName re-creates the user by reactivating it with a fresh set of
attributes.

Target calls per operation (n = matching users, 50 per call):

=====================  ==========================================================
GET /Users/{id}        1
GET /Users             1 per 50 results; + O(log n) probes for the exact total when
                       the last call comes back full (none when it is short; the
                       total is cached for ``count_cache_seconds``); + 1 per 50
                       deleted users, at most once per ``count_cache_seconds``
POST /Users            1; + 2 with a default account (lookup, second write);
                       + 2 when re-creating a deleted user (lookup by login, update)
PUT, PATCH /Users/{id} 2 (read, update) with changes, 1 without; + 2 when the
                       default account changes (lookup, second write)
DELETE /Users/{id}     2 (read, deactivate); 1 when the user is already inactive
=====================  ==========================================================
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import structlog

from scimbridge.connectors.base import Page, Query, Resource, ResourceHandler
from scimbridge.connectors.coupa.client import CoupaClient, Record
from scimbridge.connectors.coupa.default_account import (
    check_default_account,
    take_default_account,
)
from scimbridge.connectors.coupa.default_address import normalise_address
from scimbridge.connectors.coupa.deleted_users import DeletedUsers
from scimbridge.connectors.coupa.email_paths import primary_email_first, rewrite_email_paths
from scimbridge.connectors.coupa.errors import rejected_write
from scimbridge.connectors.coupa.listing import CoupaLister
from scimbridge.connectors.coupa.security import apply_security_rule
from scimbridge.connectors.coupa.specs import ReferenceList
from scimbridge.connectors.scan import page_in_gateway
from scimbridge.errors import InvalidValue, NotFound, TargetNotFound, TargetRejected, Uniqueness
from scimbridge.mapping.engine import Mapper
from scimbridge.scim.patch import PatchOperation
from scimbridge.scim.patch_apply import apply_operations
from scimbridge.scim.schema import ResourceTypeDef

from .mappings import LICENCE_FLAGS, USER_SCHEMA

log = structlog.get_logger("scimbridge.coupa")

# Beyond this many deleted users, lists stop excluding them in the Coupa query
# (the URL would grow too long) and exclude them in the gateway instead.
MAX_EXCLUDED_IN_QUERY = 500

# Membership lists a re-created user starts without.
MEMBERSHIP_FIELDS = ("roles", "content-groups", "account-groups", "user-groups")

# Values a re-created user starts with unless the POST sets them: those of a
# new Coupa user, for the fields a PUT that leaves them out would keep.
RECREATE_DEFAULTS: dict[str, Any] = {
    **{field: False for _name, field, _source in LICENCE_FLAGS},
    "authentication-method": "coupa_credentials",
    "account-security-type": 0,
    "business-group-security-type": 0,
    "default-account": None,
    "default-currency": None,
}


class CoupaUsers(ResourceHandler):
    """Serves /Users of one Coupa connector instance."""

    target_meta = True

    def __init__(
        self,
        client: CoupaClient,
        *,
        instance: str,
        rtype: ResourceTypeDef,
        mapper: Mapper,
        lister: CoupaLister,
        deleted: DeletedUsers,
    ) -> None:
        self.resource_type = rtype
        self.mapper = mapper
        self._client = client
        self._instance = instance
        self._lister = lister
        self._deleted = deleted

    def normalise_body(self, method: str, body: Any) -> Any:
        """Rewrite the forms of the one email that the mapping does not read (see email_paths)."""
        if method == "PATCH":
            return rewrite_email_paths(body)
        return primary_email_first(body)

    async def get(self, resource_id: str, attributes: Sequence[str] | None = None) -> Resource:
        return self.mapper.to_scim(await self._read(resource_id))

    async def query(self, query: Query) -> Page:
        deleted = await self._deleted.hidden_ids()
        if len(deleted) <= MAX_EXCLUDED_IN_QUERY:
            extra = {"id[not_in]": ",".join(deleted)} if deleted else {}
            return await self._lister.page(query, self._convert, extra=extra)

        # NOTE: with this many deleted users every list is evaluated in the
        # gateway, bounded by max_scan.
        hidden = set(deleted)
        records = await self._lister.read_all({}, "many users are deleted")
        visible = [self.mapper.to_scim(r) for r in records if str(r.get("id")) not in hidden]
        return page_in_gateway(visible, query, self.resource_type)

    async def create(self, resource: Resource) -> Resource:
        self._check_required(resource)
        fields = self.mapper.to_target(resource)
        await self._check_manager(fields)
        account = take_default_account(fields, {})
        if account:
            await check_default_account(self._client, account, fields)
        normalise_address(fields, {})
        apply_security_rule(fields, {})

        try:
            record = await self._client.create("users", fields)
        except TargetRejected as exc:
            if not _taken(exc, "Login"):
                raise rejected_write("create the user", exc) from exc
            record = await self._recreate(resource, exc)

        if account is not None:
            record = await self._set_default_account(record["id"], account)
        self._lister.counts.invalidate()
        return self.mapper.to_scim(record)

    async def replace(self, resource_id: str, resource: Resource) -> Resource:
        self._check_required(resource)
        current = await self._read(resource_id)
        return await self._write(current, self.mapper.to_scim(current), resource)

    async def patch(self, resource_id: str, operations: list[PatchOperation]) -> Resource:
        current = await self._read(resource_id)
        before = self.mapper.to_scim(current)
        after = apply_operations(
            before,
            operations,
            self.resource_type,
            derive=lambda patched: self._derive(current, patched),
        )
        missing = self.mapper.missing_required(after)
        if missing:
            raise InvalidValue(
                f"the PATCH would remove required attribute(s) {', '.join(missing)}; "
                "replace them with a new value instead"
            )
        return await self._write(current, before, after, removed=self._removed(before, after))

    async def delete(self, resource_id: str) -> None:
        current = await self._read(resource_id)
        if current.get("active") is not False:
            await self._update(resource_id, {"active": False})
        await self._deleted.record(resource_id, current.get("login"))
        self._lister.counts.invalidate()

    def _derive(self, current: Record, patched: Resource) -> Resource:
        """Return the user as Coupa would return it after the write, without a call.

        Coupa builds ``fullname`` (``displayName`` and ``name.formatted``) as
        ``firstname lastname``.
        """
        record = {**current, **self.mapper.to_target(patched, clear_absent=True)}
        names = (record.get("firstname"), record.get("lastname"))
        record["fullname"] = " ".join(name for name in names if isinstance(name, str) and name)
        return self.mapper.to_scim(record)

    async def _convert(self, record: Record) -> Resource:
        return self.mapper.to_scim(record)

    def _removed(self, before: Resource, after: Resource) -> dict[str, Any]:
        """Return the target fields a PATCH clears by removing an attribute a PUT would keep.

        A PUT that leaves out a membership list keeps it, but a PATCH that
        removes the list (or its last entry) empties it. Other such
        attributes always hold a value in Coupa and cannot be removed.
        """
        cleared: dict[str, Any] = {}
        for row in self.mapper.rows:
            if row.clear_when_absent or not row.writable:
                continue
            if not self.mapper.extract(before, row)[0] or self.mapper.extract(after, row)[0]:
                continue
            if not isinstance(row.target, ReferenceList):
                raise InvalidValue(
                    f"{row.scim} cannot be removed: Coupa keeps a value for it; replace it "
                    "with a new value instead"
                )
            cleared[row.target.list_name] = []
        return cleared

    async def _write(
        self,
        current: Record,
        before: Resource,
        after: Resource,
        *,
        removed: Mapping[str, Any] | None = None,
    ) -> Resource:
        baseline = self.mapper.to_target(before, clear_absent=True)
        desired = {**self.mapper.to_target(after, clear_absent=True), **(removed or {})}
        changes = {name: value for name, value in desired.items() if baseline.get(name) != value}

        await self._check_manager(changes)
        account = take_default_account(changes, baseline)
        normalise_address(changes, baseline)
        apply_security_rule(changes, current, desired)
        if account:
            await check_default_account(self._client, account, {**current, **desired})

        record = current
        user_id = current["id"]
        if changes:
            record = await self._update(user_id, changes)
        if account is not None:
            record = await self._set_default_account(user_id, account)
        if changes or account is not None:
            self._lister.counts.invalidate()
        return self.mapper.to_scim(record)

    async def _recreate(self, resource: Resource, exc: TargetRejected) -> Record:
        """Reactivate the user a SCIM DELETE deactivated, when the POST names its userName.

        The user gets the POST's attributes as a replace would set them: every
        attribute the POST leaves out is cleared, and it starts with no
        memberships but the ones the POST gives, so nothing of the deleted
        user's access survives.
        """
        fields = self.mapper.to_target(resource, clear_absent=True)
        fields.pop("default-account", None)
        normalise_address(fields, {})
        login = str(fields.get("login"))
        matches = await self._client.index("users", {"login": login}, limit=1)
        deleted_id = str(matches[0]["id"]) if matches else None
        if deleted_id is None or not await self._deleted.contains(deleted_id):
            raise Uniqueness(
                f"userName {login!r} is already used by Coupa user "
                f"{deleted_id or 'unknown'}; find it with filter userName eq and update it"
            ) from exc

        body: dict[str, Any] = {name: [] for name in MEMBERSHIP_FIELDS}
        body.update(RECREATE_DEFAULTS)
        body.update(fields)
        body.setdefault("active", True)
        apply_security_rule(body, {})
        record = await self._update(deleted_id, body)
        await self._deleted.forget(deleted_id)
        log.info("coupa_user_recreated", instance=self._instance, user_id=deleted_id)
        return record

    async def _check_manager(self, fields: Mapping[str, Any]) -> None:
        """Reject a manager that SCIM deleted: for clients it no longer exists."""
        manager = fields.get("manager")
        manager_id = manager.get("id") if isinstance(manager, Mapping) else None
        if manager_id is not None and await self._deleted.contains(str(manager_id)):
            raise InvalidValue(
                f"manager {str(manager_id)!r} is a deleted user; name an existing user as "
                "manager.value"
            )

    async def _set_default_account(self, user_id: Any, account: dict[str, Any]) -> Record:
        """Send the second request of a write: the default account, or None to clear it."""
        return await self._update(user_id, {"default-account": account or None})

    async def _update(self, user_id: Any, body: Mapping[str, Any]) -> Record:
        try:
            return await self._client.update("users", user_id, body)
        except TargetNotFound as exc:
            raise NotFound(f"User {str(user_id)!r} not found") from exc
        except TargetRejected as exc:
            raise rejected_write("update the user", exc) from exc

    async def _read(self, resource_id: str) -> Record:
        if not resource_id.isdigit():
            raise NotFound(f"User {resource_id!r} not found: Coupa user ids are numbers")
        try:
            record = await self._client.get("users", resource_id)
        except TargetNotFound as exc:
            raise NotFound(f"User {resource_id!r} not found") from exc

        if await self._deleted.hides(resource_id, record):
            raise NotFound(f"User {resource_id!r} not found: it was deleted")
        return record

    def _check_required(self, resource: Resource) -> None:
        missing = self.mapper.missing_required(resource)
        if missing:
            raise InvalidValue(
                f"required attribute(s) missing: {', '.join(missing)}; Coupa needs userName "
                "(login), name.givenName, name.familyName and an email to create a user"
            )


def _taken(exc: TargetRejected, field: str) -> bool:
    return f"{field} has already been taken".lower() in exc.message.lower()


__all__ = ["USER_SCHEMA", "CoupaUsers"]
