"""Coupa custom attributes: both declaration forms, mapping rows and value conversion."""

from __future__ import annotations

from typing import Any

import pytest
from structlog.testing import capture_logs

from scimbridge.connectors.coupa.custom_attributes import (
    custom_attribute_rows,
    declared_custom_attributes,
    parse_custom_properties,
)
from scimbridge.errors import ConfigurationError, InvalidValue
from scimbridge.mapping.engine import Mapper
from scimbridge.mapping.rows import Computed, Row
from scimbridge.mapping.schemas import schema_from_rows
from scimbridge.scim.schema import AttributeType
from scimbridge.settings import CoupaCustomAttribute, CoupaInstance

CORE = "urn:ietf:params:scim:schemas:core:2.0:User"
EXTENSION = "urn:scimbridge:params:scim:schemas:extension:coupa:2.0:User"
EXPECTED_FORM = "name|type; such as costCenterCode|string;hireDate|datetime;"


def attribute(name: str, type_name: str = "string", **fields: Any) -> CoupaCustomAttribute:
    return CoupaCustomAttribute(name=name, type=type_name, **fields)


def row_for(type_name: str, name: str = "field") -> Row:
    (row,) = custom_attribute_rows([attribute(name, type_name)], EXTENSION)
    return row


def read(type_name: str, raw: Any) -> Any:
    return row_for(type_name).target.read({"id": 7, "custom-fields": {"field": raw}})


def write(type_name: str, value: Any) -> Any:
    written = row_for(type_name).target.write(value)
    return written["custom-fields"]["field"]


# --- The string form ------------------------------------------------------------------------


def test_parse_example_from_starling_connect() -> None:
    parsed = parse_custom_properties("costCenterCode|string;hireDate|datetime;")

    assert parsed == [attribute("costCenterCode"), attribute("hireDate", "datetime")]


def test_parse_tolerates_whitespace_and_case() -> None:
    text = "  costCenterCode | String ;\n hireDate|DATETIME ; ; badgeNumber|integer"

    parsed = parse_custom_properties(text)

    assert [item.name for item in parsed] == ["costCenterCode", "hireDate", "badgeNumber"]
    assert [item.type for item in parsed] == ["string", "datetime", "integer"]
    assert all(item.target is None for item in parsed)


def test_parse_every_type() -> None:
    text = "a|string;b|boolean;c|integer;d|decimal;e|datetime;f|binary;"

    parsed = parse_custom_properties(text)

    assert [item.type for item in parsed] == [
        "string",
        "boolean",
        "integer",
        "decimal",
        "datetime",
        "binary",
    ]


@pytest.mark.parametrize("text", ["", "   ", ";", " ; ;\n"])
def test_parse_empty_text(text: str) -> None:
    assert parse_custom_properties(text) == []


@pytest.mark.parametrize(
    ("text", "entry", "fault"),
    [
        ("costCenterCode;", "costCenterCode", "no '|' between the name and the type"),
        ("a|string;hireDate datetime;", "hireDate datetime", "no '|'"),
        ("|string;", "|string", "the name is empty"),
        ("grade|text;", "grade|text", "the type 'text' is unknown"),
        ("grade|;", "grade|", "the type '' is unknown"),
        ("grade|string|x;", "grade|string|x", "the type 'string|x' is unknown"),
        ("1grade|string;", "1grade|string", "'1grade' is not a valid SCIM attribute name"),
        ("cost center|string;", "cost center|string", "'cost center' is not a valid"),
        ("cost.center|string;", "cost.center|string", "'cost.center' is not a valid"),
        ("naïve|string;", "naïve|string", "'naïve' is not a valid"),
        ("_grade|string;", "_grade|string", "'_grade' is not a valid"),
    ],
)
def test_parse_rejects_bad_entry(text: str, entry: str, fault: str) -> None:
    with pytest.raises(ConfigurationError) as raised:
        parse_custom_properties(text)

    message = str(raised.value)
    assert f"entry {entry!r}" in message
    assert fault in message
    assert EXPECTED_FORM in message


def test_parse_accepts_every_name_character() -> None:
    (parsed,) = parse_custom_properties("Cost_center-Code2|string")

    assert parsed.name == "Cost_center-Code2"


def test_parse_rejects_duplicate_ignoring_case() -> None:
    with pytest.raises(ConfigurationError) as raised:
        parse_custom_properties("hireDate|datetime;HireDate|string;")

    message = str(raised.value)
    assert "'HireDate' is declared twice in custom_properties" in message
    assert "first as 'hireDate'" in message


# --- Both forms together --------------------------------------------------------------------


def test_declared_combines_both_forms() -> None:
    structured = [attribute("hireDate", "datetime", target="custom-fields.hire-date")]

    declared = declared_custom_attributes("costCenterCode|string;", structured)

    assert declared == [attribute("costCenterCode"), structured[0]]


