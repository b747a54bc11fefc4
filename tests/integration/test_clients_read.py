"""The reads Okta and Microsoft Entra ID send, against both connector instances over HTTP.

Okta matches users with ``userName eq`` and ``startIndex=1&count=100``, groups
with ``displayName eq``, and imports by paging until ``totalResults``. Entra
ID's Test Connection looks up a random GUID and expects an empty list, and
Entra checks a manager with ``id eq "<user>" and manager eq "<manager>"``.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.integration.conftest import Stack, assert_scim_error
from tests.integration.coupa_stack import ENTERPRISE, CoupaStack
from tests.integration.test_clients_oim import Instance, _coupa_instance, _goto_instance

LIST_SCHEMA = "urn:ietf:params:scim:api:messages:2.0:ListResponse"


@pytest.fixture(params=["gotomeeting", "coupa"])
def instance(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Instance]:
    """Each connector instance in turn, with 50 users seeded directly on its target."""
    start = _goto_instance if request.param == "gotomeeting" else _coupa_instance
    running = start(tmp_path)
    yield running
    running.stack.close()


def _list(instance: Instance, path: str, **params: Any) -> tuple[dict[str, Any], list[str]]:
    """GET a list with ``params``; return the body (after checking 200) and the target calls."""
    response, calls = instance.calls(lambda: instance.stack.scim.get(path, params=params))
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    assert body["schemas"] == [LIST_SCHEMA]
    return body, calls


def _check_integers(body: dict[str, Any]) -> None:
    for key in ("totalResults", "startIndex", "itemsPerPage"):
        assert type(body[key]) is int, (key, body[key])


# Okta ------------------------------------------------------------------------


def test_okta_user_name_lookup(instance: Instance) -> None:
    name = instance.user_names[7]
    filter_text = f'userName eq "{name}"'

    body, calls = _list(instance, "/Users", filter=filter_text, startIndex=1, count=100)

    _check_integers(body)
    assert body["totalResults"] == 1
    assert body["startIndex"] == 1
    assert body["itemsPerPage"] == 1
    assert body["Resources"][0]["id"] == instance.user_ids[7]
    assert calls == [f"GET {instance.list_path}"]


def test_okta_user_name_upper_case(instance: Instance) -> None:
    name = instance.user_names[3]

    body, _ = _list(instance, "/Users", filter=f'userName eq "{name.upper()}"', count=100)

    assert body["totalResults"] == 1
    assert body["Resources"][0]["userName"] == name


def test_okta_no_match_is_empty_list(instance: Instance) -> None:
    body, _ = _list(instance, "/Users", filter='userName eq "nobody-here"', startIndex=1, count=100)

    _check_integers(body)
    assert body["totalResults"] == 0
    assert body["itemsPerPage"] == 0
    assert body.get("Resources", []) == []


def test_okta_group_display_name(instance: Instance) -> None:
    if instance.name == "gotomeeting":
        member = instance.user_ids[0]
        created = instance.stack.post_created(
            "/Groups", {"displayName": "Okta Sales", "members": [{"value": member}]}
        )
        group_id, name = created["id"], "Okta Sales"
    else:
        group_id, name = "3", "IT"

    body, calls = _list(
        instance, "/Groups", filter=f'displayName eq "{name}"', excludedAttributes="members"
    )

    _check_integers(body)
    assert body["totalResults"] == 1
    assert body["Resources"][0]["id"] == group_id
    assert "members" not in body["Resources"][0]
    assert len(calls) == 1


def test_okta_group_no_match(instance: Instance) -> None:
    body, _ = _list(instance, "/Groups", filter='displayName eq "No Such Group"')

    assert body["totalResults"] == 0
    assert body.get("Resources", []) == []


def test_okta_import_stable_order(instance: Instance) -> None:
    def walk() -> list[str]:
        ids: list[str] = []
        start = 1
        while True:
            body, _ = _list(instance, "/Users", startIndex=start, count=100)
            _check_integers(body)
            ids.extend(resource["id"] for resource in body["Resources"])
            start += 100
            if start > body["totalResults"]:
                return ids

    first, second = walk(), walk()

    assert first == second
    assert len(first) == len(set(first))
    assert set(instance.user_ids) <= set(first)


# Entra ID --------------------------------------------------------------------


def test_entra_test_connection_user_name(instance: Instance) -> None:
    guid = str(uuid.uuid4())

    body, calls = _list(instance, "/Users", filter=f'userName eq "{guid}"')

    assert body["totalResults"] == 0
    assert body.get("Resources", []) == []
    assert len(calls) <= 1


def test_entra_test_connection_external_id(instance: Instance) -> None:
    guid = str(uuid.uuid4())

    body, calls = _list(instance, "/Users", filter=f'externalId eq "{guid}"')

    assert body["totalResults"] == 0
    assert calls == []


def test_entra_external_id_match(instance: Instance) -> None:
    user_id = instance.user_ids[5]
    guid = str(uuid.uuid4())
    patched = instance.stack.patch(
        f"/Users/{user_id}", {"op": "add", "path": "externalId", "value": guid}
    )
    assert patched.status_code == 200, patched.text

    body, calls = _list(instance, "/Users", filter=f'externalId eq "{guid}"')

    assert [resource["id"] for resource in body["Resources"]] == [user_id]
    assert body["Resources"][0]["externalId"] == guid
    assert len(calls) == 1


def test_entra_display_name_filter(instance: Instance) -> None:
    user_id = instance.user_ids[9]
    display = instance.stack.scim.get(f"/Users/{user_id}").json()["displayName"]

    body, _ = _list(instance, "/Users", filter=f"displayName eq {json.dumps(display)}")

    assert user_id in [resource["id"] for resource in body["Resources"]]
    assert all(resource["displayName"] == display for resource in body["Resources"])


def test_entra_manager_filter_goto_rejected(stack: Stack) -> None:
    user = stack.create_user(1)
    other = stack.create_user(2)

    response = stack.scim.get(
        "/Users", params={"filter": f'id eq "{user["id"]}" and manager eq "{other["id"]}"'}
    )

    detail = assert_scim_error(response, 400, "invalidFilter")
    assert "manager" in detail


@pytest.mark.parametrize("form", ["manager", "manager.value", f"{ENTERPRISE}:manager.value"])
def test_entra_manager_check_coupa(recorded_coupa: CoupaStack, form: str) -> None:
    coupa = recorded_coupa
    assert coupa.recorder is not None
    manager = coupa.create_user("boss")
    other = coupa.create_user("other")
    user = coupa.create_user("report", **{ENTERPRISE: {"manager": {"value": manager["id"]}}})

    def lookup(manager_id: str) -> dict[str, Any]:
        expression = f'id eq "{user["id"]}" and {form} eq "{manager_id}"'
        assert coupa.recorder is not None
        with coupa.recorder.window() as calls:
            response = coupa.scim.get("/Users", params={"filter": expression})
        assert response.status_code == 200, response.text
        assert calls == [("GET", "/api/users")]
        body: dict[str, Any] = response.json()
        return body

    same = lookup(manager["id"])
    different = lookup(other["id"])

    assert [resource["id"] for resource in same["Resources"]] == [user["id"]]
    assert same["Resources"][0][ENTERPRISE]["manager"]["value"] == manager["id"]
    assert different["totalResults"] == 0
    assert different.get("Resources", []) == []
