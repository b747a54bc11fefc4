"""Coupa list semantics through the gateway: exact totalResults, paging windows, filters, sorts.

Coupa returns at most 50 records per list call and never a total. These tests
therefore put list sizes on both sides of every 50-record boundary. They check
``totalResults``, ``itemsPerPage``, ``startIndex`` and the exact records of
each window against what was seeded on the emulator.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from tests.integration.coupa_stack import COUPA, CoupaStack, start_coupa_stack

SIZES = (0, 1, 49, 50, 51, 99, 100, 101, 250)
"""Users of the family under test. Each size puts the list's end on another side of a
50-record Coupa page."""

API_USERS = 1
"""The emulator's sandbox API user ("integration"), which every unfiltered user list includes."""

OTHER_EVERY = 10
"""One user of another family is seeded after every this many users of the family under test."""

EXTRA_GROUPS = 52
"""Records added to each group-like resource, so its list needs two Coupa pages."""

FAMILY = 'name.familyName eq "Tested"'
MENTION = f"{COUPA}:mentionName"


@dataclass(frozen=True)
class Seeded:
    """One user seeded on the emulator, as the tests expect to read it back."""

    login: str
    given_name: str
    active: bool
    mention_name: str


@dataclass
class Population:
    """A stack whose emulator contains ``size`` users of the family "Tested" among others."""

    stack: CoupaStack
    size: int
    users: list[Seeded]
    """The family's users in creation (id) order."""
    everyone: list[str]
    """userName of every user, the API user included, in id order."""

    def logins(self) -> list[str]:
        return [user.login for user in self.users]


def _seeded_user(index: int) -> Seeded:
    # Every third user is called Ada and every fourth is inactive. The mention
    # names are unique but in another order than the ids (7 and 1000 are coprime).
    return Seeded(
        login=f"tested{index:03d}",
        given_name="Ada" if index % 3 == 0 else "Ben",
        active=index % 4 != 3,
        mention_name=f"m{(index * 7) % 1000:04d}",
    )


def _post_user(stack: CoupaStack, login: str, family: str, **fields: Any) -> None:
    body = {"login": login, "email": f"{login}@example.com", "lastname": family, **fields}
    body.setdefault("firstname", "Other")
    stack.target_post("/users", body)


def _seed_users(stack: CoupaStack, size: int) -> Population:
    users = [_seeded_user(index) for index in range(size)]
    everyone = ["integration"]
    for index, user in enumerate(users):
        _post_user(
            stack,
            user.login,
            "Tested",
            firstname=user.given_name,
            active=user.active,
            **{"mention-name": user.mention_name},
        )
        everyone.append(user.login)
        if index % OTHER_EVERY == OTHER_EVERY - 1:
            other = f"other{index:03d}"
            _post_user(stack, other, "Other")
            everyone.append(other)
    return Population(stack, size, users, everyone)


@pytest.fixture(scope="module", params=SIZES, ids=lambda size: f"size{size}")
def population(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Population]:
    """One stack per size, shared by the tests of that size and seeded directly on the emulator.

    The count cache is off, so every request finds its total by itself.
    """
    size: int = request.param
    stack = start_coupa_stack(
        tmp_path_factory.mktemp(f"coupa-lists-{size}"),
        overrides={"instances.coupa.count_cache_seconds": 0},
    )
    try:
        yield _seed_users(stack, size)
    finally:
        stack.close()


GROUP_ENDPOINTS = {
    "Groups": "business_groups",
    "Roles": "roles",
    "UserGroups": "user_groups",
    "AccountGroups": "account_groups",
}


@dataclass
class Catalog:
    """A stack with ``EXTRA_GROUPS`` more records of every group-like resource."""

    stack: CoupaStack
    groups: dict[str, list[tuple[str, str]]]
    """(id, display name) of every record of each group-like endpoint, in id order."""

    def names(self, endpoint: str) -> list[str]:
        return [name for _, name in self.groups[endpoint]]


@pytest.fixture(scope="module")
def catalog(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Catalog]:
    stack = start_coupa_stack(
        tmp_path_factory.mktemp("coupa-groups"),
        overrides={"instances.coupa.count_cache_seconds": 0},
    )
    try:
        groups: dict[str, list[tuple[str, str]]] = {}
        for endpoint, path in GROUP_ENDPOINTS.items():
            for index in range(EXTRA_GROUPS):
                body: dict[str, Any] = {"name": f"Extra {index:02d}"}
                if path == "account_groups":
                    body["account-type"] = {"id": 1}
                stack.target_post(f"/{path}", body)
            records = stack.target_get(f"/{path}", limit=50) + stack.target_get(
                f"/{path}", limit=50, offset=50
            )
            groups[endpoint] = [(str(record["id"]), record["name"]) for record in records]
        yield Catalog(stack, groups)
    finally:
        stack.close()


def _list(stack: CoupaStack, path: str = "/Users", **params: Any) -> dict[str, Any]:
    response = stack.scim.get(path, params=params)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def _logins(body: dict[str, Any]) -> list[str]:
    return [resource["userName"] for resource in body.get("Resources", [])]


