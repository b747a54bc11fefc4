"""How a Coupa instance signs in to Coupa: OAuth2 scopes, bad credentials, legacy API key."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from scimbridge.emulators.coupa import CoupaEmulatorSettings
from scimbridge.emulators.coupa.settings import SANDBOX_API_KEY
from tests.integration.conftest import assert_scim_error
from tests.integration.coupa_stack import COUPA, CoupaStack, coupa_user, start_coupa_stack


def _keys_enabled(settings: CoupaEmulatorSettings) -> None:
    settings.api_key_enabled = True


@pytest.fixture
def api_key_stack(tmp_path: Path) -> Iterator[CoupaStack]:
    # The client secret is wrong, so the instance can only work through the API key.
    running = start_coupa_stack(
        tmp_path,
        emulator_settings=_keys_enabled,
        overrides={
            "instances.coupa.api_key": SANDBOX_API_KEY,
            "instances.coupa.client_secret": "not-the-secret",
        },
    )
    yield running
    running.close()


def test_api_key_instance_reads_and_writes(api_key_stack: CoupaStack) -> None:
    created = api_key_stack.create_user(1)

    listed = api_key_stack.scim.get("/Users", params={"filter": 'userName eq "user1"'})

    assert listed.status_code == 200, listed.text
    assert listed.json()["totalResults"] == 1
    assert listed.json()["Resources"][0]["id"] == created["id"]


@pytest.fixture
def read_only_stack(tmp_path: Path) -> Iterator[CoupaStack]:
    running = start_coupa_stack(tmp_path, overrides={"instances.coupa.scopes": ["core.user.read"]})
    yield running
    running.close()


def test_missing_scope_names_scope(read_only_stack: CoupaStack) -> None:
    listed = read_only_stack.scim.get("/Users")
    created = read_only_stack.scim.post("/Users", json=coupa_user(1))

    assert listed.status_code == 200, listed.text
    detail = assert_scim_error(created, 502)
    assert "core.user.write" in detail


def test_catalog_skipped_without_scope(read_only_stack: CoupaStack) -> None:
    schema = read_only_stack.scim.get(f"/Schemas/{COUPA}").json()

    currency = next(a for a in schema["attributes"] if a["name"] == "defaultCurrency")

    assert "canonicalValues" not in currency


def test_catalog_published_as_suggestions(coupa: CoupaStack) -> None:
    schema = coupa.scim.get(f"/Schemas/{COUPA}").json()
    attributes = {attribute["name"]: attribute for attribute in schema["attributes"]}

    assert attributes["defaultCurrency"]["canonicalValues"] == ["USD", "EUR", "GBP"]
    assert attributes["defaultChartOfAccountsName"]["canonicalValues"] == [
        "US Chart",
        "EU Chart",
    ]
    assert "1000.00 USD" in attributes["invoiceApprovalLimit"]["canonicalValues"]
    approval = next(
        sub for sub in attributes["approvalGroups"]["subAttributes"] if sub["name"] == "value"
    )
    assert approval["canonicalValues"] == ["1", "3"]


@pytest.fixture
def bad_secret_stack(tmp_path: Path) -> Iterator[CoupaStack]:
    running = start_coupa_stack(
        tmp_path, overrides={"instances.coupa.client_secret": "not-the-secret"}
    )
    yield running
    running.close()


def test_bad_secret_is_502_without_secret(bad_secret_stack: CoupaStack) -> None:
    response = bad_secret_stack.scim.get("/Users")

    detail = assert_scim_error(response, 502)
    assert "client" in detail
    assert "not-the-secret" not in response.text
