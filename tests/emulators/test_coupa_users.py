"""Coupa emulator: user creation, partial updates, references and content groups."""

from __future__ import annotations

import httpx
import pytest

from .conftest import RunningEmulator
from .coupa_helpers import ids, messages, new_user, stored_record


def names(items: list[dict[str, object]]) -> list[object]:
    return [item["name"] for item in items]


def test_create_user(coupa: httpx.Client) -> None:
    user = new_user(coupa, "jdoe", middlename="Q", purchasing_user=True)

    assert user["id"] == 100
    assert user["fullname"] == "Jdoe Tester"
    assert user["mention-name"] == "jdoe"
    assert user["active"] is True
    assert user["purchasing-user"] is True
    assert user["expense-user"] is False
    assert user["account-security-type"] == 0
    assert user["authentication-method"] == "coupa_credentials"
    assert user["default-currency"] == {"id": 1, "code": "USD", "decimals": 2}
    assert user["custom-fields"] == {}
    assert user["created-by"]["login"] == "integration"
    assert coupa.get("/users/100").json() == user


def test_create_requires_fields(coupa: httpx.Client) -> None:
    response = coupa.post("/users", json={"login": "", "middlename": "x"})

    assert response.status_code == 400
    assert messages(response) == [
        "Login can't be blank",
        "Email can't be blank",
        "Firstname can't be blank",
        "Lastname can't be blank",
    ]
    assert coupa.get("/users").json()[-1]["id"] == 1


def test_unique_fields(coupa: httpx.Client) -> None:
    new_user(coupa, "taken", employee_number="E1", mention_name="tk")

    response = coupa.post(
        "/users",
        json={
            "login": "TAKEN",
            "email": "Taken@Example.com",
            "firstname": "A",
            "lastname": "B",
            "employee-number": "e1",
            "mention-name": "TK",
        },
    )

    assert response.status_code == 400
    assert messages(response) == [
        "Login has already been taken",
        "Email has already been taken",
        "Employee number has already been taken",
        "Mention name has already been taken",
    ]


def test_mention_name_generated(coupa: httpx.Client) -> None:
    first = new_user(coupa, "j.doe")
    second = new_user(coupa, "J-Doe")

    assert first["mention-name"] == "jdoe"
    assert second["mention-name"] == "jdoe1"


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"authentication-method": "oauth"}, "Authentication method must be one of"),
        ({"account_security_type": 3}, "Account security type must be one of 0, 1, 2"),
        ({"business-group-security-type": 2}, "Business group security type must be one of 0, 1"),
        ({"default-locale": "en-GB-oxendict"}, "Default locale is too long"),
        ({"active": "perhaps"}, "Active must be true or false"),
        ({"custom-fields": ["x"]}, "Custom fields must be an object"),
        ({"email": "not-an-email"}, "Email is invalid"),
        ({"firstname": "x" * 41}, "Firstname is too long (maximum is 40 characters)"),
    ],
)
def test_invalid_values(coupa: httpx.Client, body: dict[str, object], message: str) -> None:
    user = new_user(coupa, "valid")

    response = coupa.put(f"/users/{user['id']}", json=body)

    assert response.status_code == 400
    assert messages(response)[0].startswith(message)


def test_accepted_values(coupa: httpx.Client) -> None:
    user = new_user(coupa, "valid")

    response = coupa.put(
        f"/users/{user['id']}",
        json={
            "authentication_method": "saml",
            "sso_identifier": "valid@idp",
            "account-security-type": 2,
            "business-group-security-type": 1,
            "default-locale": "fr-CA",
        },
    )

    body = response.json()
    assert body["authentication-method"] == "saml"
    assert body["sso-identifier"] == "valid@idp"
    assert body["account-security-type"] == 2
    assert body["business-group-security-type"] == 1
    assert body["default-locale"] == "fr-CA"


