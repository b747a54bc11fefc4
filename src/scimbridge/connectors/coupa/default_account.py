"""The user's default account, which Coupa takes only in a request of its own.

Coupa resolves a default account, given by code or by segments, within the
chart of accounts the user has before the request. A write that sets the
chart and the account together therefore sends the account in a second
request. Before anything is written, the account is looked up in the chart
the user will have, so a code or segments that name no account are rejected
with 400 and the first request is not sent either.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from scimbridge.connectors.coupa.client import CoupaClient
from scimbridge.errors import InvalidValue

SEGMENTS = ("segment-1", "segment-2")


def take_default_account(
    changes: dict[str, Any], baseline: Mapping[str, Any]
) -> dict[str, Any] | None:
    """Remove the default account from the first request and return what the second sends.

    Returns None when the account does not change, ``{}`` to clear it, or
    the account by ``code`` (when the code changed, or no segment is given)
    or else by the segments given.
    """
    wanted = changes.pop("default-account", None)
    if not isinstance(wanted, dict):
        return None
    if all(value is None for value in wanted.values()):
        return {} if _any_value(baseline.get("default-account")) else None

    before = baseline.get("default-account") or {}
    code = wanted.get("code")
    segments = {name: wanted[name] for name in SEGMENTS if wanted.get(name) is not None}
    if code is not None and (code != before.get("code") or not segments):
        return {"code": code}
    return segments


async def check_default_account(
    client: CoupaClient, account: Mapping[str, Any], user: Mapping[str, Any]
) -> None:
    """Check that ``account`` names exactly one account of the user's chart of accounts.

    ``user`` contains the user's fields as they will be after the first request.
    """
    chart = user.get("default-account-type")
    chart_name = chart.get("name") if isinstance(chart, Mapping) else None
    described = _describe(account)
    if not chart_name:
        raise InvalidValue(
            f"the default account {described} needs a chart of accounts; set "
            "defaultChartOfAccountsName in the same request or before"
        )

    params = {"account-type[name]": str(chart_name)}
    params.update({name: str(value) for name, value in account.items()})
    matches = await client.index("accounts", params, limit=2, fields=["id"])
    if not matches:
        raise InvalidValue(
            f"no account {described} exists in the chart of accounts {chart_name!r}; use the "
            "code or segments of an account of that chart"
        )
    if len(matches) > 1:
        raise InvalidValue(
            f"several accounts of the chart of accounts {chart_name!r} match {described}; "
            "give the full code or both segments"
        )


def _describe(account: Mapping[str, Any]) -> str:
    if "code" in account:
        return f"with code {account['code']!r}"
    return "with " + " and ".join(f"{name} {value!r}" for name, value in account.items())


def _any_value(account: Any) -> bool:
    return isinstance(account, Mapping) and any(value is not None for value in account.values())
