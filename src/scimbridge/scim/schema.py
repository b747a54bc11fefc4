"""Attribute and schema definitions as RFC 7643 §7 describes them.

These are the gateway's own light descriptions of what a resource type holds.
The mapping engine builds them from mapping rows, the discovery endpoints
publish them, and filtering, sorting, PATCH and projection read them to learn an
attribute's type, case sensitivity and plurality.

Resources travel through the gateway as plain JSON dictionaries keyed by the
attribute names these definitions give. Extension attributes sit under the
extension's schema URN, as on the wire.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from enum import StrEnum


class AttributeType(StrEnum):
    STRING = "string"
    BOOLEAN = "boolean"
    DECIMAL = "decimal"
    INTEGER = "integer"
    DATETIME = "dateTime"
    REFERENCE = "reference"
    BINARY = "binary"
    COMPLEX = "complex"


class Mutability(StrEnum):
    READ_ONLY = "readOnly"
    READ_WRITE = "readWrite"
    IMMUTABLE = "immutable"
    WRITE_ONLY = "writeOnly"


class Returned(StrEnum):
    ALWAYS = "always"
    NEVER = "never"
    DEFAULT = "default"
    REQUEST = "request"


class Uniqueness(StrEnum):
    NONE = "none"
    SERVER = "server"
    GLOBAL = "global"


@dataclass(frozen=True)
class AttributeDef:
    """One attribute or sub-attribute of a schema."""

    name: str
    type: AttributeType = AttributeType.STRING
    multi_valued: bool = False
    description: str = ""
    required: bool = False
    case_exact: bool = False
    mutability: Mutability = Mutability.READ_WRITE
    returned: Returned = Returned.DEFAULT
    uniqueness: Uniqueness = Uniqueness.NONE
    canonical_values: tuple[str, ...] = ()
    reference_types: tuple[str, ...] = ()
    sub_attributes: tuple[AttributeDef, ...] = ()

    def sub_attribute(self, name: str) -> AttributeDef | None:
        """Return the sub-attribute called ``name``, matched case-insensitively."""
        wanted = name.lower()
        for sub in self.sub_attributes:
            if sub.name.lower() == wanted:
                return sub
        return None

    def to_scim(self) -> dict[str, object]:
        """Render the definition as an RFC 7643 §7 attribute object."""
        rendered: dict[str, object] = {
            "name": self.name,
            "type": self.type.value,
            "multiValued": self.multi_valued,
            "description": self.description,
            "required": self.required,
            "mutability": self.mutability.value,
            "returned": self.returned.value,
            # RFC 7643 §2.2 gives these two defaults for every attribute. They are
            # written out even where they carry no meaning (a boolean's caseExact),
            # because schema readers such as One Identity Manager's wizard expect each key.
            "caseExact": self.case_exact,
            "uniqueness": self.uniqueness.value,
        }
        if self.canonical_values:
            rendered["canonicalValues"] = list(self.canonical_values)
        if self.reference_types:
            rendered["referenceTypes"] = list(self.reference_types)
        if self.sub_attributes:
            rendered["subAttributes"] = [sub.to_scim() for sub in self.sub_attributes]
        return rendered


@dataclass(frozen=True)
class SchemaDef:
    """A schema: its URN, name and top-level attributes."""

    id: str
    name: str
    description: str
    attributes: tuple[AttributeDef, ...]

    def attribute(self, name: str) -> AttributeDef | None:
        """Return the top-level attribute called ``name``, matched case-insensitively."""
        wanted = name.lower()
        for attribute in self.attributes:
            if attribute.name.lower() == wanted:
                return attribute
        return None


@dataclass(frozen=True)
class ResourceTypeDef:
    """A resource type: its endpoint, core schema and extension schemas."""

    name: str
    endpoint: str
    description: str
    schema: SchemaDef
    extensions: tuple[SchemaDef, ...] = ()
    required_extensions: frozenset[str] = field(default_factory=frozenset)

    @property
    def schema_ids(self) -> list[str]:
        return [self.schema.id, *(extension.id for extension in self.extensions)]

    def schemas(self) -> Iterator[SchemaDef]:
        yield self.schema
        yield from self.extensions

    def extension(self, urn: str) -> SchemaDef | None:
        wanted = urn.lower()
        for extension in self.extensions:
            if extension.id.lower() == wanted:
                return extension
        return None

    def resolve(self, urn: str | None, attr: str) -> tuple[SchemaDef, AttributeDef] | None:
        """Find a top-level attribute, qualified by a schema URN or not.

        An unqualified name is looked up in the core schema first, then in each
        extension, as RFC 7644 §3.10 allows for attribute names that are unique
        across the resource type.
        """
        if urn:
            schema = self.schema if urn.lower() == self.schema.id.lower() else self.extension(urn)
            if schema is None:
                return None
            attribute = schema.attribute(attr) or _common(schema is self.schema, attr)
            return (schema, attribute) if attribute else None

        for schema in self.schemas():
            attribute = schema.attribute(attr)
            if attribute is not None:
                return schema, attribute
        common = _common(True, attr)
        return (self.schema, common) if common else None


# Common attributes of RFC 7643 §3.1, shared by every resource type.
ID = AttributeDef(
    "id",
    description="Unique identifier of the resource, assigned by the service provider.",
    case_exact=True,
    mutability=Mutability.READ_ONLY,
    returned=Returned.ALWAYS,
    uniqueness=Uniqueness.SERVER,
)
EXTERNAL_ID = AttributeDef(
    "externalId",
    description="Identifier of the resource as the provisioning client knows it.",
    case_exact=True,
)
META = AttributeDef(
    "meta",
    type=AttributeType.COMPLEX,
    description="Resource metadata.",
    mutability=Mutability.READ_ONLY,
    sub_attributes=(
        AttributeDef("resourceType", case_exact=True, mutability=Mutability.READ_ONLY),
        AttributeDef("created", AttributeType.DATETIME, mutability=Mutability.READ_ONLY),
        AttributeDef("lastModified", AttributeType.DATETIME, mutability=Mutability.READ_ONLY),
        AttributeDef(
            "location",
            AttributeType.REFERENCE,
            case_exact=True,
            mutability=Mutability.READ_ONLY,
            reference_types=("uri",),
        ),
        AttributeDef("version", case_exact=True, mutability=Mutability.READ_ONLY),
    ),
)
COMMON_ATTRIBUTES = (ID, EXTERNAL_ID, META)


def _common(in_core: bool, name: str) -> AttributeDef | None:
    """Return the common attribute ``name`` (id, externalId, meta) when the core schema is meant."""
    if not in_core:
        return None
    wanted = name.lower()
    for attribute in COMMON_ATTRIBUTES:
        if attribute.name.lower() == wanted:
            return attribute
    return None