def test_declared_accepts_settings_model() -> None:
    instance = CoupaInstance(
        custom_properties="costCenterCode|string;",
        custom_attributes=[{"name": "badge", "type": "integer", "target": "custom-field-8"}],
    )

    declared = declared_custom_attributes(instance.custom_properties, instance.custom_attributes)

    assert [item.name for item in declared] == ["costCenterCode", "badge"]


def test_declared_rejects_duplicate_across_forms() -> None:
    structured = [attribute("COSTCENTERCODE", target="custom-field-1")]

    with pytest.raises(ConfigurationError, match="declared twice in custom_properties and"):
        declared_custom_attributes("costCenterCode|string;", structured)


@pytest.mark.parametrize("name", ["", "1st", "cost center", "a:b", "-x"])
def test_declared_rejects_bad_structured_name(name: str) -> None:
    with pytest.raises(ConfigurationError) as raised:
        declared_custom_attributes("", [attribute(name)])

    message = str(raised.value)
    assert f"custom_attributes entry {name!r}" in message
    assert "not a valid SCIM attribute name" in message
    assert "such as costCenterCode" in message


@pytest.mark.parametrize("target", ["", "custom-fields.", ".x", "custom fields.x", "a..b"])
def test_declared_rejects_bad_target(target: str) -> None:
    with pytest.raises(ConfigurationError) as raised:
        declared_custom_attributes("", [attribute("grade", target=target)])

    message = str(raised.value)
    assert "custom_attributes entry 'grade'" in message
    assert f"the target {target!r} is not a Coupa field name" in message
    assert "custom-fields.hire-date" in message


@pytest.mark.parametrize(
    ("properties", "structured"),
    [
        ("hireDate|datetime;", [attribute("start", target="custom-fields.hireDate")]),
        ("", [attribute("a", target="custom-field-8"), attribute("b", target="custom-field-8")]),
        ("", [attribute("a", target="custom-fields"), attribute("b")]),
        ("", [attribute("a", target="x.y"), attribute("b", target="x.y.z")]),
    ],
)
def test_declared_rejects_overlapping_fields(
    properties: str, structured: list[CoupaCustomAttribute]
) -> None:
    with pytest.raises(ConfigurationError, match="which overlap"):
        declared_custom_attributes(properties, structured)


def test_declared_accepts_neighbouring_fields() -> None:
    structured = [
        attribute("a", target="custom-field-1"),
        attribute("b", target="custom-field-10"),
        attribute("c", target="custom-fields.x"),
        attribute("d", target="custom-fields.xy"),
    ]

    assert len(declared_custom_attributes("", structured)) == 4


# --- Mapping rows ---------------------------------------------------------------------------


def test_rows_describe_each_attribute() -> None:
    declared = [
        attribute("costCenterCode"),
        attribute("hireDate", "datetime", target="custom-fields.hire-date", description="Start."),
        attribute("photo", "binary", target="custom-field-8"),
    ]

    rows = custom_attribute_rows(declared, EXTENSION)

    assert [row.scim for row in rows] == [
        f"{EXTENSION}:costCenterCode",
        f"{EXTENSION}:hireDate",
        f"{EXTENSION}:photo",
    ]
    assert [row.target.fields for row in rows] == [
        ("custom-fields.costCenterCode",),
        ("custom-fields.hire-date",),
        ("custom-field-8",),
    ]
    assert [row.type for row in rows] == [
        AttributeType.STRING,
        AttributeType.DATETIME,
        AttributeType.BINARY,
    ]
    assert all(isinstance(row.target, Computed) for row in rows)
    assert all(row.source == "custom attribute" for row in rows)
    assert "custom-fields.costCenterCode" in rows[0].description
    assert rows[1].description == "Start."
    assert "custom-field-8" in rows[2].description
    assert [row.case_exact for row in rows] == [False, False, True]


@pytest.mark.parametrize(
    ("type_name", "scim_type"),
    [
        ("string", AttributeType.STRING),
        ("boolean", AttributeType.BOOLEAN),
        ("integer", AttributeType.INTEGER),
        ("decimal", AttributeType.DECIMAL),
        ("datetime", AttributeType.DATETIME),
        ("binary", AttributeType.BINARY),
    ],
)
def test_rows_scim_type(type_name: str, scim_type: AttributeType) -> None:
    assert row_for(type_name).type is scim_type


def test_rows_publish_schema() -> None:
    rows = custom_attribute_rows(
        parse_custom_properties("costCenterCode|string;hireDate|datetime;"), EXTENSION
    )

    schema = schema_from_rows(EXTENSION, "CoupaUser", "Coupa user fields", rows)

    types = {item.name: item.type for item in schema.attributes}
    assert types == {"costCenterCode": AttributeType.STRING, "hireDate": AttributeType.DATETIME}


