"""Users: bulk create, validation, partial update, delete, licenses and status."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import httpx
import pytest

from scimbridge.emulators.gotomeeting import EmulatorSettings, LicenseSpec
from scimbridge.emulators.gotomeeting.settings import SANDBOX_ACCOUNT_KEY, SANDBOX_LICENSE_KEY

from .conftest import StartEmulator, pat_token
from .helpers import HTTP, create_group, create_user, create_users, error_codes, local_client


def account_client(base_url: str, account_key: str = SANDBOX_ACCOUNT_KEY) -> httpx.Client:
    headers = {"Authorization": f"Bearer {pat_token(base_url)}"}
    return local_client(
        base_url=f"{base_url}/admin/rest/v1/accounts/{account_key}", headers=headers
    )


def emails(api: httpx.Client) -> list[str]:
    return [user["email"] for user in api.get("/users").json()["results"]]


def test_create_returns_bindings(api: httpx.Client) -> None:
    response = create_users(api, "ann@example.com", "bob@example.com")

    assert response.status_code == 200
    bindings = response.json()
    assert [binding["email"] for binding in bindings] == ["ann@example.com", "bob@example.com"]
    assert all(binding["key"].isdigit() and len(binding["key"]) == 19 for binding in bindings)
    assert bindings[0]["key"] != bindings[1]["key"]


def test_create_user_fields(api: httpx.Client) -> None:
    key = create_user(api, "ann@example.com")

    user = api.get(f"/users/{key}").json()

    assert user["key"] == key
    assert user["email"] == "ann@example.com"
    assert user["firstName"] == "Ann"
    assert user["lastName"] == "Tester"
    assert user["locale"] == "en_US"
    assert user["licenseKeys"] == [SANDBOX_LICENSE_KEY]
    assert user["products"] == ["G2M"]
    assert user["status"] == "INVITED"
    assert user["passwordCreated"] is False
    assert user["inviteCount"] == 1
    assert isinstance(user["invitedDate"], int)
    assert "groupKey" not in user
    assert "adminRoles" not in user


def test_create_suppress_email(api: httpx.Client) -> None:
    key = create_user(api, "quiet@example.com", suppressEmail=True)

    user = api.get(f"/users/{key}").json()

    assert user["inviteCount"] == 0
    assert "invitedDate" not in user


def test_create_profile_fields(api: httpx.Client) -> None:
    body = {
        "users": [
            {
                "email": "eve@example.com",
                "firstName": "Eve",
                "lastName": "Lyon",
                "locale": "fr_FR",
                "timeZone": "Europe/Paris",
            }
        ],
        "adminRoles": ["MANAGE_USERS"],
    }

    key = api.post("/users", json=body).json()[0]["key"]
    user = api.get(f"/users/{key}").json()

    assert user["locale"] == "fr_FR"
    assert user["timeZone"] == "Europe/Paris"
    assert user["adminRoles"] == ["MANAGE_USERS"]
    assert "licenseKeys" not in user
    assert user["status"] == "INVITED"


def test_all_or_nothing_conflict(api: httpx.Client) -> None:
    create_user(api, "ann@example.com")

    response = create_users(api, "new@example.com", "ANN@example.com")

    assert response.status_code == 409
    assert error_codes(response) == ["user.name.conflict"]
    assert response.json()["errors"][0]["value"] == "ANN@example.com"
    assert "new@example.com" not in emails(api)


def test_all_or_nothing_false(api: httpx.Client) -> None:
    existing = create_user(api, "ann@example.com")

    response = create_users(api, "new@example.com", "ann@example.com", all_or_nothing=False)

    assert response.status_code == 200
    bindings = response.json()
    assert bindings[0]["email"] == "new@example.com"
    assert bindings[0]["key"].isdigit()
    assert bindings[1] == {"email": "ann@example.com"}
    assert "new@example.com" in emails(api)
    assert existing != bindings[0]["key"]


def test_duplicate_binding_with_key(
    start_emulator: StartEmulator, settings: EmulatorSettings
) -> None:
    url = start_emulator(replace(settings, duplicate_binding_with_key=True)).base_url
    with account_client(url) as api:
        existing = create_user(api, "ann@example.com")

        response = create_users(api, "ann@example.com", all_or_nothing=False)

    assert response.status_code == 200
    assert response.json() == [{"email": "ann@example.com", "key": existing}]


def test_repeated_email_in_request(api: httpx.Client) -> None:
    response = create_users(api, "dup@example.com", "Dup@example.com")

    assert response.status_code == 409
    assert error_codes(response) == ["user.name.conflict"]
    assert "dup@example.com" not in emails(api)


def test_create_validation_envelope(api: httpx.Client) -> None:
    body = {
        "users": [{"email": "not-an-email", "lastName": "X"}, {"firstName": "Y", "lastName": "Z"}],
        "licenseKeys": [SANDBOX_LICENSE_KEY],
    }

    response = api.post("/users", json=body)

    assert response.status_code == 400
    assert isinstance(response.json()["incidentId"], str)
    assert error_codes(response) == [
        "user.email.invalid",
        "user.firstName.required",
        "user.email.required",
    ]
    assert emails(api) == ["admin@sandbox.example.com"]


@pytest.mark.parametrize(
    ("options", "code"),
    [
        ({"licenseKeys": []}, "user.license.or.role.required"),
        ({"licenseKeys": ["999"]}, "license.not.found"),
        ({"adminRoles": ["OWNER"]}, "admin.role.invalid"),
        ({"groupKey": "123"}, "group.not.found"),
        ({"suppressEmail": "yes"}, "suppressEmail.invalid"),
        ({"productType": "G2M"}, "request.field.unknown"),
    ],
)
def test_create_rejects_options(api: httpx.Client, options: dict[str, Any], code: str) -> None:
    response = create_users(api, "ann@example.com", **options)

    assert response.status_code == 400
    assert error_codes(response) == [code]


@pytest.mark.parametrize(
    ("field", "value", "code"),
    [
        ("locale", "english", "user.locale.invalid"),
        ("timeZone", "Mars/Olympus", "user.timeZone.invalid"),
    ],
)
def test_create_rejects_profile(api: httpx.Client, field: str, value: str, code: str) -> None:
    body = {
        "users": [{"email": "a@example.com", "firstName": "A", "lastName": "B", field: value}],
        "licenseKeys": [SANDBOX_LICENSE_KEY],
    }

    response = api.post("/users", json=body)

    assert response.status_code == 400
    assert error_codes(response) == [code]


def test_create_empty_users(api: httpx.Client) -> None:
    response = api.post("/users", json={"users": [], "licenseKeys": [SANDBOX_LICENSE_KEY]})

    assert response.status_code == 400
    assert error_codes(response) == ["users.required"]


def test_create_invalid_json(api: httpx.Client) -> None:
    response = api.post(
        "/users", content=b"{not json", headers={"Content-Type": "application/json"}
    )

    assert response.status_code == 400
    assert error_codes(response) == ["request.body.invalid"]


def test_get_unknown_user(api: httpx.Client) -> None:
    response = api.get("/users/1234567890123456789")

    assert response.status_code == 404
    assert error_codes(response) == ["user.not.found"]
    assert response.json()["errors"][0]["value"] == "1234567890123456789"


def test_non_numeric_key_default(api: httpx.Client) -> None:
    response = api.get("/users/abc")

    assert response.status_code == 404
    assert error_codes(response) == ["user.not.found"]


def test_non_numeric_key_status_setting(
    start_emulator: StartEmulator, settings: EmulatorSettings
) -> None:
    url = start_emulator(replace(settings, invalid_key_status=502)).base_url
    with account_client(url) as api:
        user = api.get("/users/abc")
        group = api.get("/groups/xyz")
        numeric = api.get("/users/1234567890123456789")

    assert user.status_code == 502
    assert group.status_code == 502
    assert numeric.status_code == 404


def test_foreign_account(base_url: str) -> None:
    with account_client(base_url, "1111111111111111111") as api:
        response = api.get("/users")

    assert response.status_code == 403
    assert error_codes(response) == ["not.authorized"]


def test_non_numeric_account(base_url: str) -> None:
    with account_client(base_url, "my-account") as api:
        response = api.get("/users")

    assert response.status_code == 404
    assert error_codes(response) == ["account.not.found"]


def test_update_partial(api: httpx.Client) -> None:
    key = create_user(api, "ann@example.com")

    response = api.put(f"/users/{key}", json={"firstName": "Annie"})
    user = api.get(f"/users/{key}").json()

    assert response.status_code == 204
    assert response.content == b""
    assert user["firstName"] == "Annie"
    assert user["lastName"] == "Tester"
    assert user["email"] == "ann@example.com"
    assert user["licenseKeys"] == [SANDBOX_LICENSE_KEY]


def test_update_rejects_key(api: httpx.Client) -> None:
    key = create_user(api, "ann@example.com")

    response = api.put(f"/users/{key}", json={"key": key, "firstName": "Annie"})

    assert response.status_code == 400
    assert error_codes(response) == ["user.key.not.allowed"]
    assert api.get(f"/users/{key}").json()["firstName"] == "Ann"


def test_update_rejects_unknown_field(api: httpx.Client) -> None:
    key = create_user(api, "ann@example.com")

    response = api.put(f"/users/{key}", json={"firstname": "Annie"})

    assert response.status_code == 400
    assert error_codes(response) == ["request.field.unknown"]


def test_update_email_conflict(api: httpx.Client) -> None:
    create_user(api, "ann@example.com")
    key = create_user(api, "bob@example.com")

    conflict = api.put(f"/users/{key}", json={"email": "Ann@Example.com"})
    own_case = api.put(f"/users/{key}", json={"email": "BOB@example.com"})

    assert conflict.status_code == 409
    assert error_codes(conflict) == ["user.name.conflict"]
    assert own_case.status_code == 204
    assert api.get(f"/users/{key}").json()["email"] == "BOB@example.com"


def test_update_unknown_user(api: httpx.Client) -> None:
    response = api.put("/users/1234567890123456789", json={"firstName": "X"})

    assert response.status_code == 404
    assert error_codes(response) == ["user.not.found"]


def test_update_blank_name(api: httpx.Client) -> None:
    key = create_user(api, "ann@example.com")

    response = api.put(f"/users/{key}", json={"lastName": " "})

    assert response.status_code == 400
    assert error_codes(response) == ["user.lastName.required"]


def test_status_follows_access(base_url: str, api: httpx.Client) -> None:
    key = create_user(api, "ann@example.com")

    api.put(f"/users/{key}", json={"licenseKeys": [], "adminRoles": []})
    suspended = api.get(f"/users/{key}").json()
    api.put(f"/users/{key}", json={"licenseKeys": [SANDBOX_LICENSE_KEY]})
    invited = api.get(f"/users/{key}").json()
    marked = HTTP.post(f"{base_url}/_emulator/accounts/{SANDBOX_ACCOUNT_KEY}/users/{key}/password")
    active = api.get(f"/users/{key}").json()

    assert suspended["status"] == "SUSPENDED"
    assert "licenseKeys" not in suspended
    assert "products" not in suspended
    assert invited["status"] == "INVITED"
    assert marked.status_code == 204
    assert active["status"] == "ACTIVE"
    assert active["passwordCreated"] is True
    assert active["canAuthenticate"] is True


def test_update_admin_roles(api: httpx.Client) -> None:
    key = create_user(api, "ann@example.com")

    api.put(f"/users/{key}", json={"adminRoles": ["MANAGE_USERS", "RUN_REPORTS"]})
    with_roles = api.get(f"/users/{key}").json()
    bad = api.put(f"/users/{key}", json={"adminRoles": ["ROOT"]})

    assert with_roles["adminRoles"] == ["MANAGE_USERS", "RUN_REPORTS"]
    assert bad.status_code == 400
    assert error_codes(bad) == ["admin.role.invalid"]


def test_licenses_list(api: httpx.Client) -> None:
    first = create_user(api, "ann@example.com")
    second = create_user(api, "bob@example.com")

    body = api.get("/licenses").json()

    assert body["total"] == 1
    assert body["fromIndex"] == 0
    assert body["toIndex"] == 1
    license_record = body["results"][0]
    assert license_record["key"] == SANDBOX_LICENSE_KEY
    assert license_record["products"] == ["G2M"]
    assert license_record["seats"] == 100_000
    assert license_record["userCount"] == 2
    assert license_record["userKeys"] == sorted([first, second])
    assert license_record["enabled"] is True


def test_license_seats_enforced(start_emulator: StartEmulator, settings: EmulatorSettings) -> None:
    small = [LicenseSpec(key=SANDBOX_LICENSE_KEY, seats=2), LicenseSpec(key="77", seats=5)]
    url = start_emulator(replace(settings, licenses=small)).base_url
    with account_client(url) as api:
        too_many = create_users(api, "a@example.com", "b@example.com", "c@example.com")
        create_users(api, "a@example.com", "b@example.com")
        spare = create_user(api, "c@example.com", licenseKeys=["77"])
        update = api.put(f"/users/{spare}", json={"licenseKeys": ["77", SANDBOX_LICENSE_KEY]})
        seats = {item["key"]: item["userCount"] for item in api.get("/licenses").json()["results"]}

    assert too_many.status_code == 400
    assert error_codes(too_many) == ["license.seats.exceeded"]
    assert update.status_code == 400
    assert error_codes(update) == ["license.seats.exceeded"]
    assert seats == {SANDBOX_LICENSE_KEY: 2, "77": 1}


def test_delete_user(api: httpx.Client) -> None:
    key = create_user(api, "ann@example.com")

    response = api.delete(f"/users/{key}")
    again = api.get(f"/users/{key}")
    licenses = api.get("/licenses").json()["results"][0]

    assert response.status_code == 204
    assert again.status_code == 404
    assert error_codes(again) == ["user.not.found"]
    assert licenses["userCount"] == 0


def test_recreate_reuses_key(api: httpx.Client) -> None:
    key = create_user(api, "ann@example.com")
    group_key = create_group(api, "Sales")
    api.put(f"/groups/{group_key}/users/{key}")
    api.delete(f"/users/{key}")

    again = create_user(api, "ANN@example.com")
    user = api.get(f"/users/{again}").json()

    assert again == key
    assert user["email"] == "ANN@example.com"
    assert "groupKey" not in user
    assert "userKeys" not in api.get(f"/groups/{group_key}").json()


def test_recreate_after_retention(
    start_emulator: StartEmulator, settings: EmulatorSettings
) -> None:
    url = start_emulator(replace(settings, deleted_user_retention_days=0)).base_url
    with account_client(url) as api:
        key = create_user(api, "ann@example.com")
        api.delete(f"/users/{key}")

        again = create_user(api, "ann@example.com")

    assert again != key


def test_write_status_setting(start_emulator: StartEmulator, settings: EmulatorSettings) -> None:
    url = start_emulator(replace(settings, write_status=200)).base_url
    with account_client(url) as api:
        key = create_user(api, "ann@example.com")

        updated = api.put(f"/users/{key}", json={"firstName": "Annie"})
        deleted = api.delete(f"/users/{key}")

    assert updated.status_code == 200
    assert updated.content == b""
    assert deleted.status_code == 200


def test_unrouted_path(base_url: str) -> None:
    response = HTTP.get(base_url + "/admin/rest/v2/nothing")

    assert response.status_code == 404
    assert response.json()["errorCode"] == "NOT_FOUND"
    assert "/admin/rest/v2/nothing" in response.json()["message"]


def test_method_not_allowed(api: httpx.Client) -> None:
    response = api.patch("/users", json={})

    assert response.status_code == 405
    assert response.json()["errorCode"] == "METHOD_NOT_ALLOWED"
