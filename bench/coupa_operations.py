"""Target calls per SCIM operation, exact-total cost and gateway overhead for the Coupa connector.

Run from the repository root::

    .venv/bin/python bench/coupa_operations.py

It starts two bundled Coupa emulators, each with a gateway in front of it, on
free 127.0.0.1 ports in this process. Each server runs in its own thread and
event loop. The emulators' rate limit is off and their state is in temporary
SQLite files. It prints three parts as Markdown:

1. The Coupa API calls each SCIM operation makes, read from the gateway's
   ``scimbridge_target_calls_total`` metric and checked against the calls the
   emulator received, beside the figure the connector's docstrings give.
2. What an exact ``totalResults`` costs on an instance of ``--count-users``
   users (10,000 by default): the calls of one list page of 100, unfiltered
   and filtered, with a cold and a warm count cache.
3. Requests per second through the gateway and directly against the
   emulator, for a user by id and a user by userName, sequential and
   concurrent, with their ratio.

bench/README.md explains what each figure includes.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import platform
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import httpx
from prometheus_client.parser import text_string_to_metric_families

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.integration.conftest import PATCH_SCHEMA, TOKEN  # noqa: E402
from tests.integration.coupa_stack import (  # noqa: E402
    COUPA,
    CoupaStack,
    coupa_user,
    start_coupa_stack,
)

from scimbridge.emulators.coupa import CoupaEmulatorSettings  # noqa: E402
from scimbridge.observability import configure_logging  # noqa: E402

INSTANCE = "coupa"
PROBE_MARK = "fields=%5B%22id%22%5D"
"""The URL-encoded ``fields=["id"]`` that marks a counting probe in a recorded query string."""

INACTIVE_EVERY = 4
"""Every fourth populated user is inactive, so ``active eq true`` matches three in four."""

LOOP_SECONDS = 20.0
"""Time after which a throughput loop stops at the end of its current chunk."""

WARM_UP = 20
SEQUENTIAL_CHUNK = 50
CONCURRENT_CHUNK = 100
"""Requests sent to one side before switching to the other (gateway, then direct)."""

METRIC_WAIT_SECONDS = 5.0

GROUP_KINDS = (("Groups", 2), ("Roles", 4), ("UserGroups", 2), ("AccountGroups", 1))
"""Each group-like endpoint with a record the emulator's sandbox seeds."""

MEMBERSHIP_CALLS = {
    "Groups": (1, 1),
    "Roles": (2, 2),
    "UserGroups": (1, 2),
    "AccountGroups": (2, 2),
}
"""Calls of one membership change (add, remove), as connectors/coupa/memberships.py lists them."""


# Set-up ---------------------------------------------------------------------


def populate(stack: CoupaStack, users: int) -> list[str]:
    """Create ``users`` users directly on the emulator, one POST each, and return their ids."""
    ids = []
    for index in range(users):
        login = f"bench{index:05d}"
        body = {
            "login": login,
            "email": f"{login}@example.com",
            "firstname": "Bench",
            "lastname": f"User{index % 10}",
            "active": index % INACTIVE_EVERY != INACTIVE_EVERY - 1,
        }
        ids.append(str(stack.target_post("/users", body)["id"]))
    return ids


@contextlib.contextmanager
def running_stack(directory: Path) -> Iterator[CoupaStack]:
    def no_rate_limit(settings: CoupaEmulatorSettings) -> None:
        settings.rate_limit_per_second = 0

    stack = start_coupa_stack(directory, emulator_settings=no_rate_limit, record_calls=True)
    try:
        yield stack
    finally:
        stack.close()


# Target calls per operation -------------------------------------------------


@dataclass
class Row:
    operation: str
    calls: int
    documented: str
    emulator_calls: int
    probes: int
    seconds: float