def test_mapper_round_trip_through_nested_fields() -> None:
    declared = [
        attribute("costCenterCode"),
        attribute("budget", "decimal"),
        attribute("hireDate", "datetime", target="custom-fields.hire-date"),
        attribute("remote", "boolean", target="custom-field-3"),
    ]
    mapper = Mapper(custom_attribute_rows(declared, EXTENSION), CORE)
    coupa_user = {
        "id": 7,
        "custom-fields": {
            "costCenterCode": "CC-1001",
            "budget": "1200.50",
            "hire-date": "2026-01-31T12:00:00-08:00",
        },
        "custom-field-3": "Yes",
    }

    resource = mapper.to_scim(coupa_user)
    fields = mapper.to_target(resource)

    assert resource == {
        EXTENSION: {
            "costCenterCode": "CC-1001",
            "budget": 1200.5,
            "hireDate": "2026-01-31T20:00:00Z",
            "remote": True,
        }
    }
    assert fields == {
        "custom-fields": {
            "costCenterCode": "CC-1001",
            "budget": "1200.5",
            "hire-date": "2026-01-31T20:00:00Z",
        },
        "custom-field-3": True,
    }


def test_mapper_clears_absent_attributes() -> None:
    declared = [attribute("costCenterCode"), attribute("badge", "integer")]
    mapper = Mapper(custom_attribute_rows(declared, EXTENSION), CORE)

    fields = mapper.to_target({EXTENSION: {"badge": 12}}, clear_absent=True)

    assert fields == {"custom-fields": {"costCenterCode": None, "badge": 12}}


@pytest.mark.parametrize(
    "type_name", ["string", "boolean", "integer", "decimal", "datetime", "binary"]
)
def test_write_null_clears(type_name: str) -> None:
    assert row_for(type_name).target.write(None) == {"custom-fields": {"field": None}}


# --- Values read from Coupa -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("type_name", "raw", "expected"),
    [
        ("string", "CC-1001", "CC-1001"),
        ("string", "", ""),
        ("string", 1001, "1001"),
        ("boolean", True, True),
        ("boolean", False, False),
        ("boolean", "true", True),
        ("boolean", "FALSE", False),
        ("boolean", "Yes", True),
        ("boolean", " no ", False),
        ("integer", 42, 42),
        ("integer", -3, -3),
        ("integer", 42.0, 42),
        ("integer", "42", 42),
        ("integer", " 42.00 ", 42),
        ("decimal", "12.50", 12.5),
        ("decimal", "-0.0000001", -1e-7),
        ("decimal", "12", 12.0),
        ("decimal", 3, 3.0),
        ("decimal", 2.25, 2.25),
        ("datetime", "2026-01-31T12:00:00-08:00", "2026-01-31T20:00:00Z"),
        ("datetime", "2026-01-31T12:00:00Z", "2026-01-31T12:00:00Z"),
        ("datetime", "2026-01-31T12:00:00.250+01:00", "2026-01-31T11:00:00.250000Z"),
        ("binary", "aGVsbG8=", "aGVsbG8="),
        ("string", None, None),
        ("integer", None, None),
        ("integer", "", None),
        ("decimal", "  ", None),
        ("datetime", "", None),
    ],
)
def test_read_converts(type_name: str, raw: Any, expected: Any) -> None:
    value = read(type_name, raw)

    assert value == expected
    assert type(value) is type(expected)


def test_read_missing_custom_fields() -> None:
    assert row_for("integer").target.read({"id": 7}) is None
    assert row_for("integer").target.read({"id": 7, "custom-fields": None}) is None


@pytest.mark.parametrize(
    ("type_name", "raw"),
    [
        ("string", {"id": 3, "name": "lookup"}),
        ("string", True),
        ("boolean", "maybe"),
        ("boolean", 1),
        ("integer", "abc"),
        ("integer", "4.5"),
        ("integer", 4.5),
        ("integer", True),
        ("integer", "NaN"),
        ("decimal", "abc"),
        ("decimal", "Infinity"),
        ("decimal", False),
        ("datetime", "yesterday"),
        ("datetime", "2026-01-31T12:00:00"),
        ("datetime", 1_767_225_600),
        ("binary", 17),
    ],
)
def test_read_unconvertible_is_absent_and_logged(type_name: str, raw: Any) -> None:
    with capture_logs() as logs:
        value = read(type_name, raw)

    assert value is None
    assert len(logs) == 1
    entry = logs[0]
    assert entry["log_level"] == "warning"
    assert entry["attribute"] == f"{EXTENSION}:field"
    assert entry["coupa_field"] == "custom-fields.field"
    assert entry["user_id"] == 7
    assert entry["expected_type"] == type_name
    assert entry["value_type"] == type(raw).__name__
    assert set(entry) == {
        "event",
        "log_level",
        "attribute",
        "coupa_field",
        "user_id",
        "expected_type",
        "value_type",
        "occurrences",
    }


