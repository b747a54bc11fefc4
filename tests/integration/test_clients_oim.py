"""One Identity Manager's use of SCIM, against both connector instances over HTTP.

One Identity Manager's sync-project wizard reads the discovery endpoints in
full, a full synchronisation pages through every resource type with
``startIndex`` and ``count``, and single objects are looked up in batches such
as ``(id eq "a") or (id eq "b")``. Target calls are counted by the emulator.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import httpx
import pytest

from scimbridge.emulators.gotomeeting.settings import SANDBOX_LICENSE_KEY
from tests.integration.conftest import CallRecorder, LiveStack, new_user, start_stack
from tests.integration.coupa_stack import COUPA, CoupaStack, coupa_user, start_coupa_stack

LIST_SCHEMA = "urn:ietf:params:scim:api:messages:2.0:ListResponse"
ATTRIBUTE_TYPES = {
    "string",
    "boolean",
    "decimal",
    "integer",
    "dateTime",
    "reference",
    "complex",
    "binary",
}
MUTABILITIES = {"readOnly", "readWrite", "immutable", "writeOnly"}
RETURNED = {"always", "never", "default", "request"}
UNIQUENESS = {"none", "server", "global"}


@dataclass
class Instance:
    """A live stack of one connector instance and how to seed and count on its target."""

    name: str
    stack: LiveStack
    recorder: CallRecorder
    user_ids: list[str]
    user_names: list[str]
    list_path: str
    """The target path whose GET is one user list call."""

    def calls(self, request: Callable[[], httpx.Response]) -> tuple[httpx.Response, list[str]]:
        """Run one SCIM request and return it with the target calls it made, as ``METHOD path``."""
        with self.recorder.window() as recorded:
            response = request()
        return response, [f"{method} {path}" for method, path in recorded]


SEEDED = 50


def _goto_instance(tmp_path: Path) -> Instance:
    stack = start_stack(tmp_path, record_calls=True)
    emails = [f"oim{index:03d}@example.com" for index in range(SEEDED)]
    body = {
        "users": [{"email": email, "firstName": "Oim", "lastName": "User"} for email in emails],
        "licenseKeys": [SANDBOX_LICENSE_KEY],
        "suppressEmail": True,
    }
    response = stack.target.post(
        stack.target_path("/users"), params={"allOrNothing": "true"}, json=body
    )
    response.raise_for_status()
    keys = [str(binding["key"]) for binding in response.json()]
    assert stack.recorder is not None
    return Instance("gotomeeting", stack, stack.recorder, keys, emails, stack.target_path("/users"))


def _coupa_instance(tmp_path: Path) -> Instance:
    stack = start_coupa_stack(tmp_path, record_calls=True)
    logins = [f"oim{index:03d}" for index in range(SEEDED)]
    ids = []
    for login in logins:
        body = {
            "login": login,
            "email": f"{login}@example.com",
            "firstname": "Oim",
            "lastname": "User",
        }
        ids.append(str(stack.target_post("/users", body)["id"]))
    assert stack.recorder is not None
    return Instance("coupa", stack, stack.recorder, ids, logins, "/api/users")


@pytest.fixture(params=["gotomeeting", "coupa"])
def instance(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Instance]:
    """Each connector instance in turn, with 50 users seeded directly on its target."""
    start = _goto_instance if request.param == "gotomeeting" else _coupa_instance
    running = start(tmp_path)
    yield running
    running.stack.close()


# Discovery ------------------------------------------------------------------


def _check_list_response(body: dict[str, Any]) -> list[dict[str, Any]]:
    assert body["schemas"] == [LIST_SCHEMA]
    resources: list[dict[str, Any]] = body["Resources"]
    assert body["totalResults"] == len(resources)
    assert body["itemsPerPage"] == len(resources)
    assert body["startIndex"] == 1
    return resources


def _check_meta(resource: dict[str, Any], resource_type: str, location_end: str) -> None:
    meta = resource["meta"]
    assert meta["resourceType"] == resource_type
    assert meta["location"].startswith("http://127.0.0.1:")
    assert meta["location"].endswith(location_end), meta["location"]


def _attribute_problems(attribute: dict[str, Any], where: str) -> list[str]:
    """Return what the wizard would miss in one attribute definition and its sub-attributes."""
    name = f"{where}{attribute.get('name')}"
    problems = []
    checks = {
        "type": attribute.get("type") in ATTRIBUTE_TYPES,
        "multiValued": isinstance(attribute.get("multiValued"), bool),
        "required": isinstance(attribute.get("required"), bool),
        "caseExact": isinstance(attribute.get("caseExact"), bool),
        "mutability": attribute.get("mutability") in MUTABILITIES,
        "returned": attribute.get("returned") in RETURNED,
        "uniqueness": attribute.get("uniqueness") in UNIQUENESS,
        "description": isinstance(attribute.get("description"), str),
    }
    problems.extend(f"{name}: {key}" for key, ok in checks.items() if not ok)

    if attribute.get("type") == "reference" and not attribute.get("referenceTypes"):
        problems.append(f"{name}: referenceTypes")
    if attribute.get("type") == "complex":
        subs = attribute.get("subAttributes")
        if not subs:
            problems.append(f"{name}: subAttributes")
        for sub in subs or []:
            problems.extend(_attribute_problems(sub, f"{name}."))
    return problems


def test_discovery_service_provider_config(instance: Instance) -> None:
    response = instance.stack.scim.get("/ServiceProviderConfig")

    assert response.status_code == 200
    config = response.json()
    assert config["schemas"] == ["urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig"]
    for feature in ("patch", "bulk", "filter", "changePassword", "sort", "etag"):
        assert isinstance(config[feature]["supported"], bool), feature
    assert isinstance(config["filter"]["maxResults"], int)
    assert config["authenticationSchemes"]
    _check_meta(config, "ServiceProviderConfig", "/ServiceProviderConfig")


def test_discovery_wizard_walk(instance: Instance) -> None:
    scim = instance.stack.scim
    types = _check_list_response(scim.get("/ResourceTypes").json())
    schemas = _check_list_response(scim.get("/Schemas").json())
    schema_ids = {schema["id"] for schema in schemas}

    for rtype in types:
        _check_meta(rtype, "ResourceType", f"/ResourceTypes/{rtype['id']}")
        assert scim.get(f"/ResourceTypes/{rtype['id']}").json() == rtype
        named = [rtype["schema"]] + [ext["schema"] for ext in rtype.get("schemaExtensions", [])]
        assert set(named) <= schema_ids, (rtype["id"], named)
        listed = scim.get(rtype["endpoint"], params={"count": 1})
        assert listed.status_code == 200, (rtype["endpoint"], listed.text)

    problems = []
    for schema in schemas:
        _check_meta(schema, "Schema", f"/Schemas/{schema['id']}")
        assert scim.get(f"/Schemas/{schema['id']}").json() == schema
        assert schema["attributes"], schema["id"]
        for attribute in schema["attributes"]:
            problems.extend(_attribute_problems(attribute, f"{schema['id']}:"))
    assert problems == []


# Paging ---------------------------------------------------------------------


def _endpoints(instance: Instance) -> list[str]:
    types = instance.stack.scim.get("/ResourceTypes").json()["Resources"]
    return [rtype["endpoint"] for rtype in types]


def _walk(scim: httpx.Client, endpoint: str, count: int) -> tuple[list[str], set[int]]:
    """Page through ``endpoint`` as a full sync does; return the ids and every totalResults."""
    ids: list[str] = []
    totals: set[int] = set()
    start = 1
    while True:
        body = scim.get(endpoint, params={"startIndex": start, "count": count}).json()
        total, per_page = body["totalResults"], body["itemsPerPage"]
        assert type(total) is int
        assert type(per_page) is int
        assert type(body["startIndex"]) is int
        assert body["startIndex"] == start
        assert per_page == len(body["Resources"]) == min(count, max(total - start + 1, 0))
        totals.add(total)
        ids.extend(resource["id"] for resource in body["Resources"])
        start += count
        if start > total:
            return ids, totals


@pytest.mark.parametrize("count", [1, 7, 100])
def test_paging_every_resource_type(instance: Instance, count: int) -> None:
    scim = instance.stack.scim
    for endpoint in _endpoints(instance):
        everything = scim.get(endpoint, params={"count": 1000}).json()
        expected = [resource["id"] for resource in everything["Resources"]]
        assert everything["totalResults"] == len(expected)

        ids, totals = _walk(scim, endpoint, count)

        assert totals == {len(expected)}, endpoint
        assert len(ids) == len(set(ids)), f"{endpoint}: duplicates"
        assert ids == expected, f"{endpoint}: order or content differs"
    users = scim.get("/Users", params={"count": 1}).json()["totalResults"]
    assert users >= SEEDED


# OR-batched lookups ----------------------------------------------------------


def _or(attribute: str, values: list[str], *, parentheses: bool) -> str:
    terms = [f"{attribute} eq {json.dumps(value)}" for value in values]
    return " or ".join(f"({term})" if parentheses else term for term in terms)


def _lookup(instance: Instance, expression: str) -> tuple[httpx.Response, list[str]]:
    return instance.calls(lambda: instance.stack.scim.get("/Users", params={"filter": expression}))


@pytest.mark.parametrize("size", [1, 2, 10, 50])
@pytest.mark.parametrize("parentheses", [False, True])
def test_or_ids_one_call(instance: Instance, size: int, parentheses: bool) -> None:
    expected = instance.user_ids[:size]

    response, calls = _lookup(instance, _or("id", expected, parentheses=parentheses))

    assert response.status_code == 200, response.text
    body = response.json()
    assert body["totalResults"] == size
    assert sorted(resource["id"] for resource in body["Resources"]) == sorted(expected)
    assert calls == [f"GET {instance.list_path}"]


def test_or_ids_target_query(instance: Instance) -> None:
    expected = instance.user_ids[:3]
    first = len(instance.recorder.queries)

    _lookup(instance, _or("id", expected, parentheses=True))

    query = unquote(instance.recorder.queries[first])
    if instance.name == "gotomeeting":
        assert " or ".join(f'key eq "{key}"' for key in expected) in query
        assert "pageSize=3" in query
    else:
        assert f"id[in]={','.join(expected)}" in query
        assert "limit=3" in query


def test_or_ids_unknown_and_malformed(instance: Instance) -> None:
    expected = instance.user_ids[:3]
    values = [*expected, "999999999", "not-a-key", 'quote"inside']

    response, calls = _lookup(instance, _or("id", values, parentheses=True))

    assert response.status_code == 200, response.text
    assert sorted(r["id"] for r in response.json()["Resources"]) == sorted(expected)
    assert calls == [f"GET {instance.list_path}"]


def test_or_ids_all_malformed(instance: Instance) -> None:
    response, calls = _lookup(instance, _or("id", ["abc", "x-1"], parentheses=False))

    assert response.status_code == 200, response.text
    assert response.json()["totalResults"] == 0
    # Coupa ids are integers, so the gateway can tell that these match nothing.
    # GoTo keys are opaque and go to the target.
    expected = [f"GET {instance.list_path}"] if instance.name == "gotomeeting" else []
    assert calls == expected


def test_or_ids_nested_groups(instance: Instance) -> None:
    a, b, c = instance.user_ids[:3]
    expression = f'((id eq "{a}") or (id eq "{b}")) or (id eq "{c}")'

    response, calls = _lookup(instance, expression)

    assert sorted(r["id"] for r in response.json()["Resources"]) == sorted([a, b, c])
    assert calls == [f"GET {instance.list_path}"]


def test_or_ids_paged(instance: Instance) -> None:
    expected = instance.user_ids[:10]
    expression = _or("id", expected, parentheses=True)

    pages = []
    for start in (1, 5, 9):
        response, calls = instance.calls(
            lambda start=start: instance.stack.scim.get(
                "/Users", params={"filter": expression, "startIndex": start, "count": 4}
            )
        )
        body = response.json()
        assert body["totalResults"] == 10
        assert calls == [f"GET {instance.list_path}"]
        pages.extend(resource["id"] for resource in body["Resources"])
    assert sorted(pages) == sorted(expected)


def test_or_ids_all_unknown(instance: Instance) -> None:
    response, calls = _lookup(instance, _or("id", ["888888888", "999999999"], parentheses=True))

    assert response.status_code == 200
    assert response.json()["totalResults"] == 0
    assert calls == [f"GET {instance.list_path}"]


@pytest.mark.parametrize("size", [1, 10, 49])
def test_or_user_names_one_call(instance: Instance, size: int) -> None:
    expected = instance.user_names[:size]
    values = [name.upper() if index % 2 else name for index, name in enumerate(expected)]

    response, calls = _lookup(instance, _or("userName", [*values, "nobody"], parentheses=True))

    assert response.status_code == 200, response.text
    body = response.json()
    assert body["totalResults"] == size
    assert sorted(r["userName"] for r in body["Resources"]) == sorted(expected)
    assert calls == [f"GET {instance.list_path}"]


def test_or_external_ids(instance: Instance) -> None:
    ids = instance.user_ids[:3]
    for index, user_id in enumerate(ids):
        patched = instance.stack.patch(
            f"/Users/{user_id}", {"op": "add", "path": "externalId", "value": f"oim-{index}"}
        )
        assert patched.status_code == 200, patched.text
    values = ["oim-0", "oim-1", "oim-2", "oim-unknown"]

    response, calls = _lookup(instance, _or("externalId", values, parentheses=True))

    assert sorted(r["id"] for r in response.json()["Resources"]) == sorted(ids)
    assert sorted(r["externalId"] for r in response.json()["Resources"]) == values[:3]
    assert calls == [f"GET {instance.list_path}"]


# User-centric membership ------------------------------------------------------


def test_coupa_put_writes_memberships(tmp_path: Path) -> None:
    stack: CoupaStack = start_coupa_stack(tmp_path)
    try:
        created = stack.create_user(
            1,
            roles=[{"value": "4"}],
            groups=[{"value": "1"}],
            **{COUPA: {"userGroups": [{"value": "2"}], "accountGroups": [{"value": "1"}]}},
        )
        user_id = created["id"]
        current = stack.scim.get(f"/Users/{user_id}").json()

        current["roles"] = [{"value": "5"}, {"value": "6"}]
        current["groups"] = [{"value": "2"}, {"value": "3"}]
        current[COUPA]["userGroups"] = [{"value": "1"}]
        current[COUPA]["accountGroups"] = [{"value": "2"}, {"value": "3"}]
        replaced = stack.scim.put(f"/Users/{user_id}", json=current)
        assert replaced.status_code == 200, replaced.text

        target = stack.target_user(user_id)
        assert sorted(item["id"] for item in target["roles"]) == [5, 6]
        assert sorted(item["id"] for item in target["content-groups"]) == [2, 3]
        assert sorted(item["id"] for item in target["user-groups"]) == [1]
        assert sorted(item["id"] for item in target["account-groups"]) == [2, 3]

        without_lists = coupa_user(1)
        replaced = stack.scim.put(f"/Users/{user_id}", json=without_lists)
        assert replaced.status_code == 200, replaced.text
        after = stack.target_user(user_id)
        for field in ("roles", "content-groups", "user-groups", "account-groups"):
            assert after[field] == target[field], field
    finally:
        stack.close()


def test_goto_put_groups_read_only(tmp_path: Path) -> None:
    stack = start_stack(tmp_path)
    try:
        user = stack.create_user(1)
        group = stack.create_group("Sales", [user["id"]])
        other = stack.create_group("Support")
        current = stack.scim.get(f"/Users/{user['id']}").json()
        assert [entry["value"] for entry in current["groups"]] == [group["id"]]

        current["groups"] = [{"value": other["id"]}]
        replaced = stack.scim.put(f"/Users/{user['id']}", json=current)
        assert replaced.status_code == 200, replaced.text
        assert stack.target_user(user["id"])["groupKey"] == group["id"]

        without_groups = new_user(1)
        replaced = stack.scim.put(f"/Users/{user['id']}", json=without_groups)
        assert replaced.status_code == 200, replaced.text
        assert stack.target_user(user["id"])["groupKey"] == group["id"]
        assert [entry["value"] for entry in replaced.json()["groups"]] == [group["id"]]
    finally:
        stack.close()
