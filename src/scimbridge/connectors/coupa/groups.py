"""SCIM Groups, Roles, UserGroups and AccountGroups on Coupa.

Coupa allows no create, rename or delete of these records through this
connector, so those requests get a SCIM error. Their members can change: a
PUT or PATCH of ``members`` becomes one membership change per user that joins
or leaves (see :mod:`scimbridge.connectors.coupa.memberships`), so a user's
other memberships stay as they are.

``members`` is returned only when requested, because Coupa keeps memberships
on the users: the members of one record take one list call per 50 users.

Target calls per operation (m = members, a = members added; the calls of each
membership change are listed in :mod:`scimbridge.connectors.coupa.memberships`):

=========================  ====================================================
GET /{endpoint}/{id}       1, + ceil((m + 1) / 50) with attributes=members
GET /{endpoint}            1 per 50 results (+ probes for the total, as Users),
                           + ceil((m + 1) / 50) per record with attributes=members
                           or a filter on members; Entra ID's membership check
                           ``id eq "g" and members eq "u"``: 2
PATCH add / remove         1 + ceil(a / 50) to check the new members exist,
                           + the membership changes
PATCH replace, PUT         as PATCH add, + ceil((m + 1) / 50) to read the members
=========================  ====================================================
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import Any

from scim2_models.path.expressions import (
    AttrPath,
    CompareOperator,
    Comparison,
    FilterNode,
    LogicalExpr,
    LogicalOperator,
    ValuePath,
)

from scimbridge.connectors.base import Page, Query, Resource, ResourceHandler
from scimbridge.connectors.coupa.client import PAGE_CAP, CoupaClient, Record
from scimbridge.connectors.coupa.listing import CONCURRENT_CALLS, CoupaLister
from scimbridge.connectors.coupa.memberships import Membership
from scimbridge.connectors.pushdown import mentions_attribute
from scimbridge.connectors.scan import page_in_gateway
from scimbridge.errors import InvalidValue, Mutability, NotFound, TargetNotFound
from scimbridge.mapping.engine import Mapper
from scimbridge.scim.patch import PatchOperation
from scimbridge.scim.patch_apply import apply_operations
from scimbridge.scim.patch_intent import member_changes, operation_touches, touched_attributes
from scimbridge.scim.schema import ResourceTypeDef
from scimbridge.store.deletions import DeletionStore


class CoupaGroupLike(ResourceHandler):
    """Serves one of /Groups, /Roles, /UserGroups and /AccountGroups."""

    target_meta = True
    write_rejection = (
        "Coupa allows no create, rename or delete of these records through the API this "
        "connector uses; manage them in Coupa and change their members here"
    )

    def __init__(
        self,
        client: CoupaClient,
        *,
        instance: str,
        resource: str,
        rtype: ResourceTypeDef,
        mapper: Mapper,
        lister: CoupaLister,
        membership: Membership,
        deletions: DeletionStore,
    ) -> None:
        self.resource_type = rtype
        self.mapper = mapper
        self._client = client
        self._instance = instance
        self._resource = resource
        self._lister = lister
        self._membership = membership
        self._deletions = deletions

    async def get(self, resource_id: str, attributes: Sequence[str] | None = None) -> Resource:
        record = await self._read(resource_id)
        if _requests_members(attributes):
            record = {**record, "members": await self._members(record["id"])}
        return self.mapper.to_scim(record)

    def version_basis(self, resource: Resource) -> Resource:
        """Leave ``members`` out of the version, which they are not always read for.

        NOTE: so a membership change leaves the version as it was, and If-Match
        does not guard one. Coupa keeps memberships on the users.
        """
        return {key: value for key, value in resource.items() if key != "members"}

    async def query(self, query: Query) -> Page:
        check = membership_check(query.filter)
        if check is not None and not _requests_members(query.attributes):
            found = await self._check_membership(*check)
            window = Query(start_index=query.start_index, count=query.count)
            return page_in_gateway(found, window, self.resource_type)

        # Any other filter on members needs them read as well.
        wants_members = _requests_members(query.attributes) or (
            query.filter is not None and mentions_attribute(query.filter, {"members"})
        )

        async def convert(record: Record) -> Resource:
            if wants_members:
                record = {**record, "members": await self._members(record["id"])}
            return self.mapper.to_scim(record)

        return await self._lister.page(query, convert)

    async def _check_membership(self, group_id: str, user_id: str) -> list[Resource]:
        """Evaluate Entra ID's membership check with 2 calls, whatever the group's size.

        The group is read, and the user is looked up among its members with
        one association query. The resource carries that one member only,
        which the filter needs and the client did not request.
        """
        try:
            record = await self._read(group_id)
        except NotFound:
            return []

        found: list[Record] = []
        deleted = await self._deletions.is_deleted(self._instance, "User", user_id)
        if user_id.isdigit() and not deleted:
            params = {f"{self._membership.member_field}[id]": group_id, "id": user_id}
            found = await self._client.index("users", params, fields=["id", "fullname"])
        if not found:
            return []
        return [self.mapper.to_scim({**record, "members": found})]

    async def replace(self, resource_id: str, resource: Resource) -> Resource:
        record = await self._read(resource_id)
        wanted = {_member_id(entry) for entry in resource.get("members") or []}
        present = {str(user["id"]) for user in await self._members(record["id"])}
        await self._apply(record["id"], wanted - present, present - wanted)
        return self.mapper.to_scim(record)

    async def patch(self, resource_id: str, operations: list[PatchOperation]) -> Resource:
        record = await self._read(resource_id)
        others = [
            operation for operation in operations if operation_touches(operation) != "members"
        ]
        for operation in others:
            if not operation.read_only and touched_attributes(operation):
                raise Mutability(
                    f"only members can change on a Coupa {self.resource_type.name}; "
                    f"the operation on {operation.raw_path or 'the resource'!r} is rejected"
                )
        # A read-only displayName or an echoed id must repeat the current value.
        apply_operations(self.mapper.to_scim(record), others, self.resource_type)

        added, removed, replaced_all = member_changes(operations)
        if replaced_all is not None:
            present = {str(user["id"]) for user in await self._members(record["id"])}
            added, removed = replaced_all - present, present - replaced_all
        await self._apply(record["id"], added, removed)
        return self.mapper.to_scim(record)

    async def _apply(self, group_id: int, added: set[str], removed: set[str]) -> None:
        await self._check_members(added)
        semaphore = asyncio.Semaphore(CONCURRENT_CALLS)

        async def change(user_id: str, add: bool) -> None:
            async with semaphore:
                await self._membership.change(int(user_id), group_id, add=add)

        await asyncio.gather(
            *(change(user_id, True) for user_id in sorted(added)),
            *(change(user_id, False) for user_id in sorted(removed) if user_id.isdigit()),
        )
        if added or removed:
            self._lister.counts.invalidate()

    async def _check_members(self, user_ids: set[str]) -> None:
        """Reject the change before any write when a new member is not a Coupa user.

        Existence is read with ``id[in]`` lists of 50 ids, one call each.
        """
        deleted = set(await self._deletions.deleted_ids(self._instance, "User"))
        unknown = sorted(uid for uid in user_ids if not uid.isdigit() or uid in deleted)
        candidates = sorted(uid for uid in user_ids if uid.isdigit() and uid not in deleted)
        for start in range(0, len(candidates), PAGE_CAP):
            batch = candidates[start : start + PAGE_CAP]
            found = await self._client.index("users", {"id[in]": ",".join(batch)}, fields=["id"])
            known = {str(user.get("id")) for user in found}
            unknown.extend(uid for uid in batch if uid not in known)
        if unknown:
            raise InvalidValue(
                f"member(s) {', '.join(repr(uid) for uid in unknown)} are not Coupa users; "
                "members must be ids of existing users, and nothing was changed"
            )

    async def _members(self, group_id: Any) -> list[Record]:
        params = {f"{self._membership.member_field}[id]": str(group_id)}
        users: list[Record] = []
        while True:
            batch = await self._client.index(
                "users", params, offset=len(users), fields=["id", "fullname"]
            )
            users.extend(batch)
            if len(batch) < PAGE_CAP:
                break
        hidden = set(await self._deletions.deleted_ids(self._instance, "User"))
        return [user for user in users if str(user.get("id")) not in hidden]

    async def _read(self, resource_id: str) -> Record:
        if not resource_id.isdigit():
            raise NotFound(f"{self.resource_type.name} {resource_id!r} not found")
        try:
            return await self._client.get(self._resource, resource_id)
        except TargetNotFound as exc:
            raise NotFound(f"{self.resource_type.name} {resource_id!r} not found") from exc


def _member_id(entry: Any) -> str:
    value = entry.get("value") if isinstance(entry, dict) else None
    if not isinstance(value, str) or not value:
        raise InvalidValue(f"the member {entry!r} has no 'value' with the user's id")
    return value


def _requests_members(attributes: Sequence[str] | None) -> bool:
    if not attributes:
        return False
    return any(name.lower().split(".")[0].endswith("members") for name in attributes)


def membership_check(node: FilterNode | None) -> tuple[str, str] | None:
    """Recognise ``id eq "g" and members eq "u"`` (or ``members[value eq "u"]``, or
    ``members.value eq "u"``), the filter Entra ID checks one membership with.

    Returns (group id, user id), or None for any other filter.
    """
    if not (isinstance(node, LogicalExpr) and node.op == LogicalOperator.and_):
        return None
    if len(node.terms) != 2:
        return None
    group_id: str | None = None
    user_id: str | None = None
    for term in node.terms:
        if isinstance(term, ValuePath) and term.attr_path.attr.lower() == "members":
            term = _value_term(term)
        if not (isinstance(term, Comparison) and term.op == CompareOperator.eq):
            return None
        if not isinstance(term.value, str):
            return None
        path = term.attr_path
        name = (
            path.attr.lower() if path.sub_attr is None else f"{path.attr}.{path.sub_attr}".lower()
        )
        if name == "id":
            group_id = term.value
        elif name in ("members", "members.value"):
            user_id = term.value
        else:
            return None
    if group_id is None or user_id is None:
        return None
    return group_id, user_id


def _value_term(term: ValuePath) -> FilterNode:
    inner = term.val_filter
    if (
        term.sub_attr is None
        and isinstance(inner, Comparison)
        and inner.attr_path.attr.lower() == "value"
        and inner.attr_path.sub_attr is None
    ):
        return Comparison(AttrPath("members", "value", None), inner.op, inner.value)
    return term
