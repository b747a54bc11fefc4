"""The SCIM endpoints of one connector instance (RFC 7644 §3 and §4).

:class:`ScimEndpoints` turns HTTP requests into calls on the instance's
resource handlers and their results into SCIM responses. It has no
target-specific code: that is all behind :class:`~scimbridge.connectors.base.ResourceHandler`.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from scimbridge.connectors.base import ConnectorInstance, Page, Query, Resource, ResourceHandler
from scimbridge.connectors.pushdown import mentions_attribute
from scimbridge.connectors.scan import page_in_gateway
from scimbridge.errors import (
    InvalidFilter,
    InvalidSyntax,
    InvalidValue,
    MethodNotAllowed,
    NotFound,
    PayloadTooLarge,
    PreconditionFailed,
    UnsupportedMediaType,
)
from scimbridge.scim import discovery, external_ids
from scimbridge.scim.filtering import parse_filter, validate_filter
from scimbridge.scim.json_input import parse_json_body
from scimbridge.scim.limits import check_patch_operation_count, check_search_request
from scimbridge.scim.patch import parse_patch_request
from scimbridge.scim.projection import parse_attribute_list, project
from scimbridge.scim.resource_metadata import ResourceMetadata
from scimbridge.scim.responses import (
    LIST_SCHEMA,
    ScimResponse,
    etag_matches,
)
from scimbridge.scim.schema import ResourceTypeDef, Returned
from scimbridge.scim.validation import prepare_resource
from scimbridge.settings import LimitSettings
from scimbridge.store import AuditEntry, Store
from scimbridge.store.state_cache import StateCache

SEARCH_SCHEMA = "urn:ietf:params:scim:api:messages:2.0:SearchRequest"
JSON_TYPES = ("application/scim+json", "application/json")


@dataclass(frozen=True)
class WriteContext:
    """The client of a write and the target call counter its audit entry reads."""

    client_id: str | None
    state: Mapping[str, Any]
    """The request's scope state, which contains the target call counter."""
    calls_before: int = 0
    """Target calls the request had made before this write, for a write inside ``/Bulk``."""

    @classmethod
    def of(cls, request: Request) -> WriteContext:
        state = request.scope.get("state", {})
        return cls(client_id=state.get("client_id"), state=state)

    def starting_now(self) -> WriteContext:
        """Return a context that counts only the target calls made from now on."""
        return replace(self, calls_before=_target_calls(self.state))

    def target_calls(self) -> int:
        return _target_calls(self.state) - self.calls_before


@dataclass(frozen=True)
class PreparedCreate:
    """A POST body after normalisation: the resource for the handler and its ``externalId``."""

    resource: Resource
    external_id: str | None


