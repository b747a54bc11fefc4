"""Custom attributes: Coupa user fields that a customer adds, published as SCIM attributes.

Two declaration forms are accepted, and both may be used together:

- ``custom_properties``, the string form of Starling Connect's Coupa connector
  v1.0: ``name|type;name|type;``, for example ``costCenterCode|string;hireDate|datetime;``;
- ``custom_attributes``, the structured form (name, Coupa field, type, description).

Each attribute becomes one mapping row whose ``Computed`` spec converts the
value between its Coupa and SCIM forms. Values that a SCIM client writes are
checked, and an invalid one is rejected with ``InvalidValue``. Values that
Coupa returns and that do not convert are read as absent and logged, so that
one bad record does not fail a whole list.
"""

from __future__ import annotations

import base64
import binascii
import math
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Any, NoReturn, get_args

import structlog

from scimbridge.errors import ConfigurationError, InvalidValue
from scimbridge.mapping.rows import Computed, Row, read_dotted, write_dotted
from scimbridge.scim.schema import AttributeType
from scimbridge.settings import CoupaCustomAttribute, CustomAttributeType

log = structlog.get_logger("scimbridge.coupa.custom_attributes")

TYPE_NAMES: tuple[CustomAttributeType, ...] = get_args(CustomAttributeType)
_TYPES_BY_NAME: dict[str, CustomAttributeType] = {name: name for name in TYPE_NAMES}

# RFC 7643 §2.1: ATTRNAME = ALPHA *(nameChar), nameChar = "-" / "_" / DIGIT / ALPHA.
_ATTRIBUTE_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_-]*")

# One part of a dotted Coupa field name, such as ``custom-fields`` or ``hire-date``.
_COUPA_FIELD_PART = re.compile(r"[A-Za-z0-9_-]+")

_EXPECTED_PROPERTIES = (
    "Expected entries of the form name|type; such as costCenterCode|string;hireDate|datetime; "
    f"where type is one of {', '.join(TYPE_NAMES)}."
)
_EXPECTED_NAME = (
    "A SCIM attribute name starts with a letter and continues with letters, digits, "
    "'-' or '_', such as costCenterCode"
)

_WARNING_INTERVAL = 1000
"""A value that does not convert is logged the first time and then once per this many times."""


# --- Declarations ---------------------------------------------------------------------------


def parse_custom_properties(text: str) -> list[CoupaCustomAttribute]:
    """Parse the ``name|type;name|type;`` form of Starling Connect's Coupa connector v1.0.

    Whitespace around names, types and separators is ignored, as are empty
    entries, so the final ``;`` may be left out. Type names are case-insensitive.

    Raises:
        ConfigurationError: an entry has no ``|``, an empty or invalid name, an
            unknown type, or a name already declared. The message names the
            entry, the fault and the expected form.
    """
    attributes: list[CoupaCustomAttribute] = []
    for entry in text.split(";"):
        entry = entry.strip()
        if not entry:
            continue
        attributes.append(_parse_entry(entry))

    _reject_duplicate_names(attributes, "custom_properties")
    return attributes


def declared_custom_attributes(
    custom_properties: str, structured: Sequence[CoupaCustomAttribute]
) -> list[CoupaCustomAttribute]:
    """Combine both declaration forms into one list, string form first.

    Raises:
        ConfigurationError: an entry of either form is invalid, an attribute
            name is declared twice (names are compared case-insensitively, as
            SCIM attribute names are), or two attributes map to the same Coupa
            field or one maps inside the other's field.
    """
    attributes = parse_custom_properties(custom_properties)
    for attribute in structured:
        _validate_structured(attribute)
        attributes.append(attribute)

    _reject_duplicate_names(attributes, "custom_properties and custom_attributes")
    _reject_shared_fields(attributes)
    return attributes


def coupa_field(attribute: CoupaCustomAttribute) -> str:
    """Return the dotted Coupa field an attribute maps to, ``custom-fields.<name>`` by default."""
    return attribute.target or f"custom-fields.{attribute.name}"


