"""Target calls per SCIM operation and gateway overhead for the GoToMeeting connector.

Run from the repository root::

    .venv/bin/python bench/gotomeeting_operations.py

It starts the bundled GoToMeeting emulator and a gateway on free 127.0.0.1 ports,
both in this process (each in its own thread and event loop), with the emulator's
rate limit off and its state in a temporary SQLite file. It prints three parts as
Markdown. The first is the GoTo Admin API calls each SCIM operation makes, read from
the gateway's ``scimbridge_target_calls_total`` metric. The second is requests per
second through the gateway and directly against the emulator, sequential and
concurrent, with their ratio. The third is a ``tracemalloc`` peak.
bench/README.md explains what each figure includes.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import math
import os
import platform
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode

import httpx
from prometheus_client.parser import text_string_to_metric_families

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.integration.conftest import (  # noqa: E402
    GROUP_SCHEMA,
    TOKEN,
    Stack,
    new_user,
    start_stack,
)

from scimbridge.emulators.gotomeeting import EmulatorSettings  # noqa: E402
from scimbridge.emulators.gotomeeting.settings import SANDBOX_LICENSE_KEY  # noqa: E402
from scimbridge.observability import configure_logging  # noqa: E402

INSTANCE = "gotomeeting"
GIVEN_NAMES = ("Ada", "Ben", "Cleo", "Dan", "Eve")
"""Given names of the populated users, in turn, so ``name.givenName sw "A"`` matches one in five."""

LOOP_SECONDS = 20.0
"""Time after which a throughput loop stops at the end of its current chunk.

