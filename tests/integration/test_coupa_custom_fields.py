"""Custom attributes of the Coupa connector, declared in both forms, over HTTP against the emulator.

Every type is declared once in the ``name|type;`` string form (stored in
``custom-fields.<name>``) and once in the structured form (stored in the
field its ``target`` names). Each is published in /Schemas, round-trips
through POST, GET, PATCH and PUT, is read after a change made on Coupa
directly, and rejects a value of the wrong type. A bad declaration stops the
gateway from starting.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from starlette.types import ASGIApp

from scimbridge.emulators.coupa import CoupaEmulatorSettings
from scimbridge.emulators.coupa import create_app as create_coupa_emulator
from scimbridge.errors import ConfigurationError
from scimbridge.runtime import build_runtime
from scimbridge.settings import load_settings
from tests.integration.conftest import TOKEN, assert_scim_error
from tests.integration.coupa_stack import COUPA, CoupaStack, coupa_user, start_coupa_stack
from tests.support.servers import serve_in_thread


@dataclass(frozen=True)
class TypeCase:
    """One declared type, with the values of every step in SCIM and in Coupa.

    POST sends ``first`` and PATCH ``second``. Coupa stores ``coupa_first``
    and ``coupa_second``, and SCIM returns ``second_read`` after the PATCH.
    ``coupa_raw`` set on Coupa directly reads as ``raw_read``. ``wrong`` is a
    value of another type.
    """

    type: str
    scim_type: str
    name: str
    structured_target: str
    first: Any
    coupa_first: Any
    second: Any
    coupa_second: Any
    second_read: Any
    coupa_raw: Any
    raw_read: Any
    wrong: Any


TYPE_CASES = (
    TypeCase(
        "string",
        "string",
        "costCenterCode",
        "custom-fields.cost-center-code",
        "CC-1001",
        "CC-1001",
        "CC-2002",
        "CC-2002",
        "CC-2002",
        "CC-3003",
        "CC-3003",
        wrong=True,
    ),
    TypeCase(
        "boolean",
        "boolean",
        "remoteWorker",
        "custom-fields.remote-worker",
        True,
        True,
        False,
        False,
        False,
        False,
        False,
        wrong="maybe",
    ),
    TypeCase(
        "integer",
        "integer",
        "badgeNumber",
        "custom-fields.badge-number",
        42,
        42,
        43,
        43,
        43,
        "77",
        77,
        wrong=4.5,
    ),
    TypeCase(
        "decimal",
        "decimal",
        "hourlyRate",
        "custom-fields.hourly-rate",
        12.5,
        "12.5",
        13.75,
        "13.75",
        13.75,
        "99.90",
        99.9,
        wrong="cheap",
    ),
    TypeCase(
        "datetime",
        "dateTime",
        "hireDate",
        "custom-fields.hire-date",
        "2026-01-31T12:00:00Z",
        "2026-01-31T12:00:00Z",
        "2026-02-01T09:30:00+01:00",
        "2026-02-01T08:30:00Z",
        "2026-02-01T08:30:00Z",
        "2026-03-01T08:00:00-08:00",
        "2026-03-01T16:00:00Z",
        wrong="2026-01-31T12:00:00",
    ),
    TypeCase(
        "binary",
        "binary",
        "badgePhoto",
        "custom-fields.badge-photo",
        "aGVsbG8=",
        "aGVsbG8=",
        "d29ybGQ",
        "d29ybGQ=",
        "d29ybGQ=",
        "Zm9v",
        "Zm9v",
        wrong="not base64!",
    ),
)

CUSTOM_PROPERTIES = "".join(f"{case.name}|{case.type};" for case in TYPE_CASES)
CUSTOM_ATTRIBUTES = [
    {"name": case.name, "type": case.type, "target": case.structured_target} for case in TYPE_CASES
]

FORMS = {
    "properties": {"instances.coupa.custom_properties": CUSTOM_PROPERTIES},
    "structured": {"instances.coupa.custom_attributes": CUSTOM_ATTRIBUTES},
}


@dataclass
class CustomStack:
    """A Coupa stack whose instance declares every custom attribute type in one form."""

    stack: CoupaStack
    form: str

    def coupa_key(self, case: TypeCase) -> str:
        """Return the key of the attribute under Coupa's ``custom-fields``."""
        if self.form == "structured":
            return case.structured_target.removeprefix("custom-fields.")
        return case.name

    def coupa_custom(self, user_id: str) -> dict[str, Any]:
        fields: dict[str, Any] = self.stack.target_user(user_id)["custom-fields"]
        return fields


