"""Recognition of filter shapes that a target can evaluate itself."""

from __future__ import annotations

from collections.abc import Iterable

from scim2_models.path.expressions import (
    AttrPath,
    CompareOperator,
    Comparison,
    FilterNode,
    LogicalExpr,
    LogicalOperator,
    Not,
    Present,
    ValuePath,
)


def path_name(path: AttrPath, core_schema: str) -> str:
    """Return ``attr`` or ``attr.sub`` in lower case, without the core schema URN."""
    name = path.attr if path.sub_attr is None else f"{path.attr}.{path.sub_attr}"
    if path.uri and path.uri.lower() != core_schema.lower():
        name = f"{path.uri}:{name}"
    return name.lower()


def or_equalities(node: FilterNode, names: Iterable[str], core_schema: str) -> list[str] | None:
    """Return the values of a filter made only of ``eq`` terms on ``names`` joined by ``or``.

    ``userName eq "a" or emails.value eq "b"`` with names {"username",
    "emails.value"} gives ``["a", "b"]``. A value-path term such as
    ``emails[value eq "a"]`` counts as ``emails.value eq "a"``. Parentheses
    may group the terms in any way, as in One Identity Manager's
    ``(id eq "a") or (id eq "b")``. Any other shape gives ``None``.
    """
    wanted = {name.lower() for name in names}
    values: list[str] = []
    for term in or_terms(node):
        value = _equality(term, wanted, core_schema)
        if value is None:
            return None
        values.append(value)
    return values


def or_terms(node: FilterNode) -> list[FilterNode]:
    """Return the operands of an ``or`` chain, with nested ``or`` groups flattened.

    ``a or (b or c)`` gives ``[a, b, c]``; a filter that is not an ``or`` gives ``[node]``.
    """
    if not isinstance(node, LogicalExpr) or node.op != LogicalOperator.or_:
        return [node]
    return [leaf for term in node.terms for leaf in or_terms(term)]


def _equality(term: FilterNode, wanted: set[str], core_schema: str) -> str | None:
    if isinstance(term, Comparison):
        if term.op != CompareOperator.eq or not isinstance(term.value, str):
            return None
        return term.value if path_name(term.attr_path, core_schema) in wanted else None

    if isinstance(term, ValuePath) and term.sub_attr is None:
        inner = term.val_filter
        if not isinstance(inner, Comparison) or inner.attr_path.sub_attr or inner.attr_path.uri:
            return None
        combined = AttrPath(term.attr_path.attr, inner.attr_path.attr, term.attr_path.uri)
        return _equality(Comparison(combined, inner.op, inner.value), wanted, core_schema)
    return None


def mentions_attribute(node: FilterNode, names: Iterable[str]) -> bool:
    """Tell whether a filter refers to any of the top-level attributes ``names`` (lower case)."""
    wanted = {name.lower() for name in names}
    if isinstance(node, Comparison | Present | ValuePath):
        return node.attr_path.attr.lower() in wanted
    if isinstance(node, Not):
        return mentions_attribute(node.expr, wanted)
    if isinstance(node, LogicalExpr):
        return any(mentions_attribute(term, wanted) for term in node.terms)
    return False
