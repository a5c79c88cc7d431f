"""PutEvents in one Region: quota, entry checks, routing, and the hand-off to the lanes.

Each step the Region takes the PutEvents calls made in it:

1. The Region's PutEvents quota (requests per second, a token bucket with one second of burst)
   rejects calls over the limit; the producer retries them with its SDK's backoff or drops them,
   as the scenario says, and dropped entries are lost at the producer.
2. Entries larger than the entry-size limit fail on their own (FailedEntryCount).
3. Each accepted entry is routed by its template: which rules match was decided once per template
   through ``bridgetwin.patterns``' index, since every event of a template matches the same rules.
4. Each (rule, target) gets a first attempt, ready after the processing latency and, when the
   Region's invocation quota is exceeded, later still (delayed, not dropped).

A disrupted Region answers some PutEvents calls with errors (the producer's SDK retries them,
see :mod:`.producers`) and adds ingestion latency, which is what raises the Region's
``IngestionToInvocationStartLatency`` the way AWS would measure it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

import numpy as np

from bridgetwin.simulator.aws.gates import gcra_grants
from bridgetwin.simulator.aws.metrics import MetricStore
from bridgetwin.simulator.aws.quotas import InvocationThrottle
from bridgetwin.simulator.calls import Batch
from bridgetwin.simulator.engine.lane import Lane
from bridgetwin.simulator.engine.targets import ROUNDING
from bridgetwin.simulator.scenario import Disruption

Route = tuple[Lane, int, MetricStore]
"""Where a matched event goes: the lane, the target's key in it, and its rule's metric store."""
_RouteParts = tuple[Lane, int, MetricStore, list[np.ndarray], list[np.ndarray]]
"""A route and what a step sends it: ingestion times and origin times, in parts."""


class CallSource(Protocol):
    """Where a feed's calls come from, and where rejected ones go back to."""

    width: int
    min_retry_delay: float
    """The shortest delay after which a rejected call comes back."""

    def take(self, t1: float) -> Batch: ...

    def failed(self, batch: Batch, *, throttled: bool) -> None: ...


HANDED_OVER = ("hop", "replica", "pipe", "replay")
UNREJECTED = ("schedule", "pipe", "replay")
"""Feeds a disrupted Region does not answer with errors: EventBridge's own scheduled events and
records a pipe moves (its retries are the pipe's, not PutEvents')."""
"""Feeds whose events other parts of the step produce: a step ingests them in waves."""


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
    archived: list[list[tuple[Any, int]]] = field(default_factory=list)
    """Per event template: the archives that keep it, as (recorder, index in the archive)."""
    duplicate: list[bool] = field(default_factory=list)
    """Per event template, on a Custom Event Bus: whether it repeats an entry published less
    than 300 s before (stored once, answered DEDUPLICATED)."""
    deduplicated: int = 0
    failed_entries: int = 0
    throttled_calls: int = 0
    error_calls: int = 0
    accepted_entries: int = 0


def _joined(parts: list[np.ndarray]) -> np.ndarray:
    """The arrays end to end (the one array itself when there is one)."""
    return parts[0] if len(parts) == 1 else np.concatenate(parts)


