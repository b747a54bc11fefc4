"""SCIM ``/Bulk`` (RFC 7644 §3.7): many writes in one request.

Each operation runs through the same code as its single-resource request
(:meth:`ScimEndpoints.create_resource` and its siblings), so it gets the same
validation, ``If-Match`` check (from the operation's ``version``), metadata,
audit entry and error translation.

Operations run in request order, except that an operation holding a
``bulkId:<id>`` reference to a later POST waits until that POST has run.
Consecutive POSTs to one endpoint that hold no reference go to the handler's
``create_many`` together, so a target with a batch create call serves them
with fewer calls.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from scimbridge.connectors.base import Resource, ResourceHandler
from scimbridge.errors import (
    InvalidSyntax,
    InvalidValue,
    PayloadTooLarge,
    ScimbridgeError,
    ScimError,
)
from scimbridge.scim.endpoints import (
    PreparedCreate,
    ScimEndpoints,
    WriteContext,
    read_json_body,
)
from scimbridge.scim.error_replies import ErrorReply, error_reply
from scimbridge.scim.responses import ScimResponse

BULK_REQUEST_SCHEMA = "urn:ietf:params:scim:api:messages:2.0:BulkRequest"
BULK_RESPONSE_SCHEMA = "urn:ietf:params:scim:api:messages:2.0:BulkResponse"
METHODS = ("POST", "PUT", "PATCH", "DELETE")
REFERENCE_PREFIX = "bulkId:"

# A reference inside a longer string, such as a PATCH path filter
# members[value eq "bulkId:qwerty"]. A whole string value that starts with
# REFERENCE_PREFIX is a reference too.
_QUOTED_REFERENCE = re.compile(r'"bulkId:([^"\\]+)"')


@dataclass(frozen=True, eq=False)
class BulkOperation:
    """One entry of a BulkRequest's ``Operations``, checked for shape."""

    index: int
    method: str
    endpoint: str
    resource_id: str | None
    bulk_id: str | None
    version: str | None
    data: Any
    references: frozenset[str]
    """The bulkIds this operation's path and data reference."""


@dataclass(frozen=True)
class BulkRequest:
    operations: list[BulkOperation]
    fail_on_errors: int | None


async def serve_bulk(request: Request, endpoints: ScimEndpoints) -> Response:
    """Serve ``POST /Bulk`` and return the BulkResponse."""
    limits = endpoints.limits
    body = await read_json_body(
        request, limits.max_bulk_payload_bytes, setting="limits.max_bulk_payload_bytes"
    )
    bulk = parse_bulk_request(body, max_operations=limits.max_bulk_operations)
    runner = BulkRunner(endpoints, bulk, WriteContext.of(request))
    results = await runner.run()
    return ScimResponse({"schemas": [BULK_RESPONSE_SCHEMA], "Operations": results})


# Parsing ---------------------------------------------------------------------


def parse_bulk_request(body: Any, *, max_operations: int) -> BulkRequest:
    """Check a BulkRequest's shape and return its operations.

    A request that breaks the shape is rejected as a whole (400); errors in an
    operation's data are reported in that operation's result instead.
    """
    if not isinstance(body, dict):
        raise InvalidSyntax("a bulk request must be a JSON object with schemas and Operations")
    fields = {key.lower(): value for key, value in body.items()}

    schemas = fields.get("schemas")
    if schemas is not None and BULK_REQUEST_SCHEMA not in (
        schemas if isinstance(schemas, list) else []
    ):
        raise InvalidValue(f"a bulk request's schemas must contain {BULK_REQUEST_SCHEMA}")

    entries = fields.get("operations")
    if not isinstance(entries, list):
        raise InvalidSyntax("a bulk request needs Operations, a list of operations")
    if len(entries) > max_operations:
        raise PayloadTooLarge(
            f"the bulk request has {len(entries)} operations, more than maxOperations "
            f"({max_operations}, setting limits.max_bulk_operations); split it into "
            "several requests"
        )

    operations = [_parse_operation(index, entry) for index, entry in enumerate(entries)]
    _check_bulk_ids(operations)
    return BulkRequest(operations, _fail_on_errors(fields.get("failonerrors")))


