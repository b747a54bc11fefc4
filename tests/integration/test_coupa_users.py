"""Coupa users: the default account, account-security-type, DELETE, granular writes and filters.

The seed records used here are the emulator's sandbox charts of accounts US
Chart (accounts SF-100, SF-200, NY-100) and EU Chart (PAR-100), account groups
US Accounts 1 and EU Accounts 2, and role Expense Approver 6.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from tests.integration.conftest import CallRecorder, assert_scim_error
from tests.integration.coupa_stack import (
    COUPA,
    ENTERPRISE,
    CoupaStack,
    coupa_user,
    start_coupa_stack,
)


class UserWriteRecorder:
    """ASGI middleware that records the JSON bodies of ``PUT /api/users/...`` requests.

    The body is read in full, stored and then passed on unchanged to the
    wrapped application.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.bodies: list[tuple[str, Any]] = []

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if not self._records(scope):
            await self.app(scope, receive, send)
            return

        chunks: list[bytes] = []
        more_body = True
        while more_body:
            message = await receive()
            chunks.append(message.get("body", b""))
            more_body = message.get("more_body", False)
        body = b"".join(chunks)
        self.bodies.append((scope["path"], json.loads(body) if body else None))

        sent = False

        async def replay() -> Message:
            nonlocal sent
            if sent:
                return await receive()
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}

        await self.app(scope, replay, send)

    @staticmethod
    def _records(scope: Scope) -> bool:
        if scope["type"] != "http" or scope["method"] != "PUT":
            return False
        path: str = scope["path"]
        return path.startswith("/api/users/")

    def user_puts(self, user_id: str) -> list[dict[str, Any]]:
        """Return the bodies of the PUTs on the user record itself, oldest first."""
        path = f"/api/users/{user_id}"
        return [body for recorded_path, body in self.bodies if recorded_path == path]


@dataclass
class RecordingStack:
    """A Coupa stack whose emulator records API calls and user PUT bodies."""

    stack: CoupaStack
    calls: CallRecorder
    writes: UserWriteRecorder


@pytest.fixture
def recording(tmp_path: Path) -> Iterator[RecordingStack]:
    running = start_coupa_stack(tmp_path, record_calls=True)
    assert running.recorder is not None
    writes = UserWriteRecorder(running.recorder.app)
    running.recorder.app = writes
    yield RecordingStack(running, running.recorder, writes)
    running.close()


def coupa_extension(resource: dict[str, Any]) -> dict[str, Any]:
    extension: dict[str, Any] = resource.get(COUPA, {})
    return extension


def default_account(stack: CoupaStack, user_id: str) -> tuple[str | None, str | None]:
    """Return the user's chart of accounts name and default account code as Coupa stores them."""
    user = stack.target_user(user_id)
    chart = user["default-account-type"]
    account = user["default-account"]
    return (
        None if chart is None else chart["name"],
        None if account is None else account["code"],
    )


def security_type(stack: CoupaStack, user_id: str) -> int:
    value: int = stack.target_user(user_id)["account-security-type"]
    return value


def listed_ids(stack: CoupaStack, **params: str) -> set[str]:
    response = stack.scim.get("/Users", params={"count": "200", **params})
    assert response.status_code == 200, response.text
    body = response.json()
    ids = {resource["id"] for resource in body.get("Resources", [])}
    assert body["totalResults"] == len(ids)
    return ids


# Default account -------------------------------------------------------------------


def test_post_chart_and_code(recording: RecordingStack) -> None:
    stack = recording.stack
    body = {COUPA: {"defaultChartOfAccountsName": "US Chart", "defaultAccountCode": "SF-100"}}

    with recording.calls.window() as calls:
        response = stack.scim.post("/Users", json=coupa_user(1, **body))

    assert response.status_code == 201, response.text
    user_id = response.json()["id"]
    writes = [call for call in calls if call[0] != "GET"]
    assert writes == [("POST", "/api/users"), ("PUT", f"/api/users/{user_id}")]
    assert recording.writes.user_puts(user_id) == [{"default-account": {"code": "SF-100"}}]
    assert default_account(stack, user_id) == ("US Chart", "SF-100")
    extension = coupa_extension(response.json())
    assert extension["defaultAccountCode"] == "SF-100"
    assert extension["defaultAccountName"] == "San Francisco Operations"


