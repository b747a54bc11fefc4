"""Gateway settings: a TOML file, then environment overrides, then command-line options.

With no file, the settings are the sandbox: one ``gotomeeting`` connector
instance talking to the bundled GoToMeeting emulator on 127.0.0.1, and gateway
state in ``var/scimbridge.db`` under the data folder.

Environment overrides use the prefix ``SCIMBRIDGE_`` and a double underscore
between levels; the value is read as TOML when it parses, else as a string::

    SCIMBRIDGE_SERVER__PORT=9000
    SCIMBRIDGE_INSTANCES__GOTOMEETING__CLIENT_SECRET=...
    SCIMBRIDGE_EMULATORS__GOTOMEETING__RATE_LIMIT_PER_SECOND=0
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Discriminator,
    Field,
    SecretStr,
    ValidationError,
    field_validator,
    model_validator,
)

from scimbridge.errors import ConfigurationError

ENV_PREFIX = "SCIMBRIDGE_"
DEFAULT_PORT = 8080
DEFAULT_EMULATOR_PORT = 8091


class _Strict(BaseModel):
    # Numbers become strings where a string is expected, so an environment
    # override such as ACCOUNT_KEY=5120447391836620487 (read as TOML) still works.
    model_config = ConfigDict(extra="forbid", coerce_numbers_to_str=True)


class ServerSettings(_Strict):
    host: str = "127.0.0.1"
    port: int = Field(DEFAULT_PORT, ge=0, le=65535)
    public_url: str | None = None
    """Base URL clients use, when a proxy sits in front; the default is http://host:port."""


class StoreSettings(_Strict):
    url: str | None = None
    """SQLAlchemy URL; the default is a SQLite file ``scimbridge.db`` in the data folder."""
    cache_url: str | None = None
    """``redis://host:port/db`` for a cache shared by several gateway processes
    (target access tokens); the default keeps the cache in the process."""
    cache_prefix: str = "scimbridge:"
    """Prefix of every key the gateway writes in Redis."""
    state_cache_seconds: float = Field(30.0, ge=0)
    """How long a process reuses the meta dates and externalId it last read or
    wrote for a resource whose content is unchanged; 0 reads the store every time.
    Only processes sharing one PostgreSQL store can see a value this much out of date."""


class LimitSettings(_Strict):
    max_body_bytes: int = Field(1_048_576, ge=1024)
    max_filter_length: int = Field(4096, ge=16)
    max_filter_depth: int = Field(32, ge=1)
    default_count: int = Field(100, ge=1)
    max_count: int = Field(1000, ge=1)
    max_scan: int = Field(10_000, ge=1)
    """Maximum number of resources read to evaluate a filter or sort on meta or externalId."""
    max_patch_operations: int = Field(1000, ge=1)
    """Maximum number of operations in one PATCH request; more get 413."""
    max_attribute_names: int = Field(200, ge=1)
    """Maximum number of names in ``attributes`` or ``excludedAttributes``; more get 400."""
    max_bulk_operations: int = Field(1000, ge=1)
    """Maximum number of operations in one ``/Bulk`` request (``bulk.maxOperations``)."""
    max_bulk_payload_bytes: int = Field(1_048_576, ge=1024)
    """Maximum size in bytes of one ``/Bulk`` request body (``bulk.maxPayloadSize``)."""


MIN_SIGNING_KEY_LENGTH = 32


