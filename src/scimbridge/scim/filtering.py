"""Parse, validate and evaluate SCIM filters against resources held as JSON dictionaries.

scim2-models parses the filter text. Validation and evaluation are done here against a
``ResourceTypeDef`` because resources travel through the gateway as dictionaries, not
pydantic models.

Evaluation follows RFC 7644 §3.4.2.2:

- attribute names are case-insensitive, and so are string comparisons unless the
  attribute is ``caseExact``;
- dateTime values are compared as instants, numbers numerically, booleans by value;
- a comparison on a multi-valued attribute matches when any of its values matches.
  ``ne`` is the exception: it is the negation of ``eq``, so it matches when no value
  equals the operand, and also when the attribute is unassigned. The RFC does not
  define ``ne`` on several values, and reading it as "some value differs" would make
  ``emails.type ne "work"`` match a user who has a work address;
- ``eq null`` matches an unassigned attribute and ``ne null`` an assigned one, as a
  tolerance for clients that write absence that way;
- a comparison on a multi-valued complex attribute without a sub-attribute compares
  its ``value`` sub-attribute, so ``emails co "x"`` means ``emails.value co "x"``.
  Single-valued complex attributes with a ``value`` sub-attribute are read the same
  way, because Microsoft Entra ID checks a manager with ``manager eq "<id>"``.

``compile_filter`` turns a filter into a plain function once, which is what a request
handler should call before evaluating it over many resources.
"""

from __future__ import annotations

import operator
from collections.abc import Callable
from typing import Any

