"""Over 10,000 generated malformed and hostile requests against both connector instances.

The run has two parts, both sent over real HTTP to one gateway that serves the
``gotomeeting`` and ``coupa`` instances in front of their emulators:

1. requests that must all be rejected (``rejected_requests``); the users, groups and
   group-like records of both targets are compared before and after;
2. a free mix (``any_requests``) that may also create, change or delete resources.

Every response status must be below 500, and every error a SCIM Error (an RFC 6749
error on the token endpoint) without internals or secrets. No request rejected with
400 or more may have made a POST, PUT, PATCH or DELETE call that a target accepted.
Problems are collected rather than raised inside Hypothesis, so one run lists all
of them. The seed is fixed (``derandomize``), so a listed request comes back on the
next run.
Run pytest with ``-s`` to see the summary of requests per endpoint and status.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from tests.hostile.checks import oauth_error_problems, request_text, scim_error_problems
from tests.hostile.dual_stack import DualStack, start_dual_stack
from tests.hostile.strategies import ENDPOINTS, HostileRequest, any_requests, rejected_requests
from tests.integration.conftest import GROUP_SCHEMA, new_user
from tests.integration.coupa_stack import coupa_user

BATCH = 25
REJECTED_BATCHES = 210
FREE_BATCHES = 240
MIN_REQUESTS = 10_000
MAX_BODY_BYTES = 65_536
"""``limits.max_body_bytes`` of the gateway under test, low so that 413 is cheap to reach."""


@dataclass
class Tally:
    """Requests sent, response statuses and problems found."""

    by_endpoint: Counter[str] = field(default_factory=Counter)
    by_status: Counter[int] = field(default_factory=Counter)
    by_method: Counter[str] = field(default_factory=Counter)
    problems: list[str] = field(default_factory=list)
    unsent: int = 0
    failed_writes: int = 0
    """Write calls that the target rejected, made while serving a rejected request."""

    @property
    def total(self) -> int:
        return sum(self.by_status.values())

    def problem(self, request: HostileRequest, status: int, text: str) -> None:
        if len(self.problems) < 50:
            self.problems.append(
                f"{request.method} {request.path[:150]}?{request.query[:150]} "
                f"body={(request.body or b'')[:150]!r} headers={request.headers!r} "
                f"-> {status}: {text}"
            )

    def summary(self) -> str:
        lines = [
            f"hostile requests sent: {self.total} (not sendable by httpx: {self.unsent})",
            f"target write calls the target rejected during rejected requests: "
            f"{self.failed_writes}",
        ]
        lines.append("by endpoint:")
        lines.extend(f"  {name:34} {count:6}" for name, count in sorted(self.by_endpoint.items()))
        lines.append(
            "by status: " + ", ".join(f"{s}: {n}" for s, n in sorted(self.by_status.items()))
        )
        lines.append(
            "by method: " + ", ".join(f"{m}: {n}" for m, n in sorted(self.by_method.items()))
        )
        return "\n".join(lines)


@pytest.fixture(scope="module")
def dual(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DualStack]:
    running = start_dual_stack(
        tmp_path_factory.mktemp("hostile"), {"limits.max_body_bytes": MAX_BODY_BYTES}
    )
    yield running
    running.close()


def seed_resources(dual: DualStack) -> dict[str, list[str]]:
    """Create a user on each instance and a group on GoToMeeting.

    Returns the ids of existing resources of every endpoint per instance, Coupa's
    seeded roles and groups included.
    """
    existing: dict[str, list[str]] = {}
    bodies = {"gotomeeting": new_user("seed"), "coupa": coupa_user("seed")}
    for instance, user in bodies.items():
        with dual.scim(instance) as scim:
            created = scim.post("/Users", json=user)
            assert created.status_code == 201, created.text
            if instance == "gotomeeting":
                group = {"schemas": [GROUP_SCHEMA], "displayName": "seed"}
                assert scim.post("/Groups", json=group).status_code == 201
            ids: set[str] = set()
            for endpoint in ENDPOINTS[instance]:
                listed = scim.get(f"/{endpoint}", params={"count": 3})
                assert listed.status_code == 200, listed.text
                ids.update(resource["id"] for resource in listed.json()["Resources"])
        existing[instance] = sorted(ids)
    return existing


def send(
    client: httpx.Client,
    dual: DualStack,
    request: HostileRequest,
    tally: Tally,
    *,
    must_reject: bool,
) -> None:
    """Send one request and record what is wrong with the response."""
    url = request.path + (f"?{request.query}" if request.query else "")
    mark = dual.write_mark()
    try:
        response = client.request(
            request.method, url, headers=request.headers, content=request.body
        )
    except (httpx.InvalidURL, httpx.LocalProtocolError, UnicodeEncodeError):
        tally.unsent += 1
        return
    status = response.status_code
    tally.by_endpoint[request.label] += 1
    tally.by_status[status] += 1
    tally.by_method[request.method] += 1

    for problem in answer_problems(request, response):
        tally.problem(request, status, problem)
    if must_reject and status < 400:
        tally.problem(request, status, "accepted, but every request of this part must be rejected")
    if status >= 400:
        writes = dual.writes_since(mark)
        tally.failed_writes += sum(1 for *_, target_status in writes if target_status >= 400)
        accepted = [write for write in writes if write[2] < 400]
        if accepted:
            tally.problem(request, status, f"rejected, but the target accepted {accepted}")


def answer_problems(request: HostileRequest, response: httpx.Response) -> list[str]:
    status = response.status_code
    if status >= 500:
        return [f"server error: {response.text[:300]}"]
    if request.method == "HEAD" or status in (204, 304):
        return []
    sent = request_text(request.method, request.path, request.query, request.body)
    if status < 400:
        return [] if _is_json(response) else [f"success body is not JSON: {response.text[:200]}"]
    if request.token_endpoint:
        return oauth_error_problems(response, sent)
    return scim_error_problems(response, sent)


def _is_json(response: httpx.Response) -> bool:
    try:
        json.loads(response.content)
    except ValueError:
        return False
    return True


def run_batches(
    strategy: st.SearchStrategy[HostileRequest],
    batches: int,
    deliver: Any,
) -> None:
    """Draw ``batches`` lists of ``BATCH`` requests from ``strategy`` and deliver each."""

    @settings(
        max_examples=batches,
        deadline=None,
        derandomize=True,
        database=None,
        phases=[Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(st.lists(strategy, min_size=BATCH, max_size=BATCH))
    def run(batch: list[HostileRequest]) -> None:
        for request in batch:
            deliver(request)

    run()


def test_hostile_requests(dual: DualStack) -> None:
    existing = seed_resources(dual)
    tally = Tally()
    with httpx.Client(base_url=dual.gateway.base_url, timeout=60) as client:
        before = dual.snapshot()
        run_batches(
            rejected_requests(existing),
            REJECTED_BATCHES,
            lambda request: send(client, dual, request, tally, must_reject=True),
        )
        after = dual.snapshot()
        rejected_total = tally.total

        run_batches(
            any_requests(existing),
            FREE_BATCHES,
            lambda request: send(client, dual, request, tally, must_reject=False),
        )

    print(tally.summary())
    assert not tally.problems, "\n".join(tally.problems)
    assert after == before
    assert rejected_total >= MIN_REQUESTS // 2
    assert tally.total >= MIN_REQUESTS
