"""Tests of sortBy and sortOrder on resource dictionaries."""

from __future__ import annotations

from typing import Any

import pytest

from scimbridge.errors import InvalidValue
from scimbridge.scim.sorting import sort_resources
from tests.unit.test_filtering import ENTERPRISE, USER_TYPE


def person(ident: str, **fields: Any) -> dict[str, Any]:
    return {"id": ident, **fields}


PEOPLE = [
    person("1", userName="carol", nickName="b", loginCount=5, active=True),
    person("2", userName="Alice", nickName="C", loginCount=10, active=False),
    person("3", nickName="a"),
    person("4", userName="bob", nickName="A", loginCount=1),
    person("5", userName="alice", loginCount=5, active=True),
]


def order(
    sort_by: str | None,
    sort_order: str | None = None,
    resources: list[dict[str, Any]] | None = None,
) -> list[str]:
    sorted_resources = sort_resources(
        PEOPLE if resources is None else resources, sort_by, sort_order, USER_TYPE
    )
    return [resource["id"] for resource in sorted_resources]


SORT_CASES = [
    ("userName", None, ["2", "5", "4", "1", "3"]),
    ("userName", "ascending", ["2", "5", "4", "1", "3"]),
    ("userName", "descending", ["3", "1", "4", "2", "5"]),
    ("USERNAME", "Descending", ["3", "1", "4", "2", "5"]),
    ("nickName", "ascending", ["4", "2", "3", "1", "5"]),
    ("nickName", "descending", ["5", "1", "3", "2", "4"]),
    ("loginCount", "ascending", ["4", "1", "5", "2", "3"]),
    ("loginCount", "descending", ["3", "2", "1", "5", "4"]),
    ("active", "ascending", ["2", "1", "5", "3", "4"]),
    ("active", "descending", ["3", "4", "1", "5", "2"]),
]


@pytest.mark.parametrize(("sort_by", "sort_order", "expected"), SORT_CASES)
def test_sort_order(sort_by: str, sort_order: str | None, expected: list[str]) -> None:
    assert order(sort_by, sort_order) == expected


def test_no_sort_by_keeps_order() -> None:
    result = sort_resources(PEOPLE, None, "descending", USER_TYPE)

    assert [resource["id"] for resource in result] == ["1", "2", "3", "4", "5"]
    assert result is not PEOPLE


def test_input_not_reordered() -> None:
    resources = list(PEOPLE)
    sort_resources(resources, "userName", None, USER_TYPE)

    assert resources == PEOPLE


def test_stable_for_equal_values() -> None:
    resources = [person(str(index), active=True) for index in range(6)]

    assert order("active", "ascending", resources) == ["0", "1", "2", "3", "4", "5"]
    assert order("active", "descending", resources) == ["0", "1", "2", "3", "4", "5"]


def test_case_insensitive_ties_stable() -> None:
    resources = [person("x", userName="ALICE"), person("y", userName="alice")]

    assert order("userName", "ascending", resources) == ["x", "y"]
    assert order("userName", "descending", resources) == ["x", "y"]


def test_sub_attribute() -> None:
    resources = [
        person("1", name={"familyName": "Young"}),
        person("2", name={"familyName": "adams"}),
        person("3", name={}),
        person("4", name={"familyName": "Miller"}),
    ]

    assert order("name.familyName", None, resources) == ["2", "4", "1", "3"]
    assert order("name.familyName", "descending", resources) == ["3", "1", "4", "2"]


def test_multi_valued_primary() -> None:
    resources = [
        person("1", emails=[{"value": "a@x.org"}, {"value": "z@x.org", "primary": True}]),
        person("2", emails=[{"value": "m@x.org"}, {"value": "b@x.org"}]),
        person("3", emails=[]),
    ]

    assert order("emails.value", None, resources) == ["2", "1", "3"]
    assert order("emails", None, resources) == ["2", "1", "3"]
    assert order("emails", "descending", resources) == ["3", "1", "2"]


def test_simple_multi_valued_first() -> None:
    resources = [person("1", tags=["z", "a"]), person("2", tags=["m"])]

    assert order("tags", None, resources) == ["2", "1"]


def test_datetime_as_instants() -> None:
    resources = [
        person("1", meta={"created": "2020-01-01T12:00:00+05:00"}),
        person("2", meta={"created": "2020-01-01T08:00:00Z"}),
        person("3", meta={"created": "2019-12-31T23:00:00-02:00"}),
    ]

    assert order("meta.created", None, resources) == ["3", "1", "2"]


def test_extension_attribute() -> None:
    resources = [
        person("1", **{ENTERPRISE: {"employeeNumber": "20"}}),
        person("2"),
        person("3", **{ENTERPRISE: {"employeeNumber": "10"}}),
    ]

    assert order(f"{ENTERPRISE}:employeeNumber", None, resources) == ["3", "1", "2"]
    assert order("employeeNumber", "descending", resources) == ["2", "1", "3"]


def test_decimal() -> None:
    resources = [person("1", quota=2.5), person("2", quota=-1), person("3", quota=2)]

    assert order("quota", None, resources) == ["2", "3", "1"]


def test_wrong_type_sorts_as_missing() -> None:
    resources = [person("1", loginCount="many"), person("2", loginCount=3)]

    assert order("loginCount", None, resources) == ["2", "1"]


@pytest.mark.parametrize("sort_order", ["up", "asc", "DESC", "1"])
def test_invalid_sort_order(sort_order: str) -> None:
    with pytest.raises(InvalidValue) as caught:
        sort_resources(PEOPLE, "userName", sort_order, USER_TYPE)

    assert repr(sort_order) in caught.value.detail


@pytest.mark.parametrize("sort_by", ["title", "name.middleName", 'emails[type eq "work"]', "a b"])
def test_unknown_sort_by(sort_by: str) -> None:
    with pytest.raises(InvalidValue) as caught:
        sort_resources(PEOPLE, sort_by, None, USER_TYPE)

    assert repr(sort_by) in caught.value.detail


def test_complex_sort_by() -> None:
    with pytest.raises(InvalidValue) as caught:
        sort_resources(PEOPLE, "name", None, USER_TYPE)

    assert "sub-attribute" in caught.value.detail
