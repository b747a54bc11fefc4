"""State kept in a SQLite file across two emulator instances, one after the other."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import httpx

from scimbridge.emulators.gotomeeting import EmulatorSettings
from scimbridge.emulators.gotomeeting.settings import SANDBOX_ACCOUNT_KEY, SANDBOX_LICENSE_KEY

from .conftest import StartEmulator, pat_token
from .helpers import HTTP, create_group, create_user, local_client


def account_client(base_url: str, access_token: str) -> httpx.Client:
    return local_client(
        base_url=f"{base_url}/admin/rest/v1/accounts/{SANDBOX_ACCOUNT_KEY}",
        headers={"Authorization": f"Bearer {access_token}"},
    )


def test_state_survives_restart(
    start_emulator: StartEmulator, settings: EmulatorSettings, tmp_path: Path
) -> None:
    file_settings = replace(settings, state_path=tmp_path / "gotomeeting.db")
    first = start_emulator(file_settings)
    access_token = pat_token(first.base_url)
    with account_client(first.base_url, access_token) as api:
        kept_key = create_user(api, "kept@example.com")
        deleted = create_user(api, "gone@example.com")
        group_key = create_group(api, "Sales")
        api.put(f"/groups/{group_key}/users/{kept_key}")
        api.delete(f"/users/{deleted}")
    first.stop()

    second = start_emulator(file_settings)
    with account_client(second.base_url, access_token) as api:
        user = api.get(f"/users/{kept_key}").json()
        group = api.get(f"/groups/{group_key}").json()
        listing = api.get("/users").json()
        license_record = api.get("/licenses").json()["results"][0]
        recreated = create_user(api, "gone@example.com")

    assert user["groupKey"] == group_key
    assert user["licenseKeys"] == [SANDBOX_LICENSE_KEY]
    assert group["userKeys"] == [kept_key]
    assert listing["total"] == 2
    assert license_record["userKeys"] == [kept_key]
    assert recreated == deleted


def test_admin_seeded_once(
    start_emulator: StartEmulator, settings: EmulatorSettings, tmp_path: Path
) -> None:
    file_settings = replace(settings, state_path=tmp_path / "gotomeeting.db")
    first = start_emulator(file_settings)
    admin_key = HTTP.get(
        first.base_url + "/admin/rest/v1/me",
        headers={"Authorization": f"Bearer {pat_token(first.base_url)}"},
    ).json()["key"]
    first.stop()

    second = start_emulator(file_settings)
    with account_client(second.base_url, pat_token(second.base_url)) as api:
        users = api.get("/users").json()

    assert users["total"] == 1
    assert users["results"][0]["key"] == admin_key


def test_memory_state_is_fresh(start_emulator: StartEmulator, settings: EmulatorSettings) -> None:
    first = start_emulator(settings)
    with account_client(first.base_url, pat_token(first.base_url)) as api:
        create_user(api, "ann@example.com")
    first.stop()

    second = start_emulator(settings)
    with account_client(second.base_url, pat_token(second.base_url)) as api:
        total = api.get("/users").json()["total"]

    assert total == 1