The loop then reports the requests it completed."""

WARM_UP = 20
SEQUENTIAL_CHUNK = 50
CONCURRENT_CHUNK = 100
"""Requests sent to one side before switching to the other (gateway, then direct)."""

METRIC_WAIT_SECONDS = 5.0

FREE_USERS_NEEDED = 9
"""Users outside any group that the group operations put into groups."""


# Set-up ---------------------------------------------------------------------


@dataclass
class Account:
    """Keys of the users and groups created before measuring."""

    free_users: list[str]
    """Users in no group, used up one by one by the group operations."""
    emails: dict[str, str]
    """Email of every populated user, by key."""
    large_group: str
    """A group with ``large_group_size`` members."""
    large_group_size: int
    given_a: int
    """Populated users whose given name starts with "A"."""

    def take(self, count: int) -> list[str]:
        """Remove ``count`` users in no group from the pool and return their keys."""
        taken, self.free_users = self.free_users[:count], self.free_users[count:]
        if len(taken) < count:
            raise RuntimeError(f"only {len(taken)} free users left, {count} needed")
        return taken


def bulk_create(stack: Stack, emails: list[str], group_key: str | None = None) -> list[str]:
    """Create users with one Admin API bulk call and return their keys in order."""
    entries = [
        {"email": email, "firstName": GIVEN_NAMES[index % len(GIVEN_NAMES)], "lastName": "Bench"}
        for index, email in enumerate(emails)
    ]
    body: dict[str, Any] = {
        "users": entries,
        "licenseKeys": [SANDBOX_LICENSE_KEY],
        "suppressEmail": True,
    }
    if group_key is not None:
        body["groupKey"] = group_key

    response = stack.target.post(
        stack.target_path("/users"), params={"allOrNothing": "true"}, json=body
    )
    response.raise_for_status()
    return [str(binding["key"]) for binding in response.json()]


def populate(stack: Stack, users: int, group_size: int) -> Account:
    """Fill the account up to ``users`` users, the sandbox admin included.

    ``group_size`` of them are members of one group and the rest are in no group.
    """
    response = stack.target.post(stack.target_path("/groups"), json={"name": "Large group"})
    response.raise_for_status()
    large_group = str(response.json())

    existing = len(stack.target_users())
    if users < existing + group_size + FREE_USERS_NEEDED:
        raise ValueError(
            f"--users {users} is too small: the account already has {existing} user(s) and "
            f"the group {group_size}; use at least {existing + group_size + FREE_USERS_NEEDED}"
        )
    members = [f"member{index:04d}@example.com" for index in range(group_size)]
    others = [f"bench{index:04d}@example.com" for index in range(users - existing - group_size)]

    member_keys = bulk_create(stack, members, large_group)
    other_keys = bulk_create(stack, others)

    emails = dict(zip(member_keys + other_keys, members + others, strict=True))
    given_a = sum(
        1
        for batch in (members, others)
        for index in range(len(batch))
        if GIVEN_NAMES[index % len(GIVEN_NAMES)].startswith("A")
    )
    return Account(other_keys, emails, large_group, group_size, given_a)


# Target calls per operation -------------------------------------------------


@dataclass
class Row:
    operation: str
    calls: int
    documented: int
    emulator_calls: int


class CallMeter:
    """Reads the gateway's metrics around single SCIM requests."""

    def __init__(self, stack: Stack) -> None:
        self.stack = stack
        self.metrics = httpx.Client(base_url=stack.gateway.base_url, timeout=30)
        self.rows: list[Row] = []

    def read(self) -> tuple[float, float]:
        """Return (SCIM requests handled, target calls) of the gotomeeting instance."""
        text = self.metrics.get("/metrics").raise_for_status().text
        requests = 0.0
        calls = 0.0
        for family in text_string_to_metric_families(text):
            for sample in family.samples:
                if sample.labels.get("instance") != INSTANCE:
                    continue
                if sample.name == "scimbridge_requests_total":
                    requests += sample.value
                elif sample.name == "scimbridge_target_calls_total":
                    calls += sample.value
        return requests, calls

    def measure(
        self,
        operation: str,
        documented: int,
        send: Callable[[], httpx.Response],
        status: int = 200,
    ) -> httpx.Response:
        """Send one SCIM request and record the target calls it made."""
        requests_before, calls_before = self.read()
        assert self.stack.recorder is not None
        with self.stack.recorder.window() as seen:
            response = send()
        if response.status_code != status:
            raise RuntimeError(
                f"{operation}: expected status {status}, got {response.status_code}: "
                f"{response.text[:500]}"
            )

        # The gateway updates its counters after the response is sent, so wait
        # until the request counter shows this request before reading the calls.
        deadline = time.monotonic() + METRIC_WAIT_SECONDS
        requests_after, calls_after = self.read()
        while requests_after < requests_before + 1:
            if time.monotonic() > deadline:
                raise RuntimeError(f"{operation}: the request never appeared in /metrics")
            time.sleep(0.005)
            requests_after, calls_after = self.read()

        calls = round(calls_after - calls_before)
        self.rows.append(Row(operation, calls, documented, len(seen)))
        return response

    def close(self) -> None:
        self.metrics.close()


def patch_body(*operations: dict[str, Any]) -> dict[str, Any]:
    return {"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"], "Operations": operations}


def group_body(name: str, members: list[str]) -> dict[str, Any]:
    return {
        "schemas": [GROUP_SCHEMA],
        "displayName": name,
        "members": [{"value": key} for key in members],
    }


