"""The connector contract's defaults."""

from __future__ import annotations

import pytest

from scimbridge.connectors.base import Page, Query, Resource, ResourceHandler
from scimbridge.connectors.gotomeeting.mappings import GROUP_TYPE
from scimbridge.errors import MethodNotAllowed


class ReadOnlyGroups(ResourceHandler):
    resource_type = GROUP_TYPE
    write_rejection = "the target allows reads only"

    async def get(self, resource_id: str) -> Resource:
        return {"id": resource_id, "displayName": "Sales"}

    async def query(self, query: Query) -> Page:
        return Page(resources=[], total_results=0)


async def test_unimplemented_writes_are_405() -> None:
    handler = ReadOnlyGroups()

    with pytest.raises(MethodNotAllowed) as created:
        await handler.create({"displayName": "x"})
    with pytest.raises(MethodNotAllowed) as deleted:
        await handler.delete("1")

    assert created.value.status == 405
    assert created.value.detail == (
        "Group resources cannot be created through this connector: the target allows reads only"
    )
    assert "cannot be deleted" in deleted.value.detail


def test_body_passes_unchanged_by_default() -> None:
    body = {"userName": "a@example.com"}

    assert ReadOnlyGroups().normalise_body("POST", body) is body
