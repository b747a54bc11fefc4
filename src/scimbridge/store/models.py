"""Tables of the gateway store.

The target API is the source of truth for identities. These tables hold only
what the target cannot: SCIM ``meta`` dates and ``externalId`` for each
resource, the audit log of writes, and the resources the gateway reports as
deleted while the target keeps them. The gateway's own tables hold the
credentials of SCIM clients (hashed) and the gateway's generated keys.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import BigInteger, Boolean, DateTime, Index, Integer, String, Text
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import TypeDecorator


class UtcDateTime(TypeDecorator[datetime]):
    """A timezone-aware UTC datetime on every database.

    PostgreSQL stores it as ``timestamp with time zone``. SQLite has no time zone
    type, so the value is stored as naive UTC text and made aware again on load.
    Naive datetimes are rejected on write because their zone is unknown.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"naive datetime {value.isoformat()} rejected: pass an aware one")

        value = value.astimezone(UTC)
        if dialect.name == "sqlite":
            return value.replace(tzinfo=None)
        return value

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)  # type: ignore[no-any-return]
        return value.astimezone(UTC)  # type: ignore[no-any-return]


class Base(DeclarativeBase):
    pass


class ResourceMetaRow(Base):
    """SCIM ``meta.created`` and ``meta.lastModified`` of one target resource.

    ``content_hash`` is the hash of the SCIM representation the gateway last
    returned, so a change made on the target directly still moves ``last_modified``.
    """

    __tablename__ = "resource_meta"

    instance: Mapped[str] = mapped_column(String(100), primary_key=True)
    resource_type: Mapped[str] = mapped_column(String(100), primary_key=True)
    resource_id: Mapped[str] = mapped_column(String(255), primary_key=True)
    created: Mapped[datetime] = mapped_column(UtcDateTime())
    last_modified: Mapped[datetime] = mapped_column(UtcDateTime())
    content_hash: Mapped[str] = mapped_column(String(128))


class AuditRow(Base):
    """One SCIM write request, recorded after the gateway sent its response."""

    __tablename__ = "audit_log"
    __table_args__ = (Index("ix_audit_log_instance_time", "instance", "time"),)

    # SQLite only auto-increments a column declared exactly INTEGER PRIMARY KEY.
    id: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer(), "sqlite"), primary_key=True, autoincrement=True
    )
    time: Mapped[datetime] = mapped_column(UtcDateTime())
    instance: Mapped[str] = mapped_column(String(100))
    client_id: Mapped[str | None] = mapped_column(String(255))
    method: Mapped[str] = mapped_column(String(10))
    resource_type: Mapped[str] = mapped_column(String(100))
    resource_id: Mapped[str | None] = mapped_column(String(255))
    target_calls: Mapped[int] = mapped_column(Integer())
    status: Mapped[int] = mapped_column(Integer())
    detail: Mapped[str] = mapped_column(Text(), default="")


class ExternalIdRow(Base):
    """SCIM ``externalId`` of one target resource, for targets that have no field for it.

    The index serves ``externalId eq`` lookups. It is not unique, because SCIM
    does not require two resources to have different external ids.
    """

    __tablename__ = "external_ids"
    __table_args__ = (
        Index(
            "ix_external_ids_instance_resource_type_external_id",
            "instance",
            "resource_type",
            "external_id",
        ),
    )

    instance: Mapped[str] = mapped_column(String(100), primary_key=True)
    resource_type: Mapped[str] = mapped_column(String(100), primary_key=True)
    resource_id: Mapped[str] = mapped_column(String(255), primary_key=True)
    external_id: Mapped[str] = mapped_column(String(255))


class DeletedResourceRow(Base):
    """A resource that SCIM clients see as deleted although the target still keeps it.

    A target that cannot delete (Coupa deactivates users instead) gets a row
    here on SCIM DELETE. ``name`` is the case-folded userName at deletion, or
    None, and the index serves the lookup by name when a POST re-creates it.
    """

    __tablename__ = "deleted_resources"
    __table_args__ = (
        Index(
            "ix_deleted_resources_instance_resource_type_name",
            "instance",
            "resource_type",
            "name",
        ),
    )

    instance: Mapped[str] = mapped_column(String(100), primary_key=True)
    resource_type: Mapped[str] = mapped_column(String(100), primary_key=True)
    resource_id: Mapped[str] = mapped_column(String(255), primary_key=True)
    name: Mapped[str | None] = mapped_column(String(255))
    deleted_at: Mapped[datetime] = mapped_column(UtcDateTime())


class ClientCredentialRow(Base):
    """A credential a SCIM client uses to authenticate to one connector instance.

    ``kind`` is ``client_secret`` (a client id and secret for the OAuth2 token
    endpoint) or ``static_token`` (a long-lived bearer token). ``secret_hash`` is
    the hex SHA-256 digest of the generated secret; the secret itself is not stored.
    """

    __tablename__ = "client_credentials"
    __table_args__ = (Index("ix_client_credentials_instance", "instance"),)

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    instance: Mapped[str] = mapped_column(String(100))
    kind: Mapped[str] = mapped_column(String(20))
    secret_hash: Mapped[str] = mapped_column(String(64))
    read_only: Mapped[bool] = mapped_column(Boolean())
    label: Mapped[str] = mapped_column(String(255), default="")
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    revoked_at: Mapped[datetime | None] = mapped_column(UtcDateTime())


class GatewayKeyRow(Base):
    """A key the gateway generated once and every process sharing the store uses,
    such as the signing key of issued access tokens."""

    __tablename__ = "gateway_keys"

    name: Mapped[str] = mapped_column(String(100), primary_key=True)
    value: Mapped[str] = mapped_column(Text())
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