def _names(body: dict[str, Any]) -> list[str]:
    return [resource["displayName"] for resource in body.get("Resources", [])]


def _window(items: list[Any], start_index: int, count: int) -> list[Any]:
    start = max(start_index, 1) - 1
    return items[start : start + count]


def _windows(size: int) -> list[tuple[int, int]]:
    """(startIndex, count) pairs around the 50-record page boundaries and the list's end."""
    pairs = [
        (1, 0),
        (1, 1),
        (1, 49),
        (1, 50),
        (1, 51),
        (2, 50),
        (50, 2),
        (51, 50),
        (40, 70),
        (1, 120),
        (30, 150),
        (size, 5),
        (size + 1, 5),
        (size + 100, 5),
    ]
    return list(dict.fromkeys(pair for pair in pairs if pair[0] >= 1))


def _check_windows(
    stack: CoupaStack,
    expected: list[str],
    windows: list[tuple[int, int]],
    path: str = "/Users",
    read: Callable[[dict[str, Any]], list[str]] = _logins,
    **params: Any,
) -> None:
    """List each (startIndex, count) window and compare it with the slice of ``expected``."""
    for start_index, count in windows:
        body = _list(stack, path, startIndex=start_index, count=count, **params)
        window = _window(expected, start_index, count)
        label = f"startIndex={start_index} count={count}"

        assert body["totalResults"] == len(expected), label
        assert body["startIndex"] == start_index, label
        assert body["itemsPerPage"] == len(window), label
        assert read(body) == window, label


# Users, pushed-down filters ---------------------------------------------------


def test_family_default_page(population: Population) -> None:
    body = _list(population.stack, filter=FAMILY)

    assert body["totalResults"] == population.size
    assert body["startIndex"] == 1
    assert body["itemsPerPage"] == min(population.size, 100)
    assert _logins(body) == population.logins()[:100]


def test_family_windows(population: Population) -> None:
    _check_windows(population.stack, population.logins(), _windows(population.size), filter=FAMILY)


def test_family_start_below_one(population: Population) -> None:
    body = _list(population.stack, filter=FAMILY, startIndex=0, count=3)

    assert body["totalResults"] == population.size
    assert body["startIndex"] == 1
    assert _logins(body) == population.logins()[:3]


def test_active_filter_windows(population: Population) -> None:
    active = [user.login for user in population.users if user.active]
    windows = [(1, 10), (1, 50), (45, 60), (len(active) + 1, 5)]

    _check_windows(population.stack, active, windows, filter=f"{FAMILY} and active eq true")


def test_username_prefix_filter(population: Population) -> None:
    windows = [(1, 50), (51, 500)]

    _check_windows(population.stack, population.logins(), windows, filter='userName sw "tested"')


def test_two_pushed_terms(population: Population) -> None:
    adas = [user.login for user in population.users if user.given_name == "Ada"]
    expression = f'{FAMILY} and name.givenName eq "Ada"'

    _check_windows(population.stack, adas, [(1, 20), (20, 70)], filter=expression)


# Users, filters evaluated in the gateway ----------------------------------------


def test_gateway_filter_windows(population: Population) -> None:
    # The "or" joins two different attributes, which Coupa cannot evaluate, so
    # the gateway reads the family and applies the rest itself.
    adas = [user.login for user in population.users if user.given_name == "Ada"]
    expression = f'{FAMILY} and (name.givenName eq "Ada" or userName eq "nobody")'
    windows = [(1, 100), (2, 10), (max(len(adas), 1), 5), (len(adas) + 1, 5)]

    _check_windows(population.stack, adas, windows, filter=expression)


def test_whole_filter_in_gateway(population: Population) -> None:
    expression = 'userName sw "tested" or emails.value eq "nobody@example.com"'

    _check_windows(population.stack, population.logins(), [(2, 60)], filter=expression)


# Users, sorting -----------------------------------------------------------------


def test_pushed_sort_descending(population: Population) -> None:
    expected = sorted(population.logins(), reverse=True)

    _check_windows(
        population.stack,
        expected,
        [(2, 60)],
        filter=FAMILY,
        sortBy="userName",
        sortOrder="descending",
    )


def test_gateway_sort(population: Population) -> None:
    by_mention = sorted(population.users, key=lambda user: user.mention_name)
    expected = [user.login for user in by_mention]

    _check_windows(population.stack, expected, [(3, 55)], filter=FAMILY, sortBy=MENTION)


def test_gateway_sort_descending(population: Population) -> None:
    by_mention = sorted(population.users, key=lambda user: user.mention_name, reverse=True)
    expected = [user.login for user in by_mention]

    _check_windows(
        population.stack,
        expected,
        [(1, 51)],
        filter=FAMILY,
        sortBy=MENTION,
        sortOrder="descending",
    )


# Users, no filter ---------------------------------------------------------------


