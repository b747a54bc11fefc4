"""User and group operations of the Admin API, with their validation rules.

Request bodies are checked strictly: a field the Admin API does not document for
that call is rejected with 400 ``request.field.unknown``, so a typo in a
connector shows up here instead of being ignored.
"""

from __future__ import annotations

import re
import time
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from scimbridge.emulators.gotomeeting.errors import ApiError, bad_request
from scimbridge.emulators.gotomeeting.settings import EmulatorSettings
from scimbridge.emulators.gotomeeting.store import Store, new_user_record
from scimbridge.emulators.state import Document

ADMIN_ROLES = frozenset(
    {
        "SUPER_USER",
        "ADD_USERS",
        "MANAGE_USERS",
        "MANAGE_GROUPS",
        "MANAGE_SEATS",
        "MANAGE_SETTINGS",
        "RUN_REPORTS",
        "MANAGE_ACCOUNT",
    }
)

CREATE_FIELDS = frozenset(
    {"users", "licenseKeys", "adminRoles", "groupKey", "managedGroupKeys", "suppressEmail"}
)
CREATE_USER_FIELDS = frozenset({"email", "firstName", "lastName", "locale", "timeZone"})
UPDATE_FIELDS = frozenset(
    {
        "email",
        "firstName",
        "lastName",
        "locale",
        "timeZone",
        "admin",
        "adminRoles",
        "managedGroupKeys",
        "licenseKeys",
        "settings",
    }
)
GROUP_CREATE_FIELDS = frozenset({"name", "parentKey"})

EMAIL_PATTERN = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
LOCALE_PATTERN = re.compile(r"^[a-z]{2,3}(_[A-Z]{2})?$")


def _require_object(body: Any) -> dict[str, Any]:
    if not isinstance(body, dict):
        raise bad_request("request.body.invalid", "The request body must be a JSON object.")
    return body


def _reject_unknown_fields(body: dict[str, Any], allowed: frozenset[str], where: str) -> None:
    unknown = sorted(set(body) - allowed)
    if unknown:
        raise bad_request(
            "request.field.unknown",
            f"Unknown field(s) in {where}: {', '.join(unknown)}. "
            f"Accepted: {', '.join(sorted(allowed))}.",
        )


def _string_list(body: dict[str, Any], name: str) -> list[str]:
    value = body.get(name, [])
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise bad_request(f"{name}.invalid", f"{name} must be a list of strings.")
    return list(dict.fromkeys(value))


def _name_errors(entry: dict[str, Any], label: str) -> list[tuple[str, str]]:
    errors: list[tuple[str, str]] = []
    for name in ("firstName", "lastName"):
        value = entry.get(name)
        if not isinstance(value, str) or not value.strip():
            errors.append((f"user.{name}.required", f"{label}: {name} is required."))
    return errors


def _email_error(value: Any, label: str, *, check_format: bool) -> tuple[str, str] | None:
    if not isinstance(value, str) or not value:
        return ("user.email.required", f"{label}: email is required.")
    if check_format and not EMAIL_PATTERN.match(value):
        return ("user.email.invalid", f"{label}: '{value}' is not a valid email address.")
    return None


def _profile_errors(entry: dict[str, Any], label: str) -> list[tuple[str, str]]:
    errors: list[tuple[str, str]] = []

    locale = entry.get("locale")
    if locale is not None and (not isinstance(locale, str) or not LOCALE_PATTERN.match(locale)):
        errors.append(("user.locale.invalid", f"{label}: '{locale}' is not a locale like en_US."))

    time_zone = entry.get("timeZone")
    if time_zone is not None and not _is_time_zone(time_zone):
        errors.append(
            ("user.timeZone.invalid", f"{label}: '{time_zone}' is not an IANA time zone.")
        )
    return errors


def _is_time_zone(value: Any) -> bool:
    if not isinstance(value, str) or not value or value.startswith(("/", ".")):
        return False
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return True