@dataclass
class RegionIngestion:
    """PutEvents and routing for one Region."""

    region: str
    feeds: list[Feed]
    put_events_quota: int
    invocation_quota: int
    processing_latency: Callable[[int], np.ndarray]
    store: MetricStore
    disruptions: tuple[Disruption, ...] = ()
    rng: np.random.Generator = field(default_factory=lambda: np.random.default_rng(0))
    quota_delayed: int = 0
    """First attempts the invocation quota delayed."""
    _put_tat: float = -np.inf
    _now: float = 0.0
    _invocations: InvocationThrottle = field(init=False)

    def __post_init__(self) -> None:
        self._invocations = InvocationThrottle(self.invocation_quota)

    def safe_until(self, t0: float, t1: float) -> float:
        """How far a step from ``t0`` (to at most ``t1``) may go so that no call it rejects
        could be retried inside it: the first time a call may be rejected (a disruption that
        answers errors, or a call over the PutEvents quota), plus the smallest retry delay."""
        stop = t1
        exposed = [f for f in self.feeds if f.kind not in UNREJECTED]
        for disruption in self.disruptions:
            if disruption.error_rate and disruption.start < stop and disruption.end > t0:
                first = max(t0, disruption.start)
                delays = (f.source.min_retry_delay for f in exposed)  # none: schedules only
                stop = min(stop, first + min(delays, default=np.inf))
        puts = [f for f in self.feeds if f.kind == "put"]
        if not puts:
            return stop
        offered = np.sort(np.concatenate([f.source.peek(stop) for f in puts]))  # type: ignore[attr-defined]
        quota = self.put_events_quota
        grants, _ = gcra_grants(offered, quota, quota, self._put_tat)
        if grants is not offered:
            over = np.flatnonzero(grants > offered + ROUNDING)
            if len(over):  # (every offered call counts, so this is the earliest rejection)
                first = float(offered[over[0]])
                stop = min(stop, first + min(f.source.min_retry_delay for f in puts))
        return max(stop, float(np.nextafter(t0, np.inf)))

    def step(self, t0: float, t1: float, *, handed_over: bool = False) -> None:
        """Ingest the calls made before ``t1``: every feed's, or (``handed_over``) only what
        other Regions and buses handed over since (replicas, :mod:`.hops`)."""
        self._now = t0
        batches = [
            (index, feed.source.take(t1))
            for index, feed in enumerate(self.feeds)
            if not handed_over or feed.kind in HANDED_OVER
        ]
        self._route(self._admit([(i, b) for i, b in batches if len(b)]))

    def handed_over(self, t1: float) -> bool:
        """Whether events handed over from elsewhere arrive here before ``t1``."""
        return any(f.kind in HANDED_OVER and f.source.due_before(t1) for f in self.feeds)  # type: ignore[attr-defined]

    def _disrupted(self, times: np.ndarray, attribute: str) -> np.ndarray:
        """Per time, the sum of ``attribute`` over the disruptions in effect."""
        total = np.zeros(len(times))
        for disruption in self.disruptions:
            active = (times >= disruption.start) & (times < disruption.end)
            total += active * getattr(disruption, attribute)
        return total

    # -- 1. the PutEvents quota and disruption errors -------------------------------------------

    def _admit(self, batches: list[tuple[int, Batch]]) -> list[tuple[int, Batch]]:
        """Apply the PutEvents quota (rejected calls take no token) and the Region's errors."""
        puts = [(i, b) for i, b in batches if self.feeds[i].kind == "put"]
        admitted = dict(batches)
        if puts:
            times = np.concatenate([b.times for _, b in puts])
            self.store.record_many("PutEventsApproximateCallCount", times)
            for _, batch in puts:
                self.store.record_many(
                    "PutEventsEntriesCount", batch.times, batch.templates.shape[1]
                )
            ordered = times if len(puts) == 1 else np.sort(times)
            grants, tat = gcra_grants(
                ordered, self.put_events_quota, self.put_events_quota, self._put_tat
            )
            if grants is ordered or np.all(grants <= ordered + ROUNDING):  # nothing throttled
                self._put_tat = tat
            else:
                admitted.update(self._admit_one_by_one(puts))
        accepted = []
        for index, offered in admitted.items():
            feed, batch = self.feeds[index], offered
            if feed.kind not in UNREJECTED and self.disruptions and len(batch):
                errors = self.rng.random(len(batch)) < self._disrupted(batch.times, "error_rate")
                if errors.any():
                    feed.error_calls += int(errors.sum())
                    self.store.record_many("PutEventsApproximateFailedCount", batch.times[errors])
                    feed.source.failed(batch.select(errors), throttled=False)
                    batch = batch.select(~errors)
            if feed.kind == "put":
                self.store.record_many("PutEventsApproximateSuccessCount", batch.times)
                if feed.replicate is not None and len(batch):
                    feed.replicate(batch)
            accepted.append((index, batch))
        return accepted

    def _admit_one_by_one(self, puts: list[tuple[int, Batch]]) -> dict[int, Batch]:
        """The PutEvents token bucket call by call: rejected calls go back to their producer."""
        increment = 1.0 / self.put_events_quota
        tolerance = (self.put_events_quota - 1) * increment
        calls = sorted((float(t), i, j) for i, b in puts for j, t in enumerate(b.times.tolist()))
        keep = {i: np.zeros(len(b), dtype=bool) for i, b in puts}
        for at, index, position in calls:
            if self._put_tat - tolerance <= at + ROUNDING:
                self._put_tat = max(at, self._put_tat) + increment
                keep[index][position] = True
        out = {}
        for index, batch in puts:
            rejected = ~keep[index]
            if rejected.any():
                self.feeds[index].throttled_calls += int(rejected.sum())
                self.store.record_many("PutEventsApproximateThrottledCount", batch.times[rejected])
                self.feeds[index].source.failed(batch.select(rejected), throttled=True)
            out[index] = batch.select(keep[index])
        return out

    # -- 2-4. entries, routing, first attempts ------------------------------------------------

    def _route(self, accepted: list[tuple[int, Batch]]) -> None:
        per_route: dict[tuple[int, int], _RouteParts] = {}
        chained = False  # whether any event came from another bus (then origins travel along)
        for feed_index, batch in accepted:
            feed = self.feeds[feed_index]
            templates = batch.templates
            width = templates.shape[1]
            entry_times = batch.times if width == 1 else np.repeat(batch.times, width)
            origins = batch.origins  # deliveries from other buses: one entry per call
            chained = chained or origins is not None
            templates = templates.ravel()
            if all(feed.entry_ok):
                feed.accepted_entries += len(templates)
            else:
                failed = ~np.asarray(feed.entry_ok)[templates]
                feed.failed_entries += int(failed.sum())
                self.store.record_many("PutEventsFailedEntriesCount", entry_times[failed])
                feed.accepted_entries += int((~failed).sum())
            for template, routes in enumerate(feed.routes):
                if feed.duplicate and feed.duplicate[template]:  # accepted, not stored again
                    feed.deduplicated += int(np.count_nonzero(templates == template))
                    continue
                keepers = feed.archived[template] if template < len(feed.archived) else None
                if not (routes or keepers) or not feed.entry_ok[template]:
                    continue
                mask = templates == template if len(feed.routes) > 1 else slice(None)
                matched = entry_times[mask]
                for recorder, index in keepers or ():
                    recorder.record(index, matched)
                if not routes:
                    continue
                if not len(matched):
                    continue
                first = matched if origins is None else origins[mask]
                for lane, key, rule_store in routes:
                    entry = per_route.setdefault((id(lane), key), (lane, key, rule_store, [], []))
                    entry[3].append(matched)
                    entry[4].append(first)
                    rule_store.record_many("MatchedEvents", matched)
                    rule_store.record_many("TriggeredRules", matched)
        if not per_route:
            return
        routes = list(per_route.values())
        arrivals = [_joined(route[3]) for route in routes]
        ingest = _joined(arrivals)
        origin = _joined([_joined(route[4]) for route in routes]) if chained else None
        keys = _joined(
            [np.full(len(a), route[1]) for a, route in zip(arrivals, routes, strict=True)]
        )
        # with several routes, which one each event came from, to split them again
        owner = (
            _joined([np.full(len(a), i) for i, a in enumerate(arrivals)])
            if len(routes) > 1
            else None
        )
        self.store.record_many("InvocationsCreated", ingest)
        ready = self._ready(ingest)
        if (ready[1:] < ready[:-1]).any():  # one route is often in order already
            order = np.argsort(ready, kind="stable")
            ready, ingest, keys = ready[order], ingest[order], keys[order]
            owner = owner[order] if owner is not None else None
            origin = origin[order] if origin is not None else None
        granted = self._invocations.grants(ready, self._now)
        if granted is not ready and (granted > ready).any():
            self._throttled_rules(routes, owner, ready, granted)
        if owner is None:
            routes[0][0].add(granted, ingest, keys, origin)
            return
        for index, (lane, *_) in enumerate(routes):
            mine = owner == index
            lane.add(
                granted[mine], ingest[mine], keys[mine], None if origin is None else origin[mine]
            )

    def _throttled_rules(
        self,
        routes: list[_RouteParts],
        owner: np.ndarray | None,
        ready: np.ndarray,
        granted: np.ndarray,
    ) -> None:
        """``ThrottledRules``: invocations the Region's invocation quota delayed, per rule."""
        delayed = granted > ready
        self.quota_delayed += int(np.count_nonzero(delayed))
        for index, (_, _, rule_store, _, _) in enumerate(routes):
            mine = delayed if owner is None else delayed & (owner == index)
            rule_store.record_many("ThrottledRules", ready[mine])

    def _ready(self, ingest: np.ndarray) -> np.ndarray:
        """When ingested events are ready to invoke their targets."""
        ready = ingest + self.processing_latency(len(ingest))
        if self.disruptions:
            ready += self._disrupted(ingest, "ingestion_latency")
        return ready
