"""Admin API calls per SCIM operation, counted by the emulator, against the handler docstrings."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.integration.conftest import GROUP_SCHEMA, Stack, new_user, start_stack

KEY = "{key}"


def _calls(stack: Stack, request: Callable[[], httpx.Response]) -> tuple[httpx.Response, list[str]]:
    """Run one SCIM request and return it with the Admin API calls it caused.

    Each call is written ``METHOD /path`` below the account, with every key replaced
    by ``{key}``, so the lists compare across runs.
    """
    assert stack.recorder is not None
    with stack.recorder.window() as recorded:
        response = request()
    prefix = stack.target_path("")
    calls = []
    for method, path in recorded:
        parts = path.removeprefix(prefix).split("/")
        calls.append(f"{method} " + "/".join(KEY if part.isdigit() else part for part in parts))
    return response, calls


@pytest.fixture
def users(recorded_stack: Stack) -> list[dict[str, Any]]:
    """Two users; creating them also fills the gateway's license cache."""
    return [recorded_stack.create_user(index) for index in (1, 2)]


def _full_user(index: int, **extra: Any) -> dict[str, Any]:
    return new_user(index, locale="en-US", timezone="America/Los_Angeles", **extra)


# Users ----------------------------------------------------------------------


def test_user_get_calls(recorded_stack: Stack, users: list[dict[str, Any]]) -> None:
    response, calls = _calls(
        recorded_stack, lambda: recorded_stack.scim.get(f"/Users/{users[0]['id']}")
    )

    assert response.status_code == 200
    assert calls == ["GET /users/{key}"]


def test_user_first_create_calls(recorded_stack: Stack) -> None:
    first, first_calls = _calls(
        recorded_stack, lambda: recorded_stack.scim.post("/Users", json=new_user(1))
    )
    second, second_calls = _calls(
        recorded_stack, lambda: recorded_stack.scim.post("/Users", json=new_user(2))
    )

    assert first.status_code == second.status_code == 201
    assert first_calls == ["GET /licenses", "POST /users", "GET /users/{key}"]
    assert second_calls == ["POST /users", "GET /users/{key}"]


def test_user_create_inactive_calls(recorded_stack: Stack, users: list[dict[str, Any]]) -> None:
    response, calls = _calls(
        recorded_stack, lambda: recorded_stack.scim.post("/Users", json=new_user(3, active=False))
    )

    assert response.status_code == 201
    assert calls == ["POST /users", "PUT /users/{key}", "GET /users/{key}"]


def test_user_duplicate_calls(recorded_stack: Stack, users: list[dict[str, Any]]) -> None:
    response, calls = _calls(
        recorded_stack, lambda: recorded_stack.scim.post("/Users", json=new_user(1))
    )

    assert response.status_code == 409
    assert calls == ["POST /users"]


def test_user_list_calls(recorded_stack: Stack, users: list[dict[str, Any]]) -> None:
    listed, list_calls = _calls(recorded_stack, lambda: recorded_stack.scim.get("/Users"))
    counted, count_calls = _calls(
        recorded_stack, lambda: recorded_stack.scim.get("/Users", params={"count": 0})
    )

    assert listed.json()["totalResults"] == 3
    assert list_calls == ["GET /users"]
    assert counted.json()["totalResults"] == 3
    assert count_calls == ["GET /users"]


def test_user_id_filter_calls(recorded_stack: Stack, users: list[dict[str, Any]]) -> None:
    expression = f'id eq "{users[0]["id"]}" or id eq "{users[1]["id"]}"'

    response, calls = _calls(
        recorded_stack, lambda: recorded_stack.scim.get("/Users", params={"filter": expression})
    )

    assert response.json()["totalResults"] == 2
    assert calls == ["GET /users"]


def test_user_name_filter_calls(recorded_stack: Stack, users: list[dict[str, Any]]) -> None:
    expression = 'userName eq "user1@example.com" or userName eq "user2@example.com"'

    response, calls = _calls(
        recorded_stack, lambda: recorded_stack.scim.get("/Users", params={"filter": expression})
    )

    assert response.json()["totalResults"] == 2
    assert calls == ["GET /users"]


def test_user_put_calls(recorded_stack: Stack, users: list[dict[str, Any]]) -> None:
    user_id = users[0]["id"]
    path = f"/Users/{user_id}"
    renamed = _full_user(1, name={"givenName": "A", "familyName": "B"})

    same, same_calls = _calls(
        recorded_stack, lambda: recorded_stack.scim.put(path, json=_full_user(1))
    )
    changed, changed_calls = _calls(
        recorded_stack, lambda: recorded_stack.scim.put(path, json=renamed)
    )
    inactive, inactive_calls = _calls(
        recorded_stack,
        lambda: recorded_stack.scim.put(path, json={**renamed, "active": False}),
    )

    assert same.status_code == changed.status_code == inactive.status_code == 200
    assert same_calls == ["GET /users/{key}"]
    assert changed_calls == ["GET /users/{key}", "PUT /users/{key}"]
    assert inactive_calls == ["GET /users/{key}", "PUT /users/{key}", "GET /users/{key}"]


def test_user_patch_calls(recorded_stack: Stack, users: list[dict[str, Any]]) -> None:
    path = f"/Users/{users[1]['id']}"

    named, named_calls = _calls(
        recorded_stack,
        lambda: recorded_stack.patch(
            path, {"op": "replace", "path": "name.givenName", "value": "Z"}
        ),
    )
    active, active_calls = _calls(
        recorded_stack,
        lambda: recorded_stack.patch(path, {"op": "replace", "path": "active", "value": False}),
    )
    guarded, guarded_calls = _calls(
        recorded_stack,
        lambda: recorded_stack.patch(
            path, {"op": "replace", "path": "name.givenName", "value": "Y"}, **{"If-Match": "*"}
        ),
    )

    assert named.status_code == active.status_code == guarded.status_code == 200
    assert named_calls == ["GET /users/{key}", "PUT /users/{key}"]
    assert active_calls == ["GET /users/{key}", "PUT /users/{key}", "GET /users/{key}"]
    assert guarded_calls == ["GET /users/{key}", "GET /users/{key}", "PUT /users/{key}"]