def test_default_role(coupa: httpx.Client) -> None:
    plain = new_user(coupa, "plain")
    empty = new_user(coupa, "empty", roles=[])
    buyer = new_user(coupa, "buyer", roles=[{"id": 4}, {"name": "accounts payable"}])
    cleared = coupa.put(f"/users/{buyer['id']}", json={"roles": []}).json()

    assert names(plain["roles"]) == ["User"]
    assert names(empty["roles"]) == ["User"]
    assert names(buyer["roles"]) == ["Buyer", "Accounts Payable"]
    assert names(cleared["roles"]) == ["User"]


def test_collections_replaced(coupa: httpx.Client) -> None:
    user = new_user(
        coupa,
        "member",
        content_groups=[{"id": 1}, {"id": 2}],
        account_groups=[{"name": "US Accounts"}],
        roles=[{"name": "Buyer"}],
    )

    updated = coupa.put(
        f"/users/{user['id']}",
        json={"content-groups": [{"name": "IT"}], "account_groups": None},
    ).json()

    assert ids(updated["content-groups"]) == [3]
    assert updated["account-groups"] == []
    assert names(updated["roles"]) == ["Buyer"]


def test_bad_reference_message(coupa: httpx.Client) -> None:
    response = coupa.post(
        "/users",
        json={
            "login": "ref",
            "email": "ref@example.com",
            "firstname": "R",
            "lastname": "F",
            "roles": [{"name": "Nope"}],
            "manager": {"id": 999},
            "default-currency": {"code": "XYZ"},
        },
    )

    assert response.status_code == 400
    assert messages(response) == [
        'Unable to find valid Role record for roles with keys {"name"=>"Nope"}. '
        'Possible keys are ["id", "name"].',
        'Unable to find valid User record for manager with keys {"id"=>999}. '
        'Possible keys are ["id", "login", "email"].',
        'Unable to find valid Currency record for default_currency with keys {"code"=>"XYZ"}. '
        'Possible keys are ["id", "code"].',
    ]
    assert coupa.get("/users", params={"login": "ref"}).json() == []


def test_references_by_natural_key(coupa: httpx.Client) -> None:
    boss = new_user(coupa, "boss")

    user = new_user(
        coupa,
        "report",
        manager={"email": "BOSS@example.com"},
        default_currency={"code": "eur"},
        default_account_type={"name": "EU Chart"},
        requisition_approval_limit={"name": "1000.00 USD"},
        expense_self_approval_limit={"id": 4},
        work_confirmation_approval_limit={"name": "5000.00 USD"},
    )

    assert user["manager"]["id"] == boss["id"]
    assert user["manager"]["fullname"] == "Boss Tester"
    assert user["default-currency"]["code"] == "EUR"
    assert user["default-account-type"]["name"] == "EU Chart"
    assert user["default-account-type"]["currency"]["code"] == "EUR"
    assert user["requisition-approval-limit"]["subject"] == "requisition_header"
    assert user["requisition-approval-limit"]["amount"] == "1000.00"
    assert user["expense-self-approval-limit"]["subject"] == "expense_report"
    assert user["work-confirmation-approval-limit"]["subject"] == "work_confirmation"
    assert user["invoice-approval-limit"] is None


def test_approval_limit_subject_checked(coupa: httpx.Client) -> None:
    user = new_user(coupa, "limited")

    response = coupa.put(f"/users/{user['id']}", json={"invoice-approval-limit": {"id": 1}})

    assert response.status_code == 400
    assert messages(response) == [
        "Unable to find valid ApprovalLimit record for invoice_approval_limit with keys "
        '{"id"=>1}. Possible keys are ["id", "name"].'
    ]


