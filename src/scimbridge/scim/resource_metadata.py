"""The attributes the gateway adds to every resource it returns: ``externalId`` and ``meta``.

Targets keep neither SCIM ``meta`` dates nor ``externalId``, so the gateway
store does, keyed by instance, resource type and id. :class:`ResourceMetadata`
reads and writes them (through the in-process state cache) and builds the
``meta`` object: ``created`` and ``lastModified`` from the store, ``version``
from the content, ``location`` and the ``$ref`` of references from the
instance's base URL.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote

from scimbridge.connectors.base import Resource, ResourceHandler
from scimbridge.scim.responses import content_version
from scimbridge.scim.schema import ResourceTypeDef, SchemaDef
from scimbridge.store import Store
from scimbridge.store.state_cache import ResourceState as StoredState
from scimbridge.store.state_cache import StateCache


class ResourceMetadata:
    """The gateway-kept attributes of the resources of one connector instance."""

    def __init__(
        self,
        instance_name: str,
        *,
        store: Store,
        state_cache: StateCache,
        base_url: str,
        resource_types: Sequence[ResourceTypeDef],
    ) -> None:
        self.instance_name = instance_name
        self.store = store
        self.state_cache = state_cache
        self.base_url = base_url
        self.resource_types = tuple(resource_types)

    async def decorate(self, handler: ResourceHandler, resources: list[Resource]) -> list[Resource]:
        """Add ``externalId``, ``schemas`` and ``meta`` to resources read from the target.

        The store is asked only about resources the state cache does not hold
        for their current content.
        """
        kind = handler.resource_type.name
        states: dict[str, StoredState] = {}
        pending: list[Resource] = []
        for resource in resources:
            state = self.state_cache.get((self.instance_name, kind, resource["id"]))
            if (
                state is not None
                and _version(handler, _with_external_id(resource, state.external_id))
                == state.content_hash
            ):
                states[resource["id"]] = state
            else:
                pending.append(resource)

        if pending:
            states.update(await self._read_states(handler, pending))

        decorated = []
        for resource in resources:
            state = states[resource["id"]]
            current = _with_external_id(resource, state.external_id)
            decorated.append(
                self._with_meta(
                    handler,
                    current,
                    state.content_hash,
                    state.meta.created,
                    state.meta.last_modified,
                )
            )
        return decorated

    async def _read_states(
        self, handler: ResourceHandler, resources: list[Resource]
    ) -> dict[str, StoredState]:
        kind = handler.resource_type.name
        ids = [resource["id"] for resource in resources]
        known = await self.store.external_ids.get_many(self.instance_name, kind, ids)
        versions = [
            (
                resource["id"],
                _version(handler, _with_external_id(resource, known.get(resource["id"]))),
            )
            for resource in resources
        ]
        metas = await self.store.meta.observe(self.instance_name, kind, versions)

        states = {}
        for resource_id, version in versions:
            state = StoredState(version, metas[resource_id], known.get(resource_id))
            self.state_cache.put((self.instance_name, kind, resource_id), state)
            states[resource_id] = state
        return states

    async def record_write(
        self,
        handler: ResourceHandler,
        resource: Resource,
        external_id: str | None,
        *,
        created: bool = False,
    ) -> Resource:
        """Store what the gateway keeps for a resource it just wrote, and add ``meta``."""
        kind = handler.resource_type.name
        await self.store.external_ids.set(self.instance_name, kind, resource["id"], external_id)
        if external_id is not None:
            resource = {**resource, "externalId": external_id}
        version = _version(handler, resource)
        meta = await self.store.meta.record_write(
            self.instance_name, kind, resource["id"], version, created=created
        )
        self.state_cache.put(
            (self.instance_name, kind, resource["id"]), StoredState(version, meta, external_id)
        )
        return self._with_meta(handler, resource, version, meta.created, meta.last_modified)

    def _with_meta(
        self,
        handler: ResourceHandler,
        resource: Resource,
        version: str,
        created: datetime,
        last_modified: datetime,
    ) -> Resource:
        rtype = handler.resource_type
        decorated = {"schemas": _schemas_of(resource, rtype), **resource}
        self._add_references(decorated, rtype)
        target_meta = resource.get("meta") if handler.target_meta else None
        dates = target_meta if isinstance(target_meta, dict) else {}
        decorated["meta"] = {
            "resourceType": rtype.name,
            "created": dates.get("created") or _timestamp(created),
            "lastModified": dates.get("lastModified") or _timestamp(last_modified),
            "location": self.location(rtype, resource["id"]),
            "version": version,
        }
        return decorated

    def _add_references(self, resource: Resource, rtype: ResourceTypeDef) -> None:
        """Fill in ``$ref`` of entries such as ``members``, ``groups`` and ``manager``.

        Targets return bare ids. The URI of the referenced resource is the
        gateway's own, so it is added, from ``value``, to every complex
        attribute (in the core schema or an extension) whose ``$ref``
        sub-attribute names a resource type of this instance.
        """
        holders: list[tuple[dict[str, Any], SchemaDef]] = [(resource, rtype.schema)]
        for extension in rtype.extensions:
            data = resource.get(extension.id)
            if isinstance(data, dict):
                # A new dict, so the handler's resource (already hashed) is left as it was.
                copied = dict(data)
                resource[extension.id] = copied
                holders.append((copied, extension))

        for holder, schema in holders:
            for attribute in schema.attributes:
                ref = attribute.sub_attribute("$ref")
                value = holder.get(attribute.name)
                if ref is None or value is None:
                    continue
                endpoint = self._endpoint_of(ref.reference_types)
                if endpoint is None:
                    continue
                if isinstance(value, list):
                    holder[attribute.name] = [self._referenced(entry, endpoint) for entry in value]
                else:
                    holder[attribute.name] = self._referenced(value, endpoint)

    def _referenced(self, entry: Any, endpoint: str) -> Any:
        """Return a copy of ``entry`` with the ``$ref`` its ``value`` names."""
        if not isinstance(entry, dict) or not isinstance(entry.get("value"), str):
            return entry
        return {"$ref": f"{self.base_url}{endpoint}/{quote(entry['value'], safe='')}", **entry}

    def _endpoint_of(self, reference_types: tuple[str, ...]) -> str | None:
        for rtype in self.resource_types:
            if rtype.name in reference_types:
                return rtype.endpoint
        return None

    def location(self, rtype: ResourceTypeDef, resource_id: str) -> str:
        return f"{self.base_url}{rtype.endpoint}/{quote(resource_id, safe='')}"

    async def current_version(self, handler: ResourceHandler, resource_id: str) -> str:
        """Read a resource and return the version a response would give it."""
        current = await handler.get(resource_id)
        kind = handler.resource_type.name
        known = await self.store.external_ids.get_many(self.instance_name, kind, [resource_id])
        return _version(handler, _with_external_id(current, known.get(resource_id)))

    async def stored_external_id(self, kind: str, resource_id: str) -> str | None:
        known = await self.store.external_ids.get_many(self.instance_name, kind, [resource_id])
        return known.get(resource_id)

    async def forget(self, kind: str, resource_id: str) -> None:
        """Drop what the gateway keeps for a deleted resource."""
        await self.store.meta.forget(self.instance_name, kind, resource_id)
        await self.store.external_ids.forget(self.instance_name, kind, resource_id)
        self.state_cache.drop((self.instance_name, kind, resource_id))


def _version(handler: ResourceHandler, resource: Resource) -> str:
    return content_version(handler.version_basis(resource))


def _with_external_id(resource: Resource, external_id: str | None) -> Resource:
    if external_id is None:
        return resource
    return {**resource, "externalId": external_id}


def _schemas_of(resource: Resource, rtype: ResourceTypeDef) -> list[str]:
    present = [rtype.schema.id]
    for extension in rtype.extensions:
        if extension.id in resource:
            present.append(extension.id)
    return present


def _timestamp(moment: datetime) -> str:
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")
