"""Configuration of the Coupa Core API emulator."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

SANDBOX_CLIENT_ID = "sandbox-coupa-client"
SANDBOX_CLIENT_SECRET = "sandbox-coupa-secret"
SANDBOX_API_KEY = "268IE7ikm2aFjgNxXuw2LR9jVuHcVWYMpqZiwwcH"

CORE_SCOPES = (
    "core.user.read",
    "core.user.write",
    "core.user_group.read",
    "core.user_group.write",
    "core.common.read",
    "core.common.write",
    "core.accounting.read",
    "core.accounting.write",
)
OIDC_SCOPES = ("openid", "profile", "email", "login", "offline_access")
ALL_SCOPES = CORE_SCOPES + OIDC_SCOPES

ClientSpec = tuple[str, tuple[str, ...]]
"""An OAuth client's secret and the scopes it may request."""


@dataclass
class CoupaEmulatorSettings:
    """Settings of one emulated Coupa instance.

    Clients, keys and state:

    - ``state_path``: SQLite file that keeps every record, the id sequences and the
      issued access tokens, so tokens stay valid across a restart. ``None`` keeps
      everything in memory. The sandbox records are written to a new file on the first
      start, and later starts load the file instead.
    - ``clients``: OAuth client id to ``(secret, allowed scopes)``. ``POST /oauth2/token``
      accepts the client by HTTP Basic or by ``client_id``/``client_secret`` form fields.
      A request without ``scope`` is granted every scope the client is allowed.
    - ``api_keys``: legacy ``X-COUPA-API-KEY`` values. A key has every scope.
    - ``api_key_enabled``: whether the API accepts ``X-COUPA-API-KEY`` at all. False by
      default because Coupa's documentation says API keys are unsupported from release R35 on.
    - ``access_token_ttl``: access token lifetime in seconds (``expires_in``). Coupa
      issues tokens with ``expires_in`` 86399 (24 hours less one second), as its
      OAuth 2.0 documentation shows. A token expires when its age reaches the TTL,
      so 0 issues tokens that are already expired.
    - ``time_zone``: the instance time zone. Every timestamp is sent in this zone with a
      numeric offset, such as ``2026-12-04T14:02:11-08:00``.

    Faults:

    - ``rate_limit_per_second`` / ``rate_limit_burst``: Coupa documents 25 requests per
      second with a burst of 20. Above that a request gets 429 with ``Retry-After`` in
      whole seconds (at least 1). The key is the OAuth client behind a bearer token,
      then the API key, then the client id of HTTP Basic on the token endpoint, and
      otherwise the caller's IP address. A rate of 0 turns the limit off.
    - ``latency_seconds``: delay added before every response, 429 included.

    Behaviour that Coupa does not document, so the emulator chooses:

    - ``page_cap``: most records one index call returns (Coupa documents 50). A larger
      ``limit`` is cut to the cap without an error.
    - ``missing_scope_status``: status of a call whose token lacks the scope the
      resource needs; 403 by default, 401 is the other plausible value. The body names
      the scope: ``{"errors": ["Forbidden: this call requires the scope core.user.write"]}``.

    Fixed choices, documented here because the real API's behaviour is unknown:

    - Token endpoint errors are 400 RFC 6749 bodies: ``invalid_client``,
      ``invalid_scope`` (a scope that is unknown or not allowed for the client),
      ``unsupported_grant_type`` (every grant except ``client_credentials``) and
      ``invalid_request``. The route is ``/oauth2/token``; ``/oauth2/access_tokens``,
      which one published Swagger file names, is not served.
    - Errors: 401 is ``{"errors": ["Unauthorized"]}`` with a ``WWW-Authenticate``
      header that gives the reason, 403 and 429 are ``{"errors": ["..."]}``, and 400
      and 404 use the object form ``{"errors": {"<resource>": ["message", ...]}}``.
      An unknown id gets 404 ``Couldn't find User with 'id'=999``.
    - Coupa deletes nothing through the API, so every ``DELETE`` under ``/api`` gets
      404, except ``DELETE /api/user_group_memberships/{id}``, which answers 200 with
      the deleted membership. Other methods that a path does not serve get 404 too.
    - Index calls: a query attribute the resource does not have, an operator that does
      not fit the attribute's type, and an invalid ``limit``, ``offset``, ``dir``,
      ``fields`` or ``return_object`` get 400, so a client bug shows up at once. A null
      value matches no comparison, only ``[blank]=true``. An empty nested list counts
      as one null element for association filters. Strings compare case-insensitively.
      Dates and date-times without an offset are read as UTC. Nulls sort first in
      ascending order, and ties are ordered by id. ``fields`` and ``return_object``
      together get 400, and ``return_object=none`` is accepted on POST and PUT only.
    - Users: new ids start at 100 (the sandbox API user is id 1); other resources take
      the next free id. ``null`` for a collection is the same as ``[]``.
      ``default-account`` is resolved within the default chart of accounts stored
      before the request, so a client sets ``default-account-type`` in one request and
      ``default-account`` in a later one. A later change of ``default-account-type``
      leaves the stored ``default-account`` as it is. A ``default-address`` object
      without a known ``id`` or ``location-code`` creates a new address, unless its
      fields equal the user's current default address, which is then kept.
    - Approval limit fields look up limits of one subject each:
      ``requisition-*`` uses ``requisition_header``, ``expense-*`` ``expense_report``,
      ``invoice-*`` ``invoice_header``, ``contract-*`` ``contract_header`` and
      ``work-confirmation-approval-limit`` ``work_confirmation``.
    - ``user-groups`` and ``approval-groups`` are two views of one membership relation.
      A change of membership, by any route, changes ``updated-at`` of both the user
      and the group.
    """

    state_path: Path | None = None
    clients: dict[str, ClientSpec] = field(default_factory=dict)
    api_keys: tuple[str, ...] = ()
    api_key_enabled: bool = False
    rate_limit_per_second: float = 25.0
    rate_limit_burst: int = 20
    latency_seconds: float = 0.0
    page_cap: int = 50
    access_token_ttl: int = 86399
    missing_scope_status: int = 403
    time_zone: str = "America/Los_Angeles"

    @classmethod
    def sandbox(cls, state_path: Path | None = None) -> CoupaEmulatorSettings:
        """Return settings for a ready-to-use sandbox instance.

        The sandbox has one OAuth client (``sandbox-coupa-client`` /
        ``sandbox-coupa-secret``) allowed every scope, and one legacy API key
        (``SANDBOX_API_KEY``) that works only once ``api_key_enabled`` is set.
        """
        return cls(
            state_path=state_path,
            clients={SANDBOX_CLIENT_ID: (SANDBOX_CLIENT_SECRET, ALL_SCOPES)},
            api_keys=(SANDBOX_API_KEY,),
        )
