"""Filtering, sorting, paging and projection of Admin API lists.

Filter grammar accepted in the ``filter`` query parameter::

    expression := conjunction (("|" | "or") conjunction)*
    conjunction := term (("&" | "and") term)*
    term := "(" expression ")" | FIELD "=" STRING | FIELD "eq" STRING

- ``field="regex"`` is the style of GoTo's paging guide: the value is a Python
  regular expression that must match the whole field value, so ``(?i)`` at its
  start makes it case-insensitive, as in ``(email="(?i).*doe.*")``.
- ``field eq "value"`` is the style of the Admin reference: exact equality,
  case-insensitive for ``email`` and ``name``.
- ``and`` binds tighter than ``or``, keywords are case-insensitive, and both styles
  may be mixed. Inside a value, ``\\"`` stands for a double quote.
- A user or record without the field (for example ``groupKey`` of a user in no
  group) matches no term on that field.

Anything else is rejected with 400 ``filter.invalid``: other operators, unknown
fields, unbalanced brackets and invalid regular expressions. A literal ``+`` in
the raw query value is rejected too, unless that check is turned off, because
the real API is reported to reject ``+`` as an encoded space.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from scimbridge.emulators.gotomeeting.errors import bad_request

Record = dict[str, Any]
Predicate = Callable[[Record], bool]


@dataclass(frozen=True)
class ListSpec:
    """Fields that callers of one list endpoint can filter and sort on."""

    fields: frozenset[str]
    default_sort: str
    caseless: frozenset[str] = frozenset({"email", "name"})


@dataclass(frozen=True)
class _Token:
    kind: str
    text: str


_TOKEN_PATTERN = re.compile(
    r"""\s*(?:
        (?P<lparen>\() |
        (?P<rparen>\)) |
        (?P<and>&) |
        (?P<or>\|) |
        (?P<equals>=) |
        "(?P<string>(?:[^"\\]|\\.)*)" |
        (?P<word>[A-Za-z][A-Za-z0-9_.]*)
    )""",
    re.VERBOSE,
)


def _tokenize(text: str) -> list[_Token]:
    tokens: list[_Token] = []
    position = 0
    text = text.rstrip()

    while position < len(text):
        match = _TOKEN_PATTERN.match(text, position)
        if match is None or match.lastgroup is None:
            raise bad_request("filter.invalid", f"Unexpected text at position {position}: {text}")

        kind = match.lastgroup
        value = match.group(kind)
        if kind == "word" and value.lower() in ("and", "or", "eq"):
            kind = value.lower()
        tokens.append(_Token(kind, value))
        position = match.end()

    return tokens


class _Parser:
    def __init__(self, text: str, spec: ListSpec) -> None:
        self.text = text
        self.spec = spec
        self.tokens = _tokenize(text)
        self.position = 0

    def parse(self) -> Predicate:
        if not self.tokens:
            raise bad_request("filter.invalid", "The filter is empty.")

        predicate = self._expression()
        if self.position != len(self.tokens):
            self._fail("Unexpected token")
        return predicate

    def _peek(self) -> str | None:
        if self.position < len(self.tokens):
            return self.tokens[self.position].kind
        return None

    def _next(self, kind: str) -> _Token:
        if self._peek() != kind:
            self._fail(f"Expected {kind}")
        token = self.tokens[self.position]
        self.position += 1
        return token

    def _fail(self, reason: str) -> None:
        found = self.tokens[self.position].text if self.position < len(self.tokens) else "end"
        raise bad_request("filter.invalid", f"{reason} at '{found}' in filter: {self.text}")

    def _expression(self) -> Predicate:
        terms = [self._conjunction()]
        while self._peek() == "or":
            self.position += 1
            terms.append(self._conjunction())

        if len(terms) == 1:
            return terms[0]
        return lambda record: any(term(record) for term in terms)

    def _conjunction(self) -> Predicate:
        terms = [self._term()]
        while self._peek() == "and":
            self.position += 1
            terms.append(self._term())

        if len(terms) == 1:
            return terms[0]
        return lambda record: all(term(record) for term in terms)

    def _term(self) -> Predicate:
        if self._peek() == "lparen":
            self.position += 1
            inner = self._expression()
            self._next("rparen")
            return inner

        field = self._next("word").text
        if field not in self.spec.fields:
            allowed = ", ".join(sorted(self.spec.fields))
            raise bad_request(
                "filter.invalid", f"Unknown filter field '{field}'. Filterable fields: {allowed}."
            )

        operator = self._peek()
        if operator == "equals":
            self.position += 1
            return _regex_term(field, self._next("string").text)
        if operator == "eq":
            self.position += 1
            return _equality_term(field, self._next("string").text, field in self.spec.caseless)

        self._fail("Expected '=' or 'eq'")
        raise AssertionError("unreachable")


def _regex_term(field: str, raw: str) -> Predicate:
    try:
        pattern = re.compile(raw.replace('\\"', '"'))
    except re.error as error:
        raise bad_request(
            "filter.invalid", f"Invalid regular expression for {field}: {error}"
        ) from error

    def matches(record: Record) -> bool:
        value = record.get(field)
        return value is not None and pattern.fullmatch(str(value)) is not None

    return matches


def _equality_term(field: str, raw: str, caseless: bool) -> Predicate:
    expected = re.sub(r"\\(.)", r"\1", raw)
    if caseless:
        expected = expected.casefold()

    def matches(record: Record) -> bool:
        value = record.get(field)
        if value is None:
            return False
        text = str(value)
        return (text.casefold() if caseless else text) == expected

    return matches


def parse_filter(text: str, spec: ListSpec) -> Predicate:
    """Compile a ``filter`` value into a predicate, or raise 400 ``filter.invalid``."""
    return _Parser(text, spec).parse()


def _raw_parameter_values(raw_query: str, name: str) -> list[str]:
    prefix = name + "="
    return [part[len(prefix) :] for part in raw_query.split("&") if part.startswith(prefix)]


def _integer_parameter(query: Mapping[str, str], name: str, default: int, minimum: int) -> int:
    raw = query.get(name)
    if raw is None or raw == "":
        return default

    try:
        value = int(raw)
    except ValueError:
        raise bad_request("paging.invalid", f"{name} must be an integer, got '{raw}'.") from None
    if value < minimum:
        raise bad_request("paging.invalid", f"{name} must be at least {minimum}, got {value}.")
    return value


def _sort_order(query: Mapping[str, str], spec: ListSpec) -> tuple[str, bool]:
    """Return the sort field and whether the order is descending.

    GoTo writes a sort as ``ascending=firstName=true``; a bare ``ascending=firstName``
    is accepted too, and ``=false`` flips the direction.
    """
    ascending = query.get("ascending")
    descending = query.get("descending")
    if ascending is not None and descending is not None:
        raise bad_request("sort.invalid", "Use either ascending or descending, not both.")
    if ascending is None and descending is None:
        return spec.default_sort, False

    raw = ascending if ascending is not None else descending
    assert raw is not None
    field, _, flag = raw.partition("=")
    if field not in spec.fields:
        allowed = ", ".join(sorted(spec.fields))
        raise bad_request(
            "sort.invalid", f"Unknown sort field '{field}'. Sortable fields: {allowed}."
        )
    if flag not in ("", "true", "false"):
        raise bad_request("sort.invalid", f"Sort flag must be true or false, got '{flag}'.")

    is_descending = descending is not None
    if flag == "false":
        is_descending = not is_descending
    return field, is_descending


def _sort_key(field: str) -> Callable[[Record], tuple[bool, str, str]]:
    def key(record: Record) -> tuple[bool, str, str]:
        value = record.get(field)
        text = "" if value is None else str(value)
        return (value is None, text.casefold(), str(record.get("key", "")))

    return key


def _project(record: Record, names: str) -> Record:
    wanted = {name.strip() for name in names.split(",") if name.strip()}
    wanted.add("key")
    return {name: value for name, value in record.items() if name in wanted}


def list_page(
    views: list[Record],
    query: Mapping[str, str],
    raw_query: str,
    spec: ListSpec,
    *,
    render: Callable[[str], Record],
    default_page_size: int,
    max_page_size: int,
    reject_plus: bool = True,
) -> dict[str, Any]:
    """Filter, sort and page records and return the ``results`` list envelope.

    ``views`` hold each record's ``key`` and filterable fields, and ``render`` turns
    the key of a record on the page into its full JSON form, so only one page is
    rendered. ``toIndex`` is exclusive (``fromIndex`` plus the number of results)
    and ``total`` counts every record that matches the filter. ``attributeNames`` or
    ``attributes`` (comma-separated) keeps only those fields, plus ``key``.
    """
    raw_filters = _raw_parameter_values(raw_query, "filter")
    if reject_plus and any("+" in value for value in raw_filters):
        raise bad_request(
            "filter.invalid", "Encode spaces in the filter as %20; a '+' is not accepted."
        )

    offset = _integer_parameter(query, "offset", 0, 0)
    page_size = min(_integer_parameter(query, "pageSize", default_page_size, 1), max_page_size)
    field, descending = _sort_order(query, spec)

    matching = views
    filter_text = query.get("filter")
    if filter_text:
        predicate = parse_filter(filter_text, spec)
        matching = [view for view in views if predicate(view)]

    ordered = sorted(matching, key=_sort_key(field), reverse=descending)
    page = [render(view["key"]) for view in ordered[offset : offset + page_size]]

    names = query.get("attributeNames") or query.get("attributes")
    if names:
        page = [_project(record, names) for record in page]

    return {
        "results": page,
        "fromIndex": offset,
        "toIndex": offset + len(page),
        "total": len(ordered),
    }
