"""The permission check of read-only clients: GET requests and POST .search only."""

from __future__ import annotations

from scimbridge.auth.authenticator import Client
from scimbridge.errors import Forbidden


def check_permission(client: Client, method: str, path: str) -> None:
    """Raise Forbidden when a read-only ``client`` sends anything but GET or POST .search.

    Every other request, /Bulk included, may write and is refused.
    """
    if not client.read_only:
        return
    if method == "GET" or (method == "POST" and path.rstrip("/").endswith("/.search")):
        return
    raise Forbidden(
        f"credential {client.id!r} is read-only here: it may send GET requests and POST "
        f".search only, not {method} {path}. Writes need a credential created without "
        "--read-only, and, with access tokens, a token requested with scope 'scim' "
        "rather than 'scim.read'"
    )
