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
    _retry_heap: list[tuple[float, int, int, int]] = field(default_factory=list)

    def step(self, t0: float, t1: float) -> None:
        calls = self._calls_in(t0, t1)
        accepted = self._admit(calls)
        self._route(accepted)

    # -- 1. calls and the PutEvents quota -----------------------------------------------------

    def _calls_in(self, t0: float, t1: float) -> list[tuple[float, int, int, int]]:
        """(time, feed, call index, throttle attempt) of calls made in [t0, t1), sorted."""
        out: list[tuple[float, int, int, int]] = []
        for index, feed in enumerate(self.feeds):
            times = feed.calls.times
            stop = int(np.searchsorted(times, t1, side="left"))
            out.extend(
                (float(t), index, i, 0)
                for i, t in zip(range(feed.cursor, stop), times[feed.cursor : stop], strict=True)
            )
            feed.cursor = stop
        while self._retry_heap and self._retry_heap[0][0] < t1:
            out.append(heapq.heappop(self._retry_heap))
        out.sort()
        return out

    def _admit(self, calls: list[tuple[float, int, int, int]]) -> list[tuple[float, int, int]]:
        """Apply the PutEvents quota (rejected calls take no token); returns accepted calls."""
        put_calls = [c for c in calls if self.feeds[c[1]].traffic is not None]
        if put_calls:
            times = np.fromiter((c[0] for c in put_calls), float, len(put_calls))
            self.store.record_many("PutEventsApproximateCallCount", times)
            grants, tat = gcra_grants(
                times, self.put_events_quota, self.put_events_quota, self._put_tat
            )
            if np.all(grants <= times):  # nothing throttled: the fast path is exact
                self._put_tat = tat
                self.store.record_many("PutEventsApproximateSuccessCount", times)
            else:
                put_calls = self._admit_one_by_one(put_calls)
        scheduled = [c[:3] for c in calls if self.feeds[c[1]].traffic is None]
        return [c[:3] for c in put_calls] + scheduled

    def _admit_one_by_one(self, calls: list[tuple[float, int, int, int]]):
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

    def _route(self, calls: list[tuple[float, int, int]]) -> None:
        per_route: dict[tuple[int, int], tuple[Lane, int, list[float]]] = {}
        for at, feed_index, call_index in calls:
            feed = self.feeds[feed_index]
            for template in feed.calls.templates[call_index].tolist():
                if not feed.entry_ok[template]:
                    feed.failed_entries += 1
                    self.store.record("PutEventsFailedEntriesCount", at)
                    continue
                feed.accepted_entries += 1
                for lane, key, rule_store in feed.routes[template]:
                    entry = per_route.setdefault((id(lane), key), (lane, key, []))
                    entry[2].append(at)
                    rule_store.record("MatchedEvents", at)
        if not per_route:
            return
        lanes = [entry[0] for entry in per_route.values()]
        keys = np.concatenate([np.full(len(e[2]), e[1]) for e in per_route.values()])
        owner = np.concatenate([np.full(len(e[2]), i) for i, e in enumerate(per_route.values())])
        ingest = np.concatenate([np.asarray(e[2]) for e in per_route.values()])
        ready = ingest + self.processing_latency(len(ingest))
        order = np.argsort(ready, kind="stable")
        ready, ingest, keys, owner = ready[order], ingest[order], keys[order], owner[order]
        ready, self._invocation_tat = gcra_grants(
            ready, self.invocation_quota, self.invocation_quota, self._invocation_tat
        )
        for index, lane in enumerate(lanes):
            mine = owner == index
            lane.add(ready[mine], ingest[mine], keys[mine])