from scim2_models import ScimFilter
from scim2_models.exceptions import SCIMException
from scim2_models.path import (
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

from ..errors import InvalidFilter
from .attrpath import (
    STRING_TYPES,
    ResolvedAttribute,
    as_datetime,
    get_value,
    is_present,
    make_reader,
    parse_datetime,
    resolve_attr_path,
)
from .schema import AttributeDef, AttributeType, ResourceTypeDef

Predicate = Callable[[Any], bool]
Reader = Callable[[Any], list[Any]]

_ORDERING = frozenset(
    {CompareOperator.gt, CompareOperator.ge, CompareOperator.lt, CompareOperator.le}
)
_SUBSTRING = frozenset({CompareOperator.co, CompareOperator.sw, CompareOperator.ew})
_UNORDERED_TYPES = frozenset({AttributeType.BOOLEAN, AttributeType.COMPLEX, AttributeType.BINARY})
_SUBSTRING_TYPES = frozenset({AttributeType.STRING, AttributeType.REFERENCE})
_NUMBER_TYPES = frozenset({AttributeType.INTEGER, AttributeType.DECIMAL})

_ORDER_FUNCTIONS: dict[CompareOperator, Callable[[Any, Any], bool]] = {
    CompareOperator.gt: operator.gt,
    CompareOperator.ge: operator.ge,
    CompareOperator.lt: operator.lt,
    CompareOperator.le: operator.le,
}

_QUOTED_FILTER_LENGTH = 200


def _quote_filter(text: str) -> str:
    if len(text) > _QUOTED_FILTER_LENGTH:
        text = text[:_QUOTED_FILTER_LENGTH] + "..."
    return repr(text)


def parse_filter(text: str, *, max_length: int = 4096, max_depth: int = 32) -> FilterNode:
    """Parse filter text into a scim2-models syntax tree.

    Raises InvalidFilter when the text is empty, longer than ``max_length``
    characters, not valid filter syntax, or nested deeper than ``max_depth``.
    Depth is checked twice: once on the brackets and parentheses of the text, and
    once on the tree, where each ``not``, ``and``/``or`` group and value filter is one
    level.
    """
    if not text.strip():
        raise InvalidFilter(
            "The filter is empty. Send an expression such as 'userName eq \"bjensen\"'."
        )
    if len(text) > max_length:
        raise InvalidFilter(
            f"The filter is {len(text)} characters long, over the maximum of {max_length}. "
            "Send a shorter filter."
        )

    bracket_depth = _bracket_depth(text)
    if bracket_depth > max_depth:
        raise InvalidFilter(
            f"The filter {_quote_filter(text)} nests brackets {bracket_depth} levels deep, "
            f"over the maximum of {max_depth}."
        )

    try:
        node = ScimFilter(text).ast
    except SCIMException as exc:
        raise InvalidFilter(
            f"Invalid filter {_quote_filter(text)}: {exc.detail}. "
            "Check the operator, the quoting of string values and the parentheses."
        ) from exc

    tree_depth = filter_depth(node)
    if tree_depth > max_depth:
        raise InvalidFilter(
            f"The filter {_quote_filter(text)} nests {tree_depth} expressions, "
            f"over the maximum of {max_depth}."
        )
    return node


def _bracket_depth(text: str) -> int:
    """Return the deepest nesting of ``(`` and ``[`` outside string literals."""
    depth = deepest = 0
    in_string = escaped = False
    for char in text:
        if in_string:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
        elif char in "([":
            depth += 1
            deepest = max(deepest, depth)
        elif char in ")]":
            depth -= 1
    return deepest


def filter_depth(node: FilterNode) -> int:
    """Count the nested ``not``, ``and``/``or`` and value filter levels of a tree."""
    if isinstance(node, Not):
        return 1 + filter_depth(node.expr)
    if isinstance(node, LogicalExpr):
        return 1 + max(filter_depth(term) for term in node.terms)
    if isinstance(node, ValuePath):
        return 1 + filter_depth(node.val_filter)
    return 0


def validate_filter(node: FilterNode, rtype: ResourceTypeDef) -> None:
    """Raise InvalidFilter unless every attribute, operator and value fits the resource type."""
    compile_filter(node, rtype)


def matches(node: FilterNode, resource: dict[str, Any], rtype: ResourceTypeDef) -> bool:
    """Tell whether a resource satisfies a filter.

    This compiles the filter on every call. To test many resources, call
    ``compile_filter`` once and reuse the function it returns.
    """
    return compile_filter(node, rtype)(resource)


def compile_filter(node: FilterNode, rtype: ResourceTypeDef) -> Callable[[dict[str, Any]], bool]:
    """Validate a filter and turn it into a function from a resource dictionary to a bool.

    Raises InvalidFilter naming an attribute the resource type does not have, an
    operator its type cannot take, or a value that does not fit its type.
    """
    return _ResourceScope(rtype).compile(node)


def compile_entry_filter(node: FilterNode, attribute: AttributeDef) -> Callable[[Any], bool]:
    """Compile the filter of a value path, such as ``type eq "work"`` in ``emails[...]``.

    The names in the filter are sub-attributes of ``attribute``, and the returned
    function tests one entry of it. Raises InvalidFilter like ``compile_filter``.
    """
    return _EntryScope(attribute).compile(node)


class _Scope:
    """The lookup of a filter's attribute names, on a resource or on one entry of a value path."""

    def target(
        self, attr_path: AttrPath, *, for_comparison: bool = False
    ) -> tuple[Reader, AttributeDef, str]:
        """Return a reader for the path, the definition of what it reads, and its name."""
        raise NotImplementedError

    def value_path(self, node: ValuePath) -> Predicate:
        raise InvalidFilter(
            f"The value filter {str(node)!r} is nested inside another value filter, "
            "which SCIM does not allow. Move it out of the brackets."
        )

    def compile(self, node: FilterNode) -> Predicate:
        if isinstance(node, LogicalExpr):
            terms = [self.compile(term) for term in node.terms]
            if node.op == LogicalOperator.and_:
                return lambda item: all(term(item) for term in terms)
            return lambda item: any(term(item) for term in terms)

        if isinstance(node, Not):
            inner = self.compile(node.expr)
            return lambda item: not inner(item)

        if isinstance(node, Present):
            read, _, _ = self.target(node.attr_path)
            return lambda item: any(is_present(value) for value in read(item))

        if isinstance(node, Comparison):
            return self._comparison(node)

        if isinstance(node, ValuePath):
            return self.value_path(node)

        raise InvalidFilter(f"The filter expression {str(node)!r} is not supported.")

    def _comparison(self, node: Comparison) -> Predicate:
        read, leaf, name = self.target(node.attr_path, for_comparison=True)
        _check_operator(node, leaf, name)

        if node.value is None:
            return _null_comparison(node, read, name)

        test = _value_test(node, leaf, name)
        if node.op == CompareOperator.ne:
            return lambda item: not any(test(value) for value in read(item))
        return lambda item: any(test(value) for value in read(item))


class _ResourceScope(_Scope):
    def __init__(self, rtype: ResourceTypeDef) -> None:
        self.rtype = rtype

    def resolve(self, attr_path: AttrPath) -> ResolvedAttribute:
        resolved = resolve_attr_path(self.rtype, attr_path)
        if resolved is None:
            raise InvalidFilter(
                f"The filter names {str(attr_path)!r}, which is not an attribute of "
                f"{self.rtype.name} resources. Check the spelling against /Schemas."
            )
        return resolved

    def target(
        self, attr_path: AttrPath, *, for_comparison: bool = False
    ) -> tuple[Reader, AttributeDef, str]:
        resolved = self.resolve(attr_path)
        attribute = resolved.attribute
        if (
            for_comparison
            and resolved.sub_attribute is None
            and attribute.type is AttributeType.COMPLEX
        ):
            value_sub = attribute.sub_attribute("value")
            if value_sub is not None:
                # RFC 7644 §3.4.2.2: a multi-valued complex attribute without a
                # sub-attribute is compared through its "value" sub-attribute.
                # A single-valued one such as the enterprise manager is read the
                # same way, for Entra ID's ``manager eq "<id>"``.
                resolved = ResolvedAttribute(
                    resolved.schema, attribute, value_sub, resolved.extension
                )
        return make_reader(resolved), resolved.leaf, str(resolved)

    def value_path(self, node: ValuePath) -> Predicate:
        resolved = self.resolve(node.attr_path)
        attribute = resolved.attribute
        if attribute.type is not AttributeType.COMPLEX:
            raise InvalidFilter(
                f"The value filter {str(node)!r} applies to {resolved}, which is not a "
                "complex attribute. Compare the attribute directly instead."
            )

        inner = _EntryScope(attribute, prefix=str(resolved)).compile(node.val_filter)
        read = make_reader(resolved)
        return lambda item: any(inner(entry) for entry in read(item) if isinstance(entry, dict))


class _EntryScope(_Scope):
    def __init__(self, attribute: AttributeDef, prefix: str | None = None) -> None:
        self.attribute = attribute
        self.prefix = prefix or attribute.name

    def target(
        self, attr_path: AttrPath, *, for_comparison: bool = False
    ) -> tuple[Reader, AttributeDef, str]:
        sub = None
        if attr_path.uri is None and attr_path.sub_attr is None:
            sub = self.attribute.sub_attribute(attr_path.attr)
        if sub is None:
            raise InvalidFilter(
                f"The value filter on {self.prefix} names {str(attr_path)!r}, which is not a "
                f"sub-attribute of {self.attribute.name}."
            )

        sub_name = sub.name

        def read(entry: Any) -> list[Any]:
            value = get_value(entry, sub_name)
            if value is None:
                return []
            return value if isinstance(value, list) else [value]

        return read, sub, f"{self.prefix}.{sub.name}"


def _check_operator(node: Comparison, leaf: AttributeDef, name: str) -> None:
    if node.op in _ORDERING and leaf.type in _UNORDERED_TYPES:
        raise InvalidFilter(
            f"The operator {node.op.value!r} cannot compare {name}, which is of type "
            f"{leaf.type.value}. Use 'eq' or 'ne'."
        )
    if node.op in _SUBSTRING and leaf.type not in _SUBSTRING_TYPES:
        raise InvalidFilter(
            f"The operator {node.op.value!r} only applies to strings, and {name} is of type "
            f"{leaf.type.value}. Use 'eq', 'ne', 'gt', 'ge', 'lt' or 'le'."
        )
    if leaf.type is AttributeType.COMPLEX:
        raise InvalidFilter(
            f"{name} is a complex attribute and cannot be compared with {node.op.value!r}. "
            f"Compare one of its sub-attributes, such as '{name}.<sub-attribute>', or test "
            "it with 'pr'."
        )


def _null_comparison(node: Comparison, read: Reader, name: str) -> Predicate:
    if node.op == CompareOperator.eq:
        return lambda item: not any(is_present(value) for value in read(item))
    if node.op == CompareOperator.ne:
        return lambda item: any(is_present(value) for value in read(item))
    raise InvalidFilter(
        f"The operator {node.op.value!r} cannot compare {name} with null. "
        "Use 'pr' to test whether the attribute has a value."
    )


def _value_test(node: Comparison, leaf: AttributeDef, name: str) -> Predicate:
    """Build the test of one stored value against the comparison's operand."""
    if leaf.type is AttributeType.BOOLEAN:
        return _boolean_test(_boolean_operand(node, name))
    if leaf.type in _NUMBER_TYPES:
        return _number_test(node.op, _number_operand(node, leaf, name))
    if leaf.type is AttributeType.DATETIME:
        return _datetime_test(node.op, _datetime_operand(node, name))
    if leaf.type in STRING_TYPES:
        return _string_test(node.op, _string_operand(node, name), leaf.case_exact)
    raise InvalidFilter(f"{name} has the type {leaf.type.value}, which filters cannot compare.")


def _mismatch(node: Comparison, name: str, expected: str) -> InvalidFilter:
    return InvalidFilter(
        f"The filter compares {name} with {node.value!r}, but {name} holds {expected}. "
        f"Write the value as {expected}."
    )


def _boolean_operand(node: Comparison, name: str) -> bool:
    value = node.value
    if isinstance(value, bool):
        return value
    # Some clients quote booleans, so the two spellings of a boolean are accepted.
    if isinstance(value, str) and value.lower() in ("true", "false"):
        return value.lower() == "true"
    raise _mismatch(node, name, "true or false")


def _number_operand(node: Comparison, leaf: AttributeDef, name: str) -> int | float:
    value = node.value
    if isinstance(value, bool) or not isinstance(value, int | float):
        kind = "an integer" if leaf.type is AttributeType.INTEGER else "a number"
        raise _mismatch(node, name, kind)
    return value


def _datetime_operand(node: Comparison, name: str) -> Any:
    parsed = parse_datetime(node.value) if isinstance(node.value, str) else None
    if parsed is None:
        raise _mismatch(node, name, 'a quoted ISO 8601 dateTime such as "2024-01-31T12:00:00Z"')
    return parsed


def _string_operand(node: Comparison, name: str) -> str:
    if not isinstance(node.value, str):
        raise _mismatch(node, name, "a quoted string")
    return node.value


def _boolean_test(expected: bool) -> Predicate:
    def test(value: Any) -> bool:
        if isinstance(value, str) and value.lower() in ("true", "false"):
            value = value.lower() == "true"
        return isinstance(value, bool) and value is expected

    return test


def _number_test(op: CompareOperator, expected: int | float) -> Predicate:
    def test(value: Any) -> bool:
        if isinstance(value, bool) or not isinstance(value, int | float):
            return False
        return _compare_ordered(op, value, expected)

    return test


def _datetime_test(op: CompareOperator, expected: Any) -> Predicate:
    def test(value: Any) -> bool:
        instant = as_datetime(value)
        return instant is not None and _compare_ordered(op, instant, expected)

    return test


def _compare_ordered(op: CompareOperator, value: Any, expected: Any) -> bool:
    if op in (CompareOperator.eq, CompareOperator.ne):
        # ``ne`` is evaluated as the negation of ``eq`` by the caller.
        return bool(value == expected)
    return _ORDER_FUNCTIONS[op](value, expected)


def _string_test(op: CompareOperator, expected: str, case_exact: bool) -> Predicate:
    if not case_exact:
        expected = expected.casefold()

    def normalize(value: Any) -> str | None:
        if not isinstance(value, str):
            return None
        return value if case_exact else value.casefold()

    if op in (CompareOperator.eq, CompareOperator.ne):
        return lambda value: normalize(value) == expected

    if op == CompareOperator.co:
        return lambda value: (text := normalize(value)) is not None and expected in text
    if op == CompareOperator.sw:
        return lambda value: (text := normalize(value)) is not None and text.startswith(expected)
    if op == CompareOperator.ew:
        return lambda value: (text := normalize(value)) is not None and text.endswith(expected)

    compare = _ORDER_FUNCTIONS[op]
    return lambda value: (text := normalize(value)) is not None and compare(text, expected)
