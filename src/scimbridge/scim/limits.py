"""Request size limits of the SCIM edge that are not body size or filter limits.

Body size is checked where the body is read, and filter length and depth where the
filter is parsed (``scim.filtering``). The checks here bound the work one request
can ask for before anything is sent to a target.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from scimbridge.errors import InvalidValue, PayloadTooLarge
from scimbridge.scim.attrpath import get_value
from scimbridge.settings import LimitSettings

ATTRIBUTE_PARAMETERS = ("attributes", "excludedAttributes")


def check_query_parameters(params: Mapping[str, str], limits: LimitSettings) -> None:
    """Check the ``attributes`` and ``excludedAttributes`` query parameters of a request."""
    for name in ATTRIBUTE_PARAMETERS:
        text = params.get(name)
        if text is not None:
            _check_name_count(name, text.count(",") + 1, limits.max_attribute_names)


def check_search_request(body: Mapping[str, Any], limits: LimitSettings) -> None:
    """Check the attribute lists of a ``.search`` request body (RFC 7644 §3.4.3)."""
    for name in ATTRIBUTE_PARAMETERS:
        value = body.get(name)
        if isinstance(value, list):
            _check_name_count(name, len(value), limits.max_attribute_names)
        elif isinstance(value, str):
            _check_name_count(name, value.count(",") + 1, limits.max_attribute_names)


def check_patch_operation_count(body: Any, limits: LimitSettings) -> None:
    """Reject a PATCH request with more than ``limits.max_patch_operations`` operations.

    RFC 7644 sets no bound on PATCH operations, so the status is the one §3.7.4 sets
    for a Bulk request over ``maxOperations``: 413 without a ``scimType``.
    """
    if not isinstance(body, Mapping):
        return
    operations = get_value(body, "Operations")
    if isinstance(operations, list) and len(operations) > limits.max_patch_operations:
        raise PayloadTooLarge(
            f"the PATCH request has {len(operations)} operations, more than "
            f"limits.max_patch_operations ({limits.max_patch_operations}); split it into "
            "several requests"
        )


def _check_name_count(parameter: str, count: int, limit: int) -> None:
    if count > limit:
        raise InvalidValue(
            f"{parameter} lists {count} attribute names, more than limits.max_attribute_names "
            f"({limit}); name fewer attributes, or leave {parameter} out to get the default set"
        )