def test_post_chart_and_segments(coupa: CoupaStack) -> None:
    body = {
        COUPA: {
            "defaultChartOfAccountsName": "US Chart",
            "defaultAccountCodeSegment1": "NY",
            "defaultAccountCodeSegment2": "100",
        }
    }

    created = coupa.create_user(1, **body)

    assert default_account(coupa, created["id"]) == ("US Chart", "NY-100")
    assert coupa_extension(created)["defaultAccountCodeSegment1"] == "NY"


def test_patch_chart_and_code_two_puts(recording: RecordingStack) -> None:
    stack = recording.stack
    user_id = stack.create_user(1)["id"]

    with recording.calls.window() as calls:
        response = stack.patch(
            f"/Users/{user_id}",
            {
                "op": "replace",
                "value": {
                    f"{COUPA}:defaultChartOfAccountsName": "US Chart",
                    f"{COUPA}:defaultAccountCode": "NY-100",
                },
            },
        )

    assert response.status_code == 200, response.text
    assert [method for method, _ in calls].count("PUT") == 2
    first, second = recording.writes.user_puts(user_id)
    assert first["default-account-type"] == {"name": "US Chart"}
    assert "default-account" not in first
    assert second == {"default-account": {"code": "NY-100"}}
    assert default_account(stack, user_id) == ("US Chart", "NY-100")


def test_one_put_with_chart_and_account_rejected(coupa: CoupaStack) -> None:
    user_id = coupa.create_user(1)["id"]
    body = {"default-account-type": {"name": "US Chart"}, "default-account": {"code": "SF-100"}}

    response = coupa.target.put(f"/api/users/{user_id}", json=body)

    assert response.status_code == 400, response.text
    assert default_account(coupa, user_id) == (None, None)


def test_one_put_switching_chart_rejected(coupa: CoupaStack) -> None:
    user_id = coupa.create_user(1, **{COUPA: {"defaultChartOfAccountsName": "EU Chart"}})["id"]
    body = {"default-account-type": {"name": "US Chart"}, "default-account": {"code": "SF-100"}}

    response = coupa.target.put(f"/api/users/{user_id}", json=body)

    assert response.status_code == 400, response.text
    assert default_account(coupa, user_id) == ("EU Chart", None)


def test_patch_switches_chart_and_account(coupa: CoupaStack) -> None:
    extension = {"defaultChartOfAccountsName": "US Chart", "defaultAccountCode": "SF-100"}
    user_id = coupa.create_user(1, **{COUPA: extension})["id"]

    response = coupa.patch(
        f"/Users/{user_id}",
        {"op": "replace", "path": f"{COUPA}:defaultChartOfAccountsName", "value": "EU Chart"},
        {"op": "replace", "path": f"{COUPA}:defaultAccountCode", "value": "PAR-100"},
    )

    assert response.status_code == 200, response.text
    assert default_account(coupa, user_id) == ("EU Chart", "PAR-100")
    assert coupa_extension(response.json())["defaultAccountCode"] == "PAR-100"


def test_patch_segment_only(recording: RecordingStack) -> None:
    stack = recording.stack
    extension = {"defaultChartOfAccountsName": "US Chart", "defaultAccountCode": "SF-100"}
    user_id = stack.create_user(1, **{COUPA: extension})["id"]

    response = stack.patch(
        f"/Users/{user_id}",
        {"op": "replace", "path": f"{COUPA}:defaultAccountCodeSegment2", "value": "200"},
    )

    assert response.status_code == 200, response.text
    assert default_account(stack, user_id) == ("US Chart", "SF-200")
    last = recording.writes.user_puts(user_id)[-1]
    assert set(last) == {"default-account"}
    assert coupa_extension(response.json())["defaultAccountCode"] == "SF-200"


def test_patch_clears_default_account(coupa: CoupaStack) -> None:
    extension = {"defaultChartOfAccountsName": "US Chart", "defaultAccountCode": "SF-100"}
    user_id = coupa.create_user(1, **{COUPA: extension})["id"]

    response = coupa.patch(
        f"/Users/{user_id}",
        {"op": "remove", "path": f"{COUPA}:defaultAccountCode"},
        {"op": "remove", "path": f"{COUPA}:defaultAccountCodeSegment1"},
        {"op": "remove", "path": f"{COUPA}:defaultAccountCodeSegment2"},
    )

    assert response.status_code == 200, response.text
    assert default_account(coupa, user_id) == ("US Chart", None)
    assert "defaultAccountCode" not in coupa_extension(response.json())


