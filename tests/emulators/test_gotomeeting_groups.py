"""Groups: create, rename, delete, membership moves and subgroup paths."""

from __future__ import annotations

import httpx

from .helpers import create_group, create_user, create_users, error_codes


def test_create_returns_bare_key(api: httpx.Client) -> None:
    response = api.post("/groups", json={"name": "Sales"})

    assert response.status_code == 200
    key = response.json()
    assert isinstance(key, str)
    assert key.isdigit()
    assert response.text == f'"{key}"'


def test_group_object_empty(api: httpx.Client) -> None:
    key = create_group(api, "Sales")

    group = api.get(f"/groups/{key}").json()

    assert group == {
        "key": key,
        "name": "Sales",
        "keyPath": [key],
        "namePath": ["Sales"],
        "memberCount": 0,
        "totalMemberCount": 0,
    }


def test_create_name_conflict(api: httpx.Client) -> None:
    create_group(api, "Sales")

    response = api.post("/groups", json={"name": "SALES"})

    assert response.status_code == 409
    assert error_codes(response) == ["group.name.conflict"]


def test_create_name_missing(api: httpx.Client) -> None:
    missing = api.post("/groups", json={})
    blank = api.post("/groups", json={"name": "  "})

    assert missing.status_code == 400
    assert error_codes(missing) == ["group.name.required"]
    assert blank.status_code == 400
    assert error_codes(blank) == ["group.name.required"]


def test_create_unknown_parent(api: httpx.Client) -> None:
    response = api.post("/groups", json={"name": "Child", "parentKey": "42"})

    assert response.status_code == 400
    assert error_codes(response) == ["group.not.found"]


def test_get_unknown_group(api: httpx.Client) -> None:
    response = api.get("/groups/1234567890123456789")

    assert response.status_code == 404
    assert error_codes(response) == ["group.not.found"]


def test_rename(api: httpx.Client) -> None:
    key = create_group(api, "Sales")

    response = api.put(f"/groups/{key}", json={"name": "Field Sales"})

    assert response.status_code == 204
    assert api.get(f"/groups/{key}").json()["name"] == "Field Sales"


def test_rename_rejects_key(api: httpx.Client) -> None:
    key = create_group(api, "Sales")

    response = api.put(f"/groups/{key}", json={"key": key, "name": "Other"})

    assert response.status_code == 400
    assert error_codes(response) == ["group.key.not.allowed"]
    assert api.get(f"/groups/{key}").json()["name"] == "Sales"


def test_rename_conflict(api: httpx.Client) -> None:
    create_group(api, "Sales")
    key = create_group(api, "Support")

    conflict = api.put(f"/groups/{key}", json={"name": "sales"})
    same = api.put(f"/groups/{key}", json={"name": "SUPPORT"})

    assert conflict.status_code == 409
    assert error_codes(conflict) == ["group.name.conflict"]
    assert same.status_code == 204


def test_add_member(api: httpx.Client) -> None:
    user_key = create_user(api, "ann@example.com")
    group_key = create_group(api, "Sales")

    response = api.put(f"/groups/{group_key}/users/{user_key}")
    user = api.get(f"/users/{user_key}").json()
    group = api.get(f"/groups/{group_key}").json()

    assert response.status_code == 204
    assert user["groupKey"] == group_key
    assert user["groupName"] == "Sales"
    assert user["groupKeyPath"] == [group_key]
    assert user["groupNamePath"] == ["Sales"]
    assert group["userKeys"] == [user_key]
    assert group["memberCount"] == 1
    assert group["totalMemberCount"] == 1


def test_add_member_moves_user(api: httpx.Client) -> None:
    user_key = create_user(api, "ann@example.com")
    first = create_group(api, "Sales")
    second = create_group(api, "Support")

    api.put(f"/groups/{first}/users/{user_key}")
    api.put(f"/groups/{second}/users/{user_key}")

    assert api.get(f"/users/{user_key}").json()["groupKey"] == second
    assert "userKeys" not in api.get(f"/groups/{first}").json()
    assert api.get(f"/groups/{first}").json()["memberCount"] == 0
    assert api.get(f"/groups/{second}").json()["userKeys"] == [user_key]


def test_add_member_unknown_user(api: httpx.Client) -> None:
    group_key = create_group(api, "Sales")

    response = api.put(f"/groups/{group_key}/users/1234567890123456789")

    assert response.status_code == 404
    assert error_codes(response) == ["user.not.found"]


def test_remove_from_groups(api: httpx.Client) -> None:
    user_key = create_user(api, "ann@example.com")
    group_key = create_group(api, "Sales")
    api.put(f"/groups/{group_key}/users/{user_key}")

    response = api.delete(f"/users/{user_key}/groups")
    user = api.get(f"/users/{user_key}").json()

    assert response.status_code == 204
    for field in ("groupKey", "groupName", "groupKeyPath", "groupNamePath"):
        assert field not in user
    assert api.get(f"/groups/{group_key}").json()["memberCount"] == 0


def test_subgroup_paths(api: httpx.Client) -> None:
    parent = create_group(api, "Sales")
    child = create_group(api, "EMEA", parent_key=parent)
    top_user = create_user(api, "ann@example.com")
    child_user = create_user(api, "bob@example.com")
    api.put(f"/groups/{parent}/users/{top_user}")
    api.put(f"/groups/{child}/users/{child_user}")

    child_group = api.get(f"/groups/{child}").json()
    parent_group = api.get(f"/groups/{parent}").json()
    user = api.get(f"/users/{child_user}").json()

    assert child_group["keyPath"] == [parent, child]
    assert child_group["namePath"] == ["Sales", "EMEA"]
    assert parent_group["memberCount"] == 1
    assert parent_group["totalMemberCount"] == 2
    assert user["groupKeyPath"] == [parent, child]
    assert user["groupNamePath"] == ["Sales", "EMEA"]


def test_delete_group(api: httpx.Client) -> None:
    parent = create_group(api, "Sales")
    child = create_group(api, "EMEA", parent_key=parent)
    user_key = create_user(api, "ann@example.com")
    api.put(f"/groups/{child}/users/{user_key}")

    response = api.delete(f"/groups/{parent}")

    assert response.status_code == 204
    assert api.get(f"/groups/{parent}").status_code == 404
    assert api.get(f"/groups/{child}").status_code == 404
    assert "groupKey" not in api.get(f"/users/{user_key}").json()


def test_create_users_into_group(api: httpx.Client) -> None:
    group_key = create_group(api, "Sales")

    bindings = create_users(api, "ann@example.com", "bob@example.com", groupKey=group_key).json()
    group = api.get(f"/groups/{group_key}").json()

    assert group["userKeys"] == sorted(binding["key"] for binding in bindings)
    assert group["memberCount"] == 2


def test_managed_group_keys(api: httpx.Client) -> None:
    group_key = create_group(api, "Sales")
    user_key = create_user(api, "ann@example.com", managedGroupKeys=[group_key])

    before = api.get(f"/users/{user_key}").json()
    api.delete(f"/groups/{group_key}")
    after = api.get(f"/users/{user_key}").json()

    assert before["managedGroupKeys"] == [group_key]
    assert "managedGroupKeys" not in after
