"""Coupa emulator: the sandbox seed and the non-user resources (roles, groups, accounting)."""

from __future__ import annotations

import httpx
import pytest

from scimbridge.emulators.coupa.schemas import SCHEMAS

from .coupa_helpers import ids, messages, new_user


def by_id(api: httpx.Client, path: str, key: str = "name") -> dict[int, str]:
    return {item["id"]: item[key] for item in api.get(path).json()}


def test_seed_ids(coupa: httpx.Client) -> None:
    assert by_id(coupa, "/currencies", "code") == {1: "USD", 2: "EUR", 3: "GBP"}
    assert by_id(coupa, "/roles") == {
        2: "Admin",
        3: "User",
        4: "Buyer",
        5: "Accounts Payable",
        6: "Expense Approver",
    }
    assert by_id(coupa, "/business_groups") == {1: "Everyone", 2: "Finance", 3: "IT"}
    assert by_id(coupa, "/user_groups") == {
        1: "Finance Approvers",
        2: "IT Team",
        3: "Executive Approvers",
    }
    assert by_id(coupa, "/account_types") == {1: "US Chart", 2: "EU Chart"}
    assert by_id(coupa, "/account_groups") == {1: "US Accounts", 2: "EU Accounts", 3: "US Capex"}
    assert [account["code"] for account in coupa.get("/accounts").json()] == [
        "SF-100",
        "SF-200",
        "NY-100",
        "PAR-100",
    ]
    assert len(coupa.get("/approval_limits").json()) == 15
    assert coupa.get("/addresses", params={"location-code": "HQ-SF"}).json()[0]["id"] == 1
    assert coupa.get("/users/1").json()["api-user"] is True


def test_seed_flags(coupa: httpx.Client) -> None:
    admin = coupa.get("/roles/2").json()
    user_role = coupa.get("/roles/3").json()
    approvers = coupa.get("/user_groups", params={"can_approve": "true"}).json()
    chart = coupa.get("/account_types/2").json()
    address = coupa.get("/addresses/1").json()

    assert admin["omnipotent"] is True
    assert user_role["system-role"] is True
    assert ids(approvers) == [1, 3]
    assert chart["currency"] == {"id": 2, "code": "EUR", "decimals": 2}
    assert address["street1"] == "1 Market St"
    assert address["postal-code"] == "94105"
    assert address["state"] == "CA"
    assert address["country"]["code"] == "US"


@pytest.mark.parametrize(
    ("path", "kind"),
    [
        ("/users", "user"),
        ("/roles", "role"),
        ("/business_groups", "business_group"),
        ("/user_groups", "user_group"),
        ("/account_types", "account_type"),
        ("/accounts", "account"),
        ("/account_groups", "account_group"),
        ("/approval_limits", "approval_limit"),
        ("/addresses", "address"),
        ("/currencies", "currency"),
    ],
)
def test_objects_match_schema(coupa: httpx.Client, path: str, kind: str) -> None:
    for item in coupa.get(path).json():
        assert list(item) == list(SCHEMAS[kind])


def test_user_nested_objects_match_schema(coupa: httpx.Client) -> None:
    new_user(coupa, "boss")
    coupa.put("/users/1", json={"default-account-type": {"id": 1}})
    user = new_user(
        coupa,
        "full",
        manager={"login": "boss"},
        user_groups=[{"id": 1}],
        content_groups=[{"id": 1}],
        account_groups=[{"id": 1}],
        default_address={"id": 1},
        default_account_type={"id": 1},
        invoice_approval_limit={"name": "0.00 USD"},
    )
    membership = coupa.get("/user_group_memberships").json()[0]

    assert list(user["manager"]) == list(SCHEMAS["user_simple"])
    assert list(user["user-groups"][0]) == list(SCHEMAS["user_group_simple"])
    assert list(user["default-address"]) == list(SCHEMAS["address"])
    assert list(user["default-account-type"]) == list(SCHEMAS["account_type"])
    assert list(user["invoice-approval-limit"]) == list(SCHEMAS["approval_limit"])
    assert list(membership) == list(SCHEMAS["user_group_membership"])


def test_role_create_update(coupa: httpx.Client) -> None:
    created = coupa.post("/roles", json={"name": "Auditor", "description": "Reads"})
    updated = coupa.put(f"/roles/{created.json()['id']}", json={"omnipotent": True})
    duplicate = coupa.post("/roles", json={"name": "auditor"})
    blank = coupa.post("/roles", json={"description": "x"})

    assert created.status_code == 201
    assert created.json()["id"] == 7
    assert created.json()["system-role"] is False
    assert updated.json()["omnipotent"] is True
    assert updated.json()["description"] == "Reads"
    assert messages(duplicate, "role") == ["Name has already been taken"]
    assert messages(blank, "role") == ["Name can't be blank"]


