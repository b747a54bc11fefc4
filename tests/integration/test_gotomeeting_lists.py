"""Paging, filters and sorting of /Users and /Groups, pushed down or applied in the gateway."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from tests.integration.conftest import Stack, assert_scim_error, new_user, start_stack

USERS = 25
TOTAL = USERS + 1
"""The 25 created users plus the sandbox admin, admin@sandbox.example.com."""

SEARCH_SCHEMA = "urn:ietf:params:scim:api:messages:2.0:SearchRequest"


@pytest.fixture(scope="module")
def populated(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[tuple[Stack, list[dict[str, Any]]]]:
    """One stack with 25 users (user01 ... user25) and three groups, shared by read-only tests."""
    stack = start_stack(
        tmp_path_factory.mktemp("lists"), overrides={"instances.gotomeeting.page_size": 7}
    )
    users = [stack.create_user(f"{index:02d}") for index in range(1, USERS + 1)]
    for name in ("Alpha", "Beta", "Gamma"):
        stack.create_group(name)
    yield stack, users
    stack.close()


def _list(stack: Stack, path: str = "/Users", **params: Any) -> dict[str, Any]:
    response = stack.scim.get(path, params=params)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def _names(body: dict[str, Any]) -> list[str]:
    return [resource["userName"] for resource in body["Resources"]]


# Paging ---------------------------------------------------------------------


def test_pages_cover_all(populated: tuple[Stack, list[dict[str, Any]]]) -> None:
    stack, _ = populated
    seen: list[str] = []

    for start, expected in [(1, 10), (11, 10), (21, 6)]:
        page = _list(stack, startIndex=start, count=10)
        assert page["totalResults"] == TOTAL
        assert page["startIndex"] == start
        assert page["itemsPerPage"] == expected
        assert len(page["Resources"]) == expected
        seen.extend(resource["id"] for resource in page["Resources"])

    assert len(seen) == TOTAL
    assert len(set(seen)) == TOTAL
    assert set(seen) == {user["key"] for user in stack.target_users()}


def test_pages_stable_order(populated: tuple[Stack, list[dict[str, Any]]]) -> None:
    stack, _ = populated

    first = _names(_list(stack, startIndex=1, count=30))
    pieces = [_names(_list(stack, startIndex=start, count=9)) for start in (1, 10, 19)]
    again = _names(_list(stack, startIndex=1, count=30))

    assert first == again
    assert pieces[0] + pieces[1] + pieces[2] == first
    assert first == sorted(first, key=str.casefold)


def test_pages_odd_boundaries(populated: tuple[Stack, list[dict[str, Any]]]) -> None:
    stack, _ = populated
    everything = _names(_list(stack, count=100))

    page = _list(stack, startIndex=5, count=3)

    assert _names(page) == everything[4:7]
    assert page["totalResults"] == TOTAL


def test_count_zero(populated: tuple[Stack, list[dict[str, Any]]]) -> None:
    stack, _ = populated

    page = _list(stack, count=0)

    assert page["totalResults"] == TOTAL
    assert page["itemsPerPage"] == 0
    assert page.get("Resources", []) == []


def test_start_beyond_end(populated: tuple[Stack, list[dict[str, Any]]]) -> None:
    stack, _ = populated

    page = _list(stack, startIndex=100, count=10)

    assert page["totalResults"] == TOTAL
    assert page["itemsPerPage"] == 0
    assert page["startIndex"] == 100
    assert page.get("Resources", []) == []


def test_last_partial_page(populated: tuple[Stack, list[dict[str, Any]]]) -> None:
    stack, _ = populated

    page = _list(stack, startIndex=TOTAL, count=10)

    assert page["itemsPerPage"] == 1
    assert page["totalResults"] == TOTAL


def test_groups_paging(populated: tuple[Stack, list[dict[str, Any]]]) -> None:
    stack, _ = populated

    first = _list(stack, "/Groups", startIndex=1, count=2)
    second = _list(stack, "/Groups", startIndex=3, count=2)

    assert first["totalResults"] == 3
    assert second["totalResults"] == 3
    names = [group["displayName"] for group in first["Resources"] + second["Resources"]]
    assert names == ["Alpha", "Beta", "Gamma"]


# Pushed-down filters --------------------------------------------------------


def test_filter_id_eq(populated: tuple[Stack, list[dict[str, Any]]]) -> None:
    stack, users = populated

    page = _list(stack, filter=f'id eq "{users[4]["id"]}"')

    assert page["totalResults"] == 1
    assert _names(page) == ["user05@example.com"]


def test_filter_id_eq_unknown(populated: tuple[Stack, list[dict[str, Any]]]) -> None:
    stack, _ = populated

    for value in ("123456789", "abc"):
        page = _list(stack, filter=f'id eq "{value}"')
        assert page["totalResults"] == 0
        assert page.get("Resources", []) == []


def test_filter_username_any_case(populated: tuple[Stack, list[dict[str, Any]]]) -> None:
    stack, _ = populated

    page = _list(stack, filter='userName eq "USER07@Example.COM"')

    assert page["totalResults"] == 1
    assert _names(page) == ["user07@example.com"]


def test_filter_or_ids(populated: tuple[Stack, list[dict[str, Any]]]) -> None:
    stack, users = populated
    wanted = [users[1]["id"], users[2]["id"], "999999"]

    page = _list(stack, filter=" or ".join(f'id eq "{value}"' for value in wanted))

    assert page["totalResults"] == 2
    assert sorted(_names(page)) == ["user02@example.com", "user03@example.com"]


def test_filter_or_usernames(populated: tuple[Stack, list[dict[str, Any]]]) -> None:
    stack, _ = populated

    page = _list(
        stack,
        filter='userName eq "user10@example.com" or userName eq "user11@example.com" '
        'or userName eq "nobody@example.com"',
    )

    assert page["totalResults"] == 2
    assert sorted(_names(page)) == ["user10@example.com", "user11@example.com"]


def test_filter_group_display_name(populated: tuple[Stack, list[dict[str, Any]]]) -> None:
    stack, _ = populated

    page = _list(stack, "/Groups", filter='displayName eq "Beta"')

    assert page["totalResults"] == 1
    assert page["Resources"][0]["displayName"] == "Beta"


def test_filter_group_display_unknown(populated: tuple[Stack, list[dict[str, Any]]]) -> None:
    stack, _ = populated

    page = _list(stack, "/Groups", filter='displayName eq "Delta"')

    assert page["totalResults"] == 0


# Filters applied in the gateway ---------------------------------------------


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ('name.givenName sw "Given1"', 10),
        ('name.givenName sw "given2"', 6),
        ('not (name.givenName sw "Given1")', TOTAL - 10),
        ('emails[type eq "work" and value co "user0"]', 9),
        ('name.familyName ew "5" and userName co "user"', 3),
        ('(name.givenName eq "Given01" or name.givenName eq "Given02") and active eq true', 2),
        ('name.familyName sw "Family2" or displayName eq "Sandbox Admin"', 7),
        ("locale pr", TOTAL),
        ("groups pr", 0),
        ('userName ne "admin@sandbox.example.com"', USERS),
        ('displayName co "ven1"', 10),
        ('userName gt "user20@example.com"', 5),
    ],
)
def test_filter_in_gateway(
    populated: tuple[Stack, list[dict[str, Any]]], expression: str, expected: int
) -> None:
    stack, _ = populated

    page = _list(stack, filter=expression, count=100)

    assert page["totalResults"] == expected
    assert page["itemsPerPage"] == expected


def test_filter_in_gateway_paged(populated: tuple[Stack, list[dict[str, Any]]]) -> None:
    stack, _ = populated

    first = _list(stack, filter='name.givenName sw "Given1"', startIndex=1, count=4)
    rest = _list(stack, filter='name.givenName sw "Given1"', startIndex=5, count=10)

    assert first["totalResults"] == 10
    assert rest["totalResults"] == 10
    assert rest["itemsPerPage"] == 6
    names = _names(first) + _names(rest)
    assert len(set(names)) == 10
    assert all(name.startswith("user1") for name in names)


def test_filter_group_in_gateway(populated: tuple[Stack, list[dict[str, Any]]]) -> None:
    stack, _ = populated

    page = _list(stack, "/Groups", filter='displayName sw "a" or displayName ew "a"')

    assert page["totalResults"] == 3


# Sorting --------------------------------------------------------------------


def test_sort_username_descending(populated: tuple[Stack, list[dict[str, Any]]]) -> None:
    stack, _ = populated

    page = _list(stack, sortBy="userName", sortOrder="descending", count=5)

    assert page["totalResults"] == TOTAL
    assert _names(page) == [f"user{index}@example.com" for index in (25, 24, 23, 22, 21)]


def test_sort_family_descending(populated: tuple[Stack, list[dict[str, Any]]]) -> None:
    stack, _ = populated

    page = _list(stack, sortBy="name.familyName", sortOrder="descending", count=100)

    families = [resource["name"]["familyName"] for resource in page["Resources"]]
    assert families == sorted(families, key=str.casefold, reverse=True)
    assert families[0] == "Family25"
    assert families[-1] == "Admin"


def test_sort_display_name(populated: tuple[Stack, list[dict[str, Any]]]) -> None:
    stack, _ = populated

    page = _list(stack, sortBy="displayName", count=3, startIndex=2)

    assert page["totalResults"] == TOTAL
    assert [r["displayName"] for r in page["Resources"]] == [
        "Given02 Family02",
        "Given03 Family03",
        "Given04 Family04",
    ]


def test_sort_with_filter(populated: tuple[Stack, list[dict[str, Any]]]) -> None:
    stack, _ = populated

    page = _list(
        stack, filter='name.givenName sw "Given2"', sortBy="userName", sortOrder="descending"
    )

    assert _names(page) == [f"user{index}@example.com" for index in (25, 24, 23, 22, 21, 20)]


# Errors and .search ---------------------------------------------------------


@pytest.mark.parametrize(
    "expression",
    [
        "userName eq",
        'userName eq "a" and',
        'userName xx "a"',
        '(userName eq "a"',
        '"a" eq userName',
    ],
)
def test_filter_syntax_invalid(
    populated: tuple[Stack, list[dict[str, Any]]], expression: str
) -> None:
    stack, _ = populated

    response = stack.scim.get("/Users", params={"filter": expression})

    assert_scim_error(response, 400, "invalidFilter")


@pytest.mark.parametrize("path", ["/Users", "/Groups"])
def test_filter_unknown_attribute(populated: tuple[Stack, list[dict[str, Any]]], path: str) -> None:
    stack, _ = populated

    response = stack.scim.get(path, params={"filter": 'nickName eq "x"'})

    detail = assert_scim_error(response, 400, "invalidFilter")
    assert "nickName" in detail


def test_search_equals_get(populated: tuple[Stack, list[dict[str, Any]]]) -> None:
    stack, _ = populated
    expression = 'name.givenName sw "Given1"'

    listed = _list(stack, filter=expression, sortBy="userName", startIndex=2, count=3)
    searched = stack.scim.post(
        "/Users/.search",
        json={
            "schemas": [SEARCH_SCHEMA],
            "filter": expression,
            "sortBy": "userName",
            "startIndex": 2,
            "count": 3,
        },
    )

    assert searched.status_code == 200, searched.text
    body = searched.json()
    assert body["totalResults"] == listed["totalResults"] == 10
    assert _names(body) == _names(listed)
    assert body["startIndex"] == 2


def test_search_pushed_down(populated: tuple[Stack, list[dict[str, Any]]]) -> None:
    stack, _ = populated

    searched = stack.scim.post(
        "/Users/.search",
        json={"schemas": [SEARCH_SCHEMA], "filter": 'userName eq "user12@example.com"'},
    )

    assert searched.status_code == 200, searched.text
    assert _names(searched.json()) == ["user12@example.com"]


def test_search_invalid_filter(populated: tuple[Stack, list[dict[str, Any]]]) -> None:
    stack, _ = populated

    searched = stack.scim.post(
        "/Users/.search", json={"schemas": [SEARCH_SCHEMA], "filter": "userName eq"}
    )

    assert_scim_error(searched, 400, "invalidFilter")


# max_scan -------------------------------------------------------------------


@pytest.fixture
def small_scan(tmp_path: Path) -> Iterator[Stack]:
    stack = start_stack(
        tmp_path,
        overrides={"instances.gotomeeting.max_scan": 5, "instances.gotomeeting.page_size": 3},
    )
    for index in range(1, 7):
        stack.create_user(index)
    yield stack
    stack.close()


@pytest.mark.parametrize(
    "params",
    [
        {"filter": 'name.givenName sw "Given"'},
        {"sortBy": "displayName"},
        {"filter": 'userName co "user"'},
    ],
)
def test_scan_above_max(small_scan: Stack, params: dict[str, str]) -> None:
    response = small_scan.scim.get("/Users", params=params)

    detail = assert_scim_error(response, 400, "invalidFilter")
    assert "max_scan" in detail
    assert "7" in detail


def test_scan_limit_pushdown_ok(small_scan: Stack) -> None:
    by_name = _list(small_scan, filter='userName eq "user3@example.com"')
    unfiltered = _list(small_scan, startIndex=1, count=10)

    assert by_name["totalResults"] == 1
    assert unfiltered["totalResults"] == 7
    assert unfiltered["itemsPerPage"] == 7


# meta.lastModified ----------------------------------------------------------


def test_filter_last_modified(stack: Stack) -> None:
    users = [stack.create_user(index) for index in range(1, 6)]
    _list(stack, count=100)
    time.sleep(0.05)
    since = datetime.now(UTC).isoformat().replace("+00:00", "Z")
    time.sleep(0.05)
    for user in users[:2]:
        stack.scim.put(f"/Users/{user['id']}", json=new_user(user["userName"][4], locale="de_DE"))

    page = _list(stack, filter=f'meta.lastModified gt "{since}"', count=100)

    assert page["totalResults"] == 2
    assert sorted(_names(page)) == ["user1@example.com", "user2@example.com"]
