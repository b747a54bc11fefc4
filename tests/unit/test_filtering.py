"""Tests of filter parsing, validation and evaluation on resource dictionaries.

The User and Group resource types defined here are shared with the PATCH,
projection and sorting tests, which import them from this module.
"""

from __future__ import annotations

import copy
from typing import Any

import pytest

from scimbridge.errors import InvalidFilter
from scimbridge.scim.filtering import (
    compile_filter,
    filter_depth,
    matches,
    parse_filter,
    validate_filter,
)
from scimbridge.scim.schema import (
    COMMON_ATTRIBUTES,
    AttributeDef,
    AttributeType,
    Mutability,
    ResourceTypeDef,
    Returned,
    SchemaDef,
    Uniqueness,
)

USER_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:User"
GROUP_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:Group"
ENTERPRISE = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"

STRING = AttributeType.STRING
COMPLEX = AttributeType.COMPLEX
REFERENCE = AttributeType.REFERENCE


def _complex(name: str, *subs: AttributeDef, **options: Any) -> AttributeDef:
    return AttributeDef(name, COMPLEX, sub_attributes=subs, **options)


USER_ATTRIBUTES = (
    *COMMON_ATTRIBUTES,
    AttributeDef("userName", required=True, uniqueness=Uniqueness.SERVER),
    _complex(
        "name",
        AttributeDef("givenName"),
        AttributeDef("familyName"),
        AttributeDef("formatted"),
    ),
    AttributeDef("displayName"),
    AttributeDef("nickName", case_exact=True),
    AttributeDef("active", AttributeType.BOOLEAN),
    _complex(
        "emails",
        AttributeDef("value"),
        AttributeDef("type", canonical_values=("work", "home", "other")),
        AttributeDef("primary", AttributeType.BOOLEAN),
        multi_valued=True,
    ),
    _complex(
        "groups",
        AttributeDef("value", mutability=Mutability.READ_ONLY),
        AttributeDef("display", mutability=Mutability.READ_ONLY),
        AttributeDef("$ref", REFERENCE, mutability=Mutability.READ_ONLY),
        multi_valued=True,
        mutability=Mutability.READ_ONLY,
    ),
    AttributeDef("locale"),
    AttributeDef("timezone"),
    AttributeDef("loginCount", AttributeType.INTEGER),
    AttributeDef("quota", AttributeType.DECIMAL),
    AttributeDef("photo", AttributeType.BINARY),
    AttributeDef("password", mutability=Mutability.WRITE_ONLY, returned=Returned.NEVER),
    AttributeDef("costCenterNote", returned=Returned.REQUEST),
    AttributeDef("badgeId", mutability=Mutability.IMMUTABLE),
    AttributeDef("tags", multi_valued=True),
)

ENTERPRISE_ATTRIBUTES = (
    AttributeDef("employeeNumber"),
    AttributeDef("department"),
    AttributeDef("startDate", AttributeType.DATETIME),
    _complex(
        "manager",
        AttributeDef("value"),
        AttributeDef("displayName", mutability=Mutability.READ_ONLY),
        AttributeDef("$ref", REFERENCE),
    ),
)

USER_TYPE = ResourceTypeDef(
    name="User",
    endpoint="/Users",
    description="User accounts",
    schema=SchemaDef(USER_SCHEMA, "User", "User account", USER_ATTRIBUTES),
    extensions=(SchemaDef(ENTERPRISE, "EnterpriseUser", "Enterprise user", ENTERPRISE_ATTRIBUTES),),
)

GROUP_TYPE = ResourceTypeDef(
    name="Group",
    endpoint="/Groups",
    description="Groups",
    schema=SchemaDef(
        GROUP_SCHEMA,
        "Group",
        "Group",
        (
            *COMMON_ATTRIBUTES,
            AttributeDef("displayName", required=True),
            _complex(
                "members",
                AttributeDef("value", case_exact=True),
                AttributeDef("display"),
                AttributeDef("$ref", REFERENCE),
                AttributeDef("type", canonical_values=("User", "Group")),
                multi_valued=True,
            ),
        ),
    ),
)