class ScimEndpoints:
    """Serves ``/{instance}/scim/v2`` for one connector instance."""

    def __init__(
        self,
        instance: ConnectorInstance,
        *,
        store: Store,
        limits: LimitSettings,
        base_url: str,
        state_cache: StateCache | None = None,
    ) -> None:
        self.instance = instance
        self.store = store
        self.limits = limits
        self.base_url = base_url
        self.metadata = ResourceMetadata(
            instance.name,
            store=store,
            state_cache=state_cache or StateCache(ttl=0),
            base_url=base_url,
            resource_types=[handler.resource_type for handler in instance.handlers.values()],
        )

    # Discovery -----------------------------------------------------------

    def service_provider_config(self) -> Response:
        return ScimResponse(
            discovery.service_provider_config(
                self.base_url,
                max_results=self.limits.max_count,
                max_bulk_operations=self.limits.max_bulk_operations,
                max_bulk_payload_bytes=self.limits.max_bulk_payload_bytes,
            )
        )

    def resource_types(self, name: str | None) -> Response:
        documents = {
            handler.resource_type.name: discovery.resource_type_document(
                handler.resource_type, self.base_url
            )
            for handler in self.instance.handlers.values()
        }
        if name is None:
            return ScimResponse(discovery.list_response(list(documents.values())))
        for key, document in documents.items():
            if key.lower() == name.lower():
                return ScimResponse(document)
        raise NotFound(f"ResourceType {name!r} not found; known: {', '.join(documents)}")

    def schemas(self, schema_id: str | None) -> Response:
        documents: dict[str, dict[str, Any]] = {}
        for handler in self.instance.handlers.values():
            for schema in handler.resource_type.schemas():
                documents.setdefault(schema.id, discovery.schema_document(schema, self.base_url))
        if schema_id is None:
            return ScimResponse(discovery.list_response(list(documents.values())))
        for key, document in documents.items():
            if key.lower() == schema_id.lower():
                return ScimResponse(document)
        raise NotFound(f"Schema {schema_id!r} not found; known: {', '.join(documents)}")

    # Resources -----------------------------------------------------------

    def handler(self, endpoint: str) -> ResourceHandler:
        handler = self.instance.handler(endpoint)
        if handler is None:
            known = ", ".join(f"/{name}" for name in self.instance.handlers)
            raise NotFound(f"endpoint /{endpoint} not found; this instance serves {known}")
        return handler

    async def list_resources(self, request: Request, handler: ResourceHandler) -> Response:
        params = request.query_params
        query = self._query(
            handler.resource_type,
            filter_text=params.get("filter"),
            start_index=params.get("startIndex"),
            count=params.get("count"),
            sort_by=params.get("sortBy"),
            sort_order=params.get("sortOrder"),
            attributes=parse_attribute_list(params.get("attributes")),
        )
        excluded = parse_attribute_list(params.get("excludedAttributes"))
        return await self._run_query(handler, query, excluded)

    async def search(self, request: Request, handler: ResourceHandler) -> Response:
        body = await self._search_body(request)
        query = self._query(
            handler.resource_type,
            filter_text=_optional_string(body, "filter"),
            start_index=body.get("startIndex"),
            count=body.get("count"),
            sort_by=_optional_string(body, "sortBy"),
            sort_order=_optional_string(body, "sortOrder"),
            attributes=_string_list(body, "attributes"),
        )
        return await self._run_query(handler, query, _string_list(body, "excludedAttributes"))

    async def search_all(self, request: Request) -> Response:
        """Serve ``POST /.search`` at the service provider root, over every resource type.

        Resources come in the order of the instance's resource types. A filter
        naming an attribute one type lacks matches nothing of that type
        (RFC 7644 §3.4.2.1); sorting across types is not offered.
        """
        body = await self._search_body(request)
        if body.get("sortBy"):
            raise InvalidValue("sortBy is not supported on a root search; search one endpoint")

        filter_text = _optional_string(body, "filter")
        if filter_text:
            parse_filter(
                filter_text,
                max_length=self.limits.max_filter_length,
                max_depth=self.limits.max_filter_depth,
            )
        excluded = _string_list(body, "excludedAttributes")

        pages: list[tuple[ResourceHandler, Query]] = []
        first_error: InvalidFilter | None = None
        for handler in self.instance.handlers.values():
            try:
                query = self._query(
                    handler.resource_type,
                    filter_text=filter_text,
                    start_index=body.get("startIndex"),
                    count=body.get("count"),
                    sort_by=None,
                    sort_order=None,
                    attributes=_string_list(body, "attributes"),
                )
            except InvalidFilter as exc:
                first_error = first_error or exc
                continue
            pages.append((handler, query))
        if not pages and first_error is not None:
            raise first_error

        total = 0
        resources: list[Resource] = []
        for handler, query in pages:
            counted = await self._page(handler, replace(query, start_index=1, count=0))
            skip = max(query.start_index - 1 - total, 0)
            room = (query.count or 0) - len(resources)
            total += counted.total_results
            if room <= 0 or skip >= counted.total_results:
                continue
            page = await self._page(handler, replace(query, start_index=skip + 1, count=room))
            decorated = await self.metadata.decorate(handler, page.resources)
            attributes = list(query.attributes) if query.attributes else None
            rtype = handler.resource_type
            resources.extend(project(r, rtype, attributes, excluded) for r in decorated)

        start = pages[0][1].start_index if pages else 1
        return ScimResponse(
            {
                "schemas": [LIST_SCHEMA],
                "totalResults": total,
                "startIndex": start,
                "itemsPerPage": len(resources),
                "Resources": resources,
            }
        )

    async def _search_body(self, request: Request) -> dict[str, Any]:
        body = await self._json_body(request)
        if not isinstance(body, dict):
            raise InvalidSyntax("a search request must be a JSON object")
        check_search_request(body, self.limits)
        schemas = body.get("schemas")
        if schemas is not None and SEARCH_SCHEMA not in (
            schemas if isinstance(schemas, list) else []
        ):
            raise InvalidValue(f"a search request's schemas must contain {SEARCH_SCHEMA}")
        return body

    async def get(self, request: Request, handler: ResourceHandler, resource_id: str) -> Response:
        requested = parse_attribute_list(request.query_params.get("attributes"))
        resource = await handler.get(resource_id, requested or None)
        decorated = await self.metadata.decorate(handler, [resource])
        version = decorated[0]["meta"]["version"]
        if etag_matches(request.headers.get("if-none-match"), version):
            return Response(status_code=304, headers={"ETag": version})
        return self._resource_response(request, handler, decorated[0])

    async def create(self, request: Request, handler: ResourceHandler) -> Response:
        body = await self._json_body(request)
        created = await self.create_resource(handler, body, WriteContext.of(request))
        return self._resource_response(request, handler, created, status=201)

    async def replace(
        self, request: Request, handler: ResourceHandler, resource_id: str
    ) -> Response:
        replaced = await self.replace_resource(
            handler,
            resource_id,
            await self._json_body(request),
            if_match=request.headers.get("if-match"),
            attributes=parse_attribute_list(request.query_params.get("attributes")),
            context=WriteContext.of(request),
        )
        return self._resource_response(request, handler, replaced)

    async def patch(self, request: Request, handler: ResourceHandler, resource_id: str) -> Response:
        patched = await self.patch_resource(
            handler,
            resource_id,
            await self._json_body(request),
            if_match=request.headers.get("if-match"),
            attributes=parse_attribute_list(request.query_params.get("attributes")),
            context=WriteContext.of(request),
        )
        return self._resource_response(request, handler, patched)

    async def delete(
        self, request: Request, handler: ResourceHandler, resource_id: str
    ) -> Response:
        await self.delete_resource(
            handler,
            resource_id,
            if_match=request.headers.get("if-match"),
            context=WriteContext.of(request),
        )
        return Response(status_code=204)

    # Writes, shared by the HTTP methods and /Bulk --------------------------

    def prepare_create(self, handler: ResourceHandler, body: Any) -> PreparedCreate:
        """Normalise a POST body and take its ``externalId`` out, before any target call."""
        resource = prepare_resource(handler.normalise_body("POST", body), handler.resource_type)
        external_id = external_ids.check_external_id(resource.pop("externalId", None))
        return PreparedCreate(resource, external_id)

    async def finish_create(
        self,
        handler: ResourceHandler,
        prepared: PreparedCreate,
        created: Resource,
        context: WriteContext,
    ) -> Resource:
        """Store the metadata of a resource the handler created and audit the write."""
        decorated = await self.metadata.record_write(
            handler, created, prepared.external_id, created=True
        )
        await self._audit(context, handler, decorated["id"], "POST", 201)
        return decorated

    async def create_resource(
        self, handler: ResourceHandler, body: Any, context: WriteContext
    ) -> Resource:
        """Create a resource from a POST body and return it with ``meta``."""
        prepared = self.prepare_create(handler, body)
        created = await handler.create(prepared.resource)
        return await self.finish_create(handler, prepared, created, context)

    async def replace_resource(
        self,
        handler: ResourceHandler,
        resource_id: str,
        body: Any,
        *,
        if_match: str | None,
        attributes: list[str] | None,
        context: WriteContext,
    ) -> Resource:
        """Replace a resource from a PUT body and return it with ``meta``."""
        resource = prepare_resource(handler.normalise_body("PUT", body), handler.resource_type)
        external_id = external_ids.check_external_id(resource.pop("externalId", None))
        await self.check_precondition(handler, resource_id, if_match)
        replaced = await handler.replace(resource_id, resource)
        replaced = await self._with_requested(handler, resource_id, replaced, attributes)
        decorated = await self.metadata.record_write(handler, replaced, external_id)
        await self._audit(context, handler, resource_id, "PUT", 200)
        return decorated

    async def patch_resource(
        self,
        handler: ResourceHandler,
        resource_id: str,
        body: Any,
        *,
        if_match: str | None,
        attributes: list[str] | None,
        context: WriteContext,
    ) -> Resource:
        """Apply a PATCH body to a resource and return the result with ``meta``."""
        rtype = handler.resource_type
        check_patch_operation_count(body, self.limits)
        parsed = parse_patch_request(handler.normalise_body("PATCH", body), rtype)
        await self.check_precondition(handler, resource_id, if_match)

        stored = await self.metadata.stored_external_id(rtype.name, resource_id)
        operations, external_id, _ = external_ids.take_external_id(
            external_ids.split_pathless(parsed), stored
        )
        patched = await handler.patch(resource_id, operations)
        patched = await self._with_requested(handler, resource_id, patched, attributes)
        decorated = await self.metadata.record_write(handler, patched, external_id)
        await self._audit(context, handler, resource_id, "PATCH", 200)
        return decorated

    async def delete_resource(
        self,
        handler: ResourceHandler,
        resource_id: str,
        *,
        if_match: str | None,
        context: WriteContext,
    ) -> None:
        """Delete a resource and forget its metadata."""
        await self.check_precondition(handler, resource_id, if_match)
        await handler.delete(resource_id)
        await self.metadata.forget(handler.resource_type.name, resource_id)
        await self._audit(context, handler, resource_id, "DELETE", 204)

    async def _with_requested(
        self,
        handler: ResourceHandler,
        resource_id: str,
        written: Resource,
        requested: list[str] | None,
    ) -> Resource:
        """Read the resource again when the client requested attributes the write result lacks.

        Attributes returned only on request, such as the members of a Coupa
        group, are left out of a handler's write result to save target calls.
        """
        if not requested:
            return written
        rtype = handler.resource_type
        for name in requested:
            resolved = rtype.resolve(*_split_urn(name))
            if resolved is None:
                continue
            schema, attribute = resolved
            holder = written if schema.id == rtype.schema.id else written.get(schema.id) or {}
            if attribute.returned is Returned.REQUEST and attribute.name not in holder:
                return await handler.get(resource_id, requested)
        return written

    # Helpers -------------------------------------------------------------

    def _query(
        self,
        rtype: ResourceTypeDef,
        *,
        filter_text: str | None,
        start_index: Any,
        count: Any,
        sort_by: str | None,
        sort_order: str | None,
        attributes: list[str] | None,
    ) -> Query:
        node = None
        if filter_text is not None and filter_text.strip():
            node = parse_filter(
                filter_text,
                max_length=self.limits.max_filter_length,
                max_depth=self.limits.max_filter_depth,
            )
            validate_filter(node, rtype)

        index = _integer(start_index, "startIndex", default=1)
        size = _integer(count, "count", default=self.limits.default_count)
        order = sort_order or "ascending"
        if order.lower() not in ("ascending", "descending"):
            raise InvalidValue(f"sortOrder {sort_order!r} is invalid; use ascending or descending")
        if sort_by is not None and rtype.resolve(*_split_urn(sort_by)) is None:
            raise InvalidValue(f"sortBy {sort_by!r} names no attribute of {rtype.name}")

        return Query(
            filter=node,
            start_index=max(index, 1),
            count=min(max(size, 0), self.limits.max_count),
            sort_by=sort_by or None,
            sort_order=order.lower(),
            attributes=tuple(attributes) if attributes else None,
        )

    async def _run_query(
        self, handler: ResourceHandler, query: Query, excluded: list[str] | None
    ) -> Response:
        page = await self._page(handler, query)
        decorated = await self.metadata.decorate(handler, page.resources)
        rtype = handler.resource_type
        attributes = list(query.attributes) if query.attributes else None
        resources = [project(resource, rtype, attributes, excluded) for resource in decorated]
        return ScimResponse(
            {
                "schemas": [LIST_SCHEMA],
                "totalResults": page.total_results,
                "startIndex": query.start_index,
                "itemsPerPage": len(resources),
                "Resources": resources,
            }
        )

    async def _page(self, handler: ResourceHandler, query: Query) -> Page:
        """Run a query on the handler, or evaluate it with the gateway's own state.

        ``externalId eq`` filters are looked up in the store. Filters and sort
        orders on ``meta`` or ``externalId`` in any other form need values only
        the gateway holds, so they are evaluated over every resource.
        """
        if query.filter is not None:
            core = handler.resource_type.schema.id
            wanted = external_ids.filter_values(query.filter, core)
            if wanted is not None:
                return await self._by_external_ids(handler, query, wanted)
        if _uses_gateway_state(query, handler):
            return await self._page_with_state(handler, query)
        return await handler.query(query)

    async def _page_with_state(self, handler: ResourceHandler, query: Query) -> Page:
        """Read every resource, add ``meta`` and ``externalId``, then filter, sort and page."""
        everything: list[Resource] = []
        while True:
            page = await handler.query(
                Query(start_index=len(everything) + 1, count=self.limits.max_count)
            )
            if page.total_results > self.limits.max_scan:
                raise InvalidFilter(
                    f"filtering or sorting on meta or externalId reads every "
                    f"{handler.resource_type.name}, and there are {page.total_results}, more "
                    f"than limits.max_scan ({self.limits.max_scan}); narrow the filter to "
                    "attributes the target can search"
                )
            everything.extend(page.resources)
            if not page.resources or len(everything) >= page.total_results:
                break

        decorated = await self.metadata.decorate(
            handler, [dict(resource) for resource in everything]
        )
        originals = {resource["id"]: resource for resource in everything}
        selected = page_in_gateway(decorated, query, handler.resource_type)
        return Page(
            resources=[originals[resource["id"]] for resource in selected.resources],
            total_results=selected.total_results,
        )

    async def _by_external_ids(
        self, handler: ResourceHandler, query: Query, values: list[str]
    ) -> Page:
        """Look up ``externalId eq`` filters in the store, then read the resources found.

        The ids found become one OR of ``id eq`` terms, which the connectors
        evaluate in batched target calls. An id the target no longer has is
        left out of the result.
        """
        kind = handler.resource_type.name
        found = await self.store.external_ids.find(self.instance.name, kind, values)
        ids = list(dict.fromkeys(rid for value in values for rid in found.get(value, [])))
        if not ids:
            return Page(resources=[], total_results=0)

        text = " or ".join(f"id eq {json.dumps(resource_id)}" for resource_id in ids)
        by_id = parse_filter(text, max_length=len(text))
        return await handler.query(replace(query, filter=by_id))

    def _resource_response(
        self,
        request: Request,
        handler: ResourceHandler,
        resource: Resource,
        *,
        status: int = 200,
    ) -> Response:
        params = request.query_params
        projected = project(
            resource,
            handler.resource_type,
            parse_attribute_list(params.get("attributes")),
            parse_attribute_list(params.get("excludedAttributes")),
        )
        headers = {"ETag": resource["meta"]["version"]}
        if status == 201:
            headers["Location"] = resource["meta"]["location"]
        return ScimResponse(projected, status_code=status, headers=headers)

    async def check_precondition(
        self, handler: ResourceHandler, resource_id: str, expected: str | None
    ) -> None:
        """Compare If-Match with the current version before a write (RFC 7644 §3.14).

        NOTE: the check and the write are two target calls, so a change made
        between them by another client is not detected. Targets offer no
        conditional write to close that gap.
        """
        if expected is None:
            return
        version = await self.metadata.current_version(handler, resource_id)
        if not etag_matches(expected, version):
            raise PreconditionFailed(
                f"{handler.resource_type.name} {resource_id!r} has version {version}, not "
                f"{expected}; read it again and retry with the new ETag"
            )

    async def _audit(
        self,
        context: WriteContext,
        handler: ResourceHandler,
        resource_id: str,
        method: str,
        status: int,
    ) -> None:
        await self.store.audit.record(
            AuditEntry(
                time=datetime.now(UTC),
                instance=self.instance.name,
                client_id=context.client_id,
                method=method,
                resource_type=handler.resource_type.name,
                resource_id=resource_id,
                target_calls=context.target_calls(),
                status=status,
                detail="",
            )
        )

    async def _json_body(self, request: Request) -> Any:
        return await read_json_body(
            request, self.limits.max_body_bytes, setting="limits.max_body_bytes"
        )


