"""Coupa API calls per SCIM operation, counted by the emulator, against the handler docstrings.

The figures come from the tables in ``connectors/coupa/users.py`` and
``groups.py`` and the list in ``memberships.py``. Each call is written
``METHOD /path?query`` without the ``/api`` prefix, with the query decoded
and numeric path segments replaced by ``{id}``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import unquote_plus

import httpx
import pytest

from tests.integration.coupa_stack import COUPA, CoupaStack, coupa_user

ID = "{id}"
PROBE = 'fields=["id"]'
MEMBERS = 'fields=["id","fullname"]'


def _calls(
    stack: CoupaStack, request: Callable[[], httpx.Response]
) -> tuple[httpx.Response, list[str]]:
    """Run one SCIM request and return it with the Coupa API calls it caused."""
    assert stack.recorder is not None
    start = len(stack.recorder.calls)
    with stack.recorder.window() as recorded:
        response = request()
    queries = stack.recorder.queries[start : start + len(recorded)]

    calls = []
    for (method, path), query in zip(recorded, queries, strict=True):
        parts = path.removeprefix("/api").split("/")
        text = f"{method} " + "/".join(ID if part.isdigit() else part for part in parts)
        calls.append(text + (f"?{unquote_plus(query)}" if query else ""))
    return response, calls


def _account_lookup(chart: str, code: str) -> str:
    """Return the call that checks a default account exists before a user write sends it."""
    return f"GET /accounts?account-type[name]={chart}&code={code}&offset=0&limit=2&{PROBE}"


def _member_check(*user_ids: str) -> str:
    """Return the call that checks that users joining a group exist."""
    return f"GET /users?id[in]={','.join(user_ids)}&offset=0&limit=50&{PROBE}"


def _seed(stack: CoupaStack, count: int, family: str = "Seeded") -> list[str]:
    """Create ``count`` users directly on the emulator and return their ids."""
    ids = []
    for index in range(count):
        login = f"{family.lower()}{index:03d}"
        body = {
            "login": login,
            "email": f"{login}@example.com",
            "firstname": "S",
            "lastname": family,
        }
        ids.append(str(stack.target_post("/users", body)["id"]))
    return ids


@pytest.fixture
def users(recorded_coupa: CoupaStack) -> list[dict[str, Any]]:
    """Three users created through the gateway (user0, user1, user2)."""
    return [recorded_coupa.create_user(index) for index in range(3)]


# Users, reads ---------------------------------------------------------------


def test_user_get_calls(recorded_coupa: CoupaStack, users: list[dict[str, Any]]) -> None:
    response, calls = _calls(
        recorded_coupa, lambda: recorded_coupa.scim.get(f"/Users/{users[0]['id']}")
    )

    assert response.status_code == 200
    assert calls == ["GET /users/{id}"]


def test_short_page_calls(recorded_coupa: CoupaStack, users: list[dict[str, Any]]) -> None:
    # Four users: the first call comes back short, which ends the page and gives the total.
    default, default_calls = _calls(recorded_coupa, lambda: recorded_coupa.scim.get("/Users"))
    large, large_calls = _calls(
        recorded_coupa, lambda: recorded_coupa.scim.get("/Users", params={"count": 1000})
    )

    assert default.json()["totalResults"] == 4
    assert default_calls == ["GET /users?offset=0&limit=50"]
    assert large.json()["totalResults"] == 4
    assert large_calls == ["GET /users?offset=0&limit=50"]


def test_full_page_probe_calls(recorded_coupa: CoupaStack) -> None:
    # 59 seeded users and the API user: 60, one full block of 50 and 10 more.
    _seed(recorded_coupa, 59)

    small, small_calls = _calls(
        recorded_coupa,
        lambda: recorded_coupa.scim.get("/Users", params={"count": 10, "filter": "active eq true"}),
    )
    full, full_calls = _calls(
        recorded_coupa,
        lambda: recorded_coupa.scim.get("/Users", params={"count": 50}),
    )

    assert small.json()["totalResults"] == 60
    assert small_calls == [
        "GET /users?active=true&offset=0&limit=10",
        f"GET /users?active=true&offset=0&limit=50&{PROBE}",
        f"GET /users?active=true&offset=50&limit=50&{PROBE}",
    ]
    # A full page of 50 is itself the first probe, so one more finds the total.
    assert full.json()["totalResults"] == 60
    assert full_calls == [
        "GET /users?offset=0&limit=50",
        f"GET /users?offset=50&limit=50&{PROBE}",
    ]


def test_two_page_calls(recorded_coupa: CoupaStack) -> None:
    _seed(recorded_coupa, 119)

    response, calls = _calls(
        recorded_coupa, lambda: recorded_coupa.scim.get("/Users", params={"count": 100})
    )

    assert response.json()["totalResults"] == 120
    # The two page calls run concurrently, so they may arrive in either order.
    assert sorted(calls[:2]) == ["GET /users?offset=0&limit=50", "GET /users?offset=50&limit=50"]
    assert calls[2:] == [f"GET /users?offset=100&limit=50&{PROBE}"]


def test_large_count_stops_at_the_short_page(recorded_coupa: CoupaStack) -> None:
    # 66 users and count=1000: the second call comes back short, which ends the
    # read; no call is made for the other 18 blocks of the requested slice.
    _seed(recorded_coupa, 65)

    response, calls = _calls(
        recorded_coupa, lambda: recorded_coupa.scim.get("/Users", params={"count": 1000})
    )

    assert response.json()["totalResults"] == 66
    assert len(response.json()["Resources"]) == 66
    assert calls == ["GET /users?offset=0&limit=50", "GET /users?offset=50&limit=50"]


def test_username_filter_calls(recorded_coupa: CoupaStack, users: list[dict[str, Any]]) -> None:
    response, calls = _calls(
        recorded_coupa,
        lambda: recorded_coupa.scim.get("/Users", params={"filter": 'userName eq "user1"'}),
    )

    assert response.json()["totalResults"] == 1
    assert calls == ["GET /users?login=user1&offset=0&limit=1"]


def test_username_or_filter_calls(recorded_coupa: CoupaStack, users: list[dict[str, Any]]) -> None:
    expression = 'userName eq "user1" or userName eq "user2"'

    response, calls = _calls(
        recorded_coupa,
        lambda: recorded_coupa.scim.get("/Users", params={"filter": expression, "count": 50}),
    )

    assert response.json()["totalResults"] == 2
    assert calls == ["GET /users?login[in]=user1,user2&offset=0&limit=2"]


def test_gateway_filter_scan_calls(recorded_coupa: CoupaStack) -> None:
    # 99 seeded users and the API user fill exactly two pages, so a third call
    # is needed to see that the list ends.
    _seed(recorded_coupa, 99)
    expression = 'name.familyName eq "Seeded" or userName eq "integration"'

    response, calls = _calls(
        recorded_coupa,
        lambda: recorded_coupa.scim.get("/Users", params={"filter": expression, "count": 5}),
    )

    assert response.json()["totalResults"] == 100
    assert calls == [
        "GET /users?offset=0&limit=50",
        "GET /users?offset=50&limit=50",
        "GET /users?offset=100&limit=50",
    ]


# Users, the count cache -------------------------------------------------------


def test_count_cache_calls(recorded_coupa: CoupaStack) -> None:
    ids = _seed(recorded_coupa, 59)
    params: dict[str, Any] = {"count": 10, "filter": 'name.familyName eq "Seeded"'}
    page = "GET /users?lastname=Seeded&offset=0&limit=10"
    probes = [
        f"GET /users?lastname=Seeded&offset=0&limit=50&{PROBE}",
        f"GET /users?lastname=Seeded&offset=50&limit=50&{PROBE}",
    ]

    def listing(**extra: Any) -> Callable[[], httpx.Response]:
        return lambda: recorded_coupa.scim.get("/Users", params={**params, **extra})

    cold, cold_calls = _calls(recorded_coupa, listing())
    warm, warm_calls = _calls(recorded_coupa, listing())
    second, second_calls = _calls(recorded_coupa, listing(startIndex=11))

    assert cold.json()["totalResults"] == 59
    assert cold_calls == [page, *probes]
    assert warm.json()["totalResults"] == 59
    assert warm_calls == [page]
    assert second.json()["totalResults"] == 59
    assert second_calls == ["GET /users?lastname=Seeded&offset=10&limit=10"]

    rename = recorded_coupa.patch(
        f"/Users/{ids[0]}", {"op": "replace", "path": "name.familyName", "value": "Moved"}
    )
    after, after_calls = _calls(recorded_coupa, listing())

    assert rename.status_code == 200
    assert after.json()["totalResults"] == 58
    assert after_calls == [page, *probes]


def test_count_cache_cleared_by_membership(recorded_coupa: CoupaStack) -> None:
    ids = _seed(recorded_coupa, 59)
    params: dict[str, Any] = {"count": 10, "filter": 'groups.value eq "3"'}
    for user_id in ids[:55]:
        recorded_coupa.target.put(f"/api/users/{user_id}/business_groups/3/add").raise_for_status()

    before = recorded_coupa.scim.get("/Users", params=params)
    add = recorded_coupa.patch(
        "/Groups/3", {"op": "add", "path": "members", "value": [{"value": ids[55]}]}
    )
    after, after_calls = _calls(
        recorded_coupa, lambda: recorded_coupa.scim.get("/Users", params=params)
    )

    assert before.json()["totalResults"] == 55
    assert add.status_code == 200
    assert after.json()["totalResults"] == 56
    assert after_calls == [
        "GET /users?content-groups[id]=3&offset=0&limit=10",
        f"GET /users?content-groups[id]=3&offset=0&limit=50&{PROBE}",
        f"GET /users?content-groups[id]=3&offset=50&limit=50&{PROBE}",
    ]


# Users, writes ----------------------------------------------------------------


def test_user_create_calls(recorded_coupa: CoupaStack, users: list[dict[str, Any]]) -> None:
    response, calls = _calls(
        recorded_coupa, lambda: recorded_coupa.scim.post("/Users", json=coupa_user(10))
    )

    assert response.status_code == 201
    assert calls == ["POST /users"]


def test_user_create_account_calls(recorded_coupa: CoupaStack, users: list[dict[str, Any]]) -> None:
    body = coupa_user(
        11, **{COUPA: {"defaultChartOfAccountsName": "US Chart", "defaultAccountCode": "SF-100"}}
    )

    response, calls = _calls(recorded_coupa, lambda: recorded_coupa.scim.post("/Users", json=body))

    assert response.status_code == 201, response.text
    assert response.json()[COUPA]["defaultAccountCode"] == "SF-100"
    assert calls == [_account_lookup("US Chart", "SF-100"), "POST /users", "PUT /users/{id}"]


def test_user_recreate_calls(recorded_coupa: CoupaStack, users: list[dict[str, Any]]) -> None:
    assert recorded_coupa.scim.delete(f"/Users/{users[0]['id']}").status_code == 204

    response, calls = _calls(
        recorded_coupa, lambda: recorded_coupa.scim.post("/Users", json=coupa_user(0))
    )

    assert response.status_code == 201
    assert response.json()["id"] == users[0]["id"]
    assert calls == [
        "POST /users",
        "GET /users?login=user0&offset=0&limit=1",
        "PUT /users/{id}",
    ]


def test_user_put_calls(recorded_coupa: CoupaStack, users: list[dict[str, Any]]) -> None:
    path = f"/Users/{users[0]['id']}"
    renamed = coupa_user(0, name={"givenName": "Renamed", "familyName": "Family0"})

    same, same_calls = _calls(
        recorded_coupa, lambda: recorded_coupa.scim.put(path, json=coupa_user(0))
    )
    changed, changed_calls = _calls(
        recorded_coupa, lambda: recorded_coupa.scim.put(path, json=renamed)
    )

    assert same.status_code == changed.status_code == 200
    assert same_calls == ["GET /users/{id}"]
    assert changed_calls == ["GET /users/{id}", "PUT /users/{id}"]


def test_user_put_account_calls(recorded_coupa: CoupaStack, users: list[dict[str, Any]]) -> None:
    path = f"/Users/{users[1]['id']}"
    chart = {"defaultChartOfAccountsName": "US Chart"}
    with_account = coupa_user(1, **{COUPA: {**chart, "defaultAccountCode": "SF-100"}})
    other_account = coupa_user(1, **{COUPA: {**chart, "defaultAccountCode": "SF-200"}})

    first, first_calls = _calls(
        recorded_coupa, lambda: recorded_coupa.scim.put(path, json=with_account)
    )
    second, second_calls = _calls(
        recorded_coupa, lambda: recorded_coupa.scim.put(path, json=other_account)
    )

    assert first.status_code == second.status_code == 200
    # The chart goes in the first PUT and the account in a second one.
    assert first_calls == [
        "GET /users/{id}",
        _account_lookup("US Chart", "SF-100"),
        "PUT /users/{id}",
        "PUT /users/{id}",
    ]
    # With the chart already set, only the account's own PUT is left.
    assert second_calls == [
        "GET /users/{id}",
        _account_lookup("US Chart", "SF-200"),
        "PUT /users/{id}",
    ]
    assert second.json()[COUPA]["defaultAccountCode"] == "SF-200"


def test_user_patch_calls(recorded_coupa: CoupaStack, users: list[dict[str, Any]]) -> None:
    path = f"/Users/{users[2]['id']}"

    changed, changed_calls = _calls(
        recorded_coupa,
        lambda: recorded_coupa.patch(
            path, {"op": "replace", "path": "name.givenName", "value": "Patched"}
        ),
    )
    same, same_calls = _calls(
        recorded_coupa,
        lambda: recorded_coupa.patch(
            path, {"op": "replace", "path": "name.givenName", "value": "Patched"}
        ),
    )
    account, account_calls = _calls(
        recorded_coupa,
        lambda: recorded_coupa.patch(
            path,
            {
                "op": "add",
                "value": {
                    f"{COUPA}:defaultChartOfAccountsName": "US Chart",
                    f"{COUPA}:defaultAccountCode": "NY-100",
                },
            },
        ),
    )

    assert changed.status_code == same.status_code == 200
    assert account.status_code == 200, account.text
    assert changed_calls == ["GET /users/{id}", "PUT /users/{id}"]
    assert same_calls == ["GET /users/{id}"]
    assert account_calls == [
        "GET /users/{id}",
        _account_lookup("US Chart", "NY-100"),
        "PUT /users/{id}",
        "PUT /users/{id}",
    ]


def test_user_delete_calls(recorded_coupa: CoupaStack, users: list[dict[str, Any]]) -> None:
    response, calls = _calls(
        recorded_coupa, lambda: recorded_coupa.scim.delete(f"/Users/{users[0]['id']}")
    )

    assert response.status_code == 204
    assert calls == ["GET /users/{id}", "PUT /users/{id}"]


def test_inactive_user_delete_calls(
    recorded_coupa: CoupaStack, users: list[dict[str, Any]]
) -> None:
    path = f"/Users/{users[1]['id']}"
    recorded_coupa.patch(path, {"op": "replace", "path": "active", "value": False})

    response, calls = _calls(recorded_coupa, lambda: recorded_coupa.scim.delete(path))

    assert response.status_code == 204
    assert calls == ["GET /users/{id}"]


# Group-like resources ----------------------------------------------------------

GROUP_KINDS = {
    "Groups": ("business_groups", 2),
    "Roles": ("roles", 4),
    "UserGroups": ("user_groups", 2),
    "AccountGroups": ("account_groups", 1),
}
"""SCIM endpoint to the Coupa resource path and a seeded record of it."""


def _membership_calls(endpoint: str, user_id: str, *, add: bool) -> list[str]:
    """Return the calls that make one user join (``add``) or leave a group, after its read."""
    _, group_id = GROUP_KINDS[endpoint]
    if endpoint == "Groups":
        return [f"PUT /users/{ID}/business_groups/{ID}/{'add' if add else 'remove'}"]
    if endpoint == "UserGroups" and add:
        return ["POST /user_group_memberships"]
    if endpoint == "UserGroups":
        lookup = f"GET /user_group_memberships?user-id={user_id}&user-group-id={group_id}"
        return [f"{lookup}&offset=0&limit=50", f"DELETE /user_group_memberships/{ID}"]
    return [f"GET /users/{ID}", f"PUT /users/{ID}"]


@pytest.mark.parametrize("endpoint", list(GROUP_KINDS))
def test_group_get_calls(
    recorded_coupa: CoupaStack, users: list[dict[str, Any]], endpoint: str
) -> None:
    path, group_id = GROUP_KINDS[endpoint]
    member = users[0]["id"]
    add = recorded_coupa.patch(
        f"/{endpoint}/{group_id}", {"op": "add", "path": "members", "value": [{"value": member}]}
    )

    plain, plain_calls = _calls(
        recorded_coupa, lambda: recorded_coupa.scim.get(f"/{endpoint}/{group_id}")
    )
    members, members_calls = _calls(
        recorded_coupa,
        lambda: recorded_coupa.scim.get(
            f"/{endpoint}/{group_id}", params={"attributes": "members"}
        ),
    )

    member_field = {
        "Groups": "content-groups",
        "Roles": "roles",
        "UserGroups": "user-groups",
        "AccountGroups": "account-groups",
    }[endpoint]
    assert add.status_code == plain.status_code == members.status_code == 200
    assert member in [entry["value"] for entry in members.json()["members"]]
    assert plain_calls == [f"GET /{path}/{ID}"]
    assert members_calls == [
        f"GET /{path}/{ID}",
        f"GET /users?{member_field}[id]={group_id}&offset=0&limit=50&{MEMBERS}",
    ]


@pytest.mark.parametrize("endpoint", list(GROUP_KINDS))
def test_group_list_calls(recorded_coupa: CoupaStack, endpoint: str) -> None:
    path, _ = GROUP_KINDS[endpoint]

    response, calls = _calls(recorded_coupa, lambda: recorded_coupa.scim.get(f"/{endpoint}"))

    assert response.status_code == 200
    assert calls == [f"GET /{path}?offset=0&limit=50"]


@pytest.mark.parametrize("endpoint", list(GROUP_KINDS))
def test_group_add_calls(
    recorded_coupa: CoupaStack, users: list[dict[str, Any]], endpoint: str
) -> None:
    path, group_id = GROUP_KINDS[endpoint]
    member = users[1]["id"]
    operation = {"op": "add", "path": "members", "value": [{"value": member}]}

    response, calls = _calls(
        recorded_coupa, lambda: recorded_coupa.patch(f"/{endpoint}/{group_id}", operation)
    )

    assert response.status_code == 200, response.text
    assert calls == [
        f"GET /{path}/{ID}",
        _member_check(member),
        *_membership_calls(endpoint, member, add=True),
    ]


@pytest.mark.parametrize("endpoint", list(GROUP_KINDS))
def test_group_remove_calls(
    recorded_coupa: CoupaStack, users: list[dict[str, Any]], endpoint: str
) -> None:
    path, group_id = GROUP_KINDS[endpoint]
    member = users[2]["id"]
    group_path = f"/{endpoint}/{group_id}"
    added = recorded_coupa.patch(
        group_path, {"op": "add", "path": "members", "value": [{"value": member}]}
    )
    operation = {"op": "remove", "path": f'members[value eq "{member}"]'}

    response, calls = _calls(recorded_coupa, lambda: recorded_coupa.patch(group_path, operation))

    assert added.status_code == 200
    assert response.status_code == 200, response.text
    assert calls == [f"GET /{path}/{ID}", *_membership_calls(endpoint, member, add=False)]


@pytest.mark.parametrize("endpoint", ["Roles", "AccountGroups"])
def test_list_membership_noop_calls(
    recorded_coupa: CoupaStack, users: list[dict[str, Any]], endpoint: str
) -> None:
    # Roles and account groups read the user first, so a change already in place writes nothing.
    path, group_id = GROUP_KINDS[endpoint]
    group_path = f"/{endpoint}/{group_id}"
    operation = {"op": "add", "path": "members", "value": [{"value": users[0]["id"]}]}
    recorded_coupa.patch(group_path, operation)

    response, calls = _calls(recorded_coupa, lambda: recorded_coupa.patch(group_path, operation))

    assert response.status_code == 200
    assert calls == [f"GET /{path}/{ID}", _member_check(users[0]["id"]), f"GET /users/{ID}"]


def test_user_group_rejoin_calls(recorded_coupa: CoupaStack, users: list[dict[str, Any]]) -> None:
    member = users[0]["id"]
    operation = {"op": "add", "path": "members", "value": [{"value": member}]}
    recorded_coupa.patch("/UserGroups/2", operation)

    response, calls = _calls(
        recorded_coupa, lambda: recorded_coupa.patch("/UserGroups/2", operation)
    )

    assert response.status_code == 200
    assert calls == [
        f"GET /user_groups/{ID}",
        _member_check(member),
        "POST /user_group_memberships",
        f"GET /user_group_memberships?user-id={member}&user-group-id=2&offset=0&limit=50",
    ]


def test_group_replace_members_calls(
    recorded_coupa: CoupaStack, users: list[dict[str, Any]]
) -> None:
    first, second = users[0]["id"], users[1]["id"]
    recorded_coupa.patch("/Groups/3", {"op": "add", "path": "members", "value": [{"value": first}]})
    operation = {"op": "replace", "path": "members", "value": [{"value": second}]}

    response, calls = _calls(recorded_coupa, lambda: recorded_coupa.patch("/Groups/3", operation))

    assert response.status_code == 200
    assert calls[:3] == [
        f"GET /business_groups/{ID}",
        f"GET /users?content-groups[id]=3&offset=0&limit=50&{MEMBERS}",
        _member_check(second),
    ]
    assert sorted(calls[3:]) == [
        f"PUT /users/{ID}/business_groups/{ID}/add",
        f"PUT /users/{ID}/business_groups/{ID}/remove",
    ]


def test_group_put_calls(recorded_coupa: CoupaStack, users: list[dict[str, Any]]) -> None:
    first, second = users[0]["id"], users[1]["id"]
    recorded_coupa.patch("/Groups/3", {"op": "add", "path": "members", "value": [{"value": first}]})
    body = {
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"],
        "displayName": "IT",
        "members": [{"value": first}, {"value": second}],
    }

    response, calls = _calls(
        recorded_coupa, lambda: recorded_coupa.scim.put("/Groups/3", json=body)
    )

    members = recorded_coupa.scim.get("/Groups/3", params={"attributes": "members"})

    assert response.status_code == 200, response.text
    assert [member["value"] for member in members.json()["members"]] == [first, second]
    assert calls == [
        f"GET /business_groups/{ID}",
        f"GET /users?content-groups[id]=3&offset=0&limit=50&{MEMBERS}",
        _member_check(second),
        f"PUT /users/{ID}/business_groups/{ID}/add",
    ]