class CallMeter:
    """Reads the gateway's metrics and the emulator's recorder around single SCIM requests."""

    def __init__(self, stack: CoupaStack) -> None:
        self.stack = stack
        self.metrics = httpx.Client(base_url=stack.gateway.base_url, timeout=30)
        self.rows: list[Row] = []

    def read(self) -> tuple[float, float]:
        """Return (SCIM requests handled, target calls) of the coupa instance."""
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
        documented: int | str,
        send: Callable[[], httpx.Response],
        status: int = 200,
    ) -> httpx.Response:
        """Send one SCIM request and record the target calls it made."""
        recorder = self.stack.recorder
        assert recorder is not None
        requests_before, calls_before = self.read()
        first = len(recorder.calls)

        started = time.perf_counter()
        response = send()
        seconds = time.perf_counter() - started
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

        queries = recorder.queries[first:]
        probes = sum(1 for query in queries if PROBE_MARK in query)
        calls = round(calls_after - calls_before)
        self.rows.append(Row(operation, calls, str(documented), len(queries), probes, seconds))
        return response

    def close(self) -> None:
        self.metrics.close()


def patch_body(*operations: dict[str, Any]) -> dict[str, Any]:
    return {"schemas": [PATCH_SCHEMA], "Operations": list(operations)}


def user_operations(meter: CallMeter, ids: list[str]) -> None:
    """Measure the user reads and writes on the small instance."""
    scim = meter.stack.scim
    meter.measure("GET /Users/{id}", 1, lambda: scim.get(f"/Users/{ids[0]}"))
    meter.measure(
        "filter userName eq",
        1,
        lambda: scim.get("/Users", params={"filter": 'userName eq "bench00001"'}),
    )

    created = meter.measure(
        "POST /Users", 1, lambda: scim.post("/Users", json=coupa_user("-bench-1")), status=201
    ).json()["id"]
    account = {"defaultChartOfAccountsName": "US Chart", "defaultAccountCode": "SF-100"}
    meter.measure(
        "POST /Users with a default account",
        "1 + 2",
        lambda: scim.post("/Users", json=coupa_user("-bench-2", **{COUPA: account})),
        status=201,
    )

    renamed = coupa_user("-bench-1", name={"givenName": "Renamed", "familyName": "Family"})
    path = f"/Users/{created}"
    meter.measure("PUT /Users/{id}, name change", 2, lambda: scim.put(path, json=renamed))
    meter.measure("PUT /Users/{id}, no change", 1, lambda: scim.put(path, json=renamed))

    given = patch_body({"op": "replace", "path": "name.givenName", "value": "Patched"})
    meter.measure(
        "PATCH /Users/{id}, replace name.givenName", 2, lambda: scim.patch(path, json=given)
    )
    meter.measure("PATCH /Users/{id}, same value again", 1, lambda: scim.patch(path, json=given))
    meter.measure("DELETE /Users/{id}", 2, lambda: scim.delete(path), status=204)
    meter.measure(
        "POST /Users re-creating the deleted user",
        "1 + 2",
        lambda: scim.post("/Users", json=coupa_user("-bench-1")),
        status=201,
    )


def group_operations(meter: CallMeter, ids: list[str]) -> None:
    """Measure a read, an add and a remove of one member on each group-like endpoint."""
    scim = meter.stack.scim
    for endpoint, group_id in GROUP_KINDS:
        path = f"/{endpoint}/{group_id}"
        member = ids[-1]
        add_calls, remove_calls = MEMBERSHIP_CALLS[endpoint]
        add = patch_body({"op": "add", "path": "members", "value": [{"value": member}]})
        remove = patch_body({"op": "remove", "path": f'members[value eq "{member}"]'})

        meter.measure(f"GET {path}", 1, partial(scim.get, path))
        meter.measure(
            f"PATCH {path}, add 1 member",
            f"1 + 1 + {add_calls}",
            partial(scim.patch, path, json=add),
        )
        meter.measure(
            f"GET {path}?attributes=members, 1 member",
            "1 + 1",
            partial(scim.get, path, params={"attributes": "members"}),
        )
        meter.measure(
            f"PATCH {path}, remove 1 member",
            f"1 + {remove_calls}",
            partial(scim.patch, path, json=remove),
        )