def test_read_unconvertible_logs_are_rate_limited() -> None:
    row = row_for("integer")

    with capture_logs() as logs:
        values = [
            row.target.read({"id": n, "custom-fields": {"field": "abc"}}) for n in range(2001)
        ]

    assert values == [None] * 2001
    assert [entry["occurrences"] for entry in logs] == [1, 1001, 2001]
    assert [entry["user_id"] for entry in logs] == [0, 1000, 2000]


# --- Values written by SCIM clients ---------------------------------------------------------


@pytest.mark.parametrize(
    ("type_name", "value", "expected"),
    [
        ("string", "CC-1001", "CC-1001"),
        ("string", "", ""),
        ("boolean", True, True),
        ("boolean", False, False),
        ("integer", 42, 42),
        ("integer", 42.0, 42),
        ("integer", -7, -7),
        ("decimal", 12.5, "12.5"),
        ("decimal", 1e-7, "0.0000001"),
        ("decimal", 0.1, "0.1"),
        ("decimal", 1e20, "100000000000000000000"),
        ("decimal", 12, "12"),
        ("decimal", -2.75, "-2.75"),
        ("datetime", "2026-01-31T12:00:00Z", "2026-01-31T12:00:00Z"),
        ("datetime", "2026-01-31T12:00:00-08:00", "2026-01-31T20:00:00Z"),
        ("datetime", "2026-01-31T12:00:00.5+05:30", "2026-01-31T06:30:00.500000Z"),
        ("binary", "aGVsbG8=", "aGVsbG8="),
        ("binary", "aGVsbG8", "aGVsbG8="),
        ("binary", "aGk", "aGk="),
        ("binary", "", ""),
    ],
)
def test_write_converts(type_name: str, value: Any, expected: Any) -> None:
    written = write(type_name, value)

    assert written == expected
    assert type(written) is type(expected)


@pytest.mark.parametrize(
    ("type_name", "value", "expected", "example"),
    [
        ("string", 12, "a string", '"CC-1001"'),
        ("string", ["a"], "a string", '"CC-1001"'),
        ("boolean", "true", "true or false", "true"),
        ("boolean", 1, "true or false", "true"),
        ("integer", True, "an integer", "42"),
        ("integer", 4.5, "an integer", "42"),
        ("integer", "42", "an integer", "42"),
        ("decimal", "12.5", "a number", "12.5"),
        ("decimal", False, "a number", "12.5"),
        ("decimal", float("nan"), "a number", "12.5"),
        ("decimal", float("inf"), "a number", "12.5"),
        ("datetime", "31/01/2026", "an ISO 8601 dateTime", '"2026-01-31T12:00:00Z"'),
        ("datetime", 1_767_225_600, "an ISO 8601 dateTime", '"2026-01-31T12:00:00Z"'),
        ("binary", "not base64!", "a base64 string", '"aGVsbG8="'),
        ("binary", "aGVsbG8=x", "a base64 string", '"aGVsbG8="'),
        ("binary", "aGVs bG8=", "a base64 string", '"aGVsbG8="'),
        ("binary", "aGVsbG8_", "a base64 string", '"aGVsbG8="'),
        ("binary", 5, "a base64 string", '"aGVsbG8="'),
    ],
)
def test_write_rejects_invalid_value(
    type_name: str, value: Any, expected: str, example: str
) -> None:
    with pytest.raises(InvalidValue) as raised:
        write(type_name, value)

    message = raised.value.detail
    assert f"{EXTENSION}:field" in message
    assert repr(value) in message
    assert expected in message
    assert f"such as {example}" in message


def test_write_rejects_datetime_without_offset() -> None:
    with pytest.raises(InvalidValue) as raised:
        write("datetime", "2026-01-31T12:00:00")

    message = raised.value.detail
    assert f"{EXTENSION}:field is '2026-01-31T12:00:00', which has no UTC offset" in message
    assert "with a UTC offset or Z" in message
    assert 'such as "2026-01-31T12:00:00Z"' in message


def test_write_error_shortens_long_value() -> None:
    with pytest.raises(InvalidValue) as raised:
        write("integer", "9" * 500)

    assert "9" * 70 in raised.value.detail
    assert "9" * 100 not in raised.value.detail


def test_mapper_write_rejects_with_attribute_path() -> None:
    mapper = Mapper(custom_attribute_rows([attribute("badge", "integer")], EXTENSION), CORE)

    with pytest.raises(InvalidValue, match=f"{EXTENSION}:badge is 'abc'"):
        mapper.to_target({EXTENSION: {"badge": "abc"}})
