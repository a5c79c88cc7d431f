"""Feeds: what a Region ingests each step, one traffic spec, schedule or stream at a time.

A feed pairs a source of PutEvents calls (a producer, a global endpoint's share of one, the
replication stream, a schedule, another bus's rule, a pipe or a replay) with where each of its
event templates goes once ingested: the (rule, target) routes decided once per template, the
archives that keep it, and the counts a result reports. Its *kind* says how the Region treats
it: which calls count against the PutEvents quota, which a disrupted Region may reject, and which
arrive from elsewhere during a step.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

from bridgetwin.simulator.aws.metrics import MetricStore
from bridgetwin.simulator.calls import Batch
from bridgetwin.simulator.engine.lane import Lane

Route = tuple[Lane, int, MetricStore]
"""Where a matched event goes: the lane, the target's key in it, and its rule's metric store."""
HANDED_OVER = ("hop", "replica", "pipe", "replay")
"""Feeds whose events other parts of the step produce: a step ingests them in waves."""
UNREJECTED = ("schedule", "pipe", "replay")
"""Feeds a disrupted Region does not answer with errors: EventBridge's own scheduled events and
records a pipe moves (its retries are the pipe's, not PutEvents')."""
RETRIED = ("put", "replica")
"""Feeds a part taken in waves (``safe_until(..., errors=...)``) retries within itself."""


class CallSource(Protocol):
    """Where a feed's calls come from, and where rejected ones go back to."""

    width: int
    min_retry_delay: float
    """The shortest delay after which a rejected call comes back."""

    def take(self, t1: float) -> Batch: ...

    def failed(self, batch: Batch, *, throttled: bool) -> None: ...


@dataclass
class Feed:
    """One traffic spec, scheduled rule or replication stream feeding a Region."""

    name: str
    source: CallSource
    routes: list[list[Route]]
    """Per event template: the (rule, target) pairs its events reach."""
    entry_ok: list[bool]
    """Per event template: whether it fits the entry-size limit."""
    kind: str = "put"
    """``put`` (producers' PutEvents), ``replica`` (global-endpoint replication), ``schedule``
    (EventBridge's own scheduled events) or ``hop`` (rules delivering to this bus)."""
    replicate: Callable[[Batch], None] | None = None
    bus: str | None = None
    """Graph id of the bus its events are put on (None: they go straight to targets)."""
    events: list[dict[str, Any]] = field(default_factory=list)
    """Per event template: the event as the bus receives it (for archives)."""
    entry_sizes: list[int] = field(default_factory=list)
    """Per event template of a producer's feed: the entry's size as AWS counts it (empty for
    the events EventBridge itself puts on the bus: their size is their delivered form's)."""
    archived: list[list[tuple[Any, int]]] = field(default_factory=list)
    """Per event template: the archives that keep it, as (recorder, index in the archive)."""
    duplicate: list[bool] = field(default_factory=list)
    """Per event template, on a Custom Event Bus: whether it repeats an entry published less
    than 300 s before (stored once, answered DEDUPLICATED)."""
    deduplicated: int = 0
    failed_entries: int = 0
    throttled_entries: int = 0
    """Entries a Custom Event Bus's publish limits failed (:mod:`.publish_limits`)."""
    throttled_calls: int = 0
    error_calls: int = 0
    accepted_entries: int = 0
