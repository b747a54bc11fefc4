"""The gateway store and cache.

The store keeps in SQL what the target API cannot: SCIM ``meta`` dates and
``externalId`` per resource, the resources deleted over SCIM that the target
keeps, and an audit log of writes. The cache keeps short-lived values such as
target access tokens. Both raise :class:`scimbridge.errors.StoreError` on
failure.
"""

from scimbridge.store.audit import AuditEntry, AuditLog
from scimbridge.store.cache import Cache, MemoryCache, RedisCache, open_cache
from scimbridge.store.credentials import CredentialStore, StoredCredential
from scimbridge.store.deletions import DeletionStore
from scimbridge.store.external_ids import ExternalIdStore
from scimbridge.store.metadata import MetadataStore, ResourceMeta
from scimbridge.store.store import Store, open_store

__all__ = [
    "AuditEntry",
    "AuditLog",
    "Cache",
    "CredentialStore",
    "DeletionStore",
    "ExternalIdStore",
    "MemoryCache",
    "MetadataStore",
    "RedisCache",
    "ResourceMeta",
    "Store",
    "StoredCredential",
    "open_cache",
    "open_store",
]
