"""``EventPublisher``: the PutEvents client that loses nothing, as global-endpoint guidance asks.

boto3 retries whole calls only; PutEvents can succeed for some entries and fail for others
(``FailedEntryCount``, an ``ErrorCode`` per entry), and a Region can refuse calls for minutes
before a global endpoint fails over. This client batches to the API's limits, retries only the
entries that failed and only for errors that can pass, backs off exponentially with full jitter,
and keeps what it could not deliver in a durable spool (:mod:`.spool`) that it drains, oldest
first, when calls succeed again, after a restart too. Delivery is at least once: each entry
carries an idempotency key in its Detail, and entries a crash left in flight are counted as
possible duplicates. Thread-safe; use it as a context manager so ``close`` flushes::

    with EventPublisher("orders", config=PublisherConfig(spool="/var/spool/orders")) as out:
        out.publish({"Source": "acme.orders", "DetailType": "OrderCreated", "Detail": {...}})
"""

from __future__ import annotations

import json
import logging
import random
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterable
from typing import Any

from bridgetwin.producer.config import RETRYABLE_ERRORS, PublisherConfig, entry_size
from bridgetwin.producer.spool import Spool

log = logging.getLogger("bridgetwin.producer")


class EntryTooLarge(ValueError):  # noqa: N818 (reads as the condition it reports)
    """An entry over the size limit: refused by ``publish``, never dropped silently."""