async def read_json_body(request: Request, max_bytes: int, *, setting: str) -> Any:
    """Read a JSON request body of at most ``max_bytes`` bytes.

    ``setting`` names the setting that sets ``max_bytes``, for the 413 detail.
    """
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type and content_type not in JSON_TYPES:
        raise UnsupportedMediaType(
            f"Content-Type {content_type!r} is not supported; send application/scim+json"
        )

    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > max_bytes:
        raise PayloadTooLarge(_too_large(max_bytes, setting))
    body = b""
    async for chunk in request.stream():
        body += chunk
        if len(body) > max_bytes:
            raise PayloadTooLarge(_too_large(max_bytes, setting))

    if not body.strip():
        raise InvalidSyntax("the request body is empty; send a JSON object")
    return parse_json_body(body)


def method_not_allowed(method: str, allowed: str) -> MethodNotAllowed:
    return MethodNotAllowed(f"method {method} is not allowed here; allowed: {allowed}")


def _uses_gateway_state(query: Query, handler: ResourceHandler) -> bool:
    # A handler that reads meta dates from its target can filter and sort on them.
    state = {"externalid"} if handler.target_meta else {"meta", "externalid"}
    if query.filter is not None and mentions_attribute(query.filter, state):
        return True
    sort_by = (query.sort_by or "").lower()
    return sort_by.split(".")[0] in state or sort_by.endswith((":externalid", ":meta"))