def test_put_without_account_clears_it(coupa: CoupaStack) -> None:
    extension = {"defaultChartOfAccountsName": "US Chart", "defaultAccountCode": "SF-100"}
    created = coupa.create_user(1, **{COUPA: extension})
    body = coupa_user(1, **{COUPA: {"defaultChartOfAccountsName": "US Chart"}})

    response = coupa.scim.put(f"/Users/{created['id']}", json=body)

    assert response.status_code == 200, response.text
    assert default_account(coupa, created["id"]) == ("US Chart", None)


# account-security-type ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("extension", "expected"),
    [
        ({"defaultChartOfAccountsName": "US Chart", "accountGroups": [{"value": "1"}]}, 2),
        ({"defaultChartOfAccountsName": "US Chart"}, 1),
        ({"accountGroups": [{"value": "1"}]}, 0),
        ({}, 0),
    ],
    ids=["chart and groups", "chart only", "groups only", "neither"],
)
def test_security_type_on_create(
    coupa: CoupaStack, extension: dict[str, Any], expected: int
) -> None:
    created = coupa.create_user(1, **{COUPA: extension})

    assert security_type(coupa, created["id"]) == expected
    assert coupa_extension(created)["accountSecurityType"] == expected


def test_security_type_on_put(coupa: CoupaStack) -> None:
    created = coupa.create_user(1)
    extension = {"defaultChartOfAccountsName": "EU Chart", "accountGroups": [{"value": "2"}]}

    response = coupa.scim.put(f"/Users/{created['id']}", json=coupa_user(1, **{COUPA: extension}))

    assert response.status_code == 200, response.text
    assert security_type(coupa, created["id"]) == 2


def test_security_type_follows_groups(coupa: CoupaStack) -> None:
    user_id = coupa.create_user(1, **{COUPA: {"defaultChartOfAccountsName": "US Chart"}})["id"]
    groups_path = f"{COUPA}:accountGroups"

    added = coupa.patch(
        f"/Users/{user_id}", {"op": "add", "path": groups_path, "value": [{"value": "1"}]}
    )
    after_add = security_type(coupa, user_id)
    emptied = coupa.patch(f"/Users/{user_id}", {"op": "replace", "path": groups_path, "value": []})
    after_empty = security_type(coupa, user_id)

    assert added.status_code == 200, added.text
    assert after_add == 2
    assert emptied.status_code == 200, emptied.text
    assert coupa.target_user(user_id)["account-groups"] == []
    assert after_empty == 1


def test_security_type_after_groups_removed(coupa: CoupaStack) -> None:
    extension = {"defaultChartOfAccountsName": "US Chart", "accountGroups": [{"value": "1"}]}
    user_id = coupa.create_user(1, **{COUPA: extension})["id"]

    response = coupa.patch(f"/Users/{user_id}", {"op": "remove", "path": f"{COUPA}:accountGroups"})

    assert response.status_code == 200, response.text
    assert coupa.target_user(user_id)["account-groups"] == []
    assert security_type(coupa, user_id) == 1


def test_security_type_after_group_endpoint_removal(coupa: CoupaStack) -> None:
    extension = {"defaultChartOfAccountsName": "US Chart", "accountGroups": [{"value": "1"}]}
    user_id = coupa.create_user(1, **{COUPA: extension})["id"]

    response = coupa.patch(
        "/AccountGroups/1", {"op": "remove", "path": f'members[value eq "{user_id}"]'}
    )

    assert response.status_code == 200, response.text
    assert coupa.target_user(user_id)["account-groups"] == []
    assert security_type(coupa, user_id) == 1


def test_security_type_set_when_chart_added(coupa: CoupaStack) -> None:
    user_id = coupa.create_user(1, **{COUPA: {"accountGroups": [{"value": "1"}]}})["id"]

    response = coupa.patch(
        f"/Users/{user_id}",
        {"op": "add", "path": f"{COUPA}:defaultChartOfAccountsName", "value": "US Chart"},
    )

    assert response.status_code == 200, response.text
    assert security_type(coupa, user_id) == 2


@pytest.mark.parametrize("stored", [1, 2])
def test_security_type_kept_without_chart(coupa: CoupaStack, stored: int) -> None:
    user_id = coupa.create_user(1)["id"]
    coupa.target_put(f"/users/{user_id}", {"account-security-type": stored})

    renamed = coupa.patch(
        f"/Users/{user_id}", {"op": "replace", "path": "name.givenName", "value": "Renamed"}
    )
    after_rename = security_type(coupa, user_id)
    grouped = coupa.patch(
        f"/Users/{user_id}",
        {"op": "add", "path": f"{COUPA}:accountGroups", "value": [{"value": "1"}]},
    )

    assert renamed.status_code == 200, renamed.text
    assert after_rename == stored
    assert grouped.status_code == 200, grouped.text
    assert security_type(coupa, user_id) == stored