def test_default_account_two_steps(coupa: httpx.Client) -> None:
    user = new_user(coupa, "acct")
    path = f"/users/{user['id']}"

    same_request = coupa.put(
        path,
        json={
            "default-account-type": {"name": "US Chart"},
            "default-account": {"segment-1": "SF", "segment-2": "100"},
        },
    )
    stored_chart = coupa.get(path).json()["default-account-type"]
    chart_only = coupa.put(path, json={"default-account-type": {"name": "US Chart"}})
    by_segments = coupa.put(path, json={"default_account": {"segment_1": "SF", "segment_2": "200"}})
    by_code = coupa.put(path, json={"default-account": {"code": "ny-100"}})
    other_chart = coupa.put(path, json={"default-account": {"code": "PAR-100"}})
    ambiguous = coupa.put(path, json={"default-account": {"segment-1": "SF"}})
    unknown = coupa.put(path, json={"default-account": {"code": "LA-100"}})

    assert same_request.status_code == 400
    assert messages(same_request)[0].startswith(
        "Default account must belong to the user's default chart of accounts"
    )
    assert stored_chart is None
    assert chart_only.status_code == 200
    assert by_segments.json()["default-account"]["code"] == "SF-200"
    assert by_segments.json()["default-account-type"]["name"] == "US Chart"
    assert by_code.json()["default-account"]["code"] == "NY-100"
    assert messages(other_chart) == [
        "Default account must belong to the user's default chart of accounts (US Chart)"
    ]
    assert "SF-100, SF-200" in messages(ambiguous)[0]
    assert messages(unknown)[0].startswith(
        "Unable to find valid Account record for default_account"
    )


def test_default_account_on_create(coupa: httpx.Client) -> None:
    response = coupa.post(
        "/users",
        json={
            "login": "fresh",
            "email": "fresh@example.com",
            "firstname": "F",
            "lastname": "R",
            "default-account-type": {"id": 1},
            "default-account": {"id": 1},
        },
    )

    assert response.status_code == 400
    assert "has none stored yet" in messages(response)[0]


def test_default_address(coupa: httpx.Client) -> None:
    shared = new_user(coupa, "shared", default_address={"location-code": "hq-sf"})
    missing = coupa.put(
        f"/users/{shared['id']}", json={"default-address": {"street1": "2 Main St"}}
    )
    created = coupa.put(
        f"/users/{shared['id']}",
        json={
            "default_address": {
                "street1": "2 Main St",
                "city": "Dublin",
                "postal_code": "D02",
                "country": {"name": "Ireland"},
            }
        },
    ).json()
    again = coupa.put(
        f"/users/{shared['id']}",
        json={
            "default-address": {
                "street1": "2 Main St",
                "city": "Dublin",
                "postal-code": "D02",
                "country": {"code": "IE"},
            }
        },
    ).json()
    bad_country = coupa.put(
        f"/users/{shared['id']}",
        json={
            "default-address": {
                "street1": "1",
                "city": "c",
                "postal-code": "p",
                "country": {"code": "ZZ"},
            }
        },
    )

    assert shared["default-address"]["id"] == 1
    assert shared["default-address"]["city"] == "San Francisco"
    assert missing.status_code == 400
    assert messages(missing) == [
        "Default address city can't be blank",
        "Default address postal-code can't be blank",
        "Default address country can't be blank",
    ]
    assert created["default-address"]["id"] == 2
    assert created["default-address"]["country"] == {"id": 6, "code": "IE", "name": "Ireland"}
    assert again["default-address"]["id"] == 2
    assert coupa.get("/addresses/3").status_code == 404
    assert coupa.get("/addresses/2").json()["street1"] == "2 Main St"
    assert messages(bad_country)[0].startswith("Unable to find valid Country record for country")


def test_custom_fields_merged(coupa: httpx.Client) -> None:
    user = new_user(coupa, "custom", custom_fields={"cost_center": "CC1", "badge": 7})

    merged = coupa.put(
        f"/users/{user['id']}", json={"custom-fields": {"badge": None, "region": "EMEA"}}
    ).json()

    assert user["custom-fields"] == {"cost_center": "CC1", "badge": 7}
    assert merged["custom-fields"] == {"cost_center": "CC1", "region": "EMEA"}


def test_soft_delete(coupa: httpx.Client) -> None:
    user = new_user(coupa, "leaver")

    deactivated = coupa.put(f"/users/{user['id']}", json={"active": False}).json()
    listed = coupa.get("/users", params={"login": "leaver"}).json()
    reactivated = coupa.put(f"/users/{user['id']}", json={"active": "true"}).json()

    assert deactivated["active"] is False
    assert ids(listed) == [user["id"]]
    assert listed[0]["active"] is False
    assert reactivated["active"] is True


