"""The contract between the SCIM edge and a connector.

The SCIM edge parses, validates and authorises a request, then calls one
:class:`ResourceHandler` method with SCIM-shaped data: a resource as a JSON
dictionary, a parsed filter, or the list of PATCH operations. PATCH stays an
intent down to the handler, so a handler can turn "add one member" into one
target call instead of reading and rewriting a whole group.

Handlers return SCIM dictionaries without ``meta``; the edge adds ``meta``
(created, lastModified and version from the gateway store, location, resourceType).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from scim2_models.path.expressions import FilterNode

from scimbridge.errors import MethodNotAllowed, ScimbridgeError, ScimError, TargetError
from scimbridge.scim.patch import PatchOperation
from scimbridge.scim.schema import ResourceTypeDef

Resource = dict[str, Any]


@dataclass(frozen=True)
class Query:
    """A list request after parsing: RFC 7644 §3.4.2."""

    filter: FilterNode | None = None
    start_index: int = 1
    """1-based index of the first result."""
    count: int | None = None
    """Maximum number of results; ``None`` means the server's default page size."""
    sort_by: str | None = None
    sort_order: str = "ascending"
    attributes: tuple[str, ...] | None = None
    """Attributes the client asked for, a hint that lets a handler skip work."""


@dataclass(frozen=True)
class Page:
    """One page of a list result with the exact total across all pages."""

    resources: list[Resource]
    total_results: int


class ResourceHandler(ABC):
    """Serves one resource type of one connector instance."""

    resource_type: ResourceTypeDef
    write_rejection: str = "the target does not allow it"
    """The reason shown when a write this handler does not implement is rejected."""

    target_meta: bool = False
    """True when the handler's resources carry ``meta.created`` and ``meta.lastModified``
    read from the target; the edge then keeps those dates instead of its own."""

    @abstractmethod
    async def get(self, resource_id: str, attributes: Sequence[str] | None = None) -> Resource:
        """Return the resource, or raise :class:`scimbridge.errors.NotFound`.

        ``attributes`` are the attributes the client asked for, a hint that
        lets a handler read attributes returned only on request.
        """

    @abstractmethod
    async def query(self, query: Query) -> Page:
        """Return one page of the resources matching ``query.filter``, with an exact total.

        A filter the handler cannot evaluate exactly is rejected with
        :class:`scimbridge.errors.InvalidFilter` naming what is unsupported.
        """

    def normalise_body(self, method: str, body: Any) -> Any:
        """Rewrite a request body before the SCIM edge parses it.

        The default returns the body unchanged. A connector overrides it for
        aliases its target needs, such as GoToMeeting taking a write to
        ``emails`` as a write to ``userName``.
        """
        return body

    def version_basis(self, resource: Resource) -> Resource:
        """Return the part of a resource its version (ETag) is computed from.

        The default is the whole resource. A handler whose resources carry
        attributes read only on request leaves them out, so that a resource
        has one version whether or not the client asked for them.
        """
        return resource

    async def create(self, resource: Resource) -> Resource:
        raise self._rejected("created")

    async def create_many(
        self, resources: Sequence[Resource], *, max_errors: int | None = None
    ) -> list[Resource | ScimbridgeError]:
        """Create resources in order and return the created resource or the error of each.

        With ``max_errors`` the handler stops after that many failures, so the
        list can be shorter than ``resources``, and the rest were not attempted.
        This default calls :meth:`create` once per resource. A handler whose
        target creates several objects in one call overrides it.
        """
        results: list[Resource | ScimbridgeError] = []
        errors = 0
        for resource in resources:
            if max_errors is not None and errors >= max_errors:
                break
            try:
                results.append(await self.create(resource))
            except (ScimError, TargetError) as exc:
                results.append(exc)
                errors += 1
        return results

    async def replace(self, resource_id: str, resource: Resource) -> Resource:
        raise self._rejected("replaced")

    async def patch(self, resource_id: str, operations: list[PatchOperation]) -> Resource:
        raise self._rejected("modified")

    async def delete(self, resource_id: str) -> None:
        raise self._rejected("deleted")

    def _rejected(self, participle: str) -> MethodNotAllowed:
        return MethodNotAllowed(
            f"{self.resource_type.name} resources cannot be {participle} through this "
            f"connector: {self.write_rejection}"
        )


@dataclass
class ConnectorInstance:
    """A configured connector: its name, its resource types and their handlers."""

    name: str
    kind: str
    handlers: dict[str, ResourceHandler] = field(default_factory=dict)
    """Handlers by endpoint name without the slash, e.g. ``Users``."""

    def handler(self, endpoint: str) -> ResourceHandler | None:
        wanted = endpoint.lower()
        for name, handler in self.handlers.items():
            if name.lower() == wanted:
                return handler
        return None

    async def aclose(self) -> None:
        """Release the instance's connections; connectors override it."""
