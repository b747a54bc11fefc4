"""The emulated account's records, their indexes and their JSON rendering.

Records are plain dictionaries held in memory and written through to a
:class:`~scimbridge.emulators.state.DocumentStore`. The store keeps indexes by
email, group and license so lookups and counts stay fast with many users. Code
that changes a user or group builds a new dictionary and passes it to
:meth:`Store.put_user` or :meth:`Store.put_group`, which re-index it.

Internal user record fields: ``key``, ``email``, ``firstName``, ``lastName``,
``locale``, ``timeZone``, ``licenseKeys``, ``adminRoles``, ``managedGroupKeys``,
``groupKey`` (None when in no group), ``passwordCreated``, ``invitedDate`` (epoch
ms or None), ``inviteCount`` and ``settings``. Group records hold ``key``,
``name`` and ``parentKey``.
"""

from __future__ import annotations

import secrets
import threading
import time
from typing import Any

from scimbridge.emulators.gotomeeting.settings import EmulatorSettings
from scimbridge.emulators.state import Document, DocumentStore

USER = "user"
GROUP = "group"
LICENSE = "license"
TOMBSTONE = "tombstone"
ACCESS_TOKEN = "access_token"
REFRESH_TOKEN = "refresh_token"
META = "meta"

ACCOUNT_META_KEY = "account"


def new_key() -> str:
    """Return a random 19-digit key, the form GoTo's account, user and group keys take."""
    return str(10**18 + secrets.randbelow(9 * 10**18))


def user_status(user: Document) -> str:
    """Derive a user's status: SUSPENDED, INVITED or ACTIVE.

    A user with no license and no admin role is SUSPENDED. Otherwise the user is
    ACTIVE once a password was created and INVITED before that.
    """
    if not user["licenseKeys"] and not user["adminRoles"]:
        return "SUSPENDED"
    if user["passwordCreated"]:
        return "ACTIVE"
    return "INVITED"