def _parse_entry(entry: str) -> CoupaCustomAttribute:
    name, separator, type_text = entry.partition("|")
    name = name.strip()
    type_name = type_text.strip().lower()

    if not separator:
        _fail_entry(entry, "it has no '|' between the name and the type")
    if not name:
        _fail_entry(entry, "the name is empty")
    if _ATTRIBUTE_NAME.fullmatch(name) is None:
        _fail_entry(entry, f"{name!r} is not a valid SCIM attribute name. {_EXPECTED_NAME}")
    if type_name not in _TYPES_BY_NAME:
        _fail_entry(entry, f"the type {type_text.strip()!r} is unknown")

    return CoupaCustomAttribute(name=name, type=_TYPES_BY_NAME[type_name])


def _fail_entry(entry: str, fault: str) -> NoReturn:
    raise ConfigurationError(
        f"custom_properties entry {entry!r} is invalid: {fault}. {_EXPECTED_PROPERTIES}"
    )


def _validate_structured(attribute: CoupaCustomAttribute) -> None:
    label = f"custom_attributes entry {attribute.name!r}"
    if _ATTRIBUTE_NAME.fullmatch(attribute.name) is None:
        raise ConfigurationError(
            f"{label} is invalid: the name is not a valid SCIM attribute name. {_EXPECTED_NAME}."
        )

    if attribute.target is None:
        return
    parts = attribute.target.split(".")
    if not all(_COUPA_FIELD_PART.fullmatch(part) for part in parts):
        raise ConfigurationError(
            f"{label} is invalid: the target {attribute.target!r} is not a Coupa field name. "
            "Give the field as Coupa's API names it, with dots between nested names, such as "
            "custom-field-8 or custom-fields.hire-date."
        )


def _reject_duplicate_names(attributes: Iterable[CoupaCustomAttribute], where: str) -> None:
    seen: dict[str, str] = {}
    for attribute in attributes:
        key = attribute.name.lower()
        if key in seen:
            raise ConfigurationError(
                f"The custom attribute {attribute.name!r} is declared twice in {where} "
                f"(first as {seen[key]!r}). SCIM attribute names are case-insensitive, "
                "so declare each name once."
            )
        seen[key] = attribute.name


def _reject_shared_fields(attributes: Sequence[CoupaCustomAttribute]) -> None:
    """Reject two attributes on one Coupa field, or one attribute inside another's field.

    Both would make the two SCIM attributes overwrite each other on Coupa.
    """
    for index, first in enumerate(attributes):
        for second in attributes[index + 1 :]:
            first_field, second_field = coupa_field(first), coupa_field(second)
            if not _fields_overlap(first_field, second_field):
                continue
            raise ConfigurationError(
                f"Custom attributes {first.name!r} and {second.name!r} map to the Coupa fields "
                f"{first_field!r} and {second_field!r}, which overlap. Give each attribute "
                "a field of its own."
            )


def _fields_overlap(first: str, second: str) -> bool:
    return first == second or first.startswith(second + ".") or second.startswith(first + ".")


# --- Value conversion -----------------------------------------------------------------------


class _NaiveDateTime(ValueError):
    """A date-time without a UTC offset, which names no single instant."""


@dataclass(frozen=True)
class _Codec:
    """The conversions of one declared type. Both functions raise ValueError on a bad value."""

    scim_type: AttributeType
    expected: str
    """The expected SCIM value, in words, for error messages."""
    example: str
    """A valid SCIM value as JSON, for error messages."""
    to_scim: Callable[[Any], Any]
    to_coupa: Callable[[Any], Any]


def _string_to_scim(raw: Any) -> str:
    if isinstance(raw, str):
        return raw
    if isinstance(raw, int | float) and not isinstance(raw, bool):
        return str(raw)
    raise ValueError("not a string")


def _string_to_coupa(value: Any) -> str:
    if not isinstance(value, str):
        raise ValueError("not a string")
    return value


_BOOLEAN_WORDS = {"true": True, "yes": True, "false": False, "no": False}