def user_queries(meter: CallMeter, account: Account, users: int, page_size: int) -> None:
    """Measure the user reads while the account contains exactly ``users`` users."""
    scim = meter.stack.scim
    keys = account.free_users[:5]
    emails = [account.emails[key] for key in keys]

    meter.measure("GET /Users/{id}", 1, lambda: scim.get(f"/Users/{keys[0]}"))
    meter.measure("GET /Users?count=100", 1, lambda: scim.get("/Users", params={"count": 100}))

    def by_filter(expression: str) -> Callable[[], httpx.Response]:
        return lambda: scim.get("/Users", params={"filter": expression})

    or_names = " or ".join(f'userName eq "{email}"' for email in emails)
    or_ids = " or ".join(f'id eq "{key}"' for key in keys)
    meter.measure("filter userName eq", 1, by_filter(f'userName eq "{emails[0]}"'))
    meter.measure("filter 5 x userName eq, OR", 1, by_filter(or_names))
    meter.measure("filter id eq", 1, by_filter(f'id eq "{keys[0]}"'))
    meter.measure("filter 5 x id eq, OR", 5, by_filter(or_ids))

    response = meter.measure(
        f'filter name.givenName sw "A", {users} users',
        math.ceil(users / page_size),
        by_filter('name.givenName sw "A"'),
    )
    matched = response.json()["totalResults"]
    if matched != account.given_a:
        raise RuntimeError(
            f'name.givenName sw "A" matched {matched} users, expected {account.given_a}'
        )


def user_writes(meter: CallMeter) -> None:
    scim = meter.stack.scim
    created: list[str] = []

    def create(index: int) -> Callable[[], httpx.Response]:
        return lambda: scim.post("/Users", json=new_user(f"-bench-{index}"))

    # The first create also reads the account's licenses, which are then kept.
    expected = {"POST /Users, first after start": 3, "POST /Users": 2, "POST /Users, another": 2}
    for index, (label, calls) in enumerate(expected.items()):
        created.append(meter.measure(label, calls, create(index), status=201).json()["id"])
    first, second, third = created

    replaced = new_user("-bench-1", name={"givenName": "Renamed", "familyName": "Family-bench-1"})
    meter.measure(
        "PUT /Users/{id}, name change", 2, lambda: scim.put(f"/Users/{second}", json=replaced)
    )

    given = patch_body({"op": "replace", "path": "name.givenName", "value": "Patched"})
    suspend = patch_body({"op": "replace", "path": "active", "value": False})
    resume = patch_body({"op": "replace", "path": "active", "value": True})
    meter.measure(
        "PATCH /Users/{id}, replace name.givenName",
        2,
        lambda: scim.patch(f"/Users/{second}", json=given),
    )
    meter.measure(
        "PATCH /Users/{id}, active false", 3, lambda: scim.patch(f"/Users/{third}", json=suspend)
    )
    meter.measure(
        "PATCH /Users/{id}, active true", 3, lambda: scim.patch(f"/Users/{third}", json=resume)
    )
    meter.measure("DELETE /Users/{id}", 1, lambda: scim.delete(f"/Users/{first}"), status=204)


def group_operations(meter: CallMeter, account: Account) -> None:
    scim = meter.stack.scim

    empty = meter.measure(
        "POST /Groups, no members",
        2,
        lambda: scim.post("/Groups", json=group_body("Empty", [])),
        status=201,
    ).json()["id"]
    meter.measure("GET /Groups/{id}", 1, lambda: scim.get(f"/Groups/{empty}"))

    members = account.take(3)
    group = meter.measure(
        "POST /Groups, 3 members",
        2 + 2 * 3,
        lambda: scim.post("/Groups", json=group_body("Three", members)),
        status=201,
    ).json()["id"]

    def patch(operations: dict[str, Any], target: str = group) -> Callable[[], httpx.Response]:
        return lambda: scim.patch(f"/Groups/{target}", json=operations)

    added = account.take(1)
    add = patch_body({"op": "add", "path": "members", "value": [{"value": added[0]}]})
    meter.measure("PATCH /Groups/{id}, add 1 member", 2 + 1, patch(add))

    remove = patch_body({"op": "remove", "path": f'members[value eq "{added[0]}"]'})
    meter.measure("PATCH /Groups/{id}, remove 1 member", 1 + 1 + 1, patch(remove))

    others = account.take(3)
    replace = patch_body(
        {"op": "replace", "path": "members", "value": [{"value": key} for key in others]}
    )
    meter.measure(
        "PATCH /Groups/{id}, replace 3 members by 3 others", 2 * 3 + 3 + 1 + 1, patch(replace)
    )

    rename = patch_body({"op": "replace", "path": "displayName", "value": "Three renamed"})
    meter.measure("PATCH /Groups/{id}, rename", 1 + 1 + 1, patch(rename))

    meter.measure(
        "PUT /Groups/{id}, rename, same members",
        2 + 1,
        lambda: scim.put(f"/Groups/{group}", json=group_body("Three again", others)),
    )
    swapped = [*others[:2], *account.take(1)]
    meter.measure(
        "PUT /Groups/{id}, same name, 1 member swapped",
        2 + 2 + 1,
        lambda: scim.put(f"/Groups/{group}", json=group_body("Three again", swapped)),
    )

    meter.measure("DELETE /Groups/{id}", 1, lambda: scim.delete(f"/Groups/{group}"), status=204)

    extra = account.take(1)
    add_to_large = patch_body({"op": "add", "path": "members", "value": [{"value": extra[0]}]})
    meter.measure(
        f"PATCH /Groups/{{id}}, add 1 member to a group of {account.large_group_size}",
        2 + 1,
        patch(add_to_large, account.large_group),
    )


