"""ETags, If-Match and If-None-Match on GoToMeeting users and groups."""

from __future__ import annotations

from tests.integration.conftest import GROUP_SCHEMA, Stack, assert_scim_error, new_user

STALE = 'W/"0000000000000000dead"'


def test_etag_is_meta_version(stack: Stack) -> None:
    created = stack.scim.post("/Users", json=new_user(1))

    fetched = stack.scim.get(f"/Users/{created.json()['id']}")

    assert created.headers["etag"] == created.json()["meta"]["version"]
    assert fetched.headers["etag"] == fetched.json()["meta"]["version"]
    assert fetched.headers["etag"] == created.headers["etag"]


def test_etag_on_put_and_patch(stack: Stack) -> None:
    user = stack.create_user(2)

    replaced = stack.scim.put(f"/Users/{user['id']}", json=new_user(2, locale="de-DE"))
    patched = stack.patch(
        f"/Users/{user['id']}", {"op": "replace", "path": "locale", "value": "fr-FR"}
    )

    assert replaced.headers["etag"] == replaced.json()["meta"]["version"]
    assert patched.headers["etag"] == patched.json()["meta"]["version"]
    assert len({user["meta"]["version"], replaced.headers["etag"], patched.headers["etag"]}) == 3


def test_list_versions_match_get(stack: Stack) -> None:
    user = stack.create_user(3)

    listed = stack.scim.get("/Users", params={"filter": f'id eq "{user["id"]}"'}).json()

    assert listed["Resources"][0]["meta"]["version"] == user["meta"]["version"]


def test_if_none_match_current(stack: Stack) -> None:
    user = stack.create_user(4)
    version = user["meta"]["version"]

    response = stack.scim.get(f"/Users/{user['id']}", headers={"If-None-Match": version})

    assert response.status_code == 304
    assert response.content == b""
    assert response.headers["etag"] == version


def test_if_none_match_stale(stack: Stack) -> None:
    user = stack.create_user(5)

    response = stack.scim.get(f"/Users/{user['id']}", headers={"If-None-Match": STALE})

    assert response.status_code == 200
    assert response.json()["id"] == user["id"]


def test_if_match_stale_put(stack: Stack) -> None:
    user = stack.create_user(6)

    response = stack.scim.put(
        f"/Users/{user['id']}", json=new_user(6, locale="de-DE"), headers={"If-Match": STALE}
    )

    assert_scim_error(response, 412)
    assert stack.target_user(user["id"])["locale"] == "en_US"


def test_if_match_stale_patch(stack: Stack) -> None:
    user = stack.create_user(7)

    response = stack.patch(
        f"/Users/{user['id']}",
        {"op": "replace", "path": "name.givenName", "value": "Stale"},
        **{"If-Match": STALE},
    )

    assert_scim_error(response, 412)
    assert stack.target_user(user["id"])["firstName"] == "Given7"


def test_if_match_stale_delete(stack: Stack) -> None:
    user = stack.create_user(8)

    response = stack.scim.delete(f"/Users/{user['id']}", headers={"If-Match": STALE})

    assert_scim_error(response, 412)
    assert stack.target_user(user["id"])["email"] == "user8@example.com"


def test_if_match_old_version(stack: Stack) -> None:
    user = stack.create_user(9)
    stack.patch(f"/Users/{user['id']}", {"op": "replace", "path": "name.givenName", "value": "New"})

    response = stack.scim.put(
        f"/Users/{user['id']}", json=new_user(9), headers={"If-Match": user["meta"]["version"]}
    )

    assert_scim_error(response, 412)
    assert stack.target_user(user["id"])["firstName"] == "New"


def test_if_match_current_put(stack: Stack) -> None:
    user = stack.create_user(10)

    response = stack.scim.put(
        f"/Users/{user['id']}",
        json=new_user(10, name={"givenName": "Fresh", "familyName": "Family10"}),
        headers={"If-Match": user["meta"]["version"]},
    )

    assert response.status_code == 200, response.text
    assert stack.target_user(user["id"])["firstName"] == "Fresh"


def test_if_match_current_patch(stack: Stack) -> None:
    user = stack.create_user(11)

    response = stack.patch(
        f"/Users/{user['id']}",
        {"op": "replace", "path": "name.familyName", "value": "Fresh"},
        **{"If-Match": user["meta"]["version"]},
    )

    assert response.status_code == 200, response.text
    assert stack.target_user(user["id"])["lastName"] == "Fresh"


def test_if_match_current_delete(stack: Stack) -> None:
    user = stack.create_user(12)

    response = stack.scim.delete(
        f"/Users/{user['id']}", headers={"If-Match": user["meta"]["version"]}
    )

    assert response.status_code == 204
    assert "user12@example.com" not in {item["email"] for item in stack.target_users()}


def test_if_match_star(stack: Stack) -> None:
    user = stack.create_user(13)

    response = stack.patch(
        f"/Users/{user['id']}",
        {"op": "replace", "path": "name.givenName", "value": "Star"},
        **{"If-Match": "*"},
    )

    assert response.status_code == 200, response.text


def test_version_changes_on_write(stack: Stack) -> None:
    user = stack.create_user(14)

    patched = stack.patch(
        f"/Users/{user['id']}", {"op": "replace", "path": "name.givenName", "value": "X"}
    )
    fetched = stack.scim.get(f"/Users/{user['id']}")

    assert patched.headers["etag"] != user["meta"]["version"]
    assert fetched.headers["etag"] == patched.headers["etag"]


def test_version_changes_on_target(stack: Stack) -> None:
    user = stack.create_user(15)

    stack.target_put(f"/users/{user['id']}", {"lastName": "Outside"})
    fetched = stack.scim.get(f"/Users/{user['id']}")
    stale = stack.scim.put(
        f"/Users/{user['id']}", json=new_user(15), headers={"If-Match": user["meta"]["version"]}
    )

    assert fetched.headers["etag"] != user["meta"]["version"]
    assert_scim_error(stale, 412)
    assert stack.target_user(user["id"])["lastName"] == "Outside"


def test_version_changes_on_membership(stack: Stack) -> None:
    user = stack.create_user(16)
    group = stack.create_group("Versioned")

    stack.target_put(f"/groups/{group['id']}/users/{user['id']}")

    assert stack.scim.get(f"/Users/{user['id']}").headers["etag"] != user["meta"]["version"]
    assert stack.scim.get(f"/Groups/{group['id']}").headers["etag"] != group["meta"]["version"]


def test_group_if_match_stale(stack: Stack) -> None:
    group = stack.create_group("Guarded")

    renamed = stack.scim.put(
        f"/Groups/{group['id']}",
        json={"schemas": [GROUP_SCHEMA], "displayName": "Changed"},
        headers={"If-Match": STALE},
    )
    deleted = stack.scim.delete(f"/Groups/{group['id']}", headers={"If-Match": STALE})

    assert_scim_error(renamed, 412)
    assert_scim_error(deleted, 412)
    assert stack.target_group(group["id"])["name"] == "Guarded"


def test_group_if_none_match(stack: Stack) -> None:
    group = stack.create_group("Cached")

    response = stack.scim.get(
        f"/Groups/{group['id']}", headers={"If-None-Match": group["meta"]["version"]}
    )

    assert response.status_code == 304