def print_call_table(rows: list[Row]) -> None:
    """Print the measured calls beside the figure the connector's docstrings give."""
    print("| Operation | Target calls | Documented |")
    print("|---|---:|---:|")
    for row in rows:
        flag = "" if str(row.calls) == row.documented or _sums_to(row) else " (differs)"
        print(f"| {row.operation} | {row.calls} | {row.documented}{flag} |")

    mismatched = [row for row in rows if row.calls != row.emulator_calls]
    print()
    if not mismatched:
        print("The emulator received the same number of Coupa API calls as the metric counted.")
    for row in mismatched:
        print(f"- {row.operation}: metric {row.calls}, emulator received {row.emulator_calls}")


def _sums_to(row: Row) -> bool:
    parts = row.documented.split("+")
    return (
        all(part.strip().isdigit() for part in parts)
        and sum(int(part) for part in parts) == row.calls
    )


# Cost of an exact totalResults ------------------------------------------------


def measure_totals(meter: CallMeter, users: int) -> None:
    """Measure list pages of 100 on a large instance, with a cold and a warm count cache.

    Each case is listed three times: with a cold count cache, again with the
    same query, and at a page in the middle of the list. A write through the
    gateway clears the cache, so every case starts after a PATCH. When the
    first page comes back short the total is known without probes and
    nothing is cached.
    """
    scim = meter.stack.scim
    total = users + 1  # the sandbox API user
    active = total - users // INACTIVE_EVERY
    touch = patch_body({"op": "replace", "path": "name.middleName", "value": "Touched"})

    def page(**params: Any) -> Callable[[], httpx.Response]:
        return lambda: scim.get("/Users", params={"count": 100, **params})

    cases: tuple[tuple[str, dict[str, str], int], ...] = (
        ("unfiltered", {}, total),
        ("filter active eq true", {"filter": "active eq true"}, active),
        ("filter name.familyName eq", {"filter": 'name.familyName eq "User3"'}, users // 10),
    )
    for label, params, expected in cases:
        scim.patch("/Users/1", json=touch).raise_for_status()
        for cache in ("cold", "warm"):
            response = meter.measure(f"{label}, {cache} cache", "-", page(**params))
            found = response.json()["totalResults"]
            if found != expected:
                raise RuntimeError(f"{label}: totalResults {found}, expected {expected}")
        middle = expected // 2 + 1
        meter.measure(f"{label}, then startIndex={middle}", "-", page(startIndex=middle, **params))

    print(f"Users: {total} (the sandbox API user included), {active} of them active.\n")
    print("| List page of 100 | Target calls | of which probes | Seconds |")
    print("|---|---:|---:|---:|")
    for row in meter.rows:
        print(f"| {row.operation} | {row.calls} | {row.probes} | {row.seconds:.2f} |")


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
    """One lookup, as a list of gateway URLs and the equivalent Coupa API URLs."""

    name: str
    gateway: list[str]
    direct: list[str]


def build_workloads(stack: CoupaStack, ids: list[str], requests: int) -> list[Workload]:
    chosen = [index % len(ids) for index in range(requests)]
    target = f"{stack.emulator.base_url}/api/users"

    by_id = Workload(
        "GET /Users/{id}",
        [f"{stack.scim_base}/Users/{ids[index]}" for index in chosen],
        [f"{target}/{ids[index]}" for index in chosen],
    )
    by_name = Workload(
        "GET /Users?filter=userName eq",
        [
            f"{stack.scim_base}/Users?" + urlencode({"filter": f'userName eq "bench{index:05d}"'})
            for index in chosen
        ],
        [f"{target}?" + urlencode({"login": f"bench{index:05d}", "limit": 50}) for index in chosen],
    )
    return [by_id, by_name]


RETRIES = {"count": 0}
"""Requests sent again after the server closed an idle keep-alive connection under them."""


def get_once_more(client: httpx.Client, url: str) -> None:
    """Send a GET, and send it once more when the server had closed the pooled connection.

    uvicorn closes a connection that was idle for 5 s, which a pool waiting for
    the other side's chunk can reach, and a request can race that close.
    """
    try:
        client.get(url).raise_for_status()
    except httpx.RemoteProtocolError:
        RETRIES["count"] += 1
        client.get(url).raise_for_status()


async def get_once_more_async(client: httpx.AsyncClient, url: str) -> None:
    """Like :func:`get_once_more`, for an async client."""
    try:
        (await client.get(url)).raise_for_status()
    except httpx.RemoteProtocolError:
        RETRIES["count"] += 1
        (await client.get(url)).raise_for_status()


def run_sequential(client: httpx.Client, urls: list[str]) -> Rate:
    started = time.perf_counter()
    for url in urls:
        get_once_more(client, url)
    return Rate(len(urls), time.perf_counter() - started)


async def run_concurrent(pool: list[httpx.AsyncClient], urls: list[str]) -> Rate:
    """Send ``urls`` from every client of ``pool`` at once, each taking the next URL in turn."""
    pending = iter(urls)

    async def worker(client: httpx.AsyncClient) -> None:
        for url in pending:
            await get_once_more_async(client, url)

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


def measure_throughput(stack: CoupaStack, workloads: list[Workload], clients: int) -> None:
    gateway_headers = {"Authorization": f"Bearer {TOKEN}"}
    direct_headers = {
        "Authorization": stack.target.headers["Authorization"],
        "Accept": "application/json",
    }

    print("| Lookup | Load | Gateway req/s | Direct req/s | Overhead factor |")
    print("|---|---|---:|---:|---:|")
    for workload in workloads:
        gateway, direct = compare_sequential(workload, gateway_headers, direct_headers)
        print_rate(workload.name, "sequential", gateway, direct)

        gateway, direct = asyncio.run(
            compare_concurrent(workload, gateway_headers, direct_headers, clients)
        )
        print_rate(workload.name, f"{clients} concurrent clients", gateway, direct)
    if RETRIES["count"]:
        print(f"\n{RETRIES['count']} request(s) were sent again on a new connection.")


def print_rate(name: str, load: str, gateway: Rate, direct: Rate) -> None:
    ratio = direct.per_second / gateway.per_second
    print(
        f"| {name} | {load} | {gateway.per_second:.0f} ({gateway.requests} in "
        f"{gateway.seconds:.2f} s) | {direct.per_second:.0f} ({direct.requests} in "
        f"{direct.seconds:.2f} s) | {ratio:.2f} |"
    )


# Main -----------------------------------------------------------------------


def parse_arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument(
        "--users",
        type=int,
        default=100,
        help="users created for the call table and the throughput loops (100)",
    )
    parser.add_argument(
        "--count-users",
        type=int,
        default=10_000,
        help="users created for the exact-total measurements (10000)",
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
        f"Instances: {arguments.users} and {arguments.count_users} users created, "
        "emulator rate limit off, count cache 10 s (the default)"
    )

    with tempfile.TemporaryDirectory(prefix="scimbridge-bench-") as directory:
        with running_stack(Path(directory) / "small") as stack:
            ids = populate(stack, arguments.users)

            print("\n## Target calls per SCIM operation\n")
            meter = CallMeter(stack)
            try:
                user_operations(meter, ids)
                group_operations(meter, ids)
            finally:
                meter.close()
            print_call_table(meter.rows)

            print("\n## Requests per second, gateway and direct\n")
            measure_throughput(
                stack, build_workloads(stack, ids, arguments.requests), arguments.clients
            )

        print(f"\n## Cost of an exact totalResults, {arguments.count_users} users\n")
        with running_stack(Path(directory) / "large") as stack:
            seeding = time.perf_counter()
            populate(stack, arguments.count_users)
            seeded_in = time.perf_counter() - seeding
            meter = CallMeter(stack)
            try:
                measure_totals(meter, arguments.count_users)
            finally:
                meter.close()
            print(f"\nCreating the users took {seeded_in:.0f} s.")

    print(f"\nTotal run time: {time.perf_counter() - started:.1f} s")


if __name__ == "__main__":
    main()