def print_call_table(rows: list[Row]) -> None:
    """Print the measured calls beside the figure the connector's module docstring gives."""
    print("| Operation | Target calls | Documented |")
    print("|---|---:|---:|")
    for row in rows:
        flag = "" if row.calls == row.documented else " (differs)"
        print(f"| {row.operation} | {row.calls} | {row.documented}{flag} |")

    mismatched = [row for row in rows if row.calls != row.emulator_calls]
    print()
    if not mismatched:
        print("The emulator received the same number of Admin API calls as the metric counted.")
    for row in mismatched:
        print(f"- {row.operation}: metric {row.calls}, emulator received {row.emulator_calls}")


# Throughput -----------------------------------------------------------------


@dataclass(frozen=True)
class Rate:
    requests: int
    seconds: float

    @property
    def per_second(self) -> float:
        return self.requests / self.seconds

    def __add__(self, other: Rate) -> Rate:
        return Rate(self.requests + other.requests, self.seconds + other.seconds)


@dataclass
class Workload:
    """One lookup, as a list of gateway URLs and the equivalent Admin API URLs."""

    name: str
    gateway: list[str]
    direct: list[str]


def admin_query(path: str, params: dict[str, Any]) -> str:
    # Spaces as %20: the Admin API rejects "+" in a filter, as GoToClient does.
    return f"{path}?{urlencode(params, quote_via=quote)}"


def build_workloads(stack: Stack, account: Account, requests: int) -> list[Workload]:
    keys = list(account.emails)
    chosen = [keys[index % len(keys)] for index in range(requests)]
    scim_base = f"{stack.gateway.base_url}/gotomeeting/scim/v2"
    users = stack.target_path("/users")

    by_id = Workload(
        "GET /Users/{id}",
        [f"{scim_base}/Users/{key}" for key in chosen],
        [f"{stack.emulator.base_url}{users}/{key}" for key in chosen],
    )
    by_name = Workload(
        "GET /Users?filter=userName eq",
        [
            f"{scim_base}/Users?"
            + urlencode({"filter": f'userName eq "{account.emails[key]}"'}, quote_via=quote)
            for key in chosen
        ],
        [
            stack.emulator.base_url
            + admin_query(
                users,
                {"offset": 0, "pageSize": 1, "filter": f'email eq "{account.emails[key]}"'},
            )
            for key in chosen
        ],
    )
    return [by_id, by_name]


def run_sequential(client: httpx.Client, urls: list[str]) -> Rate:
    started = time.perf_counter()
    for url in urls:
        client.get(url).raise_for_status()
    return Rate(len(urls), time.perf_counter() - started)