@pytest.fixture(params=sorted(FORMS))
def custom(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[CustomStack]:
    running = start_coupa_stack(tmp_path, overrides=FORMS[request.param])
    yield CustomStack(running, request.param)
    running.close()


def _body(case: TypeCase, value: Any, index: int = 1) -> dict[str, Any]:
    body = coupa_user(index, **{COUPA: {case.name: value}})
    body["schemas"].append(COUPA)
    return body


def _scim_value(resource: dict[str, Any], case: TypeCase) -> Any:
    return resource.get(COUPA, {}).get(case.name)


def _create(custom: CustomStack, case: TypeCase) -> dict[str, Any]:
    response = custom.stack.scim.post("/Users", json=_body(case, case.first))
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


CASE_IDS = [case.type for case in TYPE_CASES]


def test_schema_lists_custom_attributes(custom: CustomStack) -> None:
    response = custom.stack.scim.get(f"/Schemas/{COUPA}")

    assert response.status_code == 200, response.text
    attributes = {item["name"]: item for item in response.json()["attributes"]}
    for case in TYPE_CASES:
        published = attributes[case.name]
        assert published["type"] == case.scim_type, case.name
        assert published["mutability"] == "readWrite", case.name
        assert published["multiValued"] is False, case.name
        assert published["returned"] == "default", case.name
    assert attributes["badgePhoto"]["caseExact"] is True


@pytest.mark.parametrize("case", TYPE_CASES, ids=CASE_IDS)
def test_custom_written_by_post(custom: CustomStack, case: TypeCase) -> None:
    created = _create(custom, case)

    assert _scim_value(created, case) == case.first
    assert custom.coupa_custom(created["id"])[custom.coupa_key(case)] == case.coupa_first
    fetched = custom.stack.scim.get(f"/Users/{created['id']}").json()
    assert _scim_value(fetched, case) == case.first


@pytest.mark.parametrize("case", TYPE_CASES, ids=CASE_IDS)
def test_custom_written_by_patch(custom: CustomStack, case: TypeCase) -> None:
    created = _create(custom, case)

    patched = custom.stack.patch(
        f"/Users/{created['id']}",
        {"op": "replace", "path": f"{COUPA}:{case.name}", "value": case.second},
    )

    assert patched.status_code == 200, patched.text
    assert _scim_value(patched.json(), case) == case.second_read
    assert custom.coupa_custom(created["id"])[custom.coupa_key(case)] == case.coupa_second
    fetched = custom.stack.scim.get(f"/Users/{created['id']}").json()
    assert _scim_value(fetched, case) == case.second_read


@pytest.mark.parametrize("case", TYPE_CASES, ids=CASE_IDS)
def test_custom_written_by_put(custom: CustomStack, case: TypeCase) -> None:
    created = _create(custom, case)
    path = f"/Users/{created['id']}"

    replaced = custom.stack.scim.put(path, json=_body(case, case.second))

    assert replaced.status_code == 200, replaced.text
    assert custom.coupa_custom(created["id"])[custom.coupa_key(case)] == case.coupa_second

    cleared = custom.stack.scim.put(path, json=coupa_user(1))

    assert cleared.status_code == 200, cleared.text
    assert _scim_value(cleared.json(), case) is None
    assert custom.coupa_custom(created["id"]).get(custom.coupa_key(case)) is None


@pytest.mark.parametrize("case", TYPE_CASES, ids=CASE_IDS)
def test_custom_removed_by_patch(custom: CustomStack, case: TypeCase) -> None:
    created = _create(custom, case)

    removed = custom.stack.patch(
        f"/Users/{created['id']}", {"op": "remove", "path": f"{COUPA}:{case.name}"}
    )

    assert removed.status_code == 200, removed.text
    assert _scim_value(removed.json(), case) is None
    assert custom.coupa_custom(created["id"]).get(custom.coupa_key(case)) is None


@pytest.mark.parametrize("case", TYPE_CASES, ids=CASE_IDS)
def test_custom_read_after_coupa_change(custom: CustomStack, case: TypeCase) -> None:
    created = _create(custom, case)

    custom.stack.target_put(
        f"/users/{created['id']}", {"custom-fields": {custom.coupa_key(case): case.coupa_raw}}
    )

    fetched = custom.stack.scim.get(f"/Users/{created['id']}")
    assert fetched.status_code == 200, fetched.text
    assert _scim_value(fetched.json(), case) == case.raw_read


@pytest.mark.parametrize("case", TYPE_CASES, ids=CASE_IDS)
def test_wrong_type_rejected_on_post(custom: CustomStack, case: TypeCase) -> None:
    response = custom.stack.scim.post("/Users", json=_body(case, case.wrong))

    detail = assert_scim_error(response, 400, "invalidValue")
    assert case.name in detail
    assert custom.stack.target_get("/users", login="user1") == []


@pytest.mark.parametrize("case", TYPE_CASES, ids=CASE_IDS)
def test_wrong_type_rejected_on_patch(custom: CustomStack, case: TypeCase) -> None:
    created = _create(custom, case)
    before = custom.stack.target_user(created["id"])

    response = custom.stack.patch(
        f"/Users/{created['id']}",
        {"op": "replace", "path": f"{COUPA}:{case.name}", "value": case.wrong},
    )

    detail = assert_scim_error(response, 400, "invalidValue")
    assert case.name in detail
    assert custom.stack.target_user(created["id"]) == before


def test_both_forms_together(tmp_path: Path) -> None:
    overrides = {
        "instances.coupa.custom_properties": "costCenterCode|string;",
        "instances.coupa.custom_attributes": [
            {"name": "badgeNumber", "type": "integer", "target": "custom-fields.badge-number"}
        ],
    }
    stack = start_coupa_stack(tmp_path, overrides=overrides)
    try:
        body = coupa_user(1, **{COUPA: {"costCenterCode": "CC-7", "badgeNumber": 7}})
        body["schemas"].append(COUPA)

        created = stack.scim.post("/Users", json=body)

        assert created.status_code == 201, created.text
        fields = stack.target_user(created.json()["id"])["custom-fields"]
        assert fields["costCenterCode"] == "CC-7"
        assert fields["badge-number"] == 7
        schema = stack.scim.get(f"/Schemas/{COUPA}").json()
        types = {item["name"]: item["type"] for item in schema["attributes"]}
        assert types["costCenterCode"] == "string"
        assert types["badgeNumber"] == "integer"
    finally:
        stack.close()


# Declarations that stop the gateway from starting ---------------------------------------------


@pytest.fixture
def emulator_url(tmp_path: Path) -> Iterator[str]:
    """Serve a Coupa emulator alone, so a gateway being built can read its catalog."""
    config = CoupaEmulatorSettings.sandbox(state_path=tmp_path / "coupa-emulator.db")
    config.rate_limit_per_second = 0

    async def factory() -> Any:
        async def nothing() -> None:
            return None

        app: ASGIApp = create_coupa_emulator(config)
        return app, nothing

    emulator = serve_in_thread(factory)
    yield emulator.base_url
    emulator.stop()


def _start_gateway(tmp_path: Path, emulator_url: str, overrides: dict[str, Any]) -> None:
    """Load the settings and build a gateway with ``overrides``, then close it again."""
    settings = load_settings(
        environ={},
        overrides={
            "data_dir": str(tmp_path / "gateway"),
            "instances.coupa.target_url": emulator_url,
            "emulators.gotomeeting.enabled": False,
            "emulators.coupa.enabled": False,
            **overrides,
        },
    )

    async def build_and_close() -> None:
        runtime = await build_runtime(settings, token=TOKEN)
        await runtime.aclose()

    asyncio.run(build_and_close())


def startup_error(tmp_path: Path, emulator_url: str, overrides: dict[str, Any]) -> str:
    """Start a gateway with ``overrides``, expect ConfigurationError and return its message."""
    with pytest.raises(ConfigurationError) as caught:
        _start_gateway(tmp_path, emulator_url, overrides)
    return str(caught.value)


PROPERTIES = "instances.coupa.custom_properties"
STRUCTURED = "instances.coupa.custom_attributes"

BAD_DECLARATIONS = [
    pytest.param({PROPERTIES: "costCenterCode|string;hireDate;"}, ["hireDate"], id="no-type"),
    pytest.param({PROPERTIES: "hireDate|date;"}, ["hireDate|date", "date"], id="unknown-type"),
    pytest.param({PROPERTIES: "|string;"}, ["|string", "empty"], id="empty-name"),
    pytest.param({PROPERTIES: "1st-code|string;"}, ["1st-code"], id="invalid-name"),
    pytest.param(
        {PROPERTIES: "badgeNumber|integer;BadgeNumber|string;"},
        ["BadgeNumber", "twice"],
        id="duplicate-name",
    ),
    pytest.param(
        {STRUCTURED: [{"name": "cost center", "type": "string"}]},
        ["cost center"],
        id="structured-invalid-name",
    ),
    pytest.param(
        {STRUCTURED: [{"name": "hireDate", "type": "date"}]},
        ["custom_attributes", "type"],
        id="structured-unknown-type",
    ),
    pytest.param(
        {STRUCTURED: [{"name": "hireDate", "target": "custom fields/hire date"}]},
        ["hireDate", "custom fields/hire date"],
        id="structured-invalid-target",
    ),
    pytest.param(
        {
            PROPERTIES: "badgeNumber|integer;",
            STRUCTURED: [{"name": "badgeId", "target": "custom-fields.badgeNumber"}],
        },
        ["badgeNumber", "badgeId"],
        id="shared-field",
    ),
    pytest.param(
        {PROPERTIES: "mentionName|string;"},
        ["mentionName"],
        id="built-in-name",
    ),
]


@pytest.mark.parametrize(("overrides", "fragments"), BAD_DECLARATIONS)
def test_bad_declaration_stops_start(
    tmp_path: Path, emulator_url: str, overrides: dict[str, Any], fragments: list[str]
) -> None:
    message = startup_error(tmp_path, emulator_url, overrides)

    for fragment in fragments:
        assert fragment in message
