"""List paging, default order, sorting and both filter styles."""

from __future__ import annotations

from dataclasses import replace

import httpx
import pytest

from scimbridge.emulators.gotomeeting import EmulatorSettings
from scimbridge.emulators.gotomeeting.settings import SANDBOX_ACCOUNT_KEY, SANDBOX_ADMIN_EMAIL

from .conftest import StartEmulator, pat_token
from .helpers import (
    HTTP,
    create_group,
    create_user,
    create_users,
    error_codes,
    filter_query,
    local_client,
)

ADMIN = SANDBOX_ADMIN_EMAIL


def seed_users(api: httpx.Client, count: int) -> list[str]:
    """Create ``count`` users in reverse email order and return the emails sorted."""
    emails = [f"user{index:02d}@example.com" for index in range(count)]
    response = create_users(api, *reversed(emails))
    assert response.status_code == 200
    return emails


def listed_emails(response: httpx.Response) -> list[str]:
    return [user["email"] for user in response.json()["results"]]


def test_paging_three_pages(api: httpx.Client) -> None:
    emails = sorted([ADMIN, *seed_users(api, 24)])

    pages = [api.get("/users", params={"offset": offset, "pageSize": 10}) for offset in (0, 10, 20)]

    bodies = [page.json() for page in pages]
    assert [(body["fromIndex"], body["toIndex"], body["total"]) for body in bodies] == [
        (0, 10, 25),
        (10, 20, 25),
        (20, 25, 25),
    ]
    assert [email for page in pages for email in listed_emails(page)] == emails


def test_paging_past_end(api: httpx.Client) -> None:
    seed_users(api, 3)

    body = api.get("/users", params={"offset": 10, "pageSize": 5}).json()

    assert body == {"results": [], "fromIndex": 10, "toIndex": 10, "total": 4}


def test_paging_max_page_size(start_emulator: StartEmulator, settings: EmulatorSettings) -> None:
    url = start_emulator(replace(settings, max_page_size=5, default_page_size=3)).base_url
    headers = {"Authorization": f"Bearer {pat_token(url)}"}
    with local_client(
        base_url=f"{url}/admin/rest/v1/accounts/{SANDBOX_ACCOUNT_KEY}", headers=headers
    ) as api:
        seed_users(api, 9)

        clamped = api.get("/users", params={"pageSize": 50}).json()
        default = api.get("/users").json()

    assert len(clamped["results"]) == 5
    assert clamped["toIndex"] == 5
    assert clamped["total"] == 10
    assert len(default["results"]) == 3


@pytest.mark.parametrize("params", [{"pageSize": 0}, {"pageSize": "ten"}, {"offset": -1}], ids=str)
def test_paging_invalid(api: httpx.Client, params: dict[str, int | str]) -> None:
    response = api.get("/users", params=params)

    assert response.status_code == 400
    assert error_codes(response) == ["paging.invalid"]


def test_sort_descending(api: httpx.Client) -> None:
    emails = seed_users(api, 3)

    response = api.get("/users", params={"descending": "email"})

    assert listed_emails(response) == sorted([ADMIN, *emails], reverse=True)


def test_sort_ascending_flag(api: httpx.Client) -> None:
    create_user(api, "zed@example.com")
    create_user(api, "amy@example.com")
    api.put(f"/users/{create_user(api, 'mid@example.com')}", json={"firstName": "Aaron"})

    response = api.get("/users", params={"ascending": "firstName=true"})

    assert listed_emails(response) == [
        "mid@example.com",
        "amy@example.com",
        ADMIN,
        "zed@example.com",
    ]


def test_sort_unknown_field(api: httpx.Client) -> None:
    response = api.get("/users", params={"ascending": "password=true"})

    assert response.status_code == 400
    assert error_codes(response) == ["sort.invalid"]


def test_regex_filter_or(api: httpx.Client) -> None:
    seed_users(api, 12)

    query = filter_query('(email="(?i).*USER0[12].*") | (firstName="User11")')
    response = api.get("/users" + query)

    assert listed_emails(response) == [
        "user01@example.com",
        "user02@example.com",
        "user11@example.com",
    ]
    assert response.json()["total"] == 3