def _parse_operation(index: int, entry: Any) -> BulkOperation:
    label = f"Operations[{index}]"
    if not isinstance(entry, dict):
        raise InvalidSyntax(f"{label} must be a JSON object with method and path")
    fields = {key.lower(): value for key, value in entry.items()}

    method = fields.get("method")
    if not isinstance(method, str) or method.upper() not in METHODS:
        raise InvalidValue(f"{label}.method {method!r} is invalid; use one of {', '.join(METHODS)}")
    method = method.upper()

    path = fields.get("path")
    if not isinstance(path, str) or not path.startswith("/"):
        raise InvalidValue(f"{label}.path {path!r} is invalid; use /Users or /Users/<id>")
    segments = path.strip("/").split("/")
    if method == "POST" and len(segments) != 1:
        raise InvalidValue(f"{label}.path {path!r} of a POST must name an endpoint, e.g. /Users")
    if method != "POST" and (len(segments) != 2 or not segments[1]):
        raise InvalidValue(
            f"{label}.path {path!r} of a {method} must name one resource, e.g. /Users/<id>"
        )

    bulk_id = _optional_string(fields, "bulkid", label)
    if method == "POST" and not bulk_id:
        raise InvalidValue(f"{label}.bulkId is required for a POST; send a unique string")
    version = _optional_string(fields, "version", label)

    data = fields.get("data")
    if method != "DELETE" and not isinstance(data, dict):
        raise InvalidSyntax(f"{label}.data is required for a {method}: the resource or PatchOp")

    references = set(_references(data)) if data is not None else set()
    if segments[-1].startswith(REFERENCE_PREFIX) and len(segments) == 2:
        references.add(segments[1].removeprefix(REFERENCE_PREFIX))
    return BulkOperation(
        index=index,
        method=method,
        endpoint=segments[0],
        resource_id=segments[1] if len(segments) == 2 else None,
        bulk_id=bulk_id,
        version=version,
        data=data,
        references=frozenset(references),
    )


def _optional_string(fields: Mapping[str, Any], name: str, label: str) -> str | None:
    value = fields.get(name)
    if value is None or isinstance(value, str):
        return value
    raise InvalidValue(f"{label}.{name} must be a string, got {value!r}")


def _check_bulk_ids(operations: list[BulkOperation]) -> None:
    seen: set[str] = set()
    for operation in operations:
        if operation.bulk_id is None:
            continue
        if operation.bulk_id in seen:
            raise InvalidValue(
                f"bulkId {operation.bulk_id!r} is used by more than one operation; "
                "give each operation its own bulkId"
            )
        seen.add(operation.bulk_id)


def _fail_on_errors(value: Any) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise InvalidValue(f"failOnErrors must be an integer of at least 1, got {value!r}")
    return value


def _references(value: Any) -> set[str]:
    if isinstance(value, str):
        if value.startswith(REFERENCE_PREFIX):
            return {value.removeprefix(REFERENCE_PREFIX)}
        return set(_QUOTED_REFERENCE.findall(value))
    if isinstance(value, list):
        return set().union(*(_references(item) for item in value))
    if isinstance(value, dict):
        return set().union(*(_references(item) for item in value.values()))
    return set()


def substitute(value: Any, ids: Mapping[str, str]) -> Any:
    """Replace each ``bulkId:<id>`` reference in ``value`` with the id of the created resource."""
    if isinstance(value, str):
        if value.startswith(REFERENCE_PREFIX):
            return ids.get(value.removeprefix(REFERENCE_PREFIX), value)
        return _QUOTED_REFERENCE.sub(
            lambda match: f'"{ids.get(match.group(1), match.group(0)[1:-1])}"', value
        )
    if isinstance(value, list):
        return [substitute(item, ids) for item in value]
    if isinstance(value, dict):
        return {key: substitute(item, ids) for key, item in value.items()}
    return value


# Running -----------------------------------------------------------------------


