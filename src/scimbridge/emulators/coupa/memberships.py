"""The one membership relation between users and user groups.

``/api/user_group_memberships``, a user group's ``users`` and a user's
``user-groups`` and ``approval-groups`` all read and write these records. Every
change moves ``updated-at`` of both the user and the group.
"""

from __future__ import annotations

from scimbridge.emulators.coupa import store as kinds
from scimbridge.emulators.coupa.store import Store
from scimbridge.emulators.coupa.timestamps import now_utc
from scimbridge.emulators.state import Document


def touch(store: Store, kind: str, record_id: int, actor_id: int | None) -> None:
    """Move a record's ``updated-at`` to now and its ``updated-by`` to the caller."""
    record = store.get(kind, record_id)
    if record is None:
        return
    store.put(kind, {**record, "updated-at": now_utc(), "updated-by-id": actor_id})


def add_membership(store: Store, user_id: int, group_id: int, actor_id: int | None) -> Document:
    """Create a membership and touch the user and the group."""
    now = now_utc()
    membership = {
        "id": store.next_id(kinds.MEMBERSHIP),
        "user-id": user_id,
        "user-group-id": group_id,
        "owner": False,
        "created-at": now,
        "updated-at": now,
    }
    store.put(kinds.MEMBERSHIP, membership)
    touch(store, kinds.USER, user_id, actor_id)
    touch(store, kinds.USER_GROUP, group_id, actor_id)
    return membership


def remove_membership(store: Store, membership: Document, actor_id: int | None) -> None:
    """Delete a membership and touch the user and the group."""
    store.delete(kinds.MEMBERSHIP, membership["id"])
    touch(store, kinds.USER, membership["user-id"], actor_id)
    touch(store, kinds.USER_GROUP, membership["user-group-id"], actor_id)


def find_membership(store: Store, user_id: int, group_id: int) -> Document | None:
    """Return the membership of the user in the group, if there is one."""
    for membership in store.memberships_of_user(user_id):
        if membership["user-group-id"] == group_id:
            return membership
    return None


def set_groups_of_user(
    store: Store, user_id: int, group_ids: set[int], actor_id: int | None
) -> bool:
    """Make the user a member of exactly ``group_ids``; return True when anything changed."""
    current = {item["user-group-id"]: item for item in store.memberships_of_user(user_id)}
    for group_id in sorted(group_ids - set(current)):
        add_membership(store, user_id, group_id, actor_id)
    for group_id in sorted(set(current) - group_ids):
        remove_membership(store, current[group_id], actor_id)
    return set(current) != group_ids


def set_users_of_group(
    store: Store, group_id: int, user_ids: set[int], actor_id: int | None
) -> bool:
    """Make exactly ``user_ids`` the members of the group; return True when anything changed."""
    current = {item["user-id"]: item for item in store.memberships_of_group(group_id)}
    for user_id in sorted(user_ids - set(current)):
        add_membership(store, user_id, group_id, actor_id)
    for user_id in sorted(set(current) - user_ids):
        remove_membership(store, current[user_id], actor_id)
    return set(current) != user_ids
