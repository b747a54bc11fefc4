"""SCIM errors of the Coupa connector, over HTTP against the emulator.

Missing required attributes, duplicates, references to records Coupa does
not have and unknown ids each get their SCIM status and type, a detail that
names the attribute or value, and leave Coupa unchanged. No test may see a
5xx status or a Python traceback, in a response or in the gateway's output.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.integration.conftest import assert_scim_error
from tests.integration.coupa_stack import COUPA, ENTERPRISE, CoupaStack, coupa_user


@pytest.fixture(autouse=True)
def no_traceback_output(capfd: pytest.CaptureFixture[str]) -> Iterator[None]:
    """Fail a test when the gateway or the emulator printed a traceback while it ran."""
    yield
    captured = capfd.readouterr()
    assert "Traceback" not in captured.out
    assert "Traceback" not in captured.err


def _coupa_logins(stack: CoupaStack) -> list[str]:
    users: list[dict[str, Any]] = stack.target_get("/users")
    return sorted(user["login"] for user in users)


def _without(body: dict[str, Any], attribute: str) -> dict[str, Any]:
    if attribute.startswith("name."):
        del body["name"][attribute.removeprefix("name.")]
    else:
        del body[attribute]
    return body


# Required attributes ---------------------------------------------------------------------------

REQUIRED = [
    pytest.param("userName", "userName", id="userName"),
    pytest.param("name.givenName", "name.givenName", id="givenName"),
    pytest.param("name.familyName", "name.familyName", id="familyName"),
    pytest.param("emails", "emails", id="email"),
]


@pytest.mark.parametrize(("attribute", "named"), REQUIRED)
def test_post_without_required_rejected(coupa: CoupaStack, attribute: str, named: str) -> None:
    response = coupa.scim.post("/Users", json=_without(coupa_user(1), attribute))

    detail = assert_scim_error(response, 400, "invalidValue")
    assert named in detail
    assert _coupa_logins(coupa) == ["integration"]


@pytest.mark.parametrize(("attribute", "named"), REQUIRED)
def test_put_without_required_rejected(coupa: CoupaStack, attribute: str, named: str) -> None:
    created = coupa.create_user(1)
    before = coupa.target_user(created["id"])

    body = _without(coupa_user(1, name={"givenName": "New", "familyName": "Name"}), attribute)
    response = coupa.scim.put(f"/Users/{created['id']}", json=body)

    detail = assert_scim_error(response, 400, "invalidValue")
    assert named in detail
    assert coupa.target_user(created["id"]) == before


@pytest.mark.parametrize(("attribute", "named"), REQUIRED)
def test_patch_removing_required_rejected(coupa: CoupaStack, attribute: str, named: str) -> None:
    created = coupa.create_user(1)
    before = coupa.target_user(created["id"])

    response = coupa.patch(f"/Users/{created['id']}", {"op": "remove", "path": attribute})

    detail = assert_scim_error(response, 400)
    assert named in detail
    assert coupa.target_user(created["id"]) == before


# Uniqueness ------------------------------------------------------------------------------------


def test_duplicate_username_on_post(coupa: CoupaStack) -> None:
    coupa.create_user(1)
    body = coupa_user(2, userName="user1")

    response = coupa.scim.post("/Users", json=body)

    detail = assert_scim_error(response, 409, "uniqueness")
    assert "userName" in detail
    assert _coupa_logins(coupa) == ["integration", "user1"]
    assert coupa.target_get("/users", email="user2@example.com") == []


def test_duplicate_email_on_post(coupa: CoupaStack) -> None:
    coupa.create_user(1)
    body = coupa_user(2, emails=[{"value": "user1@example.com", "primary": True}])

    response = coupa.scim.post("/Users", json=body)

    detail = assert_scim_error(response, 409, "uniqueness")
    assert "email" in detail
    assert _coupa_logins(coupa) == ["integration", "user1"]


@pytest.mark.parametrize(
    ("path", "value", "named"),
    [
        pytest.param("userName", "user1", "userName", id="userName"),
        pytest.param("emails", [{"value": "user1@example.com"}], "email", id="email"),
        pytest.param(f"{ENTERPRISE}:employeeNumber", "E-1", "employeeNumber", id="employeeNumber"),
        pytest.param(f"{COUPA}:mentionName", "user1", "mentionName", id="mentionName"),
    ],
)
def test_duplicate_on_patch(coupa: CoupaStack, path: str, value: Any, named: str) -> None:
    first = coupa_user(1, **{ENTERPRISE: {"employeeNumber": "E-1"}})
    first["schemas"].append(ENTERPRISE)
    response = coupa.scim.post("/Users", json=first)
    assert response.status_code == 201, response.text
    second = coupa.create_user(2)
    before = coupa.target_user(second["id"])

    patched = coupa.patch(f"/Users/{second['id']}", {"op": "replace", "path": path, "value": value})

    detail = assert_scim_error(patched, 409, "uniqueness")
    assert named in detail
    assert coupa.target_user(second["id"]) == before


# References to records Coupa does not have -----------------------------------------------------

MISSING_REFERENCES = [
    pytest.param({"roles": [{"value": "999"}]}, "999", id="role"),
    pytest.param({"groups": [{"value": "999"}]}, "999", id="content-group"),
    pytest.param({COUPA: {"invoiceApprovalLimit": "7.00 USD"}}, "7.00 USD", id="approval-limit"),
    pytest.param({COUPA: {"defaultChartOfAccountsName": "Nope"}}, "Nope", id="chart"),
    pytest.param({COUPA: {"defaultCurrency": "XXX"}}, "XXX", id="currency"),
    pytest.param({COUPA: {"accountGroups": [{"value": "999"}]}}, "999", id="account-group"),
    pytest.param({COUPA: {"userGroups": [{"value": "999"}]}}, "999", id="user-group"),
    pytest.param({ENTERPRISE: {"manager": {"value": "999"}}}, "999", id="manager"),
]


def _with_extensions(body: dict[str, Any]) -> dict[str, Any]:
    for schema in (ENTERPRISE, COUPA):
        if schema in body:
            body["schemas"].append(schema)
    return body


@pytest.mark.parametrize(("extra", "value"), MISSING_REFERENCES)
def test_missing_reference_on_post(coupa: CoupaStack, extra: dict[str, Any], value: str) -> None:
    response = coupa.scim.post("/Users", json=_with_extensions(coupa_user(1, **extra)))

    detail = assert_scim_error(response, 400, "invalidValue")
    assert "Unable to find valid" in detail
    assert value in detail
    assert _coupa_logins(coupa) == ["integration"]


@pytest.mark.parametrize(("extra", "value"), MISSING_REFERENCES)
def test_missing_reference_on_put(coupa: CoupaStack, extra: dict[str, Any], value: str) -> None:
    created = coupa.create_user(1)
    before = coupa.target_user(created["id"])

    body = _with_extensions(coupa_user(1, **extra))
    response = coupa.scim.put(f"/Users/{created['id']}", json=body)

    detail = assert_scim_error(response, 400, "invalidValue")
    assert "Unable to find valid" in detail
    assert value in detail
    assert coupa.target_user(created["id"]) == before


def test_missing_account_code_on_post(coupa: CoupaStack) -> None:
    extension = {"defaultChartOfAccountsName": "US Chart", "defaultAccountCode": "PAR-100"}
    body = _with_extensions(coupa_user(1, **{COUPA: extension}))

    response = coupa.scim.post("/Users", json=body)

    detail = assert_scim_error(response, 400, "invalidValue")
    assert "US Chart" in detail


def test_approval_group_without_approval_rejected(coupa: CoupaStack) -> None:
    created = coupa.create_user(1)
    before = coupa.target_user(created["id"])

    response = coupa.patch(
        f"/Users/{created['id']}",
        {"op": "replace", "path": f"{COUPA}:approvalGroups", "value": [{"value": "2"}]},
    )

    detail = assert_scim_error(response, 400, "invalidValue")
    assert "IT Team" in detail
    assert coupa.target_user(created["id"]) == before


@pytest.mark.parametrize(
    ("path", "value", "shown"),
    [
        pytest.param("roles", [{"value": "999"}], "999", id="role"),
        pytest.param(f"{COUPA}:invoiceApprovalLimit", "7.00 USD", "7.00 USD", id="approval-limit"),
        pytest.param(f"{COUPA}:defaultChartOfAccountsName", "Nope", "Nope", id="chart"),
        pytest.param(f"{COUPA}:defaultCurrency", "XXX", "XXX", id="currency"),
    ],
)
def test_missing_reference_on_patch(coupa: CoupaStack, path: str, value: Any, shown: str) -> None:
    created = coupa.create_user(1)
    before = coupa.target_user(created["id"])

    response = coupa.patch(
        f"/Users/{created['id']}", {"op": "replace", "path": path, "value": value}
    )

    detail = assert_scim_error(response, 400, "invalidValue")
    assert "Unable to find valid" in detail
    assert shown in detail
    assert coupa.target_user(created["id"]) == before


# Unknown ids -----------------------------------------------------------------------------------

ENDPOINTS = ["Users", "Groups", "Roles", "UserGroups", "AccountGroups"]
UNKNOWN_IDS = [pytest.param("999999", id="unknown"), pytest.param("abc", id="non-numeric")]


@pytest.mark.parametrize("resource_id", UNKNOWN_IDS)
@pytest.mark.parametrize("endpoint", ENDPOINTS)
def test_unknown_id_get(coupa: CoupaStack, endpoint: str, resource_id: str) -> None:
    response = coupa.scim.get(f"/{endpoint}/{resource_id}")

    assert_scim_error(response, 404)


@pytest.mark.parametrize("resource_id", UNKNOWN_IDS)
@pytest.mark.parametrize("endpoint", ENDPOINTS)
def test_unknown_id_patch(coupa: CoupaStack, endpoint: str, resource_id: str) -> None:
    operation = {"op": "add", "path": "members", "value": [{"value": "1"}]}
    if endpoint == "Users":
        operation = {"op": "replace", "path": "active", "value": False}

    response = coupa.patch(f"/{endpoint}/{resource_id}", operation)

    assert_scim_error(response, 404)


@pytest.mark.parametrize("resource_id", UNKNOWN_IDS)
def test_unknown_user_put(coupa: CoupaStack, resource_id: str) -> None:
    response = coupa.scim.put(f"/Users/{resource_id}", json=coupa_user(1))

    assert_scim_error(response, 404)
    assert _coupa_logins(coupa) == ["integration"]


@pytest.mark.parametrize("resource_id", UNKNOWN_IDS)
def test_unknown_user_delete(coupa: CoupaStack, resource_id: str) -> None:
    response = coupa.scim.delete(f"/Users/{resource_id}")

    assert_scim_error(response, 404)


def test_patch_member_unknown_user(coupa: CoupaStack) -> None:
    response = coupa.patch(
        "/Groups/2", {"op": "add", "path": "members", "value": [{"value": "999999"}]}
    )

    assert response.status_code in (400, 404), response.text
    assert_scim_error(response, response.status_code)