class BulkRunner:
    """Runs the operations of one bulk request and collects their results."""

    def __init__(self, endpoints: ScimEndpoints, bulk: BulkRequest, context: WriteContext):
        self.endpoints = endpoints
        self.bulk = bulk
        self.context = context
        self.results: dict[int, dict[str, Any]] = {}
        self.errors = 0
        self.created: dict[str, str] = {}
        """Ids of created resources by the bulkId of their POST."""
        self.failed: set[str] = set()
        """bulkIds of POSTs that failed."""
        self.posted = {op.bulk_id for op in bulk.operations if op.method == "POST"}

    async def run(self) -> list[dict[str, Any]]:
        """Run the operations and return the results of those that ran, in request order."""
        pending = list(self.bulk.operations)
        while pending and not self._stopped():
            position = self._next_ready(pending)
            if position is None:
                self._reject_cycle(pending)
                break
            batch = self._create_batch(pending, position)
            done = await self._run_batch(batch) if len(batch) > 1 else [await self._run(batch[0])]
            for operation in done:
                pending.remove(operation)
        return [self.results[index] for index in sorted(self.results)]

    def _stopped(self) -> bool:
        limit = self.bulk.fail_on_errors
        return limit is not None and self.errors >= limit

    def _remaining_errors(self) -> int | None:
        limit = self.bulk.fail_on_errors
        return None if limit is None else limit - self.errors

    def _next_ready(self, pending: list[BulkOperation]) -> int | None:
        """Return the position of the first operation whose references are all settled."""
        settled = self.created.keys() | self.failed
        for position, operation in enumerate(pending):
            waiting = operation.references & self.posted
            if waiting <= settled:
                return position
        return None

    def _create_batch(self, pending: list[BulkOperation], position: int) -> list[BulkOperation]:
        """Return the operation at ``position`` and the POSTs that can be created with it."""
        first = pending[position]
        batch = [first]
        if first.method != "POST" or first.references:
            return batch
        for operation in pending[position + 1 :]:
            same_endpoint = operation.endpoint.lower() == first.endpoint.lower()
            if operation.method != "POST" or operation.references or not same_endpoint:
                break
            batch.append(operation)
        return batch

    def _reject_cycle(self, pending: list[BulkOperation]) -> None:
        """Fail the operations that wait, directly or not, on POSTs that reference each other.

        RFC 7644 §3.7.1 lets a service provider reject a circular reference
        with 409 instead of resolving it.
        """
        for operation in pending:
            if self._stopped():
                return
            waiting = ", ".join(
                sorted(f"bulkId:{bulk_id}" for bulk_id in operation.references & self.posted)
            )
            self._fail(
                operation,
                ErrorReply(
                    409,
                    f"the references {waiting} cannot be resolved because the POSTs they name "
                    "reference each other in a cycle; create the resources without those "
                    "references, then add them with PATCH operations",
                ),
            )

    async def _run(self, operation: BulkOperation) -> BulkOperation:
        unresolved = self._unresolved_reply(operation)
        if unresolved is not None:
            self._fail(operation, unresolved)
            return operation

        data = substitute(operation.data, self.created)
        resource_id = substitute(operation.resource_id, self.created)
        try:
            handler = self.endpoints.handler(operation.endpoint)
            await self._write(operation, handler, resource_id, data)
        except ScimbridgeError as exc:
            self._fail(operation, error_reply(exc), resource_id)
        return operation

    async def _write(
        self,
        operation: BulkOperation,
        handler: ResourceHandler,
        resource_id: str | None,
        data: Any,
    ) -> None:
        endpoints = self.endpoints
        context = self.context.starting_now()
        if operation.method == "POST":
            created = await endpoints.create_resource(handler, data, context)
            self._succeed(operation, created, 201)
            return

        assert resource_id is not None  # parse_bulk_request requires an id for these methods
        if operation.method == "DELETE":
            await endpoints.delete_resource(
                handler, resource_id, if_match=operation.version, context=context
            )
            location = endpoints.metadata.location(handler.resource_type, resource_id)
            self.results[operation.index] = self._result(operation, location, None, 204)
            return

        write = endpoints.patch_resource
        if operation.method == "PUT":
            write = endpoints.replace_resource
        written = await write(
            handler,
            resource_id,
            data,
            if_match=operation.version,
            attributes=None,
            context=context,
        )
        self._succeed(operation, written, 200)

    async def _run_batch(self, batch: list[BulkOperation]) -> list[BulkOperation]:
        """Create the POSTs of ``batch`` with one ``create_many`` call.

        The batch stops before the first operation whose body is invalid, so
        that operation runs on its own afterwards and failOnErrors counts the
        errors in request order. Returns the operations that ran.
        """
        try:
            handler = self.endpoints.handler(batch[0].endpoint)
        except ScimError:
            return [await self._run(batch[0])]

        prepared: list[PreparedCreate] = []
        for operation in batch:
            try:
                prepared.append(self.endpoints.prepare_create(handler, operation.data))
            except ScimError:
                break
        if len(prepared) < 2:
            return [await self._run(batch[0])]

        context = self.context.starting_now()
        outcomes = await handler.create_many(
            [item.resource for item in prepared], max_errors=self._remaining_errors()
        )
        for operation, item, outcome in zip(batch, prepared, outcomes, strict=False):
            await self._finish_create(operation, handler, item, outcome, context)
        return batch[: len(outcomes)]

    async def _finish_create(
        self,
        operation: BulkOperation,
        handler: ResourceHandler,
        prepared: PreparedCreate,
        outcome: Resource | ScimbridgeError,
        context: WriteContext,
    ) -> None:
        if isinstance(outcome, ScimbridgeError):
            self._fail(operation, error_reply(outcome))
            return
        try:
            created = await self.endpoints.finish_create(handler, prepared, outcome, context)
        except ScimbridgeError as exc:
            self._fail(operation, error_reply(exc))
            return
        self._succeed(operation, created, 201)

    def _unresolved_reply(self, operation: BulkOperation) -> ErrorReply | None:
        unknown = sorted(operation.references - self.posted)
        if unknown:
            return ErrorReply(
                409,
                f"bulkId:{unknown[0]} names no POST operation of this bulk request; "
                "use the bulkId of a POST in the same request, or the resource's id",
            )
        failed = sorted(operation.references & self.failed)
        if failed:
            return ErrorReply(
                409,
                f"bulkId:{failed[0]} has no id because the POST with bulkId {failed[0]!r} "
                "failed; fix that operation and send both again",
            )
        return None

    def _succeed(self, operation: BulkOperation, resource: Resource, status: int) -> None:
        meta = resource["meta"]
        if operation.method == "POST" and operation.bulk_id is not None:
            self.created[operation.bulk_id] = resource["id"]
        self.results[operation.index] = self._result(
            operation, meta["location"], meta["version"], status
        )

    def _fail(
        self, operation: BulkOperation, reply: ErrorReply, resource_id: str | None = None
    ) -> None:
        self.errors += 1
        if operation.method == "POST" and operation.bulk_id is not None:
            self.failed.add(operation.bulk_id)
        location = None
        path_id = operation.resource_id
        if resource_id is None and path_id and not path_id.startswith(REFERENCE_PREFIX):
            resource_id = path_id
        if resource_id is not None and operation.method != "POST":
            handler = self.endpoints.instance.handler(operation.endpoint)
            if handler is not None:
                location = self.endpoints.metadata.location(handler.resource_type, resource_id)
        result = self._result(operation, location, None, reply.status)
        result["response"] = reply.body()
        self.results[operation.index] = result

    @staticmethod
    def _result(
        operation: BulkOperation, location: str | None, version: str | None, status: int
    ) -> dict[str, Any]:
        result: dict[str, Any] = {"method": operation.method}
        if operation.bulk_id is not None:
            result["bulkId"] = operation.bulk_id
        if version is not None:
            result["version"] = version
        if location is not None:
            result["location"] = location
        result["status"] = str(status)
        return result