BJENSEN: dict[str, Any] = {
    "schemas": [USER_SCHEMA, ENTERPRISE],
    "id": "2819c223",
    "externalId": "bjensen-ext",
    "userName": "bjensen",
    "name": {"givenName": "Barbara", "familyName": "Jensen", "formatted": "Ms. Barbara Jensen"},
    "displayName": "Babs Jensen",
    "nickName": "Babs",
    "active": True,
    "emails": [
        {"value": "bjensen@example.com", "type": "work", "primary": True},
        {"value": "babs@jensen.org", "type": "home"},
    ],
    "groups": [{"value": "g1", "display": "Admins"}],
    "locale": "en-US",
    "timezone": "America/Los_Angeles",
    "loginCount": 42,
    "quota": 2.5,
    "photo": "aGVsbG8=",
    "tags": ["blue", "Green"],
    "meta": {
        "resourceType": "User",
        "created": "2019-06-01T10:00:00Z",
        "lastModified": "2021-03-15T12:30:00+02:00",
    },
    ENTERPRISE: {
        "employeeNumber": "701984",
        "department": "Tour Operations",
        "manager": {"value": "26118915", "displayName": "John Smith"},
    },
}


def user(**changes: Any) -> dict[str, Any]:
    """Return a copy of BJENSEN with top-level keys replaced; None deletes a key."""
    resource = copy.deepcopy(BJENSEN)
    for key, value in changes.items():
        if value is None:
            resource.pop(key, None)
        else:
            resource[key] = value
    return resource


def check(text: str, resource: dict[str, Any] | None = None) -> bool:
    return matches(parse_filter(text), BJENSEN if resource is None else resource, USER_TYPE)


STRING_CASES = [
    ('userName eq "bjensen"', True),
    ('userName eq "BJENSEN"', True),
    ('USERNAME eq "bjensen"', True),
    ('userName eq "other"', False),
    ('userName ne "other"', True),
    ('userName ne "BJensen"', False),
    ('userName co "jen"', True),
    ('userName co "JEN"', True),
    ('userName co "xyz"', False),
    ('userName sw "bj"', True),
    ('userName sw "je"', False),
    ('userName ew "sen"', True),
    ('userName ew "bj"', False),
    ('userName gt "a"', True),
    ('userName gt "c"', False),
    ('userName ge "BJENSEN"', True),
    ('userName lt "c"', True),
    ('userName lt "a"', False),
    ('userName le "bjensen"', True),
    ("userName pr", True),
]


@pytest.mark.parametrize(("text", "expected"), STRING_CASES)
def test_string_operators(text: str, expected: bool) -> None:
    assert check(text) is expected


CASE_EXACT_CASES = [
    ('nickName eq "Babs"', True),
    ('nickName eq "babs"', False),
    ('nickName co "ab"', True),
    ('nickName co "AB"', False),
    ('nickName sw "B"', True),
    ('nickName sw "b"', False),
    ('nickName ew "bs"', True),
    ('nickName ne "babs"', True),
    ('id eq "2819C223"', False),
    ('id eq "2819c223"', True),
]


@pytest.mark.parametrize(("text", "expected"), CASE_EXACT_CASES)
def test_case_exact_strings(text: str, expected: bool) -> None:
    assert check(text) is expected


BOOLEAN_CASES = [
    ("active eq true", True),
    ("active eq false", False),
    ("active ne false", True),
    ("active ne true", False),
    ('active eq "true"', True),
    ('active eq "False"', False),
    ("active pr", True),
]


@pytest.mark.parametrize(("text", "expected"), BOOLEAN_CASES)
def test_boolean_operators(text: str, expected: bool) -> None:
    assert check(text) is expected


def test_boolean_stored_as_string() -> None:
    resource = user(active="False")

    assert check("active eq false", resource) is True
    assert check("active eq true", resource) is False


NUMBER_CASES = [
    ("loginCount eq 42", True),
    ("loginCount eq 42.0", True),
    ("loginCount ne 42", False),
    ("loginCount gt 41", True),
    ("loginCount gt 42", False),
    ("loginCount ge 42", True),
    ("loginCount lt 43", True),
    ("loginCount lt 42", False),
    ("loginCount le 42", True),
    ("loginCount le 41", False),
    ("quota eq 2.5", True),
    ("quota gt 2", True),
    ("quota lt 2.5", False),
    ("quota le 2.5", True),
    ("quota ge 3", False),
    ("quota ne 1e1", True),
]


@pytest.mark.parametrize(("text", "expected"), NUMBER_CASES)
def test_number_operators(text: str, expected: bool) -> None:
    assert check(text) is expected


