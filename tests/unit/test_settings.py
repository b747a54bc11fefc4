"""Settings: defaults, the TOML file, environment overrides and errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from scimbridge.errors import ConfigurationError
from scimbridge.settings import load_settings


def test_defaults_are_the_sandbox() -> None:
    settings = load_settings(environ={})

    assert settings.server.host == "127.0.0.1"
    assert settings.server.port == 8080
    assert list(settings.instances) == ["gotomeeting", "coupa"]
    assert settings.instances["gotomeeting"].target_url.startswith("http://127.0.0.1:")
    assert settings.instances["coupa"].target_url.startswith("http://127.0.0.1:")
    assert settings.emulators.gotomeeting.enabled is True
    assert settings.emulators.coupa.enabled is True
    assert settings.store_url.startswith("sqlite+aiosqlite:///")


def test_file_then_environment(tmp_path: Path) -> None:
    config = tmp_path / "scimbridge.toml"
    config.write_text(
        '[server]\nport = 9000\n[instances.gotomeeting]\nclient_id = "from-file"\n',
        encoding="utf-8",
    )
    environ = {
        "SCIMBRIDGE_SERVER__PORT": "9100",
        "SCIMBRIDGE_INSTANCES__GOTOMEETING__CLIENT_SECRET": "s3cret",
        "SCIMBRIDGE_TOKEN": "not a setting",
    }

    settings = load_settings(config, environ=environ)

    assert settings.server.port == 9100
    assert settings.instances["gotomeeting"].client_id == "from-file"
    assert settings.instances["gotomeeting"].client_secret.get_secret_value() == "s3cret"


def test_overrides_win(tmp_path: Path) -> None:
    settings = load_settings(
        environ={"SCIMBRIDGE_SERVER__PORT": "9100"}, overrides={"server.port": 9200}
    )

    assert settings.server.port == 9200


def test_secret_not_in_repr() -> None:
    settings = load_settings(environ={"SCIMBRIDGE_INSTANCES__GOTOMEETING__PASSWORD": "hunter22"})

    assert "hunter22" not in repr(settings)


def test_unknown_key_rejected(tmp_path: Path) -> None:
    config = tmp_path / "bad.toml"
    config.write_text("[server]\nprot = 1\n", encoding="utf-8")

    with pytest.raises(ConfigurationError, match=r"server\.prot"):
        load_settings(config, environ={})


def test_invalid_port_rejected() -> None:
    with pytest.raises(ConfigurationError, match=r"server\.port"):
        load_settings(environ={"SCIMBRIDGE_SERVER__PORT": "70000"})


def test_missing_file_rejected(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError, match="does not exist"):
        load_settings(tmp_path / "missing.toml", environ={})


def test_invalid_toml_rejected(tmp_path: Path) -> None:
    config = tmp_path / "broken.toml"
    config.write_text("[server\n", encoding="utf-8")

    with pytest.raises(ConfigurationError, match="not valid TOML"):
        load_settings(config, environ={})


def test_numeric_account_key_from_environment() -> None:
    settings = load_settings(
        environ={"SCIMBRIDGE_INSTANCES__GOTOMEETING__ACCOUNT_KEY": "5120447391836620487"}
    )

    assert settings.instances["gotomeeting"].account_key == "5120447391836620487"


def test_instance_kind_from_name_or_connector() -> None:
    settings = load_settings(
        environ={},
        overrides={
            "instances.coupa.page_size": 20,
            "instances.spend.connector": "coupa",
            "instances.meetings.client_id": "x",
        },
    )

    assert settings.instances["coupa"].connector == "coupa"
    assert settings.instances["spend"].connector == "coupa"
    assert settings.instances["meetings"].connector == "gotomeeting"


def test_coupa_page_size_above_target_cap() -> None:
    with pytest.raises(ConfigurationError, match="page_size"):
        load_settings(environ={}, overrides={"instances.coupa.page_size": 51})


def test_instances_follow_moved_emulators() -> None:
    settings = load_settings(
        environ={},
        overrides={"emulators.coupa.port": 9192, "emulators.gotomeeting.port": 9191},
    )

    assert settings.instances["coupa"].target_url == "http://127.0.0.1:9192"
    assert settings.instances["gotomeeting"].target_url == "http://127.0.0.1:9191/admin/rest/v1"
    assert settings.instances["gotomeeting"].token_url == "http://127.0.0.1:9191/oauth/token"


def test_explicit_target_url_kept() -> None:
    settings = load_settings(
        environ={},
        overrides={
            "emulators.coupa.port": 9192,
            "instances.coupa.target_url": "https://acme.coupahost.com",
        },
    )

    assert settings.instances["coupa"].target_url == "https://acme.coupahost.com"