# DELETE --------------------------------------------------------------------------------


def test_delete_deactivates_in_coupa(coupa: CoupaStack) -> None:
    user_id = coupa.create_user(1)["id"]

    response = coupa.scim.delete(f"/Users/{user_id}")

    assert response.status_code == 204, response.text
    assert coupa.target_user(user_id)["active"] is False
    assert_scim_error(coupa.scim.get(f"/Users/{user_id}"), 404)


def test_deleted_user_left_out_of_lists(coupa: CoupaStack) -> None:
    kept = coupa.create_user(1)["id"]
    deleted = coupa.create_user(2)["id"]
    assert coupa.scim.delete(f"/Users/{deleted}").status_code == 204

    assert listed_ids(coupa) == {"1", kept}
    assert listed_ids(coupa, filter='userName eq "user2"') == set()
    assert listed_ids(coupa, filter=f'id eq "{deleted}"') == set()
    assert listed_ids(coupa, filter="active eq false") == set()
    assert listed_ids(coupa, filter='name.givenName sw "Given"') == {kept}


def test_deleted_user_writes_get_404(coupa: CoupaStack) -> None:
    created = coupa.create_user(1)
    assert coupa.scim.delete(f"/Users/{created['id']}").status_code == 204
    path = f"/Users/{created['id']}"

    patched = coupa.patch(path, {"op": "replace", "path": "name.givenName", "value": "X"})
    replaced = coupa.scim.put(path, json=coupa_user(1))
    deleted_again = coupa.scim.delete(path)

    assert_scim_error(patched, 404)
    assert_scim_error(replaced, 404)
    assert_scim_error(deleted_again, 404)
    assert coupa.target_user(created["id"])["firstname"] == "Given1"


def test_post_recreates_deleted_user(coupa: CoupaStack) -> None:
    old = coupa.create_user(
        1,
        name={"givenName": "Old", "familyName": "Name", "middleName": "Middle"},
        locale="fr",
        roles=[{"value": "4"}, {"value": "5"}],
        groups=[{"value": "3"}],
        **{
            ENTERPRISE: {"employeeNumber": "E-1"},
            COUPA: {
                "defaultChartOfAccountsName": "US Chart",
                "defaultAccountCode": "SF-100",
                "accountGroups": [{"value": "1"}],
                "userGroups": [{"value": "1"}, {"value": "2"}],
                "purchasingUser": True,
            },
        },
    )
    assert coupa.scim.delete(f"/Users/{old['id']}").status_code == 204

    response = coupa.scim.post(
        "/Users",
        json=coupa_user(
            1,
            name={"givenName": "New", "familyName": "Person"},
            roles=[{"value": "6"}],
        ),
    )

    assert response.status_code == 201, response.text
    assert response.json()["id"] == old["id"]
    assert response.json()["active"] is True
    user = coupa.target_user(old["id"])
    assert user["active"] is True
    assert (user["firstname"], user["lastname"], user["middlename"]) == ("New", "Person", None)
    assert user["employee-number"] is None
    assert user["default-locale"] is None
    assert [role["id"] for role in user["roles"]] == [6]
    assert user["content-groups"] == []
    assert user["account-groups"] == []
    assert user["user-groups"] == []
    assert user["default-account-type"] is None
    assert user["default-account"] is None
    assert user["account-security-type"] == 0
    assert coupa.scim.get(f"/Users/{old['id']}").status_code == 200
    assert listed_ids(coupa, filter='userName eq "user1"') == {old["id"]}


def test_recreated_user_loses_flags(coupa: CoupaStack) -> None:
    extension = {
        "purchasingUser": True,
        "defaultCurrency": "EUR",
        "authenticationMethod": "saml",
        "businessGroupSecurityType": 1,
    }
    old = coupa.create_user(1, **{COUPA: extension})
    assert coupa.scim.delete(f"/Users/{old['id']}").status_code == 204

    response = coupa.scim.post("/Users", json=coupa_user(1))

    assert response.status_code == 201, response.text
    user = coupa.target_user(old["id"])
    assert user["purchasing-user"] is False
    assert user["default-currency"]["code"] == "USD"
    assert user["authentication-method"] == "coupa_credentials"
    assert user["business-group-security-type"] == 0


