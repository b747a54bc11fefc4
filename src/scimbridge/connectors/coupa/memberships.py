"""Writing one user's membership in one Coupa group, role, user group or account group.

Coupa keeps memberships on the user. The connector changes them through the
call that touches nothing else wherever Coupa has one:

- content groups: ``PUT /api/users/:id/business_groups/:group/add|remove``, 1 call;
- user groups: ``POST /api/user_group_memberships`` (1 call; 2 when the
  membership exists) and, to leave, a lookup of the membership and its
  ``DELETE`` (2 calls);
- roles and account groups: Coupa replaces these lists wholesale, so the user
  is read and the full merged list written back (2 calls), which keeps the
  user's other roles or account groups. An account group change also applies
  the account-security-type rule (:mod:`scimbridge.connectors.coupa.security`).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import Any

from scimbridge.connectors.coupa.client import CoupaClient
from scimbridge.connectors.coupa.mappings import membership_ids
from scimbridge.connectors.coupa.security import apply_security_rule
from scimbridge.errors import InvalidValue, TargetNotFound, TargetRejected


class Membership(ABC):
    """Adds users to, and removes them from, one kind of Coupa group."""

    member_field: str
    """The user field listing the groups of this kind, such as ``content-groups``."""

    def __init__(self, client: CoupaClient) -> None:
        self._client = client

    @abstractmethod
    async def change(self, user_id: int, group_id: int, *, add: bool) -> None:
        """Make the user a member of the group, or not; a change already in place is a no-op."""


class ContentGroupMembership(Membership):
    member_field = "content-groups"

    async def change(self, user_id: int, group_id: int, *, add: bool) -> None:
        try:
            await self._client.change_content_group(user_id, group_id, add=add)
        except TargetNotFound as exc:
            raise _unknown_member(user_id) from exc


class UserGroupMembership(Membership):
    member_field = "user-groups"

    async def change(self, user_id: int, group_id: int, *, add: bool) -> None:
        if add:
            await self._join(user_id, group_id)
            return
        for membership in await self._client.user_group_memberships(user_id, group_id):
            await self._client.delete_user_group_membership(int(membership["id"]))

    async def _join(self, user_id: int, group_id: int) -> None:
        try:
            await self._client.add_user_group_membership(user_id, group_id)
        except (TargetNotFound, TargetRejected) as exc:
            # Coupa rejects a membership that exists already; that is no error here.
            if await self._client.user_group_memberships(user_id, group_id):
                return
            raise _unknown_member(user_id, exc.message) from exc


class ListMembership(Membership):
    """Memberships Coupa keeps as a list on the user and replaces wholesale."""

    def __init__(self, client: CoupaClient, member_field: str) -> None:
        super().__init__(client)
        self.member_field = member_field

    async def change(self, user_id: int, group_id: int, *, add: bool) -> None:
        try:
            user = await self._client.get("users", user_id)
        except TargetNotFound as exc:
            raise _unknown_member(user_id) from exc

        ids = membership_ids(user, self.member_field)
        if (group_id in ids) == add:
            return
        merged = [*ids, group_id] if add else [item for item in ids if item != group_id]
        changes: dict[str, Any] = {self.member_field: [{"id": item} for item in merged]}
        if self.member_field == "account-groups":
            apply_security_rule(changes, user)
        await self._client.update("users", user_id, changes)


def _unknown_member(user_id: int, detail: str = "") -> InvalidValue:
    suffix = f" ({detail})" if detail else ""
    return InvalidValue(
        f"member {str(user_id)!r} is not a Coupa user{suffix}; members must be ids of "
        "existing users"
    )
