"""Translation of SCIM filters into Coupa query parameters.

Coupa evaluates ``field=value`` and ``field[operator]=value`` conditions,
joined by AND, on record fields and on associations (``roles[id]=3`` matches a
user with any role of id 3). A SCIM filter, or each term of a top-level
``and``, is pushed down when Coupa's meaning is the same as SCIM's. For the
attributes listed here, string comparisons are case-insensitive on both sides,
ids compare as numbers and dates as instants. Terms that cannot be pushed
down are left to the gateway, which then reads every record the pushed part
matches (bounded by ``max_scan``) and applies the whole filter.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import Enum

from scim2_models.path.expressions import (
    AttrPath,
    CompareOperator,
    Comparison,
    FilterNode,
    LogicalExpr,
    LogicalOperator,
    Present,
    ValuePath,
)

from scimbridge.connectors.pushdown import or_terms
from scimbridge.scim.schema import ResourceTypeDef


class Kind(Enum):
    """The comparison rules of a Coupa query field."""

    STRING = "string"
    """Case-insensitive text: every operator."""
    NUMBER = "number"
    """Integer ids and enums: equality, order and ``in``."""
    BOOLEAN = "boolean"
    """Equality only."""
    DATETIME = "datetime"
    """Instants: order comparisons and presence."""
    MEMBER_ID = "member id"
    """The id of any element of an association list: equality and ``in``."""
    MEMBER_NAME = "member name"
    """The name of any element of an association list: text matching, no ``ne``."""


@dataclass(frozen=True)
class QueryField:
    """A Coupa query parameter name and how it compares."""

    name: str
    kind: Kind
    unique: bool = False
    """True when no two records share a value, as ids and user logins."""


@dataclass
class Translation:
    """The Coupa parameters a SCIM filter turned into."""

    params: dict[str, str] = field(default_factory=dict)
    residual: bool = False
    """True when some terms were not pushed down and the gateway must apply the filter."""
    matches_nothing: bool = False
    """True when a pushed term can match no record, such as ``id eq "abc"``."""
    max_matches: int | None = None
    """The maximum number of records the filter matches, known when a pushed term lists
    values of a unique field."""


_OPERATORS = {
    CompareOperator.co: "contains",
    CompareOperator.sw: "starts_with",
    CompareOperator.ew: "ends_with",
    CompareOperator.gt: "gt",
    CompareOperator.ge: "gt_or_eq",
    CompareOperator.lt: "lt",
    CompareOperator.le: "lt_or_eq",
}

# ``ne`` is never pushed down: SCIM's ``ne`` matches a resource without the
# attribute, and Coupa's ``[not_eq]`` does not match a null field.
_ALLOWED = {
    Kind.STRING: set(CompareOperator) - {CompareOperator.ne},
    Kind.NUMBER: {
        CompareOperator.eq,
        CompareOperator.gt,
        CompareOperator.ge,
        CompareOperator.lt,
        CompareOperator.le,
    },
    Kind.BOOLEAN: {CompareOperator.eq},
    Kind.DATETIME: {CompareOperator.gt, CompareOperator.ge, CompareOperator.lt, CompareOperator.le},
    Kind.MEMBER_ID: {CompareOperator.eq},
    Kind.MEMBER_NAME: {
        CompareOperator.eq,
        CompareOperator.co,
        CompareOperator.sw,
        CompareOperator.ew,
    },
}


def translate(
    node: FilterNode | None,
    fields: Mapping[str, QueryField],
    rtype: ResourceTypeDef,
) -> Translation:
    """Push down what Coupa can evaluate of ``node``.

    ``fields`` maps SCIM attribute names, in lower case and qualified by their
    extension URN when they belong to one (``urn:...:user:employeenumber``),
    to Coupa query fields.
    """
    translation = Translation()
    if node is None:
        return translation

    terms = (
        node.terms if isinstance(node, LogicalExpr) and node.op == LogicalOperator.and_ else (node,)
    )
    for term in terms:
        pushed = _term(term, fields, rtype)
        if pushed is None or any(name in translation.params for name in pushed):
            translation.residual = True
            continue
        if pushed == _NOTHING:
            translation.matches_nothing = True
            continue
        translation.params.update(pushed)
        bound = _unique_values(pushed, fields)
        if bound is not None:
            known = translation.max_matches
            translation.max_matches = bound if known is None else min(known, bound)
    return translation


def _unique_values(pushed: Mapping[str, str], fields: Mapping[str, QueryField]) -> int | None:
    """Return how many values a pushed ``field=v`` or ``field[in]=a,b`` lists on a unique field."""
    unique = {field.name for field in fields.values() if field.unique}
    for name, value in pushed.items():
        if name in unique:
            return 1
        if name.endswith("[in]") and name.removesuffix("[in]") in unique:
            return len(value.split(","))
    return None


_NOTHING: dict[str, str] = {"": ""}


def _term(
    term: FilterNode, fields: Mapping[str, QueryField], rtype: ResourceTypeDef
) -> dict[str, str] | None:
    if isinstance(term, ValuePath):
        return _term(_flatten(term), fields, rtype) if _flattenable(term) else None
    if isinstance(term, LogicalExpr) and term.op == LogicalOperator.or_:
        return _or_of_equalities(term, fields, rtype)
    if isinstance(term, Present):
        target = _field(term.attr_path, fields, rtype)
        if target is None or target.kind in (Kind.MEMBER_ID, Kind.MEMBER_NAME, Kind.BOOLEAN):
            return None
        return {f"{target.name}[blank]": "false"}
    if isinstance(term, Comparison):
        return _comparison(term, fields, rtype)
    return None


def _comparison(
    term: Comparison, fields: Mapping[str, QueryField], rtype: ResourceTypeDef
) -> dict[str, str] | None:
    target = _field(term.attr_path, fields, rtype)
    if target is None or term.op not in _ALLOWED[target.kind]:
        return None

    value = _literal(term.value, target.kind)
    if value is None:
        return None
    if value is _IMPOSSIBLE:
        return _NOTHING if term.op == CompareOperator.eq else None
    if term.op == CompareOperator.eq:
        return {target.name: value}
    return {f"{target.name}[{_OPERATORS[term.op]}]": value}


def _or_of_equalities(
    node: LogicalExpr, fields: Mapping[str, QueryField], rtype: ResourceTypeDef
) -> dict[str, str] | None:
    """Turn ``a eq x or a eq y`` on one field into ``a[in]=x,y``."""
    target: QueryField | None = None
    values: list[str] = []
    for term in or_terms(node):
        if isinstance(term, ValuePath) and _flattenable(term):
            term = _flatten(term)
        if not isinstance(term, Comparison) or term.op != CompareOperator.eq:
            return None
        current = _field(term.attr_path, fields, rtype)
        if current is None or (target is not None and current != target):
            return None
        if current.kind not in (Kind.STRING, Kind.NUMBER, Kind.MEMBER_ID):
            return None
        target = current
        value = _literal(term.value, current.kind)
        if value is None or "," in value:
            return None
        if value is not _IMPOSSIBLE:
            values.append(value)

    if target is None:
        return None
    if not values:
        return _NOTHING
    return {f"{target.name}[in]": ",".join(dict.fromkeys(values))}


class _Impossible(str):
    """A literal that no record can equal, such as a non-numeric id."""


_IMPOSSIBLE = _Impossible("")


def _literal(value: object, kind: Kind) -> str | None:
    if kind in (Kind.NUMBER, Kind.MEMBER_ID):
        if isinstance(value, bool):
            return None
        if isinstance(value, int):
            return str(value)
        if isinstance(value, str):
            return value if value.isdigit() else _IMPOSSIBLE
        return None
    if kind is Kind.BOOLEAN:
        if not isinstance(value, bool):
            return None
        return "true" if value else "false"
    if isinstance(value, str):
        return value
    return None


def _field(
    path: AttrPath, fields: Mapping[str, QueryField], rtype: ResourceTypeDef
) -> QueryField | None:
    resolved = rtype.resolve(path.uri, path.attr)
    if resolved is None:
        return None
    schema, attribute = resolved
    name = attribute.name if path.sub_attr is None else f"{attribute.name}.{path.sub_attr}"
    if schema.id != rtype.schema.id:
        name = f"{schema.id}:{name}"
    return fields.get(name.lower())


def _flattenable(term: ValuePath) -> bool:
    inner = term.val_filter
    return (
        term.sub_attr is None
        and isinstance(inner, Comparison)
        and inner.attr_path.sub_attr is None
        and not inner.attr_path.uri
    )


def _flatten(term: ValuePath) -> Comparison:
    """Read ``emails[value eq "x"]`` as ``emails.value eq "x"``."""
    inner = term.val_filter
    assert isinstance(inner, Comparison)
    path = AttrPath(term.attr_path.attr, inner.attr_path.attr, term.attr_path.uri)
    return Comparison(path, inner.op, inner.value)
