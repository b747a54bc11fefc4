"""The scimbridge command line, through click's test runner."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from scimbridge.cli import main


def test_mapping_prints_every_row() -> None:
    result = CliRunner().invoke(main, ["mapping", "gotomeeting", "--markdown"])

    assert result.exit_code == 0
    assert "| `userName` | `email` | both |" in result.output
    assert "| `members[].value` | `userKeys` | both |" in result.output


def test_mapping_unknown_connector() -> None:
    result = CliRunner().invoke(main, ["mapping", "nosuch"])

    assert result.exit_code == 2
    assert "nosuch" in result.output


def test_serve_bad_config_exits_with_message(tmp_path: Path) -> None:
    config = tmp_path / "bad.toml"
    config.write_text("[server]\nport = -1\n", encoding="utf-8")

    result = CliRunner().invoke(main, ["serve", "--config", str(config)])

    assert result.exit_code == 1
    assert "server.port" in result.output


def test_serve_help_names_options() -> None:
    result = CliRunner().invoke(main, ["serve", "--help"])

    assert result.exit_code == 0
    for option in ("--config", "--host", "--port", "--token"):
        assert option in result.output
