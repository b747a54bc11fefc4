"""The ``scimbridge`` command line."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path

import click
from rich.console import Console
from rich.table import Table

from scimbridge.auth.commands import credentials_group
from scimbridge.errors import ConfigurationError, ScimbridgeError
from scimbridge.mapping.rows import Row
from scimbridge.observability import configure_logging
from scimbridge.runtime import Runtime, serve
from scimbridge.settings import load_settings

console = Console(stderr=True, highlight=False)

TOKEN_ENV = "SCIMBRIDGE_TOKEN"


@click.group()
@click.version_option(package_name="scimbridge")
def main() -> None:
    """scimbridge: a SCIM 2.0 gateway for GoToMeeting and Coupa."""


@main.command("serve")
@click.option(
    "--config",
    "config_path",
    type=click.Path(dir_okay=False, path_type=Path),
    help="TOML settings file; settings it leaves out keep the sandbox defaults.",
)
@click.option("--host", help="Address the gateway listens on [default: 127.0.0.1].")
@click.option(
    "--port", type=click.IntRange(0, 65535), help="Port the gateway listens on [default: 8080]."
)
@click.option(
    "--token",
    envvar=TOKEN_ENV,
    show_envvar=True,
    help="Bearer token SCIM clients must send; without one a random token is made and printed.",
)
@click.option(
    "--log-level",
    default="info",
    show_default=True,
    type=click.Choice(["debug", "info", "warning", "error"]),
)
def serve_command(
    config_path: Path | None, host: str | None, port: int | None, token: str | None, log_level: str
) -> None:
    """Start the gateway, with the bundled emulators its settings enable."""
    overrides: dict[str, object] = {}
    if host is not None:
        overrides["server.host"] = host
    if port is not None:
        overrides["server.port"] = port

    try:
        settings = load_settings(config_path, overrides=overrides)
    except ConfigurationError as exc:
        raise click.ClickException(str(exc)) from exc

    configure_logging(log_level)
    try:
        asyncio.run(serve(settings, token=token, announce=_announce))
    except KeyboardInterrupt:
        pass
    except (ScimbridgeError, OSError) as exc:
        raise click.ClickException(f"the gateway could not start: {exc}") from exc


main.add_command(credentials_group)


@main.command("mapping")
@click.argument("connector", type=click.Choice(["gotomeeting", "coupa"]))
@click.option("--markdown", is_flag=True, help="Print Markdown tables instead of terminal tables.")
def mapping_command(connector: str, markdown: bool) -> None:
    """Print a connector's mapping rows: SCIM path, target field, direction, type.

    Custom attributes come from an instance's settings, so they are not listed.
    """
    for title, rows in _mapping_tables(connector):
        table_rows = [
            (
                row.scim,
                row.target.describe(),
                _direction(row),
                row.type.value,
                "yes" if row.required else "",
                row.source,
            )
            for row in rows
        ]
        headers = ("SCIM path", "target", "direction", "type", "required", "source")
        if markdown:
            click.echo(f"### {title}\n")
            click.echo("| " + " | ".join(headers) + " |")
            click.echo("|" + "---|" * len(headers))
            for cells in table_rows:
                click.echo(
                    "| " + " | ".join(f"`{c}`" if i < 2 else c for i, c in enumerate(cells)) + " |"
                )
            click.echo()
            continue
        table = Table(*headers, title=f"{connector} {title}")
        for cells in table_rows:
            table.add_row(*cells)
        Console().print(table)


def _mapping_tables(connector: str) -> list[tuple[str, tuple[Row, ...]]]:
    if connector == "coupa":
        from scimbridge.connectors.coupa import mappings as coupa

        return [
            ("User", coupa.USER_ROWS),
            ("Group", coupa.GROUP_ROWS),
            ("Role", coupa.ROLE_ROWS),
            ("UserGroup", coupa.USER_GROUP_ROWS),
            ("AccountGroup", coupa.ACCOUNT_GROUP_ROWS),
        ]

    from scimbridge.connectors.gotomeeting import mappings as gotomeeting

    return [("User", gotomeeting.USER_ROWS), ("Group", gotomeeting.GROUP_ROWS)]


def _direction(row: Row) -> str:
    if row.readable and row.writable:
        return "both"
    return "read" if row.readable else "write"


def _announce(runtime: Runtime) -> None:
    console.print("[bold]scimbridge is serving[/bold]")
    for name, instance in runtime.instances.items():
        console.print(f"  {name} ({instance.kind}): {runtime.scim_url(name)}")
    if runtime.generated_token:
        console.print(f"  bearer token for this run: {runtime.generated_token}")
        console.print(f"  (set {TOKEN_ENV} or --token to choose a fixed one)")
    else:
        console.print(
            "  bearer token: the one configured (auth.tokens, --token or SCIMBRIDGE_TOKEN)"
        )
    console.print(f"  health: {runtime.settings.public_base()}/healthz   metrics: /metrics")
    console.print("Press Ctrl+C to stop.")
    os.environ.pop(TOKEN_ENV, None)


if __name__ == "__main__":
    main()
