"""Global endpoints: the health check, DNS routing of producers, replication, and failover timing.

The chain AWS documents (eventbridge-facts §5), step by step:

1. The endpoint's alarm watches the primary Region's ``IngestionToInvocationStartLatency``, which
   the twin measures on its own pipeline; a disruption's extra ingestion latency raises it.
2. The Route 53 ``CLOUDWATCH_METRIC`` health check follows the alarm after ``propagation``
   (UNCONFIRMED; default 30 s): OK -> healthy, ALARM -> unhealthy, INSUFFICIENT_DATA -> its
   ``InsufficientDataHealthStatus`` (``LastKnownStatus`` keeps the previous one; a new check
   counts as healthy). ``Inverted`` flips it; a ``Disabled`` check is always healthy.
3. Producers resolve the endpoint every DNS ``ttl`` (at multiples of it): the answer is the
   primary while the check is healthy, the secondary while not.
4. With replication on, managed rules *in the Region that accepted the event* copy it to the
   other Region: after ``lag``, plus whatever ingestion latency that Region suffers at the time
   (a disrupted Region replicates late). Consumers in both Regions see it (duplicates by design;
   AWS asks for idempotent consumers).

Failback is not a special case: once producers use the secondary, the primary's latency metric
lives only on replicated events (or other traffic in that Region). Without either it is silent,
so an alarm that treats missing data as breaching can never recover and traffic never returns:
the manual health-check reset AWS documents for endpoints without replication.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from bridgetwin.graph import HealthCheck
from bridgetwin.simulator.aws.metrics import AlarmModel
from bridgetwin.simulator.calls import Batch
from bridgetwin.simulator.scenario import Disruption

if TYPE_CHECKING:  # the engine hands its producers in; aws never imports the engine
    from bridgetwin.simulator.engine.producers import ProducerSource


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
    disruptions: dict[str, tuple[Disruption, ...]] = field(default_factory=dict)
    """Per Region, its disruptions (they delay the replication rules running there)."""
    replicas: dict[str, ReplicaSource] = field(default_factory=dict)
    _advanced: float = -math.inf
    _pending: dict[str, list[Batch]] = field(default_factory=dict)
    routed_times: dict[str, list[np.ndarray]] = field(default_factory=dict)
    accepted: dict[str, list[tuple[np.ndarray, np.ndarray]]] = field(default_factory=dict)
    """Per Region, (accepted call times, when their copies reach the other Region)."""

    def __post_init__(self) -> None:
        for region in (self.primary, self.secondary):
            self._pending[region] = []
            self.routed_times[region] = []
            self.accepted[region] = []
            self.replicas[region] = ReplicaSource(self.source.width)

    def region_of(self, epoch: float) -> str:
        """Where a producer resolving the endpoint at ``epoch`` sends its calls."""
        return self.primary if self.health.healthy_at(epoch) else self.secondary

    def share(self, region: str) -> _Share:
        return _Share(self, region)

    def replicator(self, region: str):
        """What happens to calls ``region`` accepted: kept for the failover summary and, with
        replication on, copied to the other Region once the managed rules there run."""
        other = self.secondary if region == self.primary else self.primary

        def accept(batch: Batch) -> None:
            due = batch.times + self.lag + self._ingestion_latency(region, batch.times)
            self.accepted[region].append((batch.times, due if self.replication else due + np.inf))
            if self.replication:
                self.replicas[other].push(Batch(due, batch.templates, batch.attempts))

        return accept

    def _ingestion_latency(self, region: str, times: np.ndarray) -> np.ndarray:
        total = np.zeros(len(times))
        for d in self.disruptions.get(region, ()):
            total += ((times >= d.start) & (times < d.end)) * d.ingestion_latency
        return total

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
