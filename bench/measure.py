"""Measuring code shared by the connector benchmarks in this folder.

It contains the run header, the per-operation call meter with its Markdown table,
and the loops that compare request rates through the gateway and directly
against an emulator. The scripts import it as ``measure``, which works because
Python puts the folder of the script it runs first on ``sys.path``.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import platform
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Protocol

import httpx
from prometheus_client.parser import text_string_to_metric_families

from scimbridge.observability import configure_logging

if TYPE_CHECKING:
    from tests.integration.conftest import CallRecorder

LOOP_SECONDS = 20.0
"""Time after which a throughput loop stops at the end of its current chunk.

The loop then reports the requests it completed."""

WARM_UP = 20
SEQUENTIAL_CHUNK = 50
CONCURRENT_CHUNK = 100
"""Requests sent to one side before switching to the other (gateway, then direct)."""

METRIC_WAIT_SECONDS = 5.0


# Run header -------------------------------------------------------------------


def log_to_devnull() -> None:
    """Configure the gateway's logging at level info, writing to ``os.devnull``.

    Request log lines are rendered as in a deployment, so their cost is measured,
    but they do not reach the terminal. configure_logging binds the sys.stderr
    of the moment, and the file stays open until the process ends.
    """
    devnull = open(os.devnull, "w")  # noqa: SIM115
    with contextlib.redirect_stderr(devnull):
        configure_logging("info")


def print_machine() -> None:
    """Print the date, the machine and the Python version as the first lines of a run."""
    print(f"Date: {datetime.now(UTC):%Y-%m-%d %H:%M} UTC")
    print(f"Machine: {os.cpu_count()} CPUs (nproc), {platform.machine()}, {platform.system()}")
    print(f"Python: {platform.python_version()} ({platform.python_implementation()})")


class RateLimitedSettings(Protocol):
    rate_limit_per_second: float


def no_rate_limit(settings: RateLimitedSettings) -> None:
    """Turn off an emulator's rate limit, as an ``emulator_settings`` hook."""
    settings.rate_limit_per_second = 0


# Target calls per operation ---------------------------------------------------


@dataclass
class Row:
    operation: str
    calls: int
    """Target calls, from the gateway's ``scimbridge_target_calls_total``."""
    documented: str
    """The figure the connector's docstrings give: a number, a sum such as "1 + 2", or "-"."""
    emulator_calls: int
    probes: int
    """Emulator calls whose query string contains the meter's ``probe_mark``."""
    seconds: float


class CallMeter:
    """Reads the gateway's metrics and the emulator's recorder around single SCIM requests."""

    def __init__(
        self,
        scim: httpx.Client,
        gateway_url: str,
        recorder: CallRecorder | None,
        instance: str,
        probe_mark: str | None = None,
    ) -> None:
        if recorder is None:
            raise ValueError("the stack was started without record_calls=True")
        self.scim = scim
        self.recorder = recorder
        self.instance = instance
        self.probe_mark = probe_mark
        self.metrics = httpx.Client(base_url=gateway_url, timeout=30)
        self.rows: list[Row] = []

    def read(self) -> tuple[float, float]:
        """Return (SCIM requests handled, target calls) of the meter's instance."""
        text = self.metrics.get("/metrics").raise_for_status().text
        requests = 0.0
        calls = 0.0
        for family in text_string_to_metric_families(text):
            for sample in family.samples:
                if sample.labels.get("instance") != self.instance:
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
        requests_before, calls_before = self.read()
        first = len(self.recorder.queries)

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

        queries = self.recorder.queries[first:]
        probes = 0
        if self.probe_mark is not None:
            probes = sum(1 for query in queries if self.probe_mark in query)
        calls = round(calls_after - calls_before)
        self.rows.append(Row(operation, calls, str(documented), len(queries), probes, seconds))
        return response

    def close(self) -> None:
        self.metrics.close()


def print_call_table(rows: list[Row], target_api: str) -> None:
    """Print the measured calls beside the figure the connector's docstrings give.

    ``target_api`` names the emulated API in the line that compares the metric
    with the calls the emulator received, for example "Admin API".
    """
    print("| Operation | Target calls | Documented |")
    print("|---|---:|---:|")
    for row in rows:
        flag = "" if str(row.calls) == row.documented or _sums_to(row) else " (differs)"
        print(f"| {row.operation} | {row.calls} | {row.documented}{flag} |")

    mismatched = [row for row in rows if row.calls != row.emulator_calls]
    print()
    if not mismatched:
        print(f"The emulator received the same number of {target_api} calls as the metric counted.")
    for row in mismatched:
        print(f"- {row.operation}: metric {row.calls}, emulator received {row.emulator_calls}")


def _sums_to(row: Row) -> bool:
    parts = row.documented.split("+")
    return (
        all(part.strip().isdigit() for part in parts)
        and sum(int(part) for part in parts) == row.calls
    )


# Throughput -------------------------------------------------------------------


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
    """One lookup, as a list of gateway URLs and the equivalent emulator API URLs."""

    name: str
    gateway: list[str]
    direct: list[str]


def chunked(urls: list[str], size: int) -> list[list[str]]:
    return [urls[start : start + size] for start in range(0, len(urls), size)]


