"""SCIM error responses of the gateway: syntax, media type and authentication."""

from __future__ import annotations

import httpx
import pytest

from tests.integration.conftest import (
    ERROR_SCHEMA,
    PATCH_SCHEMA,
    SCIM_JSON,
    TOKEN,
    Stack,
    assert_scim_error,
    new_user,
)


def test_body_not_json(stack: Stack) -> None:
    before = len(stack.target_users())

    response = stack.scim.post("/Users", content=b'{"userName": "broken@example.com",')

    assert_scim_error(response, 400, "invalidSyntax")
    assert len(stack.target_users()) == before


def test_body_empty(stack: Stack) -> None:
    response = stack.scim.post("/Users", content=b"")

    assert_scim_error(response, 400, "invalidSyntax")


def test_body_array(stack: Stack) -> None:
    response = stack.scim.post("/Users", json=[new_user(1)])

    assert_scim_error(response, 400, "invalidSyntax")


def test_patch_not_json(stack: Stack) -> None:
    user = stack.create_user(2)

    response = stack.scim.patch(f"/Users/{user['id']}", content=b"not json at all")

    assert_scim_error(response, 400, "invalidSyntax")
    assert stack.target_user(user["id"])["firstName"] == "Given2"


def test_patch_unknown_op(stack: Stack) -> None:
    user = stack.create_user(3)

    response = stack.scim.patch(
        f"/Users/{user['id']}",
        json={"schemas": [PATCH_SCHEMA], "Operations": [{"op": "merge", "value": {}}]},
    )

    assert_scim_error(response, 400)
    assert stack.target_user(user["id"])["firstName"] == "Given3"


def test_text_plain_rejected(stack: Stack) -> None:
    before = len(stack.target_users())

    response = stack.scim.post(
        "/Users",
        content=httpx.Request("POST", "http://x", json=new_user(4)).content,
        headers={"Content-Type": "text/plain"},
    )

    assert_scim_error(response, 415)
    assert len(stack.target_users()) == before


def test_application_json_accepted(stack: Stack) -> None:
    response = stack.scim.post(
        "/Users", json=new_user(5), headers={"Content-Type": "application/json"}
    )

    assert response.status_code == 201, response.text


def test_no_token(stack: Stack) -> None:
    with httpx.Client(base_url=stack.scim_base, timeout=30) as anonymous:
        response = anonymous.get("/Users")

    detail = assert_scim_error(response, 401)
    assert "bearer" in detail.lower()
    assert response.headers["www-authenticate"].lower().startswith("bearer")


def test_wrong_token(stack: Stack) -> None:
    before = len(stack.target_users())
    headers = {"Authorization": "Bearer not-the-token", "Content-Type": SCIM_JSON}
    with httpx.Client(base_url=stack.scim_base, headers=headers, timeout=30) as client:
        listed = client.get("/Users")
        created = client.post("/Users", json=new_user(6))

    assert_scim_error(listed, 401)
    assert_scim_error(created, 401)
    assert len(stack.target_users()) == before


@pytest.mark.parametrize("header", ["Basic " + "dXNlcjpwYXNz", f"Token {TOKEN}", "Bearer"])
def test_other_scheme_rejected(stack: Stack, header: str) -> None:
    with httpx.Client(
        base_url=stack.scim_base, headers={"Authorization": header}, timeout=30
    ) as client:
        response = client.get("/Users")

    assert_scim_error(response, 401)


def test_unknown_endpoint(stack: Stack) -> None:
    response = stack.scim.get("/Widgets")

    detail = assert_scim_error(response, 404)
    assert "Widgets" in detail


def test_method_not_allowed(stack: Stack) -> None:
    response = stack.scim.delete("/Users")

    assert_scim_error(response, 405)


@pytest.mark.parametrize(
    ("params", "scim_type"),
    [
        ({"count": "many"}, "invalidValue"),
        ({"startIndex": "first"}, "invalidValue"),
        ({"sortOrder": "sideways"}, "invalidValue"),
        ({"sortBy": "nickName"}, "invalidValue"),
    ],
)
def test_bad_list_parameters(stack: Stack, params: dict[str, str], scim_type: str) -> None:
    response = stack.scim.get("/Users", params=params)

    assert_scim_error(response, 400, scim_type)


def test_wrong_value_type(stack: Stack) -> None:
    response = stack.scim.post("/Users", json=new_user(7, active="sometimes"))

    detail = assert_scim_error(response, 400, "invalidValue")
    assert "active" in detail


def test_target_rejects_value(stack: Stack) -> None:
    before = len(stack.target_users())

    response = stack.scim.post("/Users", json=new_user(8, userName="not-an-email"))

    assert_scim_error(response, 400, "invalidValue")
    assert len(stack.target_users()) == before


def test_error_bodies_share_shape(stack: Stack) -> None:
    responses = [
        stack.scim.get("/Users/abc"),
        stack.scim.post("/Users", content=b"{"),
        stack.scim.get("/Users", params={"filter": "userName eq"}),
        stack.scim.post("/Users", json={"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"]}),
    ]

    for response in responses:
        body = response.json()
        assert body["schemas"] == [ERROR_SCHEMA]
        assert isinstance(body["status"], str)
        assert body["status"] == str(response.status_code)
        assert isinstance(body["detail"], str)
        assert body["detail"]
        assert "Traceback" not in response.text
        assert 'File "' not in response.text


def test_user_name_not_email_explained(stack: Stack) -> None:
    response = stack.scim.post("/Users", json=new_user(1, userName="ada"))

    detail = assert_scim_error(response, 400, "invalidValue")
    assert "'ada'" in detail
    assert "must be an email address" in detail


def test_invalid_time_zone_explained(stack: Stack) -> None:
    response = stack.scim.post("/Users", json=new_user(2, timezone="Mars/Olympus"))

    detail = assert_scim_error(response, 400, "invalidValue")
    assert "'Mars/Olympus'" in detail
    assert "IANA time zone" in detail