def _boolean_to_scim(raw: Any) -> bool:
    if isinstance(raw, bool):
        return raw
    if isinstance(raw, str) and raw.strip().lower() in _BOOLEAN_WORDS:
        return _BOOLEAN_WORDS[raw.strip().lower()]
    raise ValueError("not a boolean")


def _boolean_to_coupa(value: Any) -> bool:
    if not isinstance(value, bool):
        raise ValueError("not a boolean")
    return value


def _finite_decimal(text: str) -> Decimal:
    try:
        number = Decimal(text.strip())
    except InvalidOperation:
        raise ValueError("not a number") from None
    if not number.is_finite():
        raise ValueError("not a finite number")
    return number


def _integer_to_scim(raw: Any) -> int:
    if isinstance(raw, str):
        number = _finite_decimal(raw)
        if number != number.to_integral_value():
            raise ValueError("not an integer")
        return int(number)
    return _integer_to_coupa(raw)


def _integer_to_coupa(value: Any) -> int:
    if isinstance(value, bool):
        raise ValueError("a boolean, not an integer")
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    raise ValueError("not an integer")


def _decimal_to_scim(raw: Any) -> float:
    """Convert Coupa's decimal, a JSON string such as ``"12.50"``, to a JSON number.

    NOTE: a float keeps 15 to 17 significant digits, so longer Coupa decimals
    are rounded on the way to SCIM.
    """
    if isinstance(raw, str):
        return float(_finite_decimal(raw))
    if isinstance(raw, int | float) and not isinstance(raw, bool) and math.isfinite(raw):
        return float(raw)
    raise ValueError("not a number")


def _decimal_to_coupa(value: Any) -> str:
    """Write a JSON number as the decimal string Coupa expects, e.g. 1e-7 as ``"0.0000001"``.

    ``repr`` gives the shortest text that reads back as the same float, so the
    string carries no binary rounding noise such as 0.1000000000000000055.
    """
    if isinstance(value, bool):
        raise ValueError("a boolean, not a number")
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float) and math.isfinite(value):
        return format(Decimal(repr(value)), "f")
    raise ValueError("not a number")


def _normalise_datetime(value: Any) -> str:
    """Convert an ISO 8601 date-time with an offset to UTC, e.g. ``2026-01-31T20:00:00Z``.

    The same form is used both ways, so SCIM filters and sorting compare
    values that Coupa stored with its instance's offset, such as ``-08:00``.
    """
    if not isinstance(value, str):
        raise ValueError("not a string")
    try:
        moment = datetime.fromisoformat(value.strip())
    except ValueError:
        raise ValueError("not an ISO 8601 date-time") from None
    if moment.tzinfo is None:
        raise _NaiveDateTime("no UTC offset")
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def _binary_to_scim(raw: Any) -> str:
    if not isinstance(raw, str):
        raise ValueError("not a string")
    return raw


def _binary_to_coupa(value: Any) -> str:
    """Check that ``value`` is base64 in the standard alphabet and return it padded.

    RFC 7643 §2.3.6 requires the alphabet of RFC 4648 §4 and lets a client leave
    out the trailing ``=``, which is added back for Coupa.
    """
    if not isinstance(value, str):
        raise ValueError("not a string")
    padded = value + "=" * (-len(value) % 4)
    try:
        base64.b64decode(padded, validate=True)
    except binascii.Error:
        raise ValueError("not base64") from None
    return padded


_CODECS: dict[str, _Codec] = {
    "string": _Codec(
        AttributeType.STRING, "a string", '"CC-1001"', _string_to_scim, _string_to_coupa
    ),
    "boolean": _Codec(
        AttributeType.BOOLEAN, "true or false", "true", _boolean_to_scim, _boolean_to_coupa
    ),
    "integer": _Codec(
        AttributeType.INTEGER, "an integer", "42", _integer_to_scim, _integer_to_coupa
    ),
    "decimal": _Codec(
        AttributeType.DECIMAL, "a number", "12.5", _decimal_to_scim, _decimal_to_coupa
    ),
    "datetime": _Codec(
        AttributeType.DATETIME,
        "an ISO 8601 dateTime with a UTC offset or Z",
        '"2026-01-31T12:00:00Z"',
        _normalise_datetime,
        _normalise_datetime,
    ),
    "binary": _Codec(
        AttributeType.BINARY, "a base64 string", '"aGVsbG8="', _binary_to_scim, _binary_to_coupa
    ),
}


