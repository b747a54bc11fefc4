"""Filters and sorts where Coupa and SCIM treat empty values differently, over HTTP."""

from __future__ import annotations

from tests.integration.coupa_stack import ENTERPRISE, CoupaStack


def _ids(response_json: dict[str, object]) -> list[str]:
    resources = response_json["Resources"]
    assert isinstance(resources, list)
    return [str(resource["id"]) for resource in resources]


def test_ne_matches_users_without_value(coupa: CoupaStack) -> None:
    with_number = coupa.create_user(1, **{ENTERPRISE: {"employeeNumber": "E1"}})
    other_number = coupa.create_user(2, **{ENTERPRISE: {"employeeNumber": "E2"}})
    without_number = coupa.create_user(3)

    response = coupa.scim.get("/Users", params={"filter": 'employeeNumber ne "E1"'})

    assert response.status_code == 200, response.text
    found = _ids(response.json())
    assert with_number["id"] not in found
    assert other_number["id"] in found
    assert without_number["id"] in found
    assert response.json()["totalResults"] == len(found)


def test_sort_puts_empty_values_last(coupa: CoupaStack) -> None:
    without_number = coupa.create_user(1)
    second = coupa.create_user(2, **{ENTERPRISE: {"employeeNumber": "E2"}})
    first = coupa.create_user(3, **{ENTERPRISE: {"employeeNumber": "E1"}})
    params = {"filter": 'userName sw "user"', "sortBy": "employeeNumber"}

    ascending = coupa.scim.get("/Users", params=params)
    descending = coupa.scim.get("/Users", params={**params, "sortOrder": "descending"})

    assert _ids(ascending.json()) == [first["id"], second["id"], without_number["id"]]
    assert _ids(descending.json()) == [without_number["id"], second["id"], first["id"]]
