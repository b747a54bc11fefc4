"""Coupa emulator: index calls, with paging, ordering, operators, association filters and shapes."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from .coupa_helpers import ids, messages, new_user


@pytest.fixture
def people(coupa: httpx.Client) -> httpx.Client:
    """Three users with distinct attributes besides the seeded API user (id 1)."""
    new_user(
        coupa,
        "alice",
        email="alice@corp.example.com",
        employee_number="E-300",
        roles=[{"name": "Buyer"}],
        content_groups=[{"name": "Finance"}],
        user_groups=[{"name": "Finance Approvers"}],
        account_groups=[{"name": "US Accounts"}],
        default_account_type={"name": "US Chart"},
    )
    new_user(
        coupa,
        "bob",
        email="bob@example.org",
        employee_number="E-100",
        manager={"login": "alice"},
        active=False,
        content_groups=[{"name": "IT"}, {"name": "Everyone"}],
    )
    new_user(coupa, "Carol", email="carol@example.com", employee_number=None)
    return coupa


def logins(response: httpx.Response) -> list[str]:
    assert response.status_code == 200, response.text
    return [user["login"] for user in response.json()]


def test_page_cap_and_limit(coupa: httpx.Client) -> None:
    for number in range(55):
        new_user(coupa, f"bulk{number:02d}")

    default_page = coupa.get("/users")
    capped = coupa.get("/users", params={"limit": 500})
    small = coupa.get("/users", params={"limit": 3})
    second = coupa.get("/users", params={"offset": 50})

    assert len(default_page.json()) == 50
    assert len(capped.json()) == 50
    assert ids(small.json()) == [1, 100, 101]
    assert len(second.json()) == 6
    assert ids(second.json())[0] == 149
    assert "Link" not in default_page.headers
    assert isinstance(default_page.json(), list)


@pytest.mark.parametrize("params", [{"limit": "0"}, {"limit": "x"}, {"offset": "-1"}])
def test_bad_paging(coupa: httpx.Client, params: dict[str, str]) -> None:
    response = coupa.get("/users", params=params)

    assert response.status_code == 400
    assert next(iter(params)) in messages(response)[0]


def test_order_by_and_dir(people: httpx.Client) -> None:
    by_login = people.get("/users", params={"order_by": "login"})
    reverse = people.get("/users", params={"order-by": "employee_number", "dir": "desc"})
    by_id_desc = people.get("/users", params={"dir": "desc"})
    bad_dir = people.get("/users", params={"order_by": "login", "dir": "up"})

    assert logins(by_login) == ["alice", "bob", "Carol", "integration"]
    assert logins(reverse) == ["alice", "bob", "integration", "Carol"]
    assert ids(by_id_desc.json()) == [102, 101, 100, 1]
    assert bad_dir.status_code == 400


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"login": "ALICE"}, ["alice"]),
        ({"email[contains]": "EXAMPLE.com"}, ["integration", "alice", "Carol"]),
        ({"login[starts_with]": "ca"}, ["Carol"]),
        ({"email[ends_with]": ".org"}, ["bob"]),
        ({"id[gt]": "100"}, ["bob", "Carol"]),
        ({"id[lt]": "100"}, ["integration"]),
        ({"id[gt_or_eq]": "101"}, ["bob", "Carol"]),
        ({"id[lt_or_eq]": "100"}, ["integration", "alice"]),
        ({"login[not_eq]": "bob"}, ["integration", "alice", "Carol"]),
        ({"login[in]": "bob, carol"}, ["bob", "Carol"]),
        ({"id[not_in]": "1,100"}, ["bob", "Carol"]),
        ({"employee_number[blank]": "true"}, ["integration", "Carol"]),
        ({"employee-number[blank]": "false"}, ["alice", "bob"]),
        ({"employee-number[gt]": "E-200"}, ["alice"]),
        ({"active": "false"}, ["bob"]),
        ({"status": "active"}, ["integration", "alice", "Carol"]),
        ({"status": "inactive"}, ["bob"]),
        ({"api_user": "true"}, ["integration"]),
        ({"login": "nobody"}, []),
    ],
)
def test_operators(people: httpx.Client, params: dict[str, str], expected: list[str]) -> None:
    assert logins(people.get("/users", params=params)) == expected


def test_conditions_are_anded(people: httpx.Client) -> None:
    response = people.get(
        "/users", params={"id[gt]": "99", "active": "true", "login[contains]": "a"}
    )

    assert logins(response) == ["alice", "Carol"]


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"roles[id]": "4"}, ["alice"]),
        ({"roles[name]": "user"}, ["bob", "Carol"]),
        ({"content-groups[id]": "1"}, ["bob"]),
        ({"content_groups[name][in]": "IT,Finance"}, ["alice", "bob"]),
        ({"account-groups[name]": "US Accounts"}, ["alice"]),
        ({"user-groups[id]": "1"}, ["alice"]),
        ({"approval_groups[name][starts_with]": "finance"}, ["alice"]),
        ({"manager[login]": "alice"}, ["bob"]),
        ({"manager[id][blank]": "true"}, ["integration", "alice", "Carol"]),
        ({"default-account-type[name]": "US Chart"}, ["alice"]),
        ({"roles[name][not_eq]": "User"}, ["integration", "alice"]),
        ({"user-groups[id][blank]": "true"}, ["integration", "bob", "Carol"]),
    ],
)
def test_association_filters(
    people: httpx.Client, params: dict[str, str], expected: list[str]
) -> None:
    assert logins(people.get("/users", params=params)) == expected


def test_timestamp_filters(people: httpx.Client) -> None:
    created = people.get("/users/101").json()["created-at"]
    instant = datetime.fromisoformat(created)
    same_in_utc = instant.astimezone(UTC).isoformat().replace("+00:00", "Z")
    next_second_utc = (instant + timedelta(seconds=1)).astimezone(UTC).isoformat()
    day_after = (instant + timedelta(days=2)).date().isoformat()

    at_or_after = people.get("/users", params={"created_at[gt_or_eq]": created})
    strictly_after = people.get("/users", params={"created-at[gt]": same_in_utc})
    before_next = people.get("/users", params={"created-at[lt]": next_second_utc})
    before_day = people.get("/users", params={"created-at[lt]": day_after})
    after_day = people.get("/users", params={"updated-at[gt]": day_after})
    invalid = people.get("/users", params={"created-at[gt]": "yesterday"})

    assert "bob" in logins(at_or_after)
    assert "bob" not in logins(strictly_after)
    assert "bob" in logins(before_next)
    assert len(logins(before_day)) == 4
    assert logins(after_day) == []
    assert invalid.status_code == 400


def test_timestamps_in_instance_zone(people: httpx.Client) -> None:
    user = people.get("/users/100").json()

    offset = datetime.fromisoformat(user["created-at"]).utcoffset()
    assert offset in (timedelta(hours=-8), timedelta(hours=-7))
    assert user["created-at"][-6:] in ("-08:00", "-07:00")


@pytest.mark.parametrize(
    ("params", "named"),
    [
        ({"nickname": "x"}, "nickname"),
        ({"roles[colour]": "x"}, "colour"),
        ({"login[matches]": "x"}, "matches"),
        ({"id[contains]": "1"}, "contains"),
        ({"active": "maybe"}, "active"),
        ({"id": "abc"}, "id"),
        ({"roles": "3"}, "roles"),
        ({"order_by": "roles"}, "roles"),
        ({"fields": '["id","nickname"]'}, "nickname"),
        ({"fields": "id,login"}, "fields"),
        ({"return_object": "deep"}, "return_object"),
        ({"return_object": "none"}, "return_object=none"),
        ({"return_object": "limited", "fields": '["id"]'}, "fields"),
    ],
)
def test_invalid_query_400(people: httpx.Client, params: dict[str, str], named: str) -> None:
    response = people.get("/users", params=params)

    assert response.status_code == 400
    assert named in messages(response)[0]


def test_fields_projection(people: httpx.Client) -> None:
    fields = json.dumps(["id", "login", {"roles": ["id", "name"]}, {"manager": ["login"]}])

    listing = people.get("/users", params={"fields": fields, "login": "bob"})
    shown = people.get("/users/100", params={"fields": '["id","user_groups"]'})

    assert listing.json() == [
        {
            "id": 101,
            "login": "bob",
            "roles": [{"id": 3, "name": "User"}],
            "manager": {"login": "alice"},
        }
    ]
    assert list(shown.json()) == ["id", "user-groups"]
    assert shown.json()["user-groups"][0]["name"] == "Finance Approvers"


def test_return_object(people: httpx.Client) -> None:
    limited = people.get("/users", params={"return_object": "limited", "limit": 2})
    shallow = people.get("/users/101", params={"return_object": "shallow"}).json()

    assert limited.json() == [{"id": 1}, {"id": 100}]
    assert shallow["login"] == "bob"
    assert shallow["manager"] == {"id": 100, "login": "alice", "email": "alice@corp.example.com"}
    assert shallow["roles"] == [{"id": 3, "name": "User"}]
    assert shallow["default-currency"] == {"id": 1, "code": "USD"}


def test_other_resources_filter(coupa: httpx.Client) -> None:
    accounts = coupa.get("/accounts", params={"segment-1": "sf", "order_by": "code", "dir": "desc"})
    by_chart = coupa.get("/accounts", params={"account_type[name]": "EU Chart"})
    limits = coupa.get(
        "/approval_limits", params={"subject": "expense_report", "amount[gt]": "999"}
    )
    groups = coupa.get("/user_groups", params={"can-approve": "true"})

    assert [account["code"] for account in accounts.json()] == ["SF-200", "SF-100"]
    assert [account["code"] for account in by_chart.json()] == ["PAR-100"]
    assert [limit["name"] for limit in limits.json()] == ["1000.00 USD", "5000.00 USD"]
    assert ids(groups.json()) == [1, 3]
