"""PutEvents in one Region: quota, entry checks, routing, and the hand-off to the lanes.

Each step the Region takes the PutEvents calls made in it:

1. The Region's PutEvents quota rejects calls over it, and a disrupted Region answers some with
   errors; the producers retry them or give up (:mod:`.put_admission`, which also cuts a step's
   ingestion into parts so that every retry is made at its time).
2. Entries larger than the entry-size limit fail on their own (FailedEntryCount), as do, on a
   Custom Event Bus, entries over the bus's or their event group's throughput
   (:mod:`.publish_limits`).
3. Each accepted entry is routed by its template: which rules match was decided once per template
   through ``bridgetwin.patterns``' index, since every event of a template matches the same rules.
4. Each (rule, target) gets a first attempt, ready after the processing latency and, when the
   Region's invocation quota is exceeded, later still (delayed, not dropped).

A disrupted Region also adds ingestion latency, which is what raises the Region's
``IngestionToInvocationStartLatency`` the way AWS would measure it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from bridgetwin.simulator.aws.metrics import MetricStore
from bridgetwin.simulator.aws.quotas import InvocationThrottle
from bridgetwin.simulator.calls import Batch
from bridgetwin.simulator.engine.feeds import HANDED_OVER, RETRIED, Feed
from bridgetwin.simulator.engine.lane import Lane
from bridgetwin.simulator.engine.publish_limits import PublishLimits
from bridgetwin.simulator.engine.put_admission import PutEventsAdmission
from bridgetwin.simulator.scenario import Disruption

_RouteParts = tuple[Lane, int, MetricStore, list[np.ndarray], list[np.ndarray]]
"""A route and what a step sends it: ingestion times and origin times, in parts."""


def _joined(parts: list[np.ndarray]) -> np.ndarray:
    """The arrays end to end (the one array itself when there is one)."""
    return parts[0] if len(parts) == 1 else np.concatenate(parts)


@dataclass
class RegionIngestion(PutEventsAdmission):
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
    publish_limits: PublishLimits | None = None
    """A Region's Custom Event Buses: their per-bus and per-event-group limits."""
    _put_tat: float = -np.inf
    _now: float = 0.0
    _waves: bool = False
    _part_calls: list[np.ndarray] = field(default_factory=list)
    _invocations: InvocationThrottle = field(init=False)

    def __post_init__(self) -> None:
        self._invocations = InvocationThrottle(self.invocation_quota)

    def step(
        self, t0: float, t1: float, *, handed_over: bool = False, retried: bool = False
    ) -> None:
        """Ingest the calls made before ``t1``: every feed's, only what other Regions and buses
        handed over since (``handed_over``: replicas, :mod:`.hops`), or only the retries (and
        replicas) that fell inside a part taken in waves (``retried``)."""
        self._now = t0
        batches = [
            (index, feed.source.take(t1))
            for index, feed in enumerate(self.feeds)
            if (feed.kind in HANDED_OVER if handed_over else not retried or feed.kind in RETRIED)
        ]
        self._route(self._admit([(i, b) for i, b in batches if len(b)]))

    def handed_over(self, t1: float) -> bool:
        """Whether events handed over from elsewhere arrive here before ``t1``."""
        return any(f.kind in HANDED_OVER and f.source.due_before(t1) for f in self.feeds)  # type: ignore[attr-defined]

    # -- 2-4. entries, routing, first attempts ------------------------------------------------

    def _route(self, accepted: list[tuple[int, Batch]]) -> None:
        per_route: dict[tuple[int, int], _RouteParts] = {}
        chained = False  # whether any event came from another bus (then origins travel along)
        limited = self.publish_limits.admit(accepted, self.feeds) if self.publish_limits else {}
        for feed_index, batch in accepted:
            feed = self.feeds[feed_index]
            templates = batch.templates
            width = templates.shape[1]
            entry_times = batch.times if width == 1 else np.repeat(batch.times, width)
            origins = batch.origins  # deliveries from other buses: one entry per call
            chained = chained or origins is not None
            templates = templates.ravel()
            admitted = limited.get(feed_index)
            if admitted is not None:  # over a Custom Event Bus's limit: failed entries
                feed.throttled_entries += int(np.count_nonzero(~admitted))
                self.store.record_many("PutEventsFailedEntriesCount", entry_times[~admitted])
                templates, entry_times = templates[admitted], entry_times[admitted]
                origins = None if origins is None else origins[admitted]
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