DATETIME_CASES = [
    ('meta.lastModified gt "2020-01-01T00:00:00Z"', True),
    ('meta.lastModified lt "2020-01-01T00:00:00Z"', False),
    ('meta.lastModified eq "2021-03-15T10:30:00Z"', True),
    ('meta.lastModified eq "2021-03-15T12:30:00Z"', False),
    ('meta.lastModified ne "2021-03-15T10:30:00Z"', False),
    ('meta.lastModified ge "2021-03-15T10:30:00Z"', True),
    ('meta.lastModified le "2021-03-15T10:29:59Z"', False),
    ('meta.created lt "2019-06-01T10:00:01Z"', True),
    ('meta.created eq "2019-06-01T10:00:00.000Z"', True),
    ('meta.created gt "2019-06-01"', True),
    ("meta.created pr", True),
]


@pytest.mark.parametrize(("text", "expected"), DATETIME_CASES)
def test_datetime_operators(text: str, expected: bool) -> None:
    assert check(text) is expected


def test_datetime_unparsable_stored_value() -> None:
    resource = user(meta={"lastModified": "yesterday"})

    assert check('meta.lastModified gt "2000-01-01T00:00:00Z"', resource) is False
    assert check('meta.lastModified lt "2100-01-01T00:00:00Z"', resource) is False


BINARY_AND_REFERENCE_CASES = [
    ('photo eq "aGVsbG8="', True),
    ('photo ne "aGVsbG8="', False),
    ("groups.$ref pr", False),
    ("urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.$ref pr", False),
]


@pytest.mark.parametrize(("text", "expected"), BINARY_AND_REFERENCE_CASES)
def test_binary_and_reference(text: str, expected: bool) -> None:
    assert check(text) is expected


MULTI_VALUED_CASES = [
    ('emails.value eq "babs@jensen.org"', True),
    ('emails.value eq "BABS@JENSEN.ORG"', True),
    ('emails.type eq "home"', True),
    ('emails.type eq "other"', False),
    ('emails co "jensen.org"', True),
    ('emails sw "bjensen@"', True),
    ('emails eq "nobody@example.com"', False),
    ('emails.type ne "work"', False),
    ('emails.type ne "other"', True),
    ("emails.primary eq true", True),
    ("emails pr", True),
    ("emails.primary pr", True),
    ('tags eq "green"', True),
    ('tags eq "red"', False),
    ('tags ne "red"', True),
    ('tags ne "blue"', False),
    ('groups.display eq "admins"', True),
    ('groups eq "g1"', True),
]


@pytest.mark.parametrize(("text", "expected"), MULTI_VALUED_CASES)
def test_multi_valued(text: str, expected: bool) -> None:
    assert check(text) is expected


VALUE_PATH_CASES = [
    ('emails[type eq "work"]', True),
    ('emails[type eq "work" and value co "@example.com"]', True),
    ('emails[type eq "home" and value co "@example.com"]', False),
    ('emails[type eq "home" or primary eq true]', True),
    ('emails[not (type eq "work")]', True),
    ('emails[type eq "work" and primary eq false]', False),
    ('emails[value ew ".org"] and userName eq "bjensen"', True),
    ('emails[type eq "work"].value eq "bjensen@example.com"', True),
    ('emails[type eq "home"].value eq "bjensen@example.com"', False),
    ('emails[type eq "work"].value co "EXAMPLE"', True),
    ('emails[type eq "home"].primary pr', False),
    ('groups[display eq "Admins"]', True),
    ('name[givenName eq "barbara"]', True),
]


@pytest.mark.parametrize(("text", "expected"), VALUE_PATH_CASES)
def test_value_path(text: str, expected: bool) -> None:
    assert check(text) is expected


EXTENSION_CASES = [
    ('urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber eq "701984"', True),
    ('urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber eq "1"', False),
    ("URN:IETF:PARAMS:SCIM:SCHEMAS:EXTENSION:ENTERPRISE:2.0:USER:EMPLOYEENUMBER pr", True),
    (
        'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value eq "26118915"',
        True,
    ),
    ("urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager pr", True),
    ('urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department sw "tour"', True),
    ('employeeNumber eq "701984"', True),
    ('manager.displayName eq "john smith"', True),
    ('manager eq "26118915"', True),
    ('manager eq "1"', False),
    ('id eq "2819c223" and manager eq "26118915"', True),
    ('urn:ietf:params:scim:schemas:core:2.0:User:userName eq "bjensen"', True),
]