def test_unfiltered_windows(population: Population) -> None:
    total = len(population.everyone)
    windows = [(1, 0), (1, 50), (1, 100), (51, 60), (total, 1), (total + 1, 1)]

    _check_windows(population.stack, population.everyone, list(dict.fromkeys(windows)))


def test_unfiltered_max_count(population: Population) -> None:
    body = _list(population.stack, count=1000)

    assert body["totalResults"] == len(population.everyone)
    assert _logins(body) == population.everyone


def test_search_matches_list(population: Population) -> None:
    query: dict[str, Any] = {"filter": FAMILY, "startIndex": 50, "count": 52}

    listed = _list(population.stack, **query)
    searched = population.stack.scim.post(
        "/Users/.search",
        json={"schemas": ["urn:ietf:params:scim:api:messages:2.0:SearchRequest"], **query},
    )

    assert searched.status_code == 200, searched.text
    assert searched.json()["totalResults"] == population.size
    assert listed["totalResults"] == population.size
    assert _logins(searched.json()) == _logins(listed)


# Group-like resources -----------------------------------------------------------


@pytest.mark.parametrize("endpoint", list(GROUP_ENDPOINTS))
def test_group_windows(catalog: Catalog, endpoint: str) -> None:
    names = catalog.names(endpoint)
    total = len(names)
    windows = [(1, 0), (1, 1), (1, 50), (50, 10), (total, 5), (total + 1, 5)]

    _check_windows(catalog.stack, names, windows, f"/{endpoint}", _names)


@pytest.mark.parametrize("endpoint", list(GROUP_ENDPOINTS))
def test_group_pushed_filter(catalog: Catalog, endpoint: str) -> None:
    extras = [name for name in catalog.names(endpoint) if name.startswith("Extra")]

    _check_windows(
        catalog.stack,
        extras,
        [(2, 50)],
        f"/{endpoint}",
        _names,
        filter='displayName sw "Extra"',
    )


@pytest.mark.parametrize("endpoint", list(GROUP_ENDPOINTS))
def test_group_gateway_filter(catalog: Catalog, endpoint: str) -> None:
    # Two attributes joined by "or" are not pushed down, so the gateway reads every record.
    first_id, first_name = catalog.groups[endpoint][0]
    expected = [
        name for name in catalog.names(endpoint) if name == first_name or name.startswith("Extra 0")
    ]

    _check_windows(
        catalog.stack,
        expected,
        [(1, 5), (5, 20)],
        f"/{endpoint}",
        _names,
        filter=f'displayName sw "Extra 0" or id eq "{first_id}"',
    )


@pytest.mark.parametrize("endpoint", list(GROUP_ENDPOINTS))
def test_group_pushed_sort(catalog: Catalog, endpoint: str) -> None:
    expected = sorted(catalog.names(endpoint), key=str.lower, reverse=True)

    _check_windows(
        catalog.stack,
        expected,
        [(3, 52)],
        f"/{endpoint}",
        _names,
        sortBy="displayName",
        sortOrder="descending",
    )


# Inactive and deleted users -----------------------------------------------------


def _scim_ids(body: dict[str, Any]) -> list[str]:
    return [resource["id"] for resource in body.get("Resources", [])]


def test_inactive_listed_deleted_not(coupa: CoupaStack) -> None:
    kept, inactive, deleted = (coupa.create_user(index) for index in range(3))
    deactivate = coupa.patch(
        f"/Users/{inactive['id']}", {"op": "replace", "path": "active", "value": False}
    )
    removal = coupa.scim.delete(f"/Users/{deleted['id']}")

    everyone = _list(coupa)
    small_page = _list(coupa, count=1)
    inactive_only = _list(coupa, filter="active eq false")
    by_name = _list(coupa, filter='userName eq "user2"')

    assert deactivate.status_code == 200
    assert removal.status_code == 204
    assert everyone["totalResults"] == API_USERS + 2
    assert _scim_ids(everyone) == ["1", kept["id"], inactive["id"]]
    assert [resource["active"] for resource in everyone["Resources"]] == [True, True, False]
    assert small_page["totalResults"] == API_USERS + 2
    assert inactive_only["totalResults"] == 1
    assert _scim_ids(inactive_only) == [inactive["id"]]
    assert by_name["totalResults"] == 0


def test_deleted_users_across_pages(coupa: CoupaStack) -> None:
    ids = []
    for index in range(60):
        login = f"paged{index:02d}"
        body = {
            "login": login,
            "email": f"{login}@example.com",
            "firstname": "P",
            "lastname": "Paged",
        }
        ids.append(str(coupa.target_post("/users", body)["id"]))
    for position in (10, 55):
        assert coupa.scim.delete(f"/Users/{ids[position]}").status_code == 204
    visible = [user_id for position, user_id in enumerate(ids) if position not in (10, 55)]
    windows = [(1, 50), (1, 100), (45, 10), (58, 5), (59, 5)]

    _check_windows(coupa, visible, windows, read=_scim_ids, filter='name.familyName eq "Paged"')
