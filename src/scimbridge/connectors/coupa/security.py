"""The rule that sets a user's account security type from its chart of accounts.

Coupa restricts the accounts a user may charge by ``account-security-type``: 0
for no restriction, 1 for the user's default chart of accounts, 2 for the
user's account groups. Whenever a write leaves the user with a chart of
accounts, the gateway sets the type to 2 when the user has account groups and
to 1 when it has none. Without a chart the type is left as it is.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


def security_type(user: Mapping[str, Any]) -> int | None:
    """Return the account security type ``user`` (Coupa fields after the write) must have.

    None means the rule does not apply, because the user has no chart of accounts.
    """
    chart = user.get("default-account-type")
    if not (isinstance(chart, Mapping) and (chart.get("name") or chart.get("id"))):
        return None
    return 2 if user.get("account-groups") else 1


def apply_security_rule(
    changes: dict[str, Any], current: Mapping[str, Any], desired: Mapping[str, Any] | None = None
) -> None:
    """Add ``account-security-type`` to ``changes`` when the rule requires another value.

    ``current`` is the user as Coupa has it, ``desired`` the fields the write
    sets (when it sets more than ``changes``).
    """
    wanted = security_type({**current, **(desired or {}), **changes})
    if wanted is None:
        return
    if current.get("account-security-type") != wanted or changes.get(
        "account-security-type"
    ) not in (None, wanted):
        changes["account-security-type"] = wanted
