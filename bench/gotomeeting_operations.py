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
import math
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode

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
from tests.integration.conftest import (  # noqa: E402
    GROUP_SCHEMA,
    TOKEN,
    Stack,
    new_user,
    start_stack,
)

from scimbridge.emulators.gotomeeting.settings import SANDBOX_LICENSE_KEY  # noqa: E402

INSTANCE = "gotomeeting"
GIVEN_NAMES = ("Ada", "Ben", "Cleo", "Dan", "Eve")
"""Given names of the populated users, in turn, so ``name.givenName sw "A"`` matches one in five."""

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
    scim = meter.scim
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
    meter.measure("filter 5 x id eq, OR", 1, by_filter(or_ids))
    parenthesised = " or ".join(f'(id eq "{key}")' for key in account.free_users[:50])
    meter.measure("filter 50 x (id eq), OR", 1, by_filter(parenthesised))

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
    scim = meter.scim
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

    # Ten single POST /Users make 20 calls; in one /Bulk request they share a batch create.
    bulk = {
        "schemas": ["urn:ietf:params:scim:api:messages:2.0:BulkRequest"],
        "Operations": [
            {
                "method": "POST",
                "path": "/Users",
                "bulkId": f"b{index}",
                "data": new_user(f"-bulk-{index}"),
            }
            for index in range(10)
        ],
    }
    meter.measure("POST /Bulk, 10 POST /Users", 2, lambda: scim.post("/Bulk", json=bulk))


def group_operations(meter: CallMeter, account: Account) -> None:
    scim = meter.scim

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


# Throughput -----------------------------------------------------------------


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


def measure_throughput(stack: Stack, workloads: list[Workload], clients: int) -> None:
    gateway_headers = {"Authorization": f"Bearer {TOKEN}"}
    direct_headers = {"Authorization": stack.target.headers["Authorization"]}
    Throughput(gateway_headers, direct_headers, clients).print_table(workloads)


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


def start_bench_stack(directory: Path, page_size: int) -> Stack:
    """Start the emulator with its rate limit off and a gateway that records its calls."""
    return start_stack(
        directory,
        emulator_settings=no_rate_limit,
        overrides={f"instances.{INSTANCE}.page_size": page_size},
        record_calls=True,
    )


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
    log_to_devnull()

    started = time.perf_counter()
    print_machine()
    print(
        f"Account: {arguments.users} users ({arguments.group_size} in one group), "
        f"target page size {arguments.page_size}, emulator rate limit off"
    )

    with (
        tempfile.TemporaryDirectory(prefix="scimbridge-bench-") as directory,
        closing(start_bench_stack(Path(directory), arguments.page_size)) as stack,
    ):
        account = populate(stack, arguments.users, arguments.group_size)
        workloads = build_workloads(stack, account, arguments.requests)

        print("\n## Target calls per SCIM operation\n")
        meter = CallMeter(stack.scim, stack.gateway.base_url, stack.recorder, INSTANCE)
        try:
            user_queries(meter, account, arguments.users, arguments.page_size)
            user_writes(meter)
            group_operations(meter, account)
        finally:
            meter.close()
        print_call_table(meter.rows, "Admin API")

        print("\n## Requests per second, gateway and direct\n")
        measure_throughput(stack, workloads, arguments.clients)

        print("\n## Memory\n")
        measure_memory(stack, 20)

    print(f"\nTotal run time: {time.perf_counter() - started:.1f} s")


if __name__ == "__main__":
    main()
