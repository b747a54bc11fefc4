"""The check of PATCH operations that write a read-only attribute.

RFC 7644 §3.5.2 has a service provider reject a PATCH that changes a read-only
attribute with 400 ``mutability``. Clients with a fixed attribute mapping write
such attributes anyway: Microsoft Entra ID maps ``displayName`` and
``name.formatted`` by default, and they are derived from ``name`` on both
connectors. An operation that repeats the current value changes nothing and is
accepted, and so is one whose value equals what the target derives from the
patched resource, such as the new ``displayName`` of a renamed user. Any other
value is rejected and names the mapping to remove.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ..errors import Mutability
from .attrpath import find_key, get_value, is_present
from .patch import PatchOperation, PatchPath

Derive = Callable[[dict[str, Any]], dict[str, Any]]
"""Return the resource the target would hold after writing a patched resource."""


def check_read_only_writes(
    before: dict[str, Any],
    after: dict[str, Any],
    operations: list[PatchOperation],
    derive: Derive | None,
) -> None:
    """Raise Mutability for the first read-only write that neither repeats nor derives its value.

    ``before`` is the resource before the PATCH and ``after`` the patched copy.
    ``derive`` is called at most once, and only when a value differs from ``before``.
    """
    derived: dict[str, Any] | None = None
    for operation in operations:
        path = operation.path
        assert path is not None
        if _same(read_path(before, path), operation.value):
            continue
        if derive is not None:
            if derived is None:
                derived = derive(after)
            if _same(read_path(derived, path), operation.value):
                continue
        label = operation.raw_path or path.top_level_name
        raise Mutability(
            f"{label} is read-only, and the request sets it to {operation.value!r} while it "
            f"is {read_path(before, path)!r}. A PATCH may repeat the current value but not "
            f"change it. Remove {label} from the client's attribute mapping."
        )


def read_path(resource: dict[str, Any], path: PatchPath) -> Any:
    """Return the value at a path without a value filter, or None when it is absent."""
    holder: Any = resource
    if path.extension:
        key = find_key(resource, path.schema.id)
        holder = resource[key] if key is not None else None
    if path.attribute is None or not isinstance(holder, dict):
        return None
    value = get_value(holder, path.attribute.name)
    if path.sub_attribute is None:
        return value
    if isinstance(value, list):
        return [get_value(entry, path.sub_attribute.name) for entry in value]
    return get_value(value, path.sub_attribute.name)


def _same(current: Any, sent: Any) -> bool:
    """Compare a current value with a sent one. A sent object may leave sub-attributes out."""
    if not is_present(sent):
        return not is_present(current)
    if isinstance(sent, dict):
        return isinstance(current, dict) and all(
            _same(get_value(current, key), item) for key, item in sent.items()
        )
    if isinstance(sent, list):
        return (
            isinstance(current, list)
            and len(current) == len(sent)
            and all(_same(old, new) for old, new in zip(current, sent, strict=True))
        )
    return bool(current == sent)
