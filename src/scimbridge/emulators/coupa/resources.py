"""The ``/api`` resources: path, record kind, model name, scope family and allowed writes."""

from __future__ import annotations

from dataclasses import dataclass

from scimbridge.emulators.coupa import store as kinds


@dataclass(frozen=True)
class Resource:
    """One ``/api/<path>`` resource.

    ``scope`` is the scope family: reads need ``<scope>.read`` and writes
    ``<scope>.write``. ``kind`` names the stored records, their schema and the key
    of validation errors.
    """

    path: str
    kind: str
    model: str
    scope: str
    can_create: bool
    can_update: bool

    @property
    def read_scope(self) -> str:
        """Return the scope that GET calls need."""
        return self.scope + ".read"

    @property
    def write_scope(self) -> str:
        """Return the scope that POST, PUT, PATCH and DELETE calls need."""
        return self.scope + ".write"


USERS = Resource("users", kinds.USER, "User", "core.user", True, True)
MEMBERSHIPS = Resource(
    "user_group_memberships",
    kinds.MEMBERSHIP,
    "UserGroupMembership",
    "core.user_group",
    True,
    False,
)

RESOURCES = (
    USERS,
    Resource("roles", kinds.ROLE, "Role", "core.common", True, True),
    Resource("business_groups", kinds.BUSINESS_GROUP, "BusinessGroup", "core.common", True, True),
    Resource("user_groups", kinds.USER_GROUP, "UserGroup", "core.user_group", True, True),
    MEMBERSHIPS,
    Resource("account_groups", kinds.ACCOUNT_GROUP, "AccountGroup", "core.accounting", True, True),
    Resource("account_types", kinds.ACCOUNT_TYPE, "AccountType", "core.accounting", True, False),
    Resource("accounts", kinds.ACCOUNT, "Account", "core.accounting", True, True),
    Resource("currencies", kinds.CURRENCY, "Currency", "core.common", False, False),
    Resource("approval_limits", kinds.APPROVAL_LIMIT, "ApprovalLimit", "core.common", True, False),
    Resource("addresses", kinds.ADDRESS, "Address", "core.common", True, False),
)