async def run_concurrent(pool: list[httpx.AsyncClient], urls: list[str]) -> Rate:
    """Send ``urls`` from every client of ``pool`` at once, each taking the next URL in turn."""
    pending = iter(urls)

    async def worker(client: httpx.AsyncClient) -> None:
        for url in pending:
            (await client.get(url)).raise_for_status()

    started = time.perf_counter()
    await asyncio.gather(*(worker(client) for client in pool))
    return Rate(len(urls), time.perf_counter() - started)


def chunked(urls: list[str], size: int) -> list[list[str]]:
    return [urls[start : start + size] for start in range(0, len(urls), size)]


def compare_sequential(
    workload: Workload, gateway_headers: dict[str, str], direct_headers: dict[str, str]
) -> tuple[Rate, Rate]:
    """Time the gateway and direct URLs in alternating chunks and return (gateway, direct).

    Alternating spreads any slowdown of the machine over both sides of the ratio.
    """
    gateway = Rate(0, 0.0)
    direct = Rate(0, 0.0)
    with (
        httpx.Client(headers=gateway_headers, timeout=30) as gateway_client,
        httpx.Client(headers=direct_headers, timeout=30) as direct_client,
    ):
        run_sequential(gateway_client, workload.gateway[:WARM_UP])
        run_sequential(direct_client, workload.direct[:WARM_UP])

        deadline = time.monotonic() + LOOP_SECONDS
        for gateway_urls, direct_urls in zip(
            chunked(workload.gateway, SEQUENTIAL_CHUNK),
            chunked(workload.direct, SEQUENTIAL_CHUNK),
            strict=True,
        ):
            gateway += run_sequential(gateway_client, gateway_urls)
            direct += run_sequential(direct_client, direct_urls)
            if time.monotonic() > deadline:
                break
    return gateway, direct


async def compare_concurrent(
    workload: Workload,
    gateway_headers: dict[str, str],
    direct_headers: dict[str, str],
    clients: int,
) -> tuple[Rate, Rate]:
    """Like :func:`compare_sequential`, with ``clients`` concurrent clients on each side."""
    gateway = Rate(0, 0.0)
    direct = Rate(0, 0.0)
    async with contextlib.AsyncExitStack() as stack:
        gateway_pool = [
            await stack.enter_async_context(httpx.AsyncClient(headers=gateway_headers, timeout=30))
            for _ in range(clients)
        ]
        direct_pool = [
            await stack.enter_async_context(httpx.AsyncClient(headers=direct_headers, timeout=30))
            for _ in range(clients)
        ]
        # One untimed request per client opens its connection.
        await run_concurrent(gateway_pool, workload.gateway[:clients])
        await run_concurrent(direct_pool, workload.direct[:clients])

        deadline = time.monotonic() + LOOP_SECONDS
        for gateway_urls, direct_urls in zip(
            chunked(workload.gateway, CONCURRENT_CHUNK),
            chunked(workload.direct, CONCURRENT_CHUNK),
            strict=True,
        ):
            gateway += await run_concurrent(gateway_pool, gateway_urls)
            direct += await run_concurrent(direct_pool, direct_urls)
            if time.monotonic() > deadline:
                break
    return gateway, direct


def measure_throughput(stack: Stack, workloads: list[Workload], clients: int) -> None:
    gateway_headers = {"Authorization": f"Bearer {TOKEN}"}
    direct_headers = {"Authorization": stack.target.headers["Authorization"]}

    print("| Lookup | Load | Gateway req/s | Direct req/s | Overhead factor |")
    print("|---|---|---:|---:|---:|")
    for workload in workloads:
        gateway, direct = compare_sequential(workload, gateway_headers, direct_headers)
        print_rate(workload.name, "sequential", gateway, direct)

        gateway, direct = asyncio.run(
            compare_concurrent(workload, gateway_headers, direct_headers, clients)
        )
        print_rate(workload.name, f"{clients} concurrent clients", gateway, direct)


