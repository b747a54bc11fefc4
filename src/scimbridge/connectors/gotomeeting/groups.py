"""SCIM Groups on GoToMeeting (GoTo Admin API groups).

GoTo puts a user in one group at most, and moves the user silently when the
user is put into a second group. The gateway checks first and returns
400 ``invalidValue`` naming the user's current group instead, so no
membership is lost behind the client's back.

Target calls per operation (m = members added or removed, n = groups):

=====================  ==========================================================
GET /Groups/{id}       1
GET /Groups            1 per page; ``id eq`` or ``displayName eq`` (or an OR of up
                       to 50 of them) 1;
                       other filters and sorts read all groups: ceil(n / page)
POST /Groups           2 + 2m (each member is checked, then added)
PUT /Groups/{id}       2 (+1 when renamed) + 2 per member added + 1 per member removed
PATCH /Groups/{id}     adds: 2 per member; removes: 1 per member plus 1 to read the
                       group; rename: 2 (read, rename), one read serving removes and
                       rename together; +1 to read the result
DELETE /Groups/{id}    1
=====================  ==========================================================
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import Any

from scimbridge.connectors.base import Page, Query, Resource, ResourceHandler
from scimbridge.connectors.gotomeeting.client import GoToClient, filter_literal
from scimbridge.connectors.gotomeeting.filters import list_matching
from scimbridge.connectors.gotomeeting.mappings import GROUP_ROWS, GROUP_SCHEMA, GROUP_TYPE
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
    TargetConflict,
    TargetNotFound,
    TargetRejected,
    TargetUnavailable,
    Uniqueness,
)
from scimbridge.mapping.engine import Mapper
from scimbridge.scim.patch import PatchOperation
from scimbridge.scim.patch_apply import apply_operations
from scimbridge.scim.patch_intent import member_changes, operation_touches


class GoToGroups(ResourceHandler):
    """Serves /Groups of one GoToMeeting connector instance."""

    resource_type = GROUP_TYPE

    def __init__(self, client: GoToClient, *, page_size: int, max_scan: int) -> None:
        self._client = client
        self._page_size = page_size
        self._max_scan = max_scan
        self.mapper = Mapper(GROUP_ROWS, GROUP_SCHEMA)

    def to_scim(self, group: dict[str, Any]) -> Resource:
        return self.mapper.to_scim(group)

    async def get(self, resource_id: str, attributes: Sequence[str] | None = None) -> Resource:
        return self.to_scim(await self._read(resource_id))

    async def query(self, query: Query) -> Page:
        node = query.filter
        if node is not None:
            ids = or_equalities(node, {"id"}, GROUP_SCHEMA)
            if ids is not None:
                return await self._by_ids(ids, query)
            names = or_equalities(node, {"displayname"}, GROUP_SCHEMA)
            if names is not None:
                found = await list_matching(self._client.list_groups, "name", names)
                groups = filter_exactly([self.to_scim(g) for g in found], node, GROUP_TYPE)
                return page_in_gateway(groups, _without_filter(query), GROUP_TYPE)

        if node is None and query.sort_by is None:
            return await self._target_page(query)

        reason = (
            "this filter cannot be pushed down to GoToMeeting"
            if node is not None
            else (f"GoToMeeting cannot sort groups by {query.sort_by!r}")
        )
        everything = await fetch_all(self._fetch, self._page_size, self._max_scan, reason)
        return page_in_gateway(everything, query, GROUP_TYPE)

    async def _by_ids(self, ids: list[str], query: Query) -> Page:
        try:
            found = await list_matching(self._client.list_groups, "key", ids)
        except TargetRejected:
            # As for users: read each key alone when the batch is rejected.
            maybe = await asyncio.gather(*(self._maybe_get(key) for key in dict.fromkeys(ids)))
            return page_in_gateway([g for g in maybe if g is not None], query, GROUP_TYPE)
        return page_in_gateway([self.to_scim(group) for group in found], query, GROUP_TYPE)

    async def create(self, resource: Resource) -> Resource:
        name = self._name(resource)
        members = _member_ids(resource)
        await self._check_addable(members, group_key=None)

        try:
            key = await self._client.create_group(name)
        except TargetConflict as exc:
            raise Uniqueness(f"a GoToMeeting group named {name!r} already exists") from exc
        except TargetRejected as exc:
            raise InvalidValue(f"GoToMeeting rejected the group: {exc.message}") from exc

        for user_key in members:
            await self._client.put_user_in_group(key, user_key)
        return await self.get(key)

    async def replace(self, resource_id: str, resource: Resource) -> Resource:
        name = self._name(resource)
        current = await self._read(resource_id)
        wanted = _member_ids(resource)
        present = set(current.get("userKeys") or [])

        added = [key for key in wanted if key not in present]
        removed = [key for key in present if key not in set(wanted)]
        await self._check_addable(added, group_key=resource_id)

        if name != current.get("name"):
            await self._rename(resource_id, name)
        await self._apply_members(resource_id, added, removed)
        return await self.get(resource_id)

    async def patch(self, resource_id: str, operations: list[PatchOperation]) -> Resource:
        member_ops = [op for op in operations if operation_touches(op) == "members"]
        other_ops = [op for op in operations if operation_touches(op) != "members"]
        added, removed, replaced_all = member_changes(member_ops)

        # Read the group only when a rename or a removal needs its current state.
        current: dict[str, Any] | None = None
        if other_ops or removed or replaced_all is not None:
            current = await self._read(resource_id)

        name: str | None = None
        if other_ops and current is not None:
            after = apply_operations(self.to_scim(current), other_ops, GROUP_TYPE)
            name = self._name(after)

        if current is not None:
            present = set(current.get("userKeys") or [])
            if replaced_all is not None:
                wanted = set(replaced_all)
                added, removed = wanted - present, present - wanted
            else:
                added, removed = added - present, removed & present

        # Every check comes before the first write, so a refused PATCH changes nothing.
        await self._check_addable(sorted(added), group_key=resource_id)
        if current is not None and name is not None and name != current.get("name"):
            await self._rename(resource_id, name)
        await self._apply_members(resource_id, sorted(added), sorted(removed))
        return await self.get(resource_id)

    async def delete(self, resource_id: str) -> None:
        try:
            await self._client.delete_group(resource_id)
        except (TargetNotFound, TargetUnavailable) as exc:
            await self._raise_not_found(resource_id, exc)

    async def _apply_members(self, group_key: str, added: list[str], removed: list[str]) -> None:
        for user_key in removed:
            await self._client.remove_user_from_groups(user_key)
        for user_key in added:
            try:
                await self._client.put_user_in_group(group_key, user_key)
            except TargetNotFound as exc:
                raise NotFound(f"Group {group_key!r} not found") from exc

    async def _check_addable(self, user_keys: list[str], *, group_key: str | None) -> None:
        """Check that each user exists and is in no other group, before anything is written."""
        for user_key in user_keys:
            try:
                user = await self._client.get_user(user_key)
            except (TargetNotFound, TargetUnavailable) as exc:
                raise InvalidValue(
                    f"member {user_key!r} is not a GoToMeeting user; add existing users only"
                ) from exc
            other = user.get("groupKey")
            if other and other != group_key:
                raise InvalidValue(
                    f"user {user_key!r} ({user.get('email')}) is already in group "
                    f"{user.get('groupName')!r} (id {other!r}); GoToMeeting allows one group per "
                    "user, so remove the user from that group first"
                )

    async def _rename(self, key: str, name: str) -> None:
        try:
            await self._client.rename_group(key, name)
        except TargetConflict as exc:
            raise Uniqueness(f"a GoToMeeting group named {name!r} already exists") from exc

    async def _read(self, key: str) -> dict[str, Any]:
        try:
            return await self._client.get_group(key)
        except (TargetNotFound, TargetUnavailable) as exc:
            await self._raise_not_found(key, exc)
            raise  # unreachable: _raise_not_found always raises

    async def _raise_not_found(self, key: str, exc: Exception) -> None:
        """Turn a failed lookup of ``key`` into 404 when the key names no group.

        As for users, a 5xx for a malformed key is confirmed through the list
        endpoint rather than guessed from the key's shape.
        """
        if isinstance(exc, TargetUnavailable):
            if exc.status not in (400, 500, 502):
                raise exc
            try:
                page = await self._client.list_groups(
                    offset=0, page_size=1, filter=f"key eq {filter_literal(key)}"
                )
            except TargetRejected:
                page = None
            if page is not None and page.total > 0:
                raise exc
        raise NotFound(f"Group {key!r} not found") from exc

    async def _maybe_get(self, key: str) -> Resource | None:
        try:
            return await self.get(key)
        except NotFound:
            return None

    async def _target_page(self, query: Query) -> Page:
        return await page_from_target(self._fetch, query, self._page_size)

    async def _fetch(self, offset: int, size: int) -> tuple[list[Resource], int]:
        page = await self._client.list_groups(offset=offset, page_size=size)
        return [self.to_scim(group) for group in page.results], page.total

    def _name(self, resource: Resource) -> str:
        name = self.mapper.to_target(resource).get("name")
        if not isinstance(name, str) or not name.strip():
            raise InvalidValue(
                "required attribute displayName is missing or empty; GoToMeeting needs a group name"
            )
        return name


def _member_ids(resource: Resource) -> list[str]:
    members = resource.get("members") or []
    if not isinstance(members, list):
        raise InvalidValue("members must be a list of objects with a value")
    ids: list[str] = []
    for member in members:
        value = member.get("value") if isinstance(member, dict) else None
        if not isinstance(value, str) or not value:
            raise InvalidValue(f"member {member!r} has no value; send the user's id as value")
        ids.append(value)
    return list(dict.fromkeys(ids))


def _without_filter(query: Query) -> Query:
    return Query(
        start_index=query.start_index,
        count=query.count,
        sort_by=query.sort_by,
        sort_order=query.sort_order,
    )