class Directory:
    """The account's users and groups, changed under the store's lock."""

    def __init__(self, store: Store, settings: EmulatorSettings) -> None:
        self.store = store
        self.settings = settings

    def check_key(self, key: str, not_found_code: str) -> None:
        """Reject a key that is not a string of digits with ``invalid_key_status``."""
        if not key.isdigit():
            raise ApiError(
                self.settings.invalid_key_status, not_found_code, f"Invalid key '{key}'."
            )

    def user(self, key: str) -> Document:
        """Return the user ``key`` or raise 404 ``user.not.found``."""
        self.check_key(key, "user.not.found")
        user = self.store.users.get(key)
        if user is None:
            raise ApiError(404, "user.not.found", key)
        return user

    def group(self, key: str) -> Document:
        """Return the group ``key`` or raise 404 ``group.not.found``."""
        self.check_key(key, "group.not.found")
        group = self.store.groups.get(key)
        if group is None:
            raise ApiError(404, "group.not.found", key)
        return group

    def _check_licenses(self, license_keys: list[str]) -> None:
        for license_key in license_keys:
            if license_key not in self.store.licenses:
                raise bad_request("license.not.found", license_key)

    def _check_seats(self, license_keys: list[str], added_users: int) -> None:
        for license_key in license_keys:
            seats = self.store.licenses[license_key]["seats"]
            in_use = len(self.store.license_users.get(license_key, set()))
            if in_use + added_users > seats:
                raise bad_request(
                    "license.seats.exceeded",
                    f"License {license_key} has {seats} seats and {in_use} are in use; "
                    f"{added_users} more requested.",
                )

    def _check_roles(self, roles: list[str]) -> None:
        for role in roles:
            if role not in ADMIN_ROLES:
                raise bad_request(
                    "admin.role.invalid",
                    f"Unknown admin role '{role}'. Known roles: {', '.join(sorted(ADMIN_ROLES))}.",
                )

    def _check_group_keys(self, keys: list[str]) -> None:
        for key in keys:
            if key not in self.store.groups:
                raise bad_request("group.not.found", key)

    def create_users(self, body: Any, all_or_nothing: bool) -> list[dict[str, str]]:
        """Create users in bulk and return one ``{email, key}`` binding per input entry.

        With ``all_or_nothing`` any email that already exists (or repeats within the
        request) fails the whole call with 409 ``user.name.conflict``. Otherwise the
        other users are created and the conflicting binding has no ``key``, unless
        ``duplicate_binding_with_key`` is set. Validation errors always fail the
        whole call with 400.
        """
        body = _require_object(body)
        _reject_unknown_fields(body, CREATE_FIELDS, "the create body")

        entries = body.get("users")
        if not isinstance(entries, list) or not entries:
            raise bad_request("users.required", "users must be a non-empty list of users.")

        license_keys = _string_list(body, "licenseKeys")
        admin_roles = _string_list(body, "adminRoles")
        managed_group_keys = _string_list(body, "managedGroupKeys")
        group_key = body.get("groupKey")
        suppress_email = body.get("suppressEmail", False)
        self._validate_create_options(license_keys, admin_roles, group_key, suppress_email)
        self._check_group_keys(managed_group_keys)
        self._validate_entries(entries)

        with self.store.lock:
            conflicts, fresh = self._split_conflicts(entries)
            if conflicts and all_or_nothing:
                raise ApiError.many(409, [("user.name.conflict", email) for email in conflicts])
            self._check_seats(license_keys, len(fresh))

            now_ms = int(time.time() * 1000)
            created: dict[int, str] = {}
            for index, entry in fresh:
                user = self._new_user(entry, license_keys, admin_roles, managed_group_keys)
                user["groupKey"] = group_key
                if not suppress_email:
                    user["invitedDate"] = now_ms
                    user["inviteCount"] = 1
                self.store.put_user(user)
                created[index] = user["key"]

            return [self._binding(entry, created.get(index)) for index, entry in enumerate(entries)]

    def _validate_create_options(
        self, license_keys: list[str], roles: list[str], group_key: Any, suppress_email: Any
    ) -> None:
        self._check_licenses(license_keys)
        self._check_roles(roles)
        if not license_keys and not roles:
            raise bad_request(
                "user.license.or.role.required",
                "A new user needs at least one license key or one admin role.",
            )
        if group_key is not None:
            if not isinstance(group_key, str):
                raise bad_request("groupKey.invalid", "groupKey must be a string.")
            self._check_group_keys([group_key])
        if not isinstance(suppress_email, bool):
            raise bad_request("suppressEmail.invalid", "suppressEmail must be true or false.")

    def _validate_entries(self, entries: list[Any]) -> None:
        errors: list[tuple[str, str]] = []
        for index, entry in enumerate(entries):
            label = f"users[{index}]"
            if not isinstance(entry, dict):
                errors.append(("request.body.invalid", f"{label} must be a JSON object."))
                continue

            _reject_unknown_fields(entry, CREATE_USER_FIELDS, label)
            email_error = _email_error(
                entry.get("email"), label, check_format=self.settings.check_email_format
            )
            if email_error is not None:
                errors.append(email_error)
            errors.extend(_name_errors(entry, label))
            errors.extend(_profile_errors(entry, label))

        if errors:
            raise ApiError.many(400, errors)

    def _split_conflicts(
        self, entries: list[dict[str, Any]]
    ) -> tuple[list[str], list[tuple[int, dict[str, Any]]]]:
        """Return the conflicting emails and the ``(index, entry)`` pairs to create."""
        conflicts: list[str] = []
        fresh: list[tuple[int, dict[str, Any]]] = []
        seen: set[str] = set()
        for index, entry in enumerate(entries):
            email = entry["email"].casefold()
            if email in seen or self.store.user_by_email(email) is not None:
                conflicts.append(entry["email"])
            else:
                fresh.append((index, entry))
            seen.add(email)
        return conflicts, fresh

    def _new_user(
        self,
        entry: dict[str, Any],
        license_keys: list[str],
        admin_roles: list[str],
        managed_group_keys: list[str],
    ) -> Document:
        key = self.store.take_tombstone(entry["email"]) or self.store.unused_key()
        user = new_user_record(key, entry)
        user["licenseKeys"] = list(license_keys)
        user["adminRoles"] = list(admin_roles)
        user["managedGroupKeys"] = list(managed_group_keys)
        return user

    def _binding(self, entry: dict[str, Any], key: str | None) -> dict[str, str]:
        if key is not None:
            return {"email": entry["email"], "key": key}

        existing = self.store.user_by_email(entry["email"])
        if self.settings.duplicate_binding_with_key and existing is not None:
            return {"email": entry["email"], "key": existing["key"]}
        return {"email": entry["email"]}

    def update_user(self, key: str, body: Any) -> None:
        """Apply a partial update; the status follows from the new licenses and roles."""
        body = _require_object(body)
        if "key" in body:
            raise bad_request("user.key.not.allowed", "The user key belongs in the path only.")
        _reject_unknown_fields(body, UPDATE_FIELDS, "the update body")

        with self.store.lock:
            user = self.user(key)
            updated = dict(user)
            self._apply_identity(updated, body)
            self._apply_access(user, updated, body)
            self.store.put_user(updated)

    def _apply_identity(self, updated: Document, body: dict[str, Any]) -> None:
        errors = _name_errors({**updated, **body}, "user")
        errors.extend(_profile_errors(body, "user"))
        if "email" in body:
            email_error = _email_error(
                body["email"], "user", check_format=self.settings.check_email_format
            )
            if email_error is not None:
                errors.append(email_error)
        if errors:
            raise ApiError.many(400, errors)

        if "email" in body:
            other = self.store.user_by_email(body["email"])
            if other is not None and other["key"] != updated["key"]:
                raise ApiError(409, "user.name.conflict", body["email"])

        for name in ("email", "firstName", "lastName", "locale", "timeZone"):
            if name in body:
                updated[name] = body[name]
        if "settings" in body:
            if not isinstance(body["settings"], dict):
                raise bad_request("settings.invalid", "settings must be a JSON object.")
            updated["settings"] = body["settings"]
        if "admin" in body and not isinstance(body["admin"], bool):
            raise bad_request("admin.invalid", "admin must be true or false.")

    def _apply_access(self, user: Document, updated: Document, body: dict[str, Any]) -> None:
        if "licenseKeys" in body:
            license_keys = _string_list(body, "licenseKeys")
            self._check_licenses(license_keys)
            added = [item for item in license_keys if item not in user["licenseKeys"]]
            self._check_seats(added, 1)
            updated["licenseKeys"] = license_keys
        if "adminRoles" in body:
            roles = _string_list(body, "adminRoles")
            self._check_roles(roles)
            updated["adminRoles"] = roles
        if "managedGroupKeys" in body:
            managed = _string_list(body, "managedGroupKeys")
            self._check_group_keys(managed)
            updated["managedGroupKeys"] = managed

    def delete_user(self, key: str) -> None:
        """Delete a user and keep a tombstone, so re-creating the email reuses the key."""
        with self.store.lock:
            user = self.user(key)
            self.store.put_tombstone(user)
            self.store.remove_user(key)

    def remove_user_from_groups(self, key: str) -> None:
        """Take a user out of its group; a user in no group is left as it is."""
        with self.store.lock:
            user = self.user(key)
            if user["groupKey"] is not None:
                self.store.put_user({**user, "groupKey": None})

    def mark_password_created(self, key: str) -> None:
        """Record that the user set a password, which makes a licensed user ACTIVE."""
        with self.store.lock:
            user = self.user(key)
            self.store.put_user({**user, "passwordCreated": True})

    def create_group(self, body: Any) -> str:
        """Create a group and return its key."""
        body = _require_object(body)
        _reject_unknown_fields(body, GROUP_CREATE_FIELDS, "the group body")
        name = self._group_name(body)

        parent_key = body.get("parentKey")
        if parent_key is not None and (
            not isinstance(parent_key, str) or parent_key not in self.store.groups
        ):
            raise bad_request("group.not.found", f"Parent group {parent_key} does not exist.")

        with self.store.lock:
            if self.store.group_by_name(name) is not None:
                raise ApiError(409, "group.name.conflict", name)
            key = self.store.unused_key()
            self.store.put_group({"key": key, "name": name, "parentKey": parent_key})
            return key

    def _group_name(self, body: dict[str, Any]) -> str:
        name = body.get("name")
        if not isinstance(name, str) or not name.strip():
            raise bad_request("group.name.required", "name is required.")
        return name

    def rename_group(self, key: str, body: Any) -> None:
        """Rename a group; ``name`` is the only field accepted."""
        body = _require_object(body)
        if "key" in body:
            raise bad_request("group.key.not.allowed", "The group key belongs in the path only.")
        _reject_unknown_fields(body, frozenset({"name"}), "the group body")
        name = self._group_name(body)

        with self.store.lock:
            group = self.group(key)
            other = self.store.group_by_name(name)
            if other is not None and other["key"] != key:
                raise ApiError(409, "group.name.conflict", name)
            self.store.put_group({**group, "name": name})

    def delete_group(self, key: str) -> None:
        """Delete a group with all its subgroups; their members end up in no group."""
        with self.store.lock:
            self.group(key)
            doomed = self._descendants(key)
            for group_key in doomed:
                for user_key in sorted(self.store.group_members.get(group_key, set())):
                    self.store.put_user({**self.store.users[user_key], "groupKey": None})

            for user in list(self.store.users.values()):
                managed = [item for item in user["managedGroupKeys"] if item not in doomed]
                if managed != user["managedGroupKeys"]:
                    self.store.put_user({**user, "managedGroupKeys": managed})

            for group_key in doomed:
                self.store.remove_group(group_key)

    def _descendants(self, key: str) -> list[str]:
        keys = [key]
        index = 0
        while index < len(keys):
            for child in self.store.child_groups(keys[index]):
                if child["key"] not in keys:
                    keys.append(child["key"])
            index += 1
        return keys

    def add_user_to_group(self, group_key: str, user_key: str) -> None:
        """Put a user in a group, moving it out of the group it was in."""
        with self.store.lock:
            self.group(group_key)
            user = self.user(user_key)
            self.store.put_user({**user, "groupKey": group_key})