def test_business_group_create_update(coupa: httpx.Client) -> None:
    created = coupa.post("/business_groups", json={"name": "Legal"})
    renamed = coupa.put(f"/business_groups/{created.json()['id']}", json={"name": "Legal EMEA"})
    too_long = coupa.post("/business_groups", json={"name": "x" * 101})

    assert created.json()["id"] == 4
    assert renamed.json()["name"] == "Legal EMEA"
    assert messages(too_long, "business_group") == ["Name is too long (maximum is 100 characters)"]


def test_accounting_create(coupa: httpx.Client) -> None:
    chart = coupa.post("/account_types", json={"name": "UK Chart", "currency": {"code": "GBP"}})
    account = coupa.post(
        "/accounts",
        json={"account_type": {"name": "UK Chart"}, "segment-1": "LON", "segment-2": "100"},
    )
    duplicate = coupa.post(
        "/accounts",
        json={"account-type": {"id": chart.json()["id"]}, "segment_1": "lon", "segment-2": "100"},
    )
    renamed = coupa.put(
        f"/accounts/{account.json()['id']}", json={"name": "London", "segment-1": "NOPE"}
    )
    group = coupa.post(
        "/account_groups",
        json={
            "name": "UK Accounts",
            "account-type": {"id": chart.json()["id"]},
            "account-group-type": 2,
        },
    )
    no_chart = coupa.post("/account_groups", json={"name": "Loose"})

    assert chart.status_code == 201
    assert chart.json()["currency"]["code"] == "GBP"
    assert account.json()["code"] == "LON-100"
    assert account.json()["account-type"]["name"] == "UK Chart"
    assert messages(duplicate, "account") == ["Code has already been taken"]
    assert renamed.json()["name"] == "London"
    assert renamed.json()["segment-1"] == "LON"
    assert group.json()["account-group-type"] == 2
    assert messages(no_chart, "account_group") == ["Account type can't be blank"]


def test_approval_limit_create(coupa: httpx.Client) -> None:
    created = coupa.post(
        "/approval_limits",
        json={"amount": 2500, "subject": "invoice_header", "currency": {"code": "EUR"}},
    )
    duplicate = coupa.post(
        "/approval_limits",
        json={"amount": "2500.00", "subject": "invoice_header", "currency": {"id": 2}},
    )
    wrong_subject = coupa.post(
        "/approval_limits", json={"amount": 1, "subject": "po", "currency": {"id": 1}}
    )
    user = new_user(coupa, "spender", invoice_approval_limit={"name": "2500.00 EUR"})

    assert created.json()["name"] == "2500.00 EUR"
    assert created.json()["amount"] == "2500.00"
    assert messages(duplicate, "approval_limit") == ["Name has already been taken"]
    assert messages(wrong_subject, "approval_limit")[0].startswith("Subject must be one of")
    assert user["invoice-approval-limit"]["id"] == created.json()["id"]


def test_address_create(coupa: httpx.Client) -> None:
    created = coupa.post(
        "/addresses",
        json={
            "name": "Berlin Office",
            "location_code": "BER",
            "street1": "Unter den Linden 1",
            "city": "Berlin",
            "postal-code": "10117",
            "country": {"code": "DE"},
        },
    )
    taken = coupa.post(
        "/addresses",
        json={
            "location-code": "ber",
            "street1": "x",
            "city": "y",
            "postal-code": "z",
            "country": {"code": "DE"},
        },
    )
    incomplete = coupa.post("/addresses", json={"street1": "x"})
    user = new_user(coupa, "berliner", default_address={"location-code": "BER"})

    assert created.status_code == 201
    assert created.json()["country"]["name"] == "Germany"
    assert messages(taken, "address") == ["Location code has already been taken"]
    assert messages(incomplete, "address") == [
        "City can't be blank",
        "Postal code can't be blank",
        "Country can't be blank",
    ]
    assert user["default-address"]["id"] == created.json()["id"]


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("POST", "/currencies"),
        ("PUT", "/currencies/1"),
        ("PUT", "/account_types/1"),
        ("PUT", "/approval_limits/1"),
        ("DELETE", "/roles/2"),
        ("DELETE", "/accounts/1"),
        ("GET", "/departments"),
    ],
)
def test_unserved_calls_404(coupa: httpx.Client, method: str, path: str) -> None:
    response = coupa.request(method, path, json={})

    assert response.status_code == 404
    assert response.json()["errors"]["route"][0].startswith(f"No route matches {method} /api")


def test_unknown_ids_404(coupa: httpx.Client) -> None:
    role = coupa.get("/roles/99")
    account = coupa.put("/accounts/99", json={})

    assert role.json() == {"errors": {"role": ["Couldn't find Role with 'id'=99"]}}
    assert account.json() == {"errors": {"account": ["Couldn't find Account with 'id'=99"]}}