def test_regex_filter_and(api: httpx.Client) -> None:
    seed_users(api, 12)

    query = filter_query('(email=".*user1.*") & (email=".*[02]@.*")')
    response = api.get("/users" + query)

    assert listed_emails(response) == ["user10@example.com"]


def test_regex_filter_whole_match(api: httpx.Client) -> None:
    create_user(api, "ann@example.com")

    partial = api.get("/users" + filter_query('(email="ann")'))
    exact = api.get("/users" + filter_query('(email="ann@example.com")'))

    assert partial.json()["total"] == 0
    assert listed_emails(exact) == ["ann@example.com"]


def test_eq_filter(api: httpx.Client) -> None:
    key = create_user(api, "ann@example.com")

    response = api.get("/users" + filter_query('email eq "ANN@example.com"'))

    assert response.json()["total"] == 1
    assert response.json()["results"][0]["key"] == key


def test_eq_filter_and_or(api: httpx.Client) -> None:
    seed_users(api, 5)

    either = api.get("/users" + filter_query('email eq "user01@example.com" or key eq "0"'))
    both = api.get(
        "/users" + filter_query('email eq "user01@example.com" and lastName eq "Nobody"')
    )

    assert listed_emails(either) == ["user01@example.com"]
    assert both.json() == {"results": [], "fromIndex": 0, "toIndex": 0, "total": 0}


def test_filter_status_and_group(api: httpx.Client) -> None:
    seed_users(api, 3)
    group_key = create_group(api, "Sales")
    member = create_user(api, "member@example.com")
    api.put(f"/groups/{group_key}/users/{member}")

    active = api.get("/users" + filter_query('(status="ACTIVE")'))
    grouped = api.get("/users" + filter_query(f'groupKey eq "{group_key}"'))

    assert listed_emails(active) == [ADMIN]
    assert listed_emails(grouped) == ["member@example.com"]


@pytest.mark.parametrize(
    "expression",
    [
        '(password="x")',
        'email co "ann"',
        '(email="ann"',
        "email eq ann",
        '(email="[unclosed")',
        '(email="a") ^ (email="b")',
    ],
)
def test_filter_rejected(api: httpx.Client, expression: str) -> None:
    response = api.get("/users" + filter_query(expression))

    assert response.status_code == 400
    assert error_codes(response) == ["filter.invalid"]


def test_filter_plus_rejected(api: httpx.Client) -> None:
    response = api.get("/users", params={"filter": 'email eq "ann@example.com"'})

    assert response.status_code == 400
    assert error_codes(response) == ["filter.invalid"]


def test_filter_plus_setting(start_emulator: StartEmulator, settings: EmulatorSettings) -> None:
    url = start_emulator(replace(settings, reject_plus_in_filter=False)).base_url
    headers = {"Authorization": f"Bearer {pat_token(url)}"}

    response = HTTP.get(
        f"{url}/admin/rest/v1/accounts/{SANDBOX_ACCOUNT_KEY}/users",
        params={"filter": f'email eq "{ADMIN}"'},
        headers=headers,
    )

    assert response.status_code == 200
    assert listed_emails(response) == [ADMIN]


def test_groups_order_and_filter(api: httpx.Client) -> None:
    keys = {name: create_group(api, name) for name in ("Support", "Alpha", "Sales")}

    listed = api.get("/groups").json()
    by_name = api.get("/groups" + filter_query('(name="(?i)s.*")')).json()
    by_key = api.get("/groups" + filter_query(f'key eq "{keys["Alpha"]}"')).json()
    bad_field = api.get("/groups" + filter_query('(email="x")'))

    assert [group["name"] for group in listed["results"]] == ["Alpha", "Sales", "Support"]
    assert (listed["fromIndex"], listed["toIndex"], listed["total"]) == (0, 3, 3)
    assert [group["name"] for group in by_name["results"]] == ["Sales", "Support"]
    assert [group["key"] for group in by_key["results"]] == [keys["Alpha"]]
    assert bad_field.status_code == 400


def test_attribute_projection(api: httpx.Client) -> None:
    create_user(api, "ann@example.com")

    body = api.get("/users", params={"attributes": "email"}).json()

    assert all(set(user) == {"key", "email"} for user in body["results"])
    assert body["total"] == 2