def test_patch_same_as_put(coupa: httpx.Client) -> None:
    user = new_user(coupa, "patched")

    patched = coupa.patch(f"/users/{user['id']}", json={"lastname": "Patched"})
    put = coupa.put(f"/users/{user['id']}", json={"firstname": "Put"})

    assert patched.status_code == 200
    assert patched.json()["fullname"] == "Patched Patched"
    assert put.json()["fullname"] == "Put Patched"
    assert put.json()["email"] == "patched@example.com"


def test_ignored_keys_and_updated_at(coupa: httpx.Client, coupa_emulator: RunningEmulator) -> None:
    user = new_user(coupa, "steady")
    created = stored_record(coupa_emulator.app, "user", user["id"])

    unchanged = coupa.put(
        f"/users/{user['id']}",
        json={"login": "steady", "fullname": "Other", "api-user": True, "colour": "blue", "id": 5},
    )
    after_same_values = stored_record(coupa_emulator.app, "user", user["id"])
    coupa.put(f"/users/{user['id']}", json={"middlename": "Changed"})
    after_change = stored_record(coupa_emulator.app, "user", user["id"])

    assert unchanged.status_code == 200
    assert unchanged.json() == user
    assert after_same_values == created
    assert after_change["updated-at"] > created["updated-at"]


def test_update_unknown_id(coupa: httpx.Client) -> None:
    response = coupa.put("/users/999", json={"firstname": "X"})
    missing = coupa.get("/users/abc")

    assert response.status_code == 404
    assert response.json() == {"errors": {"user": ["Couldn't find User with 'id'=999"]}}
    assert missing.status_code == 404


def test_invalid_body(coupa: httpx.Client) -> None:
    not_json = coupa.post("/users", content=b"{", headers={"Content-Type": "application/json"})
    not_object = coupa.post("/users", json=[1])

    assert messages(not_json) == ["The request body is not valid JSON"]
    assert messages(not_object) == ["The request body must be a JSON object"]


def test_write_shapes(coupa: httpx.Client) -> None:
    none = coupa.post(
        "/users",
        params={"return_object": "none"},
        json={"login": "quiet", "email": "q@example.com", "firstname": "Q", "lastname": "T"},
    )
    limited = coupa.put("/users/100", params={"return_object": "limited"}, json={"middlename": "M"})
    fields = coupa.put("/users/100", params={"fields": '["id","middlename"]'}, json={})

    assert none.status_code == 201
    assert none.content == b""
    assert limited.json() == {"id": 100}
    assert fields.json() == {"id": 100, "middlename": "M"}


def test_content_group_add_remove(coupa: httpx.Client, coupa_emulator: RunningEmulator) -> None:
    user = new_user(coupa, "cg", content_groups=[{"id": 1}])
    base = f"/users/{user['id']}/business_groups"

    added = coupa.put(base + "/3/add")
    stored_after_add = stored_record(coupa_emulator.app, "user", user["id"])
    added_again = coupa.put(base + "/3/add")
    stored_after_again = stored_record(coupa_emulator.app, "user", user["id"])
    listed = coupa.get(base)
    removed = coupa.put(base + "/1/remove")
    removed_again = coupa.put(base + "/1/remove")
    unknown = coupa.put(base + "/99/add")

    assert added.status_code == 200
    assert ids(added.json()["content-groups"]) == [1, 3]
    assert added_again.status_code == 200
    assert stored_after_again == stored_after_add
    assert ids(added_again.json()["content-groups"]) == [1, 3]
    assert names(listed.json()) == ["Everyone", "IT"]
    assert ids(removed.json()["content-groups"]) == [3]
    assert removed_again.status_code == 200
    assert ids(removed_again.json()["content-groups"]) == [3]
    assert unknown.status_code == 404
    assert unknown.json() == {
        "errors": {"business_group": ["Couldn't find BusinessGroup with 'id'=99"]}
    }
