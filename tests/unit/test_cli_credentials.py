"""``scimbridge credentials`` through click's test runner, on a temporary SQLite store."""

from __future__ import annotations

import asyncio
import hashlib
import re
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from scimbridge.cli import main
from scimbridge.settings import load_settings
from scimbridge.store import StoredCredential, open_store


@pytest.fixture
def config(tmp_path: Path) -> Path:
    """A settings file whose store is a SQLite file under ``tmp_path``."""
    path = tmp_path / "scimbridge.toml"
    path.write_text(
        f'data_dir = "{tmp_path.as_posix()}"\n[server]\npublic_url = "https://scim.example.test"\n',
        encoding="utf-8",
    )
    return path


def run(config: Path, *args: str) -> Result:
    return CliRunner().invoke(main, ["credentials", *args, "--config", str(config)])


def field(output: str, name: str) -> str:
    match = re.search(rf"^\s+{name}:\s+(\S+)$", output, re.MULTILINE)
    assert match is not None, output
    return match.group(1)


def stored(config: Path, credential_id: str) -> StoredCredential | None:
    url = load_settings(config, environ={}).store_url

    async def read() -> StoredCredential | None:
        async with await open_store(url) as store:
            return await store.credentials.get(credential_id)

    return asyncio.run(read())


def test_create_prints_secret_once(config: Path) -> None:
    result = run(config, "create", "gotomeeting", "--label", "Entra ID")

    assert result.exit_code == 0, result.output
    client_id = field(result.output, "client id")
    secret = field(result.output, "client secret")
    assert client_id.startswith("client-")
    assert field(result.output, "token endpoint") == (
        "https://scim.example.test/gotomeeting/oauth2/token"
    )
    assert field(result.output, "SCIM base URL") == "https://scim.example.test/gotomeeting/scim/v2"

    credential = stored(config, client_id)
    assert credential is not None
    assert credential.secret_hash == hashlib.sha256(secret.encode()).hexdigest()
    assert credential.label == "Entra ID"
    assert not credential.read_only


def test_create_static_read_only_token(config: Path) -> None:
    result = run(config, "create", "coupa", "--static-token", "--read-only")

    assert result.exit_code == 0, result.output
    token = field(result.output, "bearer token")
    assert token.startswith("sbt_")
    assert "read-only" in result.output
    assert "client secret" not in result.output
    credential_id = result.output.split()[2]
    credential = stored(config, credential_id)
    assert credential is not None
    assert credential.kind == "static_token"
    assert credential.read_only
    assert credential.instance == "coupa"


def test_create_unknown_instance(config: Path) -> None:
    result = run(config, "create", "nosuch")

    assert result.exit_code == 1
    assert "'nosuch'" in result.output
    assert "known: coupa, gotomeeting" in result.output


def test_create_label_too_long(config: Path) -> None:
    result = run(config, "create", "gotomeeting", "--label", "x" * 256)

    assert result.exit_code == 2
    assert "--label" in result.output


def test_list_shows_no_secrets(config: Path) -> None:
    client = run(config, "create", "gotomeeting", "--label", "Okta")
    static = run(config, "create", "coupa", "--static-token")
    secret = field(client.output, "client secret")
    token = field(static.output, "bearer token")

    result = run(config, "list")

    assert result.exit_code == 0, result.output
    assert field(client.output, "client id") in result.output
    assert "Okta" in result.output
    assert "static token" in result.output
    assert secret not in result.output
    assert token not in result.output
    assert token.split("_")[2] not in result.output


def test_list_one_instance(config: Path) -> None:
    goto = run(config, "create", "gotomeeting")
    coupa = run(config, "create", "coupa")

    result = run(config, "list", "coupa")

    assert result.exit_code == 0, result.output
    assert field(coupa.output, "client id") in result.output
    assert field(goto.output, "client id") not in result.output


def test_list_empty(config: Path) -> None:
    result = run(config, "list")

    assert result.exit_code == 0
    assert "No credentials." in result.output


def test_revoke(config: Path) -> None:
    client_id = field(run(config, "create", "gotomeeting").output, "client id")

    result = run(config, "revoke", client_id)

    assert result.exit_code == 0, result.output
    assert f"Credential {client_id} of instance gotomeeting is revoked" in result.output
    credential = stored(config, client_id)
    assert credential is not None
    assert credential.revoked
    listed = run(config, "list").output
    assert credential.revoked_at is not None
    assert f"{credential.revoked_at:%Y-%m-%d %H:%M:%S}" in listed


def test_revoke_unknown(config: Path) -> None:
    result = run(config, "revoke", "client-0000000000000000")

    assert result.exit_code == 1
    assert "no credential with id 'client-0000000000000000'" in result.output
    assert "credentials list" in result.output


def test_bad_config(tmp_path: Path) -> None:
    config = tmp_path / "bad.toml"
    config.write_text("[auth]\ntoken_lifetime_seconds = 0\n", encoding="utf-8")

    result = run(config, "list")

    assert result.exit_code == 1
    assert "auth.token_lifetime_seconds" in result.output