class Throughput:
    """Compares request rates through the gateway and directly against the emulator.

    With ``resend_on_close`` a GET that fails with ``httpx.RemoteProtocolError``
    is sent once more, and :attr:`resent` counts those requests. uvicorn closes
    a connection that was idle for 5 s, which a pool waiting for the other
    side's chunk can reach, and a request can race that close.
    """

    def __init__(
        self,
        gateway_headers: dict[str, str],
        direct_headers: dict[str, str],
        clients: int,
        resend_on_close: bool = False,
    ) -> None:
        self.gateway_headers = gateway_headers
        self.direct_headers = direct_headers
        self.clients = clients
        self.resend_on_close = resend_on_close
        self.resent = 0

    def print_table(self, workloads: list[Workload]) -> None:
        """Measure each workload sequentially and concurrently and print a Markdown table."""
        print("| Lookup | Load | Gateway req/s | Direct req/s | Overhead factor |")
        print("|---|---|---:|---:|---:|")
        for workload in workloads:
            gateway, direct = self.compare_sequential(workload)
            print_rate(workload.name, "sequential", gateway, direct)

            gateway, direct = asyncio.run(self.compare_concurrent(workload))
            print_rate(workload.name, f"{self.clients} concurrent clients", gateway, direct)

        if self.resent:
            print(f"\n{self.resent} request(s) were sent again on a new connection.")

    def compare_sequential(self, workload: Workload) -> tuple[Rate, Rate]:
        """Time the gateway and direct URLs in alternating chunks and return (gateway, direct).

        Alternating spreads any slowdown of the machine over both sides of the ratio.
        """
        gateway = Rate(0, 0.0)
        direct = Rate(0, 0.0)
        with (
            httpx.Client(headers=self.gateway_headers, timeout=30) as gateway_client,
            httpx.Client(headers=self.direct_headers, timeout=30) as direct_client,
        ):
            self.run_sequential(gateway_client, workload.gateway[:WARM_UP])
            self.run_sequential(direct_client, workload.direct[:WARM_UP])

            deadline = time.monotonic() + LOOP_SECONDS
            for gateway_urls, direct_urls in zip(
                chunked(workload.gateway, SEQUENTIAL_CHUNK),
                chunked(workload.direct, SEQUENTIAL_CHUNK),
                strict=True,
            ):
                gateway += self.run_sequential(gateway_client, gateway_urls)
                direct += self.run_sequential(direct_client, direct_urls)
                if time.monotonic() > deadline:
                    break
        return gateway, direct

    async def compare_concurrent(self, workload: Workload) -> tuple[Rate, Rate]:
        """Like :meth:`compare_sequential`, with ``clients`` concurrent clients on each side."""
        gateway = Rate(0, 0.0)
        direct = Rate(0, 0.0)
        async with contextlib.AsyncExitStack() as stack:
            gateway_pool = [
                await stack.enter_async_context(
                    httpx.AsyncClient(headers=self.gateway_headers, timeout=30)
                )
                for _ in range(self.clients)
            ]
            direct_pool = [
                await stack.enter_async_context(
                    httpx.AsyncClient(headers=self.direct_headers, timeout=30)
                )
                for _ in range(self.clients)
            ]
            # One untimed request per client opens its connection.
            await self.run_concurrent(gateway_pool, workload.gateway[: self.clients])
            await self.run_concurrent(direct_pool, workload.direct[: self.clients])

            deadline = time.monotonic() + LOOP_SECONDS
            for gateway_urls, direct_urls in zip(
                chunked(workload.gateway, CONCURRENT_CHUNK),
                chunked(workload.direct, CONCURRENT_CHUNK),
                strict=True,
            ):
                gateway += await self.run_concurrent(gateway_pool, gateway_urls)
                direct += await self.run_concurrent(direct_pool, direct_urls)
                if time.monotonic() > deadline:
                    break
        return gateway, direct

    def run_sequential(self, client: httpx.Client, urls: list[str]) -> Rate:
        started = time.perf_counter()
        for url in urls:
            self.get(client, url)
        return Rate(len(urls), time.perf_counter() - started)

    async def run_concurrent(self, pool: list[httpx.AsyncClient], urls: list[str]) -> Rate:
        """Send ``urls`` from every client of ``pool`` at once, each taking the next URL in turn."""
        pending = iter(urls)

        async def worker(client: httpx.AsyncClient) -> None:
            for url in pending:
                await self.get_async(client, url)

        started = time.perf_counter()
        await asyncio.gather(*(worker(client) for client in pool))
        return Rate(len(urls), time.perf_counter() - started)

    def get(self, client: httpx.Client, url: str) -> None:
        try:
            client.get(url).raise_for_status()
        except httpx.RemoteProtocolError:
            if not self.resend_on_close:
                raise
            self.resent += 1
            client.get(url).raise_for_status()

    async def get_async(self, client: httpx.AsyncClient, url: str) -> None:
        try:
            (await client.get(url)).raise_for_status()
        except httpx.RemoteProtocolError:
            if not self.resend_on_close:
                raise
            self.resent += 1
            (await client.get(url)).raise_for_status()


def print_rate(name: str, load: str, gateway: Rate, direct: Rate) -> None:
    ratio = direct.per_second / gateway.per_second
    print(
        f"| {name} | {load} | {gateway.per_second:.0f} ({gateway.requests} in "
        f"{gateway.seconds:.2f} s) | {direct.per_second:.0f} ({direct.requests} in "
        f"{direct.seconds:.2f} s) | {ratio:.2f} |"
    )
