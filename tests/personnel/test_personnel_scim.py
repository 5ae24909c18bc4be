"""SCIM 2.0 provisioning as identity providers send it (Entra ID / Okta request sequences): create,
filter by userName and externalId, patch, replace with ETags, groups, and deactivation ending access."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from personnel_testkit import Api, headers, make_settings

from personnel.app.main import create_app

SCIM_TOKEN = "scim-test-token"
USER_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:User"
ENT = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
PATCH = "urn:ietf:params:scim:api:messages:2.0:PatchOp"


@pytest.fixture
def scim(db_url: str) -> Iterator[TestClient]:
    settings = make_settings(db_url)
    settings.scim_token = SCIM_TOKEN
    with TestClient(create_app(settings)) as client:
        client.headers.update(
            {"Authorization": f"Bearer {SCIM_TOKEN}", "Content-Type": "application/scim+json"}
        )
        yield client


def _new_user(ext: str = "aad-0001", email: str = "new.hire@example.com") -> dict:
    return {
        "schemas": [USER_SCHEMA, ENT],
        "externalId": ext,
        "userName": email,
        "active": True,
        "name": {"givenName": "Nina", "familyName": "Hire", "formatted": "Nina Hire"},
        "displayName": "Nina Hire",
        "title": "Analyst",
        "preferredLanguage": "zh-CN",
        "emails": [{"value": email, "type": "work", "primary": True}],
        ENT: {"employeeNumber": "E9001", "department": "ENG", "manager": {"value": "E1002"}},
    }


def test_scim_needs_its_own_token(db_url: str, scim: TestClient) -> None:
    assert scim.get("/scim/v2/Users", headers={"Authorization": "Bearer nope"}).status_code == 401
    # the personnel service token is not a SCIM token
    assert scim.get("/scim/v2/Users", headers=headers(None)).status_code == 401
    with TestClient(create_app(make_settings(db_url))) as off:  # no PERSONNEL_SCIM_TOKEN: disabled
        assert off.get("/scim/v2/Users", headers={"Authorization": "Bearer "}).status_code == 401


def test_user_lifecycle_create_filter_patch_replace_deactivate(scim: TestClient) -> None:
    # Entra ID first looks the user up by userName, then creates
    r = scim.get("/scim/v2/Users", params={"filter": 'userName eq "new.hire@example.com"'})
    assert r.status_code == 200 and r.json()["totalResults"] == 0
    created = scim.post("/scim/v2/Users", json=_new_user())
    assert created.status_code == 201, created.text
    user = created.json()
    assert user["id"] == "E9001" and user["userName"] == "new.hire@example.com"
    assert user[ENT]["department"] == "ENG" and user[ENT]["manager"]["value"] == "E1002"
    etag = created.headers["ETag"]
    assert etag.startswith('W/"') and user["meta"]["version"] == etag

    # the same userName again is a uniqueness conflict
    dup = scim.post("/scim/v2/Users", json=_new_user(ext="aad-0002"))
    assert dup.status_code == 409 and dup.json()["scimType"] == "uniqueness"

    by_ext = scim.get("/scim/v2/Users", params={"filter": 'externalId eq "aad-0001"'}).json()
    assert by_ext["totalResults"] == 1 and by_ext["Resources"][0]["id"] == "E9001"

    # Entra ID's patch style: capitalised op, no path, string booleans
    r = scim.patch(
        "/scim/v2/Users/E9001",
        json={
            "schemas": [PATCH],
            "Operations": [{"op": "Replace", "path": "title", "value": "Senior Analyst"}],
        },
        headers={"If-Match": etag},
    )
    assert r.status_code == 200, r.text
    assert r.json()["title"] == "Senior Analyst" and r.headers["ETag"] != etag
    # a stale ETag is refused and changes nothing
    stale = scim.patch(
        "/scim/v2/Users/E9001",
        json={"schemas": [PATCH], "Operations": [{"op": "replace", "path": "title", "value": "X"}]},
        headers={"If-Match": etag},
    )
    assert stale.status_code == 412
    assert scim.get("/scim/v2/Users/E9001").json()["title"] == "Senior Analyst"

    replaced = scim.put("/scim/v2/Users/E9001", json={**_new_user(), "title": "Lead Analyst"})
    assert replaced.status_code == 200 and replaced.json()["title"] == "Lead Analyst"

    # the imported/provisioned employee works with the backend until deactivated
    api_headers = headers("E9001")
    assert scim.get("/me", headers=api_headers).status_code == 200
    off = scim.patch(
        "/scim/v2/Users/E9001",
        json={"schemas": [PATCH], "Operations": [{"op": "replace", "value": {"active": "False"}}]},
    )
    assert off.status_code == 200 and off.json()["active"] is False
    refused = scim.get("/me", headers=api_headers)
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "unknown_employee"


def test_delete_deactivates_but_keeps_records(scim: TestClient, api: Api) -> None:
    assert scim.delete("/scim/v2/Users/E1001").status_code == 204
    user = scim.get("/scim/v2/Users/E1001").json()
    assert user["active"] is False  # still there: HR's records are never erased by the IdP
    assert scim.get("/me", headers=headers("E1001")).status_code == 403
    assert scim.get("/scim/v2/Users/NOPE").status_code == 404


def test_groups_are_departments(scim: TestClient) -> None:
    g = scim.post(
        "/scim/v2/Groups",
        json={
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"],
            "displayName": "Data Platform",
            "externalId": "grp-77",
            "members": [{"value": "E1001"}],
        },
    )
    assert g.status_code == 201, g.text
    code = g.json()["id"]
    assert [m["value"] for m in g.json()["members"]] == ["E1001"]
    found = scim.get("/scim/v2/Groups", params={"filter": 'displayName eq "Data Platform"'}).json()
    assert found["totalResults"] == 1 and found["Resources"][0]["externalId"] == "grp-77"
    r = scim.patch(
        f"/scim/v2/Groups/{code}",
        json={
            "schemas": [PATCH],
            "Operations": [{"op": "add", "path": "members", "value": [{"value": "E1002"}]}],
        },
    )
    assert r.status_code == 200, r.text
    assert {m["value"] for m in r.json()["members"]} == {"E1001", "E1002"}
    assert scim.get("/scim/v2/Users/E1002").json()[ENT]["department"] == code
    assert scim.delete(f"/scim/v2/Groups/{code}").status_code == 409  # has members