def print_rate(name: str, load: str, gateway: Rate, direct: Rate) -> None:
    ratio = direct.per_second / gateway.per_second
    print(
        f"| {name} | {load} | {gateway.per_second:.0f} ({gateway.requests} in "
        f"{gateway.seconds:.2f} s) | {direct.per_second:.0f} ({direct.requests} in "
        f"{direct.seconds:.2f} s) | {ratio:.2f} |"
    )


# Memory ---------------------------------------------------------------------


def measure_memory(stack: Stack, requests: int) -> None:
    """Print the tracemalloc peak of gateway-evaluated filter requests.

    Only memory allocated after tracing starts counts, so the peak is the growth
    above what the process already held.
    """
    params = {"filter": 'name.givenName sw "A"'}
    stack.scim.get("/Users", params=params).raise_for_status()

    tracemalloc.start()
    try:
        for _ in range(requests):
            stack.scim.get("/Users", params=params).raise_for_status()
        current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    print(
        f'tracemalloc over {requests} sequential `name.givenName sw "A"` requests: '
        f"peak {peak / 1024:.0f} KiB, still held at the end {current / 1024:.0f} KiB."
    )


# Main -----------------------------------------------------------------------


@contextlib.contextmanager
def running_stack(directory: Path, page_size: int) -> Iterator[Stack]:
    def no_rate_limit(settings: EmulatorSettings) -> None:
        settings.rate_limit_per_second = 0

    stack = start_stack(
        directory,
        emulator_settings=no_rate_limit,
        overrides={f"instances.{INSTANCE}.page_size": page_size},
        record_calls=True,
    )
    try:
        yield stack
    finally:
        stack.close()


def parse_arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--users", type=int, default=500, help="users in the account, the admin included"
    )
    parser.add_argument("--group-size", type=int, default=200, help="members of the large group")
    parser.add_argument(
        "--page-size", type=int, default=100, help="users per Admin API list call of the gateway"
    )
    parser.add_argument("--requests", type=int, default=300, help="requests per throughput loop")
    parser.add_argument(
        "--clients", type=int, default=8, help="concurrent clients in the concurrent loops"
    )
    return parser.parse_args()


def main() -> None:
    arguments = parse_arguments()

    # Request log lines are rendered as in a deployment, so their cost is measured,
    # but written to os.devnull instead of the terminal. configure_logging binds
    # the sys.stderr of the moment, and the file stays open until the process ends.
    devnull = open(os.devnull, "w")  # noqa: SIM115
    with contextlib.redirect_stderr(devnull):
        configure_logging("info")

    started = time.perf_counter()
    print(f"Date: {datetime.now(UTC):%Y-%m-%d %H:%M} UTC")
    print(f"Machine: {os.cpu_count()} CPUs (nproc), {platform.machine()}, {platform.system()}")
    print(f"Python: {platform.python_version()} ({platform.python_implementation()})")
    print(
        f"Account: {arguments.users} users ({arguments.group_size} in one group), "
        f"target page size {arguments.page_size}, emulator rate limit off"
    )

    with (
        tempfile.TemporaryDirectory(prefix="scimbridge-bench-") as directory,
        running_stack(Path(directory), arguments.page_size) as stack,
    ):
        account = populate(stack, arguments.users, arguments.group_size)
        workloads = build_workloads(stack, account, arguments.requests)

        print("\n## Target calls per SCIM operation\n")
        meter = CallMeter(stack)
        try:
            user_queries(meter, account, arguments.users, arguments.page_size)
            user_writes(meter)
            group_operations(meter, account)
        finally:
            meter.close()
        print_call_table(meter.rows)

        print("\n## Requests per second, gateway and direct\n")
        measure_throughput(stack, workloads, arguments.clients)

        print("\n## Memory\n")
        measure_memory(stack, 20)

    print(f"\nTotal run time: {time.perf_counter() - started:.1f} s")


if __name__ == "__main__":
    main()
