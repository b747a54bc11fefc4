"""Request forms identity managers send to the Coupa instance, over HTTP."""

from __future__ import annotations

from tests.integration.conftest import assert_scim_error
from tests.integration.coupa_stack import COUPA, ENTERPRISE, CoupaStack, coupa_user


def test_primary_email_is_kept(coupa: CoupaStack) -> None:
    emails = [
        {"value": "home@example.com", "type": "home"},
        {"value": "work@example.com", "type": "work", "primary": True},
    ]

    response = coupa.scim.post("/Users", json=coupa_user(1, emails=emails))

    assert response.status_code == 201, response.text
    assert response.json()["emails"] == [{"value": "work@example.com", "type": "work"}]
    assert coupa.target_user(response.json()["id"])["email"] == "work@example.com"


def test_membership_check_by_filter(coupa: CoupaStack) -> None:
    member = coupa.create_user(1)
    outsider = coupa.create_user(2)
    added = coupa.patch(
        "/Groups/2", {"op": "add", "path": "members", "value": [{"value": member["id"]}]}
    )
    assert added.status_code == 200, added.text

    def check(user_id: str) -> int:
        response = coupa.scim.get(
            "/Groups",
            params={
                "filter": f'id eq "2" and members eq "{user_id}"',
                "excludedAttributes": "members",
            },
        )
        assert response.status_code == 200, response.text
        assert all("members" not in group for group in response.json()["Resources"])
        total: int = response.json()["totalResults"]
        return total

    assert check(member["id"]) == 1
    assert check(outsider["id"]) == 0


def test_version_same_with_members(coupa: CoupaStack) -> None:
    member = coupa.create_user(1)
    coupa.patch("/Roles/4", {"op": "add", "path": "members", "value": [{"value": member["id"]}]})

    plain = coupa.scim.get("/Roles/4")
    with_members = coupa.scim.get("/Roles/4", params={"attributes": "members"})
    guarded = coupa.patch(
        "/Roles/4",
        {"op": "remove", "path": f'members[value eq "{member["id"]}"]'},
        **{"If-Match": with_members.headers["ETag"]},
    )

    assert plain.headers["ETag"] == with_members.headers["ETag"]
    assert guarded.status_code == 200, guarded.text


def test_deleted_manager_rejected(coupa: CoupaStack) -> None:
    manager = coupa.create_user(1)
    report = coupa.create_user(2)
    assert coupa.scim.delete(f"/Users/{manager['id']}").status_code == 204

    response = coupa.patch(
        f"/Users/{report['id']}",
        {"op": "replace", "path": f"{ENTERPRISE}:manager", "value": {"value": manager["id"]}},
    )

    detail = assert_scim_error(response, 400, "invalidValue")
    assert manager["id"] in detail
    assert coupa.target_user(report["id"])["manager"] is None


def test_membership_check_costs_two_calls(recorded_coupa: CoupaStack) -> None:
    member = recorded_coupa.create_user(1)
    recorded_coupa.patch(
        "/Groups/1", {"op": "add", "path": "members", "value": [{"value": member["id"]}]}
    )
    assert recorded_coupa.recorder is not None

    forms = [
        f'id eq "1" and members eq "{member["id"]}"',
        f'id eq "1" and members[value eq "{member["id"]}"]',
        f'members.value eq "{member["id"]}" and id eq "1"',
    ]
    for text in forms:
        with recorded_coupa.recorder.window() as calls:
            response = recorded_coupa.scim.get(
                "/Groups", params={"filter": text, "excludedAttributes": "members"}
            )
        assert response.status_code == 200, response.text
        assert response.json()["totalResults"] == 1, text
        assert len(calls) == 2, (text, calls)


def test_membership_check_unknown_group(coupa: CoupaStack) -> None:
    response = coupa.scim.get("/Groups", params={"filter": 'id eq "999" and members eq "1"'})

    assert response.status_code == 200, response.text
    assert response.json()["totalResults"] == 0


def test_same_put_twice_with_shared_address(coupa: CoupaStack) -> None:
    user = coupa.create_user(1)
    body = coupa_user(1, **{COUPA: {"defaultAddressLocationCode": "HQ-SF"}})

    first = coupa.scim.put(f"/Users/{user['id']}", json=body)
    second = coupa.scim.put(f"/Users/{user['id']}", json=body)

    assert first.status_code == 200, first.text
    assert second.status_code == 200, second.text
    assert second.json()["addresses"][0]["locality"] == "San Francisco"
    assert coupa.target_user(user["id"])["default-address"]["location-code"] == "HQ-SF"


def test_error_names_scim_attribute(coupa: CoupaStack) -> None:
    user = coupa.create_user(1)

    approval = coupa.patch(
        f"/Users/{user['id']}",
        {"op": "add", "path": f"{COUPA}:approvalGroups", "value": [{"value": "2"}]},
    )
    manager = coupa.patch(
        f"/Users/{user['id']}",
        {"op": "replace", "path": f"{ENTERPRISE}:manager", "value": {"value": "77777"}},
    )
    street = coupa.patch(
        f"/Users/{user['id']}",
        {"op": "replace", "path": 'addresses[type eq "work"].streetAddress', "value": "1 A St"},
    )

    assert "(SCIM attribute approvalGroups)" in assert_scim_error(approval, 400, "invalidValue")
    manager_detail = assert_scim_error(manager, 400, "invalidValue")
    assert "(SCIM attribute manager.value)" in manager_detail
    assert "userName" not in manager_detail
    street_detail = assert_scim_error(street, 400, "invalidValue")
    assert "locality, postalCode and country" in street_detail
