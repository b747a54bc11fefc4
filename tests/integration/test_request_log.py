"""The request log: one JSON line per request, with no secret in it or any other log line."""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from scimbridge.observability import configure_logging, mask_query_string
from tests.hostile.dual_stack import DualStack, start_dual_stack
from tests.integration.conftest import PATCH_SCHEMA, TOKEN, new_user, start_stack
from tests.integration.coupa_stack import coupa_user
from tests.integration.test_inbound_auth import create

TARGET_SECRETS = (
    "sandbox-secret",
    "sandbox-password",
    "sandbox-pat",
    "sandbox-coupa-secret",
)
"""Client secrets, passwords and tokens of both targets in the test settings."""
REQUEST_FIELDS = (
    "request_id",
    "instance",
    "client",
    "method",
    "path",
    "query",
    "status",
    "latency_ms",
    "target_calls",
)
STDLIB_LOGGERS = ("", "httpx", "httpcore", "uvicorn", "uvicorn.error", "uvicorn.access")


def request_lines(output: str) -> list[dict[str, Any]]:
    lines = []
    for line in output.splitlines():
        if line.startswith("{"):
            record = json.loads(line)
            if record.get("event") == "request":
                lines.append(record)
    return lines


class ListHandler(logging.Handler):
    """Keeps every stdlib log record of the servers, formatted with its arguments.

    The servers run in threads of their own. Records of the test's thread come from
    the test's own HTTP clients, which send the gateway token, so they are left out.
    """

    def __init__(self) -> None:
        super().__init__(level=logging.DEBUG)
        self.lines: list[str] = []
        self.test_thread = threading.get_ident()

    def emit(self, record: logging.LogRecord) -> None:
        if record.thread != self.test_thread:
            self.lines.append(logging.Formatter("%(name)s %(message)s").format(record))


@pytest.fixture
def stdlib_records() -> Iterator[ListHandler]:
    """Capture the records of every stdlib logger at DEBUG, httpx and uvicorn included."""
    handler = ListHandler()
    saved = {name: logging.getLogger(name).level for name in STDLIB_LOGGERS}
    root = logging.getLogger()
    root.addHandler(handler)
    for name in STDLIB_LOGGERS:
        logging.getLogger(name).setLevel(logging.DEBUG)
    yield handler
    root.removeHandler(handler)
    for name, level in saved.items():
        logging.getLogger(name).setLevel(level)


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
    assert lines[0]["client"] == "settings-token-1"
    assert TOKEN not in combined
    assert "sandbox-secret" not in combined
    assert "sandbox-password" not in combined
    assert "Pa55word!" not in combined


@pytest.mark.parametrize(
    ("raw", "logged"),
    [
        (b"access_token=abc123&count=5", "access_token=***&count=5"),
        (b"Client_Secret=s3cret", "Client_Secret=***"),
        (b"password=hunter2&token=t0k", "password=***&token=***"),
        (
            b"filter=password%20eq%20%22hunter2%22%20and%20userName%20eq%20%22ada%22",
            "filter=password%20eq%20%22***%22%20and%20userName%20eq%20%22ada%22",
        ),
        (
            b"filter=urn:ietf:params:scim:schemas:core:2.0:User:PASSWORD+co+%22hun%5C%22ter",
            "filter=urn:ietf:params:scim:schemas:core:2.0:User:PASSWORD%20co%20%22***%22",
        ),
        (b"filter=userName%20eq%20%22password%22", "filter=userName%20eq%20%22password%22"),
        (b"", ""),
    ],
)
def test_query_string_masked(raw: bytes, logged: str) -> None:
    assert mask_query_string(raw) == logged


def test_query_string_cut() -> None:
    assert len(mask_query_string(b"filter=" + b"a" * 5000)) == 512


class Workload:
    """SCIM requests against both instances of a :class:`DualStack`, counted."""

    def __init__(self, dual: DualStack) -> None:
        self.dual = dual
        self.sent = 0

    def send(self, instance: str, method: str, path: str, **kwargs: Any) -> httpx.Response:
        with self.dual.scim(instance) as scim:
            response = scim.request(method, path, **kwargs)
        self.sent += 1
        return response

    def patch(self, instance: str, path: str, *operations: dict[str, Any]) -> httpx.Response:
        body = {"schemas": [PATCH_SCHEMA], "Operations": list(operations)}
        return self.send(instance, "PATCH", path, json=body)


USER_PASSWORDS = {
    "gotomeeting": ("Created-Pw-1!", "Patched-Pw-2!", "Replaced-Pw-3!", "Filtered-Pw-4!"),
    "coupa": ("Created-Pw-5!", "Patched-Pw-6!", "Replaced-Pw-7!", "Filtered-Pw-8!"),
}