@pytest.mark.parametrize(("text", "expected"), EXTENSION_CASES)
def test_urn_qualified(text: str, expected: bool) -> None:
    assert check(text) is expected


def test_extension_missing() -> None:
    resource = user(**{ENTERPRISE: None})

    assert check(f"{ENTERPRISE}:employeeNumber pr", resource) is False
    assert check(f'{ENTERPRISE}:employeeNumber eq "701984"', resource) is False
    assert check(f'{ENTERPRISE}:employeeNumber ne "701984"', resource) is True


PRESENT_CASES = [
    ({"displayName": None}, False),
    ({"displayName": ""}, False),
    ({"displayName": "x"}, True),
    ({"emails": []}, False),
    ({"emails": [{}]}, False),
    ({"emails": [{"type": "work"}]}, True),
    ({"name": {}}, False),
    ({"name": {"givenName": None}}, False),
    ({"name": {"givenName": "B"}}, True),
]


@pytest.mark.parametrize(("fields", "expected"), PRESENT_CASES)
def test_present(fields: dict[str, Any], expected: bool) -> None:
    resource = copy.deepcopy(BJENSEN)
    resource.update(fields)
    attribute = next(iter(fields))

    assert check(f"{attribute} pr", resource) is expected


def test_present_missing_key() -> None:
    resource = user(displayName=None)

    assert check("displayName pr", resource) is False
    assert check("not (displayName pr)", resource) is True


def test_missing_attribute_comparisons() -> None:
    resource = user(displayName=None)

    assert check('displayName eq "x"', resource) is False
    assert check('displayName ne "x"', resource) is True
    assert check('displayName co "x"', resource) is False
    assert check('displayName gt "a"', resource) is False


def test_null_comparisons() -> None:
    missing = user(displayName=None)

    assert check("displayName eq null", missing) is True
    assert check("displayName eq null") is False
    assert check("displayName ne null") is True
    assert check("displayName ne null", missing) is False


LOGICAL_CASES = [
    ('userName eq "bjensen" and active eq true', True),
    ('userName eq "bjensen" and active eq false', False),
    ('userName eq "x" or active eq true', True),
    ('userName eq "x" or active eq false', False),
    ('not (userName eq "x")', True),
    ('not(userName eq "bjensen")', False),
    ('userName eq "x" or userName eq "y" and active eq true', False),
    ('userName eq "bjensen" or userName eq "y" and active eq false', True),
    ('(userName eq "bjensen" or userName eq "y") and active eq false', False),
    ('not (emails[type eq "other"]) and (nickName pr or locale eq "en-us")', True),
    ('not (emails[type eq "work"]) or (locale eq "fr")', False),
    ('userName eq "bjensen" AND active EQ true', True),
]


@pytest.mark.parametrize(("text", "expected"), LOGICAL_CASES)
def test_logical_operators(text: str, expected: bool) -> None:
    assert check(text) is expected


def test_attribute_key_case_in_resource() -> None:
    resource = {"USERNAME": "bjensen", "Name": {"GivenName": "Barbara"}}

    assert check('userName eq "bjensen"', resource) is True
    assert check('name.givenName eq "barbara"', resource) is True


def test_compile_reused() -> None:
    predicate = compile_filter(parse_filter('emails[type eq "work"] and active eq true'), USER_TYPE)
    others = [user(active=False), user(emails=[{"value": "x@y", "type": "home"}])]

    assert predicate(BJENSEN) is True
    assert [predicate(resource) for resource in others] == [False, False]


def test_group_members() -> None:
    group = {"displayName": "Admins", "members": [{"value": "ABC", "display": "Alice"}]}
    node = parse_filter('members eq "ABC"')

    assert matches(node, group, GROUP_TYPE) is True
    assert matches(parse_filter('members eq "abc"'), group, GROUP_TYPE) is False
    assert matches(parse_filter('members[display sw "ali"]'), group, GROUP_TYPE) is True


INVALID_ATTRIBUTE_CASES = [
    ('title eq "x"', "'title'"),
    ('name.middle eq "x"', "'name.middle'"),
    ('userName.sub eq "x"', "'userName.sub'"),
    ('urn:example:unknown:2.0:User:employeeNumber eq "1"', "employeeNumber"),
    ('emails[kind eq "work"]', "'kind'"),
]


