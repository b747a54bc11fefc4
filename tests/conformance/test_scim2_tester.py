"""The third-party conformance checker scim2-tester, run over HTTP against the live gateway.

scim2-tester fills ``userName`` with a random UUID. GoToMeeting logs users in
by email and rejects a userName that is not an email address, so the run that
must pass every check uses an emulator with its email format check turned off.
A second run, with the check on as on the real service, proves that the
rejected creations are the only checks that fail, and why.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx2
import pytest
from scim2_client.engines.httpx2 import SyncSCIMClient
from scim2_tester import CheckResult, Status, check_server

from scimbridge.emulators.gotomeeting import EmulatorSettings
from tests.integration.conftest import TOKEN, Stack, start_stack

RESOURCE_TYPES = ["User", "Group"]


def run_checks(stack: Stack) -> list[CheckResult]:
    client = httpx2.Client(
        base_url=stack.scim_base, headers={"Authorization": f"Bearer {TOKEN}"}, timeout=30
    )
    with client:
        return check_server(SyncSCIMClient(client), resource_types=RESOURCE_TYPES)


def describe(results: list[CheckResult]) -> str:
    return "\n".join(
        f"{result.status.name} {result.title}: {result.reason}"
        for result in results
        if result.status != Status.SUCCESS
    )


def lenient_email(settings: EmulatorSettings) -> None:
    settings.check_email_format = False


@pytest.fixture
def lenient_stack(tmp_path: Path) -> Iterator[Stack]:
    stack = start_stack(tmp_path, emulator_settings=lenient_email)
    yield stack
    stack.close()


# Checks the target makes impossible, by (check title, attribute): GoTo has no
# user without a status, so "remove active" is refused with 400 invalidValue.
TARGET_LIMITS = {("check_remove_attribute", "active")}


def test_scim2_tester_passes_every_check(lenient_stack: Stack) -> None:
    results = run_checks(lenient_stack)

    failures = [result for result in results if result.status != Status.SUCCESS]
    unexpected = [
        failure
        for failure in failures
        if (failure.title, (failure.data or {}).get("urn")) not in TARGET_LIMITS
    ]
    assert len(results) > 40, "scim2-tester ran fewer checks than expected"
    assert unexpected == [], describe(unexpected)
    for failure in failures:
        assert "cannot be removed" in str(failure.reason), describe([failure])


@pytest.fixture
def faithful_stack(tmp_path: Path) -> Iterator[Stack]:
    stack = start_stack(tmp_path)
    yield stack
    stack.close()


def test_scim2_tester_only_fails_on_email_login(faithful_stack: Stack) -> None:
    results = run_checks(faithful_stack)

    failures = [result for result in results if result.status != Status.SUCCESS]
    assert failures, "with the email check on, the UUID userName creations should fail"
    for failure in failures:
        assert "userName must be an email address" in str(failure.reason), describe([failure])