def run_workload(workload: Workload) -> None:
    """Create, change, list, filter and fail on both instances, with passwords in every write."""
    for instance, (created_pw, patched_pw, replaced_pw, filtered_pw) in USER_PASSWORDS.items():
        user = new_user("log") if instance == "gotomeeting" else coupa_user("log")
        created = workload.send(instance, "POST", "/Users", json={**user, "password": created_pw})
        assert created.status_code == 201, created.text
        path = f"/Users/{created.json()['id']}"

        workload.patch(instance, path, {"op": "replace", "path": "password", "value": patched_pw})
        workload.patch(instance, path, {"op": "replace", "value": {"password": patched_pw}})
        workload.send(instance, "PUT", path, json={**user, "password": replaced_pw})
        workload.send(instance, "GET", path)
        workload.send(instance, "GET", "/Users", params={"count": 2})
        workload.send(
            instance, "GET", "/Users", params={"filter": f'userName eq "{user["userName"]}"'}
        )
        workload.send(instance, "GET", "/Users", params={"filter": f'password eq "{filtered_pw}"'})
        workload.send(instance, "GET", "/Users", params={"access_token": TOKEN})
        workload.send(instance, "GET", "/Users/does-not-exist")
        workload.send(instance, "POST", "/Users", content=b'{"password": "' + filtered_pw.encode())
        workload.send(instance, "GET", "/Users", headers={"Authorization": f"Bearer {TOKEN}-wrong"})
        workload.send(instance, "DELETE", path)


BULK_PASSWORDS = ("Bulk-Pw-9!", "Bulk-Pw-10!")


def run_credential_workload(workload: Workload, tmp_path: Path) -> list[str]:
    """Authenticate in every way the gateway offers and send a Bulk with passwords.

    Returns the secrets involved: client secrets, static tokens and access tokens.
    """
    secrets: list[str] = []
    for instance in ("gotomeeting", "coupa"):
        client = create(tmp_path, instance)
        static = create(tmp_path, instance, static_token=True)
        token_url = f"{workload.dual.gateway.base_url}/{instance}/oauth2/token"
        issued = httpx.post(
            token_url,
            data={"grant_type": "client_credentials"},
            auth=(client.credential.id, client.secret),
        )
        assert issued.status_code == 200, issued.text
        access_token = issued.json()["access_token"]
        wrong = httpx.post(
            token_url,
            data={
                "grant_type": "client_credentials",
                "client_id": client.credential.id,
                "client_secret": client.secret + "x",
            },
        )
        assert wrong.status_code == 401
        workload.sent += 2
        secrets += [client.secret, static.secret, access_token]

        for header in (f"Bearer {access_token}", f"Bearer {static.secret}"):
            listed = workload.send(instance, "GET", "/Users", headers={"Authorization": header})
            assert listed.status_code == 200, listed.text
        basic = httpx.BasicAuth(client.credential.id, client.secret)
        listed = workload.send(instance, "GET", "/Users", auth=basic)
        assert listed.status_code == 200, listed.text

    user = new_user("bulk-log")
    bulk = {
        "schemas": ["urn:ietf:params:scim:api:messages:2.0:BulkRequest"],
        "Operations": [
            {
                "method": "POST",
                "path": "/Users",
                "bulkId": "u1",
                "data": {**user, "password": BULK_PASSWORDS[0]},
            },
            {
                "method": "PATCH",
                "path": "/Users/bulkId:u1",
                "data": {
                    "schemas": [PATCH_SCHEMA],
                    "Operations": [
                        {"op": "replace", "path": "password", "value": BULK_PASSWORDS[1]}
                    ],
                },
            },
        ],
    }
    answered = workload.send("gotomeeting", "POST", "/Bulk", json=bulk)
    assert answered.status_code == 200, answered.text
    return secrets


def test_no_secret_in_any_log(
    tmp_path: Path, capfd: pytest.CaptureFixture[str], stdlib_records: ListHandler
) -> None:
    configure_logging("debug")
    dual = start_dual_stack(tmp_path)
    workload = Workload(dual)
    try:
        run_workload(workload)
        inbound_secrets = run_credential_workload(workload, tmp_path)
        revoked = httpx.delete(f"{dual.gotomeeting_emulator.base_url}/_emulator/access-tokens")
        assert revoked.status_code == 204
        after_refresh = workload.send("gotomeeting", "GET", "/Users", params={"count": 1})
        assert after_refresh.status_code == 200
    finally:
        dual.close()

    output = capfd.readouterr()
    captured = "\n".join([output.out, output.err, *stdlib_records.lines])
    secrets = [TOKEN, *TARGET_SECRETS, *inbound_secrets, *BULK_PASSWORDS]
    secrets += [password for passwords in USER_PASSWORDS.values() for password in passwords]

    for secret in secrets:
        assert secret not in captured, f"{secret!r} is in the logs"
    assert "oauth_token_issued" in captured

    lines = request_lines(output.out + output.err)
    assert len(lines) == workload.sent
    for line in lines:
        assert set(REQUEST_FIELDS) <= set(line), line
        assert line["instance"] in ("gotomeeting", "coupa")
        assert isinstance(line["status"], int)
        assert isinstance(line["target_calls"], int)
    assert {line["instance"] for line in lines} == {"gotomeeting", "coupa"}
    assert any(line["status"] == 401 and line["client"] is None for line in lines)
    assert any("access_token=***" in line["query"] for line in lines)
