"""Translation of SCIM filters into Coupa query parameters."""

from __future__ import annotations

import pytest

from scimbridge.connectors.coupa.fields import GROUP_QUERY_FIELDS, USER_QUERY_FIELDS
from scimbridge.connectors.coupa.filters import Translation, translate
from scimbridge.connectors.coupa.mappings import GROUP_TYPE, USER_ROWS, user_type
from scimbridge.scim.filtering import parse_filter

USERS = user_type(USER_ROWS)
COUPA = "urn:scimbridge:params:scim:schemas:extension:coupa:2.0:User"


def users(text: str) -> Translation:
    return translate(parse_filter(text), USER_QUERY_FIELDS, USERS)


@pytest.mark.parametrize(
    ("text", "params"),
    [
        ('userName eq "jdoe"', {"login": "jdoe"}),
        ('emails.value eq "a@example.com"', {"email": "a@example.com"}),
        ('emails[value eq "a@example.com"]', {"email": "a@example.com"}),
        ('name.familyName co "ov"', {"lastname[contains]": "ov"}),
        ('userName sw "j"', {"login[starts_with]": "j"}),
        ('displayName ew "Doe"', {"fullname[ends_with]": "Doe"}),
        ("active eq true", {"active": "true"}),
        ('id eq "105"', {"id": "105"}),
        ('id gt "105"', {"id[gt]": "105"}),
        ('meta.lastModified gt "2026-01-01T00:00:00Z"', {"updated-at[gt]": "2026-01-01T00:00:00Z"}),
        (
            'meta.created le "2026-01-01T00:00:00Z"',
            {"created-at[lt_or_eq]": "2026-01-01T00:00:00Z"},
        ),
        ("name.middleName pr", {"middlename[blank]": "false"}),
        ('userName eq "a" or userName eq "b"', {"login[in]": "a,b"}),
        ('roles.value eq "4"', {"roles[id]": "4"}),
        ('groups[value eq "2"]', {"content-groups[id]": "2"}),
        ('roles.display sw "Buy"', {"roles[name][starts_with]": "Buy"}),
        (
            f'{COUPA}:accountGroups.value eq "1" or {COUPA}:accountGroups.value eq "3"',
            {"account-groups[id][in]": "1,3"},
        ),
        ('employeeNumber eq "E1"', {"employee-number": "E1"}),
        (
            'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value eq "7"',
            {"manager[id]": "7"},
        ),
        (f'{COUPA}:defaultCurrency eq "EUR"', {"default-currency[code]": "EUR"}),
        (f"{COUPA}:purchasingUser eq true", {"purchasing-user": "true"}),
        (
            'active eq true and name.familyName eq "Doe" and userName sw "j"',
            {"active": "true", "lastname": "Doe", "login[starts_with]": "j"},
        ),
    ],
)
def test_pushed_down(text: str, params: dict[str, str]) -> None:
    translation = users(text)

    assert translation.params == params
    assert translation.residual is False
    assert translation.matches_nothing is False


@pytest.mark.parametrize(
    "text",
    [
        'employeeNumber ne "E1"',
        'not (userName eq "a")',
        'userName eq "a" or name.familyName eq "b"',
        'roles.value ne "4"',
        'roles.value co "4"',
        'active eq "true"',
        'externalId eq "x"',
        'ssoIdentifier eq "x"',
        'meta.lastModified eq "2026-01-01T00:00:00Z"',
        'userName eq "a,b" or userName eq "c"',
    ],
)
def test_left_to_gateway(text: str) -> None:
    translation = users(text)

    assert translation.residual is True
    assert translation.params == {}


def test_and_splits_pushed_and_residual() -> None:
    translation = users('active eq true and employeeNumber ne "E1"')

    assert translation.params == {"active": "true"}
    assert translation.residual is True


def test_same_field_twice_is_residual() -> None:
    translation = users('userName sw "a" and userName sw "b"')

    assert translation.params == {"login[starts_with]": "a"}
    assert translation.residual is True


@pytest.mark.parametrize("text", ['id eq "abc"', 'roles.value eq "Buyer"'])
def test_non_numeric_id_matches_nothing(text: str) -> None:
    assert users(text).matches_nothing is True


def test_or_of_impossible_ids_matches_nothing() -> None:
    assert users('id eq "x" or id eq "y"').matches_nothing is True


def test_or_keeps_possible_ids() -> None:
    translation = users('id eq "x" or id eq "7"')

    assert translation.params == {"id[in]": "7"}
    assert translation.matches_nothing is False


def test_group_display_name() -> None:
    translation = translate(
        parse_filter('displayName eq "Finance"'), GROUP_QUERY_FIELDS, GROUP_TYPE
    )

    assert translation.params == {"name": "Finance"}
    assert translation.residual is False


def test_group_members_left_to_gateway() -> None:
    node = parse_filter('members[value eq "100"]')

    translation = translate(node, GROUP_QUERY_FIELDS, GROUP_TYPE)

    assert translation.residual is True


def test_no_filter() -> None:
    translation = translate(None, USER_QUERY_FIELDS, USERS)

    assert translation.params == {}
    assert translation.residual is False