def test_user_delete_calls(recorded_stack: Stack, users: list[dict[str, Any]]) -> None:
    response, calls = _calls(
        recorded_stack, lambda: recorded_stack.scim.delete(f"/Users/{users[0]['id']}")
    )

    assert response.status_code == 204
    assert calls == ["DELETE /users/{key}"]


# Groups ---------------------------------------------------------------------


def test_group_create_calls(recorded_stack: Stack, users: list[dict[str, Any]]) -> None:
    body = {
        "schemas": [GROUP_SCHEMA],
        "displayName": "Counted",
        "members": [{"value": user["id"]} for user in users],
    }

    response, calls = _calls(recorded_stack, lambda: recorded_stack.scim.post("/Groups", json=body))

    assert response.status_code == 201
    assert calls == [
        "GET /users/{key}",
        "GET /users/{key}",
        "POST /groups",
        "PUT /groups/{key}/users/{key}",
        "PUT /groups/{key}/users/{key}",
        "GET /groups/{key}",
    ]


def test_group_read_calls(recorded_stack: Stack, users: list[dict[str, Any]]) -> None:
    group = recorded_stack.create_group("Read")

    single, single_calls = _calls(
        recorded_stack, lambda: recorded_stack.scim.get(f"/Groups/{group['id']}")
    )
    named, named_calls = _calls(
        recorded_stack,
        lambda: recorded_stack.scim.get("/Groups", params={"filter": 'displayName eq "Read"'}),
    )

    assert single.status_code == 200
    assert single_calls == ["GET /groups/{key}"]
    assert named.json()["totalResults"] == 1
    assert named_calls == ["GET /groups"]


def test_group_patch_calls(recorded_stack: Stack, users: list[dict[str, Any]]) -> None:
    first, second = (user["id"] for user in users)
    group = recorded_stack.create_group("Patched", [first, second])
    path = f"/Groups/{group['id']}"

    _, removed = _calls(
        recorded_stack,
        lambda: recorded_stack.patch(
            path, {"op": "remove", "path": f'members[value eq "{first}"]'}
        ),
    )
    _, added = _calls(
        recorded_stack,
        lambda: recorded_stack.patch(
            path, {"op": "add", "path": "members", "value": [{"value": first}]}
        ),
    )
    _, renamed = _calls(
        recorded_stack,
        lambda: recorded_stack.patch(
            path, {"op": "replace", "path": "displayName", "value": "New"}
        ),
    )

    assert removed == ["GET /groups/{key}", "DELETE /users/{key}/groups", "GET /groups/{key}"]
    assert added == ["GET /users/{key}", "PUT /groups/{key}/users/{key}", "GET /groups/{key}"]
    assert renamed == ["GET /groups/{key}", "PUT /groups/{key}", "GET /groups/{key}"]


def test_group_put_calls(recorded_stack: Stack, users: list[dict[str, Any]]) -> None:
    first, second = (user["id"] for user in users)
    group = recorded_stack.create_group("Put", [first])
    path = f"/Groups/{group['id']}"
    body = {"schemas": [GROUP_SCHEMA], "displayName": "Put 2", "members": [{"value": second}]}

    response, calls = _calls(recorded_stack, lambda: recorded_stack.scim.put(path, json=body))

    assert response.status_code == 200
    assert calls == [
        "GET /groups/{key}",
        "GET /users/{key}",
        "PUT /groups/{key}",
        "DELETE /users/{key}/groups",
        "PUT /groups/{key}/users/{key}",
        "GET /groups/{key}",
    ]


def test_group_delete_calls(recorded_stack: Stack, users: list[dict[str, Any]]) -> None:
    group = recorded_stack.create_group("Deleted")

    response, calls = _calls(
        recorded_stack, lambda: recorded_stack.scim.delete(f"/Groups/{group['id']}")
    )

    assert response.status_code == 204
    assert calls == ["DELETE /groups/{key}"]


# Scans ----------------------------------------------------------------------


@pytest.fixture
def paged_stack(tmp_path: Path) -> Iterator[Stack]:
    stack = start_stack(
        tmp_path, record_calls=True, overrides={"instances.gotomeeting.page_size": 4}
    )
    for index in range(1, 10):
        stack.create_user(index)
    yield stack
    stack.close()


def test_scan_calls(paged_stack: Stack) -> None:
    response, calls = _calls(
        paged_stack,
        lambda: paged_stack.scim.get("/Users", params={"filter": 'name.givenName sw "Given"'}),
    )

    assert response.json()["totalResults"] == 9
    assert calls == ["GET /users"] * 3


def test_page_calls(paged_stack: Stack) -> None:
    response, calls = _calls(
        paged_stack, lambda: paged_stack.scim.get("/Users", params={"count": 10})
    )

    assert response.json()["itemsPerPage"] == 10
    assert calls == ["GET /users"] * 3


def test_request_id_header(recorded_stack: Stack) -> None:
    first = recorded_stack.scim.get("/Users")
    second = recorded_stack.scim.get("/Users")

    assert len(first.headers["x-request-id"]) == 16
    assert first.headers["x-request-id"] != second.headers["x-request-id"]