class AuthSettings(_Strict):
    tokens: list[SecretStr] = Field(default_factory=list)
    """Bearer tokens accepted on every instance's SCIM endpoints."""
    token_lifetime_seconds: int = Field(3600, ge=1, le=86_400)
    """Lifetime of the access tokens the ``/{instance}/oauth2/token`` endpoint issues."""
    signing_key: SecretStr | None = None
    """HS256 key of issued access tokens; the default is a random key kept in the store."""
    credential_cache_seconds: float = Field(5.0, ge=0, le=60)
    """How long a process reuses a credential it read from the store, so a revoked
    credential keeps working at most this long; 0 reads the store on every request."""

    @field_validator("signing_key")
    @classmethod
    def _long_signing_key(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and len(value.get_secret_value()) < MIN_SIGNING_KEY_LENGTH:
            raise ValueError(
                f"must be at least {MIN_SIGNING_KEY_LENGTH} characters long; generate one with "
                "python -c 'import secrets; print(secrets.token_urlsafe(32))'"
            )
        return value


class GoToMeetingInstance(_Strict):
    """Supervisor configuration of a GoToMeeting connector instance."""

    connector: Literal["gotomeeting"] = "gotomeeting"
    target_url: str = f"http://127.0.0.1:{DEFAULT_EMULATOR_PORT}/admin/rest/v1"
    token_url: str = f"http://127.0.0.1:{DEFAULT_EMULATOR_PORT}/oauth/token"
    account_key: str | None = None
    """The GoTo account key; when empty it is read from ``GET /me`` at start."""
    client_id: str = "sandbox-client"
    client_secret: SecretStr = SecretStr("sandbox-secret")
    grant: Literal["password", "refresh_token", "personal_access_token"] = "password"
    username: str | None = "admin@sandbox.example.com"
    password: SecretStr | None = SecretStr("sandbox-password")
    refresh_token: SecretStr | None = None
    personal_access_token: SecretStr | None = None
    license_keys: list[str] = Field(default_factory=list)
    """Licenses given to created or re-activated users; empty means every G2M license."""
    page_size: int = Field(100, ge=1, le=1000)
    """Page size of target list calls."""
    max_scan: int = Field(10_000, ge=1)
    """Maximum number of objects read to evaluate a filter or sort the target cannot."""
    timeout_seconds: float = Field(30.0, gt=0)


DEFAULT_COUPA_EMULATOR_PORT = 8092

CustomAttributeType = Literal["string", "boolean", "integer", "decimal", "datetime", "binary"]

DEFAULT_COUPA_SCOPES = (
    "core.user.read",
    "core.user.write",
    "core.user_group.read",
    "core.user_group.write",
    "core.common.read",
    "core.accounting.read",
)


class CoupaCustomAttribute(_Strict):
    """A Coupa user field published as an attribute of the Coupa extension schema."""

    name: str
    """The SCIM attribute name."""
    target: str | None = None
    """The Coupa field, dotted for nested ones; the default is ``custom-fields.<name>``."""
    type: CustomAttributeType = "string"
    description: str = ""


class CoupaInstance(_Strict):
    """Supervisor configuration of a Coupa connector instance."""

    connector: Literal["coupa"] = "coupa"
    target_url: str = f"http://127.0.0.1:{DEFAULT_COUPA_EMULATOR_PORT}"
    """The Coupa instance URL, without ``/api``."""
    token_url: str | None = None
    """The OAuth2 token endpoint; the default is ``<target_url>/oauth2/token``."""
    client_id: str = "sandbox-coupa-client"
    client_secret: SecretStr = SecretStr("sandbox-coupa-secret")
    scopes: list[str] = Field(default_factory=lambda: list(DEFAULT_COUPA_SCOPES))
    api_key: SecretStr | None = None
    """A legacy ``X-COUPA-API-KEY``; when set it is used instead of OAuth2."""
    custom_properties: str = ""
    """Custom attributes in the ``name|type;name|type;`` form of Starling Connect v1.0."""
    custom_attributes: list[CoupaCustomAttribute] = Field(default_factory=list)
    """Custom attributes in the structured form."""
    page_size: int = Field(50, ge=1, le=50)
    """Records per target list call; Coupa returns 50 at most."""
    max_scan: int = Field(10_000, ge=1)
    """Maximum number of objects read to evaluate a filter or sort the target cannot."""
    count_cache_seconds: float = Field(10.0, ge=0)
    """How long an exact totalResults found by probing is reused; writes through
    the gateway clear it at once."""
    timeout_seconds: float = Field(30.0, gt=0)

    @property
    def resolved_token_url(self) -> str:
        return self.token_url or f"{self.target_url.rstrip('/')}/oauth2/token"


CONNECTOR_KINDS = ("gotomeeting", "coupa")

InstanceSettings = Annotated[GoToMeetingInstance | CoupaInstance, Discriminator("connector")]


class GoToMeetingEmulator(_Strict):
    """The bundled GoToMeeting emulator, started beside the gateway when enabled."""

    enabled: bool = True
    host: str = "127.0.0.1"
    port: int = Field(DEFAULT_EMULATOR_PORT, ge=0, le=65535)
    state_path: str | None = None
    """SQLite file of the emulator; the default is ``gotomeeting-emulator.db`` in data_dir."""
    rate_limit_per_second: float = Field(10.0, ge=0)
    latency_seconds: float = Field(0.0, ge=0)


class CoupaEmulator(_Strict):
    """The bundled Coupa emulator, started beside the gateway when enabled."""

    enabled: bool = True
    host: str = "127.0.0.1"
    port: int = Field(DEFAULT_COUPA_EMULATOR_PORT, ge=0, le=65535)
    state_path: str | None = None
    """SQLite file of the emulator; the default is ``coupa-emulator.db`` in data_dir."""
    rate_limit_per_second: float = Field(25.0, ge=0)
    latency_seconds: float = Field(0.0, ge=0)


class EmulatorSettingsGroup(_Strict):
    gotomeeting: GoToMeetingEmulator = Field(default_factory=GoToMeetingEmulator)
    coupa: CoupaEmulator = Field(default_factory=CoupaEmulator)


def _sandbox_instances() -> dict[str, InstanceSettings]:
    return {"gotomeeting": GoToMeetingInstance(), "coupa": CoupaInstance()}


class Settings(_Strict):
    data_dir: str = "var"
    server: ServerSettings = Field(default_factory=ServerSettings)
    store: StoreSettings = Field(default_factory=StoreSettings)
    limits: LimitSettings = Field(default_factory=LimitSettings)
    auth: AuthSettings = Field(default_factory=AuthSettings)
    instances: dict[str, InstanceSettings] = Field(default_factory=_sandbox_instances)
    emulators: EmulatorSettingsGroup = Field(default_factory=EmulatorSettingsGroup)

    @model_validator(mode="after")
    def _follow_emulators(self) -> Settings:
        """Point instances left at their default target URL to the bundled emulator's port.

        Moving an emulator (``[emulators.coupa] port = 9092``) then moves the
        instances that talk to it, without setting their ``target_url`` too.
        """
        goto = self.emulators.gotomeeting
        coupa = self.emulators.coupa
        for instance in self.instances.values():
            chosen = instance.model_fields_set
            if isinstance(instance, CoupaInstance) and coupa.enabled:
                if "target_url" not in chosen:
                    instance.target_url = f"http://{coupa.host}:{coupa.port}"
            elif isinstance(instance, GoToMeetingInstance) and goto.enabled:
                if "target_url" not in chosen:
                    instance.target_url = f"http://{goto.host}:{goto.port}/admin/rest/v1"
                if "token_url" not in chosen:
                    instance.token_url = f"http://{goto.host}:{goto.port}/oauth/token"
        return self

    @field_validator("instances", mode="before")
    @classmethod
    def _default_connector(cls, value: Any) -> Any:
        """Give an instance without ``connector`` the kind its name names, else gotomeeting."""
        if not isinstance(value, dict):
            return value
        completed = {}
        for name, instance in value.items():
            if isinstance(instance, dict) and "connector" not in instance:
                kind = name if name in CONNECTOR_KINDS else "gotomeeting"
                instance = {**instance, "connector": kind}
            completed[name] = instance
        return completed

    @property
    def data_path(self) -> Path:
        return Path(self.data_dir).expanduser()

    @property
    def store_url(self) -> str:
        if self.store.url:
            return self.store.url
        return f"sqlite+aiosqlite:///{(self.data_path / 'scimbridge.db').resolve()}"

    def public_base(self) -> str:
        if self.server.public_url:
            return self.server.public_url.rstrip("/")
        return f"http://{self.server.host}:{self.server.port}"


def load_settings(
    path: Path | None = None,
    *,
    environ: Mapping[str, str] | None = None,
    overrides: Mapping[str, Any] | None = None,
) -> Settings:
    """Read the settings file (if any), apply environment overrides, then ``overrides``."""
    data: dict[str, Any] = {}
    if path is not None:
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError as exc:
            raise ConfigurationError(f"settings file {path} does not exist") from exc
        except tomllib.TOMLDecodeError as exc:
            raise ConfigurationError(f"settings file {path} is not valid TOML: {exc}") from exc

    _apply_environment(data, os.environ if environ is None else environ)
    for dotted, value in (overrides or {}).items():
        _set_path(data, dotted.split("."), value)

    try:
        return Settings.model_validate(data)
    except ValidationError as exc:
        raise ConfigurationError(_describe(exc)) from exc


def _apply_environment(data: dict[str, Any], environ: Mapping[str, str]) -> None:
    for name, raw in environ.items():
        if not name.startswith(ENV_PREFIX):
            continue
        keys = [part.lower() for part in name[len(ENV_PREFIX) :].split("__")]
        # Other SCIMBRIDGE_ variables (such as SCIMBRIDGE_TOKEN) are not settings.
        if keys[0] in Settings.model_fields:
            _set_path(data, keys, _parse_value(raw))


def _parse_value(raw: str) -> Any:
    try:
        return tomllib.loads(f"value = {raw}")["value"]
    except tomllib.TOMLDecodeError:
        return raw


def _set_path(data: dict[str, Any], keys: list[str], value: Any) -> None:
    node = data
    for key in keys[:-1]:
        child = node.setdefault(key, {})
        if not isinstance(child, dict):
            raise ConfigurationError(
                f"setting {'.'.join(keys)} overrides a value that is not a table"
            )
        node = child
    node[keys[-1]] = value


def _describe(exc: ValidationError) -> str:
    problems = []
    for error in exc.errors():
        location = ".".join(str(part) for part in error["loc"])
        problems.append(f"{location}: {error['msg']}")
    return "invalid settings: " + "; ".join(problems)