class Store:
    """Users, groups, licenses, tombstones and tokens of the one emulated account."""

    def __init__(self, settings: EmulatorSettings) -> None:
        self.settings = settings
        self.lock = threading.RLock()
        self.documents = DocumentStore(settings.state_path)

        self.users: dict[str, Document] = {}
        self.groups: dict[str, Document] = {}
        self.tombstones = self.documents.load(TOMBSTONE)
        self.access_tokens = self.documents.load(ACCESS_TOKEN)
        self.refresh_tokens = self.documents.load(REFRESH_TOKEN)
        self.licenses = self.documents.load(LICENSE)

        self._email_to_key: dict[str, str] = {}
        self._user_email: dict[str, str] = {}
        self._user_group: dict[str, str] = {}
        self._user_licenses: dict[str, list[str]] = {}
        self.group_members: dict[str, set[str]] = {}
        self.license_users: dict[str, set[str]] = {}

        self._load_licenses()
        for group in self.documents.load(GROUP).values():
            self.put_group(group, persist=False)
        for user in self.documents.load(USER).values():
            self.put_user(user, persist=False)

        if ACCOUNT_META_KEY not in self.documents.load(META):
            self._seed_account()

    def close(self) -> None:
        """Close the state file."""
        self.documents.close()

    def _load_licenses(self) -> None:
        for spec in self.settings.licenses:
            license_record = {
                "key": spec.key,
                "description": spec.description,
                "products": list(spec.products),
                "seats": spec.seats,
                "type": spec.type,
                "channel": spec.channel,
                "enabled": spec.enabled,
            }
            self.licenses[spec.key] = license_record
            self.documents.put(LICENSE, spec.key, license_record)

        for key in self.licenses:
            self.license_users.setdefault(key, set())

    def _seed_account(self) -> None:
        settings = self.settings
        if self.user_by_email(settings.admin_email) is None:
            admin = new_user_record(
                self.unused_key(),
                {
                    "email": settings.admin_email,
                    "firstName": settings.admin_first_name,
                    "lastName": settings.admin_last_name,
                },
            )
            admin["adminRoles"] = ["SUPER_USER"]
            admin["passwordCreated"] = True
            self.put_user(admin)

        self.documents.put(META, ACCOUNT_META_KEY, {"accountKey": settings.account_key})

    def unused_key(self) -> str:
        """Return a new key that no user or group has."""
        while True:
            key = new_key()
            if key not in self.users and key not in self.groups:
                return key

    def user_by_email(self, email: str) -> Document | None:
        """Return the user with ``email``, compared case-insensitively."""
        key = self._email_to_key.get(email.casefold())
        return None if key is None else self.users[key]

    def put_user(self, user: Document, *, persist: bool = True) -> None:
        """Insert or replace a user record and update the indexes."""
        key = user["key"]
        self._unindex_user(key)

        self.users[key] = user
        self._user_email[key] = user["email"].casefold()
        self._email_to_key[user["email"].casefold()] = key
        if user["groupKey"] is not None:
            self._user_group[key] = user["groupKey"]
            self.group_members.setdefault(user["groupKey"], set()).add(key)
        self._user_licenses[key] = list(user["licenseKeys"])
        for license_key in user["licenseKeys"]:
            self.license_users.setdefault(license_key, set()).add(key)

        if persist:
            self.documents.put(USER, key, user)

    def remove_user(self, key: str) -> None:
        """Delete a user record and its index entries."""
        self._unindex_user(key)
        self.users.pop(key, None)
        self.documents.delete(USER, key)

    def _unindex_user(self, key: str) -> None:
        email = self._user_email.pop(key, None)
        if email is not None and self._email_to_key.get(email) == key:
            del self._email_to_key[email]

        group_key = self._user_group.pop(key, None)
        if group_key is not None:
            self.group_members.get(group_key, set()).discard(key)

        for license_key in self._user_licenses.pop(key, []):
            self.license_users.get(license_key, set()).discard(key)

    def put_group(self, group: Document, *, persist: bool = True) -> None:
        """Insert or replace a group record."""
        self.groups[group["key"]] = group
        self.group_members.setdefault(group["key"], set())
        if persist:
            self.documents.put(GROUP, group["key"], group)

    def remove_group(self, key: str) -> None:
        """Delete a group record; its members must have been moved out first."""
        self.groups.pop(key, None)
        self.group_members.pop(key, None)
        self.documents.delete(GROUP, key)

    def group_by_name(self, name: str) -> Document | None:
        """Return the group called ``name``, compared case-insensitively."""
        wanted = name.casefold()
        for group in self.groups.values():
            if group["name"].casefold() == wanted:
                return group
        return None

    def group_path(self, group: Document) -> list[Document]:
        """Return the groups from the top-level ancestor down to ``group``."""
        path = [group]
        seen = {group["key"]}
        parent_key = group.get("parentKey")
        while parent_key is not None and parent_key in self.groups and parent_key not in seen:
            parent = self.groups[parent_key]
            path.insert(0, parent)
            seen.add(parent_key)
            parent_key = parent.get("parentKey")
        return path

    def child_groups(self, key: str) -> list[Document]:
        """Return the direct subgroups of group ``key``."""
        return [group for group in self.groups.values() if group.get("parentKey") == key]

    def put_tombstone(self, user: Document) -> None:
        """Remember a deleted user's key under its email."""
        email = user["email"].casefold()
        tombstone = {"email": email, "key": user["key"], "deletedAt": time.time()}
        self.tombstones[email] = tombstone
        self.documents.put(TOMBSTONE, email, tombstone)

    def take_tombstone(self, email: str) -> str | None:
        """Remove and return the key of a user deleted within the retention period."""
        tombstone = self.tombstones.pop(email.casefold(), None)
        if tombstone is None:
            return None

        self.documents.delete(TOMBSTONE, email.casefold())
        retention = self.settings.deleted_user_retention_days * 86400
        if time.time() - tombstone["deletedAt"] >= retention:
            return None
        if tombstone["key"] in self.users or tombstone["key"] in self.groups:
            return None
        return str(tombstone["key"])

    def put_access_token(self, token: Document) -> None:
        """Store an issued access token."""
        self.access_tokens[token["token"]] = token
        self.documents.put(ACCESS_TOKEN, token["token"], token)

    def put_refresh_token(self, token: Document) -> None:
        """Store an issued refresh token."""
        self.refresh_tokens[token["token"]] = token
        self.documents.put(REFRESH_TOKEN, token["token"], token)

    def revoke_access_tokens(self) -> None:
        """Forget every issued access token."""
        with self.lock:
            for value in list(self.access_tokens):
                del self.access_tokens[value]
                self.documents.delete(ACCESS_TOKEN, value)

    def prune_access_tokens(self, now: float) -> None:
        """Forget access tokens that expired more than a day ago."""
        stale = [
            token["token"]
            for token in self.access_tokens.values()
            if token["expiresAt"] < now - 86400
        ]
        for value in stale:
            del self.access_tokens[value]
            self.documents.delete(ACCESS_TOKEN, value)

    def render_user(self, user: Document) -> dict[str, Any]:
        """Render a user as the Admin API returns it; empty lists and no group are left out."""
        rendered: dict[str, Any] = {
            "key": user["key"],
            "email": user["email"],
            "firstName": user["firstName"],
            "lastName": user["lastName"],
            "locale": user["locale"],
            "timeZone": user["timeZone"],
        }

        if user["licenseKeys"]:
            rendered["licenseKeys"] = list(user["licenseKeys"])
            rendered["products"] = self._products(user["licenseKeys"])
        if user["adminRoles"]:
            rendered["adminRoles"] = list(user["adminRoles"])
        if user["managedGroupKeys"]:
            rendered["managedGroupKeys"] = list(user["managedGroupKeys"])

        group = self.groups.get(user["groupKey"]) if user["groupKey"] is not None else None
        if group is not None:
            path = self.group_path(group)
            rendered["groupKey"] = group["key"]
            rendered["groupName"] = group["name"]
            rendered["groupKeyPath"] = [item["key"] for item in path]
            rendered["groupNamePath"] = [item["name"] for item in path]

        rendered["settings"] = user["settings"]
        rendered["passwordCreated"] = user["passwordCreated"]
        if user["invitedDate"] is not None:
            rendered["invitedDate"] = user["invitedDate"]
        rendered["inviteCount"] = user["inviteCount"]
        rendered["nameLocked"] = False
        rendered["emailLocked"] = False
        rendered["identityReadOnly"] = False
        rendered["canAuthenticate"] = user["passwordCreated"]
        rendered["status"] = user_status(user)
        return rendered

    def _products(self, license_keys: list[str]) -> list[str]:
        products: list[str] = []
        for license_key in license_keys:
            for product in self.licenses.get(license_key, {}).get("products", []):
                if product not in products:
                    products.append(product)
        return products

    def render_group(self, group: Document) -> dict[str, Any]:
        """Render a group; ``totalMemberCount`` also counts members of all subgroups."""
        path = self.group_path(group)
        members = sorted(self.group_members.get(group["key"], set()))
        rendered: dict[str, Any] = {
            "key": group["key"],
            "name": group["name"],
            "keyPath": [item["key"] for item in path],
            "namePath": [item["name"] for item in path],
        }

        if members:
            rendered["userKeys"] = members
        rendered["memberCount"] = len(members)
        rendered["totalMemberCount"] = self._total_members(group["key"], set())
        return rendered

    def _total_members(self, key: str, seen: set[str]) -> int:
        seen.add(key)
        total = len(self.group_members.get(key, set()))
        for child in self.child_groups(key):
            if child["key"] not in seen:
                total += self._total_members(child["key"], seen)
        return total

    def render_license(self, license_record: Document) -> dict[str, Any]:
        """Render a license with its current holders in ``userKeys`` and ``userCount``."""
        holders = sorted(self.license_users.get(license_record["key"], set()))
        invited = [key for key in holders if user_status(self.users[key]) == "INVITED"]
        g2m = "G2M" in license_record["products"]
        return {
            "key": license_record["key"],
            "type": license_record["type"],
            "description": license_record["description"],
            "channel": license_record["channel"],
            "enabled": license_record["enabled"],
            "seats": license_record["seats"],
            "userCount": len(holders),
            "userKeys": holders,
            "invitedUserKeys": invited,
            "products": list(license_record["products"]),
            "childLicenseKeys": [],
            # NOTE: the flag names inside "entitlements" are placeholders, because the
            # only public example of this object contains schema defaults.
            "entitlements": {"g2m": {"meetingProvisioned": g2m}},
            "devicesOnly": False,
            "devicesAllowed": False,
            "deviceKeys": [],
            "deviceCount": 0,
            "externallyManaged": False,
        }


def new_user_record(key: str, fields: dict[str, Any]) -> Document:
    """Build a user record with defaults for every field that ``fields`` leaves out."""
    return {
        "key": key,
        "email": fields["email"],
        "firstName": fields["firstName"],
        "lastName": fields["lastName"],
        "locale": fields.get("locale", "en_US"),
        "timeZone": fields.get("timeZone", "America/Los_Angeles"),
        "licenseKeys": [],
        "adminRoles": [],
        "managedGroupKeys": [],
        "groupKey": None,
        "passwordCreated": False,
        "invitedDate": None,
        "inviteCount": 0,
        "settings": {},
    }
