"""How the resilient producer behaves: one configuration for the real client and for the twin.

The same :class:`PublisherConfig` configures :class:`bridgetwin.producer.EventPublisher` and,
as ``traffic[].producer`` in a scenario, the twin's model of that client (its batches, retries
and spool), so a simulation predicts the client a user actually runs. This module imports
nothing heavy (pydantic only): the simulator reads it.

Defaults and why:

- batches of at most 10 entries and 256 KB per request: PutEvents' limits (eventbridge-facts §10);
  an entry is sized as AWS sizes it (:func:`entry_size`);
- retries with exponential backoff and full jitter (base 100 ms, cap 20 s, 8 attempts, at most
  60 s per batch): the AWS Architecture blog's scheme the global-endpoint guidance points to;
  only entries that failed are retried, and only for errors that can pass (throttling,
  internal failures, connection errors), never validation errors;
- a spool (SQLite in WAL mode) when ``spool`` is set: every entry is journaled before it is sent
  and removed once EventBridge accepted it, so a crash loses nothing and entries that could not
  be sent in time are drained, oldest first, when calls succeed again.
"""

from __future__ import annotations

import json
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

RETRYABLE_ERRORS = frozenset({
    "ThrottlingException", "InternalFailure", "InternalException", "ServiceUnavailable",
    "ServiceUnavailableException", "RequestTimeout", "RequestTimeoutException",
    "TooManyRequestsException",
})  # fmt: skip
"""Error codes (per entry or per call) worth retrying; any other code is final."""


class PublisherConfig(BaseModel):
    """The resilient producer's settings (also ``traffic[].producer`` in a scenario)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    max_batch_entries: int = Field(10, ge=1, le=10)
    """Entries per PutEvents request (AWS allows at most 10)."""
    max_request_bytes: int = Field(262_144, gt=0)
    """Bytes per request, all entries together (AWS: less than 256 KB)."""
    max_entry_bytes: int = Field(262_144, gt=0)
    """Bytes per entry; a larger entry is refused by ``publish`` at once."""
    max_attempts: int = Field(8, ge=1, le=100)
    """Attempts per batch before its undelivered entries go to the spool (or are lost)."""
    backoff_base: float = Field(0.1, gt=0)
    backoff_cap: float = Field(20.0, gt=0)
    max_retry_time: float = Field(60.0, gt=0)
    """Seconds a batch may spend retrying before its entries go to the spool."""
    spool: str | None = None
    """Directory of the durable spool (SQLite, WAL). Default: - none (entries that cannot be
    delivered in time are lost and counted)."""
    idempotency_field: str | None = "idempotency-key"
    """Field added to each entry's Detail with a unique key, for consumers to drop duplicates
    (delivery is at least once). None: leave Detail as it is."""


def entry_size(entry: dict[str, Any]) -> int:
    """A PutEvents entry's size as AWS computes it: 14 bytes for Time if set, plus the UTF-8
    bytes of Source, DetailType, Detail and each Resources entry."""
    size = 14 if entry.get("Time") is not None else 0
    for key in ("Source", "DetailType", "Detail"):
        value = entry.get(key)
        if value is not None:
            size += len((value if isinstance(value, str) else json.dumps(value)).encode())
    return size + sum(len(str(r).encode()) for r in entry.get("Resources") or ())