class EventPublisher:
    """Publishes events to one bus (or global endpoint) with batching, retries and a spool."""

    def __init__(
        self,
        bus: str,
        *,
        config: PublisherConfig | None = None,
        client: Any = None,
        region: str | None = None,
        endpoint_url: str | None = None,
        endpoint_id: str | None = None,
        sleep: Callable[[float], None] = time.sleep,
        seed: int | None = None,
    ) -> None:
        self.bus = bus
        self.config = config or PublisherConfig()
        self._client = client or _client(region, endpoint_url)
        self._endpoint_id = endpoint_id
        self._sleep = sleep
        self._random = random.Random(seed)
        self._lock = threading.RLock()
        self._buffer: list[tuple[int | None, dict[str, Any]]] = []
        self.counts: Counter[str] = Counter()
        self._closed: dict[str, int] | None = None
        self._spool = Spool(self.config.spool) if self.config.spool else None
        if self._spool is not None and self._spool.recovered_in_flight:
            self.counts["possible_duplicates"] += self._spool.recovered_in_flight
            log.warning(
                "spool: %d entries were in flight when the last process stopped; they are "
                "resent and may arrive twice",
                self._spool.recovered_in_flight,
            )

    # -- public API ---------------------------------------------------------------------------

    def publish(self, event: dict[str, Any]) -> None:
        self.publish_many([event])

    def publish_many(self, events: Iterable[dict[str, Any]]) -> None:
        """Queue events (``Source``, ``DetailType``, ``Detail``, optional ``Resources``/``Time``);
        full batches are sent at once. Raises :class:`EntryTooLarge` for an oversized entry."""
        entries = [self._entry(e) for e in events]
        with self._lock:
            ids: list[int | None] = (
                list(self._spool.add(entries)) if self._spool else [None] * len(entries)
            )
            self._buffer.extend(zip(ids, entries, strict=True))
            self.counts["published"] += len(entries)
            while len(self._buffer) >= self.config.max_batch_entries:
                batch = self._take_batch()
                if self._send(batch) and self._spool is not None:
                    self._drain()

    def flush(self) -> None:
        """Send everything queued, then drain the spool while calls succeed."""
        with self._lock:
            while self._buffer:
                self._send(self._take_batch())
            if self._spool is not None:
                self._drain()

    def close(self) -> None:
        """Flush, then release the spool; ``snapshot()`` still answers afterwards."""
        if self._closed is not None:
            return
        self.flush()
        self._closed = self.snapshot()
        log.info("producer %s: %s", self.bus, self._closed)
        if self._spool is not None:
            self._spool.close()

    def snapshot(self) -> dict[str, int]:
        """Counters (published, delivered, retried, spooled, drained, failed,
        possible_duplicates) and the spool's depth."""
        if self._closed is not None:
            return dict(self._closed)
        with self._lock:
            depth = self._spool.depth() if self._spool else 0
            keys = ("published", "delivered", "retried", "spooled", "drained", "failed",
                    "possible_duplicates")  # fmt: skip
            return {**{k: self.counts[k] for k in keys}, "spool_depth": depth}

    def __enter__(self) -> EventPublisher:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    # -- batching and sending -----------------------------------------------------------------

    def _entry(self, event: dict[str, Any]) -> dict[str, Any]:
        entry = {k: v for k, v in event.items() if v is not None}
        entry["EventBusName"] = self.bus
        detail = entry.get("Detail", {})
        if isinstance(detail, str):
            detail = json.loads(detail)
        if self.config.idempotency_field and isinstance(detail, dict):
            detail = {**detail, self.config.idempotency_field: str(uuid.uuid4())}
        entry["Detail"] = json.dumps(detail, separators=(",", ":"))
        if "Time" in entry and not isinstance(entry["Time"], str):
            entry["Time"] = entry["Time"].isoformat()
        size = entry_size(entry)
        if size > self.config.max_entry_bytes:
            limit = self.config.max_entry_bytes
            raise EntryTooLarge(
                f"entry of {size:,} bytes is over the {limit:,}-byte limit (Source, DetailType, "
                "Detail and Resources, sized as AWS sizes them)"
            )
        return entry

    def _take_batch(self) -> list[tuple[int | None, dict[str, Any]]]:
        batch, size = [], 0
        while self._buffer and len(batch) < self.config.max_batch_entries:
            entry_bytes = entry_size(self._buffer[0][1])
            if batch and size + entry_bytes > self.config.max_request_bytes:
                break
            batch.append(self._buffer.pop(0))
            size += entry_bytes
        return batch

    def _drain(self) -> None:
        """Send spooled entries, oldest first, until the spool is empty or a send fails."""
        assert self._spool is not None
        sending = {i for i, _ in self._buffer if i is not None}
        while True:
            rows = self._spool.oldest(self.config.max_batch_entries, sending)
            if not rows:
                return
            delivered = self._send(list(rows), drained=True)
            if delivered < len(rows):
                return

    def _send(
        self, batch: list[tuple[int | None, dict[str, Any]]], *, drained: bool = False
    ) -> int:
        """Deliver a batch, retrying what can pass; returns how many entries were accepted."""
        pending = list(batch)
        ids = [i for i, _ in batch if i is not None]
        if self._spool is not None and ids:
            self._spool.mark(ids, "sending")
        started, delivered = time.monotonic(), 0
        for attempt in range(self.config.max_attempts):
            if attempt:
                self.counts["retried"] += len(pending)
            accepted, final, pending = self._call(pending)
            delivered += len(accepted)
            self._settle(accepted, final, drained)
            if not pending:
                return delivered
            ceiling = min(self.config.backoff_cap, self.config.backoff_base * 2**attempt)
            delay = self._random.uniform(0, ceiling)
            if time.monotonic() - started + delay > self.config.max_retry_time:
                break
            if attempt + 1 < self.config.max_attempts:
                self._sleep(delay)
        self._give_up(pending, drained)
        return delivered

    def _call(self, pending):
        """One PutEvents call: (accepted, failed for good, to retry)."""
        kwargs: dict[str, Any] = {"Entries": [e for _, e in pending]}
        if self._endpoint_id:
            kwargs["EndpointId"] = self._endpoint_id
        try:
            response = self._client.put_events(**kwargs)
        except Exception as exc:
            if _retryable_call_error(exc):
                return [], [], pending
            log.warning("PutEvents refused a batch for good: %s", exc)
            return [], pending, []
        accepted, final, again = [], [], []
        for item, result in zip(pending, response.get("Entries", []), strict=False):
            if result.get("EventId"):
                accepted.append(item)
            elif result.get("ErrorCode") in RETRYABLE_ERRORS:
                again.append(item)
            else:
                final.append(item)
        again.extend(pending[len(response.get("Entries", [])) :])  # no result: not accepted
        return accepted, final, again

    def _settle(self, accepted, final, drained: bool) -> None:
        self.counts["delivered"] += len(accepted)
        if drained:
            self.counts["drained"] += len(accepted)
        if final:
            self.counts["failed"] += len(final)
            log.warning("%d entries failed for good (not retryable)", len(final))
        if self._spool is not None:
            self._spool.remove([i for i, _ in accepted + final if i is not None])

    def _give_up(self, pending, drained: bool) -> None:
        if not pending:
            return
        if self._spool is not None:
            self._spool.mark([i for i, _ in pending if i is not None], "pending")
            if not drained:  # already counted when they were first put aside
                self.counts["spooled"] += len(pending)
            log.warning("%d entries spooled until PutEvents succeeds again", len(pending))
        else:
            self.counts["failed"] += len(pending)
            log.warning("%d entries lost: retries exhausted and no spool configured", len(pending))


def _retryable_call_error(exc: Exception) -> bool:
    """Throttling, 5xx and connection problems pass; anything else will not."""
    response = getattr(exc, "response", None)
    if isinstance(response, dict):
        code = response.get("Error", {}).get("Code", "")
        status = response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0)
        return code in RETRYABLE_ERRORS or status == 429 or status >= 500
    return True  # no response at all: a connection reset, a timeout, a DNS failure


def _client(region: str | None, endpoint_url: str | None) -> Any:
    import boto3
    from botocore.config import Config

    # retries are this client's (per entry); boto3's own would resend whole calls
    return boto3.client("events", region_name=region, endpoint_url=endpoint_url,
                        config=Config(retries={"max_attempts": 1, "mode": "standard"}))  # fmt: skip
