"""Attribute names RFC 7643 defines for the core User and Group schemas and the
enterprise User extension.

A connector publishes only the attributes its target keeps. Clients send
full RFC objects anyway (Okta creates users with ``password`` and ``locale``),
so a POST or PUT body may carry an RFC attribute the connector does not map:
it is ignored, because the target has no field for it. A name that is in
neither the published schemas nor these lists is a client error, such as a
misspelt attribute mapping. It gets 400, so no value is lost unnoticed.
"""

from __future__ import annotations

USER = "urn:ietf:params:scim:schemas:core:2.0:User"
GROUP = "urn:ietf:params:scim:schemas:core:2.0:Group"
ENTERPRISE_USER = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"

_NAMES = {
    USER: frozenset(
        name.lower()
        for name in (
            "userName", "name", "displayName", "nickName", "profileUrl", "title",
            "userType", "preferredLanguage", "locale", "timezone", "active", "password",
            "emails", "phoneNumbers", "ims", "photos", "addresses", "groups",
            "entitlements", "roles", "x509Certificates",
        )
    ),
    GROUP: frozenset(("displayname", "members")),
    ENTERPRISE_USER: frozenset(
        name.lower()
        for name in (
            "employeeNumber", "costCenter", "organization", "division", "department",
            "manager",
        )
    ),
}  # fmt: skip


_BY_LOWER_URN = {urn.lower(): names for urn, names in _NAMES.items()}

# Sub-attributes RFC 7643 gives every multi-valued attribute (§2.4), and the
# complex attributes with sub-attributes of their own (§4.1.1, §4.1.2, §4.3).
_MULTI_VALUED = frozenset(("value", "display", "type", "primary", "$ref"))
_SUB_ATTRIBUTES = {
    "name": frozenset(
        (
            "formatted", "familyname", "givenname", "middlename", "honorificprefix",
            "honorificsuffix",
        )
    ),
    "addresses": _MULTI_VALUED
    | frozenset(("formatted", "streetaddress", "locality", "region", "postalcode", "country")),
    "manager": frozenset(("value", "$ref", "displayname")),
}  # fmt: skip


def defined_by_rfc(schema_id: str, name: str) -> bool:
    """True when RFC 7643 defines attribute ``name`` in schema ``schema_id`` (any case)."""
    return name.lower() in _BY_LOWER_URN.get(schema_id.lower(), frozenset())


def sub_attribute_by_rfc(attribute: str, name: str) -> bool:
    """True when RFC 7643 defines sub-attribute ``name`` of ``attribute`` (any case).

    Complex attributes the RFC does not list, such as those of extensions, are
    given the common sub-attributes, because the gateway adds ``$ref`` and
    ``display`` to references and clients send them back.
    """
    known = _SUB_ATTRIBUTES.get(attribute.lower(), _MULTI_VALUED)
    return name.lower() in known


def is_rfc_schema(urn: str) -> bool:
    """True for the three schema URNs of RFC 7643 listed here, in any case."""
    return urn.lower() in _BY_LOWER_URN