def test_deactivated_user_stays_visible(coupa: CoupaStack) -> None:
    user_id = coupa.create_user(1)["id"]

    response = coupa.patch(f"/Users/{user_id}", {"op": "replace", "path": "active", "value": False})

    assert response.status_code == 200, response.text
    assert coupa.target_user(user_id)["active"] is False
    fetched = coupa.scim.get(f"/Users/{user_id}")
    assert fetched.status_code == 200, fetched.text
    assert fetched.json()["active"] is False
    assert user_id in listed_ids(coupa)


def test_reactivated_in_coupa_visible_again(coupa: CoupaStack) -> None:
    user_id = coupa.create_user(1)["id"]
    assert coupa.scim.delete(f"/Users/{user_id}").status_code == 204

    coupa.target_put(f"/users/{user_id}", {"active": True})

    assert listed_ids(coupa, filter='userName eq "user1"') == {user_id}
    assert user_id in listed_ids(coupa)
    fetched = coupa.scim.get(f"/Users/{user_id}")
    assert fetched.status_code == 200, fetched.text
    assert fetched.json()["active"] is True


# Granular PATCH ---------------------------------------------------------------------


@dataclass(frozen=True)
class GranularCase:
    """One PATCH operation and the only Coupa fields its PUT may carry."""

    name: str
    operation: dict[str, Any]
    fields: set[str]


GRANULAR_CASES = (
    GranularCase(
        "givenName",
        {"op": "replace", "path": "name.givenName", "value": "Grace"},
        {"firstname"},
    ),
    GranularCase(
        "middleName",
        {"op": "add", "path": "name.middleName", "value": "Brewster"},
        {"middlename"},
    ),
    GranularCase(
        "email",
        {"op": "replace", "path": 'emails[type eq "work"].value', "value": "grace@example.com"},
        {"email"},
    ),
    GranularCase("active", {"op": "replace", "path": "active", "value": False}, {"active"}),
    GranularCase(
        "roles",
        {"op": "add", "path": "roles", "value": [{"value": "6"}]},
        {"roles"},
    ),
    GranularCase(
        "employeeNumber",
        {"op": "add", "path": f"{ENTERPRISE}:employeeNumber", "value": "E-7"},
        {"employee-number"},
    ),
    GranularCase(
        "purchasingUser",
        {"op": "replace", "path": f"{COUPA}:purchasingUser", "value": True},
        {"purchasing-user"},
    ),
    GranularCase(
        "defaultCurrency",
        {"op": "replace", "path": f"{COUPA}:defaultCurrency", "value": "EUR"},
        {"default-currency"},
    ),
    GranularCase(
        "chart of accounts",
        {"op": "add", "path": f"{COUPA}:defaultChartOfAccountsName", "value": "US Chart"},
        {"default-account-type", "account-security-type"},
    ),
)


@pytest.mark.parametrize("case", GRANULAR_CASES, ids=[case.name for case in GRANULAR_CASES])
def test_patch_sends_only_changed_field(recording: RecordingStack, case: GranularCase) -> None:
    stack = recording.stack
    user_id = stack.create_user(1)["id"]

    response = stack.patch(f"/Users/{user_id}", case.operation)

    assert response.status_code == 200, response.text
    puts = recording.writes.user_puts(user_id)
    assert len(puts) == 1, puts
    assert set(puts[0]) == case.fields


def test_patch_without_change_sends_nothing(recording: RecordingStack) -> None:
    stack = recording.stack
    user_id = stack.create_user(1)["id"]

    response = stack.patch(
        f"/Users/{user_id}", {"op": "replace", "path": "name.givenName", "value": "Given1"}
    )

    assert response.status_code == 200, response.text
    assert recording.writes.user_puts(user_id) == []


# active filters ------------------------------------------------------------------------


def test_active_filters(coupa: CoupaStack) -> None:
    active = coupa.create_user(1)["id"]
    inactive = coupa.create_user(2)["id"]
    deleted = coupa.create_user(3)["id"]
    deactivated = coupa.patch(
        f"/Users/{inactive}", {"op": "replace", "path": "active", "value": False}
    )
    assert deactivated.status_code == 200, deactivated.text
    assert coupa.scim.delete(f"/Users/{deleted}").status_code == 204

    assert listed_ids(coupa, filter="active eq true") == {"1", active}
    assert listed_ids(coupa, filter="active eq false") == {inactive}
    assert listed_ids(coupa, filter="not (active eq true)") == {inactive}
    assert listed_ids(coupa) == {"1", active, inactive}