@pytest.mark.parametrize(("text", "fragment"), INVALID_ATTRIBUTE_CASES)
def test_unknown_attribute(text: str, fragment: str) -> None:
    with pytest.raises(InvalidFilter) as caught:
        validate_filter(parse_filter(text), USER_TYPE)

    assert fragment in caught.value.detail


INVALID_OPERATOR_CASES = [
    "active gt true",
    "active le false",
    'photo lt "a"',
    'name gt "x"',
    'name eq "x"',
    'loginCount co "4"',
    "loginCount sw 4",
    'meta.created co "2019"',
    'active ew "e"',
    'photo co "aGV"',
    "displayName gt null",
]


@pytest.mark.parametrize("text", INVALID_OPERATOR_CASES)
def test_invalid_operator(text: str) -> None:
    with pytest.raises(InvalidFilter):
        validate_filter(parse_filter(text), USER_TYPE)


INVALID_VALUE_CASES = [
    ("userName eq 5", "userName"),
    ('active eq "yes"', "active"),
    ('loginCount eq "42"', "loginCount"),
    ("loginCount eq true", "loginCount"),
    ('meta.created gt "last week"', "meta.created"),
    ("meta.created gt 5", "meta.created"),
]


@pytest.mark.parametrize(("text", "fragment"), INVALID_VALUE_CASES)
def test_invalid_value(text: str, fragment: str) -> None:
    with pytest.raises(InvalidFilter) as caught:
        validate_filter(parse_filter(text), USER_TYPE)

    assert fragment in caught.value.detail


def test_complex_pr_allowed() -> None:
    validate_filter(parse_filter("name pr"), USER_TYPE)

    assert check("name pr") is True


def test_value_path_on_simple_attribute() -> None:
    with pytest.raises(InvalidFilter) as caught:
        validate_filter(parse_filter('userName[value eq "x"]'), USER_TYPE)

    assert "not a complex attribute" in caught.value.detail


SYNTAX_ERROR_CASES = [
    "userName eq",
    'userName eq "unterminated',
    'userName equals "x"',
    '(userName eq "x"',
    'userName eq "x")',
    "and",
    'emails[type eq "work"',
]


@pytest.mark.parametrize("text", SYNTAX_ERROR_CASES)
def test_syntax_error(text: str) -> None:
    with pytest.raises(InvalidFilter) as caught:
        parse_filter(text)

    assert repr(text) in caught.value.detail


def test_syntax_error_column() -> None:
    with pytest.raises(InvalidFilter) as caught:
        parse_filter('userName eq "x" and')

    assert "column" in caught.value.detail


def test_empty_filter() -> None:
    with pytest.raises(InvalidFilter) as caught:
        parse_filter("   ")

    assert "empty" in caught.value.detail


def test_max_length() -> None:
    text = 'userName eq "' + "x" * 100 + '"'

    with pytest.raises(InvalidFilter) as caught:
        parse_filter(text, max_length=50)

    assert "maximum of 50" in caught.value.detail
    assert parse_filter(text, max_length=len(text)) is not None


def test_max_depth_parentheses() -> None:
    text = "(" * 5 + 'userName eq "x"' + ")" * 5

    with pytest.raises(InvalidFilter) as caught:
        parse_filter(text, max_depth=4)

    assert "5 levels" in caught.value.detail
    assert parse_filter(text, max_depth=5) is not None


def test_max_depth_not() -> None:
    text = "not (" * 4 + "userName pr" + ")" * 4
    node = parse_filter(text, max_depth=4)

    assert filter_depth(node) == 4
    with pytest.raises(InvalidFilter):
        parse_filter(text, max_depth=3)


def test_parentheses_in_strings_ignored() -> None:
    text = 'userName eq "((((((x"'

    assert parse_filter(text, max_depth=1) is not None


def test_deep_nesting_default_limit() -> None:
    text = "(" * 40 + "userName pr" + ")" * 40

    with pytest.raises(InvalidFilter):
        parse_filter(text)


def test_filter_depth_counts() -> None:
    assert filter_depth(parse_filter("userName pr")) == 0
    assert filter_depth(parse_filter("userName pr and title pr")) == 1
    assert filter_depth(parse_filter('emails[type eq "work" and value pr]')) == 2
