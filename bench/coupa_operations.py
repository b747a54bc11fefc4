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
import sys
import tempfile
import time
from collections.abc import Callable
from contextlib import closing
from functools import partial
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from measure import (  # noqa: E402
    CallMeter,
    Throughput,
    Workload,
    log_to_devnull,
    no_rate_limit,
    print_call_table,
    print_machine,
)
from tests.integration.conftest import PATCH_SCHEMA, TOKEN  # noqa: E402
from tests.integration.coupa_stack import (  # noqa: E402
    COUPA,
    CoupaStack,
    coupa_user,
    start_coupa_stack,
)

INSTANCE = "coupa"
PROBE_MARK = "fields=%5B%22id%22%5D"
"""The URL-encoded ``fields=["id"]`` that marks a counting probe in a recorded query string."""

INACTIVE_EVERY = 4
"""Every fourth populated user is inactive, so ``active eq true`` matches three in four."""

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


def start_bench_stack(directory: Path) -> CoupaStack:
    """Start the emulator with its rate limit off and a gateway that records its calls."""
    return start_coupa_stack(directory, emulator_settings=no_rate_limit, record_calls=True)


# Target calls per operation -------------------------------------------------


def new_meter(stack: CoupaStack) -> CallMeter:
    return CallMeter(stack.scim, stack.gateway.base_url, stack.recorder, INSTANCE, PROBE_MARK)


def patch_body(*operations: dict[str, Any]) -> dict[str, Any]:
    return {"schemas": [PATCH_SCHEMA], "Operations": list(operations)}


def user_operations(meter: CallMeter, ids: list[str]) -> None:
    """Measure the user reads and writes on the small instance."""
    scim = meter.scim
    meter.measure("GET /Users/{id}", 1, lambda: scim.get(f"/Users/{ids[0]}"))
    meter.measure(
        "filter userName eq",
        1,
        lambda: scim.get("/Users", params={"filter": 'userName eq "bench00001"'}),
    )

    def by_filter(expression: str) -> Callable[[], httpx.Response]:
        return lambda: scim.get("/Users", params={"filter": expression})

    or_ids = " or ".join(f'(id eq "{user_id}")' for user_id in ids[:50])
    or_names = " or ".join(f'(userName eq "bench{index:05d}")' for index in range(1, 51))
    meter.measure("filter 50 x (id eq), OR", 1, by_filter(or_ids))
    meter.measure("filter 50 x (userName eq), OR", 1, by_filter(or_names))

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
    scim = meter.scim
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


# Cost of an exact totalResults ------------------------------------------------


def measure_totals(meter: CallMeter, users: int) -> None:
    """Measure list pages of 100 on a large instance, with a cold and a warm count cache.

    Each case is listed three times: with a cold count cache, again with the
    same query, and at a page in the middle of the list. A write through the
    gateway clears the cache, so every case starts after a PATCH. When the
    first page comes back short the total is known without probes and
    nothing is cached.
    """
    scim = meter.scim
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


def measure_throughput(stack: CoupaStack, workloads: list[Workload], clients: int) -> None:
    gateway_headers = {"Authorization": f"Bearer {TOKEN}"}
    direct_headers = {
        "Authorization": stack.target.headers["Authorization"],
        "Accept": "application/json",
    }
    throughput = Throughput(gateway_headers, direct_headers, clients, resend_on_close=True)
    throughput.print_table(workloads)


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
    log_to_devnull()

    started = time.perf_counter()
    print_machine()
    print(
        f"Instances: {arguments.users} and {arguments.count_users} users created, "
        "emulator rate limit off, count cache 10 s (the default)"
    )

    with tempfile.TemporaryDirectory(prefix="scimbridge-bench-") as directory:
        with closing(start_bench_stack(Path(directory) / "small")) as stack:
            ids = populate(stack, arguments.users)

            print("\n## Target calls per SCIM operation\n")
            meter = new_meter(stack)
            try:
                user_operations(meter, ids)
                group_operations(meter, ids)
            finally:
                meter.close()
            print_call_table(meter.rows, "Coupa API")

            print("\n## Requests per second, gateway and direct\n")
            measure_throughput(
                stack, build_workloads(stack, ids, arguments.requests), arguments.clients
            )

        print(f"\n## Cost of an exact totalResults, {arguments.count_users} users\n")
        with closing(start_bench_stack(Path(directory) / "large")) as stack:
            seeding = time.perf_counter()
            populate(stack, arguments.count_users)
            seeded_in = time.perf_counter() - seeding
            meter = new_meter(stack)
            try:
                measure_totals(meter, arguments.count_users)
            finally:
                meter.close()
            print(f"\nCreating the users took {seeded_in:.0f} s.")

    print(f"\nTotal run time: {time.perf_counter() - started:.1f} s")


if __name__ == "__main__":
    main()
