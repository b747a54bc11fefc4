"""The request log: one JSON line per request, with no secret in it."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from scimbridge.observability import configure_logging
from tests.integration.conftest import TOKEN, new_user, start_stack


def request_lines(output: str) -> list[dict[str, Any]]:
    lines = []
    for line in output.splitlines():
        if line.startswith("{"):
            record = json.loads(line)
            if record.get("event") == "request":
                lines.append(record)
    return lines


def test_one_line_per_request(tmp_path: Path, capfd: pytest.CaptureFixture[str]) -> None:
    configure_logging("info")
    stack = start_stack(tmp_path)
    try:
        created = stack.scim.post("/Users", json=new_user(1, password="Pa55word!"))
        stack.scim.get(f"/Users/{created.json()['id']}")
        stack.scim.get("/Users", params={"filter": 'userName eq "user1@example.com"'})
    finally:
        stack.close()

    output = capfd.readouterr()
    combined = output.out + output.err
    lines = request_lines(combined)

    assert [line["method"] for line in lines] == ["POST", "GET", "GET"]
    assert [line["status"] for line in lines] == [201, 200, 200]
    assert all(line["instance"] == "gotomeeting" for line in lines)
    assert all(isinstance(line["latency_ms"], float) for line in lines)
    assert lines[1]["target_calls"] == 1
    assert lines[0]["client"] == "static-token-1"
    assert TOKEN not in combined
    assert "sandbox-secret" not in combined
    assert "sandbox-password" not in combined
    assert "Pa55word!" not in combined
