"""Logging and metrics: one structured log line per request, Prometheus counters.

Log lines are JSON objects on standard error. Values under keys that look like
credentials are masked before rendering, so a secret that reaches a log call
by mistake is still not written.
"""

from __future__ import annotations

import logging
import re
import sys
from collections.abc import MutableMapping
from typing import Any
from urllib.parse import parse_qsl, quote, urlencode

import structlog
from prometheus_client import CollectorRegistry, Counter, Histogram

SECRET_KEYS = frozenset(
    {
        "password",
        "secret",
        "client_secret",
        "token",
        "access_token",
        "refresh_token",
        "authorization",
        "pat",
        "personal_access_token",
        "credential",
        "api_key",
        "x-coupa-api-key",
    }
)
MASK = "***"
MAX_LOGGED_QUERY = 512
"""Characters of a query string kept in the request log line."""

# A filter comparison on a password attribute (``password eq "..."``, also with the
# schema URN in front): the quoted value is replaced with the mask.
_PASSWORD_COMPARISON = re.compile(
    r'(\bpassword\s+(?:eq|ne|co|sw|ew|gt|ge|lt|le)\s+)"(?:[^"\\]|\\.)*("|$)',
    re.IGNORECASE,
)


def _is_secret(key: str) -> bool:
    return key.lower() in SECRET_KEYS


def mask_secrets(
    logger: Any, method: str, event: MutableMapping[str, Any]
) -> MutableMapping[str, Any]:
    """Replace the values of credential-like keys with ``***`` (a structlog processor)."""
    for key in list(event):
        if key != "event" and _is_secret(key) and event[key] is not None:
            event[key] = MASK
    return event


def mask_query_string(raw: bytes) -> str:
    """Return a query string for the log, with credential parameters and password filter
    values masked, cut to ``MAX_LOGGED_QUERY`` characters."""
    if not raw:
        return ""
    pairs = parse_qsl(raw.decode("latin-1"), keep_blank_values=True, encoding="latin-1")
    masked = [(key, _masked_parameter(key, value)) for key, value in pairs]
    return urlencode(masked, safe=":*,", quote_via=quote, encoding="latin-1")[:MAX_LOGGED_QUERY]


def _masked_parameter(key: str, value: str) -> str:
    if _is_secret(key):
        return MASK
    if key.lower() == "filter":
        return _PASSWORD_COMPARISON.sub(rf'\1"{MASK}"', value)
    return value


def configure_logging(level: str = "info") -> None:
    """Send JSON log lines to standard error."""
    numeric = logging.getLevelName(level.upper())
    structlog.configure(
        processors=[
            structlog.contextvars.merge_contextvars,
            structlog.processors.add_log_level,
            structlog.processors.TimeStamper(fmt="iso", utc=True),
            mask_secrets,
            structlog.processors.format_exc_info,
            structlog.processors.JSONRenderer(),
        ],
        wrapper_class=structlog.make_filtering_bound_logger(
            numeric if isinstance(numeric, int) else 20
        ),
        logger_factory=structlog.PrintLoggerFactory(file=sys.stderr),
        cache_logger_on_first_use=False,
    )


class Metrics:
    """The gateway's Prometheus metrics, in a registry of their own."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter(
            "scimbridge_requests_total",
            "SCIM requests answered, by instance, method and status.",
            ["instance", "method", "status"],
            registry=self.registry,
        )
        self.latency = Histogram(
            "scimbridge_request_seconds",
            "Time to answer a SCIM request, in seconds.",
            ["instance", "method"],
            registry=self.registry,
        )
        self.target_calls = Counter(
            "scimbridge_target_calls_total",
            "Calls made to target APIs, by instance.",
            ["instance"],
            registry=self.registry,
        )
