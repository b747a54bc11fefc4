"""Both connector instances behind one interface, for tests of client behaviour.

The Entra ID and Okta tests run every request against the GoToMeeting and the
Coupa instance. ``ClientStack`` hides what differs between them: the body of a
valid user and the group a test may change.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.integration.conftest import GROUP_SCHEMA, LiveStack, new_user, start_stack
from tests.integration.coupa_stack import coupa_user, start_coupa_stack

ENTERPRISE = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"

# Coupa's sandbox content group "IT"; Coupa groups cannot be created through SCIM.
COUPA_GROUP = "3"


@dataclass
class ClientStack:
    """A live gateway and emulator of one connector, named ``kind``."""

    kind: str
    live: LiveStack

    @property
    def scim(self) -> httpx.Client:
        return self.live.scim

    def user_body(self, index: int | str, **extra: Any) -> dict[str, Any]:
        """Return a valid POST body for a new user of this connector."""
        if self.kind == "coupa":
            return coupa_user(index, **extra)
        return new_user(index, **extra)

    def create_user(self, index: int | str, **extra: Any) -> dict[str, Any]:
        return self.live.post_created("/Users", self.user_body(index, **extra))

    def group_id(self, name: str) -> str:
        """Return the id of an empty group this test may change."""
        if self.kind == "coupa":
            return COUPA_GROUP
        body = {"schemas": [GROUP_SCHEMA], "displayName": name}
        created: dict[str, Any] = self.live.post_created("/Groups", body)
        return str(created["id"])

    def member_ids(self, group_id: str) -> set[str]:
        """Read the group's member ids through the gateway, which reads them from the target."""
        response = self.scim.get(f"/Groups/{group_id}", params={"attributes": "members"})
        assert response.status_code == 200, response.text
        return {member["value"] for member in response.json().get("members", [])}

    def patch(self, path: str, *operations: dict[str, Any], **headers: str) -> httpx.Response:
        return self.live.patch(path, *operations, **headers)


@pytest.fixture(params=["gotomeeting", "coupa"])
def client_stack(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[ClientStack]:
    """A GoToMeeting stack, then a Coupa stack."""
    kind: str = request.param
    live: LiveStack = start_coupa_stack(tmp_path) if kind == "coupa" else start_stack(tmp_path)
    yield ClientStack(kind, live)
    live.close()


@pytest.fixture
def coupa_client(tmp_path: Path) -> Iterator[ClientStack]:
    """A Coupa stack alone, for behaviour that needs the enterprise extension."""
    live = start_coupa_stack(tmp_path)
    yield ClientStack("coupa", live)
    live.close()
