"""Configuration of the GoToMeeting (GoTo Admin API) emulator."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

SANDBOX_ACCOUNT_KEY = "5120447391836620487"
SANDBOX_LICENSE_KEY = "2218340975561804113"
SANDBOX_CLIENT_ID = "sandbox-client"
SANDBOX_CLIENT_SECRET = "sandbox-secret"
SANDBOX_ADMIN_EMAIL = "admin@sandbox.example.com"
SANDBOX_ADMIN_PASSWORD = "sandbox-password"
SANDBOX_PERSONAL_ACCESS_TOKEN = "sandbox-pat"
SANDBOX_REFRESH_TOKEN = "sandbox-refresh-token"


@dataclass(frozen=True)
class LicenseSpec:
    """One license of the account, as ``GET /accounts/{accountKey}/licenses`` lists it.

    Giving a user a GoToMeeting seat means putting the key of a license whose
    ``products`` contains ``"G2M"`` in the user's ``licenseKeys``. At most
    ``seats`` users can hold the license at once.
    """

    key: str
    description: str = "GoToMeeting Business"
    products: tuple[str, ...] = ("G2M",)
    seats: int = 1000
    type: str = "PAID"
    channel: str = "ONLINE"
    enabled: bool = True


@dataclass
class EmulatorSettings:
    """Settings of one emulated GoTo account.

    Accounts, clients and credentials:

    - ``state_path``: SQLite file that keeps users, groups, licenses, deleted-user
      tombstones and issued tokens across restarts. ``None`` keeps everything in memory.
      The account, its admin user and its licenses are written to a new file on the
      first start. On later starts the file's users and groups win over the settings,
      while license definitions, clients, PATs and ``refresh_tokens`` always come from
      the settings.
    - ``account_key`` / ``account_name``: the one account, returned by ``GET /me``. Keys
      are strings of digits, as the real service sends them.
    - ``clients``: OAuth client id to client secret. ``POST /oauth/token`` accepts the
      client by HTTP Basic or by ``client_id``/``client_secret`` form fields.
    - ``admin_email`` / ``admin_password``: the admin user that the ``password`` grant
      logs in as. Every token, whatever its grant, acts as this user.
    - ``admin_first_name`` / ``admin_last_name``: names of that admin user.
    - ``personal_access_tokens``: PATs that the ``personal_access_token`` grant accepts.
    - ``refresh_tokens``: refresh tokens that are valid from the start, for any client.
      Refresh tokens issued later belong to the client they were issued to.
    - ``password_grant_enabled``: whether the legacy ``password`` grant works. When off,
      the grant gets ``unsupported_grant_type``.
    - ``rotate_refresh_tokens``: when True, every ``refresh_token`` grant returns a new
      refresh token. When False (the default, as GoTo's current refresh-token guide
      describes), the response has no ``refresh_token``. Either way the old refresh
      token stays valid.
    - ``token_scope``: the ``scope`` of every issued token. The Admin API answers 401
      ``not.authenticated`` unless it contains ``identity:``.
    - ``access_token_ttl``: access token lifetime in seconds (``expires_in``). A token
      expires when its age reaches the TTL, so 0 issues tokens that are already expired.

    Faults:

    - ``rate_limit_per_second``: requests per second allowed per client before 429 with a
      ``Retry-After`` header in whole seconds. GoTo documents 10 per second. The key is
      the OAuth client behind a bearer token, the client id of HTTP Basic on the token
      endpoint, and otherwise the caller's IP address. 0 turns the limit off.
    - ``rate_limit_burst``: requests a client may make at once before the rate applies.
    - ``latency_seconds``: delay added before every response, 429 included.

    Behaviour the real service does not document, so the emulator chooses:

    - ``invalid_key_status``: status for a non-numeric account, user or group key in the
      path. 404 by default. 502 is what a third-party connector observed from the real
      service for a non-numeric user key.
    - ``foreign_account_status``: status for a numeric account key other than
      ``account_key``. 403 (``not.authorized``), because the caller is authenticated but
      not an admin of that account.
    - ``deleted_user_retention_days``: days a deleted user's key is kept. Creating the
      same email (case-insensitively) within that time brings back the old key, as
      GoTo's support pages describe. Licenses and roles come from the new request, and
      the old group membership is not restored. 0 never reuses keys.
    - ``duplicate_binding_with_key``: with ``allOrNothing=false``, whether a binding for an
      email that already exists carries the existing user's ``key``. False by default,
      as GoTo's Create User page says conflicting emails come back without a key. True
      follows the newer guide's wording that conflicting users "are returned as well".
    - ``default_page_size`` / ``max_page_size``: ``pageSize`` when the query has none, and
      the largest page returned. A larger ``pageSize`` is cut to ``max_page_size``
      without an error, so a client must page by ``total``, not by a short page. The
      real maximum is undocumented, and 1000 is what one public client assumes.
    - ``check_email_format``: whether an email must look like ``name@domain.tld``. GoTo
      logs users in by email and sends them an invitation, so True by default; False
      lets conformance checkers that fill every string with a UUID create users.
    - ``reject_plus_in_filter``: whether a literal ``+`` in the raw ``filter`` query value
      fails with 400 ``filter.invalid``. A public client of the real API notes that it
      rejects ``+`` as an encoded space, so spaces must be sent as ``%20``. Note that
      httpx encodes spaces in ``params`` as ``+``. True by default.
    - ``write_status``: status of successful PUT and DELETE calls, which answer with an
      empty body. 204 by default; 200 is the other plausible value.
    - ``licenses``: the account's licenses. Seats are enforced: a create or update that
      would put more users on a license than it has seats fails with 400
      ``license.seats.exceeded``.
    """

    state_path: Path | None = None
    account_key: str = SANDBOX_ACCOUNT_KEY
    account_name: str = "Sandbox Account"
    clients: dict[str, str] = field(default_factory=dict)
    admin_email: str = SANDBOX_ADMIN_EMAIL
    admin_password: str = SANDBOX_ADMIN_PASSWORD
    admin_first_name: str = "Sandbox"
    admin_last_name: str = "Admin"
    personal_access_tokens: set[str] = field(default_factory=set)
    refresh_tokens: set[str] = field(default_factory=set)
    password_grant_enabled: bool = True
    rotate_refresh_tokens: bool = False
    token_scope: str = "identity: collab:"
    access_token_ttl: int = 3600
    rate_limit_per_second: float = 10.0
    rate_limit_burst: int = 10
    latency_seconds: float = 0.0
    invalid_key_status: int = 404
    foreign_account_status: int = 403
    deleted_user_retention_days: int = 30
    duplicate_binding_with_key: bool = False
    default_page_size: int = 100
    max_page_size: int = 1000
    check_email_format: bool = True
    reject_plus_in_filter: bool = True
    write_status: int = 204
    licenses: list[LicenseSpec] = field(default_factory=list)

    @classmethod
    def sandbox(cls, state_path: Path | None = None) -> EmulatorSettings:
        """Return settings for a ready-to-use sandbox account.

        The sandbox has one OAuth client (``sandbox-client`` / ``sandbox-secret``),
        a ``SUPER_USER`` admin (``admin@sandbox.example.com`` / ``sandbox-password``),
        one PAT (``sandbox-pat``), one refresh token (``sandbox-refresh-token``) and
        one GoToMeeting license with 100,000 seats, enough for load tests.
        """
        return cls(
            state_path=state_path,
            clients={SANDBOX_CLIENT_ID: SANDBOX_CLIENT_SECRET},
            personal_access_tokens={SANDBOX_PERSONAL_ACCESS_TOKEN},
            refresh_tokens={SANDBOX_REFRESH_TOKEN},
            licenses=[LicenseSpec(key=SANDBOX_LICENSE_KEY, seats=100_000)],
        )
