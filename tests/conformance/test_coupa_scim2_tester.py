"""scim2-tester over HTTP against the live coupa instance.

scim2-tester fills every writable attribute with a generated value, or with
one of the attribute's canonical values when it publishes some. The gateway
publishes Coupa's currencies, charts of accounts, approval limits, roles and
groups as canonical values, so most generated users are valid Coupa users.
The checks that still fail do so for reasons the target or the mapping
imposes, each listed in ``TARGET_LIMITS`` and in the README:

- Coupa allows no create of content groups, roles, user groups and account
  groups through this API, and every check on those types starts by
  creating one.
- A default account must be an existing account of the user's chart of
  accounts. A generated account code or segment never is, so every check
  that creates a user with all attributes filled fails on it.
- A user's groups, roles and other membership lists are returned with the
  ``display`` name of each entry (the mapping requires it), so a PATCH that
  sends bare ids reads back with names added, which scim2-tester counts as
  a different value.
- accountSecurityType is 0, 1 or 2, and is set by the gateway whenever the
  user has a chart of accounts; businessGroupSecurityType is 0 or 1. A
  generated integer is neither.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import httpx2
import pytest
from scim2_client.engines.httpx2 import SyncSCIMClient
from scim2_tester import CheckResult, Status, check_server

from tests.integration.conftest import TOKEN
from tests.integration.coupa_stack import COUPA, CoupaStack, start_coupa_stack

DEFAULT_ACCOUNT = {
    COUPA,
    f"{COUPA}:defaultAccountCode",
    f"{COUPA}:defaultAccountCodeSegment1",
    f"{COUPA}:defaultAccountCodeSegment2",
}
MEMBERSHIP_LISTS = {
    "groups",
    "roles",
    f"{COUPA}:accountGroups",
    f"{COUPA}:approvalGroups",
    f"{COUPA}:userGroups",
}
SECURITY_TYPES = {f"{COUPA}:accountSecurityType", f"{COUPA}:businessGroupSecurityType"}


def _no_group_create(result: CheckResult) -> bool:
    return "cannot be created through this connector" in str(result.reason)


def _default_account(result: CheckResult) -> bool:
    urn = (result.data or {}).get("urn")
    reason = str(result.reason)
    return (urn is None or urn in DEFAULT_ACCOUNT) and "no account with" in reason


def _membership_display(result: CheckResult) -> bool:
    urn = (result.data or {}).get("urn")
    return urn in MEMBERSHIP_LISTS and "returned unexpected value" in str(result.reason)


def _security_type(result: CheckResult) -> bool:
    urn = (result.data or {}).get("urn")
    reason = str(result.reason)
    return urn in SECURITY_TYPES and (
        "returned unexpected value" in reason or "must be one of" in reason
    )


TARGET_LIMITS: dict[str, Callable[[CheckResult], bool]] = {
    "no create of group-like records": _no_group_create,
    "default account outside the chart": _default_account,
    "display names on membership lists": _membership_display,
    "security type enumerations": _security_type,
}


def explain(result: CheckResult) -> str | None:
    """Name the target limit a failed check is due to, or None for an unexpected failure."""
    for name, matches in TARGET_LIMITS.items():
        if matches(result):
            return name
    return None


def describe(results: list[CheckResult]) -> str:
    return "\n".join(f"{r.status.name} {r.title} {r.data}: {r.reason}" for r in results)


@pytest.fixture
def stack(tmp_path: Path) -> Iterator[CoupaStack]:
    running = start_coupa_stack(tmp_path)
    yield running
    running.close()


def test_scim2_tester_fails_only_on_target_limits(stack: CoupaStack) -> None:
    client = httpx2.Client(
        base_url=stack.scim_base, headers={"Authorization": f"Bearer {TOKEN}"}, timeout=60
    )
    with client:
        results = check_server(SyncSCIMClient(client))

    passed = [result for result in results if result.status == Status.SUCCESS]
    failures = [result for result in results if result.status != Status.SUCCESS]
    unexpected = [result for result in failures if explain(result) is None]
    assert len(results) > 150, "scim2-tester ran fewer checks than expected"
    assert len(passed) > 100, describe(failures)
    assert unexpected == [], describe(unexpected)
