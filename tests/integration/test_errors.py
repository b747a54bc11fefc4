"""SCIM error responses of the gateway: syntax, media type, authentication, methods and limits."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest

from scimbridge.scim.endpoints import ScimEndpoints
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


# Edge hardening: methods, bodies, limits and ids ----------------------------------


@pytest.mark.parametrize("method", ["OPTIONS", "TRACE", "CONNECT", "PROPFIND", "FOO"])
def test_unusual_method_is_scim_405(stack: Stack, method: str) -> None:
    response = stack.scim.request(method, "/Users")

    detail = assert_scim_error(response, 405)
    assert method in detail


def test_head_is_405_without_body(stack: Stack) -> None:
    response = stack.scim.head("/Users")

    assert response.status_code == 405
    assert response.headers["content-type"].startswith(SCIM_JSON)


def test_patch_on_collection_is_405(stack: Stack) -> None:
    response = stack.patch("/Users", {"op": "add", "path": "title", "value": "x"})

    detail = assert_scim_error(response, 405)
    assert "GET, POST" in detail


def test_unknown_path_is_scim_404(stack: Stack) -> None:
    response = httpx.get(f"{stack.gateway.base_url}/no/such/path", timeout=30)

    assert_scim_error(response, 404)


@pytest.mark.parametrize(
    ("body", "named"),
    [
        (b'{"userName": NaN}', "NaN"),
        (b'{"userName": "a", "x": Infinity}', "Infinity"),
        (b'{"userName": "a", "x": -Infinity}', "-Infinity"),
        (b'{"userName": "a", "userName": "b"}', "'userName' appears twice"),
        (b'{"userName": "a", "x": 1e999}', "1e999"),
        (b'{"userName": "a", "x": ' + b"9" * 5000 + b"}", "too many digits"),
        (b"\xff\xfe{}", "not UTF-8"),
        (b'{"userName": "caf\xe9"}', "not UTF-8"),
        (b"[" * 100_000 + b"]" * 100_000, "64 levels"),
        (b'{"a":' * 65 + b"1" + b"}" * 65, "64 levels"),
    ],
)
def test_hostile_json_is_invalid_syntax(stack: Stack, body: bytes, named: str) -> None:
    before = len(stack.target_users())

    response = stack.scim.post("/Users", content=body)

    detail = assert_scim_error(response, 400, "invalidSyntax")
    assert named in detail
    assert len(stack.target_users()) == before


def test_utf8_byte_order_mark_accepted(stack: Stack) -> None:
    response = stack.scim.post("/Users", content=b"\xef\xbb\xbf" + json.dumps(new_user(9)).encode())

    assert response.status_code == 201, response.text


def test_nesting_at_limit_parses(stack: Stack) -> None:
    nested: Any = "x"
    for _ in range(63):
        nested = {"a": nested}
    response = stack.scim.post("/Users", json=new_user(10, nickName=nested))

    # The body parses; the nested value is then rejected or dropped as an attribute value.
    assert response.status_code in (201, 400), response.text
    if response.status_code == 400:
        assert response.json()["scimType"] != "invalidSyntax"


def test_body_over_limit_is_413(stack: Stack) -> None:
    padding = "x" * 1_100_000
    response = stack.scim.post("/Users", json=new_user(11, nickName=padding))

    detail = assert_scim_error(response, 413)
    assert "limits.max_body_bytes" in detail


def test_patch_over_operation_limit_is_413(recorded_stack: Stack) -> None:
    stack = recorded_stack
    assert stack.recorder is not None
    user = stack.create_user(12)
    operations = [
        {"op": "replace", "path": "name.givenName", "value": f"G{i}"} for i in range(1001)
    ]

    with stack.recorder.window() as calls:
        response = stack.patch(f"/Users/{user['id']}", *operations)

    detail = assert_scim_error(response, 413)
    assert "1001 operations" in detail
    assert "limits.max_patch_operations (1000)" in detail
    assert calls == []
    assert stack.target_user(user["id"])["firstName"] == "Given12"


def test_patch_at_operation_limit_applies(stack: Stack) -> None:
    user = stack.create_user(13)
    operations = [
        {"op": "replace", "path": "name.givenName", "value": f"G{i}"} for i in range(1000)
    ]

    response = stack.patch(f"/Users/{user['id']}", *operations)

    assert response.status_code == 200, response.text
    assert stack.target_user(user["id"])["firstName"] == "G999"


@pytest.mark.parametrize("parameter", ["attributes", "excludedAttributes"])
def test_attribute_list_over_limit(stack: Stack, parameter: str) -> None:
    names = ",".join(["userName"] * 201)

    response = stack.scim.get("/Users", params={parameter: names})

    detail = assert_scim_error(response, 400, "invalidValue")
    assert "201 attribute names" in detail
    assert "limits.max_attribute_names (200)" in detail


def test_attribute_list_at_limit_accepted(stack: Stack) -> None:
    response = stack.scim.get("/Users", params={"attributes": ",".join(["userName"] * 200)})

    assert response.status_code == 200, response.text


def test_search_attribute_list_over_limit(stack: Stack) -> None:
    body = {
        "schemas": ["urn:ietf:params:scim:api:messages:2.0:SearchRequest"],
        "attributes": ["userName"] * 201,
    }

    response = stack.scim.post("/Users/.search", json=body)

    assert_scim_error(response, 400, "invalidValue")


@pytest.mark.parametrize(
    ("params", "start_index", "items"),
    [
        ({"count": "-5"}, 1, 0),
        ({"count": "0"}, 1, 0),
        ({"startIndex": "-5", "count": "1"}, 1, 1),
        ({"startIndex": "0", "count": "1"}, 1, 1),
        ({"startIndex": str(10**30)}, 10**30, 0),
    ],
)
def test_paging_values_interpreted(
    stack: Stack, params: dict[str, str], start_index: int, items: int
) -> None:
    response = stack.scim.get("/Users", params=params)

    assert response.status_code == 200, response.text
    body = response.json()
    assert body["startIndex"] == start_index
    assert body["itemsPerPage"] == items
    assert body["totalResults"] >= 1


def test_count_capped_at_max_count(stack: Stack) -> None:
    response = stack.scim.get("/Users", params={"count": str(10**30)})

    assert response.status_code == 200, response.text
    assert response.json()["itemsPerPage"] <= 1000


@pytest.mark.parametrize("value", ["1e3", "1.5", "0x10", "ten", "9" * 5000])
def test_count_not_integer(stack: Stack, value: str) -> None:
    response = stack.scim.get("/Users", params={"count": value})

    detail = assert_scim_error(response, 400, "invalidValue")
    assert "count must be an integer" in detail


@pytest.mark.parametrize(
    "filter_text",
    [
        "(" * 1000 + 'userName eq "a"' + ")" * 1000,
        "not (" * 33 + 'userName eq "a"' + ")" * 33,
        'emails[value eq "a"].' + "x" * 5000,
        " and ".join(f'userName eq "user{index}"' for index in range(300)),
    ],
)
def test_filter_limits_hold(stack: Stack, filter_text: str) -> None:
    response = stack.scim.get("/Users", params={"filter": filter_text})

    assert_scim_error(response, 400, "invalidFilter")


@pytest.mark.parametrize(
    "resource_id",
    ["a.b", "..", "%2e%2e", "caf%C3%A9", "%E2%80%AE", "a%00b", "a%0d%0ab", "x" * 3000, "-1"],
)
def test_odd_ids_are_404(stack: Stack, resource_id: str) -> None:
    response = stack.scim.get(f"/Users/{resource_id}")

    assert response.status_code == 404, response.text
    body = response.json()
    assert body["schemas"] == [ERROR_SCHEMA]
    assert "Traceback" not in response.text


def test_traversal_id_does_not_escape(stack: Stack) -> None:
    user = stack.create_user(14)

    response = stack.scim.delete(f"/Users/..%2f..%2fUsers%2f{user['id']}")

    assert_scim_error(response, 404)
    assert stack.target_user(user["id"])["email"] == "user14@example.com"


def test_unexpected_exception_is_scim_500(stack: Stack, monkeypatch: pytest.MonkeyPatch) -> None:
    def explode(self: ScimEndpoints) -> None:
        raise RuntimeError("/srv/secret/path.py failed with SELECT * FROM users")

    monkeypatch.setattr(ScimEndpoints, "service_provider_config", explode)

    response = stack.scim.get("/ServiceProviderConfig")

    detail = assert_scim_error(response, 500)
    assert response.headers["x-request-id"] in detail
    assert "RuntimeError" not in response.text
    assert "/srv/secret" not in response.text
    assert "SELECT" not in response.text
