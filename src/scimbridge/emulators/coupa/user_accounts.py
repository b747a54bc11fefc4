"""Resolution of a user's ``default-account`` within the user's default chart of accounts.

The chart is the ``default-account-type`` stored before the request, so a client
sets the chart in one request and the account in a later one. An account is
named by ``id``, by ``code`` (``SF-100``) or by segments
(``{"segment-1": "SF", "segment-2": "100"}``). Code and segments are looked up in
that chart only.
"""

from __future__ import annotations

from typing import Any

from scimbridge.emulators.coupa import store as kinds
from scimbridge.emulators.coupa.inputs import INVALID, Validation, record_id
from scimbridge.emulators.coupa.references import unable_message
from scimbridge.emulators.coupa.render import account_code
from scimbridge.emulators.coupa.schemas import SEGMENTS
from scimbridge.emulators.coupa.store import Store
from scimbridge.emulators.state import Document

ACCOUNT_KEYS = ("id", "code", *SEGMENTS)
NO_CHART_MESSAGE = (
    "Default account must belong to the user's default chart of accounts, and the user has "
    "none stored yet. Set default-account-type in an earlier request."
)


def _other_chart_message(chart: Document) -> str:
    return f"Default account must belong to the user's default chart of accounts ({chart['name']})"


def resolve_default_account(
    store: Store, validation: Validation, value: Any, stored: Document | None
) -> Any:
    """Return the account id for ``value``, None to clear it, or INVALID after a message."""
    if value is None:
        return None
    if not isinstance(value, dict):
        validation.add('Default account must be an object such as {"code": "SF-100"}')
        return INVALID

    chart_id = None if stored is None else stored["default-account-type-id"]
    chart = None if chart_id is None else store.get(kinds.ACCOUNT_TYPE, chart_id)
    if chart is None:
        validation.add(NO_CHART_MESSAGE)
        return INVALID

    matches = _matching_accounts(store.all(kinds.ACCOUNT), value)
    in_chart = [account for account in matches if account["account-type-id"] == chart["id"]]
    if len(in_chart) == 1:
        return in_chart[0]["id"]
    if len(in_chart) > 1:
        codes = ", ".join(account_code(account) for account in in_chart)
        validation.add(f"Default account segments match several accounts ({codes}). Send the code.")
        return INVALID

    if matches:
        validation.add(_other_chart_message(chart))
    else:
        validation.add(unable_message("Account", "default-account", value, ACCOUNT_KEYS))
    return INVALID


def _matching_accounts(accounts: list[Document], value: dict[str, Any]) -> list[Document]:
    if value.get("id") is not None:
        requested_id = record_id(value["id"])
        return [account for account in accounts if account["id"] == requested_id]

    if value.get("code") is not None:
        code = str(value["code"]).casefold()
        return [account for account in accounts if account_code(account).casefold() == code]

    segments = {
        name: str(value[name]).casefold() for name in SEGMENTS if value.get(name) is not None
    }
    if not segments:
        return []
    return [
        account
        for account in accounts
        if all(
            str(account.get(name) or "").casefold() == requested
            for name, requested in segments.items()
        )
    ]