def _target_calls(state: Mapping[str, Any]) -> int:
    cell = state.get("target_calls")
    return int(cell[0]) if isinstance(cell, list) and cell else 0


def _integer(value: Any, name: str, *, default: int) -> int:
    if value is None or value == "":
        return default
    if isinstance(value, bool):
        raise InvalidValue(f"{name} must be an integer, got {value!r}")
    if isinstance(value, int):
        return value
    if isinstance(value, str):
        try:
            return int(value.strip())
        except ValueError:
            pass
    raise InvalidValue(f"{name} must be an integer, got {value!r}")


def _optional_string(body: Mapping[str, Any], name: str) -> str | None:
    value = body.get(name)
    if value is None or isinstance(value, str):
        return value
    raise InvalidValue(f"{name} must be a string, got {value!r}")


def _string_list(body: Mapping[str, Any], name: str) -> list[str] | None:
    value = body.get(name)
    if value is None:
        return None
    if isinstance(value, str):
        return parse_attribute_list(value)
    if isinstance(value, list) and all(isinstance(item, str) for item in value):
        return list(value)
    raise InvalidValue(f"{name} must be a list of attribute names")


def _split_urn(path: str) -> tuple[str | None, str]:
    if path.lower().startswith("urn:"):
        urn, _, attr = path.rpartition(":")
        return urn, attr.split(".")[0]
    return None, path.split(".")[0]


def _too_large(limit: int, setting: str) -> str:
    return (
        f"the request body is larger than {limit} bytes (setting {setting}); send less "
        "in one request, or split a Bulk request into several"
    )
