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
"""

from __future__ import annotations

import heapq
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from bridgetwin.simulator.gates import gcra_schedule
from bridgetwin.simulator.lane import Lane
from bridgetwin.simulator.metrics import MetricStore
from bridgetwin.simulator.scenario import Traffic
from bridgetwin.simulator.workload import Calls

_Call = tuple[float, int, int, int]
"""A PutEvents call: (time, feed index, call index, throttle retries so far)."""
Route = tuple[Lane, int, MetricStore]
"""Where a matched event goes: the lane, the target's key in it, and its rule's metric store."""


@dataclass
class Feed:
    """One traffic spec (or one scheduled rule) feeding a Region."""

    name: str
    calls: Calls
    routes: list[list[Route]]
    """Per event template: the (rule, target) pairs its events reach."""
    entry_ok: list[bool]
    """Per event template: whether it fits the entry-size limit."""
    traffic: Traffic | None = None
    """None for scheduled rules, which EventBridge itself triggers (no PutEvents)."""
    cursor: int = 0
    lost_at_producer: int = 0
    failed_entries: int = 0
    throttled_calls: int = 0
    accepted_entries: int = 0


def gcra_grants(ready: np.ndarray, rate: float, burst: int, tat: float) -> tuple[np.ndarray, float]:
    """Start times through a delaying token bucket, and its TAT afterwards."""
    starts, tats = gcra_schedule(ready, rate, burst, tat)
    return starts, float(tats[-1]) if len(tats) else tat


@dataclass
class RegionIngestion:
    """PutEvents and routing for one Region."""

    region: str
    feeds: list[Feed]
    put_events_quota: int
    invocation_quota: int
    processing_latency: Callable[[int], np.ndarray]
    store: MetricStore
    _put_tat: float = -np.inf
    _invocation_tat: float = -np.inf
    _retry_heap: list[_Call] = field(default_factory=list)

    def step(self, t0: float, t1: float) -> None:
        self._route(self._admit(*self._calls_in(t1)))

    # -- 1. calls and the PutEvents quota -----------------------------------------------------

    def _calls_in(self, t1: float) -> tuple[list[tuple[int, np.ndarray]], list[_Call]]:
        """This step's new calls per feed (call indices) and the throttled calls retried now."""
        fresh = []
        for index, feed in enumerate(self.feeds):
            stop = int(np.searchsorted(feed.calls.times, t1, side="left"))
            if stop > feed.cursor:
                fresh.append((index, np.arange(feed.cursor, stop)))
                feed.cursor = stop
        retried = []
        while self._retry_heap and self._retry_heap[0][0] < t1:
            retried.append(heapq.heappop(self._retry_heap))
        return fresh, retried

    def _admit(
        self, fresh: list[tuple[int, np.ndarray]], retried: list[_Call]
    ) -> list[tuple[int, np.ndarray, np.ndarray]]:
        """Apply the PutEvents quota; returns the accepted calls per feed: (feed, calls, times)."""
        put = [(i, calls) for i, calls in fresh if self.feeds[i].traffic is not None]
        accepted = [
            (i, calls, self.feeds[i].calls.times[calls])
            for i, calls in fresh
            if self.feeds[i].traffic is None  # scheduled rules: EventBridge calls no PutEvents
        ]
        if not put and not retried:
            return accepted
        times = np.concatenate(
            [self.feeds[i].calls.times[c] for i, c in put] + [[r[0] for r in retried]]
        )
        self.store.record_many("PutEventsApproximateCallCount", times)
        if not retried:
            grants, tat = gcra_grants(
                np.sort(times), self.put_events_quota, self.put_events_quota, self._put_tat
            )
            if np.all(grants <= np.sort(times)):  # nothing throttled: the fast path is exact
                self._put_tat = tat
                self.store.record_many("PutEventsApproximateSuccessCount", times)
                return accepted + [(i, c, self.feeds[i].calls.times[c]) for i, c in put]
        calls = sorted(
            [(float(self.feeds[i].calls.times[c]), i, int(c), 0) for i, cs in put for c in cs]
            + retried
        )
        by_feed: dict[int, list[tuple[int, float]]] = {}
        for at, feed_index, call_index, _ in self._admit_one_by_one(calls):
            by_feed.setdefault(feed_index, []).append((call_index, at))
        for feed_index, entries in by_feed.items():
            call_indices, at = zip(*entries, strict=True)
            accepted.append((feed_index, np.asarray(call_indices), np.asarray(at)))
        return accepted

    def _admit_one_by_one(self, calls: list[_Call]) -> list[_Call]:
        """The PutEvents token bucket call by call: rejected calls take no token."""
        increment = 1.0 / self.put_events_quota
        tolerance = (self.put_events_quota - 1) * increment
        accepted = []
        for call in calls:
            at, feed_index, call_index, attempt = call
            if self._put_tat - tolerance <= at:
                self._put_tat = max(at, self._put_tat) + increment
                accepted.append(call)
                self.store.record("PutEventsApproximateSuccessCount", at)
                continue
            feed = self.feeds[feed_index]
            feed.throttled_calls += 1
            self.store.record("PutEventsApproximateThrottledCount", at)
            traffic = feed.traffic
            assert traffic is not None
            if traffic.on_throttle == "retry" and attempt < traffic.throttle_retries:
                retry_at = at + traffic.throttle_retry_delay * 2**attempt
                heapq.heappush(self._retry_heap, (retry_at, feed_index, call_index, attempt + 1))
            else:
                feed.lost_at_producer += feed.calls.templates.shape[1]
        return accepted

    # -- 2-4. entries, routing, first attempts ------------------------------------------------

    def _route(self, accepted: list[tuple[int, np.ndarray, np.ndarray]]) -> None:
        per_route: dict[tuple[int, int], tuple[Lane, int, list[np.ndarray]]] = {}
        for feed_index, calls, times in accepted:
            feed = self.feeds[feed_index]
            templates = feed.calls.templates[calls]
            entry_times = np.repeat(times, templates.shape[1])
            templates = templates.ravel()
            failed = ~np.asarray(feed.entry_ok)[templates]
            feed.failed_entries += int(failed.sum())
            self.store.record_many("PutEventsFailedEntriesCount", entry_times[failed])
            feed.accepted_entries += int((~failed).sum())
            for template, routes in enumerate(feed.routes):
                if not routes or not feed.entry_ok[template]:
                    continue
                matched = (
                    entry_times[templates == template] if len(feed.routes) > 1 else entry_times
                )
                if not len(matched):
                    continue
                for lane, key, rule_store in routes:
                    per_route.setdefault((id(lane), key), (lane, key, []))[2].append(matched)
                    rule_store.record_many("MatchedEvents", matched)
        if not per_route:
            return
        lanes = [entry[0] for entry in per_route.values()]
        arrivals = [np.concatenate(entry[2]) for entry in per_route.values()]
        keys = np.concatenate(
            [np.full(len(a), e[1]) for a, e in zip(arrivals, per_route.values(), strict=True)]
        )
        owner = np.concatenate([np.full(len(a), i) for i, a in enumerate(arrivals)])
        ingest = np.concatenate(arrivals)
        ready = ingest + self.processing_latency(len(ingest))
        order = np.argsort(ready, kind="stable")
        ready, ingest, keys, owner = ready[order], ingest[order], keys[order], owner[order]
        ready, self._invocation_tat = gcra_grants(
            ready, self.invocation_quota, self.invocation_quota, self._invocation_tat
        )
        for index, lane in enumerate(lanes):
            mine = owner == index
            lane.add(ready[mine], ingest[mine], keys[mine])