# --- Mapping rows ---------------------------------------------------------------------------


@dataclass
class _WarningCount:
    count: int = 0


@dataclass(frozen=True)
class _CustomField:
    """The read and write functions of one custom attribute's ``Computed`` spec."""

    scim_path: str
    coupa_field: str
    type_name: str
    codec: _Codec
    unconvertible: _WarningCount = field(default_factory=_WarningCount, compare=False)

    def read(self, coupa_user: Mapping[str, Any]) -> Any:
        """Return the SCIM value of the field, or None when it is absent or does not convert.

        A value that does not convert is read as absent rather than failing the
        request, because one record with bad data must not fail a list of users.
        It is logged with the attribute, the Coupa field, the user id and the
        JSON type of the value, but not the value itself, which may be personal data.
        """
        raw = read_dotted(coupa_user, self.coupa_field)
        if raw is None:
            return None
        if self.type_name != "string" and isinstance(raw, str) and not raw.strip():
            return None

        try:
            return self.codec.to_scim(raw)
        except ValueError:
            self._warn_unconvertible(coupa_user, raw)
            return None

    def write(self, value: Any) -> dict[str, Any]:
        """Build the Coupa fields that set the value, or clear the field when it is None.

        Raises:
            InvalidValue: the value is not of the attribute's type.
        """
        if value is None:
            return write_dotted(self.coupa_field, None)

        try:
            converted = self.codec.to_coupa(value)
        except _NaiveDateTime:
            raise InvalidValue(
                f"{self.scim_path} is {_shorten(value)}, which has no UTC offset. Send "
                f"{self.codec.expected}, such as {self.codec.example}."
            ) from None
        except ValueError:
            raise InvalidValue(
                f"{self.scim_path} is {_shorten(value)}, which is invalid. Send "
                f"{self.codec.expected}, such as {self.codec.example}."
            ) from None
        return write_dotted(self.coupa_field, converted)

    def _warn_unconvertible(self, coupa_user: Mapping[str, Any], raw: Any) -> None:
        self.unconvertible.count += 1
        occurrences = self.unconvertible.count
        if occurrences % _WARNING_INTERVAL != 1:
            return
        log.warning(
            "custom attribute value does not convert; read as absent",
            attribute=self.scim_path,
            coupa_field=self.coupa_field,
            user_id=coupa_user.get("id"),
            expected_type=self.type_name,
            value_type=type(raw).__name__,
            occurrences=occurrences,
        )


def _shorten(value: Any, limit: int = 80) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def custom_attribute_rows(
    attributes: Iterable[CoupaCustomAttribute], schema_urn: str
) -> tuple[Row, ...]:
    """Build one mapping row per custom attribute, in the extension schema ``schema_urn``."""
    return tuple(_row(attribute, schema_urn) for attribute in attributes)


def _row(attribute: CoupaCustomAttribute, schema_urn: str) -> Row:
    codec = _CODECS[attribute.type]
    target = coupa_field(attribute)
    custom = _CustomField(
        scim_path=f"{schema_urn}:{attribute.name}",
        coupa_field=target,
        type_name=attribute.type,
        codec=codec,
    )
    description = attribute.description or (
        f"Custom attribute stored in the Coupa user field {target} ({attribute.type})."
    )
    return Row(
        scim=custom.scim_path,
        target=Computed(
            names=(target,),
            reader=custom.read,
            writer=custom.write,
            text=f"{target} ({attribute.type})",
        ),
        type=codec.scim_type,
        # RFC 7643 §2.3.6: binary values are case-exact.
        case_exact=codec.scim_type is AttributeType.BINARY,
        description=description,
        source="custom attribute",
    )
