"""The ``scimbridge credentials`` commands: create, list and revoke SCIM client credentials.

They open the store the settings name, the same one ``scimbridge serve`` uses.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import datetime
from pathlib import Path
from typing import TypeVar

import click
from rich.console import Console
from rich.table import Table

from scimbridge.auth.credentials import MAX_LABEL_LENGTH, create_credential
from scimbridge.errors import ConfigurationError, StoreError
from scimbridge.settings import Settings, load_settings
from scimbridge.store import Store, StoredCredential, open_store

T = TypeVar("T")

config_option = click.option(
    "--config",
    "config_path",
    type=click.Path(dir_okay=False, path_type=Path),
    help="TOML settings file; without it the sandbox settings are used.",
)


@click.group("credentials")
def credentials_group() -> None:
    """Create, list and revoke the credentials SCIM clients authenticate with."""


@credentials_group.command("create")
@click.argument("instance")
@click.option(
    "--static-token",
    is_flag=True,
    help="Create a long-lived bearer token instead of a client id and secret.",
)
@click.option("--read-only", is_flag=True, help="Allow only GET requests and POST .search.")
@click.option(
    "--label",
    default="",
    help=f"Note shown by `credentials list`, such as the client's name (at most "
    f"{MAX_LABEL_LENGTH} characters).",
)
@config_option
def create_command(
    instance: str, static_token: bool, read_only: bool, label: str, config_path: Path | None
) -> None:
    """Create a credential for INSTANCE and print its secret, which is shown only this once."""
    settings = _settings(config_path)
    if instance not in settings.instances:
        known = ", ".join(sorted(settings.instances)) or "none"
        raise click.ClickException(
            f"no connector instance named {instance!r} in the settings; known: {known}"
        )
    if len(label) > MAX_LABEL_LENGTH:
        raise click.BadParameter(
            f"{len(label)} characters is too long: the maximum is {MAX_LABEL_LENGTH}",
            param_hint="--label",
        )

    issued = _with_store(
        settings,
        lambda store: create_credential(
            store.credentials,
            instance,
            static_token=static_token,
            read_only=read_only,
            label=label,
        ),
    )
    credential = issued.credential
    base = f"{settings.public_base()}/{instance}"
    access = "read-only" if read_only else "read and write"
    click.echo(f"Created credential {credential.id} for instance {instance} ({access}).")
    if static_token:
        click.echo(f"  bearer token:   {issued.secret}")
    else:
        click.echo(f"  client id:      {credential.id}")
        click.echo(f"  client secret:  {issued.secret}")
        click.echo(f"  token endpoint: {base}/oauth2/token")
    click.echo(f"  SCIM base URL:  {base}/scim/v2")
    click.echo("Store the secret now: the gateway keeps only its SHA-256 hash.")


@credentials_group.command("list")
@click.argument("instance", required=False)
@config_option
def list_command(instance: str | None, config_path: Path | None) -> None:
    """List the credentials of every instance, or of INSTANCE, without their secrets."""
    settings = _settings(config_path)
    credentials = _with_store(settings, lambda store: store.credentials.list(instance))
    if not credentials:
        where = f" of instance {instance}" if instance else ""
        click.echo(f"No credentials{where}.")
        return

    table = Table("id", "instance", "type", "access", "label", "created (UTC)", "revoked (UTC)")
    for credential in credentials:
        table.add_row(*_cells(credential))
    console = Console(highlight=False)
    if not console.is_terminal:
        # Rich assumes 80 columns for a pipe or file, which would cut the ids.
        console.width = 160
    console.print(table)


@credentials_group.command("revoke")
@click.argument("credential_id", metavar="ID")
@config_option
def revoke_command(credential_id: str, config_path: Path | None) -> None:
    """Revoke the credential ID; its static token and access tokens stop working."""
    settings = _settings(config_path)
    revoked = _with_store(settings, lambda store: store.credentials.revoke(credential_id))
    if revoked is None:
        raise click.ClickException(
            f"no credential with id {credential_id!r}; `scimbridge credentials list` shows the ids"
        )
    click.echo(
        f"Credential {revoked.id} of instance {revoked.instance} is revoked since "
        f"{_time(revoked.revoked_at)} UTC. Running gateways refuse it within "
        f"{settings.auth.credential_cache_seconds:g} s (auth.credential_cache_seconds)."
    )


def _cells(credential: StoredCredential) -> tuple[str, ...]:
    kind = "static token" if credential.kind == "static_token" else "client secret"
    access = "read-only" if credential.read_only else "read/write"
    return (
        credential.id,
        credential.instance,
        kind,
        access,
        credential.label,
        _time(credential.created_at),
        _time(credential.revoked_at),
    )


def _time(value: datetime | None) -> str:
    return "" if value is None else f"{value:%Y-%m-%d %H:%M:%S}"


def _settings(config_path: Path | None) -> Settings:
    try:
        return load_settings(config_path)
    except ConfigurationError as exc:
        raise click.ClickException(str(exc)) from exc


def _with_store(settings: Settings, action: Callable[[Store], Awaitable[T]]) -> T:
    """Open the settings' store, run ``action`` on it and close it."""

    async def run() -> T:
        async with await open_store(settings.store_url) as store:
            return await action(store)

    try:
        return asyncio.run(run())
    except StoreError as exc:
        raise click.ClickException(f"the gateway store failed: {exc}") from exc
