"""Global endpoints: the health check, DNS routing of producers, replication, and failover timing.

The chain AWS documents (eventbridge-facts §5), step by step:

1. The endpoint's alarm watches the primary Region's ``IngestionToInvocationStartLatency``, which
   the twin measures on its own pipeline; a disruption's extra ingestion latency raises it.
2. The Route 53 ``CLOUDWATCH_METRIC`` health check follows the alarm after ``propagation``
   (UNCONFIRMED; default 30 s): OK -> healthy, ALARM -> unhealthy, INSUFFICIENT_DATA -> its
   ``InsufficientDataHealthStatus`` (``LastKnownStatus`` keeps the previous one; a new check
   counts as healthy). ``Inverted`` flips it; a ``Disabled`` check is always healthy.
3. Producers resolve the endpoint every DNS ``ttl`` (at multiples of it): the answer is the
   primary while the check is healthy, the secondary while not. Without replication there is no
   automatic way back: once traffic moves, it stays until someone resets the health check.
4. With replication on, managed rules copy every event accepted in one Region to the other
   after ``lag``, so consumers in both Regions see it (duplicates by design; AWS asks for
   idempotent consumers).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from bridgetwin.graph import HealthCheck
from bridgetwin.simulator.metrics import AlarmModel
from bridgetwin.simulator.producers import Batch, ProducerSource
from bridgetwin.simulator.scenario import Disruption


@dataclass
class HealthModel:
    """A CLOUDWATCH_METRIC health check following an alarm, ``propagation`` seconds late."""

    check: HealthCheck | None
    alarm: AlarmModel | None
    propagation: float

    def healthy_at(self, t: float) -> bool:
        check = self.check
        if check is None or check.disabled or self.alarm is None:
            return True
        healthy = True  # a new check with no history counts as healthy
        for transition in self.alarm.transitions:
            if transition.at_s + self.propagation > t:
                break
            if transition.state == "OK":
                healthy = True
            elif transition.state == "ALARM":
                healthy = False
            elif check.insufficient_data_health_status in ("Healthy", "Unhealthy"):
                healthy = check.insufficient_data_health_status == "Healthy"
        return healthy != check.inverted

    def changes(self, horizon: float) -> list[tuple[float, bool]]:
        """(time, healthy) whenever the health status changes, up to ``horizon``."""
        out: list[tuple[float, bool]] = []
        current = self.healthy_at(0.0)
        times = [t.at_s + self.propagation for t in (self.alarm.transitions if self.alarm else [])]
        for at in times:
            if at <= horizon and self.healthy_at(at) != current:
                current = not current
                out.append((at, current))
        return out


class ReplicaSource:
    """Events copied into this Region by the managed replication rules, due after the lag.

    Kept as sorted parts (one per step's copies or failed retries) and taken from each part's
    front, so a step costs O(parts), not O(backlog), while the Region is down."""

    def __init__(self, width: int) -> None:
        self.width = width
        self._parts: list[Batch] = []

    def push(self, batch: Batch) -> None:
        if len(batch):
            order = np.argsort(batch.times, kind="stable")
            self._parts.append(batch.select(order))

    def take(self, t1: float) -> Batch:
        due, kept = [], []
        for part in self._parts:
            k = int(part.times.searchsorted(t1, side="left"))
            if k:
                due.append(part.select(slice(None, k)))
            if k < len(part):
                kept.append(part.select(slice(k, None)) if k else part)
        self._parts = kept
        return Batch.merge(due, self.width)

    def failed(self, batch: Batch, *, throttled: bool, not_before: float) -> None:
        """Replication retries for its window (24 h per AWS, UNCONFIRMED): exponential backoff
        from 1 s up to 60 s."""
        delay = np.minimum(60.0, 2.0 ** np.minimum(batch.attempts, 6))
        retry_at = np.maximum(batch.times + delay, not_before)
        self.push(Batch(retry_at, batch.templates, batch.attempts + 1))


@dataclass
class EndpointRouter:
    """One producer putting events through a global endpoint."""

    name: str
    source: ProducerSource
    primary: str
    secondary: str
    health: HealthModel
    ttl: float
    replication: bool
    lag: float
    replicas: dict[str, ReplicaSource] = field(default_factory=dict)
    _advanced: float = -math.inf
    _pending: dict[str, list[Batch]] = field(default_factory=dict)
    routed_times: dict[str, list[np.ndarray]] = field(default_factory=dict)
    _switched_for_good: float | None = None

    def __post_init__(self) -> None:
        for region in (self.primary, self.secondary):
            self._pending[region] = []
            self.routed_times[region] = []
            self.replicas[region] = ReplicaSource(self.source.width)

    def region_of(self, epoch: float) -> str:
        """Where a producer resolving the endpoint at ``epoch`` sends its calls."""
        if self._switched_for_good is not None and epoch >= self._switched_for_good:
            return self.secondary
        if self.health.healthy_at(epoch):
            return self.primary
        if not self.replication:  # no automatic failback: a person must reset the check
            self._switched_for_good = epoch
        return self.secondary

    def share(self, region: str) -> _Share:
        return _Share(self, region)

    def replicator(self, region: str):
        other = self.secondary if region == self.primary else self.primary

        def replicate(batch: Batch) -> None:
            self.replicas[other].push(
                Batch(batch.times + self.lag, batch.templates, batch.attempts)
            )

        return replicate if self.replication else None

    def advance(self, t1: float) -> None:
        if t1 <= self._advanced:
            return
        self._advanced = t1
        batch = self.source.take(t1)
        if not len(batch):
            return
        epochs = np.floor(batch.times / self.ttl) * self.ttl
        distinct, which = np.unique(epochs, return_inverse=True)  # DNS answers change per epoch
        regions = np.asarray([self.region_of(e) for e in distinct.tolist()])[which]
        for region in (self.primary, self.secondary):
            mine = regions == region
            if mine.any():
                self._pending[region].append(batch.select(mine))
                self.routed_times[region].append(batch.times[mine])

    def take(self, region: str, t1: float) -> Batch:
        self.advance(t1)
        batch = Batch.merge(self._pending[region], self.source.width)
        self._pending[region] = []
        return batch


@dataclass
class _Share:
    """The part of a producer's calls that DNS sends to one Region."""

    router: EndpointRouter
    region: str

    @property
    def width(self) -> int:
        return self.router.source.width

    def take(self, t1: float) -> Batch:
        return self.router.take(self.region, t1)

    def failed(self, batch: Batch, *, throttled: bool, not_before: float) -> None:
        self.router.source.failed(batch, throttled=throttled, not_before=not_before)


def _first(times: list[float], after: float) -> float | None:
    later = [t for t in times if t >= after]
    return min(later) if later else None


def failover_summary(
    router: EndpointRouter,
    disruptions: tuple[Disruption, ...],
    horizon: float,
    delivered_by_region: dict[str, int],
    duplicated: int,
) -> dict[str, Any]:
    """What the failover cost: when each link of the chain reacted, and what was at risk."""
    start = min((d.start for d in disruptions), default=None)
    alarm = router.health.alarm
    alarm_times = [t.at_s for t in (alarm.transitions if alarm else []) if t.state == "ALARM"]
    health = router.health.changes(horizon)
    unhealthy = [t for t, ok in health if not ok]
    healthy_again = [t for t, ok in health if ok]
    routed_secondary = np.concatenate(router.routed_times[router.secondary] or [np.empty(0)])
    routed_primary = np.concatenate(router.routed_times[router.primary] or [np.empty(0)])
    anchor = start if start is not None else 0.0
    alarm_at = _first(alarm_times, anchor)
    unhealthy_at = _first(unhealthy, anchor)
    switched_at = float(routed_secondary.min()) if len(routed_secondary) else None
    if switched_at is not None and unhealthy_at is not None:
        switched_at = math.ceil(unhealthy_at / router.ttl) * router.ttl
    failback_at = None
    if switched_at is not None and router.replication:
        back = routed_primary[routed_primary > switched_at]
        failback_at = float(math.ceil(back.min() / router.ttl) * router.ttl) if len(back) else None
    rto = None if start is None or switched_at is None else switched_at - start
    if start is None:
        rpo = None
    elif router.replication:
        rpo = router.lag + max((d.ingestion_latency for d in disruptions), default=0.0)
    else:
        rpo = rto
    at_risk_end = (
        switched_at if switched_at is not None else max((d.end for d in disruptions), default=0.0)
    )
    at_risk = (
        0
        if start is None
        else int(((routed_primary >= start) & (routed_primary < at_risk_end)).sum())
        * router.source.width
    )
    timeline = [(d.start, f"{router.primary} disrupted") for d in disruptions]
    timeline += [(d.end, f"{router.primary} recovers") for d in disruptions]
    timeline += [
        (t.at_s, f"alarm {t.state}") for t in (alarm.transitions if alarm else []) if t.at_s > 60
    ]
    timeline += [(t, "health check " + ("healthy" if ok else "unhealthy")) for t, ok in health]
    if switched_at is not None:
        timeline.append((switched_at, f"producers resolve to {router.secondary} (failover)"))
    if failback_at is not None:
        timeline.append((failback_at, f"producers resolve to {router.primary} (failback)"))
    elif switched_at is not None and not router.replication:
        timeline.append(
            (switched_at, "no automatic failback: reset the Route 53 health check by hand")
        )
    return {
        "endpoint": router.name,
        "failovers": len(unhealthy),
        "timeline": [{"at_s": at, "event": text} for at, text in sorted(timeline)],
        "primary_region": router.primary,
        "secondary_region": router.secondary,
        "disruption_start_s": start,
        "alarm_at_s": alarm_at,
        "unhealthy_at_s": unhealthy_at,
        "switched_at_s": switched_at,
        "healthy_again_at_s": _first(healthy_again, unhealthy_at or math.inf)
        if unhealthy_at
        else None,
        "failback_at_s": failback_at,
        "manual_reset_required": bool(switched_at is not None and not router.replication),
        "rto_s": rto,
        "rpo_s": rpo,
        "parts": {
            "alarm_window_s": None if alarm_at is None or start is None else alarm_at - start,
            "health_check_propagation_s": router.health.propagation,
            "dns_ttl_wait_s": None
            if switched_at is None or unhealthy_at is None
            else switched_at - unhealthy_at,
        },
        "events_at_risk": at_risk,
        "events_lost": router.source.lost_entries,
        "events_still_at_producer": router.source.waiting_entries,
        "events_duplicated": duplicated,
        "delivered_by_region": delivered_by_region,
    }
