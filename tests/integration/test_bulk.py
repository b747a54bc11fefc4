"""SCIM /Bulk through a live gateway, checked on the emulators' state and calls."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from scimbridge.auth import create_credential
from scimbridge.settings import load_settings
from scimbridge.store import open_store
from tests.integration.conftest import (
    ERROR_SCHEMA,
    GROUP_SCHEMA,
    PATCH_SCHEMA,
    Stack,
    assert_scim_error,
    new_user,
    start_stack,
)
from tests.integration.coupa_stack import CoupaStack, coupa_user

BULK_REQUEST = "urn:ietf:params:scim:api:messages:2.0:BulkRequest"
BULK_RESPONSE = "urn:ietf:params:scim:api:messages:2.0:BulkResponse"


def send_bulk(
    scim: httpx.Client, *operations: dict[str, Any], fail_on_errors: int | None = None
) -> httpx.Response:
    body: dict[str, Any] = {"schemas": [BULK_REQUEST], "Operations": list(operations)}
    if fail_on_errors is not None:
        body["failOnErrors"] = fail_on_errors
    return scim.post("/Bulk", json=body)


def bulk_results(scim: httpx.Client, *operations: dict[str, Any], **options: Any) -> list[Any]:
    """Send a bulk request, check the BulkResponse envelope and return its results."""
    response = send_bulk(scim, *operations, **options)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["schemas"] == [BULK_RESPONSE]
    results: list[Any] = body["Operations"]
    return results


def post(bulk_id: str, path: str, data: dict[str, Any]) -> dict[str, Any]:
    return {"method": "POST", "path": path, "bulkId": bulk_id, "data": data}


def group(name: str, *members: str) -> dict[str, Any]:
    return {
        "schemas": [GROUP_SCHEMA],
        "displayName": name,
        "members": [{"value": member} for member in members],
    }


def patch_op(*operations: dict[str, Any]) -> dict[str, Any]:
    return {"schemas": [PATCH_SCHEMA], "Operations": list(operations)}


def created_id(result: dict[str, Any]) -> str:
    location: str = result["location"]
    return location.rsplit("/", 1)[1]


def target_emails(stack: Stack) -> set[str]:
    return {user["email"] for user in stack.target_users()}


def target_group_names(stack: Stack) -> set[str]:
    groups = stack.target_get("/groups", pageSize=1000)["results"]
    return {item["name"] for item in groups}


def error_of(result: dict[str, Any], status: int) -> dict[str, Any]:
    """Check that a bulk result failed with ``status`` and return its SCIM Error."""
    assert result["status"] == str(status), result
    error: dict[str, Any] = result["response"]
    assert error["schemas"] == [ERROR_SCHEMA]
    assert error["status"] == str(status)
    return error


def start_recorded(tmp_path: Path, **overrides: Any) -> Stack:
    return start_stack(tmp_path, record_calls=True, overrides=overrides)


@pytest.fixture
def limited(tmp_path: Path) -> Iterator[Stack]:
    """A recorded GoToMeeting stack allowing 3 operations and 2048 bytes per bulk request."""
    folder = tmp_path / "limited"
    folder.mkdir()
    running = start_recorded(
        folder,
        **{"limits.max_bulk_operations": 3, "limits.max_bulk_payload_bytes": 2048},
    )
    yield running
    running.close()


def calls_during(stack: Stack, send: Any) -> tuple[Any, list[str]]:
    """Run ``send`` and return its result with the Admin API calls it caused, keys as {key}."""
    assert stack.recorder is not None
    prefix = stack.target_path("")
    with stack.recorder.window() as recorded:
        result = send()
    calls = []
    for method, path in recorded:
        parts = path.removeprefix(prefix).split("/")
        calls.append(f"{method} " + "/".join("{key}" if part.isdigit() else part for part in parts))
    return result, calls


# bulkId references ------------------------------------------------------------


def test_bulk_backward_reference(stack: Stack) -> None:
    results = bulk_results(
        stack.scim,
        post("ada", "/Users", new_user("ada")),
        post("team", "/Groups", group("Team", "bulkId:ada")),
    )

    assert [result["status"] for result in results] == ["201", "201"]
    assert [result["bulkId"] for result in results] == ["ada", "team"]
    user_id = created_id(results[0])
    group_id = created_id(results[1])
    assert stack.target_group(group_id)["userKeys"] == [user_id]
    assert results[1]["location"] == f"{stack.scim_base}/Groups/{group_id}"
    assert results[0]["version"].startswith('W/"')


def test_bulk_forward_reference(stack: Stack) -> None:
    results = bulk_results(
        stack.scim,
        post("team", "/Groups", group("Forward", "bulkId:ada", "bulkId:ben")),
        post("ada", "/Users", new_user("ada")),
        post("ben", "/Users", new_user("ben")),
    )

    assert [result["bulkId"] for result in results] == ["team", "ada", "ben"]
    assert [result["status"] for result in results] == ["201", "201", "201"]
    members = sorted(stack.target_group(created_id(results[0]))["userKeys"])
    assert members == sorted([created_id(results[1]), created_id(results[2])])


def test_bulk_reference_in_path_and_filter(stack: Stack) -> None:
    existing = stack.create_user("existing")["id"]
    results = bulk_results(
        stack.scim,
        post("ada", "/Users", new_user("ada")),
        post("team", "/Groups", group("Paths", "bulkId:ada", existing)),
        {
            "method": "PATCH",
            "path": "/Groups/bulkId:team",
            "data": patch_op({"op": "remove", "path": 'members[value eq "bulkId:ada"]'}),
        },
        {"method": "PUT", "path": "/Users/bulkId:ada", "data": new_user("ada", locale="fr_FR")},
    )

    assert [result["status"] for result in results] == ["201", "201", "200", "200"]
    group_id = created_id(results[1])
    user_id = created_id(results[0])
    assert stack.target_group(group_id)["userKeys"] == [existing]
    assert results[2]["location"] == f"{stack.scim_base}/Groups/{group_id}"
    assert stack.target_user(user_id)["locale"] == "fr_FR"


def test_bulk_unknown_reference(stack: Stack) -> None:
    results = bulk_results(
        stack.scim,
        post("team", "/Groups", group("Unknown", "bulkId:nobody")),
    )

    error = error_of(results[0], 409)
    assert "bulkId:nobody" in error["detail"]
    assert "Unknown" not in target_group_names(stack)


def test_bulk_reference_to_failed_post(stack: Stack) -> None:
    nameless = new_user("nameless")
    del nameless["name"]
    results = bulk_results(
        stack.scim,
        post("bad", "/Users", nameless),
        post("team", "/Groups", group("AfterFailure", "bulkId:bad")),
    )

    error_of(results[0], 400)
    error = error_of(results[1], 409)
    assert "bulkId:bad" in error["detail"]
    assert "AfterFailure" not in target_group_names(stack)


def test_bulk_failed_patch_has_location(stack: Stack) -> None:
    team = stack.post_created("/Groups", group("LocatedTeam"))
    nameless = new_user("nameless-2")
    del nameless["name"]
    add_member = patch_op({"op": "add", "path": "members", "value": [{"value": "bulkId:bad"}]})
    results = bulk_results(
        stack.scim,
        post("bad", "/Users", nameless),
        {"method": "PATCH", "path": f"/Groups/{team['id']}", "data": add_member},
    )

    error_of(results[1], 409)
    assert results[1]["location"].endswith(f"/Groups/{team['id']}")


def test_bulk_circular_reference(stack: Stack) -> None:
    results = bulk_results(
        stack.scim,
        post("a", "/Groups", group("CycleA", "bulkId:b")),
        post("b", "/Groups", group("CycleB", "bulkId:a")),
        post("ada", "/Users", new_user("ada")),
    )

    assert [result["bulkId"] for result in results] == ["a", "b", "ada"]
    for result in results[:2]:
        error = error_of(result, 409)
        assert "cycle" in error["detail"]
        assert "location" not in result
    assert results[2]["status"] == "201"
    assert target_group_names(stack).isdisjoint({"CycleA", "CycleB"})


def test_bulk_self_reference(stack: Stack) -> None:
    results = bulk_results(stack.scim, post("me", "/Groups", group("Self", "bulkId:me")))

    error = error_of(results[0], 409)
    assert "bulkId:me" in error["detail"]


# PUT, PATCH, DELETE and version ----------------------------------------------


def test_bulk_put_patch_delete(stack: Stack) -> None:
    first = stack.create_user(1)
    second = stack.create_user(2)
    third = stack.create_user(3)

    results = bulk_results(
        stack.scim,
        {
            "method": "PUT",
            "path": f"/Users/{first['id']}",
            "data": new_user(1, name={"givenName": "Put", "familyName": "Done"}),
        },
        {
            "method": "PATCH",
            "path": f"/Users/{second['id']}",
            "version": second["meta"]["version"],
            "data": patch_op({"op": "replace", "path": "name.givenName", "value": "Patched"}),
        },
        {"method": "DELETE", "path": f"/Users/{third['id']}"},
    )

    assert [result["status"] for result in results] == ["200", "200", "204"]
    assert [result["method"] for result in results] == ["PUT", "PATCH", "DELETE"]
    assert stack.target_user(first["id"])["firstName"] == "Put"
    assert stack.target_user(second["id"])["firstName"] == "Patched"
    assert third["userName"] not in target_emails(stack)
    assert results[2]["location"] == f"{stack.scim_base}/Users/{third['id']}"
    fresh = stack.scim.get(f"/Users/{second['id']}").json()
    assert results[1]["version"] == fresh["meta"]["version"]


def test_bulk_version_mismatch(stack: Stack) -> None:
    user = stack.create_user(1)

    results = bulk_results(
        stack.scim,
        {
            "method": "PATCH",
            "path": f"/Users/{user['id']}",
            "version": 'W/"stale"',
            "data": patch_op({"op": "replace", "path": "name.givenName", "value": "Changed"}),
        },
        {"method": "DELETE", "path": f"/Users/{user['id']}", "version": 'W/"stale"'},
    )

    for result in results:
        error = error_of(result, 412)
        assert user["meta"]["version"] in error["detail"]
        assert result["location"] == f"{stack.scim_base}/Users/{user['id']}"
    assert stack.target_user(user["id"])["firstName"] == "Given1"


def test_bulk_not_found_and_external_id(stack: Stack) -> None:
    results = bulk_results(
        stack.scim,
        {"method": "DELETE", "path": "/Users/999999"},
        post("ada", "/Users", new_user("ada", externalId="hr-7")),
        post("x", "/Widgets", {"name": "x"}),
    )

    error_of(results[0], 404)
    assert results[1]["status"] == "201"
    error = error_of(results[2], 404)
    assert "/Widgets" in error["detail"]
    created = stack.scim.get(f"/Users/{created_id(results[1])}").json()
    assert created["externalId"] == "hr-7"
    assert created["meta"]["created"]
    assert created["meta"]["version"] == results[1]["version"]


# failOnErrors ------------------------------------------------------------------


def _nameless(index: str) -> dict[str, Any]:
    body = new_user(index)
    del body["name"]
    return body


def test_bulk_fail_on_errors_one(stack: Stack) -> None:
    results = bulk_results(
        stack.scim,
        post("ok", "/Users", new_user("ok")),
        post("bad", "/Users", _nameless("bad")),
        post("later", "/Users", new_user("later")),
        fail_on_errors=1,
    )

    assert [result["bulkId"] for result in results] == ["ok", "bad"]
    assert results[0]["status"] == "201"
    error = error_of(results[1], 400)
    assert error["scimType"] == "invalidValue"
    emails = target_emails(stack)
    assert "userok@example.com" in emails
    assert "userlater@example.com" not in emails


def test_bulk_fail_on_errors_two(stack: Stack) -> None:
    results = bulk_results(
        stack.scim,
        post("bad1", "/Users", _nameless("bad1")),
        post("ok", "/Users", new_user("ok")),
        post("bad2", "/Users", _nameless("bad2")),
        post("later", "/Users", new_user("later")),
        fail_on_errors=2,
    )

    assert [result["status"] for result in results] == ["400", "201", "400"]
    emails = target_emails(stack)
    assert "userok@example.com" in emails
    assert "userlater@example.com" not in emails


def test_bulk_without_fail_on_errors_runs_all(stack: Stack) -> None:
    results = bulk_results(
        stack.scim,
        post("bad1", "/Users", _nameless("bad1")),
        post("bad2", "/Users", _nameless("bad2")),
        post("ok", "/Users", new_user("ok")),
    )

    assert [result["status"] for result in results] == ["400", "400", "201"]


def test_bulk_stops_without_later_target_writes(recorded_stack: Stack) -> None:
    stack = recorded_stack
    user = stack.create_user("first")
    other = stack.create_user("other")
    operations = (
        {
            "method": "PATCH",
            "path": f"/Users/{user['id']}",
            "data": patch_op({"op": "replace", "path": "name.givenName", "value": "Patched"}),
        },
        # userother@example.com belongs to the other user, so GoTo rejects this PUT with 409.
        {"method": "PUT", "path": f"/Users/{user['id']}", "data": new_user("other")},
        {"method": "DELETE", "path": f"/Users/{user['id']}"},
    )

    results, calls = calls_during(
        stack, lambda: bulk_results(stack.scim, *operations, fail_on_errors=1)
    )

    assert [result["status"] for result in results] == ["200", "409"]
    assert stack.target_user(user["id"])["firstName"] == "Patched"
    assert stack.target_user(user["id"])["email"] == "userfirst@example.com"
    assert stack.target_user(other["id"])["email"] == "userother@example.com"
    assert "DELETE /users/{key}" not in calls
    assert calls.count("PUT /users/{key}") == 2


# Limits and malformed requests -----------------------------------------------


def test_bulk_too_many_operations(limited: Stack) -> None:
    operations = [post(f"u{index}", "/Users", new_user(index)) for index in range(4)]

    _, calls = calls_during(limited, lambda: send_bulk(limited.scim, *operations))
    response = send_bulk(limited.scim, *operations)

    detail = assert_scim_error(response, 413)
    assert "scimType" not in response.json()
    assert "limits.max_bulk_operations" in detail
    assert "3" in detail
    assert calls == []


def test_bulk_payload_too_large(limited: Stack) -> None:
    padded = new_user("big", displayName="x" * 3000)

    response = send_bulk(limited.scim, post("big", "/Users", padded))

    detail = assert_scim_error(response, 413)
    assert "scimType" not in response.json()
    assert "limits.max_bulk_payload_bytes" in detail
    assert "2048" in detail


def test_spc_advertises_bulk_limits(limited: Stack, stack: Stack) -> None:
    configured = limited.scim.get("/ServiceProviderConfig").json()["bulk"]
    default = stack.scim.get("/ServiceProviderConfig").json()["bulk"]

    assert configured == {"supported": True, "maxOperations": 3, "maxPayloadSize": 2048}
    assert default == {"supported": True, "maxOperations": 1000, "maxPayloadSize": 1048576}


@pytest.mark.parametrize(
    ("body", "scim_type", "named"),
    [
        ([], "invalidSyntax", "JSON object"),
        ({"schemas": [BULK_REQUEST]}, "invalidSyntax", "Operations"),
        ({"schemas": ["urn:x"], "Operations": []}, "invalidValue", BULK_REQUEST),
        (
            {"Operations": [{"method": "GET", "path": "/Users"}]},
            "invalidValue",
            "Operations[0].method",
        ),
        (
            {"Operations": [{"method": "POST", "path": "/Users", "data": {}}]},
            "invalidValue",
            "bulkId",
        ),
        (
            {"Operations": [{"method": "PATCH", "path": "/Users", "data": {}}]},
            "invalidValue",
            "Operations[0].path",
        ),
        (
            {"Operations": [{"method": "PUT", "path": "/Users/1"}]},
            "invalidSyntax",
            "Operations[0].data",
        ),
        (
            {
                "Operations": [
                    {"method": "POST", "path": "/Users", "bulkId": "a", "data": {}},
                    {"method": "POST", "path": "/Groups", "bulkId": "a", "data": {}},
                ]
            },
            "invalidValue",
            "'a'",
        ),
        ({"Operations": [], "failOnErrors": 0}, "invalidValue", "failOnErrors"),
    ],
)
def test_bulk_malformed(stack: Stack, body: Any, scim_type: str, named: str) -> None:
    response = stack.scim.post("/Bulk", json=body)

    detail = assert_scim_error(response, 400, scim_type)
    assert named in detail


def test_bulk_invalid_json(stack: Stack) -> None:
    response = stack.scim.post("/Bulk", content=b"{not json")

    assert_scim_error(response, 400, "invalidSyntax")


def test_bulk_get_not_allowed(stack: Stack) -> None:
    response = stack.scim.get("/Bulk")

    assert_scim_error(response, 405)


def test_bulk_needs_token(stack: Stack) -> None:
    response = httpx.post(
        f"{stack.scim_base}/Bulk", json={"schemas": [BULK_REQUEST], "Operations": []}
    )

    assert_scim_error(response, 401)


def test_bulk_read_only_client(tmp_path: Path, stack: Stack) -> None:
    settings = load_settings(environ={}, overrides={"data_dir": str(tmp_path / "gateway")})

    async def create() -> str:
        async with await open_store(settings.store_url) as store:
            issued = await create_credential(
                store.credentials, "gotomeeting", static_token=True, read_only=True
            )
            return issued.secret

    token = asyncio.run(create())
    response = httpx.post(
        f"{stack.scim_base}/Bulk",
        json={"schemas": [BULK_REQUEST], "Operations": [post("ada", "/Users", new_user("ada"))]},
        headers={"Authorization": f"Bearer {token}"},
    )

    detail = assert_scim_error(response, 403)
    assert "read-only" in detail
    assert "userada@example.com" not in target_emails(stack)


def test_bulk_empty_operations(stack: Stack) -> None:
    assert bulk_results(stack.scim) == []


# GoTo batch create -------------------------------------------------------------


def test_gotomeeting_batch_create_calls(recorded_stack: Stack) -> None:
    stack = recorded_stack
    stack.create_user("warm")  # reads the licenses once, as every later create reuses them
    operations = [post(f"u{index}", "/Users", new_user(index)) for index in range(5)]

    results, bulk_calls = calls_during(stack, lambda: bulk_results(stack.scim, *operations))
    singles, single_calls = calls_during(
        stack,
        lambda: [stack.scim.post("/Users", json=new_user(f"s{index}")) for index in range(5)],
    )

    assert [result["status"] for result in results] == ["201"] * 5
    assert [response.status_code for response in singles] == [201] * 5
    assert bulk_calls == ["POST /users", "GET /users"]
    assert len(single_calls) == 10
    emails = target_emails(stack)
    for index in range(5):
        assert f"user{index}@example.com" in emails
    ids = [created_id(result) for result in results]
    for index, user_id in enumerate(ids):
        assert stack.scim.get(f"/Users/{user_id}").json()["userName"] == f"user{index}@example.com"


def test_gotomeeting_batch_inactive_user(recorded_stack: Stack) -> None:
    stack = recorded_stack
    stack.create_user("warm")
    operations = [
        post("on", "/Users", new_user("on")),
        post("off", "/Users", new_user("off", active=False)),
    ]

    results, calls = calls_during(stack, lambda: bulk_results(stack.scim, *operations))

    assert [result["status"] for result in results] == ["201", "201"]
    assert calls == ["POST /users", "PUT /users/{key}", "GET /users"]
    off = stack.scim.get(f"/Users/{created_id(results[1])}").json()
    on = stack.scim.get(f"/Users/{created_id(results[0])}").json()
    assert off["active"] is False
    assert on["active"] is True


def test_gotomeeting_batch_conflict_falls_back(recorded_stack: Stack) -> None:
    stack = recorded_stack
    stack.create_user("taken")
    operations = [
        post("a", "/Users", new_user("a")),
        post("dup", "/Users", new_user("taken")),
        post("b", "/Users", new_user("b")),
    ]

    results, calls = calls_during(stack, lambda: bulk_results(stack.scim, *operations))

    assert [result["status"] for result in results] == ["201", "409", "201"]
    error = error_of(results[1], 409)
    assert error["scimType"] == "uniqueness"
    assert "usertaken@example.com" in error["detail"]
    assert calls.count("POST /users") == 4
    emails = target_emails(stack)
    assert {"usera@example.com", "userb@example.com"} <= emails


def test_gotomeeting_batch_conflict_honours_fail_on_errors(recorded_stack: Stack) -> None:
    stack = recorded_stack
    stack.create_user("taken")
    operations = [
        post("dup", "/Users", new_user("taken")),
        post("a", "/Users", new_user("a")),
    ]

    results = bulk_results(stack.scim, *operations, fail_on_errors=1)

    assert [result["bulkId"] for result in results] == ["dup"]
    error_of(results[0], 409)
    assert "usera@example.com" not in target_emails(stack)


# Coupa -------------------------------------------------------------------------


def test_coupa_bulk_create_and_update(coupa: CoupaStack) -> None:
    results = bulk_results(
        coupa.scim,
        post("ada", "/Users", coupa_user("ada")),
        post("ben", "/Users", coupa_user("ben")),
        {
            "method": "PATCH",
            "path": "/Users/bulkId:ben",
            "data": patch_op({"op": "replace", "path": "name.givenName", "value": "Benjamin"}),
        },
        post("dup", "/Users", coupa_user("ada")),
    )

    assert [result["status"] for result in results[:3]] == ["201", "201", "200"]
    error = error_of(results[3], 409)
    assert error["scimType"] == "uniqueness"
    ada = coupa.target_user(created_id(results[0]))
    ben = coupa.target_user(created_id(results[1]))
    assert ada["login"] == "userada"
    assert ben["firstname"] == "Benjamin"
    assert results[0]["location"] == f"{coupa.scim_base}/Users/{created_id(results[0])}"
